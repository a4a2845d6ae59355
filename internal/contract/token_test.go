package contract

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/oktasync/oktasync/internal/okta"
	"github.com/oktasync/oktasync/internal/oktasim"
)

// testTokenEndpoint obtains access tokens from the simulator's
// /oauth2/v1/token with a private_key_jwt client assertion, and uses one on
// an API call, validating every exchange. The project's client has no
// exported OAuth entry point to drive yet, so the requests are built here,
// the way okta-api.md describes them.
func testTokenEndpoint(t *testing.T, s *spec) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("generate key: %v", err)
	}
	const clientID = "0oacontracttestclient"
	const dpopClientID = "0oacontractdpopclient"
	sim, err := oktasim.New(oktasim.Options{Clients: []oktasim.OAuthClient{
		{ClientID: clientID, PublicKeys: []crypto.PublicKey{&key.PublicKey}, Scopes: []string{"okta.users.read", "okta.groups.read"}},
		{ClientID: dpopClientID, PublicKeys: []crypto.PublicKey{&key.PublicKey}, Scopes: []string{"okta.users.read"}, DPoP: true},
	}})
	if err != nil {
		t.Fatalf("start simulator: %v", err)
	}
	if err := sim.Seed(oktasim.Seed{Users: seedUsers(2, "Sales")}); err != nil {
		t.Fatalf("seed: %v", err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	rec := newRecorder(t, s, srv.Client().Transport)
	hc := &http.Client{Transport: rec}
	tokenURL := srv.URL + "/oauth2/v1/token"

	// assertion signs a client assertion for iss; over replaces or adds
	// claims (a nil value removes one).
	assertion := func(iss string, jti string, over ...jwt.MapClaims) string {
		now := time.Now()
		claims := jwt.MapClaims{
			"iss": iss, "sub": iss, "aud": tokenURL,
			"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		}
		if jti != "" {
			claims["jti"] = jti
		}
		for _, o := range over {
			for k, v := range o {
				if v == nil {
					delete(claims, k)
				} else {
					claims[k] = v
				}
			}
		}
		signed, err := jwt.NewWithClaims(jwt.SigningMethodES256, claims).SignedString(key)
		if err != nil {
			t.Fatalf("sign client assertion: %v", err)
		}
		return signed
	}
	post := func(form url.Values) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, tokenURL, strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatalf("build token request: %v", err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatalf("token request: %v", err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("read token answer: %v", err)
		}
		return resp, b
	}
	form := func(iss, jti, scope string, over ...jwt.MapClaims) url.Values {
		return url.Values{
			"grant_type":            {"client_credentials"},
			"scope":                 {scope},
			"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
			"client_assertion":      {assertion(iss, jti, over...)},
		}
	}

	resp, body := post(form(clientID, "jti-1", "okta.users.read"))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("token: want 200, got %d", resp.StatusCode)
	}
	var tok struct {
		TokenType   string `json:"token_type"`
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
		Scope       string `json:"scope"`
	}
	if err := json.Unmarshal(body, &tok); err != nil {
		t.Fatalf("decode token answer: %v", err)
	}
	if tok.TokenType != "Bearer" || tok.AccessToken == "" || tok.ExpiresIn <= 0 || tok.Scope != "okta.users.read" {
		t.Errorf("token answer: type %q, expires_in %d, scope %q, token present %v", tok.TokenType, tok.ExpiresIn, tok.Scope, tok.AccessToken != "")
	}

	// An assertion without jti, as the official SDK sends: accepted.
	if resp, _ := post(form(clientID, "", "okta.users.read")); resp.StatusCode != http.StatusOK {
		t.Errorf("token without jti: want 200, got %d", resp.StatusCode)
	}
	// A reused jti: refused with an OAuth error body.
	if resp, _ := post(form(clientID, "jti-1", "okta.users.read")); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("token with a reused jti: want 401, got %d", resp.StatusCode)
	}
	// Assertions okta-api.md rules out: expiring more than an hour ahead,
	// for another audience, without an expiry.
	for _, bad := range []struct {
		name string
		over jwt.MapClaims
	}{
		{"exp more than an hour ahead", jwt.MapClaims{"exp": time.Now().Add(2 * time.Hour).Unix()}},
		{"aud another URL", jwt.MapClaims{"aud": "https://other.example.com/oauth2/v1/token"}},
		{"no exp", jwt.MapClaims{"exp": nil}},
		{"sub not the client", jwt.MapClaims{"sub": "0oasomeoneelse"}},
	} {
		if resp, _ := post(form(clientID, "", "okta.users.read", bad.over)); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("token with an assertion whose %s: want 401, got %d", bad.name, resp.StatusCode)
		}
	}
	// A scope the app was not granted.
	if resp, _ := post(form(clientID, "jti-2", "okta.users.manage")); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("token with an ungranted scope: want 400, got %d", resp.StatusCode)
	}
	// A DPoP app without a proof.
	if resp, _ := post(form(dpopClientID, "jti-3", "okta.users.read")); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("DPoP app without a proof: want 400, got %d", resp.StatusCode)
	}

	// The access token on an API call (security scheme oauth2).
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/users?limit=1", nil)
	if err != nil {
		t.Fatalf("build list request: %v", err)
	}
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Accept", "application/json")
	lr, err := hc.Do(req)
	if err != nil {
		t.Fatalf("list users with an access token: %v", err)
	}
	lr.Body.Close()
	if lr.StatusCode != http.StatusOK {
		t.Errorf("list users with an access token: want 200, got %d", lr.StatusCode)
	}
	ops := rec.operations()
	if len(ops) != 10 || ops[0] != "token" || ops[9] != "listUsers" {
		t.Errorf("token scenario: unexpected operations %v", ops)
	}
}

