package web

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oktasync/oktasync/internal/diff"
	"github.com/oktasync/oktasync/internal/state"
)

const (
	testOrg   = "acme.okta.example"
	testAdmin = "admin-token-6b1f0c"
)

// fakeControl is a schedule that counts the syncs asked for.
type fakeControl struct {
	mu      sync.Mutex
	runs    int
	running bool
	next    time.Time
}

func (c *fakeControl) RunNow() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running {
		return ErrBusy
	}
	c.runs++
	return nil
}

func (c *fakeControl) NextRun() (time.Time, bool) { return c.next, !c.next.IsZero() }

func (c *fakeControl) Running() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.running
}

func (c *fakeControl) started() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.runs
}

// fixture is a status page over a real (in-memory SQLite) store holding
// two runs: one that applied, and one a safety limit blocked, whose plan
// is held.
type fixture struct {
	store   state.Store
	control *fakeControl
	srv     *Server
	applied int64
	blocked int64
	held    int64
}

var testNow = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

// testPlan is a plan with one of each kind of line.
func testPlan() *diff.Plan {
	return &diff.Plan{
		Operations: []diff.Operation{
			{Seq: 1, Action: diff.CreateUser, Login: "new@example.com", Activate: true, Password: "Sup3r-Secret!",
				Profile: map[string]any{"login": "new@example.com", "email": "new@example.com", "firstName": "New", "lastName": "Hire"}},
			{Seq: 2, Action: diff.UpdateUser, Login: "ann@example.com", UserID: "00u2",
				Changes: []diff.Change{{Attr: "title", Before: "Engineer", After: "Lead"}}},
			{Seq: 3, Action: diff.DeactivateUser, Login: "leaver@example.com", UserID: "00u3", Reason: "absent from source"},
		},
		Summary: diff.Summary{Users: diff.ActionCounts{Create: 1, Update: 1, Deactivate: 1}},
	}
}

