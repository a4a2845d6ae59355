package okta

import (
	"context"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"
)

// windowServer counts requests per bucket window as Okta does: a window
// starts with its first request and lasts window; it answers 429 over limit.
// Its clock is the client's fake clock.
type windowServer struct {
	mu      sync.Mutex
	limit   int
	window  time.Duration
	start   time.Time
	count   int
	maxSeen int // most requests seen in one window
	total   int
	got429  int
}

func (s *windowServer) handler(o *testOrg) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		now := o.clock.now()
		if s.start.IsZero() || !now.Before(s.start.Add(s.window)) {
			s.start, s.count = now, 0
		}
		s.count++
		s.total++
		s.maxSeen = max(s.maxSeen, s.count)
		remaining := s.limit - s.count
		reset := s.start.Add(s.window)
		over := remaining < 0
		if over {
			s.got429++
		}
		s.mu.Unlock()
		okHeaders(w)
		w.Header().Set("Date", now.UTC().Format(http.TimeFormat))
		w.Header().Set("X-Rate-Limit-Limit", strconv.Itoa(s.limit))
		w.Header().Set("X-Rate-Limit-Remaining", strconv.Itoa(max(0, remaining)))
		w.Header().Set("X-Rate-Limit-Reset", strconv.FormatInt(reset.Unix()+1, 10))
		if over {
			w.WriteHeader(429)
			w.Write([]byte(`{"errorCode":"E0000047","errorSummary":"rate limit"}`))
			return
		}
		w.Write([]byte(`{"id":"00g1","type":"OKTA_GROUP","profile":{"name":"G"}}`))
	}
}

// TestPacingKeepsToShare checks maxShare against a header that is the
// token's own share (WithTokenShare(1)).
func TestPacingKeepsToShare(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		share    float64
		limit    int
		calls    int
		wantMax  int
		wantWait int
	}{
		{"half of 10", 0.5, 10, 12, 5, 2},
		{"all of 4", 1, 4, 9, 4, 2},
		{"tiny bucket still moves", 0.5, 1, 3, 1, 2},
		{"within share, no wait", 0.5, 100, 30, 30, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := setup(t, WithRateLimit(tt.share, 4), WithTokenShare(1))
			srv := &windowServer{limit: tt.limit, window: time.Minute}
			o.mux.HandleFunc("GET /api/v1/groups/{id}", srv.handler(o))
			for i := 0; i < tt.calls; i++ {
				if _, _, err := o.client.Groups.Get(context.Background(), "00g1"); err != nil {
					t.Fatalf("call %d: %v", i, err)
				}
			}
			if srv.maxSeen != tt.wantMax || srv.got429 != 0 {
				t.Errorf("most in one window = %d (want %d), 429s = %d", srv.maxSeen, tt.wantMax, srv.got429)
			}
			st := o.client.Stats()
			if int(st.PacingWaits) != tt.wantWait {
				t.Errorf("pacing waits = %d, want %d", st.PacingWaits, tt.wantWait)
			}
			if b := st.Buckets[BucketGroup]; b.Limit != tt.limit || b.Requests != int64(tt.calls) {
				t.Errorf("bucket stats = %+v", b)
			}
		})
	}
}

// waitFor spins until cond holds; the condition is reached by other
// goroutines making progress, so no timing is assumed. A regression that
// never reaches it fails the test, naming what, once a generous deadline
// passes, instead of hanging.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	for !cond() {
		if ctx.Err() != nil {
			t.Fatalf("gave up waiting until %s", what)
		}
		runtime.Gosched()
	}
}

