package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oktasync/oktasync/internal/pgtest"
)

// validateConfig is a config for validate tests; each case edits it.
type validateConfig struct {
	orgURL, token, users, stateURL, scope, extra string
}

func (c validateConfig) yaml() string {
	return fmt.Sprintf(`
okta:
  orgUrl: %s
  token: %s
  testing:
    disableHttpsCheck: true
  rateLimit:
    maxRetries: 1
source:
  csv:
    users: %s
scope:
  users: %s
state:
  url: %s
%s`, c.orgURL, c.token, c.users, c.scope, c.stateURL, c.extra)
}

// TestValidate runs `oktasync validate` against the simulator with a good
// config and with one problem of each class, and checks the exit code and
// that the message names the class and the problem precisely.
func TestValidate(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the simulator; skipped with -short")
	}
	t.Parallel()
	const token = "validate-token-91c4"
	sim := startSim(t, token)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "users.csv"), "login,email,firstName,lastName,department,groups\n"+
		"ada@example.com,ada@example.com,Ada,Lovelace,Synced,Engineering;Staff\n"+
		"alan@example.com,alan@example.com,Alan,Turing,Synced,Engineering\n")
	writeFile(t, filepath.Join(dir, "dupes.csv"), "login,email,firstName,lastName\n"+
		"ada@example.com,ada@example.com,Ada,Lovelace\n"+
		"ADA@example.com,ada@example.com,Ada,Lovelace\n")
	writeFile(t, filepath.Join(dir, "not-a-dir"), "")
	good := validateConfig{
		orgURL:   sim.URL,
		token:    token,
		users:    "users.csv",
		stateURL: "sqlite://state.db",
		scope:    `profile.department eq "Synced"`,
	}

	tests := []struct {
		name     string
		edit     func(c *validateConfig)
		wantCode int
		wantOut  []string // in stdout
		wantErr  []string // in stderr
		notErr   []string // never in stderr
	}{
		{
			name:     "good",
			edit:     func(*validateConfig) {},
			wantOut:  []string{"ok  config", "ok  source", "2 users, 2 groups, 3 memberships", "ok  okta", "ok  state", "not created yet", "A sync would manage", `scope.users "profile.department eq \"Synced\""`},
			wantCode: 0,
		},
		{
			name:     "unknown key",
			edit:     func(c *validateConfig) { c.extra = "concurency: 4\n" },
			wantCode: 1,
			wantErr:  []string{"invalid config: ", "concurency"},
		},
		{
			name:     "bad cron",
			edit:     func(c *validateConfig) { c.extra = "schedule:\n  cron: \"61 * * * *\"\n" },
			wantCode: 1,
			wantErr:  []string{"invalid config: ", `schedule.cron "61 * * * *"`},
		},
		{
			name:     "missing source file",
			edit:     func(c *validateConfig) { c.users = "missing.csv" },
			wantCode: 1,
			wantErr:  []string{"source unreadable or invalid: ", "missing.csv"},
			wantOut:  []string{"ok  config"},
		},
		{
			name:     "invalid source",
			edit:     func(c *validateConfig) { c.users = "dupes.csv" },
			wantCode: 1,
			wantErr:  []string{"source unreadable or invalid: ", "dupes.csv"},
		},
		{
			name:     "bad credentials",
			edit:     func(c *validateConfig) { c.token = "wrong-token" },
			wantCode: 1,
			wantErr:  []string{"Okta check failed: ", "rejected the credentials", "E0000011"},
			notErr:   []string{"wrong-token"},
			wantOut:  []string{"ok  source"},
		},
		{
			name:     "bad scope expression",
			edit:     func(c *validateConfig) { c.scope = `profile.department eqq "Synced"` },
			wantCode: 1,
			wantErr:  []string{"Okta check failed: ", "rejected scope.users", "E0000031"},
		},
		{
			name:     "Okta unreachable",
			edit:     func(c *validateConfig) { c.orgURL = "http://127.0.0.1:1" },
			wantCode: 1,
			wantErr:  []string{"Okta check failed: cannot reach Okta at http://127.0.0.1:1"},
		},
		{
			name: "Postgres store unreachable",
			edit: func(c *validateConfig) {
				c.stateURL = "postgres://oktasync:s3cret-pw@127.0.0.1:1/state?sslmode=disable"
			},
			wantCode: 1,
			wantErr:  []string{"state store unreachable: ", "127.0.0.1:1"},
			notErr:   []string{"s3cret-pw"},
			wantOut:  []string{"ok  okta"},
		},
		{
			name:     "SQLite store cannot be created",
			edit:     func(c *validateConfig) { c.stateURL = "sqlite://not-a-dir/state.db" },
			wantCode: 1,
			wantErr:  []string{"state store unreachable: ", "not-a-dir/state.db: stat", "not a directory"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := good
			tt.edit(&c)
			sub := t.TempDir()
			for _, f := range []string{"users.csv", "dupes.csv", "not-a-dir"} {
				b, err := os.ReadFile(filepath.Join(dir, f))
				if err != nil {
					t.Fatal(err)
				}
				writeFile(t, filepath.Join(sub, f), string(b))
			}
			cfg := filepath.Join(sub, "oktasync.yaml")
			writeFile(t, cfg, c.yaml())
			var stdout, stderr bytes.Buffer
			code := Main(context.Background(), []string{"validate", "--config", cfg}, strings.NewReader(""), &stdout, &stderr)
			if code != tt.wantCode {
				t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, stdout.String(), stderr.String())
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(stdout.String(), w) {
					t.Errorf("stdout lacks %q:\n%s", w, stdout.String())
				}
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr.String())
				}
			}
			for _, w := range tt.notErr {
				if strings.Contains(stderr.String()+stdout.String(), w) {
					t.Errorf("output shows %q:\n%s%s", w, stdout.String(), stderr.String())
				}
			}
			if tt.wantCode == 0 {
				if _, err := os.Stat(filepath.Join(sub, "state.db")); !os.IsNotExist(err) {
					t.Errorf("validate created the state database (stat: %v)", err)
				}
			}
		})
	}
}