func newFixture(t *testing.T, admin string) *fixture {
	t.Helper()
	ctx := t.Context()
	st, err := state.Open(ctx, "sqlite::memory:", state.Options{AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &fixture{store: st, control: &fakeControl{next: testNow.Add(15 * time.Minute)}}
	if f.applied, err = st.BeginRun(ctx, state.Run{Org: testOrg, StartedAt: testNow.Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordOperations(ctx, []state.OpRecord{
		{RunID: f.applied, Seq: 1, Action: "create-user", Target: "ann@example.com", Outcome: state.OpApplied, OktaID: "00u2", At: testNow},
		{RunID: f.applied, Seq: 2, Action: "create-group", Target: "Sales", Outcome: state.OpApplied, OktaID: "00g1", At: testNow},
		{RunID: f.applied, Seq: 3, Action: "add-member", Target: "Sales/ann@example.com", Outcome: state.OpApplied, At: testNow},
		{RunID: f.applied, Seq: 4, Action: "add-member", Target: "Sales/bob@example.com", Outcome: state.OpFailed, Error: "E0000007: Not found", At: testNow},
	}); err != nil {
		t.Fatal(err)
	}
	if err := st.FinishRun(ctx, f.applied, state.RunPartial, map[string]int{"applied": 3, "failed": 1, "users.create": 1}, ""); err != nil {
		t.Fatal(err)
	}
	if f.blocked, err = st.BeginRun(ctx, state.Run{Org: testOrg, StartedAt: testNow.Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	const why = "safety.maxDeactivations: the plan would deactivate 1 user, over the limit of 0"
	if err := st.FinishRun(ctx, f.blocked, state.RunBlocked, map[string]int{"users.deactivate": 1}, why); err != nil {
		t.Fatal(err)
	}
	planJSON, err := json.Marshal(testPlan())
	if err != nil {
		t.Fatal(err)
	}
	if f.held, err = st.HoldPlan(ctx, state.HeldPlan{Org: testOrg, RunID: f.blocked, Counts: map[string]int{diff.RuleMaxDeactivations: 1},
		Deactivations: 1, Reason: why, Summary: diff.SummaryLine(testPlan().Summary), Plan: planJSON, CreatedAt: testNow}); err != nil {
		t.Fatal(err)
	}
	f.srv, err = New(Config{
		Org: testOrg, Schedule: "every 15m", Store: st, Control: f.control, AdminToken: admin,
		Now: func() time.Time { return testNow },
		Budget: func() []Bucket {
			return []Bucket{{Name: "/api/v1/users", Limit: 600, Remaining: 598, Reset: testNow.Add(time.Minute)}}
		},
		LastPlan: func() (LastPlan, bool) {
			return LastPlan{RunID: f.blocked, At: testNow, Status: state.RunBlocked, Plan: testPlan()}, true
		},
		User: func(login string) (UserSnapshot, bool) {
			if !strings.EqualFold(login, "ann@example.com") {
				return UserSnapshot{}, false
			}
			return UserSnapshot{ReadAt: testNow,
				Source: &SourceUser{Profile: map[string]any{"login": "ann@example.com", "title": "Lead", "badgePassword": "hunter2"}, Groups: []string{"Sales"}},
				Okta:   &OktaUser{ID: "00u2", Status: "ACTIVE", Profile: map[string]any{"login": "ann@example.com", "title": "Engineer"}, Groups: []string{"Sales"}},
			}, true
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// do sends a request to the page and returns the answer's status and body.
func (f *fixture) do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	f.srv.ServeHTTP(rec, req)
	resp := rec.Result()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func (f *fixture) get(t *testing.T, path string) (int, string) {
	t.Helper()
	resp, body := f.do(t, httptest.NewRequest(http.MethodGet, path, nil))
	return resp.StatusCode, body
}

func TestPagesShowTheirContent(t *testing.T) {
	t.Parallel()
	f := newFixture(t, testAdmin)
	tests := []struct {
		path string
		want []string
	}{
		{"/", []string{testOrg, "every 15m", "2026-12-01 10:15:00 UTC", "blocked", "/api/v1/users", "598", "1 waiting", "Run now", "Pause schedule"}},
		{"/runs", []string{"#2", "#1", "partial", "blocked", "safety.maxDeactivations"}},
		{"/runs/1", []string{"Run #1", "create-user", "Sales/bob@example.com", "E0000007: Not found", "4 of 4 operations match"}},
		{"/runs/1?user=ann@example.com", []string{"2 of 4 operations match", "Sales/ann@example.com"}},
		{"/runs/1?group=sales", []string{"3 of 4 operations match"}},
		{"/runs/1?action=add-member&outcome=failed", []string{"1 of 4 operations match", "Sales/bob@example.com"}},
		{"/plan", []string{`<span class="add">&#43; create user new@example.com`, "~ update user ann@example.com", "title: &#34;Engineer&#34; → &#34;Lead&#34;", "- deactivate user leaver@example.com"}},
		{"/users/ann@example.com", []string{"Source row", "&#34;Lead&#34;", "00u2", "Sales/ann@example.com", "create-user"}},
		{"/users", []string{`name="login"`}},
		{"/held", []string{"#1", "pending", "Approve once", "safety.maxDeactivations"}},
		{"/held/1", []string{"Held plan #1", "- deactivate user leaver@example.com", "Approve once"}},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			t.Parallel()
			code, body := f.get(t, tc.path)
			if code != http.StatusOK {
				t.Fatalf("GET %s: %d\n%s", tc.path, code, body)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("GET %s: no %q in\n%s", tc.path, w, body)
				}
			}
			for _, secret := range []string{testAdmin, "Sup3r-Secret!", "hunter2", "badgePassword"} {
				if strings.Contains(body, secret) {
					t.Errorf("GET %s shows the secret %q", tc.path, secret)
				}
			}
		})
	}
}

func TestPagesNotFound(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	for _, path := range []string{"/runs/99", "/runs/x", "/held/99", "/api/runs/99", "/api/held/99", "/users/nobody@example.com", "/nope"} {
		if code, body := f.get(t, path); code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404\n%s", path, code, body)
		}
	}
	if code, _ := f.get(t, "/runs?before=x"); code != http.StatusBadRequest {
		t.Errorf("GET /runs?before=x: %d, want 400", code)
	}
}

// getJSON decodes the JSON answer of path into out.
func (f *fixture) getJSON(t *testing.T, path string, out any) string {
	t.Helper()
	code, body := f.get(t, path)
	if code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, code, body)
	}
	if err := json.Unmarshal([]byte(body), out); err != nil {
		t.Fatalf("GET %s: %v\n%s", path, err, body)
	}
	return body
}

func TestJSONBehindEveryPage(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	var st Status
	f.getJSON(t, "/api/status", &st)
	if st.Org != testOrg || !st.ReadOnly || st.LastRun == nil || st.LastRun.ID != f.blocked || st.HeldPending != 1 ||
		len(st.Budget) != 1 || st.Budget[0].Remaining != 598 || st.Schedule.NextRun == nil {
		t.Errorf("/api/status = %+v", st)
	}

	var page RunsPage
	f.getJSON(t, "/api/runs?limit=1", &page)
	if len(page.Runs) != 1 || page.Runs[0].ID != f.blocked || page.Next != f.blocked {
		t.Errorf("/api/runs?limit=1 = %+v", page)
	}
	var older RunsPage
	f.getJSON(t, "/api/runs?limit=1&before="+strconv.FormatInt(page.Next, 10), &older)
	if len(older.Runs) != 1 || older.Runs[0].ID != f.applied || older.Next != 0 {
		t.Errorf("second page = %+v", older)
	}

	var run RunDetail
	f.getJSON(t, "/api/runs/1?outcome=failed", &run)
	if run.Run.Status != state.RunPartial || run.Total != 4 || run.Matched != 1 || run.Operations[0].Error != "E0000007: Not found" {
		t.Errorf("/api/runs/1?outcome=failed = %+v", run)
	}

	var plan PlanView
	body := f.getJSON(t, "/api/plan", &plan)
	if plan.RunID != f.blocked || plan.Plan == nil || len(plan.Plan.Operations) != 3 || strings.Contains(body, "Sup3r-Secret!") {
		t.Errorf("/api/plan = %s", body)
	}

	var user UserView
	body = f.getJSON(t, "/api/users/ANN@example.com", &user)
	if user.LastRun == nil || user.LastRun.Okta.ID != "00u2" || len(user.Operations) != 2 || strings.Contains(body, "hunter2") {
		t.Errorf("/api/users/ANN@example.com = %s", body)
	}

	var held HeldList
	f.getJSON(t, "/api/held", &held)
	if len(held.Held) != 1 || held.Held[0].Deactivations != 1 || held.Held[0].Status != state.HeldPending {
		t.Errorf("/api/held = %+v", held)
	}
	var hd HeldDetail
	f.getJSON(t, "/api/held/1", &hd)
	if hd.Plan == nil || len(hd.Plan.Operations) != 3 {
		t.Errorf("/api/held/1 = %+v", hd)
	}
}

// post builds a POST: JSON by default, a form when form is not nil.
func post(path string, form url.Values) *http.Request {
	if form == nil {
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/json")
		return req
	}
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

func TestActionsNeedTheCredential(t *testing.T) {
	t.Parallel()
	bearer := func(tok string) func(*http.Request) {
		return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }
	}
	basic := func(user, pass string) func(*http.Request) {
		return func(r *http.Request) { r.SetBasicAuth(user, pass) }
	}
	tests := []struct {
		name   string
		admin  string
		form   bool
		csrf   string // "good" for the page's token
		auth   func(*http.Request)
		extra  http.Header
		want   int
		paused bool // whether /api/pause took effect
	}{
		{name: "read-only", admin: "", auth: bearer(testAdmin), want: http.StatusForbidden},
		{name: "no credential", admin: testAdmin, want: http.StatusUnauthorized},
		{name: "wrong bearer", admin: testAdmin, auth: bearer("guess"), want: http.StatusUnauthorized},
		{name: "wrong basic", admin: testAdmin, auth: basic("eve", "guess"), want: http.StatusUnauthorized},
		{name: "bearer", admin: testAdmin, auth: bearer(testAdmin), want: http.StatusOK, paused: true},
		{name: "basic JSON", admin: testAdmin, auth: basic("alice", testAdmin), want: http.StatusOK, paused: true},
		{name: "basic form without token", admin: testAdmin, form: true, auth: basic("alice", testAdmin), want: http.StatusForbidden},
		{name: "basic form, wrong token", admin: testAdmin, form: true, csrf: "00", auth: basic("alice", testAdmin), want: http.StatusForbidden},
		{name: "basic form with token", admin: testAdmin, form: true, csrf: "good", auth: basic("alice", testAdmin), want: http.StatusSeeOther, paused: true},
		{name: "cross-origin form", admin: testAdmin, form: true, csrf: "good", auth: basic("alice", testAdmin),
			extra: http.Header{"Sec-Fetch-Site": {"cross-site"}}, want: http.StatusForbidden},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, tc.admin)
			var form url.Values
			if tc.form {
				form = url.Values{"back": {"/held"}}
				if tc.csrf == "good" {
					form.Set("csrf", f.srv.csrfToken())
				} else if tc.csrf != "" {
					form.Set("csrf", tc.csrf)
				}
			}
			req := post("/api/pause", form)
			if tc.auth != nil {
				tc.auth(req)
			}
			for k, v := range tc.extra {
				req.Header[k] = v
			}
			resp, body := f.do(t, req)
			if resp.StatusCode != tc.want {
				t.Fatalf("POST /api/pause: %d, want %d\n%s", resp.StatusCode, tc.want, body)
			}
			if tc.want == http.StatusUnauthorized && resp.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("401 without WWW-Authenticate")
			}
			if tc.want == http.StatusSeeOther && !strings.HasPrefix(resp.Header.Get("Location"), "/held?done=") {
				t.Errorf("form sent to %q, want back to /held", resp.Header.Get("Location"))
			}
			p, err := f.store.Paused(t.Context(), testOrg)
			if err != nil {
				t.Fatal(err)
			}
			if p.Paused != tc.paused {
				t.Errorf("paused = %v, want %v", p.Paused, tc.paused)
			}
			if strings.Contains(body, testAdmin) {
				t.Errorf("the answer shows the admin token")
			}
		})
	}
}

