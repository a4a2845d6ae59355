package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oktasync/oktasync/internal/oktasim"
	"github.com/oktasync/oktasync/internal/pgtest"
)

// badInput is one malformed source or config. The run must exit with code
// (1 unless the product blocks the plan), name the place on stderr (every
// string in where), and send not one write request to the org.
type badInput struct {
	name string
	// users is the users CSV written beside the config; "" writes a good
	// one unless emptyUsers is set.
	users      string
	emptyUsers bool
	// files are further files written beside the config, by name.
	files map[string]string
	// env is added to the run's environment.
	env []string
	// config replaces the default config when set; %[1]s in it is the org
	// URL.
	config string
	// setup prepares the case (Postgres) and returns the config to use
	// instead of the default one; %[1]s in it is the org URL.
	setup func(t *testing.T) string
	code  int
	where []string
}

const goodHeader = "login,email,firstName,lastName,employeeType,groups\n"

func goodRow(i int) string {
	return fmt.Sprintf("bad%03d@example.com,bad%03d@example.com,First%d,Last%d,Employee,Team A\n", i, i, i, i)
}

// withCSV is the default config with a further source.csv key.
func withCSV(line string) string {
	return strings.Replace(simConfig("%[1]s", "", ""), "    users: users.csv\n", "    users: users.csv\n    "+line+"\n", 1)
}

// withOrgURL puts the org URL where the config says %[1]s.
func withOrgURL(config, orgURL string) string {
	return strings.ReplaceAll(config, "%[1]s", orgURL)
}

// badInputTotals counts the bad inputs tried and those that reached the
// org with no write (and with no request at all), for the report.
type badInputTotals struct{ tried, zeroWrites, noRequests atomic.Int64 }

