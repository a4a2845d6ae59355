package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/oktasync/oktasync/internal/oktasim"
)

type simFlags struct {
	addr        string
	tokens      []string
	seed        string
	clients     string
	window      time.Duration
	scale       float64
	tokenShare  float64
	concurrency int
	noLimits    bool
	limits      map[string]int
	faultSeed   int64
	errorRate   float64
	dropRate    float64
	latency     time.Duration
	jitter      time.Duration
}

func (a *app) simCommand() *cobra.Command {
	f := &simFlags{}
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Serve a simulated Okta org for tests, benchmarks and trials",
		Long: `sim serves a simulated Okta org over HTTP: users, groups, memberships,
lifecycle, Link-header paging, Okta's error bodies and rate-limit buckets.
It prints its base URL on the first line of stdout and serves until stopped.
Counters are at GET /sim/stats and the whole org at GET /sim/state.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runSim(cmd.Context(), f)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&f.addr, "addr", "127.0.0.1:8080", "address to listen on (port 0 picks a free one)")
	fs.StringArrayVar(&f.tokens, "token", nil, "accepted SSWS API token (repeatable; default $OKTASIM_TOKEN)")
	fs.StringVar(&f.seed, "seed", "", "JSON file of users and groups to start with")
	fs.StringVar(&f.clients, "clients", "", `JSON file of OAuth service apps: [{"clientId","scopes","dpop","keys":[JWK, JWK set or PEM public key]}]`)
	fs.DurationVar(&f.window, "window", 0, "rate-limit window (default 60s)")
	fs.Float64Var(&f.scale, "limit-scale", 0, "multiply every bucket's limit (default 1)")
	fs.Float64Var(&f.tokenShare, "token-share", 0, "fraction of a bucket one token may use (0: all of it)")
	fs.IntVar(&f.concurrency, "concurrency-limit", 0, "simultaneous requests allowed (0: unlimited)")
	fs.BoolVar(&f.noLimits, "no-rate-limits", false, "serve without rate limits")
	fs.StringToIntVar(&f.limits, "limit", nil, "per-window limit of a bucket, e.g. --limit users=600,group=600 (buckets: "+strings.Join(oktasim.BucketNames(), ", ")+")")
	fs.Int64Var(&f.faultSeed, "fault-seed", 1, "seed for injected faults")
	fs.Float64Var(&f.errorRate, "error-rate", 0, "fraction of requests answered 500 E0000009")
	fs.Float64Var(&f.dropRate, "drop-rate", 0, "fraction of connections dropped without an answer")
	fs.DurationVar(&f.latency, "latency", 0, "latency added to every request")
	fs.DurationVar(&f.jitter, "latency-jitter", 0, "random extra latency up to this much")
	return cmd
}

func (a *app) runSim(ctx context.Context, f *simFlags) error {
	log, err := a.logger("")
	if err != nil {
		return err
	}
	tokens := f.tokens
	if len(tokens) == 0 {
		if t := os.Getenv("OKTASIM_TOKEN"); t != "" {
			tokens = []string{t}
		}
	}
	var clients []oktasim.OAuthClient
	if f.clients != "" {
		if clients, err = oktasim.LoadClientsFile(f.clients); err != nil {
			return err
		}
	}
	if len(tokens) == 0 && len(clients) == 0 {
		return errors.New("sim needs at least one --token (or $OKTASIM_TOKEN) or OAuth --clients")
	}
	sim, err := oktasim.New(oktasim.Options{
		Tokens:  tokens,
		Clients: clients,
		RateLimit: oktasim.RateLimitOptions{
			Disabled:    f.noLimits,
			Limits:      f.limits,
			Window:      f.window,
			Scale:       f.scale,
			TokenShare:  f.tokenShare,
			Concurrency: f.concurrency,
		},
		Faults: oktasim.FaultOptions{
			Seed:          f.faultSeed,
			ErrorRate:     f.errorRate,
			DropRate:      f.dropRate,
			Latency:       f.latency,
			LatencyJitter: f.jitter,
		},
		Logger: log,
	})
	if err != nil {
		return err
	}
	if f.seed != "" {
		seed, err := oktasim.LoadSeedFile(f.seed)
		if err != nil {
			return err
		}
		if err := sim.Seed(seed); err != nil {
			return fmt.Errorf("seed %s: %w", f.seed, err)
		}
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", f.addr, err)
	}
	fmt.Fprintf(a.stdout, "http://%s\n", ln.Addr())
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelDebug)}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}
