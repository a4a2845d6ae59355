package oktasim

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// FaultOptions injects failures into API requests. The choice of which
// requests fail comes from a generator seeded with Seed, so a run that sends
// the same requests in the same order meets the same faults.
type FaultOptions struct {
	// Seed seeds the fault generator.
	Seed int64
	// ErrorRate is the fraction of requests answered 500 E0000009 without
	// being carried out.
	ErrorRate float64
	// DropRate is the fraction of requests whose connection is closed with
	// no answer; half of them are carried out first (the caller cannot
	// tell whether a write happened), half are not.
	DropRate float64
	// Latency is added to every request; LatencyJitter adds a further
	// random delay below it.
	Latency, LatencyJitter time.Duration
	// SpikeRate is the fraction of requests delayed by a further Spike, a
	// latency spike.
	SpikeRate float64
	Spike     time.Duration
	// WriteLatency is added to every write (a method other than GET or
	// HEAD) before it is carried out. While a write waits it counts in
	// Stats.WritesHeld, so a test can tell that a caller has a write in
	// flight; a caller that gives up ends the wait.
	WriteLatency time.Duration
}

type faultKind int

const (
	faultNone faultKind = iota
	faultError
	faultDropBefore
	faultDropAfter
)

type faults struct {
	opts FaultOptions
	mu   sync.Mutex
	rng  *rand.Rand
}

func newFaults(o FaultOptions) (*faults, error) {
	if o.ErrorRate < 0 || o.ErrorRate > 1 || o.DropRate < 0 || o.DropRate > 1 || o.ErrorRate+o.DropRate > 1 {
		return nil, fmt.Errorf("oktasim: fault rates out of range (error %v, drop %v)", o.ErrorRate, o.DropRate)
	}
	if o.Latency < 0 || o.LatencyJitter < 0 || o.Spike < 0 || o.WriteLatency < 0 {
		return nil, fmt.Errorf("oktasim: negative fault latency (%v, jitter %v, spike %v, write %v)", o.Latency, o.LatencyJitter, o.Spike, o.WriteLatency)
	}
	if o.SpikeRate < 0 || o.SpikeRate > 1 {
		return nil, fmt.Errorf("oktasim: latency spike rate %v out of range", o.SpikeRate)
	}
	return &faults{opts: o, rng: rand.New(rand.NewPCG(uint64(o.Seed), 0x6f6b746173696d))}, nil
}

// next draws the fault for one request.
func (f *faults) next() (faultKind, time.Duration) {
	o := f.opts
	if o.ErrorRate == 0 && o.DropRate == 0 && o.Latency == 0 && o.LatencyJitter == 0 && (o.SpikeRate == 0 || o.Spike == 0) {
		return faultNone, 0
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	delay := o.Latency
	if o.LatencyJitter > 0 {
		delay += time.Duration(f.rng.Int64N(int64(o.LatencyJitter)))
	}
	if o.SpikeRate > 0 && f.rng.Float64() < o.SpikeRate {
		delay += o.Spike
	}
	p := f.rng.Float64()
	switch {
	case p < o.ErrorRate:
		return faultError, delay
	case p < o.ErrorRate+o.DropRate:
		if f.rng.IntN(2) == 0 {
			return faultDropBefore, delay
		}
		return faultDropAfter, delay
	}
	return faultNone, delay
}

// wait holds a request for d, or until its caller gives up.
func wait(r *http.Request, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
	}
}

// statusDropped marks a request whose connection was closed unanswered; it
// is counted under status 0 in Stats.ByRoute.
const statusDropped = -1

// serveWithFaults applies the injected fault, if any, and otherwise
// dispatches the request to its handler.
func (s *Server) serveWithFaults(w *statusWriter, r *http.Request) int {
	kind, delay := s.faults.next()
	wait(r, delay)
	if d := s.faults.opts.WriteLatency; d > 0 && r.Method != http.MethodGet && r.Method != http.MethodHead {
		// Read the body first: only then does net/http watch the connection
		// and end r's context when the caller hangs up.
		if body, err := io.ReadAll(r.Body); err == nil {
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		s.stats.add(func(st *Stats) { st.WritesHeld++ })
		wait(r, d)
		s.stats.add(func(st *Stats) { st.WritesHeld-- })
	}
	switch kind {
	case faultError:
		s.stats.add(func(st *Stats) { st.FaultsInjected++ })
		writeError(w, r, http.StatusInternalServerError, "E0000009", "Internal Server Error")
		return 0
	case faultDropBefore, faultDropAfter:
		s.stats.add(func(st *Stats) { st.FaultsInjected++ })
		if kind == faultDropAfter {
			s.dispatch(&discardWriter{header: make(http.Header)}, r)
		}
		// ServeHTTP closes the connection once the request is counted, so
		// a caller that sees the drop also sees it in the stats.
		return statusDropped
	}
	s.dispatch(w, r)
	return 0
}

// dispatch hands the request to its route's handler.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request) {
	if s.dispatchHook != nil {
		s.dispatchHook(r)
	}
	if _, pattern := s.mux.Handler(r); pattern == "" {
		s.unmatched(w, r)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// drop closes the connection without an answer.
func drop(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// No hijacking (HTTP/2, or a recorder): abort the response instead.
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// discardWriter swallows a response.
type discardWriter struct {
	header http.Header
}

func (d *discardWriter) Header() http.Header         { return d.header }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}
