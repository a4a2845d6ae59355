package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/oktasync/oktasync/internal/oktasim"
)

// e2eData is a generated source and a drifted org to sync it into.
type e2eData struct {
	csvUsers []csvUser
	seed     oktasim.Seed
	leavers  []string // managed logins in Okta, absent from the source
	outside  []string // unmanaged logins, which must be left alone
}

type csvUser struct {
	login, first, last, dept, title string
	groups                          []string
}

var departments = []string{"Engineering", "Sales", "Marketing", "Finance", "Support", "Legal", "People", "Operations"}

func teamName(i int) string { return fmt.Sprintf("Team %02d", i+1) }

// generateE2E builds nUsers source users in nGroups groups and an org that
// differs from it: 80 % of users present (every tenth with a drifted
// profile), the rest missing; two groups missing; memberships missing and
// extra; 50 managed leavers; 20 unmanaged users that must not be touched.
func generateE2E(nUsers, nGroups int) e2eData {
	r := rand.New(rand.NewPCG(42, 7))
	var d e2eData
	// The org has employeeType added to its profile schema, as an org fed
	// from an HR system has; the scope uses it. On a new org it does not
	// exist, and the simulator, as Okta, refuses it until declared.
	d.seed.CustomAttributes = []string{"employeeType"}
	for i := range nGroups {
		if i < nGroups-2 {
			d.seed.Groups = append(d.seed.Groups, oktasim.SeedGroup{Name: teamName(i), Description: "generated"})
		}
	}
	for i := range nUsers {
		u := csvUser{
			login: fmt.Sprintf("user%05d@example.com", i),
			first: fmt.Sprintf("First%d", i),
			last:  fmt.Sprintf("Last%d", i),
			dept:  departments[r.IntN(len(departments))],
			title: fmt.Sprintf("Title %d", r.IntN(40)),
		}
		k := 1 + r.IntN(3)
		for _, g := range r.Perm(nGroups)[:k] {
			u.groups = append(u.groups, teamName(g))
		}
		sort.Strings(u.groups)
		d.csvUsers = append(d.csvUsers, u)

		if i >= nUsers*8/10 {
			continue // to be created
		}
		su := oktasim.SeedUser{Profile: map[string]any{
			"login": u.login, "email": u.login, "firstName": u.first, "lastName": u.last,
			"department": u.dept, "title": u.title, "employeeType": "Employee",
			"costCenter": "CC-1", // not in the source: must be left alone
		}}
		if i%10 == 0 {
			su.Profile["department"] = "Drifted"
			su.Profile["title"] = "Old title"
		}
		for j, g := range u.groups {
			if i%7 == 0 && j == 0 {
				continue // a missing membership
			}
			if strings.HasSuffix(g, fmt.Sprintf("%02d", nGroups)) || strings.HasSuffix(g, fmt.Sprintf("%02d", nGroups-1)) {
				continue // groups that do not exist yet
			}
			su.Groups = append(su.Groups, g)
		}
		if i%11 == 0 {
			for g := range nGroups - 2 {
				if !slices.Contains(u.groups, teamName(g)) {
					su.Groups = append(su.Groups, teamName(g)) // an extra membership
					break
				}
			}
		}
		d.seed.Users = append(d.seed.Users, su)
	}
	for i := range 50 {
		login := fmt.Sprintf("leaver%03d@example.com", i)
		d.leavers = append(d.leavers, login)
		d.seed.Users = append(d.seed.Users, oktasim.SeedUser{
			Profile: map[string]any{"login": login, "email": login, "firstName": "Gone", "lastName": fmt.Sprint(i), "employeeType": "Employee"},
			Groups:  []string{teamName(0)},
		})
	}
	for i := range 20 {
		login := fmt.Sprintf("contractor%03d@example.com", i)
		d.outside = append(d.outside, login)
		d.seed.Users = append(d.seed.Users, oktasim.SeedUser{
			Profile: map[string]any{"login": login, "email": login, "firstName": "Con", "lastName": fmt.Sprint(i), "employeeType": "Contractor"},
		})
	}
	return d
}

