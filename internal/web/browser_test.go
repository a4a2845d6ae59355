package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/oktasync/oktasync/internal/browsertest"
	"github.com/oktasync/oktasync/internal/state"
)

// startBrowser serves the fixture's page and starts Chromium, for a
// browser test that runs beside the others.
func startBrowser(t *testing.T) (*fixture, *httptest.Server, *browsertest.Browser) {
	if testing.Short() {
		t.Skip("browser test; skipped with -short")
	}
	t.Parallel()
	f := newFixture(t, testAdmin)
	ts := httptest.NewServer(f.srv)
	t.Cleanup(ts.Close)
	return f, ts, browsertest.Start(t)
}

// TestBrowserPages opens every page in headless Chromium: each loads with
// its content, without JavaScript, and its screenshot is written.
func TestBrowserPages(t *testing.T) {
	_, ts, b := startBrowser(t)

	pages := []struct {
		path, name, h1, want string
	}{
		{"/", "overview", "Overview", "every 15m"},
		{"/runs", "runs", "Runs", "partial"},
		{"/runs/1?user=ann@example.com", "run", "Run #1", "Sales/ann@example.com"},
		{"/plan", "plan", "Last plan", "deactivate user leaver@example.com"},
		{"/users/ann@example.com", "user", "ann@example.com", "Source row"},
		{"/held", "held", "Held plans", "Approve once"},
		{"/held/1", "heldplan", "Held plan #1", "leaver@example.com"},
	}
	for _, p := range pages {
		if code := b.Open(ts.URL + p.path); code != http.StatusOK {
			t.Errorf("%s: HTTP %d", p.path, code)
			continue
		}
		if h1 := b.Text("h1"); !strings.Contains(h1, p.h1) {
			t.Errorf("%s: h1 %q, want %q", p.path, h1, p.h1)
		}
		if body := b.Text("main"); !strings.Contains(body, p.want) {
			t.Errorf("%s: no %q in the page:\n%s", p.path, p.want, body)
		}
		b.Screenshot("web-" + p.name)
	}

	// The user search form leads to the user's page.
	b.Open(ts.URL + "/users")
	b.Do("type a login", chromedpSetLogin("ann@example.com")...)
	if code := b.ClickAndWait("form.filter button"); code != http.StatusOK || !strings.HasSuffix(b.Location(), "/users/ann@example.com") {
		t.Errorf("search: HTTP %d at %s", code, b.Location())
	}
}

// TestBrowserApprove approves the held plan from the page: refused
// without the credential, with nothing changed, and taken with it.
func TestBrowserApprove(t *testing.T) {
	f, ts, b := startBrowser(t)

	b.Open(ts.URL + "/held")
	// The page answers 401 with a basic-auth challenge, which headless
	// Chromium, with no one to ask, gives up on.
	if code, err := b.TryClick("form.inline button"); code != http.StatusUnauthorized &&
		(err == nil || !strings.Contains(err.Error(), "ERR_INVALID_AUTH_CREDENTIALS")) {
		t.Errorf("approve without the credential: HTTP %d, %v; want 401", code, err)
	}
	if h, err := f.store.HeldPlan(t.Context(), f.held); err != nil || h.Status != state.HeldPending {
		t.Fatalf("after a refused approval the plan is %+v, %v; want it pending", h, err)
	}

	b.BasicAuth("alice", testAdmin)
	b.Open(ts.URL + "/held")
	if code := b.ClickAndWait("form.inline button"); code != http.StatusOK {
		t.Fatalf("approve with the credential: HTTP %d", code)
	}
	if loc := b.Location(); !strings.Contains(loc, "/held?done=") {
		t.Errorf("after approval the browser is at %s, want back at /held", loc)
	}
	if notice := b.Text(".notice"); !strings.Contains(notice, "approved") {
		t.Errorf("notice %q", notice)
	}
	b.Screenshot("web-held-approved")
	h, err := f.store.HeldPlan(t.Context(), f.held)
	if err != nil || h.Status != state.HeldApproved || h.ApprovedBy != "alice" {
		t.Errorf("after approval the plan is %+v, %v; want approved by alice", h, err)
	}
	if b.Has("form.inline button") {
		t.Errorf("the approved plan still offers approval")
	}
}

// chromedpSetLogin types login into the search form.
func chromedpSetLogin(login string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{chromedp.SetValue(chromedp.CSS(`input[name="login"]`), login, chromedp.NodeVisible)}
}
