package okta

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestNewClientValidates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		url     string
		opts    []Option
		wantErr string
	}{
		{"https", "https://example.okta.com", []Option{WithToken("t0k3n")}, ""},
		{"https with trailing slash", "https://example.okta.com/", []Option{WithToken("t0k3n")}, ""},
		{"http refused", "http://example.okta.com", []Option{WithToken("t0k3n")}, "https is required"},
		{"http allowed for tests", "http://127.0.0.1:8080", []Option{WithToken("t0k3n"), WithInsecureHTTP()}, ""},
		{"empty", "", []Option{WithToken("t0k3n")}, "empty org URL"},
		{"placeholder", "https://{yourOktaDomain}", []Option{WithToken("t0k3n")}, "placeholder"},
		{"no scheme", "example.okta.com", []Option{WithToken("t0k3n")}, "must start with https://"},
		{"credentials in URL", "https://user:pw@example.okta.com", []Option{WithToken("t0k3n")}, "credentials"},
		{"query", "https://example.okta.com?x=1", []Option{WithToken("t0k3n")}, "query"},
		{"no host", "https:///api", []Option{WithToken("t0k3n")}, "no host"},
		{"no credentials", "https://example.okta.com", nil, "no credentials"},
		{"empty token", "https://example.okta.com", []Option{WithToken("  ")}, "empty API token"},
		{"negative retries", "https://example.okta.com", []Option{WithToken("t0k3n"), WithMaxRetries(-1)}, "negative"},
		{"share above one", "https://example.okta.com", []Option{WithToken("t0k3n"), WithRateLimit(1.5, 0)}, "outside"},
		{"token share below Okta's 5 %", "https://example.okta.com", []Option{WithToken("t0k3n"), WithTokenShare(0.01)}, "outside"},
		{"token share above one", "https://example.okta.com", []Option{WithToken("t0k3n"), WithTokenShare(1.2)}, "outside"},
		{"token share of all", "https://example.okta.com", []Option{WithToken("t0k3n"), WithTokenShare(1)}, ""},
		{"learned share of zero", "https://example.okta.com", []Option{WithToken("t0k3n"), WithLearnedShares(map[string]float64{BucketUsers: 0})}, "outside"},
		{"learned share of an unknown bucket", "https://example.okta.com", []Option{WithToken("t0k3n"), WithLearnedShares(map[string]float64{"gone": 0.5})}, ""},
		{"header with newline", "https://example.okta.com", []Option{WithToken("t0k3n"), WithHeaders(http.Header{"X-A": {"a\r\nb"}})}, "line break"},
		{"nil http client", "https://example.okta.com", []Option{WithToken("t0k3n"), WithHTTPClient(nil)}, "nil http.Client"},
		{"empty product", "https://example.okta.com", []Option{WithToken("t0k3n"), WithProduct(" ", "1.0")}, "not a single token"},
		{"product with a space", "https://example.okta.com", []Option{WithToken("t0k3n"), WithProduct("okta sync", "1.0")}, "not a single token"},
		{"product with a slash", "https://example.okta.com", []Option{WithToken("t0k3n"), WithProduct("okta/sync", "1.0")}, "not a single token"},
		{"version with a line break", "https://example.okta.com", []Option{WithToken("t0k3n"), WithProduct("oktasync", "1.0\r\nX-Evil: 1")}, "control character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := NewClient(tt.url, tt.opts...)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				if c.Users == nil || c.Groups == nil || c.Logs == nil || c.Schemas == nil {
					t.Error("services not set")
				}
				if want := strings.TrimSuffix(tt.url, "/"); c.OrgURL() != want {
					t.Errorf("OrgURL = %s, want %s", c.OrgURL(), want)
				}
				c.CloseIdleConnections()
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "pw@") {
				t.Errorf("error leaks URL credentials: %v", err)
			}
		})
	}
}

func TestRequestHeaders(t *testing.T) {
	t.Parallel()
	o := setup(t, WithProduct("oktasync", "1.2.3"), WithUserAgent("extra/1"), WithHeaders(http.Header{
		"X-Custom":      {"yes"},
		"Authorization": {"Bearer override"},
		"User-Agent":    {"evil"},
	}))
	var got http.Header
	o.mux.HandleFunc("POST /api/v1/groups", func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		writeJSON(w, 200, testGroup("00g1", "G", "OKTA_GROUP"))
	})
	if _, _, err := o.client.Groups.Create(context.Background(), GroupProfile{Name: "G"}); err != nil {
		t.Fatal(err)
	}
	if got.Get("Authorization") != "SSWS "+testToken {
		t.Errorf("Authorization = %q", got.Get("Authorization"))
	}
	if want := "oktasync/1.2.3 go/" + strings.TrimPrefix(runtime.Version(), "go") + " " + runtime.GOOS + "/" + runtime.GOARCH + " extra/1"; got.Get("User-Agent") != want {
		t.Errorf("User-Agent = %q, want %q", got.Get("User-Agent"), want)
	}
	if got.Get("X-Custom") != "yes" || got.Get("Accept") != "application/json" || got.Get("Content-Type") != "application/json" {
		t.Errorf("headers = %v", got)
	}
	if got.Get("X-Okta-Retry-Count") != "" {
		t.Errorf("first attempt carries a retry count")
	}
}

