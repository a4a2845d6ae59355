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
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oktasync/oktasync/internal/oktasim"
)

var testKeys struct {
	once sync.Once
	rsa  *rsa.PrivateKey
	ec   *ecdsa.PrivateKey
}

func keys(t *testing.T) (*rsa.PrivateKey, *ecdsa.PrivateKey) {
	t.Helper()
	testKeys.once.Do(func() {
		var err error
		if testKeys.rsa, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if testKeys.ec, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			panic(err)
		}
	})
	return testKeys.rsa, testKeys.ec
}

func pemOf(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func rsaJWK(k *rsa.PrivateKey, kid string) []byte {
	j, _ := json.Marshal(map[string]string{
		"kty": "RSA", "kid": kid, "n": b64(k.N.Bytes()), "e": b64(big.NewInt(int64(k.E)).Bytes()),
		"d": b64(k.D.Bytes()), "p": b64(k.Primes[0].Bytes()), "q": b64(k.Primes[1].Bytes()),
	})
	return j
}

func ecJWK(k *ecdsa.PrivateKey, kid string) []byte {
	pub, _ := k.PublicKey.Bytes()
	d, _ := k.Bytes()
	j, _ := json.Marshal(map[string]string{"kty": "EC", "crv": "P-256", "kid": kid, "x": b64(pub[1:33]), "y": b64(pub[33:]), "d": b64(d)})
	return j
}

func TestParsePrivateKey(t *testing.T) {
	t.Parallel()
	rk, ek := keys(t)
	pkcs8RSA, _ := x509.MarshalPKCS8PrivateKey(rk)
	pkcs8EC, _ := x509.MarshalPKCS8PrivateKey(ek)
	sec1, _ := x509.MarshalECPrivateKey(ek)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	sec1P384, _ := x509.MarshalECPrivateKey(p384)
	pubDER, _ := x509.MarshalPKIXPublicKey(&rk.PublicKey)
	oneLine := strings.ReplaceAll(string(pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rk))), "\n", `\n`)
	tests := []struct {
		name    string
		key     []byte
		kid     string
		wantAlg string
		wantKid string
		wantErr string
	}{
		{"RSA PKCS#1", pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rk)), "k1", "RS256", "k1", ""},
		{"RSA PKCS#8", pemOf("PRIVATE KEY", pkcs8RSA), "", "RS256", "", ""},
		{"RSA PEM on one line", []byte(oneLine), "", "RS256", "", ""},
		{"EC PKCS#8", pemOf("PRIVATE KEY", pkcs8EC), "", "ES256", "", ""},
		{"EC SEC 1", pemOf("EC PRIVATE KEY", sec1), "", "ES256", "", ""},
		{"RSA JWK", rsaJWK(rk, "jwk-kid"), "", "RS256", "jwk-kid", ""},
		{"RSA JWK, kid given wins", rsaJWK(rk, "jwk-kid"), "mine", "RS256", "mine", ""},
		{"EC JWK", ecJWK(ek, "e1"), "", "ES256", "e1", ""},
		{"garbage", []byte("not a key"), "", "", "", "neither a PEM block nor a JWK"},
		{"public key", pemOf("PUBLIC KEY", pubDER), "", "", "", "PUBLIC KEY"},
		{"P-384", pemOf("EC PRIVATE KEY", sec1P384), "", "", "", "P-256"},
		{"JWK without d", []byte(`{"kty":"EC","crv":"P-256","x":"a","y":"b"}`), "", "", "", "no private key"},
		{"JWK bad JSON", []byte(`{"kty":`), "", "", "", "not valid JSON"},
		{"JWK oct", []byte(`{"kty":"oct","d":"AAAA"}`), "", "", "", "not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := parsePrivateKey(tt.key, tt.kid)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.method.Alg() != tt.wantAlg || s.kid != tt.wantKid {
				t.Errorf("alg %s kid %q, want %s %q", s.method.Alg(), s.kid, tt.wantAlg, tt.wantKid)
			}
		})
	}
}

// tokenCounter wraps a handler and records token requests and the secrets
// that crossed the wire, so that tests can search logs for them.
type tokenCounter struct {
	h       http.Handler
	mu      sync.Mutex
	tokens  int
	secrets []string
}

