package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/oktasync/oktasync/internal/okta"
	"github.com/oktasync/oktasync/internal/oktasim"
)

// testToken is the API token the simulated orgs accept.
const testToken = "contract-test-token-0000000000000000"

// harness is a simulated org behind a real HTTP server, and the project's
// client wired to it through a validating recorder.
type harness struct {
	t      *testing.T
	sim    *oktasim.Server
	srv    *httptest.Server
	rec    *recorder
	client *okta.Client
}

// newHarness starts a simulator with opts (and the test token) holding
// seed, and a client for it.
func newHarness(t *testing.T, s *spec, opts oktasim.Options, seed oktasim.Seed) *harness {
	t.Helper()
	opts.Tokens = []string{testToken}
	sim, err := oktasim.New(opts)
	if err != nil {
		t.Fatalf("start simulator: %v", err)
	}
	if err := sim.Seed(seed); err != nil {
		t.Fatalf("seed simulator: %v", err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	rec := newRecorder(t, s, srv.Client().Transport)
	c, err := okta.NewClient(srv.URL,
		okta.WithToken(testToken),
		okta.WithInsecureHTTP(),
		okta.WithHTTPClient(&http.Client{Transport: rec}),
		okta.WithMaxRetries(0),
	)
	if err != nil {
		t.Fatalf("new client: %v", err)
	}
	return &harness{t: t, sim: sim, srv: srv, rec: rec, client: c}
}

// expectOperations fails the test unless every operation id in want was
// seen by the recorder since the last call, and returns the exchanges.
func (h *harness) expectOperations(want ...string) []*exchange {
	h.t.Helper()
	got := h.rec.take()
	seen := map[string]bool{}
	for _, e := range got {
		seen[e.operationID] = true
	}
	for _, id := range want {
		if !seen[id] {
			ids := make([]string, 0, len(got))
			for _, e := range got {
				ids = append(ids, e.operationID)
			}
			h.t.Errorf("operation %s was not exercised; saw %v", id, ids)
		}
	}
	return got
}

// seedUser is a seed user with Okta's four required profile attributes.
func seedUser(login, status string, extra map[string]any, groups ...string) oktasim.SeedUser {
	p := map[string]any{
		"login":     login,
		"email":     login,
		"firstName": "First",
		"lastName":  "Last " + login,
	}
	for k, v := range extra {
		p[k] = v
	}
	return oktasim.SeedUser{Status: status, Profile: p, Groups: groups}
}

// seedUsers returns n ACTIVE users user00@example.com … with a department.
func seedUsers(n int, department string) []oktasim.SeedUser {
	out := make([]oktasim.SeedUser, 0, n)
	for i := range n {
		out = append(out, seedUser(fmt.Sprintf("user%02d@example.com", i), "", map[string]any{"department": department}))
	}
	return out
}

// logins returns the users' logins, sorted.
func logins(users []*okta.User) []string {
	out := make([]string, 0, len(users))
	for _, u := range users {
		out = append(out, u.Login())
	}
	slices.Sort(out)
	return out
}

// raw sends one request with the test token through the validating
// recorder, bypassing the client (and so its pacing and retries), and
// returns the status, headers and body.
// body, when not nil, is sent as JSON.
func (h *harness) raw(method, path string, body any) (int, http.Header, []byte) {
	h.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			h.t.Fatalf("encode request body: %v", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, h.srv.URL+path, rd)
	if err != nil {
		h.t.Fatalf("build request: %v", err)
	}
	req.Header.Set("Authorization", "SSWS "+testToken)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := (&http.Client{Transport: h.rec}).Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatalf("read answer of %s %s: %v", method, path, err)
	}
	return resp.StatusCode, resp.Header, b
}
