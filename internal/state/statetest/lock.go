package statetest

// The lock tests of the suite.

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/oktasync/oktasync/internal/state"
)

func mustLock(t *testing.T, s state.Store, org string, wait time.Duration) func() error {
	t.Helper()
	unlock, err := s.Lock(t.Context(), org, wait)
	if err != nil {
		t.Fatalf("Lock(%s): %v", org, err)
	}
	return unlock
}

func checkLocked(t *testing.T, err error, org string) {
	t.Helper()
	var le *state.LockedError
	if !errors.As(err, &le) {
		t.Fatalf("Lock of a held lock = %v, want a *state.LockedError", err)
	}
	if !errors.Is(err, state.ErrLocked) {
		t.Errorf("LockedError does not wrap ErrLocked")
	}
	if le.Org != org {
		t.Errorf("LockedError.Org = %q, want %q", le.Org, org)
	}
	if !strings.Contains(le.Holder, "pid ") || !strings.Contains(le.Holder, " since ") {
		t.Errorf("LockedError.Holder = %q, want the holder's pid, host and start time", le.Holder)
	}
}

func testLockExclusion(t *testing.T, open Opener) {
	s1, s2 := open(t, state.Options{}), open(t, state.Options{})
	unlock := mustLock(t, s1, orgA, 0)
	_, err := s2.Lock(t.Context(), orgA, 0)
	checkLocked(t, err, orgA)
	if err := unlock(); err != nil {
		t.Fatalf("unlock: %v", err)
	}
	unlock2 := mustLock(t, s2, orgA, 0)
	_, err = s1.Lock(t.Context(), orgA, 0)
	checkLocked(t, err, orgA)
	if err := unlock2(); err != nil {
		t.Fatalf("unlock: %v", err)
	}
}

// lockResult is what a Lock call returned.
type lockResult struct {
	unlock func() error
	err    error
}

// startWaiter calls s.Lock(ctx, org, wait) in a goroutine and returns the
// channel its result arrives on. clock is the fake clock s was opened
// with: startWaiter returns once that Lock is waiting on it, which it
// does only after being refused. It fails the test if that Lock returns
// instead, as it would if the lock were not exclusive.
func startWaiter(t *testing.T, ctx context.Context, s state.Store, clock *clockwork.FakeClock, org string, wait time.Duration) <-chan lockResult {
	t.Helper()
	got := make(chan lockResult, 1)
	go func() {
		u, err := s.Lock(ctx, org, wait)
		got <- lockResult{u, err}
	}()
	waiting := make(chan error, 1)
	go func() { waiting <- clock.BlockUntilContext(t.Context(), 1) }()
	select {
	case r := <-got:
		if r.unlock != nil {
			r.unlock()
		}
		t.Fatalf("Lock(%s, wait %v) while another holds the lock returned (err %v) without waiting", org, wait, r.err)
	case err := <-waiting:
		if err != nil {
			t.Fatalf("wait for Lock to wait: %v", err)
		}
	}
	return got
}

// A Lock that waits blocks while another holds the lock, and takes it
// once that one releases it.
func testLockWaitGetsLock(t *testing.T, open Opener) {
	clock := clockwork.NewFakeClock()
	s1, s2 := open(t, state.Options{Clock: clock}), open(t, state.Options{Clock: clock})
	unlock := mustLock(t, s1, orgA, 0)
	got := startWaiter(t, t.Context(), s2, clock, orgA, time.Hour)

	// The waiter is refused and waits on the clock, which stands still:
	// it has not returned, and cannot until the lock is released.
	select {
	case r := <-got:
		t.Fatalf("Lock with wait returned (err %v) while the lock was held", r.err)
	default:
	}
	if err := unlock(); err != nil {
		t.Fatalf("unlock: %v", err)
	}
	clock.Advance(time.Minute) // the next try, well within the wait
	r := <-got
	if r.err != nil {
		t.Fatalf("Lock with wait after the holder unlocked: %v", r.err)
	}
	_, err := s1.Lock(t.Context(), orgA, 0)
	checkLocked(t, err, orgA)
	if err := r.unlock(); err != nil {
		t.Fatalf("unlock: %v", err)
	}
}

// A Lock whose wait passes while another holds the lock is refused with
// a *LockedError.
func testLockWaitTimesOut(t *testing.T, open Opener) {
	clock := clockwork.NewFakeClock()
	s1, s2 := open(t, state.Options{Clock: clock}), open(t, state.Options{Clock: clock})
	unlock := mustLock(t, s1, orgA, 0)
	defer unlock()
	got := startWaiter(t, t.Context(), s2, clock, orgA, time.Minute)
	clock.Advance(time.Minute)
	r := <-got
	checkLocked(t, r.err, orgA)
}

// A Lock cancelled while it waits returns the context's error.
func testLockCancelledWait(t *testing.T, open Opener) {
	clock := clockwork.NewFakeClock()
	s1, s2 := open(t, state.Options{Clock: clock}), open(t, state.Options{Clock: clock})
	unlock := mustLock(t, s1, orgA, 0)
	defer unlock()
	ctx, cancel := context.WithCancel(t.Context())
	got := startWaiter(t, ctx, s2, clock, orgA, time.Hour)
	cancel()
	if r := <-got; !errors.Is(r.err, context.Canceled) {
		t.Errorf("Lock whose context is cancelled while waiting = %v, want context.Canceled", r.err)
	}
}

func testUnlockTwice(t *testing.T, open Opener) {
	s := open(t, state.Options{})
	unlock := mustLock(t, s, orgA, 0)
	if err := unlock(); err != nil {
		t.Fatalf("unlock: %v", err)
	}
	if err := unlock(); err != nil {
		t.Errorf("second unlock: %v", err)
	}
	mustLock(t, s, orgA, 0)()
}

func testCloseReleasesLock(t *testing.T, open Opener) {
	s1, s2 := open(t, state.Options{}), open(t, state.Options{})
	if s1 == s2 {
		t.Skip("the opener returns one Store per database")
	}
	unlock := mustLock(t, s1, orgA, 0)
	if err := s1.Close(); err != nil {
		t.Fatalf("Close while holding a lock: %v", err)
	}
	if err := s1.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := unlock(); err != nil {
		t.Errorf("unlock after Close: %v", err)
	}
	mustLock(t, s2, orgA, 0)()
}
