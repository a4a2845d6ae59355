package oktasim

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
)

// parseJWKs reads one public JWK, or a JWK set {"keys": [...]}.
func parseJWKs(raw string) ([]clientKey, error) {
	var set struct {
		Keys []jwkJSON `json:"keys"`
	}
	if err := json.Unmarshal([]byte(raw), &set); err != nil {
		return nil, fmt.Errorf("parse JWK: %w", err)
	}
	if set.Keys == nil {
		var j jwkJSON
		if err := json.Unmarshal([]byte(raw), &j); err != nil {
			return nil, fmt.Errorf("parse JWK: %w", err)
		}
		set.Keys = []jwkJSON{j}
	}
	var out []clientKey
	for i, j := range set.Keys {
		k, err := j.publicKey()
		if err != nil {
			return nil, fmt.Errorf("key %d: %w", i, err)
		}
		out = append(out, clientKey{kid: j.Kid, key: k})
	}
	return out, nil
}

// clientFile is the JSON form of a registered OAuth client.
type clientFile struct {
	ClientID string            `json:"clientId"`
	Scopes   []string          `json:"scopes"`
	DPoP     bool              `json:"dpop"`
	Keys     []json.RawMessage `json:"keys"`
}

// LoadClientsFile reads OAuth clients from a JSON file: an array of
// {"clientId", "scopes", "dpop", "keys"}, where each key is a public JWK
// object, a JWK set, or a PEM public key ("-----BEGIN PUBLIC KEY-----",
// PKIX) as a JSON string.
func LoadClientsFile(path string) ([]OAuthClient, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read OAuth clients file: %w", err)
	}
	var files []clientFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&files); err != nil {
		return nil, fmt.Errorf("parse OAuth clients file %s: %w", path, err)
	}
	out := make([]OAuthClient, 0, len(files))
	for i, f := range files {
		c := OAuthClient{ClientID: f.ClientID, Scopes: f.Scopes, DPoP: f.DPoP}
		for j, raw := range f.Keys {
			var pemText string
			if err := json.Unmarshal(raw, &pemText); err == nil {
				k, err := parsePEMPublicKey(pemText)
				if err != nil {
					return nil, fmt.Errorf("OAuth clients file %s: client %d key %d: %w", path, i, j, err)
				}
				c.PublicKeys = append(c.PublicKeys, k)
				continue
			}
			c.JWKs = append(c.JWKs, string(raw))
		}
		out = append(out, c)
	}
	return out, nil
}

// parsePEMPublicKey reads a PKIX ("PUBLIC KEY") or PKCS#1 ("RSA PUBLIC
// KEY") PEM block.
func parsePEMPublicKey(text string) (crypto.PublicKey, error) {
	block, _ := pem.Decode([]byte(text))
	if block == nil {
		return nil, errors.New("not a PEM block")
	}
	switch block.Type {
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse public key: %w", err)
		}
		return k, nil
	case "RSA PUBLIC KEY":
		k, err := x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse RSA public key: %w", err)
		}
		return k, nil
	}
	return nil, fmt.Errorf("PEM block %q is not a public key", block.Type)
}

func checkPublicKey(k crypto.PublicKey) error {
	switch key := k.(type) {
	case *rsa.PublicKey:
		return nil
	case *ecdsa.PublicKey:
		if key.Curve != elliptic.P256() {
			return errors.New("only P-256 EC keys are supported")
		}
		return nil
	}
	return fmt.Errorf("unsupported public key type %T", k)
}

// jwkJSON is a public JSON Web Key.
type jwkJSON struct {
	Kty string `json:"kty"`
	Kid string `json:"kid,omitempty"`
	Crv string `json:"crv,omitempty"`
	X   string `json:"x,omitempty"`
	Y   string `json:"y,omitempty"`
	N   string `json:"n,omitempty"`
	E   string `json:"e,omitempty"`
	D   string `json:"d,omitempty"`
}

func b64Int(s string) (*big.Int, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) == 0 {
		return nil, errors.New("bad base64url integer")
	}
	return new(big.Int).SetBytes(b), nil
}

func (j jwkJSON) publicKey() (crypto.PublicKey, error) {
	if j.D != "" {
		return nil, errors.New("the JWK holds a private key")
	}
	switch j.Kty {
	case "RSA":
		n, err := b64Int(j.N)
		if err != nil {
			return nil, fmt.Errorf("RSA n: %w", err)
		}
		e, err := b64Int(j.E)
		if err != nil || !e.IsInt64() || e.Int64() > 1<<31 {
			return nil, errors.New("RSA e is invalid")
		}
		if n.BitLen() < 2048 {
			return nil, errors.New("RSA key shorter than 2048 bits")
		}
		return &rsa.PublicKey{N: n, E: int(e.Int64())}, nil
	case "EC":
		if j.Crv != "P-256" {
			return nil, fmt.Errorf("EC curve %q is not P-256", j.Crv)
		}
		x, err := b64Int(j.X)
		if err != nil {
			return nil, fmt.Errorf("EC x: %w", err)
		}
		y, err := b64Int(j.Y)
		if err != nil {
			return nil, fmt.Errorf("EC y: %w", err)
		}
		// Check the point is on the curve through the uncompressed encoding.
		buf := make([]byte, 65)
		buf[0] = 4
		if len(x.Bytes()) > 32 || len(y.Bytes()) > 32 {
			return nil, errors.New("EC coordinates too long")
		}
		x.FillBytes(buf[1:33])
		y.FillBytes(buf[33:])
		pk, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), buf)
		if err != nil {
			return nil, fmt.Errorf("EC point: %w", err)
		}
		return pk, nil
	}
	return nil, fmt.Errorf("unsupported key type %q", j.Kty)
}

// thumbprint is the RFC 7638 SHA-256 thumbprint of a public JWK.
func (j jwkJSON) thumbprint() string {
	var canon string
	switch j.Kty {
	case "RSA":
		canon = `{"e":"` + j.E + `","kty":"RSA","n":"` + j.N + `"}`
	default:
		canon = `{"crv":"` + j.Crv + `","kty":"` + j.Kty + `","x":"` + j.X + `","y":"` + j.Y + `"}`
	}
	sum := sha256.Sum256([]byte(canon))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
