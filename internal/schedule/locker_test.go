package schedule

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jonboulle/clockwork"

	"github.com/oktasync/oktasync/internal/state"
)

const defaultTestPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// pgReplicas opens two PostgreSQL stores on one fresh schema, as two
// replicas of serve would. It skips when PostgreSQL is unreachable outside
// CI and fails in CI.
func pgReplicas(t *testing.T) (state.Store, state.Store) {
	t.Helper()
	url := os.Getenv("OKTASYNC_TEST_POSTGRES_URL")
	if url == "" {
		url = defaultTestPostgresURL
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("test PostgreSQL unreachable (set OKTASYNC_TEST_POSTGRES_URL): %v", err)
		}
		t.Skipf("test PostgreSQL unreachable (set OKTASYNC_TEST_POSTGRES_URL): %v", err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "oktasync_sched_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{schema}.Sanitize()+` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	open := func() state.Store {
		s, err := state.Open(ctx, url, state.Options{Schema: schema, AutoMigrate: true})
		if err != nil {
			t.Fatalf("open state store: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	return open(), open()
}

func TestStoreLockerExcludesOtherReplicas(t *testing.T) {
	t.Parallel()
	a, b := pgReplicas(t)
	ctx := context.Background()
	la := &StoreLocker{Store: a, Org: "example.okta.com"}
	lb := &StoreLocker{Store: b, Org: "example.okta.com"}

	lock, err := la.Lock(ctx, "sync")
	if err != nil {
		t.Fatalf("replica A: %v", err)
	}
	if _, err := lb.Lock(ctx, "sync"); !errors.Is(err, state.ErrLocked) {
		t.Fatalf("replica B while A holds the lock: err = %v, want state.ErrLocked", err)
	}
	// The schedule lock is not the run lock: a sync can still take that.
	unlockRun, err := b.Lock(ctx, "example.okta.com", 0)
	if err != nil {
		t.Fatalf("run lock while the schedule lock is held: %v", err)
	}
	if err := unlockRun(); err != nil {
		t.Fatal(err)
	}
	if err := lock.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
	lock, err = lb.Lock(ctx, "sync")
	if err != nil {
		t.Fatalf("replica B after A released: %v", err)
	}
	if err := lock.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestStoreLockerMinHold(t *testing.T) {
	t.Parallel()
	a, b := pgReplicas(t)
	ctx := context.Background()
	la := &StoreLocker{Store: a, Org: "example.okta.com", MinHold: time.Hour}
	lb := &StoreLocker{Store: b, Org: "example.okta.com"}

	lock, err := la.Lock(ctx, "sync")
	if err != nil {
		t.Fatal(err)
	}
	if err := lock.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
	// A replica whose tick comes a little late still finds the lock held.
	if _, err := lb.Lock(ctx, "sync"); !errors.Is(err, state.ErrLocked) {
		t.Fatalf("within the minimum hold: err = %v, want state.ErrLocked", err)
	}
	if err := la.Close(); err != nil {
		t.Fatal(err)
	}
	lock, err = lb.Lock(ctx, "sync")
	if err != nil {
		t.Fatalf("after Close released the held lock: %v", err)
	}
	_ = lock.Unlock(ctx)
}

// TestSchedulersRunATickOnce runs two gocron schedulers, as two replicas,
// on one fake clock: at the tick, one runs the job and the other is refused
// the lock.
func TestSchedulersRunATickOnce(t *testing.T) {
	t.Parallel()
	a, b := pgReplicas(t)
	clock := clockwork.NewFakeClockAt(time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC))

	type event struct {
		replica string
		ran     bool
		err     error
	}
	events := make(chan event, 4)
	var schedulers []gocron.Scheduler
	var lockers []*StoreLocker
	for _, r := range []struct {
		name  string
		store state.Store
	}{{"a", a}, {"b", b}} {
		l := &StoreLocker{Store: r.store, Org: "example.okta.com", MinHold: time.Hour}
		lockers = append(lockers, l)
		s, err := gocron.NewScheduler(gocron.WithClock(clock), gocron.WithDistributedLocker(l))
		if err != nil {
			t.Fatal(err)
		}
		schedulers = append(schedulers, s)
		_, err = s.NewJob(gocron.DurationJob(time.Minute),
			gocron.NewTask(func() { events <- event{replica: r.name, ran: true} }),
			gocron.WithName("sync"),
			gocron.WithSingletonMode(gocron.LimitModeReschedule),
			gocron.WithEventListeners(
				gocron.AfterLockError(func(_ uuid.UUID, _ string, err error) { events <- event{replica: r.name, err: err} }),
			),
		)
		if err != nil {
			t.Fatal(err)
		}
		s.Start()
	}
	t.Cleanup(func() {
		for _, s := range schedulers {
			_ = s.Shutdown()
		}
		for _, l := range lockers {
			_ = l.Close()
		}
	})
	// Both schedulers wait on a timer for the first tick.
	if err := clock.BlockUntilContext(context.Background(), 2); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)

	ran, refused := 0, 0
	for range 2 {
		e := <-events
		switch {
		case e.ran:
			ran++
		case errors.Is(e.err, state.ErrLocked):
			refused++
		default:
			t.Errorf("replica %s: unexpected lock error %v", e.replica, e.err)
		}
	}
	if ran != 1 || refused != 1 {
		t.Errorf("at one tick: %d replicas ran the job and %d were refused; want 1 and 1", ran, refused)
	}
}

// TestStoreLockerSQLite checks the locker over the embedded store in one
// process: a second handle on the same file is refused.
func TestStoreLockerSQLite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := "sqlite://" + filepath.Join(t.TempDir(), "state.db")
	var stores []state.Store
	for range 2 {
		s, err := state.Open(ctx, url, state.Options{AutoMigrate: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		stores = append(stores, s)
	}
	la := &StoreLocker{Store: stores[0], Org: "o"}
	lb := &StoreLocker{Store: stores[1], Org: "o"}
	lock, err := la.Lock(ctx, "sync")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lb.Lock(ctx, "sync"); !errors.Is(err, state.ErrLocked) {
		t.Errorf("second handle: err = %v, want state.ErrLocked", err)
	}
	if err := lock.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
}
