package okta

import (
	"context"
	"sync"
	"time"
)

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
// its budget within one window (see share.go for how the budget is set and
// learned), and it keeps at most a cap of requests in flight, lowering the
// cap on a concurrency 429 and raising it back slowly.
type limiter struct {
	limiterConfig

	mu       sync.Mutex
	conc     int // current in-flight cap, 1..maxConc
	inflight int
	waiting  int // callers held back, for tests and Stats
	okStreak int
	buckets  map[string]*bucketState
	changed  chan struct{} // closed and replaced on every state change
}

// limiterConfig is what a limiter is built from.
type limiterConfig struct {
	// maxShare is the share of the token's ceiling spent per window.
	maxShare float64
	// tokenShare is the share of an org figure assumed to be the token's
	// until a bucket's share is learned.
	tokenShare float64
	// learned seeds buckets' learned shares (WithLearnedShares).
	learned map[string]float64
	maxConc int
	now     func() time.Time
	sleep   func(ctx context.Context, d time.Duration, wake <-chan struct{}) error
	stats   *statsRecorder
	// onLearn, when set, is told each share the limiter learns; it is
	// called with the limiter's lock held and must not call back.
	onLearn func(bucket string, share float64, why string)
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

	share    float64 // learned share of limit that is the token's; 0 until learned
	accepted int     // answers of window windowReset that were not 429s
	proven   int     // most answers accepted in one window while share is unknown
	capped   bool    // window windowReset met a 429 while the headers showed room
}

func newLimiter(cfg limiterConfig) *limiter {
	return &limiter{
		limiterConfig: cfg, conc: cfg.maxConc,
		buckets: map[string]*bucketState{}, changed: make(chan struct{}),
	}
}

func (l *limiter) bucket(name string) *bucketState {
	b := l.buckets[name]
	if b == nil {
		b = &bucketState{share: l.learned[name]}
		l.buckets[name] = b
	}
	return b
}

// broadcast wakes every waiter; l.mu must be held.
func (l *limiter) broadcast() {
	close(l.changed)
	l.changed = make(chan struct{})
}

// acquire waits until a request in bucket may be sent: a slot in flight is
// free, and the bucket's budget for this window is not spent (or the
// request may go as a probe of the token's ceiling). Until a bucket's limit
// is known, one request at a time probes it. The returned function must be
// called once, with the response or nil.
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
		blocked, deadline := l.hold(b)
		if !blocked {
			l.take(b, now)
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

// hold decides whether a request in b must wait, and until when (zero: until
// something changes), or may go now. l.mu must be held.
func (l *limiter) hold(b *bucketState) (blocked bool, deadline time.Time) {
	switch {
	case l.inflight >= l.conc:
		return true, time.Time{}
	case b.limit == 0:
		return b.inflight > 0, time.Time{} // a probe of the limit is out
	case b.remainingKnown && b.remaining <= 0:
		return true, b.resetAt
	case b.used < l.allowed(b):
		return false, time.Time{}
	case l.mayProbe(b):
		// Over the budget, the ceiling still unknown, and Okta shows room:
		// a probe goes out alone, once every request of the bucket has
		// been answered (so that its answer tells about the ceiling, and
		// it cannot overtake a request within the budget); the others
		// wait for its answer rather than for the window.
		return b.inflight > 0, time.Time{}
	}
	return true, b.resetAt
}

// take counts a request in b about to be sent. l.mu must be held.
func (l *limiter) take(b *bucketState, now time.Time) {
	l.inflight++
	b.inflight++
	b.used++
	if b.resetAt.IsZero() {
		b.resetAt = now.Add(provisionalWindow)
	}
	if b.remainingKnown {
		b.remaining--
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
	if l.observe(b, resp.StatusCode, rate) {
		l.learn(bucket, b, resp.StatusCode == 429, rate.Remaining)
	}
}

// observe takes an answer's figures for b's window and reports whether the
// answer belongs to the window the client now counts (an answer from an
// earlier window tells nothing about this one). l.mu must be held.
func (l *limiter) observe(b *bucketState, status int, rate Rate) bool {
	remaining := rate.Remaining
	if status == 429 {
		remaining = 0
	}
	date := rate.Date
	if date.IsZero() {
		date = l.now()
	}
	switch {
	case rate.Reset.IsZero():
		b.remaining = min(remaining, b.remainingOr(remaining))
		b.remainingKnown = true
		return false
	case b.windowReset.IsZero() || rate.Reset.After(b.windowReset):
		// The first answer of a new window.
		if !b.windowReset.IsZero() {
			gap := rate.Reset.Sub(b.windowReset)
			if b.windowLen == 0 || gap < b.windowLen {
				b.windowLen = gap
			}
		}
		b.windowReset = rate.Reset
		b.resetAt = l.now().Add(rate.Reset.Sub(date) + b.margin())
		b.remaining = remaining
		b.remainingKnown = true
		b.accepted, b.capped = 0, false
		return true
	case rate.Reset.Equal(b.windowReset):
		b.remaining = min(remaining, b.remainingOr(remaining))
		b.remainingKnown = true
		// The window may have been closed here already and a provisional
		// one opened; Okta's word on when its window ends wins when it is
		// sooner, so a late answer of the old window (a 429, say) does not
		// hold the bucket for a whole provisional window. Every estimate
		// errs late (Date is truncated to the second), so the soonest is
		// still never early.
		if end := l.now().Add(rate.Reset.Sub(date) + b.margin()); end.Before(b.resetAt) {
			b.resetAt = end
		}
		return true
	}
	return false
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
