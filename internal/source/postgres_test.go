package source

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/oktasync/oktasync/internal/config"
	"github.com/oktasync/oktasync/internal/directory"
	"github.com/oktasync/oktasync/internal/pgtest"
)

// pgSchema creates a schema of its own for the test, runs setup SQL in it,
// and returns a connection URL whose search_path is that schema. The
// schema is dropped when the test ends. The test is skipped when Postgres
// is unreachable, unless CI is "true".
func pgSchema(t testing.TB, setup string) string {
	t.Helper()
	schema := pgtest.Schema(t, "oktasync_source_test")
	if setup != "" {
		if _, err := pgtest.Connect(t).Exec(context.Background(), "SET search_path TO "+schema+";\n"+setup); err != nil {
			t.Fatalf("set up schema: %v", err)
		}
	}
	return pgtest.SchemaURL(t, schema)
}

const peopleSQL = `
CREATE TYPE kind AS ENUM ('hr', 'contractor');
CREATE TABLE people (
	login text, email text, first text, last text,
	kind kind, floor int, badge bigint, remote bool, salary numeric(10,2),
	started timestamptz, birthday date, id uuid, tags text[], groups text, grouplist text[]
);
INSERT INTO people VALUES
 ('ada@example.com', 'ada@example.com', 'Ada', 'Lovelace', 'hr', 3, 9000000001, true, 1234.50,
  '2024-02-03 04:05:06.5+02', '1815-12-10', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{x,y}', 'Eng; Ops;', '{Math}'),
 ('bob@example.com', 'bob@example.com', 'Bob', 'Byte', NULL, NULL, NULL, false, NULL,
  NULL, NULL, NULL, '{}', NULL, NULL);
`

const peopleQuery = `SELECT login, email, first AS "firstName", last AS "lastName", kind AS "employeeType",
	floor, badge, remote, salary, started, birthday, id, tags, groups FROM people ORDER BY login`

func TestPostgresTypedValues(t *testing.T) {
	t.Parallel()
	u := pgSchema(t, peopleSQL)
	d, err := NewPostgres(config.PostgresSource{URL: u, Users: peopleQuery}).Read(context.Background())
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	want := map[string]directory.Profile{
		"ada@example.com": {
			"login": "ada@example.com", "email": "ada@example.com", "firstName": "Ada", "lastName": "Lovelace",
			"employeeType": "hr", "floor": int64(3), "badge": int64(9000000001), "remote": true, "salary": 1234.5,
			"started": "2024-02-03T02:05:06.5Z", "birthday": "1815-12-10", "id": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
			"tags": []string{"x", "y"},
		},
		"bob@example.com": {
			"login": "bob@example.com", "email": "bob@example.com", "firstName": "Bob", "lastName": "Byte", "remote": false,
		},
	}
	got := map[string]directory.Profile{}
	for k, u := range d.Users {
		got[k] = u.Profile.Map()
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("profiles (-want +got):\n%s", diff)
	}
	if o := d.AttrOrigins["login"]; o != "postgres users row 1 (login=ada@example.com)" {
		t.Errorf("login first at %q", o)
	}
	if diff := cmp.Diff([]string{"eng", "ops"}, d.GroupKeys()); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
}

