package okta

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	tokenPath     = "oauth2/v1/token"
	assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	// assertionTTL is the lifetime of a client assertion (Okta allows at
	// most one hour).
	assertionTTL = 5 * time.Minute
	// tokenRefreshMargin is how long before its expiry an access token is
	// replaced (at most half its lifetime).
	tokenRefreshMargin = 5 * time.Minute
	// maxTokenAttempts bounds the exchanges of one token fetch (DPoP
	// discovery and the nonce handshake).
	maxTokenAttempts = 4
)

// privateKeyConfig holds the settings of the PrivateKey authorization mode.
type privateKeyConfig struct {
	clientID string
	scopes   []string
	key      []byte
	kid      string
}

// WithPrivateKey authenticates as an OAuth 2.0 service app
// (authorizationMode PrivateKey): the client asks the org's token endpoint
// for an access token with the client-credentials grant and a client
// assertion signed with key (RS256 for an RSA key, ES256 for an EC P-256
// key). key is a PEM block (PKCS#1, PKCS#8 or SEC 1) or a JWK as JSON; kid,
// when not empty, names the key (otherwise a JWK's own kid is used). The
// access token is cached until shortly before it expires. When the org
// issues DPoP-bound tokens, the client proves possession with a key of its
// own on every request.
func WithPrivateKey(clientID string, scopes []string, keyPEMorJWK []byte, kid string) Option {
	return func(c *Client) error {
		clientID = strings.TrimSpace(clientID)
		if clientID == "" {
			return errors.New("okta: private key authorization: empty client id")
		}
		var sc []string
		for _, s := range scopes {
			sc = append(sc, strings.Fields(s)...)
		}
		if len(sc) == 0 {
			return errors.New("okta: private key authorization: no scopes")
		}
		if len(bytes.TrimSpace(keyPEMorJWK)) == 0 {
			return errors.New("okta: private key authorization: empty private key")
		}
		c.set.privateKey = &privateKeyConfig{clientID: clientID, scopes: sc, key: bytes.Clone(keyPEMorJWK), kid: strings.TrimSpace(kid)}
		return nil
	}
}

// signer is a parsed private key with its JWS algorithm.
type signer struct {
	key    crypto.Signer
	method jwt.SigningMethod
	kid    string
}

// parsePrivateKey reads a PEM (PKCS#1, PKCS#8, SEC 1) or JWK private key.
// Its errors never quote the key.
func parsePrivateKey(data []byte, kid string) (*signer, error) {
	data = bytes.TrimSpace(data)
	if !bytes.Contains(data, []byte("\n")) && bytes.Contains(data, []byte(`\n`)) {
		// A PEM pasted into one environment variable line.
		data = bytes.ReplaceAll(data, []byte(`\n`), []byte("\n"))
	}
	var key any
	if bytes.HasPrefix(data, []byte("{")) {
		k, jwkKid, err := parseJWK(data)
		if err != nil {
			return nil, err
		}
		key = k
		if kid == "" {
			kid = jwkKid
		}
	} else {
		block, _ := pem.Decode(data)
		if block == nil {
			return nil, errors.New("private key is neither a PEM block nor a JWK")
		}
		var err error
		switch block.Type {
		case "RSA PRIVATE KEY":
			key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
		case "EC PRIVATE KEY":
			key, err = x509.ParseECPrivateKey(block.Bytes)
		case "PRIVATE KEY":
			key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
		default:
			return nil, fmt.Errorf("private key PEM block is %q; want RSA PRIVATE KEY, EC PRIVATE KEY or PRIVATE KEY", block.Type)
		}
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", block.Type, err)
		}
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if k.N.BitLen() < 2048 {
			return nil, fmt.Errorf("RSA key of %d bits is too short; Okta requires at least 2048", k.N.BitLen())
		}
		return &signer{key: k, method: jwt.SigningMethodRS256, kid: kid}, nil
	case *ecdsa.PrivateKey:
		if k.Curve != elliptic.P256() {
			return nil, fmt.Errorf("EC key on curve %s; ES256 needs P-256", k.Curve.Params().Name)
		}
		return &signer{key: k, method: jwt.SigningMethodES256, kid: kid}, nil
	}
	return nil, fmt.Errorf("private key of type %T is not supported; use RSA or EC P-256", key)
}

