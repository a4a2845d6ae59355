package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oktasync/oktasync/internal/state"
)

// TestRunLockAndHistory checks that a run exits 5 naming the holder while
// another process holds the org's lock, that it proceeds once the lock is
// free, and that `runs` lists what happened.
func TestRunLockAndHistory(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	dir := t.TempDir()
	const token = "lock-test-token-9f2"
	sim := startSim(t, token, "--no-rate-limits")
	writeFile(t, filepath.Join(dir, "users.csv"), "login,email,firstName,lastName,groups\n"+
		"a@example.com,a@example.com,A,One,Team\nb@example.com,b@example.com,B,Two,Team\n")
	cfg := filepath.Join(dir, "oktasync.yaml")
	writeFile(t, cfg, fmt.Sprintf("okta:\n  orgUrl: %s\n  testing:\n    disableHttpsCheck: true\nsource:\n  csv:\n    users: users.csv\nstate:\n  url: sqlite://state.db\n", sim.URL))
	env := []string{"OKTA_CLIENT_TOKEN=" + token}

	ctx := context.Background()
	store, err := state.Open(ctx, "sqlite://"+filepath.Join(dir, "state.db"), state.Options{AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	org := strings.TrimPrefix(sim.URL, "http://")
	unlock, err := store.Lock(ctx, org, 0)
	if err != nil {
		t.Fatal(err)
	}

	r := runOktasync(t, env, "run", "--config", cfg)
	if r.code != exitLocked {
		t.Fatalf("run while locked: exit %d, want %d\n%s", r.code, exitLocked, r.stderr)
	}
	if !strings.Contains(r.stderr, "pid") {
		t.Errorf("locked message does not name the holder: %q", r.stderr)
	}
	if st := sim.stats(t); st.Writes != 0 {
		t.Fatalf("a run refused by the lock sent %d writes", st.Writes)
	}
	// A dry run needs no lock.
	if r := runOktasync(t, env, "plan", "--config", cfg, "--detailed-exitcode"); r.code != exitChanges {
		t.Fatalf("plan while locked: exit %d, want %d\n%s", r.code, exitChanges, r.stderr)
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}

	r = runOktasync(t, env, "run", "--config", cfg, "--wait-lock", "1m")
	if r.code != 0 {
		t.Fatalf("run after unlock: exit %d\n%s", r.code, r.stderr)
	}
	r = runOktasync(t, env, "runs", "--config", cfg, "--output", "json")
	if r.code != 0 {
		t.Fatalf("runs: exit %d\n%s", r.code, r.stderr)
	}
	var runs []runJSON
	if err := json.Unmarshal([]byte(r.stdout), &runs); err != nil {
		t.Fatalf("runs JSON: %v\n%s", err, r.stdout)
	}
	// Each user is created STAGED and then activated without an email.
	if len(runs) != 1 || runs[0].Status != state.RunSucceeded || runs[0].Counts["users.create"] != 2 ||
		runs[0].Counts["users.activate"] != 2 || runs[0].Counts["applied"] != 7 {
		t.Fatalf("runs = %+v, want one succeeded run with 2 creates, 2 activations and 7 applied", runs)
	}
	if r := runOktasync(t, env, "runs", "--config", cfg); r.code != 0 || !strings.Contains(r.stdout, "succeeded") {
		t.Fatalf("runs text: exit %d\n%s", r.code, r.stdout)
	}

	// runs show lists the run's operations, who and what, with outcomes.
	id := fmt.Sprint(runs[0].ID)
	r = runOktasync(t, env, "runs", "show", id, "--config", cfg)
	if r.code != 0 {
		t.Fatalf("runs show: exit %d\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"Run " + id + " of ", "succeeded", "create-user", "activate-user", "a@example.com", "applied"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("runs show lacks %q:\n%s", want, r.stdout)
		}
	}
	r = runOktasync(t, env, "runs", "show", id, "--config", cfg, "--output", "json")
	var shown runShowJSON
	if err := json.Unmarshal([]byte(r.stdout), &shown); err != nil || r.code != 0 {
		t.Fatalf("runs show JSON: exit %d, %v\n%s", r.code, err, r.stdout)
	}
	if shown.ID != runs[0].ID || len(shown.Operations) != 7 {
		t.Errorf("runs show JSON: run %d with %d operations, want run %d with 7", shown.ID, len(shown.Operations), runs[0].ID)
	}
	for _, o := range shown.Operations {
		if o.Outcome != state.OpApplied {
			t.Errorf("operation %+v: outcome %q, want applied", o, o.Outcome)
		}
	}
	if r := runOktasync(t, env, "runs", "show", "999", "--config", cfg); r.code != exitError || !strings.Contains(r.stderr, "no run 999") {
		t.Errorf("runs show of an unknown run: exit %d, stderr %q", r.code, r.stderr)
	}
}
