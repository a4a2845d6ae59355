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
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// OAuthClient is a registered OAuth 2.0 service app that authenticates to
// /oauth2/v1/token with a private_key_jwt client assertion.
type OAuthClient struct {
	// ClientID is the app's client id: the iss and sub of its assertions.
	ClientID string
	// PublicKeys verify the app's client assertions: *rsa.PublicKey or
	// *ecdsa.PublicKey (P-256).
	PublicKeys []crypto.PublicKey
	// JWKs are further public keys as JWK JSON documents (one key, or a
	// set {"keys": [...]}); a key with a "kid" serves only assertions
	// naming that kid.
	JWKs []string
	// Scopes are the scopes granted to the app, such as okta.users.manage.
	Scopes []string
	// DPoP makes the org issue DPoP-bound access tokens to the app, as Okta
	// does for new service apps.
	DPoP bool
}

const (
	assertionType   = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	maxAssertionTTL = time.Hour
	proofWindow     = 5 * time.Minute // how far a DPoP proof's iat may be from now
	nonceTTL        = 10 * time.Minute
	clockLeeway     = 5 * time.Second
)

type clientKey struct {
	kid string
	key crypto.PublicKey
}

type oauthClient struct {
	id     string
	keys   []clientKey
	scopes map[string]bool
	dpop   bool
}

type accessToken struct {
	clientID string
	scopes   map[string]bool
	expires  time.Time
	jkt      string // thumbprint of the bound DPoP key; "" for Bearer
}

type oauthState struct {
	clients map[string]*oauthClient

	mu         sync.Mutex
	tokens     map[string]*accessToken
	usedJTI    map[string]time.Time // assertion and proof ids -> forget after
	nonces     map[string]time.Time // issued DPoP nonces -> expiry
	lastPurged time.Time
}

func newOAuthState(clients []OAuthClient) (*oauthState, error) {
	st := &oauthState{
		clients: make(map[string]*oauthClient, len(clients)),
		tokens:  make(map[string]*accessToken),
		usedJTI: make(map[string]time.Time),
		nonces:  make(map[string]time.Time),
	}
	for _, c := range clients {
		if c.ClientID == "" {
			return nil, errors.New("oktasim: an OAuth client has no ClientID")
		}
		if st.clients[c.ClientID] != nil {
			return nil, fmt.Errorf("oktasim: OAuth client %s registered twice", c.ClientID)
		}
		oc := &oauthClient{id: c.ClientID, scopes: make(map[string]bool), dpop: c.DPoP}
		for _, s := range c.Scopes {
			oc.scopes[s] = true
		}
		for i, k := range c.PublicKeys {
			if err := checkPublicKey(k); err != nil {
				return nil, fmt.Errorf("oktasim: OAuth client %s key %d: %w", c.ClientID, i, err)
			}
			oc.keys = append(oc.keys, clientKey{key: k})
		}
		for i, raw := range c.JWKs {
			keys, err := parseJWKs(raw)
			if err != nil {
				return nil, fmt.Errorf("oktasim: OAuth client %s JWK %d: %w", c.ClientID, i, err)
			}
			oc.keys = append(oc.keys, keys...)
		}
		if len(oc.keys) == 0 {
			return nil, fmt.Errorf("oktasim: OAuth client %s has no public key", c.ClientID)
		}
		st.clients[c.ClientID] = oc
	}
	return st, nil
}

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

// oauthError answers the token endpoint with an OAuth error.
func oauthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

// purge forgets expired replay ids, nonces and tokens. Call with o.mu held.
func (o *oauthState) purge(now time.Time) {
	if now.Sub(o.lastPurged) < time.Minute {
		return
	}
	o.lastPurged = now
	for k, t := range o.usedJTI {
		if now.After(t) {
			delete(o.usedJTI, k)
		}
	}
	for k, t := range o.nonces {
		if now.After(t) {
			delete(o.nonces, k)
		}
	}
	for k, t := range o.tokens {
		if now.After(t.expires) {
			delete(o.tokens, k)
		}
	}
}

// useJTI records a one-time id; it reports false when the id was seen.
func (o *oauthState) useJTI(kind, jti string, now, forgetAfter time.Time) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.purge(now)
	key := kind + ":" + jti
	if t, seen := o.usedJTI[key]; seen && !now.After(t) {
		return false
	}
	o.usedJTI[key] = forgetAfter
	return true
}

func (o *oauthState) newNonce(now time.Time) string {
	n := randomID(32)
	o.mu.Lock()
	defer o.mu.Unlock()
	o.nonces[n] = now.Add(nonceTTL)
	return n
}