func TestUserAgent(t *testing.T) {
	t.Parallel()
	platform := " go/" + strings.TrimPrefix(runtime.Version(), "go") + " " + runtime.GOOS + "/" + runtime.GOARCH
	tests := []struct {
		name string
		opts []Option
		want string
	}{
		{"default product", nil, "okta-go-client" + platform},
		{"product and version", []Option{WithProduct("oktasync", "1.2.3")}, "oktasync/1.2.3" + platform},
		{"product without version", []Option{WithProduct("oktasync", "")}, "oktasync" + platform},
		{"extra text", []Option{WithProduct("oktasync", "dev"), WithUserAgent(" ci-run ")}, "oktasync/dev" + platform + " ci-run"},
		{"extra text, default product", []Option{WithUserAgent("x/1")}, "okta-go-client" + platform + " x/1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := NewClient("https://example.okta.com", append([]Option{WithToken("t0k3n")}, tt.opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			if c.userAgent != tt.want {
				t.Errorf("User-Agent = %q, want %q", c.userAgent, tt.want)
			}
		})
	}
}

// rateLimited answers 429 for the first n requests, as Okta does, with the
// window resetting resetIn after the Date header.
func rateLimited(o *testOrg, n int, resetIn time.Duration, limit int) *[]http.Header {
	var seen []http.Header
	var count atomic.Int32
	o.mux.HandleFunc("GET /api/v1/groups/{id}", func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Header.Clone())
		now := o.clock.now().UTC().Truncate(time.Second)
		okHeaders(w)
		w.Header().Set("Date", now.Format(http.TimeFormat))
		w.Header().Set("X-Rate-Limit-Limit", strconv.Itoa(limit))
		if int(count.Add(1)) <= n {
			w.Header().Set("X-Rate-Limit-Remaining", "0")
			w.Header().Set("X-Rate-Limit-Reset", strconv.FormatInt(now.Add(resetIn).Unix(), 10))
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(429)
			w.Write([]byte(`{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests.","errorCauses":[]}`))
			return
		}
		w.Header().Set("X-Rate-Limit-Remaining", "99")
		w.Header().Set("X-Rate-Limit-Reset", strconv.FormatInt(now.Add(resetIn).Unix(), 10))
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"id":"00g1","type":"OKTA_GROUP","profile":{"name":"G"}}`))
	})
	return &seen
}

func TestRateLimitRetry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		limited    int
		maxRetries int
		wantErr    bool
		wantCalls  int
	}{
		{"one 429 then ok", 1, 2, false, 2},
		{"two 429s then ok", 2, 2, false, 3},
		{"retries exhausted", 3, 2, true, 3},
		{"no retries", 1, 0, true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := setup(t, WithMaxRetries(tt.maxRetries))
			seen := rateLimited(o, tt.limited, 30*time.Second, 100)
			g, resp, err := o.client.Groups.Get(context.Background(), "00g1")
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			if tt.wantErr && !IsRateLimited(err) {
				t.Errorf("err = %v, want rate limited", err)
			}
			if !tt.wantErr && (g.ID != "00g1" || resp.Rate.Remaining != 99 || resp.Rate.Limit != 100 || resp.Rate.Bucket != BucketGroup) {
				t.Errorf("group %+v rate %+v", g, resp.Rate)
			}
			if len(*seen) != tt.wantCalls {
				t.Fatalf("calls = %d, want %d", len(*seen), tt.wantCalls)
			}
			for i, h := range *seen {
				if i == 0 {
					continue
				}
				if h.Get("X-Okta-Retry-Count") != strconv.Itoa(i) || !strings.HasPrefix(h.Get("X-Okta-Retry-For"), "req-") {
					t.Errorf("retry %d headers: count %q for %q", i, h.Get("X-Okta-Retry-Count"), h.Get("X-Okta-Retry-For"))
				}
			}
			// One wait per retry: Reset − Date + 1 s, with zero jitter.
			want := make([]time.Duration, tt.wantCalls-1)
			for i := range want {
				want[i] = 31 * time.Second
			}
			if diff := cmp.Diff(want, o.recordedWaits(), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
			st := o.client.Stats()
			if st.RateLimited != int64(min(tt.limited, tt.maxRetries+1)) {
				t.Errorf("stats 429s = %d", st.RateLimited)
			}
		})
	}
}

func TestRateLimitWaitHonoursContext(t *testing.T) {
	t.Parallel()
	o := setup(t)
	o.realClock()
	rateLimited(o, 5, 50*time.Second, 100)
	// The first wait the client starts is the one after the first 429 (the
	// probe of an unknown bucket does not wait): cancel once it starts.
	waiting := make(chan time.Duration, 1)
	o.client.sleep = func(ctx context.Context, d time.Duration, wake <-chan struct{}) error {
		select {
		case waiting <- d:
		default:
		}
		return sleepCtx(ctx, d, wake)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-waiting:
			cancel()
		case <-ctx.Done():
		}
	}()
	_, _, err := o.client.Groups.Get(ctx, "00g1")
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "waiting for the rate limit to reset") {
		t.Errorf("err = %v, want context.Canceled while waiting for the rate limit", err)
	}
	if !IsRateLimited(err) {
		t.Errorf("err = %v, want it to wrap the 429", err)
	}
	if st := o.client.Stats(); st.RateLimited != 1 || st.Retries != 1 {
		t.Errorf("429s = %d, retries = %d; want 1 and 1 (no retry sent after the cancel)", st.RateLimited, st.Retries)
	}
}

func TestServerErrorRetries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		method    string
		failures  int
		wantCalls int
		wantErr   bool
		unknown   bool
	}{
		{"GET retried", "GET", 2, 3, false, false},
		{"GET retries exhausted", "GET", 5, 3, true, false},
		{"PUT retried", "PUT", 1, 2, false, false},
		{"POST not retried", "POST", 1, 1, true, true},
		{"PATCH not retried", "PATCH", 1, 1, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := setup(t)
			var calls atomic.Int32
			o.mux.HandleFunc("/api/v1/things", func(w http.ResponseWriter, r *http.Request) {
				if int(calls.Add(1)) <= tt.failures {
					writeError(w, 500, "E0000009", "Internal Server Error")
					return
				}
				writeJSON(w, 200, map[string]string{"ok": "yes"})
			})
			var out map[string]string
			_, err := o.client.Do(context.Background(), tt.method, "/api/v1/things", map[string]int{"a": 1}, &out)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			if errors.Is(err, ErrOutcomeUnknown) != tt.unknown {
				t.Errorf("err = %v, unknown outcome want %v", err, tt.unknown)
			}
			if int(calls.Load()) != tt.wantCalls {
				t.Errorf("calls = %d, want %d", calls.Load(), tt.wantCalls)
			}
			if !tt.wantErr && out["ok"] != "yes" {
				t.Errorf("out = %v", out)
			}
			// One backoff per retry, doubling, with zero jitter.
			var want []time.Duration
			for i := 1; i < tt.wantCalls; i++ {
				want = append(want, backoffBase<<(i-1)/2)
			}
			if diff := cmp.Diff(want, o.recordedWaits(), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("backoff waits (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBackoffIsCapped(t *testing.T) {
	t.Parallel()
	c, err := NewClient("https://example.okta.com", WithToken("t0k3n"))
	if err != nil {
		t.Fatal(err)
	}
	c.jitter = func(d time.Duration) time.Duration { return d }
	want := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 30 * time.Second, 30 * time.Second}
	for i, w := range want {
		if got := c.backoff(i + 1); got != w {
			t.Errorf("backoff(%d) = %s, want %s", i+1, got, w)
		}
	}
}

func TestRequestTimeoutBoundsRetries(t *testing.T) {
	t.Parallel()
	o := setup(t, WithRequestTimeout(50*time.Millisecond), WithMaxRetries(1000))
	o.realClock()
	o.mux.HandleFunc("GET /api/v1/users/{id}", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, 503, "", "")
	})
	_, _, err := o.client.Users.Get(context.Background(), "00u1")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want deadline exceeded", err)
	}
}

func TestAPIError(t *testing.T) {
	t.Parallel()
	o := setup(t)
	o.mux.HandleFunc("POST /api/v1/users", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, 400, "E0000001", "Api validation failed: login", "login: An object with this field already exists in the current organization")
	})
	o.mux.HandleFunc("GET /api/v1/groups", func(w http.ResponseWriter, r *http.Request) {
		okHeaders(w)
		w.Header().Set("WWW-Authenticate", `Bearer authorization_uri="http://x/oauth2/v1/authorize", realm="http://x", scope="okta.groups.read", error="insufficient_scope", error_description="The access token provided does not contain the required scopes.", resource="/api/v1/groups"`)
		w.WriteHeader(403)
	})
	o.mux.HandleFunc("GET /api/v1/huge", func(w http.ResponseWriter, r *http.Request) {
		okHeaders(w)
		w.WriteHeader(500)
		w.Write(bytes.Repeat([]byte("x"), 10<<20))
	})
	_, _, err := o.client.Users.Create(context.Background(), CreateUserRequest{Profile: map[string]any{"login": "a@example.com"}, Password: "Hunter2-Secret"}, true)
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %T %v", err, err)
	}
	want := &APIError{
		StatusCode: 400, ErrorCode: "E0000001", ErrorSummary: "Api validation failed: login", ErrorLink: "E0000001", ErrorID: "oae-E0000001",
		ErrorCauses: []ErrorCause{{ErrorSummary: "login: An object with this field already exists in the current organization"}},
		Method:      "POST", Path: "/api/v1/users", RequestID: apiErr.RequestID, Rate: apiErr.Rate,
	}
	if diff := cmp.Diff(want, apiErr); diff != "" {
		t.Errorf("APIError (-want +got):\n%s", diff)
	}
	if !IsAlreadyExists(err) || IsNotFound(err) || IsRateLimited(err) {
		t.Errorf("helpers misread %v", err)
	}
	if !strings.Contains(err.Error(), "E0000001") || !strings.Contains(err.Error(), apiErr.RequestID) {
		t.Errorf("message = %s", err)
	}

	_, _, err = o.client.Groups.ListPage(context.Background(), nil)
	if !IsAccessDenied(err) || !errors.As(err, &apiErr) || apiErr.OAuthError != "insufficient_scope" || !strings.Contains(err.Error(), "okta.groups.read") {
		t.Errorf("scope error = %v", err)
	}

	_, err = o.client.Do(context.Background(), "GET", "/api/v1/huge", nil, nil)
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 500 {
		t.Errorf("huge error = %v", err)
	}
}

func TestNoSecretsInLogsOrErrors(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	o := setup(t, WithLogger(logger))
	o.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "POST" {
			dropConnection(t, w)
			return
		}
		writeError(w, 401, "E0000011", "Invalid token provided")
	})
	ctx := context.Background()
	var errs []error
	_, _, err := o.client.Users.Get(ctx, "x")
	errs = append(errs, err)
	_, _, err = o.client.Users.Create(ctx, CreateUserRequest{Profile: map[string]any{"login": "a@example.com"}, Password: "Pa55word-Secret"}, true)
	errs = append(errs, err)
	for _, err := range errs {
		if err == nil {
			t.Fatal("want an error")
		}
		for _, s := range []string{testToken, "Pa55word-Secret"} {
			if strings.Contains(err.Error(), s) {
				t.Errorf("error leaks a secret: %v", err)
			}
		}
	}
	out := logs.String()
	if !strings.Contains(out, "okta request") || !strings.Contains(out, "status=401") {
		t.Errorf("debug log lacks the request line:\n%s", out)
	}
	for _, s := range []string{testToken, "Pa55word-Secret", "SSWS"} {
		if strings.Contains(out, s) {
			t.Errorf("debug log holds %q:\n%s", s, out)
		}
	}
}

func TestDoResolvesPaths(t *testing.T) {
	t.Parallel()
	o := setup(t)
	var paths []string
	o.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.URL.RequestURI())
		writeJSON(w, 200, map[string]any{})
	})
	ctx := context.Background()
	for _, p := range []string{"/api/v1/a?x=1", "api/v1/b", o.url("/api/v1/c?y=2")} {
		if _, err := o.client.Do(ctx, "get", p, nil, nil); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
	}
	if diff := cmp.Diff([]string{"/api/v1/a?x=1", "/api/v1/b", "/api/v1/c?y=2"}, paths); diff != "" {
		t.Errorf("paths (-want +got):\n%s", diff)
	}
	for _, p := range []string{"https://evil.example.com/api/v1/users", o.srv.URL + "/elsewhere"} {
		if _, err := o.client.Do(ctx, "GET", p, nil, nil); err == nil {
			t.Errorf("%s: want a refusal", p)
		}
	}
}

func TestDroppedConnectionRetriedOnlyWhenIdempotent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		method  string
		wantErr bool
	}{
		{"GET", false},
		{"DELETE", false},
		{"POST", true},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			t.Parallel()
			o := setup(t)
			var calls atomic.Int32
			o.mux.HandleFunc("/api/v1/things", func(w http.ResponseWriter, r *http.Request) {
				if calls.Add(1) == 1 {
					dropConnection(t, w)
					return
				}
				writeJSON(w, 200, map[string]string{})
			})
			_, err := o.client.Do(context.Background(), tt.method, "/api/v1/things", nil, nil)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			if tt.wantErr && (!errors.Is(err, ErrOutcomeUnknown) || calls.Load() != 1) {
				t.Errorf("err = %v after %d calls; want one call and an unknown outcome", err, calls.Load())
			}
		})
	}
}
