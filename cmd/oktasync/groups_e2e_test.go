package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oktasync/oktasync/internal/diff"
)

// TestGroupRenamedAndDeleted drives a group through the simulator as an
// operator would: renamed in the source, the old group is emptied through
// a saved plan that holds its removals (applied as reviewed, then found
// already applied), and with groups.deleteUnlisted it is deleted.
func TestGroupRenamedAndDeleted(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	t.Parallel()
	const token = "group-rename-token-2b7"
	sim := startSim(t, token, "--no-rate-limits")
	dir := t.TempDir()
	cfg := filepath.Join(dir, "oktasync.yaml")
	config := func(extra string) {
		writeFile(t, cfg, fmt.Sprintf("okta:\n  orgUrl: %s\n  testing:\n    disableHttpsCheck: true\nsource:\n  csv:\n    users: users.csv\n"+
			"state:\n  url: sqlite://state.db\nsafety:\n  maxMembershipRemovals: 10\n%s", sim.URL, extra))
	}
	source := func(group string) {
		writeFile(t, filepath.Join(dir, "users.csv"), "login,email,firstName,lastName,groups\n"+
			"a@example.com,a@example.com,A,One,"+group+"\nb@example.com,b@example.com,B,Two,"+group+"\n")
	}
	env := []string{"OKTA_CLIENT_TOKEN=" + token}
	members := func() map[string][]string {
		out := map[string][]string{}
		for _, g := range sim.snapshot(t).Groups {
			out[g.Name] = g.Members
		}
		return out
	}
	config("")
	source("VPN users")
	if r := runOktasync(t, env, "run", "--config", cfg); r.code != 0 {
		t.Fatalf("first run: exit %d\n%s", r.code, r.stderr)
	}

	// Renamed in the source: the saved plan holds the old group's removals.
	source("VPN access")
	planFile := filepath.Join(dir, "plan.json")
	r := runOktasync(t, env, "plan", "--config", cfg, "--out", planFile)
	if r.code != 0 || !strings.Contains(r.stdout, `group "VPN users", which oktasync managed, left the source (or was renamed there): it is being emptied`) {
		t.Fatalf("plan after the rename: exit %d, want 0 saying VPN users is emptied:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	b, err := os.ReadFile(planFile)
	if err != nil {
		t.Fatal(err)
	}
	var saved diff.SavedPlan
	if err := json.Unmarshal(b, &saved); err != nil {
		t.Fatal(err)
	}
	var removals, adds []string
	for _, op := range saved.Plan.Operations {
		switch {
		case op.Action == diff.RemoveMember && op.Group == "VPN users":
			removals = append(removals, op.Login)
		case op.Action == diff.AddMember && op.Group == "VPN access":
			adds = append(adds, op.Login)
		}
	}
	if strings.Join(removals, ",") != "a@example.com,b@example.com" || len(adds) != 2 {
		t.Fatalf("the saved plan removes %v from VPN users and adds %v to VPN access; want both users each", removals, adds)
	}
	if m := members(); len(m["VPN users"]) != 2 {
		t.Fatalf("plan --out changed Okta: VPN users has %v", m["VPN users"])
	}
	if r := runOktasync(t, env, "apply", planFile, "--config", cfg); r.code != 0 || !strings.Contains(r.stdout, "Applied") {
		t.Fatalf("apply: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if m := members(); len(m["VPN users"]) != 0 || len(m["VPN access"]) != 2 {
		t.Fatalf("after apply: VPN users %v, VPN access %v; want the old group empty, the new one full", m["VPN users"], m["VPN access"])
	}
	if r := runOktasync(t, env, "apply", planFile, "--config", cfg); r.code != 0 || !strings.Contains(r.stdout, "already applied") {
		t.Fatalf("second apply: exit %d, want 0 saying already applied\n%s\n%s", r.code, r.stdout, r.stderr)
	}

	// With groups.deleteUnlisted the emptied group is deleted.
	config("groups:\n  deleteUnlisted: true\n")
	r = runOktasync(t, env, "run", "--config", cfg)
	if r.code != 0 || !strings.Contains(r.stdout, `- delete group "VPN users" (group left the source)`) {
		t.Fatalf("run with groups.deleteUnlisted: exit %d, want 0 deleting VPN users:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if _, still := members()["VPN users"]; still {
		t.Error("VPN users still exists in Okta after the run that deleted it")
	}
	if r := runOktasync(t, env, "plan", "--config", cfg, "--detailed-exitcode"); r.code != 0 {
		t.Errorf("plan after the deletion: exit %d, want 0 (no changes)\n%s", r.code, r.stdout)
	}
}