func TestPostgresGroupsArrayAndQueries(t *testing.T) {
	t.Parallel()
	u := pgSchema(t, peopleSQL+`
CREATE TABLE teams (name text, description text);
INSERT INTO teams VALUES ('Math', 'Mathematicians'), ('Empty', NULL);
CREATE TABLE team_members (team text, member text);
INSERT INTO team_members VALUES ('Empty', 'BOB@example.com'), ('Ops', 'bob@example.com');
`)
	src := NewPostgres(config.PostgresSource{
		URL:         u,
		Users:       `SELECT login, email, first AS "firstName", last AS "lastName", grouplist AS groups FROM people`,
		Groups:      `SELECT name, description FROM teams`,
		Memberships: `SELECT team AS "group", member AS login FROM team_members`,
	})
	d, err := src.Read(context.Background())
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	type group struct {
		Name, Description string
		HasDescription    bool
		Members           []string
	}
	got := map[string]group{}
	for _, k := range d.GroupKeys() {
		g := d.Groups[k]
		got[k] = group{g.Name, g.Description, g.HasDescription, d.MemberKeys(k)}
	}
	want := map[string]group{
		"math":  {"Math", "Mathematicians", true, []string{"ada@example.com"}},
		"empty": {"Empty", "", false, []string{"bob@example.com"}},
		"ops":   {"Ops", "", false, []string{"bob@example.com"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
}

// TestPostgresTransaction checks, from inside the users query, that it
// runs read-only at REPEATABLE READ with the statement timeout set.
func TestPostgresTransaction(t *testing.T) {
	t.Parallel()
	u := pgSchema(t, "")
	src := NewPostgres(config.PostgresSource{URL: u, StatementTimeout: 42 * time.Second, Users: `SELECT
		'a@example.com' AS login, 'a@example.com' AS email, 'A' AS "firstName", 'B' AS "lastName",
		current_setting('transaction_isolation') AS iso,
		current_setting('transaction_read_only') AS ro,
		current_setting('statement_timeout') AS timeout,
		current_setting('application_name') AS app`})
	d, err := src.Read(context.Background())
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	p := d.Users["a@example.com"].Profile.Map()
	got := []any{p["iso"], p["ro"], p["timeout"], p["app"]}
	want := []any{"repeatable read", "on", "42s", "oktasync"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("settings (-want +got):\n%s", diff)
	}
}

func TestPostgresErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		setup   string
		src     config.PostgresSource
		invalid bool // the error wraps ErrInvalid
		want    []string
	}{
		{
			name:    "duplicate login and missing values",
			setup:   "CREATE TABLE p (login text, email text, \"firstName\" text, \"lastName\" text);\nINSERT INTO p VALUES ('a@example.com','a@example.com','A','B'), ('A@Example.com','x@example.com','X','Y'), ('c@example.com', NULL, 'C', ''), (NULL, 'd@example.com', 'D', 'D');",
			src:     config.PostgresSource{Users: "SELECT * FROM p ORDER BY email NULLS LAST"},
			invalid: true,
			want: []string{
				`postgres users row 3 (login=A@Example.com): duplicate login "A@Example.com" (first at postgres users row 1 (login=a@example.com))`,
				"postgres users row 4 (login=c@example.com): empty required attribute(s) email, lastName",
				"postgres users row 2: empty required attribute(s) login",
			},
		},
		{
			name:    "unquoted aliases fold to lower case",
			src:     config.PostgresSource{Users: "SELECT 'a' AS login, 'a@x' AS email, 'A' AS firstName, 'B' AS lastName"},
			invalid: true,
			want:    []string{`postgres users query: column "firstname": did you mean "firstName"?`},
		},
		{
			name:    "unsupported type",
			src:     config.PostgresSource{Users: `SELECT 'a@x.com' AS login, 'a@x.com' AS email, 'A' AS "firstName", 'B' AS "lastName", '{"a":1}'::jsonb AS extra, 'NaN'::float8 AS f`},
			invalid: true,
			want:    []string{"postgres users row 1 (login=a@x.com): column extra: type", "column f: NaN"},
		},
		{
			name: "query error",
			src:  config.PostgresSource{Users: "SELECT nope FROM nowhere"},
			want: []string{"read postgres source: users query:", `relation "nowhere" does not exist`},
		},
		{
			name:  "writes are refused",
			setup: "CREATE TABLE w (x int);",
			src:   config.PostgresSource{Users: `WITH i AS (INSERT INTO w VALUES (1) RETURNING x) SELECT 'a@x.com' AS login, 'a@x.com' AS email, 'A' AS "firstName", 'B' AS "lastName" FROM i`},
			want:  []string{"read-only transaction"},
		},
		{
			name: "statement timeout",
			src:  config.PostgresSource{StatementTimeout: 50 * time.Millisecond, Users: `SELECT 'a@x.com' AS login, 'a@x.com' AS email, 'A' AS "firstName", 'B' AS "lastName" FROM pg_sleep(30)`},
			want: []string{"statement timeout"},
		},
		{
			name:    "memberships of unknown users",
			src:     config.PostgresSource{Users: `SELECT 'a@x.com' AS login, 'a@x.com' AS email, 'A' AS "firstName", 'B' AS "lastName"`, Memberships: `SELECT 'G' AS "group", 'b@x.com' AS login`},
			invalid: true,
			want:    []string{`postgres memberships row 1: login "b@x.com" is not one of the source's users`},
		},
		{
			name:    "groups query columns",
			src:     config.PostgresSource{Users: `SELECT 'a@x.com' AS login, 'a@x.com' AS email, 'A' AS "firstName", 'B' AS "lastName"`, Groups: `SELECT 'G' AS group_name`},
			invalid: true,
			want:    []string{`postgres groups query: missing required column name (have group_name)`},
		},
		{
			name:    "array with a NULL",
			src:     config.PostgresSource{Users: `SELECT 'a@x.com' AS login, 'a@x.com' AS email, 'A' AS "firstName", 'B' AS "lastName", ARRAY['x', NULL] AS tags`},
			invalid: true,
			want:    []string{"column tags: array holds a NULL"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.src.URL = pgSchema(t, tt.setup)
			d, err := NewPostgres(tt.src).Read(context.Background())
			if err == nil {
				t.Fatalf("read: no error, %d users", len(d.Users))
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if errors.Is(err, ErrInvalid) != tt.invalid {
				t.Errorf("errors.Is(err, ErrInvalid) = %v, want %v", !tt.invalid, tt.invalid)
			}
		})
	}
}

func TestPostgresConnectErrorHidesPassword(t *testing.T) {
	t.Parallel()
	const pw = "pg-s3cret-pw"
	_, err := NewPostgres(config.PostgresSource{
		URL:   "postgres://someone:" + pw + "@127.0.0.1:1/db?sslmode=disable&connect_timeout=2",
		Users: "SELECT 1",
	}).Read(context.Background())
	if err == nil {
		t.Fatal("no error")
	}
	if strings.Contains(err.Error(), pw) {
		t.Errorf("error shows the password: %v", err)
	}
	if !strings.Contains(err.Error(), "read postgres source: connect") {
		t.Errorf("error = %v", err)
	}
}