func (tc *tokenCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	tc.mu.Lock()
	if r.URL.Path == "/oauth2/v1/token" {
		tc.tokens++
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if err := r.ParseForm(); err == nil {
			tc.secrets = append(tc.secrets, r.PostForm.Get("client_assertion"))
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	if a := r.Header.Get("Authorization"); a != "" {
		if _, tok, ok := strings.Cut(a, " "); ok {
			tc.secrets = append(tc.secrets, tok)
		}
	}
	if p := r.Header.Get("DPoP"); p != "" {
		tc.secrets = append(tc.secrets, p)
	}
	tc.mu.Unlock()
	rw := &captureWriter{ResponseWriter: w}
	tc.h.ServeHTTP(rw, r)
	if bytes.Contains(rw.body.Bytes(), []byte("access_token")) {
		var tr tokenResponse
		if json.Unmarshal(rw.body.Bytes(), &tr) == nil && tr.AccessToken != "" {
			tc.mu.Lock()
			tc.secrets = append(tc.secrets, tr.AccessToken)
			tc.mu.Unlock()
		}
	}
}

type captureWriter struct {
	http.ResponseWriter
	body bytes.Buffer
}

func (c *captureWriter) Write(b []byte) (int, error) {
	c.body.Write(b)
	return c.ResponseWriter.Write(b)
}

func TestPrivateKeyAgainstSimulator(t *testing.T) {
	t.Parallel()
	rk, ek := keys(t)
	pkcs8RSA, _ := x509.MarshalPKCS8PrivateKey(rk)
	sec1, _ := x509.MarshalECPrivateKey(ek)
	tests := []struct {
		name     string
		key      []byte
		pub      crypto.PublicKey
		dpop     bool
		wantType string
	}{
		{"RSA bearer", pemOf("PRIVATE KEY", pkcs8RSA), &rk.PublicKey, false, "Bearer"},
		{"EC bearer", pemOf("EC PRIVATE KEY", sec1), &ek.PublicKey, false, "Bearer"},
		{"RSA DPoP", pemOf("PRIVATE KEY", pkcs8RSA), &rk.PublicKey, true, "DPoP"},
		{"EC JWK DPoP", ecJWK(ek, ""), &ek.PublicKey, true, "DPoP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sim, err := oktasim.New(oktasim.Options{Clients: []oktasim.OAuthClient{{
				ClientID: "0oaTEST", PublicKeys: []crypto.PublicKey{tt.pub},
				Scopes: []string{"okta.users.manage", "okta.users.read", "okta.groups.manage", "okta.groups.read"}, DPoP: tt.dpop,
			}}})
			if err != nil {
				t.Fatal(err)
			}
			tc := &tokenCounter{h: sim}
			srv := httptest.NewServer(tc)
			t.Cleanup(srv.Close)
			var logs bytes.Buffer
			logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			c, err := NewClient(srv.URL, WithInsecureHTTP(), WithLogger(logger),
				WithPrivateKey("0oaTEST", []string{"okta.users.manage okta.groups.manage"}, tt.key, ""))
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			u, _, err := c.Users.Create(ctx, CreateUserRequest{Profile: map[string]any{
				"login": "o@example.com", "email": "o@example.com", "firstName": "O", "lastName": "Auth"}}, false)
			if err != nil {
				t.Fatalf("create: %v", err)
			}
			g, _, err := c.Groups.Create(ctx, GroupProfile{Name: "OAuth"})
			if err != nil {
				t.Fatalf("create group: %v", err)
			}
			if _, err := c.Groups.AddMember(ctx, g.ID, u.ID); err != nil {
				t.Fatalf("add member: %v", err)
			}
			n := 0
			for _, err := range c.Users.List(ctx, &UserListOptions{Limit: 1}) {
				if err != nil {
					t.Fatal(err)
				}
				n++
			}
			if n != 1 {
				t.Errorf("listed %d users, want 1", n)
			}
			pa := c.auth.(*privateKeyAuth)
			if pa.tokenType != tt.wantType {
				t.Errorf("token type %s, want %s", pa.tokenType, tt.wantType)
			}
			wantTokenCalls := 1
			if tt.dpop {
				wantTokenCalls = 3 // no proof, then the nonce handshake
			}
			if tc.tokens != wantTokenCalls {
				t.Errorf("token requests = %d, want %d (the token is cached)", tc.tokens, wantTokenCalls)
			}
			out := logs.String()
			if !strings.Contains(out, `"okta request"`) {
				t.Fatalf("no debug request lines:\n%s", out)
			}
			secrets := append([]string{string(tt.key), "PRIVATE KEY"}, tc.secrets...)
			for _, s := range secrets {
				if s != "" && strings.Contains(out, s) {
					t.Errorf("debug log holds a secret %.20q…", s)
				}
			}
		})
	}
}

