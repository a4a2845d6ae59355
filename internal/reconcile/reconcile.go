package reconcile

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/oktasync/oktasync/internal/apply"
	"github.com/oktasync/oktasync/internal/config"
	"github.com/oktasync/oktasync/internal/diff"
	"github.com/oktasync/oktasync/internal/okta"
	"github.com/oktasync/oktasync/internal/source"
	"github.com/oktasync/oktasync/internal/state"
)

// Options are the per-run choices that come from flags rather than config.
type Options struct {
	// DryRun computes and reports the plan without applying it.
	DryRun bool
	// AllowDeactivations and AllowRemovals let one run exceed the safety
	// limits by up to that many operations.
	AllowDeactivations int
	AllowRemovals      int
	// WaitLock is how long to wait for another run's lock (0: not at all).
	WaitLock time.Duration
	// Logger receives the run's logs; nil discards them.
	Logger *slog.Logger
	// Progress, when set, is told how many operations are done.
	Progress func(done, total int)
}

// OperationReport is one planned operation and, after apply, its outcome.
type OperationReport struct {
	diff.Operation
	Status string `json:"status,omitempty"` // applied, failed, skipped; empty in a dry run
	Error  string `json:"error,omitempty"`
}

// Report is what a run did; its JSON form is the `--output json` contract.
type Report struct {
	DryRun     bool              `json:"dryRun"`
	RunID      int64             `json:"runId,omitempty"`
	Summary    diff.Summary      `json:"summary"`
	Operations []OperationReport `json:"operations"`
	Applied    int               `json:"applied"`
	Failed     int               `json:"failed"`
	Skipped    int               `json:"skipped"`
	Blocked    bool              `json:"blocked"`
	Blocks     []diff.Block      `json:"blocks,omitempty"`
	Warnings   []string          `json:"warnings,omitempty"`
	StartedAt  time.Time         `json:"startedAt"`
	FinishedAt time.Time         `json:"finishedAt"`

	// Plan is the computed plan, for rendering.
	Plan *diff.Plan `json:"-"`
}

// ErrBlocked is returned (wrapped) when a safety rule refused the plan.
var ErrBlocked = errors.New("plan blocked by a safety rule")

// ErrOperationsFailed is returned (wrapped) when apply finished but some
// operations failed.
var ErrOperationsFailed = errors.New("some operations failed")

// OrgKey names an org in the state store: the host of its URL.
func OrgKey(orgURL string) string {
	u, err := url.Parse(orgURL)
	if err != nil || u.Host == "" {
		return orgURL
	}
	return u.Host
}

// NewClient builds the Okta client from the config.
func NewClient(cfg *config.Config, log *slog.Logger) (*okta.Client, error) {
	opts := []okta.Option{okta.WithLogger(log)}
	if strings.EqualFold(cfg.Okta.AuthorizationMode, config.AuthPrivateKey) {
		opts = append(opts, okta.WithPrivateKey(cfg.Okta.ClientID, cfg.Okta.Scopes, []byte(cfg.Okta.PrivateKey), cfg.Okta.Kid))
	} else {
		opts = append(opts, okta.WithToken(cfg.Okta.Token))
	}
	if cfg.Okta.Testing.DisableHTTPSCheck {
		opts = append(opts, okta.WithInsecureHTTP())
	}
	if cfg.Okta.RateLimit.MaxRetries > 0 {
		opts = append(opts, okta.WithMaxRetries(cfg.Okta.RateLimit.MaxRetries))
	}
	if cfg.Okta.RateLimit.MaxShare > 0 || cfg.Okta.RateLimit.MaxConcurrency > 0 {
		opts = append(opts, okta.WithRateLimit(cfg.Okta.RateLimit.MaxShare, cfg.Okta.RateLimit.MaxConcurrency))
	}
	if cfg.Okta.UserAgent != "" {
		opts = append(opts, okta.WithUserAgent(cfg.Okta.UserAgent))
	}
	if cfg.Okta.RequestTimeout > 0 {
		opts = append(opts, okta.WithRequestTimeout(cfg.Okta.RequestTimeout))
	}
	c, err := okta.NewClient(cfg.Okta.OrgURL, opts...)
	if err != nil {
		return nil, fmt.Errorf("configure Okta client: %w", err)
	}
	return c, nil
}

