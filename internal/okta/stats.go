package okta

import (
	"maps"
	"sync"
	"time"
)

// Stats counts what the client did, for metrics and benchmarks.
type Stats struct {
	// Requests is the number of HTTP requests sent, retries included.
	Requests int64
	// ByStatus counts responses by HTTP status.
	ByStatus map[int]int64
	// TransportErrors counts requests that got no complete response.
	TransportErrors int64
	// RateLimited counts 429 responses.
	RateLimited int64
	// ConcurrencyLimited counts 429 responses with X-Rate-Limit-Limit 0.
	ConcurrencyLimited int64
	// Retries counts requests sent again after a 429, 5xx or dropped
	// connection.
	Retries int64
	// PacingWaits counts requests held back to stay within a bucket's share,
	// and PacingDelay sums how long they waited.
	PacingWaits int64
	PacingDelay time.Duration
	// ConcurrencyCap is the current cap on requests in flight (lowered
	// after concurrency 429s), InFlight the requests in flight, and Waiting
	// the calls held back by pacing.
	ConcurrencyCap, InFlight, Waiting int
	// Buckets holds per-bucket figures.
	Buckets map[string]BucketStats
}

// BucketStats holds the figures of one rate-limit bucket.
type BucketStats struct {
	// Requests sent in this bucket and responses by status.
	Requests int64
	ByStatus map[int]int64
	// RateLimited counts 429s in this bucket.
	RateLimited int64
	// Limit, Remaining and Reset are the last figures Okta reported.
	Limit     int
	Remaining int
	Reset     time.Time
}

type statsRecorder struct {
	mu sync.Mutex
	s  Stats
}

func newStatsRecorder() *statsRecorder {
	return &statsRecorder{s: Stats{ByStatus: map[int]int64{}, Buckets: map[string]BucketStats{}}}
}

func (r *statsRecorder) bucket(name string) BucketStats {
	b, ok := r.s.Buckets[name]
	if !ok {
		b.ByStatus = map[int]int64{}
	}
	return b
}

func (r *statsRecorder) record(bucket string, resp *Response) {
	r.mu.Lock()
	defer r.mu.Unlock()
	b := r.bucket(bucket)
	r.s.Requests++
	b.Requests++
	r.s.ByStatus[resp.StatusCode]++
	b.ByStatus[resp.StatusCode]++
	if resp.StatusCode == 429 {
		r.s.RateLimited++
		b.RateLimited++
		if resp.Rate.Known && resp.Rate.Limit == 0 {
			r.s.ConcurrencyLimited++
		}
	}
	if resp.Rate.Known && resp.Rate.Limit > 0 {
		b.Limit, b.Remaining, b.Reset = resp.Rate.Limit, resp.Rate.Remaining, resp.Rate.Reset
	}
	r.s.Buckets[bucket] = b
}

func (r *statsRecorder) recordError(bucket string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	b := r.bucket(bucket)
	r.s.Requests++
	r.s.TransportErrors++
	b.Requests++
	r.s.Buckets[bucket] = b
}

func (r *statsRecorder) recordRetry() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.s.Retries++
}

func (r *statsRecorder) recordPacing(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.s.PacingWaits++
	r.s.PacingDelay += d
}

func (r *statsRecorder) snapshot() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.s
	s.ByStatus = maps.Clone(r.s.ByStatus)
	s.Buckets = make(map[string]BucketStats, len(r.s.Buckets))
	for k, b := range r.s.Buckets {
		b.ByStatus = maps.Clone(b.ByStatus)
		s.Buckets[k] = b
	}
	return s
}

// Stats returns a snapshot of the client's counters.
func (c *Client) Stats() Stats {
	s := c.stats.snapshot()
	s.ConcurrencyCap, s.InFlight, s.Waiting = c.limiter.snapshot()
	return s
}
