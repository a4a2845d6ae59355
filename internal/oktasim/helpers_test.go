package oktasim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

const testToken = "test-token-00000000000000000000000000"

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a simulator behind a real HTTP server.
type env struct {
	t     testing.TB
	sim   *Server
	srv   *httptest.Server
	token string
}

func newEnv(t testing.TB, opts Options) *env {
	t.Helper()
	if opts.Tokens == nil && opts.Clients == nil {
		opts.Tokens = []string{testToken}
	}
	sim, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return serve(t, sim, opts, nil)
}

// serve starts an HTTP server for sim; hook, when set, becomes its
// dispatchHook before the server starts.
func serve(t testing.TB, sim *Server, opts Options, hook func(*http.Request)) *env {
	t.Helper()
	sim.dispatchHook = hook
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	tok := ""
	if len(opts.Tokens) > 0 {
		tok = opts.Tokens[0]
	}
	return &env{t: t, sim: sim, srv: srv, token: tok}
}

// resp is a decoded answer.
type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

func (r resp) obj(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	r.json(t, &m)
	return m
}

func (r resp) errorCode(t testing.TB) string {
	t.Helper()
	var e errorBody
	r.json(t, &e)
	return e.ErrorCode
}

// do sends a request with the env's token; url may be a path or a full URL.
func (e *env) do(method, url string, body any) resp {
	e.t.Helper()
	return e.doAuth(method, url, body, "SSWS "+e.token)
}

func (e *env) doAuth(method, url string, body any, auth string) resp {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		switch b := body.(type) {
		case string:
			rd = strings.NewReader(b)
		default:
			buf, err := json.Marshal(b)
			if err != nil {
				e.t.Fatalf("encode body: %v", err)
			}
			rd = bytes.NewReader(buf)
		}
	}
	if strings.HasPrefix(url, "/") {
		url = e.srv.URL + url
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		e.t.Fatalf("new request: %v", err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatalf("read body: %v", err)
	}
	return resp{status: res.StatusCode, header: res.Header, body: b}
}

// mustStatus fails unless r has the status.
func mustStatus(t testing.TB, r resp, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d; body %s", r.status, want, r.body)
	}
}

func profile(login string, extra ...any) map[string]any {
	p := map[string]any{
		"login":     login,
		"email":     login,
		"firstName": "First" + strings.Split(login, "@")[0],
		"lastName":  "Last",
	}
	for i := 0; i+1 < len(extra); i += 2 {
		p[extra[i].(string)] = extra[i+1]
	}
	return p
}

// createUser creates an active user (with a password) and returns its id.
func (e *env) createUser(login string, extra ...any) string {
	e.t.Helper()
	r := e.do("POST", "/api/v1/users?activate=true", map[string]any{
		"profile":     profile(login, extra...),
		"credentials": map[string]any{"password": map[string]any{"value": "Secr3t!Passw0rd"}},
	})
	mustStatus(e.t, r, 200)
	return r.obj(e.t)["id"].(string)
}

func (e *env) createGroup(name string) string {
	e.t.Helper()
	r := e.do("POST", "/api/v1/groups", map[string]any{"profile": map[string]any{"name": name, "description": "d " + name}})
	mustStatus(e.t, r, 200)
	return r.obj(e.t)["id"].(string)
}

// nextLink returns the next link of a page, or "".
func nextLink(t testing.TB, h http.Header) string {
	t.Helper()
	next := ""
	for _, l := range h.Values("Link") {
		if strings.Contains(l, ",") {
			t.Fatalf("Link header line holds more than one relation: %q", l)
		}
		url, rel, ok := strings.Cut(l, ">; rel=")
		if !ok || !strings.HasPrefix(url, "<") {
			t.Fatalf("malformed Link header %q", l)
		}
		if rel == `"next"` {
			next = strings.TrimPrefix(url, "<")
		}
	}
	return next
}

// listAll follows next links from path and returns every object.
func (e *env) listAll(path string) []map[string]any {
	e.t.Helper()
	var all []map[string]any
	url := path
	for pages := 0; url != ""; pages++ {
		if pages > 10000 {
			e.t.Fatalf("more than 10000 pages from %s", path)
		}
		r := e.do("GET", url, nil)
		mustStatus(e.t, r, 200)
		var page []map[string]any
		r.json(e.t, &page)
		all = append(all, page...)
		url = nextLink(e.t, r.header)
	}
	return all
}

func logins(objs []map[string]any) []string {
	var out []string
	for _, o := range objs {
		out = append(out, o["profile"].(map[string]any)["login"].(string))
	}
	return out
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func lower(s string) string { return strings.ToLower(s) }
