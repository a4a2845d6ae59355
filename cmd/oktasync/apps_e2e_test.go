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

// appsE2E is an org with apps, a source and a config to sync apps with.
type appsE2E struct {
	t   *testing.T
	dir string
	sim *simProcess
	env []string
	cfg string
}

const appsToken = "apps-token-4f2"

func newAppsE2E(t *testing.T) *appsE2E {
	t.Helper()
	dir := t.TempDir()
	seed := oktasim.Seed{
		Groups: []oktasim.SeedGroup{{Name: "Support"}},
		Apps: []oktasim.SeedApp{
			{Label: "Slack", Groups: []string{"Support"}}, // another admin's assignment
			{Label: "Zoom"}, {Label: "Dup"}, {Label: "Dup"},
		},
	}
	for _, l := range []string{"a", "b", "c"} {
		seed.Users = append(seed.Users, oktasim.SeedUser{Profile: map[string]any{
			"login": l + "@example.com", "email": l + "@example.com", "firstName": l, "lastName": "X", "userType": "Employee"}})
	}
	b, err := json.Marshal(seed)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "seed.json"), string(b))
	writeFile(t, filepath.Join(dir, "users.csv"), "login,email,firstName,lastName,userType,groups,apps\n"+
		"a@example.com,a@example.com,a,X,Employee,Engineering,Zoom\n"+
		"b@example.com,b@example.com,b,X,Employee,Engineering;Sales,zoom;Slack\n"+
		"c@example.com,c@example.com,c,X,Employee,Sales,\n")
	e := &appsE2E{t: t, dir: dir, env: []string{"OKTA_CLIENT_TOKEN=" + appsToken}, cfg: filepath.Join(dir, "oktasync.yaml")}
	e.sim = startSim(t, appsToken, "--no-rate-limits", "--seed", filepath.Join(dir, "seed.json"))
	return e
}

// config writes the config with the given apps section and safety limit.
func (e *appsE2E) config(apps, maxUnassign string) {
	e.t.Helper()
	writeFile(e.t, e.cfg, fmt.Sprintf(`okta:
  orgUrl: %s
  testing:
    disableHttpsCheck: true
source:
  csv:
    users: users.csv
scope:
  users: profile.userType eq "Employee"
state:
  url: sqlite://state.db
safety:
  maxAppUnassignments: "%s"
%s`, e.sim.URL, maxUnassign, apps))
}

func (e *appsE2E) run(args ...string) result {
	e.t.Helper()
	return runOktasync(e.t, e.env, append(args, "--config", e.cfg)...)
}

func (e *appsE2E) app(label string) oktasim.SnapshotApp {
	e.t.Helper()
	for _, a := range e.sim.snapshot(e.t).Apps {
		if a.Label == label {
			return a
		}
	}
	e.t.Fatalf("no app %q in the simulator", label)
	return oktasim.SnapshotApp{}
}

func (e *appsE2E) wantApp(label string, groups, users []string) {
	e.t.Helper()
	a := e.app(label)
	if !slices.Equal(a.Groups, groups) || !slices.Equal(a.Users, users) {
		e.t.Errorf("app %s: groups %v users %v; want groups %v users %v", label, a.Groups, a.Users, groups, users)
	}
}

const appsBoth = `apps:
  - app: Slack
    groups: [Engineering, Sales]
  - app: Zoom
    users: {from: apps}
`

