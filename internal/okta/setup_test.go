package okta

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"
)

// testToken is the API token test clients send.
const testToken = "00TESTtokenSECRETvalue-abcdefghijklmnop"

// apiPrefix is the path under which test servers mount the API, so that a
// request built against the host root instead of the org URL fails.
const apiPrefix = "/org-prefix"

// testOrg is an httptest server speaking Okta's wire format under apiPrefix.
type testOrg struct {
	t      *testing.T
	srv    *httptest.Server
	mux    *http.ServeMux
	client *Client

	clock *fakeClock
}

// fakeClock stands in for the client's clock: a sleep with a deadline moves
// it forward at once and is recorded; a sleep without one (waiting for
// another request to finish) waits for the wake-up for real.
type fakeClock struct {
	mu     sync.Mutex
	t      time.Time
	sleeps []time.Duration
}

func (f *fakeClock) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *fakeClock) sleep(ctx context.Context, d time.Duration, wake <-chan struct{}) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if wake != nil && d == recheckEvery {
		select {
		case <-wake:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.t = f.t.Add(d)
	f.sleeps = append(f.sleeps, d)
	return nil
}

// orgURL is the org URL test clients use.
func (o *testOrg) orgURL() string { return o.srv.URL + apiPrefix }

// url returns the absolute URL of an API path, as Okta writes links.
func (o *testOrg) url(path string) string { return o.orgURL() + path }

// recordedWaits returns the waits the client asked for.
func (o *testOrg) recordedWaits() []time.Duration {
	o.clock.mu.Lock()
	defer o.clock.mu.Unlock()
	return append([]time.Duration(nil), o.clock.sleeps...)
}

// realClock makes the client sleep for real.
func (o *testOrg) realClock() {
	o.client.sleep = sleepCtx
	o.client.now = time.Now
}

// setup starts a test server and a client wired to it. The client's waits
// are recorded instead of slept, and jitter is zero.
func setup(t *testing.T, opts ...Option) *testOrg {
	t.Helper()
	o := &testOrg{t: t, mux: http.NewServeMux()}
	outer := http.NewServeMux()
	outer.Handle(apiPrefix+"/", http.StripPrefix(apiPrefix, o.mux))
	outer.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request outside the org prefix: %s %s", r.Method, r.URL.Path)
		http.Error(w, "outside the org prefix", http.StatusBadGateway)
	})
	o.srv = httptest.NewServer(outer)
	t.Cleanup(o.srv.Close)
	all := append([]Option{WithToken(testToken), WithInsecureHTTP()}, opts...)
	c, err := NewClient(o.orgURL(), all...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	o.clock = &fakeClock{t: time.Now()}
	c.sleep = o.clock.sleep
	c.now = o.clock.now
	c.jitter = func(time.Duration) time.Duration { return 0 }
	o.client = c
	return o
}

var requestSeq struct {
	sync.Mutex
	n int
}

// okHeaders sets the headers Okta puts on every answer.
func okHeaders(w http.ResponseWriter) {
	requestSeq.Lock()
	requestSeq.n++
	n := requestSeq.n
	requestSeq.Unlock()
	w.Header().Set("X-Okta-Request-Id", "req-"+strconv.Itoa(n))
	w.Header().Set("Date", time.Now().UTC().Format(http.TimeFormat))
}

// writeJSON answers with status and v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	okHeaders(w)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers with an Okta error body.
func writeError(w http.ResponseWriter, status int, code, summary string, causes ...string) {
	body := map[string]any{"errorCode": code, "errorSummary": summary, "errorLink": code, "errorId": "oae-" + code, "errorCauses": []any{}}
	cs := []any{}
	for _, c := range causes {
		cs = append(cs, map[string]string{"errorSummary": c})
	}
	body["errorCauses"] = cs
	writeJSON(w, status, body)
}

// dropConnection closes the connection without an answer.
func dropConnection(t *testing.T, w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		t.Fatal("response writer cannot hijack")
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		t.Fatalf("hijack: %v", err)
	}
	conn.Close()
}

// testUser returns a user as Okta returns it.
func testUser(id, login string) map[string]any {
	return map[string]any{
		"id": id, "status": "ACTIVE", "created": "2024-01-02T03:04:05.000Z", "lastLogin": nil,
		"profile":     map[string]any{"login": login, "email": login, "firstName": "F" + id, "lastName": "L" + id},
		"credentials": map[string]any{"password": map[string]any{}, "provider": map[string]any{"type": "OKTA", "name": "OKTA"}},
		"_links":      map[string]any{"self": map[string]any{"href": "x"}},
	}
}

func testGroup(id, name, typ string) map[string]any {
	return map[string]any{"id": id, "type": typ, "objectClass": []string{"okta:user_group"},
		"profile": map[string]any{"name": name, "description": "d " + name}}
}

func mustDecode(t *testing.T, r *http.Request, v any) {
	t.Helper()
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		t.Errorf("decode request body: %v", err)
	}
}

func ids[T any](t *testing.T, seq func(func(T, error) bool), id func(T) string) []string {
	t.Helper()
	var out []string
	for v, err := range seq {
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		out = append(out, id(v))
	}
	return out
}
