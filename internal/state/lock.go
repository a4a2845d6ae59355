package state

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/gofrs/flock"
)

// lockPollInterval is how often a waiting Lock tries again.
const lockPollInterval = 100 * time.Millisecond

// locker is the run lock of one store.
type locker interface {
	lock(ctx context.Context, org string, wait time.Duration) (unlock func() error, err error)
}

// pollLock calls try until it succeeds, wait has passed, or ctx ends. It
// reports whether try succeeded; a done ctx is an error wrapping ctx.Err().
func pollLock(ctx context.Context, wait time.Duration, try func() (bool, error)) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("wait for state lock: %w", err)
	}
	ok, err := try()
	if err != nil || ok || wait <= 0 {
		return ok, err
	}
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	tick := time.NewTicker(lockPollInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return false, fmt.Errorf("wait for state lock: %w", ctx.Err())
		case <-deadline.C:
			return try()
		case <-tick.C:
			if ok, err := try(); err != nil || ok {
				return ok, err
			}
		}
	}
}

// onceUnlock makes an unlock function safe to call more than once; calls
// after the first return nil.
func onceUnlock(f func() error) func() error {
	var once sync.Once
	return func() error {
		err := error(nil)
		once.Do(func() { err = f() })
		return err
	}
}

// fileLocker is the SQLite run lock: an exclusive flock on one file beside
// the database, holding a description of its holder. The lock is released
// by the kernel if the process dies.
type fileLocker struct {
	path string
}

func newFileLocker(path string) *fileLocker { return &fileLocker{path: path} }

func (l *fileLocker) lock(ctx context.Context, org string, wait time.Duration) (func() error, error) {
	f := flock.New(l.path, flock.SetPermissions(0o600))
	ok, err := pollLock(ctx, wait, f.TryLock)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s for %s: %w", l.path, org, err)
	}
	if !ok {
		f.Close()
		return nil, &LockedError{Org: org, Holder: l.holder(org)}
	}
	content := holderDescription(time.Now()) + "\n" + org + "\n"
	if err := os.WriteFile(l.path, []byte(content), 0o600); err != nil {
		f.Unlock()
		f.Close()
		return nil, fmt.Errorf("lock %s for %s: write holder: %w", l.path, org, err)
	}
	return onceUnlock(func() error {
		// Clear the description while still holding the lock, so a
		// reader never sees a stale holder for a free lock.
		truncErr := os.Truncate(l.path, 0)
		if err := f.Unlock(); err != nil {
			f.Close()
			return fmt.Errorf("unlock %s for %s: %w", l.path, org, err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("unlock %s for %s: %w", l.path, org, err)
		}
		if truncErr != nil {
			return fmt.Errorf("unlock %s for %s: clear holder: %w", l.path, org, truncErr)
		}
		return nil
	}), nil
}

// holder reads the description the current holder wrote.
func (l *fileLocker) holder(org string) string {
	b, err := os.ReadFile(l.path)
	if err != nil {
		return fmt.Sprintf("unknown holder (%v)", err)
	}
	desc, holderOrg, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	if desc == "" {
		return "unknown holder (it has not yet described itself)"
	}
	if holderOrg != "" && holderOrg != org {
		desc += " (running for " + holderOrg + ")"
	}
	return desc
}

// memLocker is the run lock of a private in-memory database, which no
// other process can open.
type memLocker struct {
	sem    chan struct{}
	mu     sync.Mutex
	holder string
}

func newMemLocker() *memLocker { return &memLocker{sem: make(chan struct{}, 1)} }

func (l *memLocker) lock(ctx context.Context, org string, wait time.Duration) (func() error, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("lock %s: %w", org, err)
	}
	acquired := false
	select {
	case l.sem <- struct{}{}:
		acquired = true
	default:
	}
	if !acquired && wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case l.sem <- struct{}{}:
			acquired = true
		case <-ctx.Done():
			return nil, fmt.Errorf("lock %s: %w", org, ctx.Err())
		case <-t.C:
		}
	}
	if !acquired {
		l.mu.Lock()
		h := l.holder
		l.mu.Unlock()
		return nil, &LockedError{Org: org, Holder: h}
	}
	l.mu.Lock()
	l.holder = holderDescription(time.Now())
	l.mu.Unlock()
	return onceUnlock(func() error {
		l.mu.Lock()
		l.holder = ""
		l.mu.Unlock()
		<-l.sem
		return nil
	}), nil
}

// heldLocks tracks a store's locks not yet released, so that Close can
// release them.
type heldLocks struct {
	mu   sync.Mutex
	next uint64
	m    map[uint64]func() error
}

// add registers unlock and returns the function to hand the caller: it
// releases once, whether called by the caller or by releaseAll.
func (h *heldLocks) add(unlock func() error) func() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.m == nil {
		h.m = make(map[uint64]func() error)
	}
	id := h.next
	h.next++
	wrapped := onceUnlock(func() error {
		h.mu.Lock()
		delete(h.m, id)
		h.mu.Unlock()
		return unlock()
	})
	h.m[id] = wrapped
	return wrapped
}

// releaseAll releases every lock still held.
func (h *heldLocks) releaseAll() error {
	h.mu.Lock()
	fs := make([]func() error, 0, len(h.m))
	for _, f := range h.m {
		fs = append(fs, f)
	}
	h.mu.Unlock()
	var errs []error
	for _, f := range fs {
		if err := f(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