// testClientOAuth drives the project's client in its PrivateKey
// authorization mode, for a Bearer app and a DPoP app, so that the token
// requests the client itself builds (and its DPoP nonce handshake) are
// validated along with the API calls that use the tokens.
func testClientOAuth(t *testing.T, s *spec) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("generate key: %v", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatalf("encode key: %v", err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	scopes := []string{"okta.users.read", "okta.users.manage", "okta.groups.read"}
	for _, tc := range []struct {
		name string
		dpop bool
	}{{"bearer", false}, {"dpop", true}} {
		t.Run(tc.name, func(t *testing.T) {
			clientID := "0oacontract" + tc.name
			sim, err := oktasim.New(oktasim.Options{Clients: []oktasim.OAuthClient{
				{ClientID: clientID, PublicKeys: []crypto.PublicKey{&key.PublicKey}, Scopes: scopes, DPoP: tc.dpop},
			}})
			if err != nil {
				t.Fatalf("start simulator: %v", err)
			}
			if err := sim.Seed(oktasim.Seed{Users: seedUsers(3, "Sales")}); err != nil {
				t.Fatalf("seed: %v", err)
			}
			srv := httptest.NewServer(sim)
			t.Cleanup(srv.Close)
			rec := newRecorder(t, s, srv.Client().Transport)
			c, err := okta.NewClient(srv.URL,
				okta.WithPrivateKey(clientID, scopes, keyPEM, ""),
				okta.WithInsecureHTTP(),
				okta.WithHTTPClient(&http.Client{Transport: rec}),
				okta.WithMaxRetries(0),
			)
			if err != nil {
				t.Fatalf("new client: %v", err)
			}
			ctx := t.Context()
			n := 0
			for _, err := range c.Users.List(ctx, &okta.UserListOptions{Limit: 2}) {
				if err != nil {
					t.Fatalf("list users with an access token: %v", err)
				}
				n++
			}
			if n != 3 {
				t.Errorf("list users: want 3, got %d", n)
			}
			if _, _, err := c.Users.Get(ctx, "user01@example.com"); err != nil {
				t.Errorf("get user with an access token: %v", err)
			}
			ops := rec.operations()
			tokens := 0
			for _, op := range ops {
				if op == "token" {
					tokens++
				}
			}
			if tokens == 0 || ops[len(ops)-1] != "getUser" {
				t.Errorf("client OAuth: unexpected operations %v", ops)
			}
			if tokens > 3 {
				t.Errorf("client OAuth: %d token requests for 3 API calls; the access token should be cached", tokens)
			}
		})
	}
}
