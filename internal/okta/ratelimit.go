package okta

import (
	"context"
	"math"
	"strings"
	"sync"
	"time"
)

// Bucket names. They mirror Okta's rate-limit table: a request falls in the
// bucket of its exact path first, then of its longest matching prefix.
const (
	BucketUsers      = "/api/v1/users"
	BucketUserGet    = "GET /api/v1/users/{idOrLogin}"
	BucketUserWrite  = "POST|PUT|DELETE /api/v1/users/{id}"
	BucketGroups     = "/api/v1/groups"
	BucketGroup      = "/api/v1/groups/{id}"
	BucketLogs       = "/api/v1/logs"
	BucketOAuthToken = "/oauth2/v1/token"
	BucketOther      = "/api/v1"
)

// bucketFor infers the rate-limit bucket of a request before it is sent.
// path is relative to the org, escaped, without query.
func bucketFor(method, path string) string {
	p := strings.TrimSuffix(path, "/")
	switch {
	case p == "/api/v1/users":
		return BucketUsers
	case strings.HasPrefix(p, "/api/v1/users/"):
		if method == "GET" || method == "HEAD" {
			return BucketUserGet
		}
		return BucketUserWrite
	case p == "/api/v1/groups":
		return BucketGroups
	case strings.HasPrefix(p, "/api/v1/groups/"):
		return BucketGroup
	case p == "/api/v1/logs" || strings.HasPrefix(p, "/api/v1/logs/"):
		return BucketLogs
	case strings.HasPrefix(p, "/oauth2/"):
		return BucketOAuthToken
	}
	return BucketOther
}

// Pacing constants.
const (
	// maxResetMargin is added to a window's end as computed from Okta's
	// second-granular Reset and Date headers, so that the client never
	// starts a new window before Okta does. Once a bucket's window length
	// is known (from two successive resets), the margin is a twentieth of
	// it, between minResetMargin and maxResetMargin: one second for Okta's
	// minute, less for a simulator's short windows.
	maxResetMargin = time.Second
	minResetMargin = 50 * time.Millisecond
	// provisionalWindow is assumed for a window whose end no answer has
	// told yet (Okta's windows are about a minute).
	provisionalWindow = time.Minute
	// recheckEvery bounds a wait for which no deadline is known.
	recheckEvery = time.Second
	// concurrencyRecovery is how many answers without a concurrency 429
	// raise the in-flight cap by one again.
	concurrencyRecovery = 50
)

// limiter paces requests before they are sent: per bucket it spends at most
// share of the limit Okta reports within one window, and it keeps at most
// a cap of requests in flight, lowering the cap on a concurrency 429 and
// raising it back slowly.
type limiter struct {
	share   float64
	maxConc int
	now     func() time.Time
	sleep   func(ctx context.Context, d time.Duration, wake <-chan struct{}) error
	stats   *statsRecorder

	mu       sync.Mutex
	conc     int // current in-flight cap, 1..maxConc
	inflight int
	waiting  int // callers held back, for tests and Stats
	okStreak int
	buckets  map[string]*bucketState
	changed  chan struct{} // closed and replaced on every state change
}

// bucketState is what the client knows of one bucket's current window.
type bucketState struct {
	limit          int           // X-Rate-Limit-Limit; 0 until learned
	remaining      int           // Okta's figure, less our sends since
	remainingKnown bool          // remaining is from this window
	windowReset    time.Time     // X-Rate-Limit-Reset of the current window (Okta's clock)
	windowLen      time.Duration // shortest gap seen between successive resets; 0 until known
	resetAt        time.Time     // when the current window ends (local clock)
	used           int           // our requests sent in the current window
	inflight       int
}

func newLimiter(share float64, maxConc int, now func() time.Time,
	sleep func(ctx context.Context, d time.Duration, wake <-chan struct{}) error, stats *statsRecorder) *limiter {
	return &limiter{
		share: share, maxConc: maxConc, conc: maxConc, now: now, sleep: sleep, stats: stats,
		buckets: map[string]*bucketState{}, changed: make(chan struct{}),
	}
}

func (l *limiter) bucket(name string) *bucketState {
	b := l.buckets[name]
	if b == nil {
		b = &bucketState{}
		l.buckets[name] = b
	}
	return b
}

// broadcast wakes every waiter; l.mu must be held.
func (l *limiter) broadcast() {
	close(l.changed)
	l.changed = make(chan struct{})
}

// allowed is how many requests the client may send in one window of b.
func (l *limiter) allowed(b *bucketState) int {
	return max(1, int(math.Floor(l.share*float64(b.limit))))
}