// TestBadInputNeverWrites feeds malformed CSVs and configs to `oktasync
// run` and checks each exits 1 (3 for a source with no users, which the
// safety rules block) with a message naming the file and line or the
// config key, and that no write request reaches the simulator.
func TestBadInputNeverWrites(t *testing.T) {
	tenMB := strings.Repeat("x", 10<<20)
	cases := []badInput{
		{name: "unbalanced quote", users: goodHeader + goodRow(1) + `"bad002@example.com,bad002@example.com,First,Last,Employee,Team A` + "\n" + goodRow(3),
			code: exitError, where: []string{"users.csv line 3", "quote"}},
		{name: "ragged row", users: goodHeader + goodRow(1) + "bad002@example.com,bad002@example.com,First\n" + goodRow(3),
			code: exitError, where: []string{"users.csv line 3", "3 fields", "header has 6"}},
		{name: "invalid UTF-8", users: goodHeader + goodRow(1) + "bad002@example.com,bad002@example.com,Fi\xff\xferst,Last,Employee,Team A\n",
			code: exitError, where: []string{"users.csv line 3", "firstName", "UTF-8"}},
		{name: "NUL byte", users: goodHeader + "bad001@example.com,bad001@example.com,Fi\x00rst,Last,Employee,Team A\n" + goodRow(2),
			code: exitError, where: []string{"users.csv line 2", "firstName", "NUL"}},
		{name: "logins differing only in case", users: goodHeader + goodRow(1) + "Bad001@Example.com,bad001@example.com,Again,Last,Employee,Team A\n",
			code: exitError, where: []string{"users.csv line 2", "users.csv line 3"}},
		{name: "missing required column", users: "login,email,firstName,groups\nbad001@example.com,bad001@example.com,First,Team A\n",
			code: exitError, where: []string{"users.csv line 1", "lastName"}},
		{name: "empty required value", users: goodHeader + goodRow(1) + "bad002@example.com,bad002@example.com,,Last,Employee,Team A\n",
			code: exitError, where: []string{"users.csv line 3", "firstName"}},
		{name: "10 MB field", users: goodHeader + goodRow(1) + "bad002@example.com,bad002@example.com,First," + tenMB + ",Employee,Team A\n",
			code: exitError, where: []string{"users.csv line 3", "lastName", "bytes"}},
		{name: "empty file", emptyUsers: true, code: exitError, where: []string{"users.csv", "empty"}},
		{name: "blank lines only", users: "\n\n\n", code: exitError, where: []string{"users.csv", "empty"}},
		{name: "semicolon separated", users: "login;email;firstName;lastName\nbad001@example.com;bad001@example.com;First;Last\n",
			code: exitError, where: []string{"users.csv line 1", "semicolons"}},
		{name: "header only", users: goodHeader, code: exitBlocked, where: []string{"Blocked: nothing will be applied", "source"}},
		{name: "header only, no line break", users: strings.TrimSuffix(goodHeader, "\n"), code: exitBlocked, where: []string{"Blocked: nothing will be applied", "source"}},

		{name: "memberships file: ragged row", config: withCSV("memberships: memberships.csv"),
			files: map[string]string{"memberships.csv": "group,login\nTeam A,bad001@example.com\nTeam B\n"},
			code:  exitError, where: []string{"memberships.csv line 3"}},
		{name: "memberships file: unknown login", config: withCSV("memberships: memberships.csv"),
			files: map[string]string{"memberships.csv": "group,login\nTeam A,bad001@example.com\nTeam B,nobody@example.com\n"},
			code:  exitError, where: []string{"memberships.csv line 3", "nobody@example.com"}},
		{name: "groups file: duplicate group", config: withCSV("groups: groups.csv"),
			files: map[string]string{"groups.csv": "name,description\nTeam A,first\nteam a,second\n"},
			code:  exitError, where: []string{"groups.csv line 3", "groups.csv line 2"}},

		{name: "attribute unknown to the org", users: "login,email,firstName,lastName,favoriteColour\nbad001@example.com,bad001@example.com,F,L,blue\n",
			code: exitError, where: []string{"favoriteColour", "users.csv line 2"}},

		{name: "config: unknown key", config: "okta:\n  orgUrl: %[1]s\n  tokn: x\n  testing:\n    disableHttpsCheck: true\nsource:\n  csv:\n    users: users.csv\nstate:\n  url: sqlite://state.db\n",
			code: exitError, where: []string{"tokn"}},
		{name: "config: unknown top-level key", config: simConfig("%[1]s", "", "dryrun: true\n"), code: exitError, where: []string{"dryrun"}},
		{name: "config: wrong type", config: strings.Replace(simConfig("%[1]s", "", ""), "concurrency: 8", "concurrency: lots", 1),
			code: exitError, where: []string{"concurrency"}},
		{name: "config: bad duration", config: simConfig("%[1]s", "  requestTimeout: soon\n", ""), code: exitError, where: []string{"requestTimeout"}},
		{name: "config: wrong type from the environment", env: []string{"OKTASYNC_CONCURRENCY=lots"},
			code: exitError, where: []string{"OKTASYNC_CONCURRENCY"}},
		{name: "config: missing orgUrl", config: "okta:\n  testing:\n    disableHttpsCheck: true\nsource:\n  csv:\n    users: users.csv\nstate:\n  url: sqlite://state.db\n",
			code: exitError, where: []string{"orgUrl"}},
		{name: "config: http without the testing flag", config: "okta:\n  orgUrl: %[1]s\nsource:\n  csv:\n    users: users.csv\nstate:\n  url: sqlite://state.db\n",
			code: exitError, where: []string{"orgUrl", "https"}},
		{name: "config: not YAML", config: "okta:\n  orgUrl: %[1]s\n   source: [\n", code: exitError, where: []string{"line"}},
		{name: "config: users file missing", config: strings.Replace(simConfig("%[1]s", "", ""), "users: users.csv", "users: nowhere.csv", 1),
			code: exitError, where: []string{"nowhere.csv"}},
	}
	var totals badInputTotals
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { tryBadInput(t, tc, &totals) })
	}
	t.Logf("bad inputs (CSV and config) tried: %d, with zero writes: %d, with no request at all: %d",
		totals.tried.Load(), totals.zeroWrites.Load(), totals.noRequests.Load())
}

