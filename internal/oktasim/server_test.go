package oktasim

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
)

func TestMethodNotAllowed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	tests := []struct {
		method, path string
		status       int
		code, allow  string
	}{
		{"PATCH", "/api/v1/users", 405, "E0000022", "GET, POST"},
		{"DELETE", "/api/v1/groups", 405, "E0000022", "GET, POST"},
		{"GET", "/api/v1/users/00u1/lifecycle/activate", 405, "E0000022", "POST"},
		{"GET", "/api/v1/idps", 404, "E0000007", ""},
		{"PATCH", "/api/v1/apps", 405, "E0000022", "GET"},
	}
	for _, tt := range tests {
		r := e.do(tt.method, tt.path, nil)
		mustStatus(t, r, tt.status)
		if r.errorCode(t) != tt.code || r.header.Get("Allow") != tt.allow {
			t.Errorf("%s %s: %s, Allow %q", tt.method, tt.path, r.body, r.header.Get("Allow"))
		}
	}
}

func TestRetriesCounted(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/users", nil)
	req.Header.Set("Authorization", "SSWS "+testToken)
	req.Header.Set("X-Okta-Retry-For", "abc")
	req.Header.Set("X-Okta-Retry-Count", "1")
	res, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	e.do("GET", "/api/v1/users", nil)
	if st := e.sim.Stats(); st.Retries != 1 || st.Requests != 2 {
		t.Errorf("stats %+v", st)
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestLogsHoldNoSecrets(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := newEnv(t, Options{Tokens: []string{testToken}, Logger: logger})
	e.do("POST", "/api/v1/users", map[string]any{
		"profile":     profile("secret@example.com"),
		"credentials": map[string]any{"password": map[string]any{"value": "Hunter2-Passw0rd"}},
	})
	e.doAuth("GET", "/api/v1/users", nil, "SSWS wrong-token-value")
	out := buf.String()
	if !strings.Contains(out, "oktasim request") {
		t.Fatalf("no request logged: %s", out)
	}
	for _, secret := range []string{testToken, "Hunter2-Passw0rd", "wrong-token-value"} {
		if strings.Contains(out, secret) {
			t.Errorf("log holds a secret %q: %s", secret, out)
		}
	}
	snap := fmt.Sprint(e.sim.Snapshot())
	if strings.Contains(snap, "Hunter2") {
		t.Errorf("snapshot holds the password")
	}
}

func BenchmarkCreateUser(b *testing.B) {
	e := newEnv(b, Options{RateLimit: RateLimitOptions{Disabled: true}})
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		e.do("POST", "/api/v1/users?activate=false", map[string]any{"profile": profile(fmt.Sprintf("bench%d@example.com", i))})
	}
}

func BenchmarkListUsersPage(b *testing.B) {
	e := newEnv(b, Options{RateLimit: RateLimitOptions{Disabled: true}})
	seed := Seed{}
	for i := range 5000 {
		seed.Users = append(seed.Users, SeedUser{Profile: profile(fmt.Sprintf("bench%d@example.com", i))})
	}
	if err := e.sim.Seed(seed); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		e.do("GET", "/api/v1/users?limit=200", nil)
	}
}