func authed(req *http.Request, user string) *http.Request {
	req.SetBasicAuth(user, testAdmin)
	return req
}

func TestApproveOnceRecordsWho(t *testing.T) {
	t.Parallel()
	f := newFixture(t, testAdmin)
	resp, body := f.do(t, authed(post("/api/held/1/approve", nil), "alice"))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("approve: %d %s", resp.StatusCode, body)
	}
	var res ActionResult
	if err := json.Unmarshal([]byte(body), &res); err != nil {
		t.Fatal(err)
	}
	if !res.OK || res.Held == nil || res.Held.ApprovedBy != "alice" || res.Held.Status != state.HeldApproved {
		t.Errorf("approve answered %+v", res)
	}
	if resp, body := f.do(t, authed(post("/api/held/1/approve", nil), "bob")); resp.StatusCode != http.StatusConflict {
		t.Errorf("second approval: %d %s, want 409", resp.StatusCode, body)
	}
	if resp, _ := f.do(t, authed(post("/api/held/42/approve", nil), "bob")); resp.StatusCode != http.StatusNotFound {
		t.Errorf("approval of an unknown plan: %d, want 404", resp.StatusCode)
	}
	h, err := f.store.HeldPlan(t.Context(), f.held)
	if err != nil {
		t.Fatal(err)
	}
	if h.ApprovedBy != "alice" || h.Status != state.HeldApproved {
		t.Errorf("stored plan = %+v", h)
	}
	var st Status
	f.getJSON(t, "/api/status", &st)
	if st.Approved == nil || st.Approved.ID != f.held || st.HeldPending != 0 {
		t.Errorf("/api/status after approval: approved %+v, pending %d", st.Approved, st.HeldPending)
	}
}

