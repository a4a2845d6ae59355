package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/oktasync/oktasync/internal/oktasim"
)

// managerRows writes users.csv with one row per "login:manager" pair.
func managerRows(t *testing.T, path string, pairs ...string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("login,email,firstName,lastName,employeeType,manager\n")
	for _, p := range pairs {
		login, manager, _ := strings.Cut(p, ":")
		fmt.Fprintf(&b, "%s,%s,F,L,Employee,%s\n", login, login, manager)
	}
	writeFile(t, path, b.String())
}

// simLinks returns the org's manager links as "user>manager", sorted.
func simLinks(t *testing.T, sim *simProcess) []string {
	t.Helper()
	var out []string
	for _, l := range sim.snapshot(t).Links {
		out = append(out, l.User+">"+l.Primary)
	}
	slices.Sort(out)
	return out
}

// linkCalls counts the requests to a user's links (reads and writes) since
// the stats were last reset.
func linkCalls(t *testing.T, sim *simProcess) (reads, writes int) {
	t.Helper()
	for route, byStatus := range sim.stats(t).ByRoute {
		n := 0
		for _, c := range byStatus {
			n += c
		}
		switch {
		case strings.HasPrefix(route, "GET /api/v1/users/{id}/linkedObjects"):
			reads += n
		case strings.Contains(route, " /api/v1/users/{id}/linkedObjects/"):
			writes += n
		}
	}
	return reads, writes
}

