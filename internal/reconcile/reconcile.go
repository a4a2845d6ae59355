package reconcile

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"runtime"
	"strings"
	"time"

	"github.com/oktasync/oktasync/internal/apply"
	"github.com/oktasync/oktasync/internal/config"
	"github.com/oktasync/oktasync/internal/diff"
	"github.com/oktasync/oktasync/internal/directory"
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
	// FetchProgress, when set, is told how many objects of each kind
	// ("Okta users", "group members") have been read so far.
	FetchProgress func(what string, n int)
	// Client, when set, is the Okta client to use instead of one built
	// from the config (serve shares one, to count its calls).
	Client *okta.Client
	// ClientOptions are passed to NewClient when Client is nil.
	ClientOptions []okta.Option
	// Grace is how long in-flight calls may still run once ctx is
	// cancelled (default: apply's).
	Grace time.Duration
	// SavePlan, when set, receives the plan as a diff.SavedPlan (JSON) for
	// `oktasync apply` to carry out later.
	SavePlan io.Writer
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

// NewClient builds the Okta client from the config; extra options (such as
// the program's User-Agent product) come after the config's.
func NewClient(cfg *config.Config, log *slog.Logger, extra ...okta.Option) (*okta.Client, error) {
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
	if cfg.Okta.RateLimit.TokenShare > 0 {
		opts = append(opts, okta.WithTokenShare(cfg.Okta.RateLimit.TokenShare))
	}
	if p := cfg.Okta.Proxy; p.Host != "" {
		opts = append(opts, okta.WithProxy(okta.ProxyURL(p.Host, p.Port, p.Username, p.Password)))
	}
	if cfg.Okta.ConnectionTimeout > 0 {
		opts = append(opts, okta.WithConnectionTimeout(cfg.Okta.ConnectionTimeout))
	}
	if cfg.Okta.CAFile != "" {
		opts = append(opts, okta.WithCAFile(cfg.Okta.CAFile))
	}
	if cfg.Okta.UserAgent != "" {
		opts = append(opts, okta.WithUserAgent(cfg.Okta.UserAgent))
	}
	if cfg.Okta.RequestTimeout > 0 {
		opts = append(opts, okta.WithRequestTimeout(cfg.Okta.RequestTimeout))
	}
	c, err := okta.NewClient(cfg.Okta.OrgURL, append(opts, extra...)...)
	if err != nil {
		return nil, fmt.Errorf("configure Okta client: %w", err)
	}
	return c, nil
}

// session is what one run has open: the source's desired state, the state
// store (locked for a real run), the Okta client and Okta's current state.
type session struct {
	cfg     *config.Config
	log     *slog.Logger
	desired *directory.Directory
	store   state.Store
	unlock  func() error
	org     string
	owned   map[string]state.OwnedUser
	client  *okta.Client
	cur     *Current
}

// openSession reads the source, opens the store (taking the org's lock
// unless dryRun), and reads Okta's state. Any error stops the run before a
// write; the caller closes a returned session.
func openSession(ctx context.Context, cfg *config.Config, dryRun bool, opts Options, log *slog.Logger) (_ *session, err error) {
	s := &session{cfg: cfg, log: log, org: OrgKey(cfg.Okta.OrgURL)}
	defer func() {
		if err != nil {
			s.close()
		}
	}()

	// The source first: any error here stops the run before Okta or the
	// store is touched.
	src, err := source.New(cfg)
	if err != nil {
		return nil, err
	}
	if s.desired, err = src.Read(ctx); err != nil {
		return nil, fmt.Errorf("read source: %w", err)
	}
	log.Info("read source", "users", len(s.desired.Users), "groups", len(s.desired.Groups))

	if s.store, err = state.Open(ctx, cfg.State.URL, StateOptions(cfg, log)); err != nil {
		return nil, fmt.Errorf("open state store: %w", err)
	}
	if !dryRun {
		if s.unlock, err = s.store.Lock(ctx, s.org, opts.WaitLock); err != nil {
			return nil, err
		}
	}
	if s.owned, err = s.store.Owned(ctx, s.org); err != nil {
		return nil, fmt.Errorf("read owned users from state store: %w", err)
	}

	if s.client = opts.Client; s.client == nil {
		if s.client, err = NewClient(cfg, log, opts.ClientOptions...); err != nil {
			return nil, err
		}
	}
	if err := CheckSchema(ctx, s.client, s.desired, cfg.Mapping); err != nil {
		return nil, err
	}
	ownedLogins := make([]string, 0, len(s.owned))
	for _, o := range s.owned {
		ownedLogins = append(ownedLogins, o.Login)
	}
	if s.cur, err = fetchCurrent(ctx, s.client, s.desired, ownedLogins, cfg.Scope.Users, cfg.Scope.Groups.Search, cfg.Protect.Groups, opts.FetchProgress, log); err != nil {
		return nil, err
	}
	return s, nil
}