func (o *oauthState) validNonce(n string, now time.Time) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	t, ok := o.nonces[n]
	return ok && !now.After(t)
}

var proofMethods = []string{"RS256", "ES256", "PS256", "ES384"}

// dpopProof is a verified DPoP proof.
type dpopProof struct {
	jkt   string
	nonce string
	ath   string
}

// verifyProof checks a DPoP proof JWT for a request to htu with method htm.
func (s *Server) verifyProof(proof, htm, htu string) (*dpopProof, error) {
	now := s.now()
	var jwk jwkJSON
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(proof, claims, func(t *jwt.Token) (any, error) {
		if typ, _ := t.Header["typ"].(string); !strings.EqualFold(typ, "dpop+jwt") {
			return nil, errors.New(`typ is not "dpop+jwt"`)
		}
		raw, err := json.Marshal(t.Header["jwk"])
		if err != nil || t.Header["jwk"] == nil {
			return nil, errors.New("jwk header missing")
		}
		if err := json.Unmarshal(raw, &jwk); err != nil {
			return nil, errors.New("jwk header malformed")
		}
		return jwk.publicKey()
	}, jwt.WithValidMethods(proofMethods), jwt.WithTimeFunc(s.now), jwt.WithoutClaimsValidation())
	if err != nil {
		return nil, fmt.Errorf("DPoP proof not valid: %w", err)
	}
	if m, _ := claims["htm"].(string); m != htm {
		return nil, fmt.Errorf("DPoP proof htm %q does not match %s", m, htm)
	}
	if u, _ := claims["htu"].(string); !sameHTU(u, htu) {
		return nil, fmt.Errorf("DPoP proof htu %q does not match the request URL", u)
	}
	iatF, ok := claims["iat"].(float64)
	if !ok {
		return nil, errors.New("DPoP proof has no iat")
	}
	iat := time.Unix(int64(iatF), 0)
	if iat.Before(now.Add(-proofWindow)) || iat.After(now.Add(proofWindow)) {
		return nil, errors.New("DPoP proof iat is too far from now")
	}
	jti, _ := claims["jti"].(string)
	if jti == "" {
		return nil, errors.New("DPoP proof has no jti")
	}
	if !s.oauth.useJTI("proof", jti, now, now.Add(2*proofWindow)) {
		return nil, errors.New("DPoP proof jti was already used")
	}
	p := &dpopProof{jkt: jwk.thumbprint()}
	p.nonce, _ = claims["nonce"].(string)
	p.ath, _ = claims["ath"].(string)
	return p, nil
}

// sameHTU compares a proof's htu with the request URL, ignoring query and
// fragment, and case in scheme and host.
func sameHTU(got, want string) bool {
	g, err := url.Parse(got)
	if err != nil {
		return false
	}
	w, err := url.Parse(want)
	if err != nil {
		return false
	}
	return strings.EqualFold(g.Scheme, w.Scheme) && strings.EqualFold(g.Host, w.Host) && g.EscapedPath() == w.EscapedPath()
}

