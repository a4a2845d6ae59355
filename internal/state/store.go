package state

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Run statuses.
const (
	RunRunning     = "running"
	RunSucceeded   = "succeeded"
	RunPartial     = "partial"     // finished, some operations failed
	RunFailed      = "failed"      // stopped by an error before or during apply
	RunBlocked     = "blocked"     // refused by a safety rule
	RunInterrupted = "interrupted" // the process died or was stopped mid-run
)

// Operation outcomes.
const (
	OpApplied = "applied"
	OpFailed  = "failed"
	OpSkipped = "skipped" // not attempted (a dependency failed, or cancelled)
	// OpMastered is a profile update Okta refused because another system
	// masters the user's profile (403 E0000023); not a failure.
	OpMastered = "mastered"
	// OpPending is an operation left for the next run because Okta was
	// still changing the user's status (409 E0000112); not a failure.
	OpPending = "pending"
)

// Run is one recorded run of oktasync.
type Run struct {
	ID         int64
	Org        string // the org URL's host, e.g. "example.okta.com"
	DryRun     bool
	Status     string
	StartedAt  time.Time
	FinishedAt time.Time // zero while running
	// Counts holds the plan summary and outcomes as a flat map, e.g.
	// {"users.create": 3, "applied": 10, "failed": 1}.
	Counts map[string]int
	Error  string
	// ConfigDigest identifies the config and source the run used.
	ConfigDigest string
	// Kind says which kind of run it was and why, as the run said it
	// ("Full run: config changed", "Incremental run (last full run 3h
	// ago)"); empty for runs recorded before runs had kinds.
	Kind string
}

// OpRecord is the checkpoint of one operation.
type OpRecord struct {
	RunID   int64
	Seq     int
	Action  string // diff.Action.String()
	Target  string // login, group name, or "group/login" for memberships
	Outcome string // OpApplied, OpFailed, OpSkipped, OpMastered, OpPending
	Error   string
	OktaID  string // the created or affected object's id, when known
	At      time.Time
}

// Held plan statuses.
const (
	HeldPending    = "pending"    // waiting for approval
	HeldApproved   = "approved"   // approved; the next run may apply it
	HeldUsed       = "used"       // a run ran with the approval
	HeldSuperseded = "superseded" // a newer plan, or a run that needed none, replaced it
)

// HeldPlan is a plan a safety rule held back, and its approval.
type HeldPlan struct {
	ID    int64
	Org   string
	RunID int64 // the blocked run
	// Counts holds what each safety rule counted, keyed by rule name
	// ("safety.maxDeactivations": 12).
	Counts map[string]int
	// Deactivations and Removals are the deactivations (and deletions)
	// and membership removals an approval allows the next run.
	Deactivations, Removals int
	// Reason is why the plan was held; Summary its one-line summary.
	Reason, Summary string
	// Plan is the held plan as JSON; empty in listings.
	Plan       []byte
	Status     string // Held*
	CreatedAt  time.Time
	ApprovedBy string
	ApprovedAt time.Time // zero until approved
	UsedByRun  int64     // 0 until used
	UsedAt     time.Time
}

// Pause says whether a schedule is paused.
type Pause struct {
	Paused bool
	By     string
	Since  time.Time
}

// OwnedUser is a user oktasync created (and so manages whatever the scope).
type OwnedUser struct {
	Login         string // as created; compare with directory.LoginKey
	OktaID        string
	CreatedAt     time.Time
	DeactivatedAt time.Time // zero unless oktasync deactivated it
}

// Locker is the one-writer lock of each org.
type Locker interface {
	// Lock takes the one-writer lock for org. When another process holds
	// it, Lock waits up to wait (0: not at all) and then returns a
	// *LockedError. The returned function releases the lock; calling it
	// again does nothing.
	Lock(ctx context.Context, org string, wait time.Duration) (unlock func() error, err error)
}

// RunHistory records each run: when it began and ended, how it ended, and
// what it counted.
type RunHistory interface {
	// BeginRun records a new running run and returns its id. Runs of org
	// still marked running (whose process died) are marked interrupted
	// first; the caller holds the lock, so none of them can be live.
	BeginRun(ctx context.Context, r Run) (int64, error)
	// FinishRun sets a run's final status, counts and error.
	FinishRun(ctx context.Context, id int64, status string, counts map[string]int, errMsg string) error
	// Runs lists the newest runs of org first (all orgs when org is empty).
	Runs(ctx context.Context, org string, limit int) ([]Run, error)
}

// Checkpoints records the outcome of each operation of a run as it
// happens.
type Checkpoints interface {
	// RecordOperations checkpoints operation outcomes.
	RecordOperations(ctx context.Context, recs []OpRecord) error
	// Operations lists a run's checkpoints in Seq order.
	Operations(ctx context.Context, runID int64) ([]OpRecord, error)
}

