package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
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
	if !strings.Contains(r.stdout, "Nothing was applied: Okta changed since the plan was made (1 conflict)") ||
		!strings.Contains(r.stdout, "a@example.com") || !strings.Contains(r.stdout, "Changed by someone else") {
		t.Fatalf("apply of a stale plan does not list the conflict (user, what Okta has now):\n%s", r.stdout)
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
	r = runOktasync(t, env, "apply", planFile, "--config", cfg)
	if r.code != 0 || !strings.Contains(r.stdout, "Nothing to apply: this plan was already applied") {
		t.Fatalf("second apply of the same plan: exit %d, want 0 saying it was already applied\n%s\n%s", r.code, r.stdout, r.stderr)
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
	want := "users.csv changed since the plan was made: 1 user differs (c@example.com added), 1 group differs (\"Team\" changed)"
	if r.code != exitError || !strings.Contains(r.stderr, want) || strings.Contains(r.stderr, "sha256") {
		t.Fatalf("apply with another source: exit %d, want %d and %q\n%s", r.code, exitError, want, r.stderr)
	}

	// A plan made with another scope is refused, saying so.
	writeFile(t, filepath.Join(dir, "users.csv"), csv)
	if r := runOktasync(t, env, "plan", "--config", cfg, "--out", planFile); r.code != 0 {
		t.Fatalf("plan --out: exit %d\n%s", r.code, r.stderr)
	}
	writeFile(t, cfg, strings.Replace(mustRead(t, cfg), `eq "hr"`, `eq "HR"`, 1))
	r = runOktasync(t, env, "apply", planFile, "--config", cfg)
	if r.code != exitError || !strings.Contains(r.stderr, "the config's scope changed since the plan was made") {
		t.Fatalf("apply with another scope: exit %d\n%s", r.code, r.stderr)
	}

	// Refused and already-applied applies are in the run history.
	r = runOktasync(t, env, "runs", "--config", cfg, "--output", "json")
	var runs []runJSON
	if err := json.Unmarshal([]byte(r.stdout), &runs); err != nil {
		t.Fatalf("runs: %v\n%s", err, r.stdout)
	}
	var history []string
	for _, run := range runs {
		history = append(history, run.Status+": "+run.Error)
	}
	got := strings.Join(history, "\n")
	// The text listing fits 100 columns, long messages cut short.
	r = runOktasync(t, env, "runs", "--config", cfg)
	for _, line := range strings.Split(strings.TrimRight(r.stdout, "\n"), "\n") {
		if n := utf8.RuneCountInString(line); n > 100 {
			t.Errorf("runs: a line of %d columns:\n%s", n, line)
		}
	}
	if !strings.Contains(r.stdout, "MESSAGE") || !strings.Contains(r.stdout, "apply refused") || !strings.Contains(r.stdout, "…") {
		t.Errorf("runs does not show the refused applies, cut short:\n%s", r.stdout)
	}
	for _, want := range []string{
		"failed: apply refused: saved plan does not match: the config's scope changed",
		"failed: apply refused: saved plan does not match: users.csv changed",
		"succeeded: the saved plan was already applied",
		"failed: apply refused: 1 of 6 operations changed in Okta",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the run history lacks %q:\n%s", want, got)
		}
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
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

// TestSavedPlanHints: plan --out says where it saved the plan and gives the
// apply command, which works; a plan a limit blocks names the plan command
// with the --allow-… flag and --out FILE.
func TestSavedPlanHints(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	dir := t.TempDir()
	const token = "saved-plan-hints-token-31b"
	sim := startSim(t, token, "--no-rate-limits")
	header := "login,email,firstName,lastName,userType\n"
	users := "a@example.com,a@example.com,A,One,hr\nb@example.com,b@example.com,B,Two,hr\nc@example.com,c@example.com,C,Three,hr\n"
	writeFile(t, filepath.Join(dir, "users.csv"), header+users)
	cfg := filepath.Join(dir, "oktasync.yaml")
	writeFile(t, cfg, fmt.Sprintf("okta:\n  orgUrl: %s\n  testing:\n    disableHttpsCheck: true\nsource:\n  csv:\n    users: users.csv\nscope:\n  users: profile.userType eq \"hr\"\nstate:\n  url: sqlite://state.db\nsafety:\n  maxDeactivations: 1\n", sim.URL))
	env := []string{"OKTA_CLIENT_TOKEN=" + token}
	planFile := filepath.Join(dir, "plan.json")

	r := runOktasync(t, env, "plan", "--config", cfg, "--out", planFile)
	want := fmt.Sprintf("Saved the plan to %s. Apply it with: oktasync apply %s --config %s\n", planFile, planFile, cfg)
	if r.code != 0 || !strings.Contains(r.stdout, want) {
		t.Fatalf("plan --out: exit %d, want 0 and %q:\n%s\n%s", r.code, want, r.stdout, r.stderr)
	}
	args := strings.Fields(strings.TrimPrefix(strings.TrimSpace(want[strings.Index(want, "oktasync apply"):]), "oktasync "))
	if r := runOktasync(t, env, args...); r.code != 0 || !strings.Contains(r.stdout, "Applied 6 of 6") {
		t.Fatalf("the apply command printed by plan --out: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}

	// Two leavers, over the limit of one: the plan is blocked, and saved.
	writeFile(t, filepath.Join(dir, "users.csv"), header+"a@example.com,a@example.com,A,One,hr\n")
	r = runOktasync(t, env, "plan", "--config", cfg, "--out", planFile)
	want = fmt.Sprintf("oktasync plan --config %s --allow-deactivations 2 --out %s\n", cfg, planFile)
	if r.code != exitBlocked || !strings.Contains(r.stdout, want) || strings.Contains(r.stdout, "Saved the plan") {
		t.Fatalf("blocked plan --out: exit %d, want %d and %q:\n%s\n%s", r.code, exitBlocked, want, r.stdout, r.stderr)
	}
	if r := runOktasync(t, env, strings.Fields(strings.TrimSpace(want))[1:]...); r.code != 0 || !strings.Contains(r.stdout, "Saved the plan") {
		t.Fatalf("the plan command the hint names: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}
