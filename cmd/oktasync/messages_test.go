package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestMessagesOnceOnTerminal: on a terminal (stdout and stderr both the
// screen), source users outside the scope are summed up in one line shown
// once, and a plan with no changes does not claim that Okta matches the
// source while users were left alone.
func TestMessagesOnceOnTerminal(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	t.Parallel()
	dir := t.TempDir()
	const token = "messages-token-5d2"
	var seed, csv strings.Builder
	seed.WriteString(`{"users":[`)
	csv.WriteString("login,email,firstName,lastName,userType\n")
	for i := range 40 {
		l := fmt.Sprintf("ext%02d@example.com", i)
		if i > 0 {
			seed.WriteString(",")
		}
		fmt.Fprintf(&seed, `{"profile":{"login":%q,"email":%q,"firstName":"E","lastName":"X","userType":"Contractor"}}`, l, l)
		fmt.Fprintf(&csv, "%s,%s,E,X,Contractor\n", l, l)
	}
	seed.WriteString("]}")
	writeFile(t, filepath.Join(dir, "seed.json"), seed.String())
	writeFile(t, filepath.Join(dir, "users.csv"), csv.String())
	sim := startSim(t, token, "--no-rate-limits", "--seed", filepath.Join(dir, "seed.json"))
	cfg := filepath.Join(dir, "oktasync.yaml")
	writeFile(t, cfg, fmt.Sprintf("okta:\n  orgUrl: %s\n  testing:\n    disableHttpsCheck: true\nsource:\n  csv:\n    users: users.csv\nscope:\n  users: profile.userType eq \"Employee\"\nstate:\n  url: sqlite://state.db\n", sim.URL))
	env := []string{"OKTA_CLIENT_TOKEN=" + token}

	code, out := startOnTerminal(t, env, "plan", "--config", cfg).wait()
	if code != 0 {
		t.Fatalf("plan: exit %d\n%s", code, out)
	}
	if n := strings.Count(out, "outside scope.users"); n != 1 {
		t.Errorf("the terminal shows the out-of-scope warning %d times, want once:\n%s", n, out)
	}
	if !strings.Contains(out, `40 source users exist in Okta outside scope.users`) || !strings.Contains(out, "and 37 more") {
		t.Errorf("the out-of-scope users are not summed up in one line:\n%s", out)
	}
	if n := strings.Count(out, "@example.com"); n != 3 {
		t.Errorf("the terminal names %d users, want 3 examples:\n%s", n, out)
	}
	if strings.Contains(out, "Okta matches") || !strings.Contains(out, "No changes to apply, but 40 source users are left alone") {
		t.Errorf("a plan that leaves users alone claims Okta matches, or does not say so:\n%s", out)
	}

	// The full list is in the JSON, and each user at debug level.
	r := runOktasync(t, env, "plan", "--config", cfg, "--output", "json", "--log-level", "debug")
	if !strings.Contains(r.stdout, `"outOfScope": [`) || !strings.Contains(r.stdout, `"ext39@example.com"`) {
		t.Errorf("the JSON plan does not list every out-of-scope user:\n%s", r.stdout)
	}
	if n := strings.Count(r.stderr, `"login":"ext`); n != 40 {
		t.Errorf("debug logs name %d out-of-scope users, want 40:\n%s", n, r.stderr)
	}
}

// TestErrorsSayItOnce: an error names its class once (no "invalid config:
// load config: …"), and plan and run give validate's hints for a bad token
// and an org that cannot be reached.
func TestErrorsSayItOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	writeFile(t, bad, "okta:\n  orgUrl: https://example.okta.com\n  bogus: 1\n")
	for _, cmd := range []string{"validate", "plan", "run"} {
		r := runOktasync(t, nil, cmd, "--config", bad)
		if r.code != exitError || strings.Count(r.stderr, "invalid config") != 1 || strings.Contains(r.stderr, "load config") ||
			!strings.Contains(r.stderr, "okta.bogus: unknown key") {
			t.Errorf("%s with an unknown key: exit %d:\n%s", cmd, r.code, r.stderr)
		}
	}

	const token = "hints-token-9e0"
	sim := startSim(t, token, "--no-rate-limits")
	writeFile(t, filepath.Join(dir, "users.csv"), "login,email,firstName,lastName\na@example.com,a@example.com,A,One\n")
	cfg := func(url string) string {
		path := filepath.Join(dir, "oktasync.yaml")
		writeFile(t, path, fmt.Sprintf("okta:\n  orgUrl: %s\n  testing:\n    disableHttpsCheck: true\nsource:\n  csv:\n    users: users.csv\nstate:\n  url: sqlite://state.db\n", url))
		return path
	}
	hints := []struct {
		name, url, token string
		want             []string
	}{
		{"a bad token", sim.URL, "not-the-token", []string{sim.URL + " rejected the credentials", "check okta.token (OKTA_CLIENT_TOKEN)"}},
		{"an unreachable org", "http://" + freeAddr(t), token, []string{"cannot reach Okta at http://", "check okta.orgUrl and the network"}},
	}
	for _, h := range hints {
		path := cfg(h.url)
		for _, cmd := range []string{"validate", "plan", "run"} {
			r := runOktasync(t, []string{"OKTA_CLIENT_TOKEN=" + h.token}, cmd, "--config", path)
			for _, w := range h.want {
				if r.code != exitError || !strings.Contains(r.stderr, w) {
					t.Errorf("%s with %s: exit %d, want %d and %q:\n%s", cmd, h.name, r.code, exitError, w, r.stderr)
				}
			}
		}
	}
}

// TestBlockedSaidOnce: on a terminal, a plan a safety rule blocks says why
// once, in the plan, not again as an error on stderr; the exit code is 3.
func TestBlockedSaidOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	t.Parallel()
	dir := t.TempDir()
	const token = "blocked-once-token-0a9"
	var seed strings.Builder
	seed.WriteString(`{"users":[`)
	for i, l := range []string{"a@example.com", "b@example.com", "c@example.com"} {
		if i > 0 {
			seed.WriteString(",")
		}
		fmt.Fprintf(&seed, `{"profile":{"login":%q,"email":%q,"firstName":"F","lastName":"L","userType":"Employee"}}`, l, l)
	}
	seed.WriteString("]}")
	writeFile(t, filepath.Join(dir, "seed.json"), seed.String())
	writeFile(t, filepath.Join(dir, "users.csv"), "login,email,firstName,lastName,userType\na@example.com,a@example.com,F,L,Employee\n")
	sim := startSim(t, token, "--no-rate-limits", "--seed", filepath.Join(dir, "seed.json"))
	cfg := filepath.Join(dir, "oktasync.yaml")
	writeFile(t, cfg, fmt.Sprintf("okta:\n  orgUrl: %s\n  testing:\n    disableHttpsCheck: true\nsource:\n  csv:\n    users: users.csv\nscope:\n  users: profile.userType eq \"Employee\"\nstate:\n  url: sqlite://state.db\nsafety:\n  maxDeactivations: 1\n", sim.URL))
	code, out := startOnTerminal(t, []string{"OKTA_CLIENT_TOKEN=" + token}, "run", "--config", cfg).wait()
	if code != exitBlocked {
		t.Fatalf("run: exit %d, want %d\n%s", code, exitBlocked, out)
	}
	if n := strings.Count(out, "safety.maxDeactivations: the plan would deactivate or delete 2 users"); n != 1 {
		t.Errorf("the terminal shows why the plan is blocked %d times, want once:\n%s", n, out)
	}
}
