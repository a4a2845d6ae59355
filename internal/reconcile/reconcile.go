package reconcile

import (
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/oktasync/oktasync/internal/apply"
	"github.com/oktasync/oktasync/internal/diff"
	"github.com/oktasync/oktasync/internal/directory"
	"github.com/oktasync/oktasync/internal/okta"
	"github.com/oktasync/oktasync/internal/source"
	"github.com/oktasync/oktasync/internal/state"
)

// Settings are the values a run takes from the configuration; the caller
// (cmd/oktasync) fills them in from the config file.
type Settings struct {
	// Org names the org in the state store (the host of its URL).
	Org string
	// ConfigDigest identifies the parts of the configuration that shape a
	// plan; a run records it and a saved plan must match it.
	ConfigDigest string
	// ConfigParts identify each part of the configuration ConfigDigest
	// covers, by name (org, scope, users, groups, protect, safety), so
	// that apply can say which changed since a plan was saved.
	ConfigParts map[string]string
	// SourceName names the source for people ("users.csv", "the Postgres
	// source").
	SourceName string
	// Scope says which users and groups are read as in scope.
	Scope Scope
	// Concurrency is the number of apply workers (0: apply's default).
	Concurrency int
	// Schema says where the source's attributes come from, for the
	// messages of the schema check.
	Schema SchemaHints
	// RateLimits says how the rate-limit shares the client learns are
	// kept between runs.
	RateLimits RateLimits
	// Links, when set, has runs keep users' managers (Linked Objects) as
	// the source says; nil leaves links alone.
	Links *LinkSettings
	// Apps are the apps whose assignments the run manages.
	Apps []AppSpec
	// Incremental says when runs read only what changed.
	Incremental Incremental
}

// Scope holds the scope's Okta search expressions.
type Scope struct {
	// Users matches the users in scope ("": every user is read).
	Users string
	// GroupSearch matches the groups in scope ("": none by search).
	GroupSearch string
}

// Store is what a run needs of the state store: the org's lock, the users
// oktasync owns, the run record, and apply's checkpoints. state.Store
// satisfies it.
type Store interface {
	apply.Checkpoints
	// Lock takes the one-writer lock for org (see state.Store.Lock).
	Lock(ctx context.Context, org string, wait time.Duration) (unlock func() error, err error)
	// Owned returns the users oktasync created in org.
	Owned(ctx context.Context, org string) (map[string]state.OwnedUser, error)
	// BeginRun records a new running run and returns its id.
	BeginRun(ctx context.Context, r state.Run) (int64, error)
	// FinishRun sets a run's final status, counts and error.
	FinishRun(ctx context.Context, id int64, status string, counts map[string]int, errMsg string) error
	state.RateShares
	state.ManagedGroups
	state.ManagerLinks
	state.AppAssignments
	state.SyncState
	state.LeaverSuspensions
	// Runs lists org's newest runs first (to see how the last one ended).
	Runs(ctx context.Context, org string, limit int) ([]state.Run, error)
	// Operations lists a run's checkpoints (for the groups it created).
	Operations(ctx context.Context, runID int64) ([]state.OpRecord, error)
	io.Closer
}

var _ Store = (state.Store)(nil)

// Parts are the built components a run uses; cmd/oktasync builds them from
// the config.
type Parts struct {
	// Source reads the desired state.
	Source source.Reader
	// Okta is the client of the org.
	Okta *okta.Client
	// OpenStore opens the state store. A run opens it after reading the
	// source (so that a bad source touches nothing) and closes it when the
	// run ends.
	OpenStore func(ctx context.Context) (Store, error)
	// Policy is what the plan may do.
	Policy diff.Policy
	// Logger receives the run's logs; nil discards them.
	Logger *slog.Logger
}

// Options are the per-run choices that come from flags rather than config.
type Options struct {
	// DryRun makes Plan read without taking the org's lock, and Run stop
	// once the plan is made. A plan made in a dry run cannot be applied.
	DryRun bool
	// Full makes the run read everything from Okta even when an
	// incremental run could (--full).
	Full bool
	// WaitLock is how long to wait for another run's lock (0: not at all).
	WaitLock time.Duration
	// SavePlan makes Plan also prepare the plan for saving (Planned.Saved).
	SavePlan bool
	// FetchProgress, when set, is told how many objects of each kind
	// ("Okta users", "group members") have been read so far.
	FetchProgress func(what string, n int)
	// Progress, when set, is told how many operations are done.
	Progress func(done, total int)
	// Grace is how long in-flight calls may still run once ctx is
	// cancelled (default: apply's).
	Grace time.Duration
	// PendingWait is how long apply tries again a call Okta refuses while
	// the user's status is still changing, before it leaves the operation
	// for the next run (default: apply's; negative: no second try).
	PendingWait time.Duration
	// Observe, when set, is handed the desired and current directories
	// once Plan has made the plan, before the run lets go of them
	// (serve's status page keeps them to show a user as last read). It
	// must not change them. After an incremental read (incremental true)
	// current holds only the users and groups the run read, those that
	// changed.
	Observe func(desired, current *directory.Directory, incremental bool)
	// WarningsShown says that the caller shows the plan's warnings to a
	// person (the plan printed by oktasync plan and run): they are then
	// logged at info, not warn, so that none is printed twice.
	WarningsShown bool
}

// Runner runs syncs of one org with the parts it was given. Its steps are
// Plan (or Verify, for a saved plan) and Apply; Run is both. A Runner holds
// nothing between runs and may be used for many, one at a time or at once
// (the store's lock keeps two real runs apart).
type Runner struct {
	set   Settings
	parts Parts
	log   *slog.Logger
}

// New returns a Runner with the given settings and parts.
func New(set Settings, parts Parts) *Runner {
	log := parts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Runner{set: set, parts: parts, log: log}
}

// Run performs one sync: Plan, then Apply unless o.DryRun. It returns the
// report of what was planned and done even when it also returns an error,
// unless the error came before a plan existed. A dry run whose plan is
// blocked returns the report and an error wrapping ErrBlocked.
func (r *Runner) Run(ctx context.Context, o Options) (*Report, error) {
	p, err := r.Plan(ctx, o)
	defer p.Close()
	if err != nil {
		return nil, err
	}
	if o.DryRun {
		return p.Report(), p.Blocked()
	}
	return r.Apply(ctx, p, o)
}