// TestAccessTokenRefresh checks that a token is reused until shortly before
// it expires, and that a 401 fetches a new one once.
func TestAccessTokenRefresh(t *testing.T) {
	t.Parallel()
	rk, _ := keys(t)
	var (
		mu      sync.Mutex
		issued  int
		revoked = map[string]bool{}
		always  bool
	)
	mux := http.NewServeMux()
	var srvURL string
	mux.HandleFunc("POST /oauth2/v1/token", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		claims := jwt.MapClaims{}
		_, err := jwt.ParseWithClaims(r.PostForm.Get("client_assertion"), claims, func(*jwt.Token) (any, error) { return &rk.PublicKey, nil },
			jwt.WithValidMethods([]string{"RS256"}), jwt.WithAudience(srvURL+"/oauth2/v1/token"), jwt.WithIssuer("0oa1"), jwt.WithSubject("0oa1"), jwt.WithExpirationRequired())
		if err != nil || claims["jti"] == "" || r.PostForm.Get("scope") != "okta.users.read" || r.PostForm.Get("grant_type") != "client_credentials" {
			t.Errorf("token request: %v %v", err, r.PostForm)
		}
		mu.Lock()
		issued++
		tok := "access-" + string(rune('A'+issued))
		mu.Unlock()
		writeJSON(w, 200, map[string]any{"token_type": "Bearer", "expires_in": 3600, "access_token": tok, "scope": "okta.users.read"})
	})
	mux.HandleFunc("GET /api/v1/users/{id}", func(w http.ResponseWriter, r *http.Request) {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		mu.Lock()
		bad := revoked[tok] || always
		mu.Unlock()
		if bad {
			writeError(w, 401, "E0000011", "Invalid token provided")
			return
		}
		writeJSON(w, 200, testUser("00u1", "a@example.com"))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	srvURL = srv.URL
	c, err := NewClient(srv.URL, WithInsecureHTTP(), WithPrivateKey("0oa1", []string{"okta.users.read"}, pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rk)), "kid1"))
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{t: time.Now()}
	c.now, c.sleep = clock.now, clock.sleep
	ctx := context.Background()
	if _, ok := c.GrantedScopes(); ok {
		t.Error("GrantedScopes before any token: ok")
	}
	get := func() error { _, _, err := c.Users.Get(ctx, "00u1"); return err }
	steps := []struct {
		name       string
		before     func()
		wantIssued int
		wantErr    bool
	}{
		{"first call fetches", func() {}, 1, false},
		{"cached", func() {}, 1, false},
		{"still cached after 50 min", func() { clock.t = clock.t.Add(50 * time.Minute) }, 1, false},
		{"refetched 56 min in", func() { clock.t = clock.t.Add(6 * time.Minute) }, 2, false},
		{"revoked: refetched once on 401", func() { mu.Lock(); revoked["access-C"] = true; mu.Unlock() }, 3, false},
		{"persistent 401: one refetch only", func() { mu.Lock(); always = true; mu.Unlock() }, 4, true},
	}
	for _, st := range steps {
		st.before()
		err := get()
		if (err != nil) != st.wantErr {
			t.Fatalf("%s: err = %v", st.name, err)
		}
		mu.Lock()
		got := issued
		mu.Unlock()
		if got != st.wantIssued {
			t.Errorf("%s: tokens issued = %d, want %d", st.name, got, st.wantIssued)
		}
		if err != nil && strings.Contains(err.Error(), "access-") {
			t.Errorf("%s: error leaks the token: %v", st.name, err)
		}
		if g, ok := c.GrantedScopes(); st.name == "cached" && (!ok || strings.Join(g, " ") != "okta.users.read") {
			t.Errorf("GrantedScopes = %v, %v; want the token's okta.users.read", g, ok)
		}
	}
	ssws, err := NewClient(srv.URL, WithInsecureHTTP(), WithToken("t"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ssws.GrantedScopes(); ok {
		t.Error("GrantedScopes with an API token: ok")
	}
}

// TestDPoPResourceNonce checks the proofs sent to the API: bound to the
// access token (ath), to the method and URL, signed by the key in their
// header, and carrying the nonce the resource server asked for.
func TestDPoPResourceNonce(t *testing.T) {
	t.Parallel()
	_, ek := keys(t)
	var (
		mu       sync.Mutex
		apiCalls int
		problems []string
	)
	const accessToken = "dpop-access-token-SECRET"
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth2/v1/token", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("DPoP") == "" {
			writeJSON(w, 400, map[string]string{"error": "invalid_dpop_proof", "error_description": "The DPoP proof JWT header is missing."})
			return
		}
		writeJSON(w, 200, map[string]any{"token_type": "DPoP", "expires_in": 3600, "access_token": accessToken})
	})
	var srvURL string
	mux.HandleFunc("GET /api/v1/users", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		apiCalls++
		if r.Header.Get("Authorization") != "DPoP "+accessToken {
			problems = append(problems, "Authorization is not DPoP")
		}
		claims := jwt.MapClaims{}
		tok, err := jwt.ParseWithClaims(r.Header.Get("DPoP"), claims, func(tk *jwt.Token) (any, error) {
			j, _ := json.Marshal(tk.Header["jwk"])
			var k jwkPrivate
			json.Unmarshal(j, &k)
			x, _ := base64.RawURLEncoding.DecodeString(k.X)
			y, _ := base64.RawURLEncoding.DecodeString(k.Y)
			return ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
		}, jwt.WithValidMethods([]string{"ES256"}))
		if err != nil || tok.Header["typ"] != "dpop+jwt" {
			problems = append(problems, fmt.Sprintf("proof does not verify: %v", err))
		}
		sum := sha256.Sum256([]byte(accessToken))
		if claims["ath"] != base64.RawURLEncoding.EncodeToString(sum[:]) || claims["htm"] != "GET" || claims["htu"] != srvURL+"/api/v1/users" || claims["jti"] == "" {
			problems = append(problems, fmt.Sprintf("claims %v", claims))
		}
		if claims["nonce"] != "n-1" {
			w.Header().Set("DPoP-Nonce", "n-1")
			w.Header().Set("WWW-Authenticate", `DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof"`)
			okHeaders(w)
			w.WriteHeader(401)
			return
		}
		writeJSON(w, 200, []any{})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	srvURL = srv.URL
	c, err := NewClient(srv.URL, WithInsecureHTTP(), WithPrivateKey("0oa1", []string{"okta.users.read"}, ecJWK(ek, "k"), ""))
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, _, err := c.Users.ListPage(context.Background(), &UserListOptions{Limit: 5}); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if apiCalls != 3 {
		t.Errorf("API calls = %d, want 3 (one nonce handshake, then the nonce is reused)", apiCalls)
	}
	for _, p := range problems {
		t.Error(p)
	}
}

