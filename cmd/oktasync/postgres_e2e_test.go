package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/oktasync/oktasync/internal/pgtest"
)

// TestEndToEndPostgres syncs 5,000 HR employees from Postgres (the example
// schema) into the simulator with the state store in Postgres, starting two
// runs at once; one applies, the other waits for or is refused the lock;
// nothing is created twice, the org then matches the database, and a later
// plan has nothing to do.
func TestEndToEndPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	conn := pgtest.Connect(t)
	ctx := context.Background()
	hr := pgtest.Schema(t, "oktasync_e2e_hr")
	stateSchema := pgtest.Schema(t, "oktasync_e2e_state")
	for _, f := range []string{"schema.sql", "seed.sql"} {
		sql, err := os.ReadFile(filepath.Join("..", "..", "examples", "postgres", f))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(ctx, "SET search_path TO "+hr+";\n"+string(sql)); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	if _, err := conn.Exec(ctx, "SET search_path TO "+hr+"; SELECT seed_employees(5000)"); err != nil {
		t.Fatal(err)
	}

	const token = "pg-e2e-token-51c"
	sim := startSim(t, token, "--window", "1s", "--limit-scale", "4")
	dir := t.TempDir()
	cfg := filepath.Join(dir, "oktasync.yaml")
	example, err := os.ReadFile(filepath.Join("..", "..", "examples", "postgres", "oktasync.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// The example config as shipped, with the testing flag added for the
	// simulator's plain http.
	writeFile(t, cfg, string(example)+"\n")
	env := []string{
		"OKTA_CLIENT_ORGURL=" + sim.URL,
		"OKTA_CLIENT_TOKEN=" + token,
		"OKTA_TESTING_TESTINGDISABLEHTTPSCHECK=true",
		"OKTASYNC_SOURCE_POSTGRES_URL=" + pgtest.SchemaURL(t, hr),
		"OKTASYNC_STATE_URL=" + pgtest.URL(t),
		"OKTASYNC_STATE_SCHEMA=" + stateSchema,
		"OKTASYNC_CONCURRENCY=16",
	}

	// Two runs at once: the lock lets one apply; the other either waits
	// (and then finds nothing to do) or exits 5.
	var wg sync.WaitGroup
	results := make([]result, 2)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = runOktasync(t, env, "run", "--config", cfg, "--output", "json")
		}()
	}
	wg.Wait()
	ok := 0
	for i, r := range results {
		switch r.code {
		case 0:
			ok++
		case exitLocked:
			if !strings.Contains(r.stderr, "holds the lock") {
				t.Errorf("run %d exited 5 without naming the lock: %s", i, lastLines(r.stderr, 5))
			}
		default:
			t.Fatalf("run %d: exit %d\n%s", i, r.code, lastLines(r.stderr, 20))
		}
	}
	if ok == 0 {
		t.Fatal("neither concurrent run succeeded")
	}
	st := sim.stats(t)
	t.Logf("concurrent runs: exits %d and %d; %s and %s; %d API requests (%d writes), %d rate-limited",
		results[0].code, results[1].code, results[0].elapsed, results[1].elapsed, st.Requests, st.Writes, st.RateLimited)
	if st.DuplicateCreateAttempts != 0 {
		t.Errorf("%d creates were refused as duplicates", st.DuplicateCreateAttempts)
	}

	// The org matches the database.
	rows, err := conn.Query(ctx, `SELECT e.login, e.title, d.okta_group,
	        ARRAY(SELECT g.group_name FROM `+hr+`.employee_groups g WHERE g.employee_id = e.id)
	    FROM `+hr+`.employees e JOIN `+hr+`.departments d ON d.id = e.department_id
	    WHERE e.termination_date IS NULL OR e.termination_date > current_date`)
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		title  string
		groups []string
	}
	wants := make(map[string]want)
	for rows.Next() {
		var login, title, dept string
		var extra []string
		if err := rows.Scan(&login, &title, &dept, &extra); err != nil {
			t.Fatal(err)
		}
		g := append(extra, dept)
		sort.Strings(g)
		wants[strings.ToLower(login)] = want{title, g}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(wants) != 4800 {
		t.Fatalf("%d current employees in the database, want 4800", len(wants))
	}
	snap := sim.snapshot(t)
	live := 0
	for _, u := range snap.Users {
		login := strings.ToLower(fmt.Sprint(u.Profile["login"]))
		w, ok := wants[login]
		if !ok {
			t.Errorf("unexpected Okta user %s", login)
			continue
		}
		live++
		groups := slices.DeleteFunc(slices.Clone(u.Groups), func(g string) bool { return g == "Everyone" })
		if fmt.Sprint(u.Profile["title"]) != w.title || !slices.Equal(groups, w.groups) {
			t.Errorf("%s: title %v groups %v, want %q %v", login, u.Profile["title"], groups, w.title, w.groups)
		}
		if u.Profile["userType"] != "Employee" {
			t.Errorf("%s: userType %v", login, u.Profile["userType"])
		}
	}
	if live != len(wants) {
		t.Errorf("%d users in Okta, want %d", live, len(wants))
	}

	if r := runOktasync(t, env, "plan", "--config", cfg, "--detailed-exitcode"); r.code != 0 {
		t.Fatalf("plan after sync: exit %d, want 0\n%s\n%s", r.code, lastLines(r.stdout, 20), lastLines(r.stderr, 10))
	}
	if r := runOktasync(t, env, "runs", "--config", cfg); r.code != 0 || !strings.Contains(r.stdout, "succeeded") {
		t.Fatalf("runs: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}