func TestRunNowAndResume(t *testing.T) {
	t.Parallel()
	f := newFixture(t, testAdmin)
	if resp, body := f.do(t, authed(post("/api/run", nil), "alice")); resp.StatusCode != http.StatusOK {
		t.Fatalf("run now: %d %s", resp.StatusCode, body)
	}
	if f.control.started() != 1 {
		t.Errorf("syncs started = %d, want 1", f.control.started())
	}
	f.control.mu.Lock()
	f.control.running = true
	f.control.mu.Unlock()
	if resp, _ := f.do(t, authed(post("/api/run", nil), "alice")); resp.StatusCode != http.StatusConflict {
		t.Errorf("run now while running: %d, want 409", resp.StatusCode)
	}
	if err := f.store.SetPaused(t.Context(), testOrg, true, "alice"); err != nil {
		t.Fatal(err)
	}
	if code, body := f.get(t, "/"); code != http.StatusOK || !strings.Contains(body, "Resume schedule") || !strings.Contains(body, "by alice") {
		t.Errorf("overview while paused: %d\n%s", code, body)
	}
	if resp, body := f.do(t, authed(post("/api/resume", nil), "bob")); resp.StatusCode != http.StatusOK {
		t.Fatalf("resume: %d %s", resp.StatusCode, body)
	}
	if p, _ := f.store.Paused(t.Context(), testOrg); p.Paused {
		t.Errorf("still paused after resume")
	}
}