// release lets go of the two directories once the plan is made: for a
// large org they are most of the run's memory, and nothing after the plan
// (applying it, reporting) needs them. It then collects at once: otherwise
// the collector would wait until the heap reached its goal, set while the
// directories were live, and what comes next (the report, the JSON output
// of a large plan) would grow the process by that much again instead of
// reusing their memory. With the directories gone, marking is quick.
func (s *session) release() {
	s.desired, s.cur, s.owned = nil, nil, nil
	runtime.GC()
}

func (s *session) close() {
	if s.unlock != nil {
		if err := s.unlock(); err != nil {
			s.log.Warn("release state lock", "err", err)
		}
	}
	if s.store != nil {
		if err := s.store.Close(); err != nil {
			s.log.Warn("close state store", "err", err)
		}
	}
}

// input is the diff input for this session's states and policy.
func (s *session) input(policy diff.Policy) diff.Input {
	in := diff.Input{
		Desired:       s.desired,
		Current:       s.cur.Dir,
		MembersRead:   s.cur.MembersRead,
		ScopedGroups:  s.cur.ScopedGroups,
		Managed:       s.cur.InScope,
		DeactivatedAt: make(map[string]time.Time),
		Now:           time.Now().UTC(),
		Policy:        policy,
	}
	// The users in scope and those oktasync owns; the scope's set is
	// extended in place rather than copied, as it can hold millions.
	for k, o := range s.owned {
		in.Managed[k] = true
		if !o.DeactivatedAt.IsZero() {
			in.DeactivatedAt[k] = o.DeactivatedAt
		}
	}
	return in
}

func newReport(dryRun bool, started time.Time, plan *diff.Plan) *Report {
	rep := &Report{
		DryRun:     dryRun,
		StartedAt:  started,
		Plan:       plan,
		Summary:    plan.Summary,
		Blocked:    plan.Blocked,
		Blocks:     plan.Blocks,
		Warnings:   plan.Warnings,
		Operations: make([]OperationReport, len(plan.Operations)),
	}
	for i, op := range plan.Operations {
		rep.Operations[i] = OperationReport{Operation: op}
	}
	return rep
}

// Run performs one sync as cfg and opts say. It returns the report of what
// was planned and done even when it also returns an error, unless the error
// came before a plan existed.
func Run(ctx context.Context, cfg *config.Config, opts Options) (*Report, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	started := time.Now().UTC()
	policy, err := PolicyFrom(cfg, opts)
	if err != nil {
		return nil, err
	}
	s, err := openSession(ctx, cfg, opts.DryRun, opts, log)
	if err != nil {
		return nil, err
	}
	defer s.close()

	plan, err := diff.Compute(s.input(policy))
	if err != nil {
		return nil, fmt.Errorf("compute plan: %w", err)
	}
	if opts.SavePlan != nil {
		saved := diff.NewSavedPlan(plan, s.cur.Dir, ConfigDigest(cfg), diff.SourceDigest(s.desired), started)
		if err := saved.Write(opts.SavePlan); err != nil {
			return newReport(opts.DryRun, started, plan), err
		}
	}
	s.release()
	rep := newReport(opts.DryRun, started, plan)
	for _, w := range plan.Warnings {
		log.Warn(w)
	}
	if opts.DryRun {
		rep.FinishedAt = time.Now().UTC()
		if plan.Blocked {
			return rep, fmt.Errorf("%s: %w", blockMessage(plan), ErrBlocked)
		}
		return rep, nil
	}
	return rep, s.apply(ctx, plan, rep, opts)
}