func (d e2eData) writeCSV(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	_ = w.Write([]string{"login", "email", "firstName", "lastName", "department", "title", "employeeType", "groups"})
	for _, u := range d.csvUsers {
		_ = w.Write([]string{u.login, u.login, u.first, u.last, u.dept, u.title, "Employee", strings.Join(u.groups, ";")})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func (d e2eData) writeSeed(t *testing.T, path string) {
	t.Helper()
	b, err := json.Marshal(d.seed)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, string(b))
}

// TestEndToEndCSVSync syncs a generated 2,000-user CSV into a drifted
// simulated org with the built binary, then checks the org matches the source
// exactly and a second plan has nothing to do.
func TestEndToEndCSVSync(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	dir := t.TempDir()
	data := generateE2E(2000, 20)
	data.writeCSV(t, filepath.Join(dir, "users.csv"))
	data.writeSeed(t, filepath.Join(dir, "seed.json"))

	const token = "e2e-token-3b1f0c"
	sim := startSim(t, token, "--realistic", "--seed", filepath.Join(dir, "seed.json"), "--window", "1s")
	sim.resetStats(t)

	writeFile(t, filepath.Join(dir, "oktasync.yaml"), fmt.Sprintf(`
okta:
  orgUrl: %s
  testing:
    disableHttpsCheck: true
source:
  csv:
    users: users.csv
scope:
  users: profile.employeeType eq "Employee"
state:
  url: sqlite://state.db
concurrency: 8
`, sim.URL))
	env := []string{"OKTA_CLIENT_TOKEN=" + token}
	cfg := filepath.Join(dir, "oktasync.yaml")

	// A dry run plans but writes nothing.
	r := runOktasync(t, env, "plan", "--config", cfg, "--output", "json", "--detailed-exitcode")
	if r.code != exitChanges {
		t.Fatalf("plan: exit %d, want %d\nstderr: %s", r.code, exitChanges, lastLines(r.stderr, 20))
	}
	var planRep struct {
		DryRun  bool `json:"dryRun"`
		Summary struct {
			Users struct {
				Create, Update, Deactivate int
			} `json:"users"`
			Groups      struct{ Create int } `json:"groups"`
			Memberships struct{ Add, Remove int }
			Emails      *int `json:"emails"`
		} `json:"summary"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &planRep); err != nil {
		t.Fatalf("plan JSON: %v\n%s", err, r.stdout)
	}
	if !planRep.DryRun || planRep.Summary.Users.Create != 400 || planRep.Summary.Users.Update != 160 ||
		planRep.Summary.Users.Deactivate != 50 || planRep.Summary.Groups.Create != 2 ||
		planRep.Summary.Emails == nil || *planRep.Summary.Emails != 0 {
		t.Fatalf("plan summary = %+v", planRep)
	}
	if st := sim.stats(t); st.Writes != 0 {
		t.Fatalf("a dry run sent %d write requests", st.Writes)
	}

	sim.resetStats(t)
	r = runOktasync(t, env, "run", "--config", cfg, "--output", "json")
	if r.code != 0 {
		t.Fatalf("run: exit %d\nstdout: %s\nstderr: %s", r.code, lastLines(r.stdout, 20), lastLines(r.stderr, 20))
	}
	st := sim.stats(t)
	t.Logf("run: %v, %d API requests (%d writes), %d rate-limited, by route: %v", r.elapsed, st.Requests, st.Writes, st.RateLimited, st.ByRoute)
	if st.DuplicateCreateAttempts != 0 {
		t.Errorf("%d duplicate creates", st.DuplicateCreateAttempts)
	}
	if st.Emails != 0 {
		t.Errorf("Okta would have emailed %d users; users.sendActivationEmail is off by default", len(st.EmailsByLogin))
	}

	checkOrgMatches(t, sim.snapshot(t), data)

	r = runOktasync(t, env, "plan", "--config", cfg, "--detailed-exitcode")
	if r.code != 0 {
		t.Fatalf("second plan: exit %d, want 0 (nothing to do)\n%s\n%s", r.code, r.stdout, lastLines(r.stderr, 20))
	}
}

// checkOrgMatches asserts the org holds exactly the source's users with
// their attributes and groups, leavers deactivated and outsiders untouched.
func checkOrgMatches(t *testing.T, snap oktasim.Snapshot, data e2eData) {
	t.Helper()
	users := make(map[string]oktasim.SnapshotUser, len(snap.Users))
	for _, u := range snap.Users {
		login, _ := u.Profile["login"].(string)
		users[strings.ToLower(login)] = u
	}
	members := make(map[string][]string)
	for _, g := range snap.Groups {
		members[g.Name] = g.Members
	}
	wantMembers := make(map[string][]string)
	for _, cu := range data.csvUsers {
		u, ok := users[cu.login]
		if !ok {
			t.Errorf("%s missing from Okta", cu.login)
			continue
		}
		if u.Status == "DEPROVISIONED" || u.Status == "SUSPENDED" {
			t.Errorf("%s is %s", cu.login, u.Status)
		}
		for attr, want := range map[string]string{"department": cu.dept, "title": cu.title, "firstName": cu.first, "lastName": cu.last, "email": cu.login} {
			if got := fmt.Sprint(u.Profile[attr]); got != want {
				t.Errorf("%s %s = %q, want %q", cu.login, attr, got, want)
			}
		}
		// Every user is in the BUILT_IN Everyone group, which no source names.
		groups := slices.DeleteFunc(slices.Clone(u.Groups), func(g string) bool { return g == "Everyone" })
		if !slices.Equal(groups, cu.groups) {
			t.Errorf("%s groups = %v, want %v", cu.login, groups, cu.groups)
		}
		for _, g := range cu.groups {
			wantMembers[g] = append(wantMembers[g], cu.login)
		}
	}
	for g, want := range wantMembers {
		sort.Strings(want)
		got := slices.Clone(members[g])
		for i := range got {
			got[i] = strings.ToLower(got[i])
		}
		sort.Strings(got)
		if !slices.Equal(got, want) {
			t.Errorf("group %q has %d members, want %d", g, len(got), len(want))
		}
	}
	// A leaver whose deactivation Okta is still carrying out (the realistic
	// org's lifecycle delay) shows transitioningToStatus DEPROVISIONED.
	for _, l := range data.leavers {
		if u := users[l]; u.Status != "DEPROVISIONED" && u.TransitioningToStatus != "DEPROVISIONED" {
			t.Errorf("leaver %s is %s (transitioning to %q), want DEPROVISIONED", l, u.Status, u.TransitioningToStatus)
		}
	}
	for _, l := range data.outside {
		u := users[l]
		if u.Status != "ACTIVE" || u.Profile["employeeType"] != "Contractor" {
			t.Errorf("unmanaged %s changed: %s %v", l, u.Status, u.Profile)
		}
	}
	// costCenter is not in the source: a partial update leaves it alone.
	if u := users["user00010@example.com"]; u.Profile["costCenter"] != "CC-1" {
		t.Errorf("costCenter of a drifted user = %v, want it left alone", u.Profile["costCenter"])
	}
}