// jwkPrivate is a private JWK (RFC 7517, 7518).
type jwkPrivate struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
	N   string `json:"n"`
	E   string `json:"e"`
	D   string `json:"d"`
	P   string `json:"p"`
	Q   string `json:"q"`
}

func parseJWK(data []byte) (any, string, error) {
	var j jwkPrivate
	if err := json.Unmarshal(data, &j); err != nil {
		return nil, "", errors.New("private key JWK is not valid JSON")
	}
	if j.D == "" {
		return nil, "", errors.New("JWK holds no private key (no \"d\")")
	}
	b := func(name, s string) ([]byte, error) {
		v, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
		if err != nil || len(v) == 0 {
			return nil, fmt.Errorf("JWK member %q is not base64url", name)
		}
		return v, nil
	}
	switch j.Kty {
	case "RSA":
		var parts [5][]byte
		for i, m := range []struct{ name, v string }{{"n", j.N}, {"e", j.E}, {"d", j.D}, {"p", j.P}, {"q", j.Q}} {
			v, err := b(m.name, m.v)
			if err != nil {
				return nil, "", err
			}
			parts[i] = v
		}
		e := new(big.Int).SetBytes(parts[1])
		if !e.IsInt64() || e.Int64() > 1<<31-1 {
			return nil, "", errors.New("JWK RSA exponent is too large")
		}
		k := &rsa.PrivateKey{
			PublicKey: rsa.PublicKey{N: new(big.Int).SetBytes(parts[0]), E: int(e.Int64())},
			D:         new(big.Int).SetBytes(parts[2]),
			Primes:    []*big.Int{new(big.Int).SetBytes(parts[3]), new(big.Int).SetBytes(parts[4])},
		}
		if err := k.Validate(); err != nil {
			return nil, "", fmt.Errorf("JWK RSA key is not valid: %w", err)
		}
		k.Precompute()
		return k, j.Kid, nil
	case "EC":
		if j.Crv != "P-256" {
			return nil, "", fmt.Errorf("JWK EC curve %q; ES256 needs P-256", j.Crv)
		}
		d, err := b("d", j.D)
		if err != nil {
			return nil, "", err
		}
		k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), leftPad(d, 32))
		if err != nil {
			return nil, "", fmt.Errorf("JWK EC key is not valid: %w", err)
		}
		if j.X != "" && j.Y != "" {
			x, errX := b("x", j.X)
			y, errY := b("y", j.Y)
			pub, errP := k.PublicKey.Bytes()
			if errX != nil || errY != nil || errP != nil || !bytes.Equal(pub[1:], append(leftPad(x, 32), leftPad(y, 32)...)) {
				return nil, "", errors.New("JWK EC public point does not match its private key")
			}
		}
		return k, j.Kid, nil
	}
	return nil, "", fmt.Errorf("JWK kty %q is not supported; use RSA or EC", j.Kty)
}

func leftPad(b []byte, n int) []byte {
	if len(b) >= n {
		return b
	}
	return append(make([]byte, n-len(b)), b...)
}

func randomJTI() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// privateKeyAuth gets, caches and sends OAuth access tokens.
type privateKeyAuth struct {
	c        *Client
	clientID string
	scope    string
	signer   *signer
	tokenURL string

	mu         sync.Mutex // held while fetching, so that one fetch runs at a time
	token      string
	tokenType  string   // "Bearer" or "DPoP"
	granted    []string // the scopes of token, as the token endpoint named them
	expires    time.Time
	dpop       *ecdsa.PrivateKey // proof key, set once DPoP is in use
	dpopJWK    map[string]any
	tokenNonce string // DPoP nonce of the token endpoint
	apiNonce   string // DPoP nonce of the resource server
}

func newPrivateKeyAuth(c *Client, cfg *privateKeyConfig) (authenticator, error) {
	s, err := parsePrivateKey(cfg.key, cfg.kid)
	if err != nil {
		return nil, fmt.Errorf("okta: private key authorization: %w", err)
	}
	tu := c.base.ResolveReference(&url.URL{Path: tokenPath})
	return &privateKeyAuth{
		c: c, clientID: cfg.clientID, scope: strings.Join(cfg.scopes, " "), signer: s,
		tokenURL: tu.String(),
	}, nil
}

