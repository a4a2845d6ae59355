package state_test

import (
	"context"
	"errors"
	neturl "net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/oktasync/oktasync/internal/pgtest"
	"github.com/oktasync/oktasync/internal/state"
	"github.com/oktasync/oktasync/internal/state/statetest"
)

// withPoolSize caps the pool so that many parallel tests stay within the
// server's connection limit.
func withPoolSize(url string, n string) string {
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	return url + sep + "pool_max_conns=" + n
}

// postgresOpener opens Stores on one schema per test.
func postgresOpener() statetest.Opener {
	var mu sync.Mutex
	schemas := make(map[*testing.T]string)
	return func(t *testing.T, opts state.Options) state.Store {
		t.Helper()
		url := pgtest.URL(t)
		mu.Lock()
		schema, ok := schemas[t]
		if !ok {
			schema = pgtest.SchemaName(t, "oktasync_test")
			schemas[t] = schema
		}
		mu.Unlock()
		opts.Schema, opts.AutoMigrate = schema, true
		s, err := state.Open(t.Context(), withPoolSize(url, "3"), opts)
		if err != nil {
			t.Fatalf("open postgres store in schema %s: %v", schema, err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
}

func TestPostgresStore(t *testing.T) {
	t.Parallel()
	statetest.RunStoreSuite(t, postgresOpener())
}

func TestPostgresMigrate(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	ctx := t.Context()
	schema := pgtest.SchemaName(t, "oktasync_test")
	opts := state.Options{Schema: schema}

	if _, err := state.Open(ctx, url, opts); !errors.Is(err, state.ErrMigrationsPending) {
		t.Fatalf("Open without AutoMigrate on a new schema = %v, want ErrMigrationsPending", err)
	}
	applied, err := state.Migrate(ctx, url, opts)
	if err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	if len(applied) == 0 || applied[0] != "0001_init" {
		t.Errorf("Migrate applied %v, want 0001_init first", applied)
	}
	again, err := state.Migrate(ctx, url, opts)
	if err != nil || len(again) != 0 {
		t.Errorf("second Migrate = %v, %v; want nothing applied", again, err)
	}
	s, err := state.Open(ctx, url, opts)
	if err != nil {
		t.Fatalf("Open without AutoMigrate on a migrated schema: %v", err)
	}
	s.Close()
}

// Processes starting together on a fresh schema all migrate it; exactly
// one applies each migration.
func TestPostgresConcurrentMigrate(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	schema := pgtest.SchemaName(t, "oktasync_test")
	const n = 4
	results := make(chan []string, n)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			applied, err := state.Migrate(t.Context(), withPoolSize(url, "2"), state.Options{Schema: schema})
			if err != nil {
				errs <- err
				return
			}
			results <- applied
		})
	}
	wg.Wait()
	close(results)
	close(errs)
	for err := range errs {
		t.Errorf("concurrent Migrate: %v", err)
	}
	count := make(map[string]int)
	for r := range results {
		for _, name := range r {
			count[name]++
		}
	}
	if count["0001_init"] != 1 {
		t.Errorf("0001_init applied %d times, want once", count["0001_init"])
	}
}

func TestPostgresSchemaValidation(t *testing.T) {
	t.Parallel()
	tests := []string{`Bad`, `x"; DROP TABLE runs; --`, `1abc`, `with space`, strings.Repeat("a", 64)}
	for _, schema := range tests {
		// The check comes before any connection, so an unreachable
		// server does not matter.
		_, err := state.Open(t.Context(), "postgres://postgres@127.0.0.1:1/none", state.Options{Schema: schema})
		if !errors.Is(err, state.ErrBadSchema) {
			t.Errorf("Open with schema %q = %v, want ErrBadSchema", schema, err)
		}
	}
}

// Locks of different orgs, and of one org in different schemas, are
// independent.
func TestPostgresLockScope(t *testing.T) {
	t.Parallel()
	open := postgresOpener()
	s1, s2 := open(t, state.Options{}), open(t, state.Options{})
	u1, err := s1.Lock(t.Context(), "a.okta.example", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer u1()
	u2, err := s2.Lock(t.Context(), "b.okta.example", 0)
	if err != nil {
		t.Fatalf("lock of another org: %v", err)
	}
	defer u2()

	url := pgtest.URL(t)
	otherSchema := pgtest.SchemaName(t, "oktasync_test")
	s3, err := state.Open(t.Context(), withPoolSize(url, "2"), state.Options{Schema: otherSchema, AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s3.Close()
	u3, err := s3.Lock(t.Context(), "a.okta.example", 0)
	if err != nil {
		t.Fatalf("lock of the same org in another schema: %v", err)
	}
	defer u3()
}

func TestPostgresConnectErrorHidesPassword(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	_, err := state.Open(ctx, "postgres://postgres:hunter2secret@127.0.0.1:1/none?connect_timeout=2", state.Options{})
	if err == nil {
		t.Fatal("Open of an unreachable server: no error")
	}
	if strings.Contains(err.Error(), "hunter2secret") {
		t.Errorf("error repeats the password: %v", err)
	}
}

// A role that may not create schemas can use a schema made for it.
func TestPostgresReadyMadeSchema(t *testing.T) {
	t.Parallel()
	admin := pgtest.URL(t)
	ctx := t.Context()
	conn := pgtest.Connect(t)
	schema := pgtest.SchemaName(t, "oktasync_test")
	role := schema + "_role"
	r, s := pgx.Identifier{role}.Sanitize(), pgx.Identifier{schema}.Sanitize()
	if _, err := conn.Exec(ctx, `CREATE ROLE `+r+` LOGIN`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Runs before pgtest's cleanups, while conn is open: drop what
		// the role owns (its schema), then the role.
		for _, stmt := range []string{`DROP OWNED BY ` + r + ` CASCADE`, `DROP ROLE ` + r} {
			if _, err := conn.Exec(context.Background(), stmt); err != nil {
				t.Errorf("%s: %v", stmt, err)
			}
		}
	})
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+s+` AUTHORIZATION `+r); err != nil {
		t.Fatal(err)
	}

	u, err := neturl.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.User = neturl.User(role)
	st, err := state.Open(ctx, u.String(), state.Options{Schema: schema, AutoMigrate: true})
	if err != nil {
		t.Fatalf("open as %s with a ready-made schema: %v", role, err)
	}
	defer st.Close()
	if _, err := st.BeginRun(ctx, state.Run{Org: "a.okta.example"}); err != nil {
		t.Fatalf("BeginRun as %s: %v", role, err)
	}
}