func tryBadInput(t *testing.T, tc badInput, totals *badInputTotals) {
	t.Helper()
	const token = "bad-input-token-77e1"
	seed := oktasim.Seed{Users: []oktasim.SeedUser{{Profile: map[string]any{
		"login": "bad001@example.com", "email": "bad001@example.com", "firstName": "First1", "lastName": "Last1", "employeeType": "Employee",
	}}}}
	h := newOrgHarness(t, oktasim.Options{Tokens: []string{token}, RateLimit: oktasim.RateLimitOptions{Window: time.Second, Scale: 20}}, seed)
	dir := t.TempDir()
	cfgText := simConfig(h.URL, "", "")
	switch {
	case tc.setup != nil:
		cfgText = withOrgURL(tc.setup(t), h.URL)
	case tc.config != "":
		cfgText = withOrgURL(tc.config, h.URL)
	}
	users := tc.users
	if users == "" && !tc.emptyUsers {
		users = goodHeader + goodRow(1) + goodRow(2)
	}
	writeFile(t, filepath.Join(dir, "users.csv"), users)
	for name, content := range tc.files {
		writeFile(t, filepath.Join(dir, name), content)
	}
	cfg := filepath.Join(dir, "oktasync.yaml")
	writeFile(t, cfg, cfgText)

	totals.tried.Add(1)
	r := runOktasync(t, append([]string{"OKTA_CLIENT_TOKEN=" + token}, tc.env...), "run", "--config", cfg)
	writes, requests := h.writes.Load(), h.requests.Load()
	if writes == 0 {
		totals.zeroWrites.Add(1)
	}
	if requests == 0 {
		totals.noRequests.Add(1)
	}
	if r.code != tc.code {
		t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, tc.code, lastLines(r.stdout, 10), lastLines(r.stderr, 10))
	}
	if writes != 0 {
		t.Errorf("%d write requests reached the org", writes)
	}
	// The temporary directory's name holds the test's name: keep it out
	// of what is searched.
	msg := strings.ReplaceAll(r.stderr+"\n"+r.stdout, dir, "DIR")
	if len(msg) > 4096 {
		msg = msg[:4096] // a 10 MB value must not be echoed back whole
	}
	for _, w := range tc.where {
		if !strings.Contains(msg, w) {
			t.Errorf("stderr does not name %q:\n%s", w, msg)
		}
	}
	if len(r.stderr) > 64<<10 {
		t.Errorf("stderr is %d bytes: a bad value is echoed back whole", len(r.stderr))
	}
	if t.Failed() || testing.Verbose() {
		t.Logf("exit %d, %d requests, %d writes; stderr: %s", r.code, requests, writes, lastLines(msg, 3))
	}
}

// pgSourceConfig is a config reading users from Postgres at pgURL with the
// users query, against the org at %[1]s; extra is added to the
// source.postgres block (lines indented by four spaces).
func pgSourceConfig(pgURL, query, extra string) string {
	return fmt.Sprintf(`okta:
  orgUrl: %%[1]s
  testing:
    disableHttpsCheck: true
source:
  postgres:
    url: '%s'
    users: |
      %s
%sscope:
  users: profile.employeeType eq "Employee"
state:
  url: sqlite://state.db
`, pgURL, query, extra)
}

