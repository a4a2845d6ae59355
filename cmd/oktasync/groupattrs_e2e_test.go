package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/oktasync/oktasync/internal/oktasim"
)

const groupAttrsToken = "group-attrs-e2e-token-31c9"

// groupAttrsOrg is an org whose group schema has costCode, floor (an
// integer) and owner, with Team A (costCode CC-1, owner ann, which
// oktasync does not manage) and two of its members.
func groupAttrsOrg(t *testing.T) *orgHarness {
	t.Helper()
	seed := oktasim.Seed{Groups: []oktasim.SeedGroup{{Name: "Team A", Description: "old", Attributes: map[string]any{"costCode": "CC-1", "owner": "ann"}}}}
	for i := 1; i <= 2; i++ {
		seed.Users = append(seed.Users, oktasim.SeedUser{Profile: map[string]any{
			"login": loginOf(i), "email": loginOf(i), "firstName": "First" + string(rune('0'+i)), "lastName": "Last" + string(rune('0'+i)), "employeeType": "Employee",
		}, Groups: []string{"Team A"}})
	}
	return newOrgHarness(t, oktasim.Options{
		Tokens:                []string{groupAttrsToken},
		GroupCustomAttributes: []string{"costCode", "floor:integer", "owner"},
		RateLimit:             oktasim.RateLimitOptions{Window: time.Second, Scale: 20},
	}, seed)
}

func loginOf(i int) string { return "bad00" + string(rune('0'+i)) + "@example.com" }

// groupAttrsDir writes users.csv (two users in Team A, one in Team B),
// groups.csv and the config beside them, and returns the config's path.
func groupAttrsDir(t *testing.T, orgURL, groupsCSV string) string {
	t.Helper()
	dir := t.TempDir()
	users := goodHeader
	for i := 1; i <= 2; i++ {
		users += strings.Replace(goodRow(i), "Team A", "Team A;Team B", 1)
	}
	writeFile(t, filepath.Join(dir, "users.csv"), users)
	writeFile(t, filepath.Join(dir, "groups.csv"), groupsCSV)
	cfg := filepath.Join(dir, "oktasync.yaml")
	writeFile(t, cfg, withOrgURL(withCSV("groups: groups.csv"), orgURL))
	return cfg
}

func snapshotGroup(t *testing.T, h *orgHarness, name string) oktasim.SnapshotGroup {
	t.Helper()
	for _, g := range h.sim.Snapshot().Groups {
		if g.Name == name {
			return g
		}
	}
	t.Fatalf("no group %q in the org", name)
	return oktasim.SnapshotGroup{}
}

// TestGroupAttributesEndToEnd plans and applies group descriptions and
// custom attributes with the built binary: the plan shows the changes, the
// run makes them and keeps what oktasync does not manage, and the next plan
// has nothing to do.
func TestGroupAttributesEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	h := groupAttrsOrg(t)
	cfg := groupAttrsDir(t, h.URL, "name,description,costCode,floor:integer\nTeam A,The A team,CC-2,\nTeam B,The B team,CC-9,4\n")
	env := []string{"OKTA_CLIENT_TOKEN=" + groupAttrsToken}

	r := runOktasync(t, env, "plan", "--config", cfg, "--no-color")
	if r.code != exitOK {
		t.Fatalf("plan: exit %d\n%s", r.code, lastLines(r.stderr, 10))
	}
	for _, want := range []string{
		"~ update group \"Team A\"\n    description: \"old\" → \"The A team\"\n    costCode: \"CC-1\" → \"CC-2\"\n",
		"+ create group \"Team B\"\n    description: \"The B team\"\n    costCode: \"CC-9\"\n    floor: 4\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the plan lacks\n%s\nplan:\n%s", want, r.stdout)
		}
	}
	if w := h.writes.Load(); w != 0 {
		t.Fatalf("plan wrote %d times", w)
	}

	r = runOktasync(t, env, "run", "--config", cfg)
	if r.code != exitOK {
		t.Fatalf("run: exit %d\n%s", r.code, lastLines(r.stderr, 10))
	}
	a := snapshotGroup(t, h, "Team A")
	if a.Description != "The A team" {
		t.Errorf("Team A's description = %q", a.Description)
	}
	if diff := cmp.Diff(map[string]any{"costCode": "CC-2", "owner": "ann"}, a.Attributes); diff != "" {
		t.Errorf("Team A's attributes (-want +got), owner must be kept:\n%s", diff)
	}
	if diff := cmp.Diff(map[string]any{"costCode": "CC-9", "floor": 4.0}, snapshotGroup(t, h, "Team B").Attributes); diff != "" {
		t.Errorf("Team B's attributes (-want +got):\n%s", diff)
	}

	r = runOktasync(t, env, "plan", "--config", cfg, "--no-color")
	if r.code != exitOK || !strings.Contains(r.stdout, "No changes") {
		t.Errorf("second plan: exit %d\n%s", r.code, r.stdout)
	}
}

// TestGroupAttributesBadInput checks that bad groups rows and attributes
// the org's group schema does not have stop the run with exit 1, an error
// naming the file, line or column, and no write.
func TestGroupAttributesBadInput(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	h := groupAttrsOrg(t)
	env := []string{"OKTA_CLIENT_TOKEN=" + groupAttrsToken}
	for _, tc := range []struct{ name, groups, want string }{
		{"duplicate name", "name,costCode\nTeam A,CC-1\nteam a,CC-2\n", `groups.csv line 3: duplicate group "team a" (first at groups.csv line 2)`},
		{"empty name", "name,costCode\n,CC-1\n", "groups.csv line 2: empty group name"},
		{"not in the group schema", "name,budget\nTeam A,100\n", `no custom attribute "budget" (column budget, first at groups.csv line 2)`},
		{"wrong type", "name,floor\nTeam A,4\n", `attribute "floor" is of type integer in the schema, but groups.csv line 2 gives text`},
		{"bad typed value", "name,floor:integer\nTeam A,four\n", `groups.csv line 2: column floor: want a whole number, got "four"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := groupAttrsDir(t, h.URL, tc.groups)
			before := h.writes.Load()
			for _, cmd := range []string{"validate", "run"} {
				r := runOktasync(t, env, cmd, "--config", cfg)
				if r.code != exitError {
					t.Errorf("%s: exit %d, want %d\n%s", cmd, r.code, exitError, lastLines(r.stderr, 5))
				}
				if !strings.Contains(r.stderr, tc.want) {
					t.Errorf("%s: stderr lacks %q:\n%s", cmd, tc.want, lastLines(r.stderr, 10))
				}
			}
			if w := h.writes.Load() - before; w != 0 {
				t.Errorf("%d writes", w)
			}
		})
	}
}