// Run performs one sync as cfg and opts say. It returns the report of what
// was planned and done even when it also returns an error, unless the error
// came before a plan existed.
func Run(ctx context.Context, cfg *config.Config, opts Options) (*Report, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	rep := &Report{DryRun: opts.DryRun, StartedAt: time.Now().UTC()}

	// 1. The source. Any error here stops the run before anything else.
	src, err := source.New(cfg)
	if err != nil {
		return nil, err
	}
	desired, err := src.Read(ctx)
	if err != nil {
		return nil, fmt.Errorf("read source: %w", err)
	}
	log.Info("read source", "users", len(desired.Users), "groups", len(desired.Groups))

	// 2. The state store, and the lock for a real run.
	policy, err := PolicyFrom(cfg, opts)
	if err != nil {
		return nil, err
	}
	store, err := state.Open(ctx, cfg.State.URL, StateOptions(cfg, log))
	if err != nil {
		return nil, fmt.Errorf("open state store: %w", err)
	}
	defer store.Close()
	org := OrgKey(cfg.Okta.OrgURL)
	if !opts.DryRun {
		unlock, err := store.Lock(ctx, org, opts.WaitLock)
		if err != nil {
			return nil, err
		}
		defer func() {
			if err := unlock(); err != nil {
				log.Warn("release state lock", "err", err)
			}
		}()
	}
	owned, err := store.Owned(ctx, org)
	if err != nil {
		return nil, fmt.Errorf("read owned users from state store: %w", err)
	}

	// 3. Okta's current state.
	client, err := NewClient(cfg, log)
	if err != nil {
		return nil, err
	}
	ownedLogins := make([]string, 0, len(owned))
	for _, o := range owned {
		ownedLogins = append(ownedLogins, o.Login)
	}
	cur, err := fetchCurrent(ctx, client, desired, ownedLogins, cfg.Scope.Users, log)
	if err != nil {
		return nil, err
	}

	// 4. The plan.
	in := diff.Input{
		Desired:       desired,
		Current:       cur.Dir,
		MembersRead:   cur.MembersRead,
		Managed:       make(map[string]bool, len(cur.InScope)+len(owned)),
		DeactivatedAt: make(map[string]time.Time),
		Now:           time.Now().UTC(),
		Policy:        policy,
	}
	for k := range cur.InScope {
		in.Managed[k] = true
	}
	for k, o := range owned {
		in.Managed[k] = true
		if !o.DeactivatedAt.IsZero() {
			in.DeactivatedAt[k] = o.DeactivatedAt
		}
	}
	plan, err := diff.Compute(in)
	if err != nil {
		return nil, fmt.Errorf("compute plan: %w", err)
	}
	rep.Plan = plan
	rep.Summary = plan.Summary
	rep.Blocked = plan.Blocked
	rep.Blocks = plan.Blocks
	rep.Warnings = plan.Warnings
	rep.Operations = make([]OperationReport, len(plan.Operations))
	for i, op := range plan.Operations {
		rep.Operations[i] = OperationReport{Operation: op}
	}
	for _, w := range plan.Warnings {
		log.Warn(w)
	}

	if opts.DryRun {
		rep.FinishedAt = time.Now().UTC()
		if plan.Blocked {
			return rep, ErrBlocked
		}
		return rep, nil
	}

	// 5. Apply, recording the run.
	runID, err := store.BeginRun(ctx, state.Run{Org: org, Status: state.RunRunning, StartedAt: rep.StartedAt})
	if err != nil {
		return rep, fmt.Errorf("record run start: %w", err)
	}
	rep.RunID = runID
	counts := summaryCounts(plan.Summary)
	if plan.Blocked {
		rep.FinishedAt = time.Now().UTC()
		msg := blockMessage(plan)
		if err := store.FinishRun(context.WithoutCancel(ctx), runID, state.RunBlocked, counts, msg); err != nil {
			log.Warn("record blocked run", "err", err)
		}
		return rep, ErrBlocked
	}
	res, applyErr := apply.Execute(ctx, plan, oktaAPI{client}, store, apply.Options{
		Org:         org,
		RunID:       runID,
		Concurrency: cfg.Concurrency,
		Logger:      log,
		Progress:    opts.Progress,
	})
	rep.FinishedAt = time.Now().UTC()
	if res != nil {
		rep.Applied, rep.Failed, rep.Skipped = res.Applied, res.Failed, res.Skipped
		bySeq := make(map[int]int, len(rep.Operations))
		for i, op := range rep.Operations {
			bySeq[op.Seq] = i
		}
		for _, o := range res.Outcomes {
			if i, ok := bySeq[o.Seq]; ok {
				rep.Operations[i].Status = o.Status
				if o.Err != nil {
					rep.Operations[i].Error = o.Err.Error()
				}
			}
		}
	}
	counts["applied"], counts["failed"], counts["skipped"] = rep.Applied, rep.Failed, rep.Skipped
	status, msg := state.RunSucceeded, ""
	switch {
	case applyErr != nil && ctx.Err() != nil:
		status, msg = state.RunInterrupted, applyErr.Error()
	case applyErr != nil:
		status, msg = state.RunFailed, applyErr.Error()
	case rep.Failed > 0 || rep.Skipped > 0:
		status = state.RunPartial
	}
	if err := store.FinishRun(context.WithoutCancel(ctx), runID, status, counts, msg); err != nil {
		log.Warn("record run end", "err", err)
	}
	log.Info("applied plan", "applied", rep.Applied, "failed", rep.Failed, "skipped", rep.Skipped)
	if applyErr != nil {
		return rep, fmt.Errorf("apply plan: %w", applyErr)
	}
	if rep.Failed > 0 || rep.Skipped > 0 {
		return rep, fmt.Errorf("%d of %d operations failed, %d skipped: %w", rep.Failed, len(plan.Operations), rep.Skipped, ErrOperationsFailed)
	}
	return rep, nil
}

