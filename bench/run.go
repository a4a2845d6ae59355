package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Scenario is one benchmark: a dataset, and whether oktasync applies it
// (run) or only plans it (plan).
type Scenario struct {
	Name string
	Spec Spec
	// PlanOnly runs `oktasync plan` instead of `oktasync run`.
	PlanOnly bool
	// Incremental measures the run after a full one (runIncremental); the
	// org starts as the source before its drift.
	Incremental bool
	// OutOfBandPermille is the share of users, per mille, an admin changes
	// in Okta with a second token before the measured run.
	OutOfBandPermille int
	// OnlyByName leaves the scenario out of "all": it runs only when
	// -scenario names it (apps, hours long at -speedup 10).
	OnlyByName bool
}

// Client holds the oktasync settings a run uses; zero values keep the
// product's defaults.
type Client struct {
	// MaxShare is okta.rateLimit.maxShare.
	MaxShare float64
	// TokenShare is okta.rateLimit.tokenShare, the share of the org's
	// bucket the client assumes the token may use until it learns it.
	TokenShare float64
	// MaxConcurrency is okta.rateLimit.maxConcurrency.
	MaxConcurrency int
	// Workers is concurrency, the apply workers.
	Workers int
	// GoMemLimit, when set, is the GOMEMLIMIT of the oktasync process
	// (such as 800MiB), a soft limit on its heap.
	GoMemLimit string
}

// Result is what one scenario measured.
type Result struct {
	Scenario Scenario
	Pace     Pace
	Client   Client
	Changes  Changes
	Minimum  Minimum
	// Calls and RateLimited count API requests and 429s by bucket.
	Calls       map[string]int
	RateLimited map[string]int
	// ConcurrencyLimited counts the 429s (among RateLimited) for too
	// many requests in flight.
	ConcurrencyLimited int
	Requests           int
	// Writes counts requests whose method is not GET.
	Writes      int
	MaxInFlight int
	// SearchCapRefusals counts search pages the simulator refused past
	// Spec.SearchCap.
	SearchCapRefusals int
	// HeaderLimit is the X-Rate-Limit-Limit the simulator showed for the
	// users bucket after the run (the org's or the token's figure, by
	// header mode).
	HeaderLimit int
	// BucketMismatch lists the buckets where the simulator's reading of
	// Okta's table counted other calls than okta's (bucketDisagreements).
	BucketMismatch  []string
	Wall            time.Duration
	Usage           Usage
	ExitCode        int
	Applied, Failed int
	// PlannedOps is the number of operations the run planned.
	PlannedOps int
	// SecondPlanExit is the exit code of `plan --detailed-exitcode` after
	// the run (0: nothing left to do); -1 when not checked.
	SecondPlanExit int
	// SecondPlan is what the second plan cost (when checked): it starts
	// right after the run, seeded with the rate-limit shares the run kept.
	SecondPlan *SecondPlan `json:",omitempty"`
	SimSeeded  time.Duration
	SimUsage   Usage
}

// Floor returns the rate-limit floor in seconds and its bucket: for each
// bucket its calls over the token's allowed rate, the largest.
func (r *Result) Floor() (float64, string) {
	best, name := 0.0, ""
	for b, n := range r.Calls {
		lim, ok := enterpriseLimits[b]
		if !ok {
			continue
		}
		if f := float64(n) / r.Pace.TokenRate(lim); f > best {
			best, name = f, b
		}
	}
	return best, name
}

// TotalCalls sums the calls over every bucket.
func (r *Result) TotalCalls() int {
	n := 0
	for _, v := range r.Calls {
		n += v
	}
	return n
}

// TotalRateLimited sums the 429s, those for the concurrency limit
// included.
func (r *Result) TotalRateLimited() int {
	n := 0
	for _, v := range r.RateLimited {
		n += v
	}
	return n
}

// Harness runs scenarios with one built binary.
type Harness struct {
	Bin    string
	Pace   Pace
	Client Client
	// Verify runs a second plan after each run and records its exit.
	Verify bool
	// Realistic runs the simulator as Okta behaves (oktasim.Realistic:
	// headers showing the org's bucket over a hidden token share, a
	// lifecycle delay, case-sensitive filters, …), with the pace's token
	// share and the scenario's search cap.
	Realistic bool
	// Keep leaves each scenario's directory in place.
	Keep bool
	// Log receives progress lines.
	Log func(format string, args ...any)
}

const benchToken = "bench-token-not-a-secret"