// TestAppAssignmentsEndToEnd drives the built binary against the
// simulator: apps are assigned to the source's groups and to the users
// whose apps column lists them; a second run plans nothing and reads each
// app once; a group dropped from the config is unassigned while another
// admin's assignment stays; a user deactivated behind oktasync's back is
// reactivated and gets its app again; and unassignments over
// safety.maxAppUnassignments block the run with exit 3 and no write.
func TestAppAssignmentsEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	e := newAppsE2E(t)
	e.config(appsBoth, "10% or 10")
	r := e.run("run")
	if r.code != 0 {
		t.Fatalf("first run: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, line := range []string{`+ assign app "Slack" to group "Engineering"`, `+ assign app "Slack" to group "Sales"`,
		`+ assign app "Zoom" to user a@example.com`, `+ assign app "Zoom" to user b@example.com`} {
		if !strings.Contains(r.stdout, line) {
			t.Errorf("first run's plan lacks %q:\n%s", line, r.stdout)
		}
	}
	e.wantApp("Slack", []string{"Engineering", "Sales", "Support"}, []string{})
	e.wantApp("Zoom", []string{}, []string{"a@example.com", "b@example.com"})

	// Nothing left to do; each app's assignments are read once: the app
	// list, two group lists and Zoom's user list.
	e.sim.resetStats(t)
	r = e.run("plan", "--output", "json", "--detailed-exitcode")
	if r.code != 0 {
		t.Fatalf("second plan: exit %d, want 0 (no changes)\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if st := e.sim.stats(t); st.ByBucket["apps"] != 4 {
		t.Errorf("second plan made %d calls in the apps bucket, want 4 (%v)", st.ByBucket["apps"], st.ByRoute)
	}

	// Sales leaves Slack's groups: unassigned; Support, which oktasync
	// neither made nor was asked for, stays.
	e.config(strings.Replace(appsBoth, "[Engineering, Sales]", "[Engineering]", 1), "10% or 10")
	if r = e.run("run"); r.code != 0 || !strings.Contains(r.stdout, `- unassign app "Slack" from group "Sales"`) {
		t.Fatalf("run without Sales: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	e.wantApp("Slack", []string{"Engineering", "Support"}, []string{})

	// Deactivated behind oktasync's back, b loses Zoom; the next run
	// reactivates b and assigns Zoom again.
	var snap oktasim.Snapshot
	e.sim.getJSON(t, "/sim/state", &snap)
	for _, u := range snap.Users {
		if u.Profile["login"] == "b@example.com" {
			if resp := e.sim.apiPost(t, appsToken, "/api/v1/users/"+u.ID+"/lifecycle/deactivate", ""); resp.StatusCode != 200 {
				t.Fatalf("deactivate b: %s", resp.Status)
			}
		}
	}
	e.wantApp("Zoom", []string{}, []string{"a@example.com"})
	// Through a saved plan, which also gives c Zoom: what it assigns is
	// recorded as a run's is.
	writeFile(t, filepath.Join(e.dir, "users.csv"), "login,email,firstName,lastName,userType,groups,apps\n"+
		"a@example.com,a@example.com,a,X,Employee,Engineering,Zoom\n"+
		"b@example.com,b@example.com,b,X,Employee,Engineering;Sales,zoom;Slack\n"+
		"c@example.com,c@example.com,c,X,Employee,Sales,Zoom\n")
	saved := filepath.Join(e.dir, "plan.json")
	if r = e.run("plan", "--out", saved); r.code != 0 || !strings.Contains(r.stdout, `+ assign app "Zoom" to user b@example.com (reactivated`) {
		t.Fatalf("plan after b's deactivation: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r = runOktasync(t, e.env, "apply", saved, "--config", e.cfg); r.code != 0 {
		t.Fatalf("apply the saved plan: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	e.wantApp("Zoom", []string{}, []string{"a@example.com", "b@example.com", "c@example.com"})

	// Zoom leaves the config (Slack now reads the apps column): its three
	// user assignments would go, over a limit of 1: blocked, nothing
	// written.
	e.config("apps:\n  - app: Slack\n    groups: [Engineering]\n    users: {from: apps}\n", "1")
	e.sim.resetStats(t)
	r = e.run("run")
	if r.code != exitBlocked || !strings.Contains(r.stdout+r.stderr, "safety.maxAppUnassignments") {
		t.Fatalf("over the limit: exit %d, want %d naming safety.maxAppUnassignments\n%s\n%s", r.code, exitBlocked, r.stdout, r.stderr)
	}
	if st := e.sim.stats(t); st.Writes != 0 {
		t.Errorf("blocked run made %d writes, want none", st.Writes)
	}
	e.wantApp("Zoom", []string{}, []string{"a@example.com", "b@example.com", "c@example.com"})
	if r = e.run("run", "--allow-app-unassignments", "3"); r.code != 0 {
		t.Fatalf("run allowing 3 unassignments: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	e.wantApp("Zoom", []string{}, []string{})
	e.wantApp("Slack", []string{"Engineering", "Support"}, []string{"b@example.com"})
}

// TestAppConfigErrorsEndToEnd: an app Okta does not have, a label two apps
// share, and a group the source does not have each stop the run before
// any write, naming the config entry.
func TestAppConfigErrorsEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	e := newAppsE2E(t)
	for _, tt := range []struct{ apps, want string }{
		{"apps:\n  - app: Slack\n    groups: [Engineering]\n    users: {from: apps}\n  - app: Teams\n    groups: [Sales]\n", `apps[1].app: Okta has no active app with the label or id "Teams"`},
		{"apps:\n  - app: Dup\n    groups: [Sales]\n    users: {from: apps}\n", `apps[0].app: 2 active Okta apps have the label "Dup"`},
		{"apps:\n  - app: Slack\n    groups: [Engineering, Marketing]\n    users: {from: apps}\n", `apps[0].groups[1]: group "Marketing" is not among the source's groups`},
	} {
		e.config(tt.apps, "10% or 10")
		e.sim.resetStats(t)
		r := e.run("run")
		if r.code == 0 || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%s: exit %d, want an error with %q:\n%s", tt.apps, r.code, tt.want, r.stderr)
		}
		if st := e.sim.stats(t); st.Writes != 0 {
			t.Errorf("%s: %d writes, want none", tt.apps, st.Writes)
		}
	}
	e.config("apps:\n  - app: Slack\n    groups: [Engineering, Marketing]\n    users: {from: apps}\n", "10% or 10")
	if r := e.run("validate"); r.code == 0 || !strings.Contains(r.stderr, "apps[0].groups[1]") {
		t.Errorf("validate: exit %d, want an error naming apps[0].groups[1]:\n%s%s", r.code, r.stdout, r.stderr)
	}
}
