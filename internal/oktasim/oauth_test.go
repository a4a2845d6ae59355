package oktasim

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

var (
	keysOnce sync.Once
	rsaKey   *rsa.PrivateKey
	ecKey    *ecdsa.PrivateKey
	otherEC  *ecdsa.PrivateKey
)

func testKeys(t testing.TB) {
	t.Helper()
	keysOnce.Do(func() {
		var err error
		if rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if ecKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			panic(err)
		}
		if otherEC, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			panic(err)
		}
	})
}

func ecJWK(k *ecdsa.PublicKey, kid string) map[string]any {
	b, err := k.Bytes()
	if err != nil {
		panic(err)
	}
	m := map[string]any{
		"kty": "EC", "crv": "P-256",
		"x": base64.RawURLEncoding.EncodeToString(b[1:33]),
		"y": base64.RawURLEncoding.EncodeToString(b[33:]),
	}
	if kid != "" {
		m["kid"] = kid
	}
	return m
}

// assertion signs a client assertion; edit changes the claims or header.
func assertion(t testing.TB, method jwt.SigningMethod, key crypto.Signer, kid, clientID, aud string, edit func(jwt.MapClaims, map[string]any)) string {
	t.Helper()
	now := time.Now()
	claims := jwt.MapClaims{
		"iss": clientID, "sub": clientID, "aud": aud,
		"iat": now.Unix(), "exp": now.Add(50 * time.Minute).Unix(),
		"jti": randomID(16),
	}
	tok := jwt.NewWithClaims(method, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	if edit != nil {
		edit(claims, tok.Header)
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// proof signs a DPoP proof.
func proof(t testing.TB, key *ecdsa.PrivateKey, htm, htu, nonce, accessToken string) string {
	t.Helper()
	claims := jwt.MapClaims{"htm": htm, "htu": htu, "iat": time.Now().Unix(), "jti": randomID(16)}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	if accessToken != "" {
		sum := sha256.Sum256([]byte(accessToken))
		claims["ath"] = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
	tok.Header["typ"] = "dpop+jwt"
	tok.Header["jwk"] = ecJWK(&key.PublicKey, "")
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type tokenAnswer struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

// tokenRequest posts to the token endpoint; inQuery puts the parameters in
// the query string instead of the body.
func (e *env) tokenRequest(form url.Values, inQuery bool, dpop string) tokenAnswer {
	e.t.Helper()
	u := e.srv.URL + "/oauth2/v1/token"
	var body io.Reader = strings.NewReader(form.Encode())
	if inQuery {
		u += "?" + form.Encode()
		body = http.NoBody
	}
	req, _ := http.NewRequest("POST", u, body)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if dpop != "" {
		req.Header.Set("DPoP", dpop)
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return tokenAnswer{status: res.StatusCode, header: res.Header, body: m, raw: string(b)}
}

func tokenForm(scope, assertion string) url.Values {
	return url.Values{
		"grant_type":            {"client_credentials"},
		"scope":                 {scope},
		"client_assertion_type": {assertionType},
		"client_assertion":      {assertion},
	}
}

func oauthEnv(t *testing.T, clock func() time.Time) *env {
	testKeys(t)
	jwk, _ := json.Marshal(ecJWK(&ecKey.PublicKey, "ec-1"))
	return newEnv(t, Options{
		Tokens: []string{testToken},
		Now:    clock,
		Clients: []OAuthClient{
			{ClientID: "0oarsa", PublicKeys: []crypto.PublicKey{&rsaKey.PublicKey}, Scopes: []string{"okta.users.read", "okta.users.manage", "okta.groups.read"}},
			{ClientID: "0oaec", JWKs: []string{string(jwk)}, Scopes: []string{"okta.users.read"}},
			{ClientID: "0oadpop", PublicKeys: []crypto.PublicKey{&rsaKey.PublicKey}, Scopes: []string{"okta.users.read", "okta.groups.manage"}, DPoP: true},
		},
	})
}

func TestTokenEndpoint(t *testing.T) {
	t.Parallel()
	e := oauthEnv(t, nil)
	aud := e.srv.URL + "/oauth2/v1/token"
	rs := func(edit func(jwt.MapClaims, map[string]any)) string {
		return assertion(t, jwt.SigningMethodRS256, rsaKey, "", "0oarsa", aud, edit)
	}
	reused := rs(nil)
	if a := e.tokenRequest(tokenForm("okta.users.read", reused), false, ""); a.status != 200 {
		t.Fatalf("first use: %d %s", a.status, a.raw)
	}

	tests := []struct {
		name    string
		form    url.Values
		inQuery bool
		status  int
		errCode string
	}{
		{"RS256", tokenForm("okta.users.read okta.groups.read", rs(nil)), false, 200, ""},
		{"ES256 with kid", tokenForm("okta.users.read", assertion(t, jwt.SigningMethodES256, ecKey, "ec-1", "0oaec", aud, nil)), false, 200, ""},
		{"parameters in query, no jti", tokenForm("okta.users.read", rs(func(c jwt.MapClaims, _ map[string]any) { delete(c, "jti") })), true, 200, ""},
		{"reused jti", tokenForm("okta.users.read", reused), false, 401, "invalid_client"},
		{"wrong audience", tokenForm("okta.users.read", rs(func(c jwt.MapClaims, _ map[string]any) { c["aud"] = "https://elsewhere/oauth2/v1/token" })), false, 401, "invalid_client"},
		{"sub differs from iss", tokenForm("okta.users.read", rs(func(c jwt.MapClaims, _ map[string]any) { c["sub"] = "someone" })), false, 401, "invalid_client"},
		{"exp over an hour ahead", tokenForm("okta.users.read", rs(func(c jwt.MapClaims, _ map[string]any) { c["exp"] = time.Now().Add(2 * time.Hour).Unix() })), false, 401, "invalid_client"},
		{"expired", tokenForm("okta.users.read", rs(func(c jwt.MapClaims, _ map[string]any) { c["exp"] = time.Now().Add(-time.Minute).Unix() })), false, 401, "invalid_client"},
		{"no exp", tokenForm("okta.users.read", rs(func(c jwt.MapClaims, _ map[string]any) { delete(c, "exp") })), false, 401, "invalid_client"},
		{"unknown client", tokenForm("okta.users.read", assertion(t, jwt.SigningMethodRS256, rsaKey, "", "0oanobody", aud, nil)), false, 401, "invalid_client"},
		{"wrong key", tokenForm("okta.users.read", assertion(t, jwt.SigningMethodES256, otherEC, "", "0oaec", aud, nil)), false, 401, "invalid_client"},
		{"kid of no key", tokenForm("okta.users.read", assertion(t, jwt.SigningMethodES256, ecKey, "ec-9", "0oaec", aud, nil)), false, 401, "invalid_client"},
		{"not a JWT", tokenForm("okta.users.read", "abc"), false, 401, "invalid_client"},
		{"scope not granted", tokenForm("okta.groups.manage", rs(nil)), false, 400, "invalid_scope"},
		{"no scope", tokenForm("", rs(nil)), false, 400, "invalid_scope"},
		{"wrong grant", url.Values{"grant_type": {"password"}}, false, 400, "unsupported_grant_type"},
		{"wrong assertion type", url.Values{"grant_type": {"client_credentials"}, "client_assertion_type": {"x"}}, false, 401, "invalid_client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := e.tokenRequest(tt.form, tt.inQuery, "")
			if a.status != tt.status {
				t.Fatalf("status %d, want %d: %s", a.status, tt.status, a.raw)
			}
			if tt.status != 200 {
				if a.body["error"] != tt.errCode {
					t.Errorf("error %v, want %s", a.body["error"], tt.errCode)
				}
				return
			}
			if a.body["token_type"] != "Bearer" || a.body["expires_in"] != 3600.0 || a.body["access_token"] == "" {
				t.Errorf("answer %s", a.raw)
			}
			if a.body["scope"] != tt.form.Get("scope") {
				t.Errorf("scope %v, want %s", a.body["scope"], tt.form.Get("scope"))
			}
		})
	}
}

func TestScopeEnforcement(t *testing.T) {
	t.Parallel()
	e := oauthEnv(t, nil)
	aud := e.srv.URL + "/oauth2/v1/token"
	a := e.tokenRequest(tokenForm("okta.users.read", assertion(t, jwt.SigningMethodRS256, rsaKey, "", "0oarsa", aud, nil)), false, "")
	if a.status != 200 {
		t.Fatalf("token: %s", a.raw)
	}
	bearer := "Bearer " + a.body["access_token"].(string)
	mustStatus(t, e.doAuth("GET", "/api/v1/users", nil, bearer), 200)

	tests := []struct {
		method, path, scope string
	}{
		{"POST", "/api/v1/users", "okta.users.manage"},
		{"GET", "/api/v1/groups", "okta.groups.read"},
		{"PUT", "/api/v1/groups/00g1/users/00u1", "okta.groups.manage"},
		{"GET", "/api/v1/logs", "okta.logs.read"},
	}
	for _, tt := range tests {
		r := e.doAuth(tt.method, tt.path, map[string]any{}, bearer)
		mustStatus(t, r, 403)
		if len(r.body) != 0 {
			t.Errorf("%s %s: 403 has a body: %s", tt.method, tt.path, r.body)
		}
		h := r.header.Get("WWW-Authenticate")
		if !strings.HasPrefix(h, "Bearer ") || !strings.Contains(h, `error="insufficient_scope"`) || !strings.Contains(h, `scope="`+tt.scope+`"`) {
			t.Errorf("%s %s: WWW-Authenticate %q", tt.method, tt.path, h)
		}
	}
	// manage implies read.
	a = e.tokenRequest(tokenForm("okta.users.manage", assertion(t, jwt.SigningMethodRS256, rsaKey, "", "0oarsa", aud, nil)), false, "")
	mustStatus(t, e.doAuth("GET", "/api/v1/users", nil, "Bearer "+a.body["access_token"].(string)), 200)
	// Unknown and DPoP-scheme uses of a Bearer token are refused.
	mustStatus(t, e.doAuth("GET", "/api/v1/users", nil, "Bearer nope"), 401)
	mustStatus(t, e.doAuth("GET", "/api/v1/users", nil, "DPoP "+a.body["access_token"].(string)), 401)
}

func TestAccessTokenExpiry(t *testing.T) {
	t.Parallel()
	testKeys(t)
	clock := newFakeClock()
	clock.t = time.Now().UTC()
	e := oauthEnv(t, clock.Now)
	a := e.tokenRequest(tokenForm("okta.users.read", assertion(t, jwt.SigningMethodRS256, rsaKey, "", "0oarsa", e.srv.URL+"/oauth2/v1/token", nil)), false, "")
	bearer := "Bearer " + a.body["access_token"].(string)
	mustStatus(t, e.doAuth("GET", "/api/v1/users", nil, bearer), 200)
	clock.Advance(time.Hour + time.Second)
	r := e.doAuth("GET", "/api/v1/users", nil, bearer)
	mustStatus(t, r, 401)
	if r.errorCode(t) != "E0000011" {
		t.Errorf("expired token: %s", r.body)
	}
}

func TestDPoP(t *testing.T) {
	t.Parallel()
	e := oauthEnv(t, nil)
	tokenURL := e.srv.URL + "/oauth2/v1/token"
	form := func() url.Values {
		return tokenForm("okta.users.read okta.groups.manage", assertion(t, jwt.SigningMethodRS256, rsaKey, "", "0oadpop", tokenURL, nil))
	}

	// No proof at all.
	if a := e.tokenRequest(form(), false, ""); a.status != 400 || a.body["error"] != "invalid_dpop_proof" {
		t.Errorf("no proof: %d %s", a.status, a.raw)
	}
	// First request: the org asks for a nonce.
	a := e.tokenRequest(form(), false, proof(t, ecKey, "POST", tokenURL, "", ""))
	if a.status != 400 || a.body["error"] != "use_dpop_nonce" {
		t.Fatalf("first token request: %d %s", a.status, a.raw)
	}
	nonce := a.header.Get("DPoP-Nonce")
	if nonce == "" {
		t.Fatalf("no DPoP-Nonce header")
	}
	// Wrong htm / htu.
	for _, bad := range []string{proof(t, ecKey, "GET", tokenURL, nonce, ""), proof(t, ecKey, "POST", e.srv.URL+"/oauth2/v1/other", nonce, "")} {
		if a := e.tokenRequest(form(), false, bad); a.status != 400 || a.body["error"] != "invalid_dpop_proof" {
			t.Errorf("bad proof: %d %s", a.status, a.raw)
		}
	}
	a = e.tokenRequest(form(), false, proof(t, ecKey, "POST", tokenURL, nonce, ""))
	if a.status != 200 || a.body["token_type"] != "DPoP" {
		t.Fatalf("token with nonce: %d %s", a.status, a.raw)
	}
	tok := a.body["access_token"].(string)

	call := func(method, path, auth, proofJWT string) resp {
		req, _ := http.NewRequest(method, e.srv.URL+path, nil)
		req.Header.Set("Authorization", auth)
		if proofJWT != "" {
			req.Header.Set("DPoP", proofJWT)
		}
		res, err := e.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return resp{status: res.StatusCode, header: res.Header, body: b}
	}
	usersURL := e.srv.URL + "/api/v1/users"
	good := proof(t, ecKey, "GET", usersURL, "", tok)
	mustStatus(t, call("GET", "/api/v1/users?limit=1", "DPoP "+tok, good), 200)

	tests := []struct {
		name  string
		auth  string
		proof string
	}{
		{"replayed proof", "DPoP " + tok, good},
		{"no proof", "DPoP " + tok, ""},
		{"wrong ath", "DPoP " + tok, proof(t, ecKey, "GET", usersURL, "", "another-token")},
		{"no ath", "DPoP " + tok, proof(t, ecKey, "GET", usersURL, "", "")},
		{"wrong htm", "DPoP " + tok, proof(t, ecKey, "POST", usersURL, "", tok)},
		{"wrong htu", "DPoP " + tok, proof(t, ecKey, "GET", e.srv.URL+"/api/v1/groups", "", tok)},
		{"other key", "DPoP " + tok, proof(t, otherEC, "GET", usersURL, "", tok)},
		{"as Bearer", "Bearer " + tok, proof(t, ecKey, "GET", usersURL, "", tok)},
	}
	for _, tt := range tests {
		r := call("GET", "/api/v1/users", tt.auth, tt.proof)
		if r.status != 401 {
			t.Errorf("%s: status %d: %s", tt.name, r.status, r.body)
		}
	}
	// Scope enforcement names the DPoP scheme.
	r := call("GET", "/api/v1/logs", "DPoP "+tok, proof(t, ecKey, "GET", e.srv.URL+"/api/v1/logs", "", tok))
	mustStatus(t, r, 403)
	if h := r.header.Get("WWW-Authenticate"); !strings.HasPrefix(h, "DPoP ") || !strings.Contains(h, `scope="okta.logs.read"`) {
		t.Errorf("WWW-Authenticate %q", h)
	}
}

func TestLoadClientsFile(t *testing.T) {
	t.Parallel()
	testKeys(t)
	der, err := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	set, _ := json.Marshal(map[string]any{"keys": []any{ecJWK(&ecKey.PublicKey, "ec-1")}})
	file := []map[string]any{
		{"clientId": "0oapem", "scopes": []string{"okta.users.read"}, "keys": []any{pemKey}},
		{"clientId": "0oajwks", "scopes": []string{"okta.users.read"}, "dpop": true, "keys": []any{json.RawMessage(set)}},
	}
	b, _ := json.Marshal(file)
	path := t.TempDir() + "/clients.json"
	writeFile(t, path, string(b))
	clients, err := LoadClientsFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(clients) != 2 || !clients[1].DPoP || len(clients[0].PublicKeys) != 1 || len(clients[1].JWKs) != 1 {
		t.Fatalf("clients %+v", clients)
	}
	e := newEnv(t, Options{Clients: clients})
	aud := e.srv.URL + "/oauth2/v1/token"
	a := e.tokenRequest(tokenForm("okta.users.read", assertion(t, jwt.SigningMethodRS256, rsaKey, "", "0oapem", aud, nil)), false, "")
	if a.status != 200 {
		t.Errorf("PEM client: %s", a.raw)
	}
	a = e.tokenRequest(tokenForm("okta.users.read", assertion(t, jwt.SigningMethodES256, ecKey, "ec-1", "0oajwks", aud, nil)), false, proof(t, ecKey, "POST", aud, "", ""))
	if a.status != 400 || a.body["error"] != "use_dpop_nonce" {
		t.Errorf("JWKS client: %s", a.raw)
	}

	for _, bad := range []string{`[{"clientId":"x","keys":["not pem"]}]`, `[{"clientId":"x","bogus":1}]`, `{`} {
		writeFile(t, path, bad)
		if _, err := LoadClientsFile(path); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
	for _, bad := range []OAuthClient{
		{ClientID: ""},
		{ClientID: "nokeys"},
		{ClientID: "private", JWKs: []string{`{"kty":"EC","crv":"P-256","x":"AA","y":"AA","d":"AA"}`}},
		{ClientID: "curve", JWKs: []string{`{"kty":"EC","crv":"P-384","x":"AA","y":"AA"}`}},
		{ClientID: "offcurve", JWKs: []string{`{"kty":"EC","crv":"P-256","x":"AQ","y":"AQ"}`}},
	} {
		if _, err := New(Options{Clients: []OAuthClient{bad}}); err == nil {
			t.Errorf("New accepted client %+v", bad)
		}
	}
}
