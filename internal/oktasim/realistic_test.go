package oktasim

import (
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestEmails counts the emails Okta would send: an activation link on a
// create activated without a password, and one per activate unless
// sendEmail=false, per reactivate or deactivate with sendEmail=true.
func TestEmails(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	create := func(login, activate string, password bool) string {
		body := map[string]any{"profile": profile(login)}
		if password {
			body["credentials"] = map[string]any{"password": map[string]any{"value": "Secr3t!Passw0rd"}}
		}
		path := "/api/v1/users"
		if activate != "" {
			path += "?activate=" + activate
		}
		r := e.do("POST", path, body)
		mustStatus(t, r, 200)
		return r.obj(t)["id"].(string)
	}
	lifecycle := func(id, op, query string, want int) {
		t.Helper()
		path := "/api/v1/users/" + id + "/lifecycle/" + op
		if query != "" {
			path += "?" + query
		}
		mustStatus(t, e.do("POST", path, nil), want)
	}

	create("default@example.com", "", false)             // activate=true by default: 1
	create("password@example.com", "true", true)         // ACTIVE with a password: 0
	quiet := create("quiet@example.com", "false", false) // STAGED: 0
	lifecycle(quiet, "activate", "sendEmail=false", 200) // 0
	loud := create("loud@example.com", "false", false)
	lifecycle(loud, "activate", "", 200)                 // sendEmail defaults to true: 1
	lifecycle(loud, "activate", "", 403)                 // already active: refused, 0
	lifecycle(loud, "reactivate", "", 200)               // sendEmail defaults to false: 0
	lifecycle(loud, "reactivate", "sendEmail=true", 200) // 1
	lifecycle(loud, "deactivate", "sendEmail=true", 200) // 1
	lifecycle(quiet, "deactivate", "", 200)              // 0

	r := e.doAuth("GET", "/sim/stats", nil, "")
	mustStatus(t, r, 200)
	var st Stats
	r.json(t, &st)
	want := map[string]int{"default@example.com": 1, "loud@example.com": 3}
	if st.Emails != 4 || fmt.Sprint(st.EmailsByLogin) != fmt.Sprint(want) {
		t.Errorf("emails %d by login %v, want 4 and %v", st.Emails, st.EmailsByLogin, want)
	}
	for _, key := range []string{`"emails":4`, `"emailsByLogin":{`} {
		if !strings.Contains(string(r.body), key) {
			t.Errorf("/sim/stats lacks %s: %s", key, r.body)
		}
	}
	e.sim.ResetStats()
	if st := e.sim.Stats(); st.Emails != 0 || len(st.EmailsByLogin) != 0 {
		t.Errorf("after reset: %d emails, %v", st.Emails, st.EmailsByLogin)
	}
}

// TestDeprovisionedUpdates checks that an org that does not allow editing
// deactivated profiles refuses their updates until the user is activated.
func TestDeprovisionedUpdates(t *testing.T) {
	t.Parallel()
	for _, refuse := range []bool{false, true} {
		t.Run(fmt.Sprint("refuse=", refuse), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, Options{RefuseDeprovisionedUpdates: refuse})
			const id = "00uGONE0000000000001"
			if err := e.sim.Seed(Seed{Users: []SeedUser{{ID: id, Status: "DEPROVISIONED", Profile: profile("gone@example.com")}}}); err != nil {
				t.Fatal(err)
			}
			update := map[string]any{"profile": map[string]any{"title": "Back"}}
			r := e.do("POST", "/api/v1/users/"+id, update)
			if !refuse {
				mustStatus(t, r, 200)
				return
			}
			mustStatus(t, r, 404)
			if r.errorCode(t) != "E0000007" {
				t.Errorf("body %s", r.body)
			}
			mustStatus(t, e.do("PUT", "/api/v1/users/"+id, map[string]any{"profile": profile("gone@example.com")}), 404)
			if got := e.sim.Snapshot().Users[0].Profile["title"]; got != nil {
				t.Errorf("refused update stored title %v", got)
			}
			// A rehire is activated first, then updated.
			mustStatus(t, e.do("POST", "/api/v1/users/"+id+"/lifecycle/activate?sendEmail=false", nil), 200)
			mustStatus(t, e.do("POST", "/api/v1/users/"+id, update), 200)
		})
	}
}

