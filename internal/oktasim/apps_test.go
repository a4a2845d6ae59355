package oktasim

import (
	"net/http"
	"testing"
)

// TestAppAssignments drives the Applications API: seeded apps listed and
// filtered, group and user assignments made, listed (group members with
// scope GROUP) and removed, all in the apps bucket, and a deactivation
// dropping the user's direct assignment for good.
func TestAppAssignments(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{MaxPageSize: 2})
	if err := e.sim.Seed(Seed{
		Users: []SeedUser{
			{Profile: profile("ann@example.com"), Groups: []string{"Eng"}},
			{Profile: profile("bob@example.com")},
		},
		Apps: []SeedApp{{Label: "Slack"}, {Label: "Zoom"}, {Label: "Old", Status: "INACTIVE"}, {Label: "Slack Admin", Groups: []string{"Eng"}}},
	}); err != nil {
		t.Fatal(err)
	}
	var apps []map[string]any
	r := e.do("GET", `/api/v1/apps?filter=status+eq+"ACTIVE"`, nil)
	mustStatus(t, r, http.StatusOK)
	r.json(t, &apps)
	if len(apps) != 2 || nextLink(t, r.header) == "" {
		t.Fatalf("first page of active apps: %d apps, next %q", len(apps), nextLink(t, r.header))
	}
	var rest []map[string]any
	e.do("GET", nextLink(t, r.header), nil).json(t, &rest)
	if len(apps)+len(rest) != 3 {
		t.Fatalf("active apps: %d, want 3 (INACTIVE left out)", len(apps)+len(rest))
	}
	var found []map[string]any
	e.do("GET", "/api/v1/apps?q=slack", nil).json(t, &found)
	if len(found) != 2 {
		t.Fatalf("q=slack found %d apps, want 2", len(found))
	}
	slack := ""
	for _, a := range found {
		if a["label"] == "Slack" {
			slack = a["id"].(string)
		}
	}
	snap := e.sim.Snapshot()
	eng, bob := "", ""
	for _, g := range snap.Groups {
		if g.Name == "Eng" {
			eng = g.ID
		}
	}
	for _, u := range snap.Users {
		if u.Profile["login"] == "bob@example.com" {
			bob = u.ID
		}
	}

	mustStatus(t, e.do("PUT", "/api/v1/apps/"+slack+"/groups/"+eng, map[string]any{"priority": 0, "profile": map[string]any{"role": "dev"}}), http.StatusOK)
	mustStatus(t, e.do("POST", "/api/v1/apps/"+slack+"/users", map[string]any{"id": bob, "scope": "USER"}), http.StatusOK)
	var users []map[string]any
	e.do("GET", "/api/v1/apps/"+slack+"/users", nil).json(t, &users)
	scopes := map[string]string{}
	for _, u := range users {
		scopes[u["credentials"].(map[string]any)["userName"].(string)] = u["scope"].(string)
	}
	if scopes["ann@example.com"] != "GROUP" || scopes["bob@example.com"] != "USER" || len(scopes) != 2 {
		t.Fatalf("app users = %v, want ann by GROUP and bob by USER", scopes)
	}
	var groups []map[string]any
	e.do("GET", "/api/v1/apps/"+slack+"/groups", nil).json(t, &groups)
	if len(groups) != 1 || groups[0]["id"] != eng || groups[0]["profile"].(map[string]any)["role"] != "dev" {
		t.Fatalf("app groups = %v", groups)
	}

	// Deactivation drops bob's direct assignment; reactivation does not
	// bring it back.
	mustStatus(t, e.do("POST", "/api/v1/users/"+bob+"/lifecycle/deactivate", nil), http.StatusOK)
	mustStatus(t, e.do("POST", "/api/v1/users/"+bob+"/lifecycle/activate?sendEmail=false", nil), http.StatusOK)
	if got := appByLabel(e.sim.Snapshot(), "Slack"); len(got.Users) != 0 || len(got.Groups) != 1 {
		t.Fatalf("after deactivate and activate, Slack = %+v, want no direct users and the group", got)
	}
	mustStatus(t, e.do("DELETE", "/api/v1/apps/"+slack+"/users/"+bob, nil), http.StatusNotFound)
	mustStatus(t, e.do("DELETE", "/api/v1/apps/"+slack+"/groups/"+eng, nil), http.StatusNoContent)
	mustStatus(t, e.do("DELETE", "/api/v1/apps/"+slack+"/groups/"+eng, nil), http.StatusNotFound)
	if got := appByLabel(e.sim.Snapshot(), "Slack"); len(got.Groups) != 0 {
		t.Fatalf("Slack groups after unassign = %v", got.Groups)
	}
	st := e.sim.Stats()
	if st.ByBucket["apps"] != 10 {
		t.Errorf("apps bucket counted %d requests, want 10 (%v)", st.ByBucket["apps"], st.ByBucket)
	}
}

func appByLabel(s Snapshot, label string) SnapshotApp {
	for _, a := range s.Apps {
		if a.Label == label {
			return a
		}
	}
	return SnapshotApp{}
}

// TestSeedAppsChecked refuses a seed app naming a group or user that does
// not exist, and changes nothing.
func TestSeedAppsChecked(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	for _, seed := range []Seed{
		{Apps: []SeedApp{{Label: "Slack", Groups: []string{"Nope"}}}},
		{Apps: []SeedApp{{Label: "Slack", Users: []string{"nobody@example.com"}}}},
		{Apps: []SeedApp{{Label: ""}}},
	} {
		if err := e.sim.Seed(seed); err == nil {
			t.Errorf("seed %+v accepted", seed.Apps)
		}
	}
	if n := len(e.sim.Snapshot().Apps); n != 0 {
		t.Errorf("%d apps after refused seeds", n)
	}
}