// TestBadPostgresSourceNeverWrites runs against a Postgres source whose
// query fails, times out, misses columns or returns NULLs where a value is
// required, each in a schema of its own: the run exits 1 (3 for no rows,
// which the safety rules block) naming the query or the row, and writes
// nothing. It skips without a reachable Postgres unless CI=true.
func TestBadPostgresSourceNeverWrites(t *testing.T) {
	conn := pgtest.Connect(t)
	ctx := context.Background()
	// people creates the table the queries read, in a schema of the test's
	// own, and returns the URL that reads it.
	people := func(t *testing.T, rows string) string {
		schema := pgtest.Schema(t, "oktasync_bad")
		_, err := conn.Exec(ctx, "CREATE TABLE "+schema+`.people (id int, login text, email text, first_name text, last_name text, kind text);
			INSERT INTO `+schema+`.people VALUES `+rows)
		if err != nil {
			t.Fatal(err)
		}
		return pgtest.SchemaURL(t, schema)
	}
	const cols = `SELECT login, email, first_name AS "firstName", last_name AS "lastName", kind AS "employeeType" FROM people ORDER BY id`
	good := `(1, 'pg001@example.com', 'pg001@example.com', 'Ann', 'One', 'Employee'), (2, 'pg002@example.com', 'pg002@example.com', 'Bob', 'Two', 'Employee')`
	cases := []badInput{
		{name: "syntax error", setup: func(t *testing.T) string { return pgSourceConfig(people(t, good), "SELEC login FROM people", "") },
			code: exitError, where: []string{"users query", "syntax"}},
		{name: "missing table", setup: func(t *testing.T) string { return pgSourceConfig(people(t, good), "SELECT * FROM no_such_people", "") },
			code: exitError, where: []string{"users query", "no_such_people"}},
		{name: "missing required column", setup: func(t *testing.T) string {
			return pgSourceConfig(people(t, good), `SELECT login, email, first_name AS "firstName" FROM people`, "")
		}, code: exitError, where: []string{"users query", "lastName"}},
		{name: "NULL login", setup: func(t *testing.T) string {
			return pgSourceConfig(people(t, good+`, (3, NULL, 'pg003@example.com', 'Cy', 'Three', 'Employee')`), cols, "")
		}, code: exitError, where: []string{"row 3", "login"}},
		{name: "NULL lastName", setup: func(t *testing.T) string {
			return pgSourceConfig(people(t, `(1, 'pg001@example.com', 'pg001@example.com', 'Ann', NULL, 'Employee'), (2, 'pg002@example.com', 'pg002@example.com', 'Bob', 'Two', 'Employee')`), cols, "")
		}, code: exitError, where: []string{"row 1", "pg001@example.com", "lastName"}},
		{name: "logins differing only in case", setup: func(t *testing.T) string {
			return pgSourceConfig(people(t, good+`, (3, 'PG001@example.com', 'pg003@example.com', 'Cy', 'Three', 'Employee')`), cols, "")
		}, code: exitError, where: []string{"row 3", "row 1", "duplicate"}},
		{name: "login not text", setup: func(t *testing.T) string {
			return pgSourceConfig(people(t, good), `SELECT id AS login, email, first_name AS "firstName", last_name AS "lastName" FROM people`, "")
		}, code: exitError, where: []string{"row 1", "login"}},
		{name: "10 MB value", setup: func(t *testing.T) string {
			return pgSourceConfig(people(t, good), `SELECT login, email, first_name AS "firstName", repeat('x', 10485760) AS "lastName" FROM people`, "")
		}, code: exitError, where: []string{"row 1", "lastName", "bytes"}},
		{name: "statement timeout", setup: func(t *testing.T) string {
			return pgSourceConfig(people(t, good), "SELECT login, email, pg_sleep(5)::text AS \"firstName\", last_name AS \"lastName\" FROM people", "    statementTimeout: 200ms\n")
		}, code: exitError, where: []string{"users query", "statement timeout"}},
		{name: "unreachable server", setup: func(t *testing.T) string {
			return pgSourceConfig("postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=2", cols, "")
		}, code: exitError, where: []string{"connect"}},
		{name: "no rows", setup: func(t *testing.T) string { return pgSourceConfig(people(t, good), cols+" LIMIT 0", "") },
			code: exitBlocked, where: []string{"Blocked: nothing will be applied", "source"}},
	}
	var totals badInputTotals
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { tryBadInput(t, tc, &totals) })
	}
	t.Logf("bad Postgres sources tried: %d, with zero writes: %d, with no request at all: %d",
		totals.tried.Load(), totals.zeroWrites.Load(), totals.noRequests.Load())
}
