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
	writeDelay  time.Duration

	// Fidelity switches (see oktasim.Options and oktasim.Realistic).
	realistic             bool
	headerMode            string
	twoResetLines         bool
	legacyBuckets         bool
	searchCap             int
	caseSensitiveFilter   bool
	refuseDeprovisioned   bool
	lifecycleDelay        time.Duration
	customAttributes      []string
	groupCustomAttributes []string
	memberPageTimeout     int
	searchLag             time.Duration
}

func (a *app) simCommand() *cobra.Command { return a.newSimCommand(&simFlags{}) }

// newSimCommand builds the sim command around f, which its flags fill.
func (a *app) newSimCommand(f *simFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Serve a simulated Okta org for tests, benchmarks and trials",
		Long: `sim serves a simulated Okta org over HTTP: users, groups, memberships,
lifecycle, Link-header paging, Okta's error bodies and rate-limit buckets.
It prints its base URL on the first line of stdout and serves until stopped.
Counters (requests, 429s, emails Okta would send, per user in emailsByLogin)
are at GET /sim/stats and the whole org at GET /sim/state.

Requests fall in Okta's rate-limit buckets: lifecycle calls and a user's
groups in users, member lists and memberships in groups, as Okta's table
says (--legacy-buckets: the simulator's older map).

By default the org is lenient where the client is not yet ready for Okta:
--realistic turns on everything that makes it behave as Okta does:
  X-Rate-Limit headers showing the org's bucket    (--header-mode org)
  over a hidden 50 % token share                   (--token-share 0.5)
  Okta's bucket map with Workforce limits          (no --legacy-buckets)
  search listings stopping at 50,000 results       (--search-cap 50000)
  case-sensitive filter values                     (--case-sensitive-filter)
  refused updates of DEPROVISIONED users           (--refuse-deprovisioned-updates)
  asynchronous activation and deactivation         (--lifecycle-delay 2s)
A flag given explicitly wins over --realistic. Not in --realistic:
--two-reset-lines, --member-page-timeout-above, --search-lag and the faults.

Always, with or without --realistic, the user schema is Okta's base profile
(login, email, firstName, lastName, userType, department, ...); a custom
attribute such as employeeType exists only when declared, with
--custom-attribute or the seed file's "customAttributes", as an admin adds
it in Okta's Profile Editor. Any other attribute is refused (400 E0000001).
The group schema is name and description plus the attributes declared with
--group-custom-attribute or the seed's "groupCustomAttributes".

Manager links (Linked Objects) need a definition: the seed file's
"linkDefinitions" ([{"primary": "manager", "associated": "directReports"}])
and "links" ([{"relationship": "manager", "user": login, "primary": login}]),
or POST /api/v1/meta/schemas/user/linkedObjects. GET /sim/state lists them.`,
		Example: `  oktasync sim --addr 127.0.0.1:8080 --token try-it-token-1234
  oktasync sim --token "$OKTA_CLIENT_TOKEN" --seed org.json --realistic
  curl -s http://127.0.0.1:8080/sim/state > org.json   # a seed for later`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runSim(cmd, f)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&f.addr, "addr", "127.0.0.1:8080", "address to listen on (port 0 picks a free one)")
	fs.StringArrayVar(&f.tokens, "token", nil, "accepted SSWS API token (repeatable; default $OKTASIM_TOKEN)")
	fs.StringVar(&f.seed, "seed", "", "JSON file of users, groups and custom attributes to start with, in the form GET /sim/state answers (README: Seeding the simulated org)")
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
	fs.DurationVar(&f.writeDelay, "write-latency", 0, "latency added to every write before it is carried out (counted in /sim/stats writesHeld while it waits)")
	fs.BoolVar(&f.realistic, "realistic", false, "behave as Okta does (see above): --header-mode org, --token-share 0.5, --search-cap 50000, --lifecycle-delay 2s, --case-sensitive-filter, --refuse-deprovisioned-updates")
	fs.StringVar(&f.headerMode, "header-mode", "", `what X-Rate-Limit-Limit/-Remaining show: "token" (the token's share; default) or "org" (the org's bucket, the share a hidden ceiling)`)
	fs.BoolVar(&f.twoResetLines, "two-reset-lines", false, "send two X-Rate-Limit-Reset lines, a later one first; the earliest holds")
	fs.BoolVar(&f.legacyBuckets, "legacy-buckets", false, "the older bucket map: lifecycle calls in user-write, member calls in group")
	fs.IntVar(&f.searchCap, "search-cap", 0, "stop a users search listing at this many results, 400 E0000031 past them (0: no cap; Okta: 50000)")
	fs.BoolVar(&f.caseSensitiveFilter, "case-sensitive-filter", false, "filter values are case-sensitive, profile.login included, as Okta's")
	fs.BoolVar(&f.refuseDeprovisioned, "refuse-deprovisioned-updates", false, `refuse profile updates of DEPROVISIONED users (404 E0000007), as an org without "edit deactivated user profiles"`)
	fs.DurationVar(&f.lifecycleDelay, "lifecycle-delay", 0, "activations and deactivations take this long (transitioningToStatus; 409 E0000112 meanwhile)")
	fs.StringArrayVar(&f.customAttributes, "custom-attribute", nil, "declare a custom user attribute, name or name:type (string, integer, number, boolean, array; repeatable); the schema is otherwise Okta's base profile")
	fs.StringArrayVar(&f.groupCustomAttributes, "group-custom-attribute", nil, "declare a custom group attribute, name or name:type (repeatable); the group schema is otherwise name and description")
	fs.IntVar(&f.memberPageTimeout, "member-page-timeout-above", 0, "member pages larger than this (limit and members) answer 500 E0000009 (0: never)")
	fs.DurationVar(&f.searchLag, "search-lag", 0, "search results lag changes by this long, as Okta's search index")
	a.logFlags(fs)
	return cmd
}

