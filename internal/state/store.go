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

// Store keeps oktasync's state: the lock, runs, checkpoints, ownership,
// and the rate-limit shares learned.
// Open returns one; a caller that needs only a part of it takes the small
// interface for that part. Every method is safe for concurrent use.
// Secrets are never stored.
type Store interface {
	Locker
	RunHistory
	Checkpoints
	Ownership
	RateShares

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
