package okta

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oktasync/oktasync/internal/oktasim"
)

// windowTally counts, per rate-limit window of the simulator (told apart by
// the earliest X-Rate-Limit-Reset of each answer), the membership calls it
// accepted, and the 429s.
type windowTally struct {
	mu       sync.Mutex
	accepted map[int64]int
	limited  int
}

// wrap counts the answers of h to membership calls.
func (w *windowTally) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: rw}
		h.ServeHTTP(sw, r)
		if r.Method != http.MethodPut || !strings.Contains(r.URL.Path, "/users/") {
			return
		}
		var reset int64
		for _, v := range sw.Header().Values("X-Rate-Limit-Reset") {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil && (reset == 0 || n < reset) {
				reset = n
			}
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		if sw.status == http.StatusTooManyRequests {

			w.limited++
			return
		}
		w.accepted[reset]++
	})
}

// perWindow returns the accepted calls of each window, in order.
func (w *windowTally) perWindow() []int {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []int
	for _, k := range slices.Sorted(func(yield func(int64) bool) {
		for k := range w.accepted {
			if !yield(k) {
				return
			}
		}
	}) {
		out = append(out, w.accepted[k])
	}
	return out
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// TestSimulatorTokenShare runs bursts of membership calls, far over what
// the token may send per window, against both readings of
// X-Rate-Limit-Limit: the org's bucket with the token's share a hidden
// ceiling (as Okta's examples show), and the token's own share. In every
// case the client keeps 429s at 1 % or less, spends at least 80 % of the
// token's ceiling in every window but the last, and so finishes within
// 125 % of the floor (calls ÷ ceiling windows). It never plans on more than
// its share of an org figure, and does not stall at a share of a share when
// the header is already the token's. Each answer carries two
// X-Rate-Limit-Reset lines, the earliest being the one that holds.
func TestSimulatorTokenShare(t *testing.T) {
	t.Parallel()
	const (
		orgLimit = 20 // the groups bucket, per window
		calls    = 1200
		window   = time.Minute
	)
	tests := []struct {
		name       string
		mode       string
		share      float64 // the token's real share (the simulator's)
		workers    int
		wantShare  float64 // learned, of X-Rate-Limit-Limit
		seed       map[string]float64
		want429Max int
	}{
		{"org header, default share", oktasim.HeaderOrg, 0.5, 4, 0.5, nil, 1},
		{"org header, default share, one caller", oktasim.HeaderOrg, 0.5, 1, 0.5, nil, 1},
		{"token header", oktasim.HeaderToken, 0.5, 4, 1, nil, 0},
		{"token header, one caller", oktasim.HeaderToken, 0.5, 1, 1, nil, 0},
		{"org header, admin gave 80 %", oktasim.HeaderOrg, 0.8, 4, 0.8, nil, 1},
		{"org header, admin gave 30 %", oktasim.HeaderOrg, 0.3, 4, 0.3, nil, 4},
		{"org header, share seeded", oktasim.HeaderOrg, 0.5, 4, 0.5, map[string]float64{BucketGroups: 0.5}, 0},
		{"token header, share seeded", oktasim.HeaderToken, 0.5, 4, 1, map[string]float64{BucketGroups: 1}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ceiling := int(orgLimit * tt.share) // what the simulator lets the token send
			clock := newEventClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), tt.workers)
			tally := &windowTally{accepted: map[int64]int{}}
			opts := []Option{WithRateLimit(1, 8), WithMaxRetries(4)}
			if tt.seed != nil {
				opts = append(opts, WithLearnedShares(tt.seed))
			}
			sim, c := simOrgWith(t, oktasim.Options{RateLimit: oktasim.RateLimitOptions{
				Window: window, Limits: map[string]int{"groups": orgLimit}, TokenShare: tt.share,
				HeaderMode: tt.mode, TwoResetLines: true,
			}}, clock.now, clock.sleep, tally.wrap, opts...)
			c.jitter = func(time.Duration) time.Duration { return 0 }
			gid, uid := seedMembership(t, sim)
			sim.ResetStats()
			start := clock.now()

			jobs := make(chan int, calls)
			for i := range calls {
				jobs <- i
			}
			close(jobs)
			var wg sync.WaitGroup
			for range tt.workers {
				wg.Go(func() {
					defer clock.done()
					for range jobs {
						if _, err := c.Groups.AddMember(context.Background(), gid, uid); err != nil {
							t.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()

			st := sim.Stats()
			if st.RateLimited > tt.want429Max || float64(st.RateLimited) > 0.01*float64(st.Requests) {
				t.Errorf("%d 429s in %d requests, want at most %d and 1 %%", st.RateLimited, st.Requests, tt.want429Max)
			}
			perWindow := tally.perWindow()
			for i, n := range perWindow[:len(perWindow)-1] {
				if n < ceiling*8/10 || n > ceiling {
					t.Errorf("window %d: %d calls accepted, want 80 to 100 %% of the token's %d (all: %v)", i, n, ceiling, perWindow)
					break
				}
			}
			floor := math.Ceil(float64(calls) / float64(ceiling))
			if wall := clock.now().Sub(start); wall.Minutes() > 1.25*floor {
				t.Errorf("took %.0f windows, floor %.0f", wall.Minutes(), floor)
			}
			if got := c.LearnedShares()[BucketGroups]; math.Abs(got-tt.wantShare) > 0.01 {
				t.Errorf("learned share %v, want %v", got, tt.wantShare)
			}
			t.Logf("%d windows for a floor of %.0f, %d 429s in %d requests", len(perWindow), floor, st.RateLimited, st.Requests)
		})
	}
}

// seedMembership seeds one user and one group and returns their ids.
func seedMembership(t *testing.T, sim *oktasim.Server) (gid, uid string) {
	t.Helper()
	err := sim.Seed(oktasim.Seed{
		Groups: []oktasim.SeedGroup{{Name: "Burst"}},
		Users: []oktasim.SeedUser{{Profile: map[string]any{
			"login": "burst@example.com", "email": "burst@example.com", "firstName": "B", "lastName": "U"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	snap := sim.Snapshot()
	for _, g := range snap.Groups {
		if g.Name == "Burst" {
			gid = g.ID
		}
	}
	if gid == "" || len(snap.Users) != 1 {
		t.Fatal(fmt.Sprintf("seed: group %q, %d users", gid, len(snap.Users)))
	}
	return gid, snap.Users[0].ID
}