// switches are the fidelity flags, each with how it sets the options.
func (f *simFlags) switches() map[string]func(*oktasim.Options) {
	return map[string]func(*oktasim.Options){
		"token-share":                  func(o *oktasim.Options) { o.RateLimit.TokenShare = f.tokenShare },
		"header-mode":                  func(o *oktasim.Options) { o.RateLimit.HeaderMode = f.headerMode },
		"two-reset-lines":              func(o *oktasim.Options) { o.RateLimit.TwoResetLines = f.twoResetLines },
		"legacy-buckets":               func(o *oktasim.Options) { o.RateLimit.LegacyBuckets = f.legacyBuckets },
		"search-cap":                   func(o *oktasim.Options) { o.SearchCap = f.searchCap },
		"case-sensitive-filter":        func(o *oktasim.Options) { o.CaseSensitiveFilter = f.caseSensitiveFilter },
		"refuse-deprovisioned-updates": func(o *oktasim.Options) { o.RefuseDeprovisionedUpdates = f.refuseDeprovisioned },
		"lifecycle-delay":              func(o *oktasim.Options) { o.LifecycleDelay = f.lifecycleDelay },
		"member-page-timeout-above":    func(o *oktasim.Options) { o.MemberPageTimeoutAbove = f.memberPageTimeout },
		"search-lag":                   func(o *oktasim.Options) { o.SearchLag = f.searchLag },
	}
}

// options builds the simulator's options from the flags (all but tokens,
// clients and logger). With --realistic the realistic profile applies, and
// then the fidelity flags that changed reports as given explicitly.
func (f *simFlags) options(changed func(name string) bool) oktasim.Options {
	o := oktasim.Options{
		CustomAttributes:      f.customAttributes,
		GroupCustomAttributes: f.groupCustomAttributes,
		RateLimit: oktasim.RateLimitOptions{
			Disabled:    f.noLimits,
			Limits:      f.limits,
			Window:      f.window,
			Scale:       f.scale,
			Concurrency: f.concurrency,
		},
		Faults: oktasim.FaultOptions{
			Seed:          f.faultSeed,
			ErrorRate:     f.errorRate,
			DropRate:      f.dropRate,
			Latency:       f.latency,
			LatencyJitter: f.jitter,
			WriteLatency:  f.writeDelay,
		},
	}
	switches := f.switches()
	for _, set := range switches {
		set(&o)
	}
	if f.realistic {
		o = oktasim.Realistic(o)
		for name, set := range switches {
			if changed(name) {
				set(&o)
			}
		}
	}
	return o
}

func (a *app) runSim(cmd *cobra.Command, f *simFlags) error {
	ctx := cmd.Context()
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
	opts := f.options(cmd.Flags().Changed)
	opts.Tokens, opts.Clients, opts.Logger = tokens, clients, log
	sim, err := oktasim.New(opts)
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
