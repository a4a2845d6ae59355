package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"
)

// scenarios are the benchmark's scenarios at scale 1.
var scenarios = []Scenario{
	{Name: "initial", Spec: Spec{Users: 10_000, Groups: 100, PerUser: 3, EmptyOrg: true}},
	// The same load with an initial password a user: created ACTIVE in
	// one call, its groups with it.
	{Name: "initial-pw", Spec: Spec{Users: 10_000, Groups: 100, PerUser: 3, EmptyOrg: true, Passwords: true}},
	{Name: "steady", Spec: Spec{Users: 100_000, Groups: 500, PerUser: 3}},
	{Name: "drift", Spec: Spec{Users: 100_000, Groups: 500, PerUser: 3, DriftPercent: 1}},
	{Name: "plan1m", Spec: Spec{Users: 1_000_000, Groups: 1000, PerUser: 3, DriftPercent: 1}, PlanOnly: true},
	// A scope over Okta's 50,000-result search cap, read and planned.
	{Name: "search60k", Spec: Spec{Users: 60_000, Groups: 60, PerUser: 1, SearchCap: 50_000}, PlanOnly: true},
	// 100 apps, each assigned to 500 groups: the apps bucket (100 a
	// minute) is the floor.
	// Left out of "all": at -speedup 10 it takes about 100 minutes.
	{Name: "apps", Spec: Spec{Users: 5000, Groups: 500, PerUser: 1, Apps: 100}, OnlyByName: true},
	// Incremental runs: a full run first, then the measured one.
	{Name: "steady-incremental", Spec: Spec{Users: 100_000, Groups: 500, PerUser: 3}, Incremental: true},
	{Name: "drift-incremental", Spec: Spec{Users: 100_000, Groups: 500, PerUser: 3, DriftPercent: 1, SourceMoves: true},
		Incremental: true, OutOfBandPermille: 1},
}

// scaled returns sc with its users, groups and search cap multiplied by
// f, keeping enough groups for a membership to move.
func scaled(sc Scenario, f float64) Scenario {
	if f == 1 {
		return sc
	}
	sc.Spec.Users = max(1, int(float64(sc.Spec.Users)*f+0.5))
	sc.Spec.Groups = max(2*sc.Spec.PerUser, int(float64(sc.Spec.Groups)*f+0.5))
	if sc.Spec.SearchCap > 0 {
		sc.Spec.SearchCap = max(1, int(float64(sc.Spec.SearchCap)*f+0.5))
	}
	return sc
}

func main() {
	if len(os.Args) == 3 && os.Args[1] == "-serve-sim" {
		if err := serveSim(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, "bench simulator:", err)
			os.Exit(1)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// run parses the harness's flags and runs the chosen scenarios.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		which    = fs.String("scenario", "all", "comma-separated scenarios: initial, initial-pw, steady, drift, plan1m, search60k, apps, steady-incremental, drift-incremental, or all (every one but apps)")
		scale    = fs.Float64("scale", 1, "multiply every scenario's users and groups by this")
		speedup  = fs.Float64("speedup", 10, "run the rate limits this many times faster than real time")
		window   = fs.Duration("window", 6*time.Second, "the simulator's rate-limit window (Okta's is 1m)")
		share    = fs.Float64("token-share", 0.5, "share of each bucket the API token may use")
		conc     = fs.Int("concurrency-limit", 75, "the org's limit on requests in flight")
		hdrMode  = fs.String("header-mode", headerToken, "what X-Rate-Limit-Limit shows: token (the token's share) or org (the org's bucket, the token's share a hidden ceiling)")
		tokShare = fs.Float64("client-token-share", 0, "okta.rateLimit.tokenShare for oktasync (0: its default)")
		maxShare = fs.Float64("max-share", 0, "okta.rateLimit.maxShare for oktasync (0: its default)")
		maxConc  = fs.Int("max-concurrency", 0, "okta.rateLimit.maxConcurrency for oktasync (0: its default)")
		workers  = fs.Int("workers", 0, "concurrency (apply workers) for oktasync (0: its default)")
		memLimit = fs.String("gomemlimit", "", "GOMEMLIMIT for the oktasync process only, such as 800MiB")
		bin      = fs.String("bin", "", "a built oktasync binary (default: build ./cmd/oktasync)")
		verify   = fs.Bool("verify", true, "after each run, check that a second plan is empty")
		realSim  = fs.Bool("realistic", false, "run the simulator as Okta behaves (oktasim.Realistic), keeping -token-share")
		keep     = fs.Bool("keep", false, "keep each scenario's files")
		jsonOut  = fs.String("json", "", "also write the results as JSON to this file")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	var chosen []Scenario
	for _, name := range strings.Split(*which, ",") {
		name = strings.TrimSpace(name)
		found := false
		for _, sc := range scenarios {
			if (name == "all" && !sc.OnlyByName) || name == sc.Name {
				chosen = append(chosen, scaled(sc, *scale))
				found = true
			}
		}
		if !found {
			return fmt.Errorf("unknown scenario %q (want initial, initial-pw, steady, drift, plan1m, search60k, apps, steady-incremental, drift-incremental or all)", name)
		}
	}
	if *speedup <= 0 || *window <= 0 {
		return fmt.Errorf("speedup %g and window %v must be positive", *speedup, *window)
	}
	if *hdrMode != headerToken && *hdrMode != headerOrg {
		return fmt.Errorf("header mode %q: want %s or %s", *hdrMode, headerToken, headerOrg)
	}
	h := &Harness{
		Bin:       *bin,
		Pace:      Pace{Speedup: *speedup, Window: *window, TokenShare: *share, Concurrency: *conc, HeaderMode: *hdrMode},
		Client:    Client{MaxShare: *maxShare, TokenShare: *tokShare, MaxConcurrency: *maxConc, Workers: *workers, GoMemLimit: *memLimit},
		Verify:    *verify,
		Realistic: *realSim,
		Keep:      *keep,
		Log: func(format string, args ...any) {
			fmt.Fprintf(stderr, "%s "+format+"\n", append([]any{time.Now().UTC().Format("15:04:05")}, args...)...)
		},
	}
	if h.Bin == "" {
		dir, err := os.MkdirTemp("", "oktasync-bench-bin-")
		if err != nil {
			return fmt.Errorf("build oktasync: %w", err)
		}
		defer os.RemoveAll(dir)
		h.Bin = filepath.Join(dir, "oktasync")
		h.Log("building oktasync")
		if err := buildBinary(ctx, h.Bin); err != nil {
			return err
		}
	}
	fmt.Fprintln(stdout, machine())
	var results []*Result
	for _, sc := range chosen {
		if sc.Incremental {
			res, err := h.runIncremental(ctx, sc)
			if err != nil {
				return err
			}
			printIncResult(stdout, res)
			continue
		}
		res, err := h.Run(ctx, sc)
		if err != nil {
			return err
		}
		results = append(results, res)
		printResult(stdout, res)
	}
	if *jsonOut != "" {
		b, err := json.MarshalIndent(results, "", "  ")
		if err != nil {
			return fmt.Errorf("encode results: %w", err)
		}
		if err := os.WriteFile(*jsonOut, b, 0o644); err != nil {
			return fmt.Errorf("write results: %w", err)
		}
	}
	return nil
}
