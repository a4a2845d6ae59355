package oktasim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// rawPost sends a create and returns the status, or an error for a dropped
// connection.
func (e *env) rawPost(path string, body any) (int, error) {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", e.srv.URL+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "SSWS "+e.token)
	req.Header.Set("Content-Type", "application/json")
	res, err := e.srv.Client().Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode, nil
}

func TestFaultErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{Faults: FaultOptions{ErrorRate: 1}})
	r := e.do("POST", "/api/v1/users", map[string]any{"profile": profile("f@example.com")})
	mustStatus(t, r, 500)
	if r.errorCode(t) != "E0000009" {
		t.Errorf("body %s", r.body)
	}
	if n := len(e.sim.Snapshot().Users); n != 0 {
		t.Errorf("a failed create created %d users", n)
	}
	if st := e.sim.Stats(); st.FaultsInjected != 1 || st.ByRoute["POST /api/v1/users"][500] != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestFaultsReproducible(t *testing.T) {
	t.Parallel()
	run := func(seed int64) string {
		e := newEnv(t, Options{Faults: FaultOptions{Seed: seed, ErrorRate: 0.3, Latency: time.Microsecond, LatencyJitter: time.Millisecond, SpikeRate: 0.1, Spike: time.Millisecond}})
		var b strings.Builder
		for range 40 {
			fmt.Fprint(&b, e.do("GET", "/api/v1/groups", nil).status, " ")
		}
		return b.String()
	}
	a, b := run(7), run(7)
	if a != b {
		t.Errorf("same seed, different faults:\n%s\n%s", a, b)
	}
	if !strings.Contains(a, "500") || !strings.Contains(a, "200") {
		t.Errorf("error rate 0.3 gave %s", a)
	}
	if run(8) == a {
		t.Errorf("another seed gave the same faults")
	}
}

func TestFaultDrops(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{Faults: FaultOptions{Seed: 3, DropRate: 1}})
	const n = 20
	for i := range n {
		if _, err := e.rawPost("/api/v1/users", map[string]any{"profile": profile(fmt.Sprintf("d%d@example.com", i))}); err == nil {
			t.Fatalf("request %d was answered despite a drop rate of 1", i)
		}
	}
	// Half the dropped creates were carried out before the drop.
	created := len(e.sim.Snapshot().Users)
	if created == 0 || created == n {
		t.Errorf("%d of %d dropped creates were carried out; want some but not all", created, n)
	}
	st := e.sim.Stats()
	if st.FaultsInjected != n || st.ByRoute["POST /api/v1/users"][0] != n {
		t.Errorf("stats %+v", st)
	}
	if _, err := New(Options{Tokens: []string{"t"}, Faults: FaultOptions{ErrorRate: 0.7, DropRate: 0.7}}); err == nil {
		t.Errorf("rates summing above 1 accepted")
	}
}

func TestConcurrencyLimit(t *testing.T) {
	t.Parallel()
	opts := Options{Tokens: []string{testToken}, RateLimit: RateLimitOptions{Concurrency: 2}}
	sim, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	arrived := make(chan struct{}, 2)
	release := make(chan struct{})
	e := serve(t, sim, opts, func(r *http.Request) {
		if r.URL.Path == "/api/v1/groups" {
			arrived <- struct{}{}
			<-release
		}
	})

	var wg sync.WaitGroup
	statuses := make([]int, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, err := e.rawGet("/api/v1/groups")
			if err != nil {
				t.Errorf("blocked request: %v", err)
			}
			statuses[i] = code
		}()
	}
	<-arrived
	<-arrived
	r := e.do("GET", "/api/v1/users", nil)
	mustStatus(t, r, 429)
	if r.header.Get("X-Rate-Limit-Limit") != "0" || r.header.Get("X-Rate-Limit-Remaining") != "0" || r.errorCode(t) != "E0000047" {
		t.Errorf("concurrency 429: headers %v body %s", r.header, r.body)
	}
	close(release)
	wg.Wait()
	if statuses[0] != 200 || statuses[1] != 200 {
		t.Errorf("in-flight requests answered %v", statuses)
	}
	mustStatus(t, e.do("GET", "/api/v1/users", nil), 200)
	st := sim.Stats()
	if st.ConcurrencyLimited != 1 || st.MaxInFlight != 3 {
		t.Errorf("stats %+v", st)
	}
}

