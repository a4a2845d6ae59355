package state_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/jackc/pgx/v5"

	"github.com/oktasync/oktasync/internal/pgtest"
	"github.com/oktasync/oktasync/internal/state"
)

// release1 is what testdata/release1 holds: the records oktasync's first
// release wrote, as this release must read them.
var release1 = struct {
	runs  []state.Run
	ops   []state.OpRecord
	owned map[string]state.OwnedUser
}{
	runs: []state.Run{
		{ID: 2, Org: "a.okta.example", DryRun: true, Status: state.RunRunning,
			StartedAt: time.Date(2026, 11, 29, 10, 30, 15, 123456000, time.UTC), Counts: map[string]int{}},
		{ID: 1, Org: "a.okta.example", Status: state.RunPartial,
			StartedAt:  time.Date(2026, 11, 29, 9, 30, 15, 123456000, time.UTC),
			FinishedAt: time.Date(2026, 11, 29, 9, 45, 0, 0, time.UTC),
			Counts:     map[string]int{"applied": 1, "failed": 1, "users.create": 2},
			Error:      "1 operation failed", ConfigDigest: "sha256:abc"},
	},
	ops: []state.OpRecord{
		{RunID: 1, Seq: 0, Action: "create-user", Target: "jdoe@example.com", Outcome: state.OpApplied, OktaID: "00u1",
			At: time.Date(2026, 11, 29, 9, 30, 16, 123456000, time.UTC)},
		{RunID: 1, Seq: 1, Action: "create-user", Target: "asmith@example.com", Outcome: state.OpFailed, Error: "E0000001",
			At: time.Date(2026, 11, 29, 9, 30, 17, 123456000, time.UTC)},
	},
	owned: map[string]state.OwnedUser{
		"jdoe@example.com": {Login: "JDoe@Example.com", OktaID: "00u1",
			CreatedAt: time.Date(2026, 11, 29, 9, 30, 15, 123456000, time.UTC)},
		"old@example.com": {Login: "old@example.com", OktaID: "00u9",
			CreatedAt:     time.Date(2026, 11, 29, 9, 30, 15, 123456000, time.UTC),
			DeactivatedAt: time.Date(2026, 11, 29, 9, 31, 15, 123456000, time.UTC)},
	},
}

// readFixture returns testdata/release1/name.
func readFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "release1", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// loadSQLiteRelease1 writes the first release's SQLite database to a new
// file and returns the store URL that opens it.
func loadSQLiteRelease1(t *testing.T) (string, state.Options) {
	path := filepath.Join(t.TempDir(), "state.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(t.Context(), readFixture(t, "sqlite.sql")); err != nil {
		t.Fatalf("load sqlite.sql: %v", err)
	}
	return "sqlite://" + path, state.Options{}
}

// loadPostgresRelease1 writes the first release's PostgreSQL schema to a
// new schema and returns the store URL and options that open it.
func loadPostgresRelease1(t *testing.T) (string, state.Options) {
	schema := pgtest.Schema(t, "oktasync_release1")
	conn, err := pgx.Connect(t.Context(), pgtest.SchemaURL(t, schema))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(t.Context(), readFixture(t, "postgres.sql")); err != nil {
		t.Fatalf("load postgres.sql: %v", err)
	}
	return pgtest.URL(t), state.Options{Schema: schema}
}

// sinceRelease1 are the migrations added since the first release.
var sinceRelease1 = []string{"0002_held_plans", "0003_rate_shares", "0004_managed_groups", "0005_incremental", "0006_app_assignments", "0007_manager_links", "0008_leaver_suspensions"}