// TestRootDryRun checks that `oktasync --dry-run`, with no subcommand and
// the config found through $OKTASYNC_CONFIG, plans and changes nothing.
func TestRootDryRun(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the simulator; skipped with -short")
	}
	t.Parallel()
	const token = "dry-run-token-0b7e"
	sim := startSim(t, token)
	dir := t.TempDir()
	cfg := serveFixture(t, dir, sim.URL, 4, "")
	env := []string{"OKTA_CLIENT_TOKEN=" + token, "OKTASYNC_CONFIG=" + cfg}

	r := runOktasync(t, env, "--dry-run", "--output", "json", "--detailed-exitcode")
	if r.code != exitChanges {
		t.Fatalf("oktasync --dry-run --detailed-exitcode: exit %d, want %d\n%s", r.code, exitChanges, r.stderr)
	}
	if !strings.Contains(r.stdout, `"dryRun": true`) || !strings.Contains(r.stdout, `"create-user"`) {
		t.Errorf("dry-run report lacks the planned creates:\n%s", r.stdout)
	}
	if snap := sim.snapshot(t); len(snap.Users) != 0 {
		t.Errorf("a dry run changed the org: %d users now", len(snap.Users))
	}
	// The same form without --dry-run applies.
	if r := runOktasync(t, env); r.code != 0 {
		t.Fatalf("oktasync: exit %d\n%s", r.code, r.stderr)
	}
	if r := runOktasync(t, env, "--dry-run", "--detailed-exitcode"); r.code != 0 {
		t.Errorf("oktasync --dry-run after a sync: exit %d, want 0 (no changes)\n%s", r.code, r.stdout)
	}
	// validate now finds the store with its history and the created users.
	r = runOktasync(t, env, "validate")
	if r.code != 0 || !strings.Contains(r.stdout, "schema current; last run #1 succeeded") || !strings.Contains(r.stdout, "(4 recorded)") {
		t.Errorf("validate after a sync: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestValidatePostgresSource runs validate with a PostgreSQL source: the
// queries run, and a failing query or an unreachable database is reported
// as a source problem without the URL's password.
func TestValidatePostgresSource(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the simulator; skipped with -short")
	}
	t.Parallel()
	conn := pgtest.Connect(t)
	schema := pgtest.Schema(t, "oktasync_validate")
	ctx := context.Background()
	if _, err := conn.Exec(ctx, `CREATE TABLE `+schema+`.people (login text, email text, first text, last text);
		INSERT INTO `+schema+`.people VALUES
		  ('ada@example.com', 'ada@example.com', 'Ada', 'Lovelace'),
		  ('alan@example.com', 'alan@example.com', 'Alan', 'Turing'),
		  ('grace@example.com', 'grace@example.com', 'Grace', 'Hopper')`); err != nil {
		t.Fatal(err)
	}
	const token = "validate-pg-token-27d0"
	sim := startSim(t, token)
	tests := []struct {
		name, url, query string
		wantCode         int
		want             []string
	}{
		{"good", pgtest.SchemaURL(t, schema), `SELECT login, email, first AS "firstName", last AS "lastName" FROM people`, 0,
			[]string{"ok  source  PostgreSQL", ": 3 users, 0 groups, 0 memberships"}},
		{"bad query", pgtest.SchemaURL(t, schema), `SELECT login FROM staff`, 1,
			[]string{"source unreadable or invalid: ", `relation "staff" does not exist`}},
		{"unreachable", "postgres://reader:pg-s3cret@127.0.0.1:1/hr?sslmode=disable", `SELECT 1`, 1,
			[]string{"source unreadable or invalid: ", "127.0.0.1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			cfg := filepath.Join(dir, "oktasync.yaml")
			writeFile(t, cfg, fmt.Sprintf(`
okta:
  orgUrl: %s
  token: %s
  testing:
    disableHttpsCheck: true
source:
  postgres:
    url: %s
    users: %s
state:
  url: sqlite://state.db
`, sim.URL, token, tt.url, tt.query))
			var stdout, stderr bytes.Buffer
			code := Main(ctx, []string{"validate", "--config", cfg}, strings.NewReader(""), &stdout, &stderr)
			out := stdout.String() + stderr.String()
			if code != tt.wantCode {
				t.Errorf("exit code %d, want %d\n%s", code, tt.wantCode, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if strings.Contains(out, "pg-s3cret") {
				t.Errorf("output shows the database password:\n%s", out)
			}
		})
	}
}
