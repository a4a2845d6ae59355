package schedule

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"

	"github.com/oktasync/oktasync/internal/state"
)

// LockName is the name under which StoreLocker takes the state store's
// lock for job in org. It differs from org, the name of the run lock.
func LockName(org, job string) string { return org + "#schedule:" + job }

// StoreLocker is a gocron.Locker over a state store's lock. See the
// package documentation for how it keeps replicas from running a tick
// twice.
type StoreLocker struct {
	// Store holds the lock (a state.Store, or any state.Locker); it must
	// stay open while the locker is used.
	Store state.Locker
	// Org is the org key (reconcile.OrgKey) the lock belongs to.
	Org string
	// MinHold is the least time a taken lock is kept.
	MinHold time.Duration
	// Logger receives a debug record per lock; nil discards them.
	Logger *slog.Logger

	mu      sync.Mutex
	pending map[*time.Timer]func() error
	now     func() time.Time
}

var _ gocron.Locker = (*StoreLocker)(nil)

// Lock takes the lock for key without waiting. When another process holds
// it, the error wraps state.ErrLocked and gocron skips the run.
func (l *StoreLocker) Lock(ctx context.Context, key string) (gocron.Lock, error) {
	unlock, err := l.Store.Lock(ctx, LockName(l.Org, key), 0)
	if err != nil {
		l.logger().Debug("scheduled sync skipped: lock not taken", "job", key, "err", err)
		return nil, fmt.Errorf("take schedule lock for %s: %w", key, err)
	}
	return &storeLock{l: l, key: key, unlock: unlock, taken: l.clock()}, nil
}

// Close releases the locks still held for their minimum hold. Call it
// after the scheduler has stopped.
func (l *StoreLocker) Close() error {
	l.mu.Lock()
	pending := l.pending
	l.pending = nil
	l.mu.Unlock()
	// A timer that already fired finds its entry gone and leaves the
	// release to this loop.
	var first error
	for t, release := range pending {
		t.Stop()
		if err := release(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (l *StoreLocker) logger() *slog.Logger {
	if l.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l.Logger
}

func (l *StoreLocker) clock() time.Time {
	if l.now != nil {
		return l.now()
	}
	return time.Now()
}

// storeLock is one taken schedule lock.
type storeLock struct {
	l      *StoreLocker
	key    string
	unlock func() error
	taken  time.Time
}

// Unlock releases the lock, at once when it was held for MinHold, else in
// the background when MinHold has passed.
func (s *storeLock) Unlock(context.Context) error {
	rest := s.l.MinHold - s.l.clock().Sub(s.taken)
	if rest <= 0 {
		return s.release()
	}
	s.l.mu.Lock()
	defer s.l.mu.Unlock()
	var t *time.Timer
	t = time.AfterFunc(rest, func() {
		s.l.mu.Lock()
		_, ok := s.l.pending[t]
		delete(s.l.pending, t)
		s.l.mu.Unlock()
		if ok {
			if err := s.release(); err != nil {
				s.l.logger().Warn("release schedule lock", "job", s.key, "err", err)
			}
		}
	})
	if s.l.pending == nil {
		s.l.pending = make(map[*time.Timer]func() error)
	}
	s.l.pending[t] = s.release
	return nil
}

func (s *storeLock) release() error {
	if err := s.unlock(); err != nil {
		return fmt.Errorf("release schedule lock for %s: %w", s.key, err)
	}
	return nil
}