// TestMasteredUser checks that a user mastered by another system refuses
// profile updates with 403 E0000023 and still takes lifecycle calls.
func TestMasteredUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	const ad, own = "00uAD00000000000000001", "00uOWN0000000000000001"
	err := e.sim.Seed(Seed{Users: []SeedUser{
		{ID: ad, Profile: profile("ad@example.com"), ProfileMaster: "ACTIVE_DIRECTORY"},
		{ID: own, Profile: profile("own@example.com")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	u := e.do("GET", "/api/v1/users/"+ad, nil).obj(t)
	if p := u["credentials"].(map[string]any)["provider"].(map[string]any); p["type"] != "ACTIVE_DIRECTORY" {
		t.Errorf("provider %v", p)
	}
	update := map[string]any{"profile": map[string]any{"title": "New"}}
	for _, method := range []string{"POST", "PUT"} {
		body := update
		if method == "PUT" {
			body = map[string]any{"profile": profile("ad@example.com", "title", "New")}
		}
		r := e.do(method, "/api/v1/users/"+ad, body)
		mustStatus(t, r, 403)
		if r.errorCode(t) != "E0000023" || !strings.Contains(string(r.body), "mastered under another system") {
			t.Errorf("%s: body %s", method, r.body)
		}
	}
	mustStatus(t, e.do("POST", "/api/v1/users/"+own, update), 200)
	mustStatus(t, e.do("POST", "/api/v1/users/"+ad+"/lifecycle/suspend", nil), 200)
	mustStatus(t, e.do("POST", "/api/v1/users/"+ad+"/lifecycle/unsuspend", nil), 200)
	mustStatus(t, e.do("POST", "/api/v1/users/"+ad+"/lifecycle/deactivate", nil), 200)
	if got := e.sim.Snapshot().Users[0]; got.Status != "DEPROVISIONED" || got.Profile["title"] != nil {
		t.Errorf("mastered user %+v", got)
	}
}

// TestSearchCap checks that a search listing stops at the cap, sorted or
// not, and that filter and plain lists do not.
func TestSearchCap(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{SearchCap: 5})
	var seed Seed
	for i := range 12 {
		seed.Users = append(seed.Users, SeedUser{ID: fmt.Sprintf("00uCAP%014d", i), Profile: profile(fmt.Sprintf("cap%02d@example.com", i))})
	}
	if err := e.sim.Seed(seed); err != nil {
		t.Fatal(err)
	}
	search := "/api/v1/users?search=" + url.QueryEscape(`profile.lastName eq "Last"`)
	// pages walks next links; it returns the page sizes and the status
	// that ended the walk.
	pages := func(path string) ([]int, resp) {
		var sizes []int
		for {
			r := e.do("GET", path, nil)
			if r.status != 200 {
				return sizes, r
			}
			var page []map[string]any
			r.json(t, &page)
			sizes = append(sizes, len(page))
			if path = nextLink(t, r.header); path == "" {
				return sizes, r
			}
		}
	}
	for _, tt := range []struct {
		path  string
		sizes string
	}{
		{search + "&limit=2", "[2 2 1]"},
		{search + "&limit=10", "[5]"},
		{search + "&limit=3&sortBy=profile.login&sortOrder=desc", "[3 2]"},
	} {
		sizes, r := pages(tt.path)
		if fmt.Sprint(sizes) != tt.sizes || r.status != 400 || r.errorCode(t) != "E0000031" {
			t.Errorf("%s: pages %v then %d %s; want %s then 400 E0000031", tt.path, sizes, r.status, r.body, tt.sizes)
		}
	}
	// A cursor the org did not hand out in this process is counted anew.
	sizes, r := pages(search + "&limit=2&after=00uCAP00000000000003")
	if fmt.Sprint(sizes) != "[1]" || r.status != 400 {
		t.Errorf("after the 4th user: pages %v then %d", sizes, r.status)
	}
	for _, path := range []string{"/api/v1/users?limit=5", "/api/v1/users?limit=5&filter=" + url.QueryEscape(`status eq "ACTIVE"`)} {
		if n := len(e.listAll(path)); n != 12 {
			t.Errorf("%s: %d users, want 12 (no cap)", path, n)
		}
	}
	if st := e.sim.Stats(); st.SearchCapRefusals != 4 {
		t.Errorf("search cap refusals %d, want 4", st.SearchCapRefusals)
	}
	if n := len(newEnvSeeded(t, Options{}, seed).listAll(search + "&limit=2")); n != 12 {
		t.Errorf("no cap: %d users", n)
	}
}

// newEnvSeeded is newEnv with a seed.
func newEnvSeeded(t *testing.T, opts Options, seed Seed) *env {
	t.Helper()
	e := newEnv(t, opts)
	if err := e.sim.Seed(seed); err != nil {
		t.Fatal(err)
	}
	return e
}

// TestCaseSensitiveFilter checks that filter values must match a login's
// case, while search and a look-up by login ignore it.
func TestCaseSensitiveFilter(t *testing.T) {
	t.Parallel()
	seed := Seed{Users: []SeedUser{{Profile: profile("Ana.Ng@x.com")}}}
	count := func(e *env, param, expr string) int {
		return len(e.listAll("/api/v1/users?" + param + "=" + url.QueryEscape(expr)))
	}
	for _, sensitive := range []bool{false, true} {
		e := newEnvSeeded(t, Options{CaseSensitiveFilter: sensitive}, seed)
		wantLower := 1
		if sensitive {
			wantLower = 0
		}
		if n := count(e, "filter", `profile.login eq "ana.ng@x.com"`); n != wantLower {
			t.Errorf("sensitive=%v: filter on the lower-case login found %d, want %d", sensitive, n, wantLower)
		}
		if n := count(e, "filter", `profile.login eq "Ana.Ng@x.com"`); n != 1 {
			t.Errorf("sensitive=%v: filter on the exact login found %d", sensitive, n)
		}
		if n := count(e, "filter", `status eq "active"`); n != 0 {
			t.Errorf("sensitive=%v: filter status eq \"active\" found %d", sensitive, n)
		}
		if n := count(e, "search", `profile.login eq "ana.ng@x.com"`); n != 1 {
			t.Errorf("sensitive=%v: search found %d", sensitive, n)
		}
		mustStatus(t, e.do("GET", "/api/v1/users/ana.ng@x.com", nil), 200)
	}
}

// TestLifecycleDelay checks asynchronous lifecycle calls: the user keeps its
// status and shows transitioningToStatus until the delay passes on the
// org's clock; meanwhile lifecycle calls and updates get 409 E0000112.
func TestLifecycleDelay(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	const delay = 10 * time.Second
	e := newEnv(t, Options{Now: clock.Now, LifecycleDelay: delay})
	id := e.createUser("busy@example.com")
	gid := e.createGroup("g")
	user := func() map[string]any { return e.do("GET", "/api/v1/users/"+id, nil).obj(t) }
	if u := user(); u["status"] != "STAGED" || u["transitioningToStatus"] != "ACTIVE" {
		t.Errorf("create in flight: status %v, transitioning %v", u["status"], u["transitioningToStatus"])
	}
	clock.Advance(delay)

	start := clock.Now()
	mustStatus(t, e.do("POST", "/api/v1/users/"+id+"/lifecycle/deactivate", nil), 200)
	if u := user(); u["status"] != "ACTIVE" || u["transitioningToStatus"] != "DEPROVISIONED" {
		t.Errorf("during deactivation: status %v, transitioning %v", u["status"], u["transitioningToStatus"])
	}
	if s := e.sim.Snapshot(); s.Users[0].Status != "ACTIVE" || s.Users[0].TransitioningToStatus != "DEPROVISIONED" {
		t.Errorf("snapshot during deactivation: status %q, transitioning %q", s.Users[0].Status, s.Users[0].TransitioningToStatus)
	}
	for _, call := range [][2]string{
		{"POST", "/lifecycle/deactivate"}, {"POST", "/lifecycle/suspend"}, {"POST", "/lifecycle/activate"},
		{"POST", ""}, {"DELETE", ""},
	} {
		var body any
		if call[1] == "" && call[0] == "POST" {
			body = map[string]any{"profile": map[string]any{"title": "x"}}
		}
		r := e.do(call[0], "/api/v1/users/"+id+call[1], body)
		mustStatus(t, r, 409)
		if r.errorCode(t) != "E0000112" {
			t.Errorf("%s %s: %s", call[0], call[1], r.body)
		}
	}
	mustStatus(t, e.do("PUT", "/api/v1/groups/"+gid+"/users/"+id, nil), 204) // memberships are not lifecycle
	deprovisioned := "/api/v1/users?filter=" + url.QueryEscape(`status eq "DEPROVISIONED"`)
	if n := len(e.listAll(deprovisioned)); n != 0 {
		t.Errorf("%d deprovisioned users before the delay passed", n)
	}

	clock.Advance(delay)
	u := user()
	if u["status"] != "DEPROVISIONED" || u["transitioningToStatus"] != nil || u["statusChanged"] != fmtTime(start.Add(delay)) {
		t.Errorf("after the delay: status %v, transitioning %v, statusChanged %v", u["status"], u["transitioningToStatus"], u["statusChanged"])
	}
	if n := len(e.listAll(deprovisioned)); n != 1 {
		t.Errorf("%d deprovisioned users after the delay", n)
	}

	// Activation with a password ends ACTIVE.
	mustStatus(t, e.do("POST", "/api/v1/users/"+id+"/lifecycle/activate?sendEmail=false", nil), 200)
	if u := user(); u["status"] != "DEPROVISIONED" || u["transitioningToStatus"] != "ACTIVE" {
		t.Errorf("during activation: %v %v", u["status"], u["transitioningToStatus"])
	}
	clock.Advance(delay)
	if u := user(); u["status"] != "ACTIVE" || u["activated"] != fmtTime(clock.Now()) {
		t.Errorf("after activation: %v activated %v", u["status"], u["activated"])
	}

	// A create activated without a password: STAGED in flight, then
	// PROVISIONED, which cannot be suspended.
	r := e.do("POST", "/api/v1/users?activate=true", map[string]any{"profile": profile("new@example.com")})
	mustStatus(t, r, 200)
	nu := r.obj(t)
	if nu["status"] != "STAGED" || nu["transitioningToStatus"] != "ACTIVE" {
		t.Errorf("create in flight: %v %v", nu["status"], nu["transitioningToStatus"])
	}
	clock.Advance(delay)
	nid := nu["id"].(string)
	if got := e.do("GET", "/api/v1/users/"+nid, nil).obj(t)["status"]; got != "PROVISIONED" {
		t.Errorf("created user settled as %v", got)
	}
	r = e.do("POST", "/api/v1/users/"+nid+"/lifecycle/suspend", nil)
	mustStatus(t, r, 400)
	if r.errorCode(t) != "E0000001" {
		t.Errorf("suspend of a PROVISIONED user: %s", r.body)
	}
	if s := e.sim.Snapshot(); s.Users[0].Status != "ACTIVE" || s.Users[1].Status != "PROVISIONED" || s.Users[1].TransitioningToStatus != "" {
		t.Errorf("snapshot %+v", s.Users)
	}
}

// TestProvisionedNotSuspended checks, with no delay, that a user activated
// without a password is PROVISIONED and refuses suspend.
func TestProvisionedNotSuspended(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	r := e.do("POST", "/api/v1/users?activate=true", map[string]any{"profile": profile("p@example.com")})
	mustStatus(t, r, 200)
	u := r.obj(t)
	if u["status"] != "PROVISIONED" || u["transitioningToStatus"] != nil {
		t.Fatalf("status %v, transitioning %v", u["status"], u["transitioningToStatus"])
	}
	r = e.do("POST", "/api/v1/users/"+u["id"].(string)+"/lifecycle/suspend", nil)
	mustStatus(t, r, 400)
	if r.errorCode(t) != "E0000001" {
		t.Errorf("body %s", r.body)
	}
}

// oktaBaseProfile is okta-api.md's list of the default user profile's base
// attributes, copied here as that page gives it.
const oktaBaseProfile = `login email secondEmail firstName lastName middleName honorificPrefix honorificSuffix
  title displayName nickName profileUrl primaryPhone mobilePhone streetAddress
  city state zipCode postalAddress countryCode preferredLanguage locale
  timezone userType employeeNumber costCenter organization division department
  managerId manager`

// schemaAttrs returns the base and custom attribute names of the served
// user schema, sorted, and the custom attributes' types.
func schemaAttrs(t *testing.T, e *env) (base, custom []string, types map[string]string) {
	t.Helper()
	r := e.do("GET", "/api/v1/meta/schemas/user/default", nil)
	mustStatus(t, r, 200)
	defs := r.obj(t)["definitions"].(map[string]any)
	types = map[string]string{}
	for k := range defs["base"].(map[string]any)["properties"].(map[string]any) {
		base = append(base, k)
	}
	for k, v := range defs["custom"].(map[string]any)["properties"].(map[string]any) {
		custom = append(custom, k)
		types[k], _ = v.(map[string]any)["type"].(string)
	}
	sort.Strings(base)
	sort.Strings(custom)
	return base, custom, types
}

// TestDeclaredCustomAttributes checks the schema with declared custom
// attributes: exactly Okta's base attributes plus those declared (options
// or seed), with their types, and every other attribute refused.
func TestDeclaredCustomAttributes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{CustomAttributes: []string{"badge:integer"}})
	base, custom, types := schemaAttrs(t, e)
	want := strings.Fields(oktaBaseProfile)
	sort.Strings(want)
	if !slices.Equal(base, want) {
		t.Errorf("base attributes %v\nwant %v", base, want)
	}
	if fmt.Sprint(custom) != "[badge]" || types["badge"] != "integer" {
		t.Errorf("custom attributes %v %v, want badge (integer)", custom, types)
	}

	r := e.do("POST", "/api/v1/users?activate=false", map[string]any{"profile": profile("s@example.com", "employeeType", "hr")})
	mustStatus(t, r, 400)
	if r.errorCode(t) != "E0000001" || !strings.Contains(string(r.body), "employeeType") {
		t.Errorf("create with employeeType: %s", r.body)
	}
	r = e.do("POST", "/api/v1/users?activate=false", map[string]any{"profile": profile("s@example.com", "badge", 7, "userType", "Employee")})
	mustStatus(t, r, 200)
	id := r.obj(t)["id"].(string)
	mustStatus(t, e.do("POST", "/api/v1/users/"+id, map[string]any{"profile": map[string]any{"hireDate": "2020-01-01"}}), 400)
	mustStatus(t, e.do("PUT", "/api/v1/users/"+id, map[string]any{"profile": profile("s@example.com", "hireDate", "2020-01-01")}), 400)
	mustStatus(t, e.do("POST", "/api/v1/users/"+id, map[string]any{"profile": map[string]any{"department": "Ops"}}), 200)

	if err := e.sim.Seed(Seed{Users: []SeedUser{{Profile: profile("h@example.com", "employeeType", "hr")}}}); err == nil {
		t.Error("a seed user with an undeclared attribute was accepted")
	}
	declared := Seed{CustomAttributes: []string{"employeeType"}, Users: []SeedUser{{Profile: profile("h@example.com", "employeeType", "hr")}}}
	if err := e.sim.Seed(declared); err != nil {
		t.Fatalf("seed declaring employeeType: %v", err)
	}
	if _, custom, _ := schemaAttrs(t, e); fmt.Sprint(custom) != "[badge employeeType]" {
		t.Errorf("custom attributes after the seed: %v", custom)
	}
	if _, err := New(Options{Tokens: []string{"t"}, CustomAttributes: []string{"x:date"}}); err == nil {
		t.Error("custom attribute type date accepted")
	}
}