// assertion returns a fresh signed client assertion.
func (a *privateKeyAuth) assertion() (string, error) {
	now := a.c.now()
	claims := jwt.MapClaims{
		"iss": a.clientID,
		"sub": a.clientID,
		"aud": a.tokenURL,
		"iat": now.Unix(),
		"exp": now.Add(assertionTTL).Unix(),
		"jti": randomJTI(),
	}
	t := jwt.NewWithClaims(a.signer.method, claims)
	if a.signer.kid != "" {
		t.Header["kid"] = a.signer.kid
	}
	s, err := t.SignedString(a.signer.key)
	if err != nil {
		return "", fmt.Errorf("sign the client assertion: %w", err)
	}
	return s, nil
}

// enableDPoP creates the proof key; a.mu must be held.
func (a *privateKeyAuth) enableDPoP() error {
	if a.dpop != nil {
		return nil
	}
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("generate a DPoP key: %w", err)
	}
	pub, err := k.PublicKey.Bytes()
	if err != nil {
		return fmt.Errorf("encode the DPoP key: %w", err)
	}
	a.dpop = k
	a.dpopJWK = map[string]any{
		"kty": "EC", "crv": "P-256",
		"x": base64.RawURLEncoding.EncodeToString(pub[1:33]),
		"y": base64.RawURLEncoding.EncodeToString(pub[33:65]),
	}
	return nil
}

