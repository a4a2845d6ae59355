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
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jonboulle/clockwork"
)

// lockPollInterval is how often a waiting Lock tries again.
const lockPollInterval = 100 * time.Millisecond

// locker is the run lock of one store.
type locker interface {
	lock(ctx context.Context, org string, wait time.Duration) (unlock func() error, err error)
}

// pollLock calls try until it succeeds, wait has passed on clock, or ctx
// ends. It reports whether try succeeded; a done ctx is an error wrapping
// ctx.Err(). Between tries it waits on one timer of clock at a time,
// started only once try has failed; the last try comes when wait has
// passed.
func pollLock(ctx context.Context, clock clockwork.Clock, wait time.Duration, try func() (bool, error)) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("wait for state lock: %w", err)
	}
	ok, err := try()
	if err != nil || ok || wait <= 0 {
		return ok, err
	}
	deadline := clock.Now().Add(wait)
	for {
		timer := clock.NewTimer(min(lockPollInterval, clock.Until(deadline)))
		select {
		case <-ctx.Done():
			timer.Stop()
			return false, fmt.Errorf("wait for state lock: %w", ctx.Err())
		case <-timer.Chan():
		}
		ok, err := try()
		if err != nil || ok || !clock.Now().Before(deadline) {
			return ok, err
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
	path  string
	clock clockwork.Clock // paces waiting
}

func (l *fileLocker) lock(ctx context.Context, org string, wait time.Duration) (func() error, error) {
	f := flock.New(l.path, flock.SetPermissions(0o600))
	ok, err := pollLock(ctx, l.clock, wait, f.TryLock)
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
	clock  clockwork.Clock // times the wait
	mu     sync.Mutex
	holder string
}

func newMemLocker(clock clockwork.Clock) *memLocker {
	return &memLocker{sem: make(chan struct{}, 1), clock: clock}
}

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
		t := l.clock.NewTimer(wait)
		defer t.Stop()
		select {
		case l.sem <- struct{}{}:
			acquired = true
		case <-ctx.Done():
			return nil, fmt.Errorf("lock %s: %w", org, ctx.Err())
		case <-t.Chan():
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

// advisoryLocker is the PostgreSQL run lock: a session advisory lock keyed
// by the schema and org, held on a connection taken out of the pool for
// the lock's life. The holder's description is kept in the locks table;
// if the process dies its connection closes and PostgreSQL releases the
// lock.
type advisoryLocker struct {
	pool   *pgxpool.Pool
	schema string
	clock  clockwork.Clock // paces waiting
}

func (l *advisoryLocker) lock(ctx context.Context, org string, wait time.Duration) (func() error, error) {
	key := advisoryKey("oktasync-run", l.schema, org)
	pc, err := l.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("lock %s: get a connection: %w", org, err)
	}
	conn := pc.Hijack()
	closeConn := func() {
		cctx, cancel := context.WithTimeout(context.Background(), pgUnlockTimeout)
		defer cancel()
		conn.Close(cctx)
	}
	ok, err := pollLock(ctx, l.clock, wait, func() (bool, error) {
		var ok bool
		if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&ok); err != nil {
			return false, fmt.Errorf("try advisory lock: %w", err)
		}
		return ok, nil
	})
	if err != nil {
		closeConn()
		return nil, fmt.Errorf("lock %s: %w", org, err)
	}
	if !ok {
		closeConn()
		return nil, &LockedError{Org: org, Holder: l.holder(ctx, org)}
	}
	holder := holderDescription(time.Now())
	if _, err := conn.Exec(ctx, `INSERT INTO locks (org, holder, acquired_at) VALUES ($1, $2, now())
		ON CONFLICT (org) DO UPDATE SET holder = excluded.holder, acquired_at = excluded.acquired_at`, org, holder); err != nil {
		closeConn()
		return nil, fmt.Errorf("lock %s: record holder: %w", org, err)
	}
	return onceUnlock(func() error {
		uctx, cancel := context.WithTimeout(context.Background(), pgUnlockTimeout)
		defer cancel()
		_, delErr := conn.Exec(uctx, `DELETE FROM locks WHERE org = $1 AND holder = $2`, org, holder)
		// Closing the session releases the advisory lock even if the
		// explicit unlock fails.
		_, unlockErr := conn.Exec(uctx, `SELECT pg_advisory_unlock($1)`, key)
		closeErr := conn.Close(uctx)
		if err := errors.Join(delErr, unlockErr, closeErr); err != nil {
			return fmt.Errorf("unlock %s: %w", org, err)
		}
		return nil
	}), nil
}

// holder reads who holds org's lock, for a LockedError.
func (l *advisoryLocker) holder(ctx context.Context, org string) string {
	var h string
	err := l.pool.QueryRow(ctx, `SELECT holder FROM locks WHERE org = $1`, org).Scan(&h)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return "unknown holder (it has not yet described itself)"
	case err != nil:
		return fmt.Sprintf("unknown holder (%v)", err)
	}
	return h
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