func TestProbeAndConcurrencyCap(t *testing.T) {
	t.Parallel()
	o := setup(t, WithRateLimit(1, 3))
	o.realClock()
	var (
		mu       sync.Mutex
		inflight int
		maxIn    int
	)
	gate := make(chan struct{})
	var openGate sync.Once
	var wg sync.WaitGroup
	// Should a wait below fail, the held requests still finish before the
	// test server closes.
	t.Cleanup(func() {
		openGate.Do(func() { close(gate) })
		wg.Wait()
	})
	o.mux.HandleFunc("GET /api/v1/groups/{id}", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inflight++
		maxIn = max(maxIn, inflight)
		mu.Unlock()
		<-gate
		mu.Lock()
		inflight--
		mu.Unlock()
		okHeaders(w)
		w.Header().Set("X-Rate-Limit-Limit", "1000")
		w.Header().Set("X-Rate-Limit-Remaining", "900")
		w.Header().Set("X-Rate-Limit-Reset", strconv.FormatInt(time.Now().Add(time.Minute).Unix(), 10))
		w.Write([]byte(`{"id":"00g1"}`))
	})
	const callers = 8
	for range callers {
		wg.Go(func() {
			if _, _, err := o.client.Groups.Get(context.Background(), "00g1"); err != nil {
				t.Error(err)
			}
		})
	}
	// The bucket's limit is unknown: one probe goes out, the others wait.
	waitFor(t, "one probe is in flight and the other callers wait", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return inflight == 1 && o.client.Stats().Waiting == callers-1
	})
	mu.Lock()
	if maxIn != 1 {
		t.Errorf("in flight during the probe = %d, want 1", maxIn)
	}
	mu.Unlock()
	// Let the probe answer; then at most 3 are in flight.
	gate <- struct{}{}
	waitFor(t, "three are in flight and four wait", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return inflight == 3 && o.client.Stats().Waiting == callers-4
	})
	openGate.Do(func() { close(gate) })
	wg.Wait()
	if maxIn != 3 {
		t.Errorf("most in flight = %d, want 3", maxIn)
	}
}

// limiterResponse builds a response as release sees it.
func limiterResponse(status, limit, remaining int, date, reset time.Time) *Response {
	r := &Response{Response: &http.Response{StatusCode: status}}
	r.Rate = Rate{Known: true, Limit: limit, Remaining: remaining, Date: date, Reset: reset}
	return r
}

func TestLimiterConcurrencyBackoff(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	l := testLimiter(clock, 0.5, 6, 1)
	ctx := context.Background()
	// The probe teaches the bucket a large limit.
	probe, err := l.acquire(ctx, BucketUsers)
	if err != nil {
		t.Fatal(err)
	}
	probe(limiterResponse(200, 1000, 999, clock.now(), clock.now().Add(time.Minute)))
	var releases []func(*Response)
	for range 5 {
		rel, err := l.acquire(ctx, BucketUsers)
		if err != nil {
			t.Fatal(err)
		}
		releases = append(releases, rel)
	}
	// Five in flight (the probe answered); two concurrency 429s.
	conc429 := limiterResponse(429, 0, 0, clock.now(), clock.now().Add(time.Minute))
	releases[0](conc429)
	if conc, _, _ := l.snapshot(); conc != 4 {
		t.Errorf("cap after a concurrency 429 with 5 in flight = %d, want 4", conc)
	}
	releases[1](conc429)
	if conc, _, _ := l.snapshot(); conc != 3 {
		t.Errorf("cap after a second = %d, want 3", conc)
	}
	for _, rel := range releases[2:] {
		rel(nil)
	}
	// Answers without concurrency 429s raise the cap again, one step per
	// concurrencyRecovery answers.
	for range concurrencyRecovery {
		rel, err := l.acquire(ctx, BucketUsers)
		if err != nil {
			t.Fatal(err)
		}
		rel(limiterResponse(200, 1000, 900, clock.now(), clock.now().Add(time.Minute)))
	}
	if conc, inflight, waiting := l.snapshot(); conc != 4 || inflight != 0 || waiting != 0 {
		t.Errorf("cap %d inflight %d waiting %d, want 4 0 0", conc, inflight, waiting)
	}
}

func TestLimiterRateLimitHoldsBucketUntilReset(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	l := testLimiter(clock, 1, 4, 1)
	ctx := context.Background()
	rel, _ := l.acquire(ctx, BucketUsers)
	// A 429: Okta says the window ends in 20 s.
	rel(limiterResponse(429, 600, 0, clock.now(), clock.now().Add(20*time.Second)))
	// Another bucket is not held.
	rel, _ = l.acquire(ctx, BucketGroups)
	rel(nil)
	if len(clock.sleeps) != 0 {
		t.Fatalf("other bucket waited: %v", clock.sleeps)
	}
	rel, err := l.acquire(ctx, BucketUsers)
	if err != nil {
		t.Fatal(err)
	}
	rel(nil)
	if len(clock.sleeps) != 1 || clock.sleeps[0] != 21*time.Second {
		t.Errorf("sleeps = %v, want [21s] (reset + margin)", clock.sleeps)
	}
	// A done context ends a wait.
	rel, _ = l.acquire(ctx, BucketLogs)
	rel(limiterResponse(429, 20, 0, clock.now(), clock.now().Add(time.Minute)))
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := l.acquire(cctx, BucketLogs); err == nil {
		t.Error("acquire with a done context: want an error")
	}
}