// TestEndToEndManagerLinks drives the built binary against the simulator:
// a missing link definition stops the run before any write; with
// links.createDefinition the definition is made and managers are set after
// the users' creates (a manager outside the scope included); a second plan
// has nothing to do and reads no link; a change of manager and an emptied
// cell are applied reading only those users; a dangling manager and cycles
// are reported by plan and validate, naming the rows, and written nowhere.
func TestEndToEndManagerLinks(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	dir := t.TempDir()
	seed := oktasim.Seed{
		CustomAttributes: []string{"employeeType"},
		Users: []oktasim.SeedUser{
			{Profile: map[string]any{"login": "boss@example.com", "email": "boss@example.com", "firstName": "B", "lastName": "B", "employeeType": "Contractor"}},
			{Profile: map[string]any{"login": "bob@example.com", "email": "bob@example.com", "firstName": "F", "lastName": "L", "employeeType": "Employee"}},
		},
	}
	b, err := json.Marshal(seed)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "seed.json"), string(b))
	const token = "e2e-token-links-5d2a"
	sim := startSim(t, token, "--seed", filepath.Join(dir, "seed.json"))

	users := filepath.Join(dir, "users.csv")
	managerRows(t, users,
		"alice@example.com:boss@example.com", // the manager is outside the scope
		"bob@example.com:alice@example.com",  // bob exists, alice is created
		"carol@example.com:bob@example.com",
		"dan@example.com:nobody@example.com", // dangling
		"eve@example.com:fay@example.com",    // eve and fay: a cycle
		"fay@example.com:eve@example.com",
		"gus@example.com:gus@example.com", // managing himself
	)
	config := func(create bool) string {
		path := filepath.Join(dir, "oktasync.yaml")
		writeFile(t, path, fmt.Sprintf(`
okta:
  orgUrl: %s
  testing:
    disableHttpsCheck: true
source:
  csv:
    users: users.csv
scope:
  users: profile.employeeType eq "Employee"
mapping:
  manager:
    from: manager
links:
  createDefinition: %t
state:
  url: sqlite://state.db
`, sim.URL, create))
		return path
	}
	env := []string{"OKTA_CLIENT_TOKEN=" + token}

	// No definition, and no leave to create it: a clear error, no write.
	cfg := config(false)
	r := runOktasync(t, env, "run", "--config", cfg)
	if r.code != exitError || !strings.Contains(r.stderr, `no definition "manager"`) || !strings.Contains(r.stderr, "links.createDefinition") {
		t.Fatalf("run without a definition: exit %d, want %d and an error naming links.createDefinition\n%s", r.code, exitError, lastLines(r.stderr, 10))
	}
	if st := sim.stats(t); st.Writes != 0 {
		t.Fatalf("a run stopped by a missing definition sent %d writes", st.Writes)
	}

	cfg = config(true)
	r = runOktasync(t, env, "validate", "--config", cfg)
	wantProblems := []string{
		`manager of "dan@example.com" (users.csv line 5): "nobody@example.com" is in neither the source nor Okta`,
		`managers form a cycle: "eve@example.com" (users.csv line 6) is managed by "fay@example.com" (users.csv line 7)`,
		`"gus@example.com" (users.csv line 8) is named as their own manager`,
	}
	for _, p := range wantProblems {
		if !strings.Contains(r.stdout, p) {
			t.Errorf("validate does not report %q\nexit %d\n%s\n%s", p, r.code, r.stdout, lastLines(r.stderr, 5))
		}
	}

	r = runOktasync(t, env, "plan", "--config", cfg)
	for _, want := range append(wantProblems,
		`~ set manager of "bob@example.com" to "alice@example.com"`,
		`~ set manager of "alice@example.com" to "boss@example.com"`,
		`~ set manager of "carol@example.com" to "bob@example.com"`,
		"applying this plan creates it first (links.createDefinition)") {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("plan does not show %q\n%s", want, r.stdout)
		}
	}

	sim.resetStats(t)
	r = runOktasync(t, env, "run", "--config", cfg)
	if r.code != 0 {
		t.Fatalf("run: exit %d\n%s\n%s", r.code, lastLines(r.stdout, 20), lastLines(r.stderr, 20))
	}
	want := []string{"alice@example.com>boss@example.com", "bob@example.com>alice@example.com", "carol@example.com>bob@example.com"}
	if got := simLinks(t, sim); !slices.Equal(got, want) {
		t.Fatalf("links after the first run = %v, want %v", got, want)
	}
	reads, writes := linkCalls(t, sim)
	// bob existed, but his new manager is created by the run: nothing to
	// read, the link is set whatever it was.
	if reads != 0 || writes != 3 {
		t.Errorf("first run: %d link reads, %d link writes; want 0 and 3", reads, writes)
	}

	sim.resetStats(t)
	r = runOktasync(t, env, "plan", "--config", cfg, "--detailed-exitcode")
	if r.code != 0 {
		t.Fatalf("second plan: exit %d, want 0 (nothing to do)\n%s\n%s", r.code, r.stdout, lastLines(r.stderr, 10))
	}
	if reads, _ := linkCalls(t, sim); reads != 0 {
		t.Errorf("second plan read %d links, want none: every link is recorded as set", reads)
	}

	// carol moves to alice; bob's cell is emptied.
	managerRows(t, users,
		"alice@example.com:boss@example.com", "bob@example.com:", "carol@example.com:alice@example.com",
		"dan@example.com:nobody@example.com", "eve@example.com:fay@example.com", "fay@example.com:eve@example.com",
		"gus@example.com:gus@example.com")
	r = runOktasync(t, env, "plan", "--config", cfg)
	for _, want := range []string{
		`~ set manager of "carol@example.com" to "alice@example.com" (was "bob@example.com")`,
		`- clear manager of "bob@example.com" (was "alice@example.com")`,
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("plan after the change does not show %q\n%s", want, r.stdout)
		}
	}
	// Applied as a reviewed, saved plan.
	planFile := filepath.Join(dir, "links.plan")
	if r = runOktasync(t, env, "plan", "--config", cfg, "--out", planFile); r.code != 0 {
		t.Fatalf("plan --out: exit %d\n%s", r.code, lastLines(r.stderr, 20))
	}
	sim.resetStats(t)
	if r = runOktasync(t, env, "apply", planFile, "--config", cfg); r.code != 0 {
		t.Fatalf("apply of the saved plan: exit %d\n%s", r.code, lastLines(r.stderr, 20))
	}
	want = []string{"alice@example.com>boss@example.com", "carol@example.com>alice@example.com"}
	if got := simLinks(t, sim); !slices.Equal(got, want) {
		t.Errorf("links after the change = %v, want %v", got, want)
	}
	if reads, writes := linkCalls(t, sim); reads != 2 || writes != 2 {
		t.Errorf("apply after the change: %d link reads, %d writes; want 2 and 2 (carol and bob only)", reads, writes)
	}
}
