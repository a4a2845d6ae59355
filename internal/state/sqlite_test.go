package state_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/oktasync/oktasync/internal/directory"
	"github.com/oktasync/oktasync/internal/state"
	"github.com/oktasync/oktasync/internal/state/statetest"
)

// sqliteOpener opens Stores on one SQLite file per test.
func sqliteOpener() statetest.Opener {
	var mu sync.Mutex
	paths := make(map[*testing.T]string)
	return func(t *testing.T, opts state.Options) state.Store {
		t.Helper()
		mu.Lock()
		path, ok := paths[t]
		if !ok {
			path = filepath.Join(t.TempDir(), "state.db")
			paths[t] = path
		}
		mu.Unlock()
		opts.AutoMigrate = true
		s, err := state.Open(t.Context(), "sqlite://"+path, opts)
		if err != nil {
			t.Fatalf("open %s: %v", path, err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
}

// memoryOpener opens one in-memory Store per test, with the options of
// the first call, and returns that same Store to every call, as no second
// Store can see a private memory database.
func memoryOpener() statetest.Opener {
	var mu sync.Mutex
	stores := make(map[*testing.T]state.Store)
	return func(t *testing.T, opts state.Options) state.Store {
		t.Helper()
		mu.Lock()
		defer mu.Unlock()
		if s, ok := stores[t]; ok {
			return s
		}
		opts.AutoMigrate = true
		s, err := state.Open(t.Context(), "sqlite::memory:", opts)
		if err != nil {
			t.Fatalf("open memory store: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		stores[t] = s
		return s
	}
}

func TestSQLiteStore(t *testing.T) {
	t.Parallel()
	statetest.RunStoreSuite(t, sqliteOpener())
}

func TestMemoryStore(t *testing.T) {
	t.Parallel()
	statetest.RunStoreSuite(t, memoryOpener())
}

func TestSQLiteMigrate(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	url := "sqlite://" + filepath.Join(t.TempDir(), "sub", "dir", "state.db")

	if _, err := state.Open(ctx, url, state.Options{}); !errors.Is(err, state.ErrMigrationsPending) {
		t.Fatalf("Open without AutoMigrate on a new database = %v, want ErrMigrationsPending", err)
	}
	applied, err := state.Migrate(ctx, url, state.Options{})
	if err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	if len(applied) == 0 || applied[0] != "0001_init" {
		t.Errorf("Migrate applied %v, want 0001_init first", applied)
	}
	again, err := state.Migrate(ctx, url, state.Options{})
	if err != nil || len(again) != 0 {
		t.Errorf("second Migrate = %v, %v; want nothing applied", again, err)
	}
	s, err := state.Open(ctx, url, state.Options{})
	if err != nil {
		t.Fatalf("Open without AutoMigrate on a migrated database: %v", err)
	}
	s.Close()
}

func TestSQLitePersists(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	url := "sqlite://" + filepath.Join(t.TempDir(), "state.db")
	s, err := state.Open(ctx, url, state.Options{AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.BeginRun(ctx, state.Run{Org: "a.okta.example"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	s, err = state.Open(ctx, url, state.Options{AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	runs, err := s.Runs(ctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].ID != id {
		t.Errorf("after reopening, Runs = %+v, want run %d", runs, id)
	}
}

func TestSQLiteLockFileNamesHolder(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := state.Open(t.Context(), "sqlite://"+path, state.Options{AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	unlock, err := s.Lock(t.Context(), "a.okta.example", 0)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path + ".lock")
	if err != nil {
		t.Fatalf("read lock file: %v", err)
	}
	if want := fmt.Sprintf("pid %d on host ", os.Getpid()); !strings.HasPrefix(string(b), want) {
		t.Errorf("lock file = %q, want it to start %q", b, want)
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
}

func TestOpenURLs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url     string
		wantErr error
	}{
		{"mysql://u:secret@host/db", state.ErrUnknownURL},
		{"sqlite://", state.ErrUnknownURL},
		{"sqlite://state.db?mode=ro", state.ErrUnknownURL},
		{"", state.ErrUnknownURL},
	}
	for _, tc := range tests {
		_, err := state.Open(t.Context(), tc.url, state.Options{})
		if !errors.Is(err, tc.wantErr) {
			t.Errorf("Open(%q) = %v, want %v", tc.url, err, tc.wantErr)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("Open(%q) error repeats the password: %v", tc.url, err)
		}
	}
}

func TestSQLiteRelativeURL(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	s, err := state.Open(t.Context(), "sqlite://rel/state.db", state.Options{AutoMigrate: true})
	if err != nil {
		t.Fatalf("Open relative: %v", err)
	}
	s.Close()
	if _, err := os.Stat(filepath.Join(dir, "rel", "state.db")); err != nil {
		t.Errorf("relative database not created under the working directory: %v", err)
	}
}

// The store keys owned users as directory.LoginKey does.
func TestOwnedKeyMatchesDirectory(t *testing.T) {
	t.Parallel()
	s, err := state.Open(t.Context(), "sqlite::memory:", state.Options{AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	logins := []string{"JDoe@Example.COM", "  padded@example.com ", "ÅSA@example.com"}
	var users []state.OwnedUser
	for _, l := range logins {
		users = append(users, state.OwnedUser{Login: l})
	}
	if err := s.AddOwned(t.Context(), "a.okta.example", users); err != nil {
		t.Fatal(err)
	}
	owned, err := s.Owned(t.Context(), "a.okta.example")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range logins {
		if _, ok := owned[directory.LoginKey(l)]; !ok {
			t.Errorf("Owned has no key %q for login %q; keys: %v", directory.LoginKey(l), l, owned)
		}
	}
}

// Processes starting together on a new database file all migrate it;
// exactly one applies each migration.
func TestSQLiteConcurrentMigrate(t *testing.T) {
	t.Parallel()
	url := "sqlite://" + filepath.Join(t.TempDir(), "state.db")
	const n = 4
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		count = make(map[string]int)
	)
	for range n {
		wg.Go(func() {
			applied, err := state.Migrate(t.Context(), url, state.Options{})
			if err != nil {
				t.Errorf("concurrent Migrate: %v", err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			for _, name := range applied {
				count[name]++
			}
		})
	}
	wg.Wait()
	if count["0001_init"] != 1 {
		t.Errorf("0001_init applied %d times, want once", count["0001_init"])
	}
}