// proof returns a DPoP proof for method and target URL; accessToken, when
// not empty, is bound with ath.
func (a *privateKeyAuth) proof(method, target, accessToken, nonce string) (string, error) {
	u, err := url.Parse(target)
	if err != nil {
		return "", fmt.Errorf("DPoP proof target: %w", err)
	}
	u.RawQuery, u.Fragment, u.User = "", "", nil
	claims := jwt.MapClaims{
		"htm": method,
		"htu": u.String(),
		"iat": a.c.now().Unix(),
		"jti": randomJTI(),
	}
	if accessToken != "" {
		sum := sha256.Sum256([]byte(accessToken))
		claims["ath"] = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	t := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
	t.Header["typ"] = "dpop+jwt"
	t.Header["jwk"] = a.dpopJWK
	s, err := t.SignedString(a.dpop)
	if err != nil {
		return "", fmt.Errorf("sign a DPoP proof: %w", err)
	}
	return s, nil
}

type tokenResponse struct {
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	AccessToken string `json:"access_token"`
	Scope       string `json:"scope"`
}

// current returns a valid access token, fetching one when none is cached or
// it is about to expire.
func (a *privateKeyAuth) current(ctx context.Context) (token, tokenType string, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.token != "" && a.c.now().Before(a.expires) {
		return a.token, a.tokenType, nil
	}
	if err := a.fetch(ctx); err != nil {
		return "", "", err
	}
	return a.token, a.tokenType, nil
}

// fetch gets a new access token; a.mu must be held. A first answer that asks
// for a DPoP proof turns DPoP on; an answer that asks for a nonce is
// repeated with it.
func (a *privateKeyAuth) fetch(ctx context.Context) error {
	var lastErr error
	for attempt := range maxTokenAttempts {
		assertion, err := a.assertion()
		if err != nil {
			return err
		}
		a.c.secrets.put("client_assertion", assertion)
		form := url.Values{
			"grant_type":            {"client_credentials"},
			"scope":                 {a.scope},
			"client_assertion_type": {assertionType},
			"client_assertion":      {assertion},
		}
		hdr := http.Header{}
		if a.dpop != nil {
			p, err := a.proof(http.MethodPost, a.tokenURL, "", a.tokenNonce)
			if err != nil {
				return err
			}
			a.c.secrets.put("token_dpop_proof", p)
			hdr.Set("DPoP", p)
		}
		var tr tokenResponse
		resp, err := a.c.do(ctx, &request{method: http.MethodPost, path: tokenPath, form: form, out: &tr, noAuth: true, header: hdr})
		if err != nil {
			lastErr = err
			if errors.Is(err, ErrOutcomeUnknown) && ctx.Err() == nil && attempt+1 < maxTokenAttempts {
				// Asking again is harmless, with a fresh assertion (the
				// last one's jti may have been spent).
				if werr := a.c.wait(ctx, a.c.backoff(attempt+1)); werr != nil {
					return fmt.Errorf("get an access token: %w", err)
				}
				continue
			}
			var ae *APIError
			if !errors.As(err, &ae) || resp == nil {
				return fmt.Errorf("get an access token: %w", err)
			}
			switch {
			case ae.OAuthError == "use_dpop_nonce" && resp.Header.Get("DPoP-Nonce") != "":
				a.tokenNonce = resp.Header.Get("DPoP-Nonce")
				if err := a.enableDPoP(); err != nil {
					return err
				}
				continue
			case ae.OAuthError == "invalid_dpop_proof" && a.dpop == nil:
				// The app wants DPoP-bound tokens.
				if err := a.enableDPoP(); err != nil {
					return err
				}
				continue
			}
			return fmt.Errorf("get an access token: %w", err)
		}
		if tr.AccessToken == "" {
			return errors.New("get an access token: the answer holds no access_token")
		}
		switch {
		case strings.EqualFold(tr.TokenType, "DPoP"):
			if a.dpop == nil {
				return errors.New("get an access token: a DPoP token was issued without a proof")
			}
			a.tokenType = "DPoP"
		case strings.EqualFold(tr.TokenType, "Bearer") || tr.TokenType == "":
			a.tokenType = "Bearer"
		default:
			return fmt.Errorf("get an access token: token type %q is not supported", tr.TokenType)
		}
		a.c.secrets.put("access_token", tr.AccessToken)
		life := time.Duration(tr.ExpiresIn) * time.Second
		if life <= 0 {
			life = time.Hour
		}
		a.token = tr.AccessToken
		a.granted = strings.Fields(tr.Scope)
		a.expires = a.c.now().Add(life - min(tokenRefreshMargin, life/2))
		a.c.logger.LogAttrs(ctx, slog.LevelDebug, "okta access token obtained",
			slog.String("token_type", a.tokenType), slog.String("scope", tr.Scope), slog.Duration("expires_in", life))
		return nil
	}
	return fmt.Errorf("get an access token: gave up after %d exchanges: %w", maxTokenAttempts, lastErr)
}

// GrantedScopes returns the scopes of the OAuth access token the client
// holds, as Okta's token endpoint named them; ok is false with an API
// token, before the first call, or when the endpoint named none.
func (c *Client) GrantedScopes() (scopes []string, ok bool) {
	a, isOAuth := c.auth.(*privateKeyAuth)
	if !isOAuth {
		return nil, false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.token == "" || len(a.granted) == 0 {
		return nil, false
	}
	return slices.Clone(a.granted), true
}

func (a *privateKeyAuth) authorize(ctx context.Context, req *http.Request) error {
	tok, typ, err := a.current(ctx)
	if err != nil {
		return err
	}
	if typ != "DPoP" {
		req.Header.Set("Authorization", "Bearer "+tok)
		return nil
	}
	a.mu.Lock()
	nonce := a.apiNonce
	a.mu.Unlock()
	p, err := a.proof(req.Method, req.URL.String(), tok, nonce)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "DPoP "+tok)
	req.Header.Set("DPoP", p)
	return nil
}

func (a *privateKeyAuth) refreshable() bool { return true }

func (a *privateKeyAuth) invalidate() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.token = ""
}

// acceptNonce records a resource server's DPoP nonce and reports whether
// the response asked for it.
func (a *privateKeyAuth) acceptNonce(resp *Response) bool {
	n := resp.Header.Get("DPoP-Nonce")
	if n == "" {
		return false
	}
	a.mu.Lock()
	isDPoP := a.dpop != nil
	changed := a.apiNonce != n
	a.apiNonce = n
	a.mu.Unlock()
	if !isDPoP || resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusBadRequest {
		return false
	}
	p := parseWWWAuthenticate(resp.Header.Get("WWW-Authenticate"))
	return changed || p["error"] == "use_dpop_nonce"
}
