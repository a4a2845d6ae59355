package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/oktasync/oktasync/internal/oktasim"
)

// enterpriseLimits are the per-minute limits of an Enterprise (One App)
// org, by bucket (short names; okta's table says which request falls in
// which): okta-api.md's corrected table, where member lists and
// memberships count against groups and lifecycle calls against users.
// `oktasync sim` serves Workforce limits, so the harness serves the
// simulator itself to set these.
var enterpriseLimits = map[string]int{
	"users":      600,
	"user":       1000,
	"user-write": 600,
	"groups":     600,
	"group":      600,
	"apps":       100,
	"app":        600,
	"logs":       50,
	"other":      600,
	"token":      600,
}

// Header modes (-header-mode): what X-Rate-Limit-Limit and -Remaining
// report, which Okta leaves undocumented.
const (
	// headerToken: the token's own share of the bucket.
	headerToken = oktasim.HeaderToken
	// headerOrg: the org's whole bucket, the token's share a hidden
	// ceiling (Okta's examples show the org figure).
	headerOrg = oktasim.HeaderOrg
)

// Pace is how the simulator's rate limits are compressed in time.
type Pace struct {
	// Speedup is how many times faster than real time the limits run:
	// a bucket of L per minute allows L × Speedup / 60 requests a second.
	Speedup float64 `json:"speedup"`
	// Window is the simulator's rate-limit window (Okta's is a minute).
	Window time.Duration `json:"window"`
	// TokenShare is the share of a bucket one token may use.
	TokenShare float64 `json:"tokenShare"`
	// Concurrency is the org's limit on requests in flight.
	Concurrency int `json:"concurrency"`
	// HeaderMode is headerToken or headerOrg.
	HeaderMode string `json:"headerMode"`
}

// Scale is the simulator's limit-scale: the factor on per-minute limits
// that gives per-window limits at this speed-up.
func (p Pace) Scale() float64 { return p.Speedup * p.Window.Seconds() / 60 }

// TokenRate is the requests per second one token may send to a bucket
// whose per-minute limit is perMinute, computed as the simulator rounds.
func (p Pace) TokenRate(perMinute int) float64 {
	_, token := p.WindowLimits(perMinute)
	return float64(token) / p.Window.Seconds()
}

// WindowLimits returns, for a bucket whose per-minute limit is perMinute,
// the org's limit per window and the token's share of it, as the
// simulator rounds them.
func (p Pace) WindowLimits(perMinute int) (org, token int) {
	org = max(1, int(float64(perMinute)*p.Scale()+0.5))
	token = org
	if p.TokenShare > 0 {
		token = max(1, int(float64(org)*p.TokenShare))
	}
	return org, token
}

// ShownLimit is the X-Rate-Limit-Limit the simulator shows for a bucket
// whose per-minute limit is perMinute, in this pace's header mode.
func (p Pace) ShownLimit(perMinute int) int {
	org, token := p.WindowLimits(perMinute)
	if p.HeaderMode == headerOrg {
		return org
	}
	return token
}

// simChild is the request a harness process sends to its simulator
// child process.
type simChild struct {
	Spec Spec `json:"spec"`
	Pace Pace `json:"pace"`
	// Realistic makes the org behave as Okta does (oktasim.Realistic),
	// keeping the pace's token share and the spec's search cap.
	Realistic bool `json:"realistic"`
}

// adminToken is a second token of the org: changes made with it, as an
// admin's outside oktasync, spend none of oktasync's share.
const adminToken = "bench-admin-token-not-a-secret"

// clockPath moves the simulator child's clock forward (POST, by=1h), so
// that incremental runs leave their overlap behind without waiting.
const clockPath = "/bench/advance"

// offsetClock is the simulator child's clock: the real one plus an offset.
type offsetClock struct{ off atomic.Int64 }

func (c *offsetClock) now() time.Time { return time.Now().Add(time.Duration(c.off.Load())) }

// handler serves the simulator and clockPath.
func (c *offsetClock) handler(sim http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != clockPath {
			sim.ServeHTTP(w, r)
			return
		}
		d, err := time.ParseDuration(r.URL.Query().Get("by"))
		if r.Method != http.MethodPost || err != nil || d < 0 {
			http.Error(w, "POST "+clockPath+"?by=DURATION", http.StatusBadRequest)
			return
		}
		c.off.Add(int64(d))
		w.WriteHeader(http.StatusNoContent)
	})
}

const simTokenEnv = "OKTASYNC_BENCH_SIM_TOKEN"