// TestMemberPageTimeout checks that large member pages answer 500 E0000009
// and smaller ones succeed.
func TestMemberPageTimeout(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{MemberPageTimeoutAbove: 3})
	var seed Seed
	for i := range 5 {
		seed.Users = append(seed.Users, SeedUser{Profile: profile(fmt.Sprintf("m%d@example.com", i)), Groups: []string{"Big"}})
	}
	seed.Users = append(seed.Users, SeedUser{Profile: profile("solo@example.com"), Groups: []string{"Small"}})
	if err := e.sim.Seed(seed); err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, g := range e.sim.Snapshot().Groups {
		ids[g.Name] = g.ID
	}
	for _, path := range []string{"/api/v1/groups/" + ids["Big"] + "/users?limit=5", "/api/v1/groups/" + ids["Big"] + "/users"} {
		r := e.do("GET", path, nil)
		mustStatus(t, r, 500)
		if r.errorCode(t) != "E0000009" {
			t.Errorf("%s: %s", path, r.body)
		}
	}
	if n := len(e.listAll("/api/v1/groups/" + ids["Big"] + "/users?limit=3")); n != 5 {
		t.Errorf("pages of 3: %d members", n)
	}
	if n := len(e.listAll("/api/v1/groups/" + ids["Small"] + "/users?limit=1000")); n != 1 {
		t.Errorf("small group: %d members", n)
	}
	if st := e.sim.Stats(); st.MemberPageTimeouts != 2 {
		t.Errorf("member page timeouts %d, want 2", st.MemberPageTimeouts)
	}
}