// A state database written by the first release takes the migrations
// added since, and then reads back what that release wrote and takes new
// records.
func TestPreviousReleaseDatabase(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		load func(t *testing.T) (string, state.Options)
	}{
		{"sqlite", loadSQLiteRelease1},
		{"postgres", loadPostgresRelease1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			url, opts := tc.load(t)
			ctx := t.Context()
			if applied, err := state.Migrate(ctx, url, opts); err != nil || !cmp.Equal(applied, sinceRelease1) {
				t.Fatalf("Migrate of a first-release database = %v, %v; want %v", applied, err, sinceRelease1)
			}
			if again, err := state.Migrate(ctx, url, opts); err != nil || len(again) != 0 {
				t.Fatalf("second Migrate = %v, %v; want nothing to apply", again, err)
			}
			s, err := state.Open(ctx, url, opts)
			if err != nil {
				t.Fatalf("Open without AutoMigrate: %v", err)
			}
			defer s.Close()
			checkRelease1(t, s)

			// New records continue the first release's.
			id, err := s.BeginRun(ctx, state.Run{Org: "a.okta.example"})
			if err != nil {
				t.Fatal(err)
			}
			if id != 3 {
				t.Errorf("BeginRun id = %d, want 3 (after the first release's runs 1 and 2)", id)
			}
			runs, err := s.Runs(ctx, "a.okta.example", 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(runs) != 3 || runs[1].ID != 2 || runs[1].Status != state.RunInterrupted {
				t.Errorf("after BeginRun, Runs = %+v; want run 2, left running by the first release, interrupted", runs)
			}
			if err := s.MarkDeactivated(ctx, "a.okta.example", "OLD@example.com", time.Time{}); err != nil {
				t.Fatal(err)
			}
			owned, err := s.Owned(ctx, "a.okta.example")
			if err != nil {
				t.Fatal(err)
			}
			if got := owned["old@example.com"]; !got.DeactivatedAt.IsZero() || got.OktaID != "00u9" {
				t.Errorf("first-release user after reactivation = %+v, want it owned and not deactivated", got)
			}
		})
	}
}

// checkRelease1 checks that s reads back the records of release1.
func checkRelease1(t *testing.T, s state.Store) {
	t.Helper()
	ctx := t.Context()
	opts := []cmp.Option{cmpopts.EquateEmpty(), cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })}
	runs, err := s.Runs(ctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(release1.runs, runs, opts...); d != "" {
		t.Errorf("Runs of a first-release database (-want +got):\n%s", d)
	}
	ops, err := s.Operations(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(release1.ops, ops, opts...); d != "" {
		t.Errorf("Operations of a first-release database (-want +got):\n%s", d)
	}
	owned, err := s.Owned(ctx, "a.okta.example")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(release1.owned, owned, opts...); d != "" {
		t.Errorf("Owned of a first-release database (-want +got):\n%s", d)
	}
}

// The SQLite store writes times and flags in the form the first release
// reads: RFC 3339 text in UTC, and integers.
func TestSQLiteStoredForm(t *testing.T) {
	t.Parallel()
	url, opts := loadSQLiteRelease1(t)
	opts.AutoMigrate = true
	ctx := t.Context()
	opts.AutoMigrate = true
	s, err := state.Open(ctx, url, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	started := time.Date(2026, 12, 1, 8, 0, 0, 500, time.FixedZone("CET", 3600))
	id, err := s.BeginRun(ctx, state.Run{Org: "a.okta.example", DryRun: true, StartedAt: started})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddOwned(ctx, "a.okta.example", []state.OwnedUser{{Login: "new@example.com", CreatedAt: started, DeactivatedAt: started}}); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", filepath.Clean(url[len("sqlite://"):]))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var gotStarted, dryRunType, gotCreated, gotDeactivated string
	var dryRun int
	if err := db.QueryRowContext(ctx, `SELECT started_at, dry_run, typeof(dry_run) FROM runs WHERE id = ?`, id).Scan(&gotStarted, &dryRun, &dryRunType); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, `SELECT created_at, deactivated_at FROM owned_users WHERE login_key = 'new@example.com'`).Scan(&gotCreated, &gotDeactivated); err != nil {
		t.Fatal(err)
	}
	const want = "2026-12-01T07:00:00.0000005Z"
	for name, got := range map[string]string{"runs.started_at": gotStarted, "owned_users.created_at": gotCreated, "owned_users.deactivated_at": gotDeactivated} {
		if got != want {
			t.Errorf("%s stored as %q, want %q", name, got, want)
		}
	}
	if dryRun != 1 || dryRunType != "integer" {
		t.Errorf("dry_run stored as %s %d, want integer 1", dryRunType, dryRun)
	}
}