// ErrPlanConflict is returned (wrapped) when a saved plan's targets have
// changed in Okta since the plan was made.
var ErrPlanConflict = errors.New("the saved plan conflicts with Okta's current state")

// ApplySaved applies a plan saved by `plan --out`, exactly as reviewed: it
// refuses a plan made with another configuration or source, and applies
// nothing when any operation's target changed in Okta since the plan (the
// report then lists the conflicts as warnings).
func ApplySaved(ctx context.Context, cfg *config.Config, saved *diff.SavedPlan, opts Options) (*Report, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	started := time.Now().UTC()
	s, err := openSession(ctx, cfg, false, opts, log)
	if err != nil {
		return nil, err
	}
	defer s.close()
	if err := saved.Verify(ConfigDigest(cfg), diff.SourceDigest(s.desired)); err != nil {
		return nil, err
	}
	plan := saved.Plan
	rep := newReport(false, started, plan)
	if conflicts := diff.CheckConflicts(saved, s.cur.Dir, s.cur.MembersRead); len(conflicts) > 0 {
		for _, c := range conflicts {
			rep.Warnings = append(rep.Warnings, "conflict: "+c.String())
		}
		rep.FinishedAt = time.Now().UTC()
		return rep, fmt.Errorf("%d of %d operations changed in Okta since the plan was made; make a new plan: %w",
			len(conflicts), len(plan.Operations), ErrPlanConflict)
	}
	saved.RestorePasswords(s.desired)
	s.release()
	return rep, s.apply(ctx, plan, rep, opts)
}

// apply records a run, executes plan and fills rep with the outcomes.
func (s *session) apply(ctx context.Context, plan *diff.Plan, rep *Report, opts Options) error {
	log := s.log
	store := s.store
	runID, err := store.BeginRun(ctx, state.Run{Org: s.org, Status: state.RunRunning, StartedAt: rep.StartedAt, ConfigDigest: ConfigDigest(s.cfg)})
	if err != nil {
		return fmt.Errorf("record run start: %w", err)
	}
	rep.RunID = runID
	counts := summaryCounts(plan.Summary)
	if plan.Blocked {
		rep.FinishedAt = time.Now().UTC()
		if err := store.FinishRun(context.WithoutCancel(ctx), runID, state.RunBlocked, counts, blockMessage(plan)); err != nil {
			log.Warn("record blocked run", "err", err)
		}
		return fmt.Errorf("%s: %w", blockMessage(plan), ErrBlocked)
	}
	res, applyErr := apply.Execute(ctx, plan, apply.Client(s.client), store, apply.Options{
		Org:         s.org,
		RunID:       runID,
		Concurrency: s.cfg.Concurrency,
		Logger:      log,
		Progress:    opts.Progress,
		Grace:       opts.Grace,
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
		return fmt.Errorf("apply plan: %w", applyErr)
	}
	if rep.Failed > 0 || rep.Skipped > 0 {
		return fmt.Errorf("%d of %d operations failed, %d skipped: %w", rep.Failed, len(plan.Operations), rep.Skipped, ErrOperationsFailed)
	}
	return nil
}

// ConfigDigest identifies the parts of the configuration that shape a plan:
// the org, the scope, and the user, group, protection and safety policies.
// Secrets, file locations and connection settings are left out, so a plan
// made on one machine can be applied from another checkout.
func ConfigDigest(cfg *config.Config) string {
	h := sha256.New()
	_ = json.NewEncoder(h).Encode(struct {
		Version int
		Org     string
		Scope   config.Scope
		Users   config.UserPolicy
		Groups  config.GroupPolicy
		Protect config.Protect
		Safety  config.Safety
	}{1, OrgKey(cfg.Okta.OrgURL), cfg.Scope, cfg.Users, cfg.Groups, cfg.Protect, cfg.Safety})
	return hex.EncodeToString(h.Sum(nil))
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