// TestRealistic checks the realistic profile: every switch on, figures
// already set kept, and the org it builds behaving accordingly.
func TestRealistic(t *testing.T) {
	t.Parallel()
	o := Realistic(Options{RateLimit: RateLimitOptions{LegacyBuckets: true}})
	if o.RateLimit.LegacyBuckets || o.RateLimit.HeaderMode != HeaderOrg || o.RateLimit.TokenShare != 0.5 ||
		o.SearchCap != 50000 || o.LifecycleDelay != RealisticLifecycleDelay || !o.CaseSensitiveFilter ||
		!o.RefuseDeprovisionedUpdates {
		t.Errorf("Realistic(Options{}) = %+v", o)
	}
	kept := Realistic(Options{SearchCap: 7, LifecycleDelay: time.Minute, RateLimit: RateLimitOptions{TokenShare: 0.3, HeaderMode: HeaderToken}})
	if kept.SearchCap != 7 || kept.LifecycleDelay != time.Minute || kept.RateLimit.TokenShare != 0.3 || kept.RateLimit.HeaderMode != HeaderToken {
		t.Errorf("Realistic overrode set figures: %+v", kept)
	}

	clock := newFakeClock()
	e := newEnv(t, Realistic(Options{Now: clock.Now, RateLimit: RateLimitOptions{Limits: map[string]int{"users": 4}}}))
	r := e.do("GET", "/api/v1/users?filter="+url.QueryEscape(`profile.login eq "x@example.com"`), nil)
	mustStatus(t, r, 200)
	if limit, remaining, _ := rateHeaders(t, r); limit != 4 || remaining != 3 {
		t.Errorf("headers limit %d remaining %d, want the org's 4 and 3", limit, remaining)
	}
	mustStatus(t, e.do("GET", "/api/v1/users", nil), 200)
	r = e.do("GET", "/api/v1/users", nil)
	mustStatus(t, r, 429) // the token's half of 4 is spent
	if _, remaining, _ := rateHeaders(t, r); remaining != 2 {
		t.Errorf("429 remaining %d, want 2 (the org still has room)", remaining)
	}
	clock.Advance(time.Minute)
	mustStatus(t, e.do("POST", "/api/v1/users?activate=false", map[string]any{"profile": profile("r@example.com", "employeeType", "hr")}), 400)
}