func TestReadOnlyPagesOfferNoAction(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	for _, path := range []string{"/", "/held", "/held/1"} {
		_, body := f.get(t, path)
		if strings.Contains(body, "<form method=\"post\"") || !strings.Contains(body, "Read-only") {
			t.Errorf("GET %s offers an action on a read-only page:\n%s", path, body)
		}
	}
}

func TestOpFilter(t *testing.T) {
	t.Parallel()
	op := func(action, target string) state.OpRecord {
		return state.OpRecord{Action: action, Target: target, Outcome: state.OpApplied}
	}
	tests := []struct {
		f    OpFilter
		op   state.OpRecord
		want bool
	}{
		{OpFilter{User: "Ann@example.com"}, op("update-user", "ann@example.com"), true},
		{OpFilter{User: "ann@example.com"}, op("add-member", "Sales/ann@example.com"), true},
		{OpFilter{User: "ann@example.com"}, op("add-member", "Sales/joann@example.com"), false},
		{OpFilter{User: "sales"}, op("create-group", "Sales"), false},
		{OpFilter{Group: "sales"}, op("create-group", "Sales"), true},
		{OpFilter{Group: "sales"}, op("add-member", "Sales/ann@example.com"), true},
		{OpFilter{Group: "sales"}, op("add-member", "Sales Ops/ann@example.com"), false},
		{OpFilter{Group: "sales"}, op("update-user", "sales"), false},
		{OpFilter{Action: "add-member"}, op("remove-member", "Sales/ann@example.com"), false},
		{OpFilter{Outcome: state.OpFailed}, op("update-user", "ann@example.com"), false},
		{OpFilter{}, op("update-user", "ann@example.com"), true},
	}
	for _, tc := range tests {
		if got := tc.f.match(tc.op); got != tc.want {
			t.Errorf("%+v.match(%s %s) = %v, want %v", tc.f, tc.op.Action, tc.op.Target, got, tc.want)
		}
	}
}

func TestBackTo(t *testing.T) {
	t.Parallel()
	tests := []struct{ back, want string }{
		{"/held?x=1", "/held?done=ok&x=1"},
		{"/", "/?done=ok"},
		{"https://evil.example/", "/?done=ok"},
		{"//evil.example/", "/?done=ok"},
		{"", "/?done=ok"},
	}
	for _, tc := range tests {
		if got := backTo(tc.back, "ok"); got != tc.want {
			t.Errorf("backTo(%q) = %q, want %q", tc.back, got, tc.want)
		}
	}
}