// buildBinary builds cmd/oktasync from the module around dir into out.
func buildBinary(ctx context.Context, out string) error {
	gomod, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("find the module: %w", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	if root == "." || root == "" {
		return errors.New("find the module: run the harness inside the oktasync module")
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./cmd/oktasync")
	cmd.Dir = root
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build oktasync: %w", err)
	}
	return nil
}

// Run runs one scenario in a fresh directory and simulator.
func (h *Harness) Run(ctx context.Context, sc Scenario) (*Result, error) {
	dir, err := os.MkdirTemp("", "oktasync-bench-"+sc.Name+"-")
	if err != nil {
		return nil, fmt.Errorf("scenario %s: %w", sc.Name, err)
	}
	if !h.Keep {
		defer os.RemoveAll(dir)
	} else {
		h.Log("%s: files in %s", sc.Name, dir)
	}
	res := &Result{Scenario: sc, Pace: h.Pace, Client: h.Client, SecondPlanExit: -1}
	res.Changes, res.Minimum = sc.Spec.Analyse()
	if sc.PlanOnly {
		// A plan reads and changes nothing: its minimum is the reads.
		res.Minimum.addWrites(res.Changes, -1)
	}

	h.Log("%s: writing the source (%d users)", sc.Name, sc.Spec.Users)
	if err := sc.Spec.WriteCSV(filepath.Join(dir, "users.csv")); err != nil {
		return nil, fmt.Errorf("scenario %s: %w", sc.Name, err)
	}
	h.Log("%s: starting and seeding the simulator", sc.Name)
	sim, err := startSim(sc.Spec, h.Pace, h.Realistic, benchToken)
	if err != nil {
		return nil, fmt.Errorf("scenario %s: %w", sc.Name, err)
	}
	stopped := false
	defer func() {
		if !stopped {
			_, _ = sim.Stop()
		}
	}()
	res.SimSeeded = sim.Seeded
	cfg := filepath.Join(dir, "oktasync.yaml")
	if err := os.WriteFile(cfg, []byte(h.config(sim.URL)+sc.Spec.AppsConfig()), 0o600); err != nil {
		return nil, fmt.Errorf("scenario %s: write config: %w", sc.Name, err)
	}
	if err := sim.ResetStats(); err != nil {
		return nil, fmt.Errorf("scenario %s: %w", sc.Name, err)
	}

	verb := "run"
	if sc.PlanOnly {
		verb = "plan"
	}
	h.Log("%s: oktasync %s", sc.Name, verb)
	out, err := h.oktasync(ctx, dir, verb, "--config", cfg, "--output", "json")
	if err != nil {
		return nil, fmt.Errorf("scenario %s: %w", sc.Name, err)
	}
	res.Wall, res.Usage, res.ExitCode = out.wall, out.usage, out.code
	if h.Keep {
		// For a look at the client's pacing: OKTASYNC_LOG_LEVEL=debug
		// logs every request with its bucket and rate-limit headers.
		if err := os.WriteFile(filepath.Join(dir, "oktasync-"+verb+".stderr"), []byte(out.stderr), 0o600); err != nil {
			return nil, fmt.Errorf("scenario %s: %w", sc.Name, err)
		}
	}
	var rep struct {
		Operations []json.RawMessage `json:"operations"`
		Applied    int               `json:"applied"`
		Failed     int               `json:"failed"`
	}
	if err := json.Unmarshal(out.stdout, &rep); err != nil {
		return nil, fmt.Errorf("scenario %s: oktasync %s exited %d without a JSON report: %w\nstderr: %s", sc.Name, verb, out.code, err, lastLines(out.stderr, 20))
	}
	res.Applied, res.Failed, res.PlannedOps = rep.Applied, rep.Failed, len(rep.Operations)
	if out.code != 0 {
		h.Log("%s: oktasync %s exited %d; stderr ends:\n%s", sc.Name, verb, out.code, lastLines(out.stderr, 10))
	}

	if err := res.readSim(sim); err != nil {
		return nil, fmt.Errorf("scenario %s: %w", sc.Name, err)
	}
	if h.Verify && !sc.PlanOnly {
		h.Log("%s: checking that a second plan is empty", sc.Name)
		if err := h.secondPlan(ctx, sim, dir, cfg, res); err != nil {
			return nil, fmt.Errorf("scenario %s: %w", sc.Name, err)
		}
	}
	stopped = true
	if res.SimUsage, err = sim.Stop(); err != nil {
		return nil, fmt.Errorf("scenario %s: %w", sc.Name, err)
	}
	return res, nil
}

// SecondPlan is the cost of the plan that checks a run left nothing to do.
type SecondPlan struct {
	Calls       int
	RateLimited int
	Wall        time.Duration
}

// secondPlan runs `plan --detailed-exitcode` after a run and records its
// exit and cost.
func (h *Harness) secondPlan(ctx context.Context, sim *simProcess, dir, cfg string, res *Result) error {
	if err := sim.ResetStats(); err != nil {
		return err
	}
	out, err := h.oktasync(ctx, dir, "plan", "--config", cfg, "--detailed-exitcode")
	if err != nil {
		return err
	}
	if h.Keep {
		if err := os.WriteFile(filepath.Join(dir, "oktasync-plan.stderr"), []byte(out.stderr), 0o600); err != nil {
			return err
		}
	}
	res.SecondPlanExit = out.code
	st, err := sim.Stats()
	if err != nil {
		return err
	}
	sp := &SecondPlan{Calls: st.Requests, Wall: out.wall}
	for _, byStatus := range st.ByRoute {
		sp.RateLimited += byStatus[429]
	}
	res.SecondPlan = sp
	return nil
}

// readSim takes the simulator's counters after a run, and the
// X-Rate-Limit-Limit it shows.
func (res *Result) readSim(sim *simProcess) error {
	st, err := sim.Stats()
	if err != nil {
		return err
	}
	res.Calls = st.ByBucket
	res.Requests = st.Requests
	res.Writes = st.Writes
	res.MaxInFlight = st.MaxInFlight
	res.ConcurrencyLimited = st.ConcurrencyLimited
	res.SearchCapRefusals = st.SearchCapRefusals
	res.RateLimited = map[string]int{}
	for route, byStatus := range st.ByRoute {
		if n := byStatus[429]; n > 0 {
			res.RateLimited[routeBucket(route)] += n
		}
	}
	res.BucketMismatch = bucketDisagreements(st.ByRoute, st.ByBucket)
	res.HeaderLimit, err = sim.HeaderLimit()
	return err
}

// config is the oktasync configuration of a scenario run.
func (h *Harness) config(url string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "okta:\n  orgUrl: %s\n  testing:\n    disableHttpsCheck: true\n", url)
	if h.Client.MaxShare > 0 || h.Client.TokenShare > 0 || h.Client.MaxConcurrency > 0 {
		b.WriteString("  rateLimit:\n")
		if h.Client.MaxShare > 0 {
			fmt.Fprintf(&b, "    maxShare: %g\n", h.Client.MaxShare)
		}
		if h.Client.TokenShare > 0 {
			fmt.Fprintf(&b, "    tokenShare: %g\n", h.Client.TokenShare)
		}
		if h.Client.MaxConcurrency > 0 {
			fmt.Fprintf(&b, "    maxConcurrency: %d\n", h.Client.MaxConcurrency)
		}
	}
	b.WriteString("source:\n  csv:\n    users: users.csv\n")
	b.WriteString("scope:\n  users: profile.userType eq \"Employee\"\n")
	b.WriteString("state:\n  url: sqlite://state.db\n")
	// The benchmark measures throughput; the safety limits are tested
	// elsewhere and would block small scales for the wrong reason.
	b.WriteString("safety:\n  maxDeactivations: \"off\"\n  maxMembershipRemovals: \"off\"\n")
	b.WriteString("log:\n  level: warn\n")
	if h.Client.Workers > 0 {
		fmt.Fprintf(&b, "concurrency: %d\n", h.Client.Workers)
	}
	return b.String()
}

// invocation is one finished oktasync process.
type invocation struct {
	code   int
	stdout []byte
	stderr string
	wall   time.Duration
	usage  Usage
}

func (h *Harness) oktasync(ctx context.Context, dir string, args ...string) (invocation, error) {
	cmd := exec.CommandContext(ctx, h.Bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "OKTA_CLIENT_TOKEN="+benchToken)
	if h.Client.GoMemLimit != "" {
		cmd.Env = append(cmd.Env, "GOMEMLIMIT="+h.Client.GoMemLimit)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	inv := invocation{wall: time.Since(start), stdout: stdout.Bytes(), stderr: stderr.String(), usage: usageOf(cmd.ProcessState)}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		inv.code = ee.ExitCode()
	default:
		return inv, fmt.Errorf("oktasync %s: %w", args[0], err)
	}
	return inv, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