func TestLimiterResetMarginFollowsWindowLength(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		window time.Duration
		want   time.Duration
	}{
		{"Okta's minute", time.Minute, time.Second},
		{"two seconds", 2 * time.Second, 100 * time.Millisecond},
		{"one second", time.Second, 50 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
			l := testLimiter(clock, 1, 4, 1)
			reset := clock.now().Add(tt.window)
			for range 3 {
				rel, err := l.acquire(context.Background(), BucketUsers)
				if err != nil {
					t.Fatal(err)
				}
				rel(limiterResponse(200, 100, 50, clock.now(), reset))
				reset = reset.Add(tt.window)
			}
			l.mu.Lock()
			got := l.buckets[BucketUsers].margin()
			l.mu.Unlock()
			if got != tt.want {
				t.Errorf("margin = %s, want %s", got, tt.want)
			}
		})
	}
}

// A late 429 from a window the client already closed (it opened a
// provisional one) must not hold the bucket for the whole provisional
// window: Okta's own reset time, when sooner, wins.
func TestLimiterLateAnswerOfClosedWindow(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	l := testLimiter(clock, 1, 4, 1)
	ctx := context.Background()
	reset := clock.now().Add(2 * time.Second)
	rel, _ := l.acquire(ctx, BucketUsers)
	rel(limiterResponse(200, 100, 99, clock.now(), reset))
	// The client's view of the window ends and a request opens a
	// provisional one; its answer is a 429 that Okta counted in the old
	// window (same Reset, Okta's Date a second before it).
	clock.mu.Lock()
	clock.t = reset.Add(2 * time.Second)
	clock.mu.Unlock()
	rel, err := l.acquire(ctx, BucketUsers)
	if err != nil {
		t.Fatal(err)
	}
	rel(limiterResponse(429, 100, 0, reset.Add(-time.Second), reset))
	rel, err = l.acquire(ctx, BucketUsers)
	if err != nil {
		t.Fatal(err)
	}
	rel(nil)
	var waited time.Duration
	for _, d := range clock.sleeps {
		waited += d
	}
	if waited == 0 || waited >= provisionalWindow/2 {
		t.Errorf("waited %v after a late 429 of a closed window, want Okta's remaining second plus the margin", waited)
	}
}

// testLimiter returns a limiter on clock that spends maxShare of a ceiling
// assumed to be tokenShare of each bucket's limit.
func testLimiter(clock *fakeClock, maxShare float64, maxConc int, tokenShare float64) *limiter {
	return newLimiter(limiterConfig{maxShare: maxShare, tokenShare: tokenShare, maxConc: maxConc,
		now: clock.now, sleep: clock.sleep, stats: newStatsRecorder()})
}

// TestLimiterLearnsShare feeds one window's answers to the limiter and
// checks the share it learns of the header's limit (20 here, with the
// default token share of 0.5 assumed).
func TestLimiterLearnsShare(t *testing.T) {
	t.Parallel()
	type ans struct{ status, remaining int }
	ok := func(n, from int) []ans { // n accepted answers, Remaining counting down from from
		var out []ans
		for i := range n {
			out = append(out, ans{200, from - 1 - i})
		}
		return out
	}
	tests := []struct {
		name    string
		answers []ans
		want    float64
	}{
		{"within the assumed share: nothing learned", ok(10, 20), 0},
		{"429 with room after 10: the org header, half", append(ok(10, 20), ans{429, 10}), 0.5},
		{"429 with nothing left: the org's bucket spent, nothing learned", append(ok(10, 10), ans{429, 0}), 0},
		{"429 with room, then a late answer of the window", append(append(ok(7, 20), ans{429, 13}), ok(1, 13)...), 0.4},
		{"429 with room at once: at least Okta's smallest share", []ans{{429, 20}}, 0.05},
		{"Remaining 0 above the assumed share: the token's header", ok(20, 20), 1},
		{"Remaining 0 within the assumed share: nothing learned", ok(10, 10), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
			l := testLimiter(clock, 1, 4, 0.5)
			reset := clock.now().Add(time.Minute)
			for _, a := range tt.answers {
				l.mu.Lock()
				b := l.bucket(BucketGroups)
				b.inflight++
				l.inflight++
				l.mu.Unlock()
				l.release(BucketGroups, limiterResponse(a.status, 20, a.remaining, clock.now(), reset))
			}
			if got := l.learnedShares()[BucketGroups]; got != tt.want {
				t.Errorf("learned share %v, want %v", got, tt.want)
			}
		})
	}
}