// serveSim is the simulator child process: it builds the scenario's org,
// prints its base URL and the seeding time, and serves until stdin closes
// or it is interrupted.
func serveSim(arg string) error {
	var req simChild
	if err := json.Unmarshal([]byte(arg), &req); err != nil {
		return fmt.Errorf("parse simulator request: %w", err)
	}
	token := os.Getenv(simTokenEnv)
	if token == "" {
		return errors.New("simulator child: no token in " + simTokenEnv)
	}
	clock := &offsetClock{}
	opts := oktasim.Options{
		Tokens: []string{token, adminToken},
		Now:    clock.now,
		RateLimit: oktasim.RateLimitOptions{
			Window:      req.Pace.Window,
			Limits:      enterpriseLimits,
			Scale:       req.Pace.Scale(),
			TokenShare:  req.Pace.TokenShare,
			Concurrency: req.Pace.Concurrency,
			HeaderMode:  req.Pace.HeaderMode,
		},
		// Okta serves up to 1000 group members a page. oktasim caps
		// member pages at MaxPageSize, which defaults to the users' 200;
		// 1000 restores Okta's member cap, and oktasync asks for 200
		// users and groups a page itself.
		MaxPageSize: memberPageSize,
		SearchCap:   req.Spec.SearchCap,
		Logger:      slog.New(slog.DiscardHandler),
	}
	if req.Realistic {
		opts = oktasim.Realistic(opts)
	}
	sim, err := oktasim.New(opts)
	if err != nil {
		return fmt.Errorf("start simulator: %w", err)
	}
	start := time.Now()
	if err := sim.Seed(req.Spec.Seed()); err != nil {
		return fmt.Errorf("seed simulator: %w", err)
	}
	seeded := time.Since(start)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{Handler: clock.handler(sim), ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("http://%s %d\n", ln.Addr(), seeded.Milliseconds())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		// The harness closes our stdin to stop us, even if it dies.
		_, _ = io.Copy(io.Discard, os.Stdin)
		stop()
	}()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve simulator: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

// simProcess is a running simulator child.
type simProcess struct {
	URL    string
	Seeded time.Duration
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr *strings.Builder
}

// startSim starts the simulator child for spec at pace.
func startSim(spec Spec, pace Pace, realistic bool, token string) (*simProcess, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find the harness executable: %w", err)
	}
	arg, err := json.Marshal(simChild{Spec: spec, Pace: pace, Realistic: realistic})
	if err != nil {
		return nil, fmt.Errorf("encode simulator request: %w", err)
	}
	cmd := exec.Command(self, "-serve-sim", string(arg))
	cmd.Env = append(os.Environ(), simTokenEnv+"="+token)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("simulator stdin: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("simulator stdout: %w", err)
	}
	stderr := &strings.Builder{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start simulator: %w", err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		_ = stdin.Close()
		_ = cmd.Wait()
		return nil, fmt.Errorf("read simulator URL: %w (stderr: %s)", err, stderr.String())
	}
	var (
		url string
		ms  int64
	)
	if _, err := fmt.Sscanf(line, "%s %d", &url, &ms); err != nil {
		_ = stdin.Close()
		_ = cmd.Wait()
		return nil, fmt.Errorf("parse simulator banner %q: %w", line, err)
	}
	return &simProcess{URL: url, Seeded: time.Duration(ms) * time.Millisecond, cmd: cmd, stdin: stdin, stderr: stderr}, nil
}

// Stop ends the simulator and returns its resource usage.
func (s *simProcess) Stop() (Usage, error) {
	_ = s.stdin.Close()
	err := s.cmd.Wait()
	u := usageOf(s.cmd.ProcessState)
	if err != nil {
		return u, fmt.Errorf("simulator exited: %w (stderr: %s)", err, lastLines(s.stderr.String(), 10))
	}
	return u, nil
}

func (s *simProcess) getJSON(path string, out any) error {
	resp, err := http.Get(s.URL + path)
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("decode %s: %w", path, err)
	}
	return nil
}

// Stats returns the simulator's counters.
func (s *simProcess) Stats() (oktasim.Stats, error) {
	var st oktasim.Stats
	err := s.getJSON("/sim/stats", &st)
	return st, err
}

// HeaderLimit returns the X-Rate-Limit-Limit the simulator shows for the
// users bucket, read from an unauthenticated request: its 401 carries the
// bucket's headers without counting against the bucket (it does count in
// the stats, so read them first).
func (s *simProcess) HeaderLimit() (int, error) {
	resp, err := http.Get(s.URL + "/api/v1/users?limit=1")
	if err != nil {
		return 0, fmt.Errorf("read the rate-limit headers: %w", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	v := resp.Header.Get("X-Rate-Limit-Limit")
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("read the rate-limit headers: X-Rate-Limit-Limit %q: %w", v, err)
	}
	return n, nil
}

// ResetStats zeroes the simulator's counters.
func (s *simProcess) ResetStats() error {
	resp, err := http.Post(s.URL+"/sim/stats/reset", "application/json", nil)
	if err != nil {
		return fmt.Errorf("reset simulator stats: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("reset simulator stats: %s", resp.Status)
	}
	return nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Advance moves the simulator's clock forward by d.
func (s *simProcess) Advance(d time.Duration) error {
	resp, err := http.Post(s.URL+clockPath+"?by="+d.String(), "", nil)
	if err != nil {
		return fmt.Errorf("advance the simulator's clock: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("advance the simulator's clock: %s", resp.Status)
	}
	return nil
}

// AdminUpdate changes a user's profile as an admin would, with the second
// token.
func (s *simProcess) AdminUpdate(id string, profile map[string]any) error {
	b, err := json.Marshal(map[string]any{"profile": profile})
	if err != nil {
		return err
	}
	req, err := http.NewRequest(http.MethodPost, s.URL+"/api/v1/users/"+id, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "SSWS "+adminToken)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("admin update of %s: %w", id, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("admin update of %s: %s", id, resp.Status)
	}
	return nil
}