// PolicyFrom turns the config's plan settings and the run's one-off
// permissions into a diff.Policy.
func PolicyFrom(cfg *config.Config, opts Options) (diff.Policy, error) {
	p := diff.DefaultPolicy()
	switch strings.ToUpper(cfg.Users.CreateStatus) {
	case "", "ACTIVE":
		p.CreateActive = true
	case "STAGED":
		p.CreateActive = false
	default:
		return p, fmt.Errorf("users.createStatus %q: want ACTIVE or STAGED", cfg.Users.CreateStatus)
	}
	p.SendActivationEmail = cfg.Users.SendActivationEmail
	p.Reactivate = cfg.Users.Reactivate
	p.DeleteAfter = cfg.Users.DeleteAfter
	p.ProtectLogins = cfg.Protect.Logins
	p.ProtectGroups = cfg.Protect.Groups
	p.DeleteUnlistedGroups = cfg.Groups.DeleteUnlisted
	p.GroupPrefix = cfg.Scope.Groups.Prefix
	if s := cfg.Safety.MaxDeactivations; s != "" {
		l, err := diff.ParseLimit(s)
		if err != nil {
			return p, fmt.Errorf("safety.maxDeactivations: %w", err)
		}
		p.Safety.MaxDeactivations = l
	}
	if s := cfg.Safety.MaxMembershipRemovals; s != "" {
		l, err := diff.ParseLimit(s)
		if err != nil {
			return p, fmt.Errorf("safety.maxMembershipRemovals: %w", err)
		}
		p.Safety.MaxMembershipRemovals = l
	}
	p.Safety.MinSourceUsers = cfg.Safety.MinSourceUsers
	p.Safety.AllowDeactivations = opts.AllowDeactivations
	p.Safety.AllowRemovals = opts.AllowRemovals
	return p, nil
}

// StateOptions are the state store options the config asks for.
func StateOptions(cfg *config.Config, log *slog.Logger) state.Options {
	return state.Options{Schema: cfg.State.Schema, AutoMigrate: cfg.State.AutoMigrate, Logger: log}
}

func blockMessage(p *diff.Plan) string {
	msg := ""
	for i, b := range p.Blocks {
		if i > 0 {
			msg += "; "
		}
		msg += b.Message
	}
	return msg
}

func summaryCounts(s diff.Summary) map[string]int {
	return map[string]int{
		"users.create":       s.Users.Create,
		"users.update":       s.Users.Update,
		"users.deactivate":   s.Users.Deactivate,
		"users.reactivate":   s.Users.Reactivate,
		"users.delete":       s.Users.Delete,
		"users.unchanged":    s.Users.Unchanged,
		"groups.create":      s.Groups.Create,
		"groups.update":      s.Groups.Update,
		"groups.delete":      s.Groups.Delete,
		"memberships.add":    s.Memberships.Add,
		"memberships.remove": s.Memberships.Remove,
	}
}
