package apply_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oktasync/oktasync/internal/apply"
	"github.com/oktasync/oktasync/internal/diff"
	"github.com/oktasync/oktasync/internal/directory"
	"github.com/oktasync/oktasync/internal/okta"
	"github.com/oktasync/oktasync/internal/oktasim"
	"github.com/oktasync/oktasync/internal/state"
)

func person(login string) map[string]any {
	name, _, _ := strings.Cut(login, "@")
	return map[string]any{"login": login, "email": login, "firstName": name, "lastName": "Example"}
}

// TestExecuteAgainstSimulator applies a plan with every kind of operation
// through the real client to the simulated org, checkpointing into a real
// SQLite store, and checks the org and the store afterwards.
func TestExecuteAgainstSimulator(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const token = "test-token-apply"
	sim, err := oktasim.New(oktasim.Options{Tokens: []string{token}})
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.Seed(oktasim.Seed{
		Groups: []oktasim.SeedGroup{{Name: "ops"}, {Name: "old"}},
		Users: []oktasim.SeedUser{
			{Profile: person("bob@example.com"), Groups: []string{"ops"}},
			{Profile: person("carol@example.com"), Status: "DEPROVISIONED"},
			{Profile: person("dave@example.com"), Groups: []string{"ops"}},
			{Profile: person("frank@example.com")},
			{Profile: person("gina@example.com"), Status: "SUSPENDED"},
		},
	}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	client, err := okta.NewClient(srv.URL, okta.WithToken(token), okta.WithInsecureHTTP())
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, u := range sim.Snapshot().Users {
		ids[u.Profile["login"].(string)] = u.ID
	}
	for _, g := range sim.Snapshot().Groups {
		ids[g.Name] = g.ID
	}

	store, err := state.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "state.db"), state.Options{AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	org := "sim.example.com"
	runID, err := store.BeginRun(ctx, state.Run{Org: org, Status: state.RunRunning})
	if err != nil {
		t.Fatal(err)
	}

	const password = "Sim-Passw0rd!-secret"
	newUser := func(login string) diff.Operation {
		return diff.Operation{Action: diff.CreateUser, Login: login, Profile: person(login), Activate: true, Password: password}
	}
	user := func(a diff.Action, login string) diff.Operation {
		return diff.Operation{Action: a, Login: login, UserID: ids[login]}
	}
	member := func(a diff.Action, group, login string) diff.Operation {
		return diff.Operation{Action: a, Group: group, GroupID: ids[group], Login: login, UserID: ids[login]}
	}
	ops := []diff.Operation{
		{Action: diff.CreateGroup, Group: "eng", Description: "Engineers"},
		{Action: diff.UpdateGroup, Group: "ops", GroupID: ids["ops"], Description: "Operations"},
		newUser("alice@example.com"),
		newUser("frank@example.com"), // exists: a conflict
		{Action: diff.UpdateUser, Login: "bob@example.com", UserID: ids["bob@example.com"], Profile: directory.Profile{"title": "Lead"}},
		user(diff.ReactivateUser, "carol@example.com"),
		user(diff.UnsuspendUser, "gina@example.com"),
		member(diff.AddMember, "eng", "alice@example.com"),
		member(diff.AddMember, "eng", "frank@example.com"),
		member(diff.AddMember, "eng", "bob@example.com"),
		member(diff.RemoveMember, "ops", "dave@example.com"),
		user(diff.DeactivateUser, "dave@example.com"),
		{Action: diff.DeleteGroup, Group: "old", GroupID: ids["old"]},
	}
	for i := range ops {
		ops[i].Seq = i + 1
	}
	res, err := apply.Execute(ctx, &diff.Plan{Operations: ops}, apply.Client(client), store,
		apply.Options{Org: org, RunID: runID, Concurrency: 3})
	if err != nil {
		t.Fatalf("Execute: %v", err)
	}
	got := map[int]string{}
	for _, o := range res.Outcomes {
		got[o.Seq] = o.Status
		if o.Err != nil && strings.Contains(o.Err.Error(), password) {
			t.Errorf("seq %d error shows the password: %v", o.Seq, o.Err)
		}
	}
	want := map[int]string{}
	for i := range ops {
		want[i+1] = state.OpApplied
	}
	want[4], want[9] = state.OpFailed, state.OpSkipped
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("outcomes by seq (-want +got):\n%s\n%+v", d, res.Outcomes)
	}
	if o := res.Outcomes[3]; !apply.IsConflict(o.Err) || !errors.Is(o.Err, apply.ErrConflict) {
		t.Errorf("frank's create: %v, want a conflict", o.Err)
	}

	// The org.
	status, groups := map[string]string{}, map[string][]string{}
	for _, u := range sim.Snapshot().Users {
		status[u.Profile["login"].(string)] = u.Status
		if u.Profile["login"] == "bob@example.com" && u.Profile["title"] != "Lead" {
			t.Errorf("bob's title = %v", u.Profile["title"])
		}
	}
	for _, g := range sim.Snapshot().Groups {
		groups[g.Name] = g.Members
		if g.Name == "ops" && g.Description != "Operations" {
			t.Errorf("ops description %q", g.Description)
		}
	}
	wantStatus := map[string]string{
		"alice@example.com": "ACTIVE", "bob@example.com": "ACTIVE", "carol@example.com": "ACTIVE",
		"dave@example.com": "DEPROVISIONED", "frank@example.com": "ACTIVE", "gina@example.com": "ACTIVE",
	}
	if d := cmp.Diff(wantStatus, status); d != "" {
		t.Errorf("statuses (-want +got):\n%s", d)
	}
	if _, ok := groups["old"]; ok {
		t.Errorf("group old not deleted")
	}
	if d := cmp.Diff([]string{"alice@example.com", "bob@example.com"}, groups["eng"]); d != "" {
		t.Errorf("eng members (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"bob@example.com"}, groups["ops"]); d != "" {
		t.Errorf("ops members (-want +got):\n%s", d)
	}

	// The store.
	recs, err := store.Operations(ctx, runID)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != len(ops) {
		t.Fatalf("%d checkpoints, want %d", len(recs), len(ops))
	}
	for _, r := range recs {
		if r.Outcome != want[r.Seq] || strings.Contains(r.Error, password) {
			t.Errorf("checkpoint %+v", r)
		}
	}
	owned, err := store.Owned(ctx, org)
	if err != nil {
		t.Fatal(err)
	}
	if len(owned) != 1 || owned["alice@example.com"].OktaID != res.Outcomes[2].OktaID || res.Outcomes[2].OktaID == "" {
		t.Errorf("owned users %+v, want alice with id %s only", owned, res.Outcomes[2].OktaID)
	}
}