// acquire waits until a request in bucket may be sent: a slot in flight is
// free, and the bucket's share for this window is not spent. Until a
// bucket's limit is known, one request at a time probes it. The returned
// function must be called once, with the response or nil.
func (l *limiter) acquire(ctx context.Context, bucket string) (func(*Response), error) {
	var waitedSince time.Time
	for {
		l.mu.Lock()
		now := l.now()
		b := l.bucket(bucket)
		if !b.resetAt.IsZero() && !now.Before(b.resetAt) {
			// The window is over: a new one starts with our next request.
			b.used = 0
			b.remainingKnown = false
			b.resetAt = now.Add(provisionalWindow)
		}
		var deadline time.Time // when waiting on the bucket may end
		blocked := false
		switch {
		case l.inflight >= l.conc:
			blocked = true
		case b.limit == 0:
			blocked = b.inflight > 0 // a probe is out
		case b.used >= l.allowed(b) || (b.remainingKnown && b.remaining <= 0):
			blocked = true
			deadline = b.resetAt
		}
		if !blocked {
			l.inflight++
			b.inflight++
			b.used++
			if b.resetAt.IsZero() {
				b.resetAt = now.Add(provisionalWindow)
			}
			if b.remainingKnown {
				b.remaining--
			}
			l.mu.Unlock()
			if !waitedSince.IsZero() {
				l.stats.recordPacing(l.now().Sub(waitedSince))
			}
			var once sync.Once
			return func(resp *Response) { once.Do(func() { l.release(bucket, resp) }) }, nil
		}
		changed := l.changed
		l.waiting++
		l.mu.Unlock()
		if waitedSince.IsZero() {
			waitedSince = now
		}
		d := recheckEvery
		if !deadline.IsZero() {
			d = max(deadline.Sub(now), time.Millisecond)
		}
		err := l.sleep(ctx, d, changed)
		l.mu.Lock()
		l.waiting--
		l.mu.Unlock()
		if err != nil {
			return nil, err
		}
	}
}

// release returns a request's slot and learns from its response.
func (l *limiter) release(bucket string, resp *Response) {
	l.mu.Lock()
	defer l.mu.Unlock()
	defer l.broadcast()
	inflightBefore := l.inflight
	l.inflight--
	b := l.bucket(bucket)
	b.inflight--
	if resp == nil {
		return
	}
	rate := resp.Rate
	if resp.StatusCode == 429 && rate.Known && rate.Limit == 0 {
		// Too many requests in flight for the org: lower the cap to
		// below what was in flight.
		l.conc = max(1, min(l.conc-1, inflightBefore-1))
		l.okStreak = 0
		return
	}
	if l.conc < l.maxConc {
		l.okStreak++
		if l.okStreak >= concurrencyRecovery {
			l.conc++
			l.okStreak = 0
		}
	}
	if !rate.Known || rate.Limit <= 0 {
		return
	}
	b.limit = rate.Limit
	remaining := rate.Remaining
	if resp.StatusCode == 429 {
		remaining = 0
	}
	switch {
	case rate.Reset.IsZero():
		b.remaining = min(remaining, b.remainingOr(remaining))
		b.remainingKnown = true
	case b.windowReset.IsZero() || rate.Reset.After(b.windowReset):
		// The first answer of a new window.
		if !b.windowReset.IsZero() {
			gap := rate.Reset.Sub(b.windowReset)
			if b.windowLen == 0 || gap < b.windowLen {
				b.windowLen = gap
			}
		}
		b.windowReset = rate.Reset
		date := rate.Date
		if date.IsZero() {
			date = l.now()
		}
		b.resetAt = l.now().Add(rate.Reset.Sub(date) + b.margin())
		b.remaining = remaining
		b.remainingKnown = true
	case rate.Reset.Equal(b.windowReset):
		b.remaining = min(remaining, b.remainingOr(remaining))
		b.remainingKnown = true
		// The window may have been closed here already and a provisional
		// one opened; Okta's word on when its window ends wins when it is
		// sooner, so a late answer of the old window (a 429, say) does not
		// hold the bucket for a whole provisional window. Every estimate
		// errs late (Date is truncated to the second), so the soonest is
		// still never early.
		date := rate.Date
		if date.IsZero() {
			date = l.now()
		}
		if end := l.now().Add(rate.Reset.Sub(date) + b.margin()); end.Before(b.resetAt) {
			b.resetAt = end
		}
	}
	// An answer from an earlier window tells nothing about this one.
}

func (b *bucketState) remainingOr(v int) int {
	if b.remainingKnown {
		return b.remaining
	}
	return v
}

// snapshot returns the in-flight cap, requests in flight and callers
// waiting.
func (l *limiter) snapshot() (conc, inflight, waiting int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.conc, l.inflight, l.waiting
}

// margin is the safety margin added to the end of b's windows.
func (b *bucketState) margin() time.Duration {
	if b.windowLen <= 0 {
		return maxResetMargin
	}
	return min(max(b.windowLen/20, minResetMargin), maxResetMargin)
}