// handleToken serves POST /oauth2/v1/token: client credentials with a
// private_key_jwt client assertion. Parameters may come in the form body or
// in the query string.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "The request body could not be read as a form.")
		return
	}
	form := r.Form
	tokenURL := baseURL(r) + "/oauth2/v1/token"
	now := s.now()

	if gt := form.Get("grant_type"); gt != "client_credentials" {
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "The grant_type must be client_credentials.")
		return
	}
	if form.Get("client_assertion_type") != assertionType {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "The client_assertion_type must be "+assertionType+".")
		return
	}
	assertion := form.Get("client_assertion")
	if assertion == "" {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "The client_assertion is missing.")
		return
	}

	// Find the client from the unverified claims, then verify.
	unverified := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(assertion, unverified); err != nil {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "The client_assertion is not a JWT.")
		return
	}
	iss, _ := unverified["iss"].(string)
	client := s.oauth.clients[iss]
	if client == nil {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "The client_assertion names an unknown client.")
		return
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(assertion, claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		var candidates []jwt.VerificationKey
		for _, k := range client.keys {
			if kid == "" || k.kid == "" || k.kid == kid {
				candidates = append(candidates, k.key)
			}
		}
		if len(candidates) == 0 {
			return nil, errors.New("no key with that kid")
		}
		return jwt.VerificationKeySet{Keys: candidates}, nil
	},
		jwt.WithValidMethods([]string{"RS256", "ES256"}),
		jwt.WithTimeFunc(s.now),
		jwt.WithLeeway(clockLeeway),
		jwt.WithExpirationRequired(),
		jwt.WithAudience(tokenURL),
		jwt.WithIssuer(client.id),
		jwt.WithSubject(client.id),
	)
	if err != nil {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "The client_assertion is not valid: "+err.Error())
		return
	}
	exp, _ := claims.GetExpirationTime()
	if exp.Time.After(now.Add(maxAssertionTTL + clockLeeway)) {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "The client_assertion expires more than one hour from now.")
		return
	}
	if jti, _ := claims["jti"].(string); jti != "" {
		if !s.oauth.useJTI("assertion:"+client.id, jti, now, exp.Time.Add(clockLeeway)) {
			oauthError(w, http.StatusUnauthorized, "invalid_client", "The client_assertion jti has already been used.")
			return
		}
	}

	scopes := strings.Fields(form.Get("scope"))
	if len(scopes) == 0 {
		oauthError(w, http.StatusBadRequest, "invalid_scope", "The scope parameter must name at least one scope.")
		return
	}
	granted := map[string]bool{}
	var grantedList []string
	for _, sc := range scopes {
		if !client.scopes[sc] {
			oauthError(w, http.StatusBadRequest, "invalid_scope", "One or more scopes are not configured for the authorization server resource.")
			return
		}
		if !granted[sc] {
			grantedList = append(grantedList, sc)
		}
		granted[sc] = true
	}

	tokenType := "Bearer"
	jkt := ""
	if client.dpop {
		proofJWT := r.Header.Get("DPoP")
		if proofJWT == "" {
			oauthError(w, http.StatusBadRequest, "invalid_dpop_proof", "The DPoP proof JWT header is missing.")
			return
		}
		proof, err := s.verifyProof(proofJWT, http.MethodPost, tokenURL)
		if err != nil {
			oauthError(w, http.StatusBadRequest, "invalid_dpop_proof", err.Error())
			return
		}
		if proof.nonce == "" || !s.oauth.validNonce(proof.nonce, now) {
			w.Header().Set("DPoP-Nonce", s.oauth.newNonce(now))
			oauthError(w, http.StatusBadRequest, "use_dpop_nonce", "Authorization server requires nonce in DPoP proof.")
			return
		}
		tokenType, jkt = "DPoP", proof.jkt
	}

	tok := randomID(48)
	ttl := s.opts.AccessTokenTTL
	s.oauth.mu.Lock()
	s.oauth.tokens[tok] = &accessToken{clientID: client.id, scopes: granted, expires: now.Add(ttl), jkt: jkt}
	s.oauth.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, map[string]any{
		"token_type":   tokenType,
		"expires_in":   int(ttl / time.Second),
		"access_token": tok,
		"scope":        strings.Join(grantedList, " "),
	})
}

// checkAccessToken authenticates a Bearer or DPoP access token. It returns
// (nil, true) for an unknown token (the caller answers 401 E0000011) and
// false when it has answered itself.
func (s *Server) checkAccessToken(w *statusWriter, r *http.Request, scheme, cred string) (*principal, bool) {
	now := s.now()
	s.oauth.mu.Lock()
	tok := s.oauth.tokens[cred]
	s.oauth.mu.Unlock()
	if tok == nil || now.After(tok.expires) {
		return nil, true
	}
	isDPoP := strings.EqualFold(scheme, "DPoP")
	if (tok.jkt != "") != isDPoP {
		return nil, true
	}
	if isDPoP {
		fail := func(desc string) (*principal, bool) {
			setRateHeaders(w, s.limiter.peek(bucketFor(r.Method, r.URL.Path), "anonymous"))
			w.Header().Set("WWW-Authenticate", `DPoP error="invalid_dpop_proof", error_description="`+desc+`"`)
			writeError(w, r, http.StatusUnauthorized, "E0000011", "Invalid token provided", desc)
			return nil, false
		}
		proofJWT := r.Header.Get("DPoP")
		if proofJWT == "" {
			return fail("The DPoP proof JWT header is missing.")
		}
		proof, err := s.verifyProof(proofJWT, r.Method, baseURL(r)+r.URL.EscapedPath())
		if err != nil {
			return fail(err.Error())
		}
		if proof.jkt != tok.jkt {
			return fail("The DPoP proof key is not the key the access token is bound to.")
		}
		sum := sha256.Sum256([]byte(cred))
		if proof.ath != base64.RawURLEncoding.EncodeToString(sum[:]) {
			return fail("The DPoP proof ath does not match the access token.")
		}
	}
	challenge := "Bearer"
	if isDPoP {
		challenge = "DPoP"
	}
	return &principal{key: "client-" + tok.clientID, oauth: true, scopes: tok.scopes, display: tok.clientID, challenge: challenge}, true
}
