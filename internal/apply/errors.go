package apply

import (
	"errors"
	"fmt"
	"strings"

	"github.com/oktasync/oktasync/internal/diff"
)

// ErrBlocked is the sentinel wrapped by *BlockedError.
var ErrBlocked = errors.New("plan is blocked by a safety rule")

// BlockedError is returned by Execute for a plan that a safety rule refuses;
// nothing is applied.
type BlockedError struct {
	// Blocks are the plan's blocks: the rules that refused it.
	Blocks []diff.Block
}

// Error names the rules that refused the plan.
func (e *BlockedError) Error() string {
	if len(e.Blocks) == 0 {
		return ErrBlocked.Error()
	}
	rules := make([]string, len(e.Blocks))
	for i, b := range e.Blocks {
		rules[i] = b.Rule
	}
	return fmt.Sprintf("%s: %s", ErrBlocked, strings.Join(rules, ", "))
}

// Unwrap returns ErrBlocked.
func (e *BlockedError) Unwrap() error { return ErrBlocked }

// ErrConflict is a sentinel an Okta implementation may wrap when an object
// already exists (Okta's duplicate login).
var ErrConflict = errors.New("object already exists")

// IsConflict reports whether err says that the object to be created already
// exists: err wraps ErrConflict (as Client's CreateUser does for Okta's
// duplicate login), or an error in its chain has a method Conflict() bool
// that returns true (so an Okta implementation can answer without
// importing this package). Both answers survive redact.Error, which
// perform uses to keep passwords out of an operation's error.
func IsConflict(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrConflict) {
		return true
	}
	var c interface{ Conflict() bool }
	return errors.As(err, &c) && c.Conflict()
}

// ErrMastered is wrapped by the error of a profile update that Okta refused
// because another system masters the user's profile (403 E0000023); Client
// wraps it, and apply records the operation as state.OpMastered.
var ErrMastered = errors.New("the user's profile is mastered by another system")

// ErrPending is wrapped by the error of a call that Okta refused because
// the user has an activation or deactivation in flight (409 E0000112);
// Client wraps it. Apply tries such a call again for up to
// Options.PendingWait, then records it as state.OpPending.
var ErrPending = errors.New("the user's status is still changing in Okta")
