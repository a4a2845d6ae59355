package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oktasync/oktasync/internal/browsertest"
	"github.com/oktasync/oktasync/internal/web"
)

// postAs posts to the status page of p with the given Authorization
// header ("" for none) and returns the status code.
func postAs(t *testing.T, p *serveProcess, path, auth string) int {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, "http://"+p.addr+path, strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// heldPlans reads /api/held of p.
func heldPlans(t *testing.T, p *serveProcess) []web.HeldView {
	t.Helper()
	code, body := p.get(t, "/api/held")
	var l web.HeldList
	if err := json.Unmarshal([]byte(body), &l); code != http.StatusOK || err != nil {
		t.Fatalf("/api/held: %d %v\n%s", code, err, body)
	}
	return l.Held
}

// TestStatusPageApprovesHeldPlan is the status page as a new user meets
// it, in headless Chromium: serve against the simulator, a sync run from
// the page, a plan the safety limit holds back, approval refused without
// the credential and given with it, and the next sync applying exactly
// that plan. It writes a screenshot of each page.
func TestStatusPageApprovesHeldPlan(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test; skipped with -short")
	}
	t.Parallel()
	dir := t.TempDir()
	const token, admin = "status-token-81d2", "status-admin-4e7a"
	sim := startSim(t, token)
	writeFile(t, filepath.Join(dir, "admin-token"), admin+"\n")
	// Hourly: every sync in this test is one the page asks for.
	cfg := serveFixture(t, dir, sim.URL, 8, "schedule:\n  every: 1h\nsafety:\n  maxDeactivations: \"1\"\nserve:\n  adminTokenFile: admin-token\n")
	p := startServe(t, []string{"OKTA_CLIENT_TOKEN=" + token}, cfg)
	base := "http://" + p.addr
	finished := func(want string) logEvent {
		t.Helper()
		e := p.waitFor(t, "a finished sync", func(e logEvent) bool { return e.msg() == "sync finished" })
		if e.str("status") != want {
			t.Fatalf("sync finished %q, want %q: %v", e.str("status"), want, e)
		}
		return e
	}

	b := browsertest.Start(t)
	b.BasicAuth("alice", admin)
	runNow := func() {
		t.Helper()
		b.Open(base + "/")
		if code := b.ClickAndWait(`form[action="/api/run"] button`); code != http.StatusOK {
			t.Fatalf("run now: HTTP %d", code)
		}
	}

	// A first sync creates the source's users.
	runNow()
	finished("succeeded")

	// Three users leave the source: their deactivation is over the limit.
	writeServeUsers(t, dir, 5)
	runNow()
	p.waitFor(t, "the held plan", func(e logEvent) bool { return e.msg() == "plan held back for approval" })
	finished("blocked")
	b.Open(base + "/")
	if s := b.Text("main"); !strings.Contains(s, "1 waiting") || !strings.Contains(s, "blocked") {
		t.Errorf("overview after the blocked sync:\n%s", s)
	}
	b.Screenshot("status-overview-held")
	b.Open(base + "/plan")
	if s := b.Text("pre.plan"); strings.Count(s, "- deactivate user") != 3 || !strings.Contains(s, "Blocked") {
		t.Errorf("the last plan:\n%s", s)
	}
	b.Screenshot("status-plan")
	b.Open(base + "/held")
	b.Screenshot("status-held")

	// Without the credential the approval is refused and nothing changes.
	b.NoAuth()
	b.Open(base + "/held")
	if code, err := b.TryClick("form.inline button"); code != http.StatusUnauthorized &&
		(err == nil || !strings.Contains(err.Error(), "ERR_INVALID_AUTH_CREDENTIALS")) {
		t.Errorf("approval without the credential: HTTP %d, %v; want 401", code, err)
	}
	for _, auth := range []string{"", "Bearer wrong", "Basic " + "bWFsbG9yeTp3cm9uZw=="} {
		if code := postAs(t, p, "/api/held/1/approve", auth); code != http.StatusUnauthorized {
			t.Errorf("POST /api/held/1/approve with %q: %d, want 401", auth, code)
		}
	}
	if held := heldPlans(t, p); len(held) != 1 || held[0].Status != "pending" || held[0].Deactivations != 3 {
		t.Fatalf("held plans after refused approvals: %+v", held)
	}

	// With it, the plan is approved once, and the next sync applies it.
	b.BasicAuth("alice", admin)
	b.Open(base + "/held")
	if code := b.ClickAndWait("form.inline button"); code != http.StatusOK {
		t.Fatalf("approval: HTTP %d", code)
	}
	if held := heldPlans(t, p); held[0].Status != "approved" || held[0].ApprovedBy != "alice" {
		t.Fatalf("held plan after approval: %+v", held[0])
	}
	runNow()
	used := p.waitFor(t, "the approval's use", func(e logEvent) bool { return e.msg() == "approval used" })
	e := finished("succeeded")
	if e["runId"] != used["runId"] || e["applied"] != e["operations"] || e["failed"] != float64(0) {
		t.Errorf("the approved sync %v, approval used by %v; want every operation applied", e, used)
	}
	deactivated := 0
	for _, u := range sim.snapshot(t).Users {
		if u.Status == "DEPROVISIONED" {
			deactivated++
		}
	}
	if deactivated != 3 {
		t.Errorf("%d users deactivated in Okta, want 3", deactivated)
	}
	if held := heldPlans(t, p); held[0].Status != "used" {
		t.Errorf("held plan after its use: %+v", held[0])
	}

	runID := fmt.Sprint(e["runId"])
	b.Open(base + "/runs/" + runID + "?action=deactivate-user")
	if s := b.Text("main"); !strings.Contains(s, "approval of alice") || strings.Count(s, "serve00") != 3 {
		t.Errorf("run %s's page:\n%s", runID, s)
	}
	b.Screenshot("status-run")
	b.Open(base + "/runs")
	b.Screenshot("status-runs")
	b.Open(base + "/users/serve007@example.com")
	if s := b.Text("main"); !strings.Contains(s, "Not in the source") || !strings.Contains(s, "deactivate-user") {
		t.Errorf("user page:\n%s", s)
	}
	b.Screenshot("status-user")
	b.Open(base + "/")
	b.Screenshot("status-overview")

	// Pause from the page: the overview says so, and the store keeps it.
	if code := b.ClickAndWait(`form[action="/api/pause"] button`); code != http.StatusOK || !strings.Contains(b.Text("main"), "paused") {
		t.Errorf("pause: HTTP %d", code)
	}
	var st web.Status
	if code, body := p.get(t, "/api/status"); code != http.StatusOK || json.Unmarshal([]byte(body), &st) != nil ||
		!st.Schedule.Paused || st.Schedule.PausedBy != "alice" || st.ReadOnly {
		t.Errorf("/api/status after pause: %d %s", code, body)
	}
	if code, body := p.get(t, "/api/status"); strings.Contains(body, admin) || strings.Contains(body, token) {
		t.Errorf("/api/status (%d) shows a secret", code)
	}
}
