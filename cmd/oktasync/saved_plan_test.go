package main

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSavedPlan covers the CI flow: plan --out on a pull request, apply of
// that file on merge. A plan applies exactly once; a plan whose targets
// changed in Okta since applies nothing (exit 6); a plan made from another
// source is refused (exit 1).
func TestSavedPlan(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	dir := t.TempDir()
	const token = "saved-plan-token-e4a"
	seed := `{"customAttributes":["employeeType"],"users":[{"profile":{"login":"a@example.com","email":"a@example.com","firstName":"A","lastName":"One","title":"Old","employeeType":"hr"}}]}`
	writeFile(t, filepath.Join(dir, "seed.json"), seed)
	sim := startSim(t, token, "--no-rate-limits", "--seed", filepath.Join(dir, "seed.json"))
	csv := "login,email,firstName,lastName,title,employeeType,groups\n" +
		"a@example.com,a@example.com,A,One,New,hr,Team\n" +
		"b@example.com,b@example.com,B,Two,Eng,hr,Team\n"
	writeFile(t, filepath.Join(dir, "users.csv"), csv)
	cfg := filepath.Join(dir, "oktasync.yaml")
	writeFile(t, cfg, fmt.Sprintf("okta:\n  orgUrl: %s\n  testing:\n    disableHttpsCheck: true\nsource:\n  csv:\n    users: users.csv\nscope:\n  users: profile.employeeType eq \"hr\"\nstate:\n  url: sqlite://state.db\n", sim.URL))
	env := []string{"OKTA_CLIENT_TOKEN=" + token}
	planFile := filepath.Join(dir, "plan.json")

	// A plan whose target changes before apply is refused whole.
	if r := runOktasync(t, env, "plan", "--config", cfg, "--out", planFile); r.code != 0 {
		t.Fatalf("plan --out: exit %d\n%s", r.code, r.stderr)
	}
	b, err := os.ReadFile(planFile)
	if err != nil || !bytes.Contains(b, []byte(`"configDigest"`)) {
		t.Fatalf("saved plan: %v\n%s", err, b)
	}
	changeTitle(t, sim, token, "a@example.com", "Changed by someone else")
	sim.resetStats(t)
	r := runOktasync(t, env, "apply", planFile, "--config", cfg)
	if r.code != exitConflict || !strings.Contains(r.stdout+r.stderr, "a@example.com") {
		t.Fatalf("apply of a stale plan: exit %d, want %d naming the user\n%s\n%s", r.code, exitConflict, r.stdout, r.stderr)
	}
	if st := sim.stats(t); st.Writes != 0 {
		t.Fatalf("a refused plan sent %d writes", st.Writes)
	}

	// A fresh plan applies exactly, once.
	if r := runOktasync(t, env, "plan", "--config", cfg, "--out", planFile); r.code != 0 {
		t.Fatalf("plan --out: exit %d\n%s", r.code, r.stderr)
	}
	if r := runOktasync(t, env, "apply", planFile, "--config", cfg); r.code != 0 {
		t.Fatalf("apply: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r := runOktasync(t, env, "plan", "--config", cfg, "--detailed-exitcode"); r.code != 0 {
		t.Fatalf("plan after apply: exit %d, want 0\n%s", r.code, r.stdout)
	}
	sim.resetStats(t)
	if r := runOktasync(t, env, "apply", planFile, "--config", cfg); r.code != exitConflict {
		t.Fatalf("second apply of the same plan: exit %d, want %d\n%s", r.code, exitConflict, r.stderr)
	}
	if st := sim.stats(t); st.Writes != 0 {
		t.Fatalf("re-applying a plan sent %d writes", st.Writes)
	}

	// A plan made from another source is refused.
	if r := runOktasync(t, env, "plan", "--config", cfg, "--out", planFile); r.code != 0 {
		t.Fatalf("plan --out: exit %d\n%s", r.code, r.stderr)
	}
	writeFile(t, filepath.Join(dir, "users.csv"), csv+"c@example.com,c@example.com,C,Three,Eng,hr,Team\n")
	r = runOktasync(t, env, "apply", planFile, "--config", cfg)
	if r.code != exitError || !strings.Contains(r.stderr, "source has changed") {
		t.Fatalf("apply with another source: exit %d\n%s", r.code, r.stderr)
	}
}

// changeTitle updates a user's title straight through the simulator's API,
// as another admin would.
func changeTitle(t *testing.T, sim *simProcess, token, login, title string) {
	t.Helper()
	resp := sim.apiPost(t, token, "/api/v1/users/"+login, fmt.Sprintf(`{"profile":{"title":%q}}`, title))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("update %s: %s", login, resp.Status)
	}
}