// Ownership records the users oktasync created, and so manages.
type Ownership interface {
	// AddOwned records users oktasync created in org.
	AddOwned(ctx context.Context, org string, users []OwnedUser) error
	// MarkDeactivated records when oktasync deactivated an owned user
	// (zero time clears it, on reactivation).
	MarkDeactivated(ctx context.Context, org, login string, at time.Time) error
	// RemoveOwned forgets a user oktasync deleted.
	RemoveOwned(ctx context.Context, org, login string) error
	// Owned returns the users oktasync created in org, keyed by
	// directory.LoginKey(login).
	Owned(ctx context.Context, org string) (map[string]OwnedUser, error)
}

// RunQueries reads the run history a page at a time, as the status page of
// `oktasync serve` shows it.
type RunQueries interface {
	// Run returns one run, or an error wrapping ErrNoRun.
	Run(ctx context.Context, id int64) (Run, error)
	// RunsBefore lists up to limit runs of org (all orgs when org is
	// empty) whose id is below before (all when before <= 0), newest
	// first.
	RunsBefore(ctx context.Context, org string, before int64, limit int) ([]Run, error)
	// UserOperations lists up to limit checkpoints of org's runs whose
	// target is the user login (its own operations and its memberships),
	// newest first. Logins compare case-insensitively.
	UserOperations(ctx context.Context, org, login string, limit int) ([]OpRecord, error)
}

// HeldPlans records the plans a safety rule held back, and a person's
// approval to apply one of them once.
type HeldPlans interface {
	// HoldPlan records a held plan as pending and returns its id; the
	// org's older pending plans become superseded.
	HoldPlan(ctx context.Context, h HeldPlan) (int64, error)
	// SupersedeHeldPlans marks org's pending plans superseded (a later
	// run needed none of them).
	SupersedeHeldPlans(ctx context.Context, org string) error
	// HeldPlansOf lists up to limit held plans of org, newest first,
	// without their Plan.
	HeldPlansOf(ctx context.Context, org string, limit int) ([]HeldPlan, error)
	// HeldPlan returns one held plan with its Plan, or an error wrapping
	// ErrNoHeldPlan.
	HeldPlan(ctx context.Context, id int64) (HeldPlan, error)
	// ApproveHeldPlan approves a pending plan once, recording who, and
	// returns it; a plan not pending gives an error wrapping
	// ErrNotPending.
	ApproveHeldPlan(ctx context.Context, id int64, by string) (HeldPlan, error)
	// ApprovedPlan returns org's newest approved plan not yet used, and
	// whether there is one.
	ApprovedPlan(ctx context.Context, org string) (HeldPlan, bool, error)
	// UseHeldPlan records that run runID ran with the approval of plan
	// id, which becomes used.
	UseHeldPlan(ctx context.Context, id, runID int64) error
	// RunApprovals returns, for each of runIDs that ran with an
	// approval, the plan whose approval it used.
	RunApprovals(ctx context.Context, runIDs []int64) (map[int64]HeldPlan, error)
}

// Pauses records whether the schedule of `oktasync serve` is paused for
// an org, shared by every replica.
type Pauses interface {
	// SetPaused pauses (paused true) or resumes org's schedule; by names
	// who did.
	SetPaused(ctx context.Context, org string, paused bool, by string) error
	// Paused says whether org's schedule is paused, by whom and since
	// when.
	Paused(ctx context.Context, org string) (Pause, error)
}

// Store keeps oktasync's state: the lock, runs, checkpoints, ownership
// of users and groups, held plans, the schedule's pause and the rate-limit
// shares learned. Open returns one; a caller that needs only a part of it
// takes the small interface for that part. Every method is safe for concurrent use.
// Secrets are never stored.
type Store interface {
	Locker
	RunHistory
	RunQueries
	Checkpoints
	Ownership
	ManagedGroups
	ManagerLinks
	AppAssignments
	LeaverSuspensions
	RateShares
	HeldPlans
	Pauses
	SyncState

	// Close releases the store's resources, and the locks still held.
	Close() error
}

// ErrLocked is the sentinel wrapped by *LockedError.
var ErrLocked = errors.New("another oktasync run holds the lock")

// LockedError says who holds the lock.
type LockedError struct {
	Org    string
	Holder string // e.g. "pid 4242 on host ci-runner-3 since 2026-11-29T09:00:00Z"
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("another oktasync run holds the lock for %s: %s", e.Org, e.Holder)
}

// Unwrap returns ErrLocked.
func (e *LockedError) Unwrap() error { return ErrLocked }