func TestTokenFetchRetriesWithFreshAssertion(t *testing.T) {
	t.Parallel()
	rk, _ := keys(t)
	var (
		mu   sync.Mutex
		jtis []string
	)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth2/v1/token", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		claims := jwt.MapClaims{}
		jwt.NewParser().ParseUnverified(r.PostForm.Get("client_assertion"), claims)
		mu.Lock()
		jtis = append(jtis, fmt.Sprint(claims["jti"]))
		n := len(jtis)
		mu.Unlock()
		switch n {
		case 1:
			writeJSON(w, 500, map[string]string{"errorCode": "E0000009", "errorSummary": "Internal Server Error"})
		case 2:
			dropConnection(t, w)
		default:
			writeJSON(w, 200, map[string]any{"token_type": "Bearer", "expires_in": 3600, "access_token": "tok"})
		}
	})
	mux.HandleFunc("GET /api/v1/users/{id}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, testUser("00u1", "a@example.com"))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	c, err := NewClient(srv.URL, WithInsecureHTTP(), WithPrivateKey("0oa1", []string{"okta.users.read"}, pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rk)), ""))
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{t: time.Now()}
	c.now, c.sleep = clock.now, clock.sleep
	if _, _, err := c.Users.Get(context.Background(), "00u1"); err != nil {
		t.Fatal(err)
	}
	if len(jtis) != 3 || jtis[0] == jtis[1] || jtis[1] == jtis[2] {
		t.Errorf("assertion jtis = %v, want 3 distinct", jtis)
	}
}