func (e *env) rawGet(path string) (int, error) {
	req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
	req.Header.Set("Authorization", "SSWS "+e.token)
	res, err := e.srv.Client().Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode, nil
}

func TestTokenShare(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{
		Tokens:    []string{"token-a", "token-b"},
		RateLimit: RateLimitOptions{TokenShare: 0.5, Limits: map[string]int{"groups": 4}},
	})
	get := func(tok string) resp { return e.doAuth("GET", "/api/v1/groups", nil, "SSWS "+tok) }
	for i := range 2 {
		r := get("token-a")
		mustStatus(t, r, 200)
		if limit, remaining, _ := rateHeaders(t, r); limit != 2 || remaining != 1-i {
			t.Errorf("token-a request %d: limit %d remaining %d", i, limit, remaining)
		}
	}
	// token-a has spent its half while the bucket still has room.
	r := get("token-a")
	mustStatus(t, r, 429)
	if r.errorCode(t) != "E0000047" {
		t.Errorf("body %s", r.body)
	}
	mustStatus(t, get("token-b"), 200)
	mustStatus(t, get("token-b"), 200)
	mustStatus(t, get("token-b"), 429)
	if st := e.sim.Stats(); st.RateLimited != 2 {
		t.Errorf("RateLimited %d, want 2", st.RateLimited)
	}
}

func TestFaultDraws(t *testing.T) {
	t.Parallel()
	f, err := newFaults(FaultOptions{Seed: 1, Latency: time.Millisecond, SpikeRate: 0.25, Spike: time.Second, ErrorRate: 0.1, DropRate: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	counts := map[faultKind]int{}
	spikes := 0
	const n = 4000
	for range n {
		kind, d := f.next()
		counts[kind]++
		switch d {
		case time.Millisecond:
		case time.Millisecond + time.Second:
			spikes++
		default:
			t.Fatalf("delay %v", d)
		}
	}
	near := func(got int, want float64) bool { return float64(got) > want*0.8*n && float64(got) < want*1.2*n }
	if !near(spikes, 0.25) || !near(counts[faultError], 0.1) || !near(counts[faultDropBefore]+counts[faultDropAfter], 0.1) {
		t.Errorf("spikes %d, kinds %v out of %d draws", spikes, counts, n)
	}
	if none, _ := (&faults{}).next(); none != faultNone {
		t.Errorf("no faults configured, got %v", none)
	}
}

// TestFaultWriteLatency checks that a held write counts in WritesHeld
// until its caller gives up, is not carried out meanwhile, and that reads
// are not held.
func TestFaultWriteLatency(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{Faults: FaultOptions{WriteLatency: time.Hour}})
	if r := e.do("GET", "/api/v1/users", nil); r.status != 200 {
		t.Fatalf("a read was held or refused: %d", r.status)
	}
	ctx, cancel := context.WithCancel(context.Background())
	b, _ := json.Marshal(map[string]any{"profile": profile("held@example.com")})
	req, _ := http.NewRequestWithContext(ctx, "POST", e.srv.URL+"/api/v1/users", bytes.NewReader(b))
	req.Header.Set("Authorization", "SSWS "+e.token)
	req.Header.Set("Content-Type", "application/json")
	done := make(chan error, 1)
	go func() {
		res, err := e.srv.Client().Do(req)
		if err == nil {
			res.Body.Close()
		}
		done <- err
	}()
	deadline := time.Now().Add(time.Minute)
	for e.sim.Stats().WritesHeld != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the write never counted as held")
		}
		runtime.Gosched()
	}
	if n := len(e.sim.Snapshot().Users); n != 0 {
		t.Errorf("a held write was carried out: %d users", n)
	}
	cancel()
	if err := <-done; err == nil {
		t.Error("the cancelled write got an answer")
	}
	for e.sim.Stats().WritesHeld != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the write stayed held after its caller gave up")
		}
		runtime.Gosched()
	}
}
