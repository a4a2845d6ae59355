package reconcile

import (
	"context"
	"errors"

	"github.com/oktasync/oktasync/internal/apply"
	"github.com/oktasync/oktasync/internal/metrics"
	"github.com/oktasync/oktasync/internal/state"
)

// ErrBlocked is wrapped by the error of a run whose plan a safety rule
// refused; it is apply.ErrBlocked.
var ErrBlocked = apply.ErrBlocked

// ErrOperationsFailed is returned (wrapped) when apply finished but some
// operations failed or were skipped.
var ErrOperationsFailed = errors.New("some operations failed")

// ErrPlanConflict is returned (wrapped) when a saved plan's targets have
// changed in Okta since the plan was made.
var ErrPlanConflict = errors.New("the saved plan conflicts with Okta's current state")

// Exit codes of the oktasync command for each outcome; README.md documents
// them.
const (
	ExitOK       = 0
	ExitError    = 1
	ExitBlocked  = 3
	ExitPartial  = 4
	ExitLocked   = 5
	ExitConflict = 6 // apply: the saved plan's targets changed in Okta
)

// Outcome is how a run ended, in each form its callers record.
type Outcome struct {
	// Status is the run's status in the state store (state.Run*). A run
	// refused the lock has none recorded; its Status is "".
	Status string
	// Label is the outcome label of the metrics: Status, or
	// metrics.StatusLocked for a run refused the lock.
	Label string
	// ExitCode is the oktasync command's exit code.
	ExitCode int
}

// Classify returns the outcome of a run that returned err under ctx: the
// one place that decides what a run's error means.
func Classify(ctx context.Context, err error) Outcome {
	switch {
	case err == nil:
		return Outcome{state.RunSucceeded, state.RunSucceeded, ExitOK}
	case errors.Is(err, state.ErrLocked):
		return Outcome{"", metrics.StatusLocked, ExitLocked}
	case errors.Is(err, ErrBlocked):
		return Outcome{state.RunBlocked, state.RunBlocked, ExitBlocked}
	case errors.Is(err, ErrPlanConflict):
		return Outcome{state.RunFailed, state.RunFailed, ExitConflict}
	case errors.Is(err, ErrOperationsFailed):
		// Apply finished: some operations failed, or were skipped after a
		// failure; a cancelled apply returns its own error instead.
		return Outcome{state.RunPartial, state.RunPartial, ExitPartial}
	case ctx.Err() != nil:
		return Outcome{state.RunInterrupted, state.RunInterrupted, ExitError}
	}
	return Outcome{state.RunFailed, state.RunFailed, ExitError}
}
