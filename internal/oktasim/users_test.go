package oktasim

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var (
	userIDRe  = regexp.MustCompile(`^00u[0-9A-Za-z]{17}$`)
	groupIDRe = regexp.MustCompile(`^00g[0-9A-Za-z]{17}$`)
	tsRe      = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)
)

func TestAuth(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	tests := []struct {
		name string
		auth string
		want int
	}{
		{"no header", "", 401},
		{"wrong token", "SSWS nope", 401},
		{"wrong scheme", "Basic " + testToken, 401},
		{"empty token", "SSWS ", 401},
		{"good token", "SSWS " + testToken, 200},
		{"scheme case-insensitive", "ssws " + testToken, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.doAuth("GET", "/api/v1/users", nil, tt.auth)
			mustStatus(t, r, tt.want)
			if tt.want == 401 {
				if c := r.errorCode(t); c != "E0000011" {
					t.Errorf("errorCode %q, want E0000011", c)
				}
			}
			for _, h := range []string{"X-Okta-Request-Id", "Date", "X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Reset"} {
				if r.header.Get(h) == "" {
					t.Errorf("header %s missing", h)
				}
			}
		})
	}
}

func TestErrorBodyShape(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	r := e.do("GET", "/api/v1/users/00uunknown0000000000", nil)
	mustStatus(t, r, 404)
	m := r.obj(t)
	for _, k := range []string{"errorCode", "errorSummary", "errorLink", "errorId", "errorCauses"} {
		if _, ok := m[k]; !ok {
			t.Errorf("error body lacks %s: %s", k, r.body)
		}
	}
	if m["errorCode"] != "E0000007" {
		t.Errorf("errorCode %v", m["errorCode"])
	}
}

func TestCreateUserStatus(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	tests := []struct {
		query    string
		password bool
		want     string
	}{
		{"?activate=false", true, "STAGED"},
		{"?activate=false", false, "STAGED"},
		{"?activate=true", true, "ACTIVE"},
		{"?activate=true", false, "PROVISIONED"},
		{"", true, "ACTIVE"},
		{"", false, "PROVISIONED"},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprintf("%s password=%v", tt.query, tt.password), func(t *testing.T) {
			body := map[string]any{"profile": profile(fmt.Sprintf("status%d@example.com", i))}
			if tt.password {
				body["credentials"] = map[string]any{"password": map[string]any{"value": "Pa55word!x"}}
			}
			r := e.do("POST", "/api/v1/users"+tt.query, body)
			mustStatus(t, r, 200)
			u := r.obj(t)
			if u["status"] != tt.want {
				t.Errorf("status %v, want %s", u["status"], tt.want)
			}
			if strings.Contains(string(r.body), "Pa55word") {
				t.Errorf("password returned: %s", r.body)
			}
			creds := u["credentials"].(map[string]any)
			if _, has := creds["password"]; has != tt.password {
				t.Errorf("credentials.password present=%v, want %v", has, tt.password)
			}
			if (u["activated"] != nil) != (tt.want == "ACTIVE") {
				t.Errorf("activated %v for %s", u["activated"], tt.want)
			}
		})
	}
}

func TestUserJSONShape(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	id := e.createUser("shape@example.com", "department", "R&D")
	r := e.do("GET", "/api/v1/users/"+id, nil)
	mustStatus(t, r, 200)
	u := r.obj(t)
	if !userIDRe.MatchString(id) {
		t.Errorf("id %q is not 00u + 17 characters", id)
	}
	for _, k := range []string{"created", "activated", "statusChanged", "lastUpdated", "passwordChanged"} {
		if s, _ := u[k].(string); !tsRe.MatchString(s) {
			t.Errorf("%s = %v, want a timestamp like 2006-01-02T15:04:05.000Z", k, u[k])
		}
	}
	if _, ok := u["lastLogin"]; !ok || u["lastLogin"] != nil {
		t.Errorf("lastLogin = %v, want null", u["lastLogin"])
	}
	if typ, _ := u["type"].(map[string]any); typ == nil || !strings.HasPrefix(typ["id"].(string), "oty") {
		t.Errorf("type = %v", u["type"])
	}
	links := u["_links"].(map[string]any)
	self := links["self"].(map[string]any)["href"].(string)
	if self != e.srv.URL+"/api/v1/users/"+id {
		t.Errorf("self link %q", self)
	}
	if _, ok := links["suspend"]; !ok {
		t.Errorf("an ACTIVE user's links lack suspend: %v", links)
	}
	if u["profile"].(map[string]any)["department"] != "R&D" {
		t.Errorf("profile %v", u["profile"])
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
	if strings.Contains(string(r.body), `\u0026`) {
		t.Errorf("HTML-escaped JSON: %s", r.body)
	}
}

func TestCreateUserValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	e.createUser("taken@example.com")
	gid := e.createGroup("g")
	many := make([]string, 21)
	for i := range many {
		many[i] = gid
	}
	tests := []struct {
		name       string
		body       any
		wantStatus int
		wantCode   string
		wantCauses []string
	}{
		{"missing names", map[string]any{"profile": map[string]any{"login": "a@example.com", "email": "a@example.com"}},
			400, "E0000001", []string{"firstName: The field cannot be left blank", "lastName: The field cannot be left blank"}},
		{"no profile", map[string]any{}, 400, "E0000001", []string{"profile: The field cannot be left blank"}},
		{"duplicate login", map[string]any{"profile": profile("taken@example.com")}, 400, "E0000001",
			[]string{"login: An object with this field already exists in the current organization"}},
		{"duplicate login other case", map[string]any{"profile": profile("TAKEN@Example.com")}, 400, "E0000001",
			[]string{"login: An object with this field already exists in the current organization"}},
		{"21 groupIds", map[string]any{"profile": profile("b@example.com"), "groupIds": many}, 400, "E0000093", nil},
		{"malformed", "{not json", 400, "E0000003", nil},
		{"nested object", map[string]any{"profile": profile("c@example.com", "x", map[string]any{"y": 1})}, 400, "E0000001", nil},
		{"unknown group", map[string]any{"profile": profile("d@example.com"), "groupIds": []string{"00gnope"}}, 400, "E0000001", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do("POST", "/api/v1/users?activate=false", tt.body)
			mustStatus(t, r, tt.wantStatus)
			var eb errorBody
			r.json(t, &eb)
			if eb.ErrorCode != tt.wantCode {
				t.Errorf("errorCode %s, want %s", eb.ErrorCode, tt.wantCode)
			}
			if tt.wantCauses != nil {
				var got []string
				for _, c := range eb.ErrorCauses {
					got = append(got, c.ErrorSummary)
				}
				if diff := cmp.Diff(tt.wantCauses, got); diff != "" {
					t.Errorf("errorCauses (-want +got):\n%s", diff)
				}
			}
		})
	}
	if st := e.sim.Stats(); st.DuplicateCreateAttempts != 2 {
		t.Errorf("DuplicateCreateAttempts %d, want 2", st.DuplicateCreateAttempts)
	}
}

func TestCreateUserWithGroups(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	g1, g2 := e.createGroup("one"), e.createGroup("two")
	r := e.do("POST", "/api/v1/users?activate=false", map[string]any{"profile": profile("m@example.com"), "groupIds": []string{g1, g2}})
	mustStatus(t, r, 200)
	id := r.obj(t)["id"].(string)
	var groups []map[string]any
	r = e.do("GET", "/api/v1/users/"+id+"/groups", nil)
	mustStatus(t, r, 200)
	r.json(t, &groups)
	var names []string
	for _, g := range groups {
		names = append(names, g["profile"].(map[string]any)["name"].(string))
	}
	slices.Sort(names)
	if diff := cmp.Diff([]string{"Everyone", "one", "two"}, names); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
}

func TestGetUserByLogin(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	id := e.createUser("jane.doe+x@example.com")
	tests := []struct {
		key  string
		want int
	}{
		{id, 200},
		{url.PathEscape("jane.doe+x@example.com"), 200},
		{"jane.doe%2Bx%40example.com", 200},
		{url.PathEscape("JANE.DOE+X@EXAMPLE.COM"), 200},
		{"00u000000000000000xx", 404},
		{"nobody%40example.com", 404},
	}
	for _, tt := range tests {
		r := e.do("GET", "/api/v1/users/"+tt.key, nil)
		mustStatus(t, r, tt.want)
		if tt.want == 200 && r.obj(t)["id"] != id {
			t.Errorf("GET %s: id %v, want %s", tt.key, r.obj(t)["id"], id)
		}
		if tt.want == 404 && r.errorCode(t) != "E0000007" {
			t.Errorf("GET %s: %s", tt.key, r.body)
		}
	}
}

func TestUpdateUser(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	e := newEnv(t, Options{Now: clock.Now})
	id := e.createUser("up@example.com", "department", "Sales", "title", "Rep")
	e.createUser("other@example.com")
	before := e.do("GET", "/api/v1/users/"+id, nil).obj(t)["lastUpdated"]
	clock.Advance(time.Minute)

	// Partial update: merge, null removes.
	r := e.do("POST", "/api/v1/users/"+id, map[string]any{"profile": map[string]any{"department": "Eng", "title": nil, "costCenter": "42"}})
	mustStatus(t, r, 200)
	p := r.obj(t)["profile"].(map[string]any)
	want := profile("up@example.com", "department", "Eng", "costCenter", "42")
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("after partial update (-want +got):\n%s", diff)
	}
	if r.obj(t)["lastUpdated"] == before {
		t.Errorf("lastUpdated did not move")
	}

	// Full replace: attributes left out are gone.
	r = e.do("PUT", "/api/v1/users/"+id, map[string]any{"profile": profile("up@example.com", "city", "Paris")})
	mustStatus(t, r, 200)
	if diff := cmp.Diff(profile("up@example.com", "city", "Paris"), r.obj(t)["profile"]); diff != "" {
		t.Errorf("after replace (-want +got):\n%s", diff)
	}

	tests := []struct {
		name   string
		method string
		body   any
		code   string
	}{
		{"remove required", "POST", map[string]any{"profile": map[string]any{"email": nil}}, "E0000001"},
		{"replace without required", "PUT", map[string]any{"profile": map[string]any{"login": "up@example.com"}}, "E0000001"},
		{"login taken", "POST", map[string]any{"profile": map[string]any{"login": "OTHER@example.com"}}, "E0000001"},
		{"malformed", "POST", "[", "E0000003"},
	}
	for _, tt := range tests {
		r := e.do(tt.method, "/api/v1/users/"+id, tt.body)
		mustStatus(t, r, 400)
		if c := r.errorCode(t); c != tt.code {
			t.Errorf("%s: errorCode %s, want %s", tt.name, c, tt.code)
		}
	}

	// Login change frees the old login.
	r = e.do("POST", "/api/v1/users/"+id, map[string]any{"profile": map[string]any{"login": "renamed@example.com"}})
	mustStatus(t, r, 200)
	mustStatus(t, e.do("GET", "/api/v1/users/renamed%40example.com", nil), 200)
	mustStatus(t, e.do("GET", "/api/v1/users/up%40example.com", nil), 404)
	mustStatus(t, e.do("POST", "/api/v1/users/00unope", map[string]any{"profile": map[string]any{}}), 404)
}

func TestLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	statuses := []string{"STAGED", "PROVISIONED", "ACTIVE", "RECOVERY", "PASSWORD_EXPIRED", "LOCKED_OUT", "SUSPENDED", "DEPROVISIONED"}
	type outcome struct {
		status int
		code   string // errorCode, or the new user status on success
	}
	// want[op][from]
	want := map[string]map[string]outcome{
		"activate": {
			"STAGED": {200, "PROVISIONED"}, "DEPROVISIONED": {200, "ACTIVE"},
			"PROVISIONED": {403, "E0000016"}, "ACTIVE": {403, "E0000016"}, "RECOVERY": {403, "E0000016"},
			"PASSWORD_EXPIRED": {403, "E0000016"}, "LOCKED_OUT": {403, "E0000016"}, "SUSPENDED": {403, "E0000016"},
		},
		"reactivate": {
			"PROVISIONED": {200, "PROVISIONED"}, "RECOVERY": {200, "PROVISIONED"},
			"STAGED": {403, "E0000038"}, "ACTIVE": {403, "E0000038"}, "PASSWORD_EXPIRED": {403, "E0000038"},
			"LOCKED_OUT": {403, "E0000038"}, "SUSPENDED": {403, "E0000038"}, "DEPROVISIONED": {403, "E0000038"},
		},
		"deactivate": {"DEPROVISIONED": {403, "E0000038"}},
		"suspend":    {"ACTIVE": {200, "SUSPENDED"}},
		"unsuspend":  {"SUSPENDED": {200, "ACTIVE"}},
		"unlock":     {"LOCKED_OUT": {200, "ACTIVE"}},
	}
	for _, st := range statuses {
		if st != "DEPROVISIONED" {
			want["deactivate"][st] = outcome{200, "DEPROVISIONED"}
		}
		if st != "ACTIVE" {
			want["suspend"][st] = outcome{400, "E0000001"}
		}
		if st != "SUSPENDED" {
			want["unsuspend"][st] = outcome{400, "E0000001"}
		}
		if st != "LOCKED_OUT" {
			want["unlock"][st] = outcome{403, "E0000038"}
		}
	}
	for op, froms := range want {
		for _, from := range statuses {
			o := froms[from]
			t.Run(op+" from "+from, func(t *testing.T) {
				login := fmt.Sprintf("lc-%s-%s@example.com", op, strings.ToLower(from))
				if err := e.sim.Seed(Seed{Users: []SeedUser{{Status: from, Profile: profile(login)}}}); err != nil {
					t.Fatal(err)
				}
				r := e.do("POST", "/api/v1/users/"+url.PathEscape(login)+"/lifecycle/"+op, nil)
				mustStatus(t, r, o.status)
				if o.status != 200 {
					if c := r.errorCode(t); c != o.code {
						t.Errorf("errorCode %s, want %s", c, o.code)
					}
					return
				}
				got := e.do("GET", "/api/v1/users/"+url.PathEscape(login), nil).obj(t)["status"]
				if got != o.code {
					t.Errorf("status after %s: %v, want %s", op, got, o.code)
				}
			})
		}
	}
	mustStatus(t, e.do("POST", "/api/v1/users/00unope/lifecycle/activate", nil), 404)
}

func TestActivateWithoutPassword(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	r := e.do("POST", "/api/v1/users?activate=false", map[string]any{"profile": profile("np@example.com")})
	id := r.obj(t)["id"].(string)
	r = e.do("POST", "/api/v1/users/"+id+"/lifecycle/activate?sendEmail=false", nil)
	mustStatus(t, r, 200)
	if tok, _ := r.obj(t)["activationToken"].(string); tok == "" {
		t.Errorf("sendEmail=false gave no activation token: %s", r.body)
	}
	if st := e.do("GET", "/api/v1/users/"+id, nil).obj(t)["status"]; st != "PROVISIONED" {
		t.Errorf("status %v, want PROVISIONED", st)
	}
	r = e.do("POST", "/api/v1/users/"+id+"/lifecycle/deactivate", nil)
	mustStatus(t, r, 200)
	if len(r.body) != 0 {
		t.Errorf("deactivate body %q, want empty", r.body)
	}
}

func TestDeleteUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	gid := e.createGroup("del")
	id := e.createUser("del@example.com")
	mustStatus(t, e.do("PUT", "/api/v1/groups/"+gid+"/users/"+id, nil), 204)

	mustStatus(t, e.do("DELETE", "/api/v1/users/"+id, nil), 204)
	r := e.do("GET", "/api/v1/users/"+id, nil)
	mustStatus(t, r, 200)
	if st := r.obj(t)["status"]; st != "DEPROVISIONED" {
		t.Fatalf("first DELETE left status %v, want DEPROVISIONED", st)
	}
	mustStatus(t, e.do("DELETE", "/api/v1/users/"+id, nil), 204)
	mustStatus(t, e.do("GET", "/api/v1/users/"+id, nil), 404)
	mustStatus(t, e.do("DELETE", "/api/v1/users/"+id, nil), 404)
	if members := e.listAll("/api/v1/groups/" + gid + "/users"); len(members) != 0 {
		t.Errorf("deleted user still a member: %v", members)
	}
	// The login is free again.
	e.createUser("del@example.com")
}

func TestListUsers(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{CustomAttributes: []string{"employeeType", "nicknames:array", "level:integer"}})
	e.createUser("alice@example.com", "department", "Eng", "employeeType", "hr")
	e.createUser("bob@example.com", "department", "Sales", "nicknames", []any{"bobby", "rob"})
	gone := e.createUser("carol@example.com", "department", "Eng")
	mustStatus(t, e.do("POST", "/api/v1/users/"+gone+"/lifecycle/deactivate", nil), 200)
	mustStatus(t, e.do("POST", "/api/v1/users?activate=false", map[string]any{"profile": profile("dave@example.com", "level", 3.0, "manager", true)}), 200)

	q := func(param, expr string) string { return "/api/v1/users?" + param + "=" + url.QueryEscape(expr) }
	tests := []struct {
		name string
		path string
		want []string
	}{
		{"plain list leaves out DEPROVISIONED", "/api/v1/users", []string{"alice@example.com", "bob@example.com", "dave@example.com"}},
		{"filter status", q("filter", `status eq "DEPROVISIONED"`), []string{"carol@example.com"}},
		{"filter status case-sensitive", q("filter", `status eq "deprovisioned"`), nil},
		{"filter login ignores case", q("filter", `profile.login eq "ALICE@example.com"`), []string{"alice@example.com"}},
		{"filter or with parens", q("filter", `(status eq "STAGED" or status eq "DEPROVISIONED") and lastUpdated gt "2000-01-01T00:00:00.000Z"`), []string{"carol@example.com", "dave@example.com"}},
		{"filter lastUpdated lt", q("filter", `lastUpdated lt "2000-01-01T00:00:00.000Z"`), nil},
		{"search custom attribute", q("search", `profile.department eq "eng"`), []string{"alice@example.com", "carol@example.com"}},
		{"search operator case", q("search", `profile.department EQ "Eng" AND status eq "active"`), []string{"alice@example.com"}},
		{"search sw", q("search", `profile.login sw "b"`), []string{"bob@example.com"}},
		{"search co", q("search", `profile.email co "ARO"`), []string{"carol@example.com"}},
		{"search array any element", q("search", `profile.nicknames eq "rob"`), []string{"bob@example.com"}},
		{"search number", q("search", `profile.level ge 3`), []string{"dave@example.com"}},
		{"search bool", q("search", `profile.manager eq true`), []string{"dave@example.com"}},
		{"search scope", q("search", `profile.employeeType eq "hr"`), []string{"alice@example.com"}},
		{"search status lt or gt", q("search", `status lt "STAGED" or status gt "STAGED"`), []string{"alice@example.com", "bob@example.com", "carol@example.com"}},
		{"q starts-with", "/api/v1/users?q=Firstb", []string{"bob@example.com"}},
		{"q leaves out DEPROVISIONED", "/api/v1/users?q=carol", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := logins(e.listAll(tt.path))
			slices.Sort(got)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.path, diff)
			}
		})
	}

	invalid := []string{
		q("filter", `profile.department eq "Eng"`),
		q("filter", `status sw "A"`),
		q("filter", `lastUpdated gt "yesterday"`),
		q("filter", `status eq "ACTIVE" and`),
		q("filter", `not status eq "ACTIVE"`),
		q("search", `profile.department co "E"`),
		q("search", `status ne "ACTIVE"`),
		q("search", `(status eq "ACTIVE"`),
		q("search", `foo eq "x"`),
		q("search", `status eq ACTIVE`),
	}
	for _, p := range invalid {
		r := e.do("GET", p, nil)
		mustStatus(t, r, 400)
		if c := r.errorCode(t); c != "E0000031" {
			t.Errorf("%s: errorCode %s, want E0000031", p, c)
		}
	}
}

func TestSearchSortBy(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{CustomAttributes: []string{"rank"}})
	for _, n := range []string{"delta", "alpha", "charlie", "bravo", "echo"} {
		e.createUser(n+"@example.com", "rank", n)
	}
	path := "/api/v1/users?limit=2&search=" + url.QueryEscape(`status eq "ACTIVE"`) + "&sortBy=profile.rank&sortOrder="
	got := logins(e.listAll(path + "asc"))
	want := []string{"alpha@example.com", "bravo@example.com", "charlie@example.com", "delta@example.com", "echo@example.com"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ascending (-want +got):\n%s", diff)
	}
	got = logins(e.listAll(path + "desc"))
	slices.Reverse(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("descending (-want +got):\n%s", diff)
	}
}

func TestPagingLinks(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{MaxPageSize: 5})
	for i := range 12 {
		e.createUser(fmt.Sprintf("p%02d@example.com", i))
	}
	r := e.do("GET", "/api/v1/users?limit=50", nil)
	mustStatus(t, r, 200)
	var page []map[string]any
	r.json(t, &page)
	if len(page) != 5 {
		t.Errorf("limit 50 with cap 5 gave %d users", len(page))
	}
	links := r.header.Values("Link")
	if len(links) != 2 {
		t.Fatalf("Link lines %q, want self and next", links)
	}
	if links[0] != "<"+e.srv.URL+"/api/v1/users?limit=50>; rel=\"self\"" {
		t.Errorf("self link %q", links[0])
	}
	next := nextLink(t, r.header)
	u, err := url.Parse(next)
	if err != nil || u.Query().Get("after") != page[4]["id"] {
		t.Errorf("next link %q, want after=%v", next, page[4]["id"])
	}
	all := e.listAll("/api/v1/users?limit=4")
	if len(all) != 12 {
		t.Errorf("paged through %d users, want 12", len(all))
	}
	// The last page has no next link.
	r = e.do("GET", "/api/v1/users?limit=5&after="+all[9]["id"].(string), nil)
	if nextLink(t, r.header) != "" {
		t.Errorf("last page has a next link")
	}
	mustStatus(t, e.do("GET", "/api/v1/users?limit=abc", nil), 400)
}

// TestConcurrentPaging pages through users while others are created and
// deleted: every user that exists throughout is seen exactly once.
func TestConcurrentPaging(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	stable := map[string]bool{}
	for i := range 150 {
		stable[e.createUser(fmt.Sprintf("stable%03d@example.com", i))] = true
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			id := e.createUser(fmt.Sprintf("churn%05d@example.com", i))
			if i%2 == 0 {
				e.do("DELETE", "/api/v1/users/"+id, nil)
				e.do("DELETE", "/api/v1/users/"+id, nil)
			}
		}
	}()
	for round := range 3 {
		seen := map[string]int{}
		for _, u := range e.listAll("/api/v1/users?limit=7") {
			seen[u["id"].(string)]++
		}
		for id, n := range seen {
			if n > 1 {
				t.Errorf("round %d: user %s listed %d times", round, id, n)
			}
		}
		for id := range stable {
			if seen[id] != 1 {
				t.Errorf("round %d: stable user %s listed %d times", round, id, seen[id])
			}
		}
	}
	close(stop)
	<-done
}

func TestSearchLag(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	e := newEnv(t, Options{Now: clock.Now, SearchLag: time.Second})
	search := func(expr string) []string {
		return logins(e.listAll("/api/v1/users?search=" + url.QueryEscape(expr)))
	}
	id := e.createUser("lag@example.com", "department", "Eng")
	if got := search(`profile.department eq "Eng"`); len(got) != 0 {
		t.Errorf("search found a user created just now: %v", got)
	}
	if got := logins(e.listAll("/api/v1/users?filter=" + url.QueryEscape(`profile.login eq "lag@example.com"`))); len(got) != 1 {
		t.Errorf("filter (strongly consistent) missed the new user: %v", got)
	}
	clock.Advance(time.Second)
	if got := search(`profile.department eq "Eng"`); len(got) != 1 {
		t.Errorf("search missed the user after the lag: %v", got)
	}
	mustStatus(t, e.do("POST", "/api/v1/users/"+id, map[string]any{"profile": map[string]any{"department": "Ops"}}), 200)
	clock.Advance(500 * time.Millisecond)
	mustStatus(t, e.do("POST", "/api/v1/users/"+id+"/lifecycle/suspend", nil), 200)
	if got := search(`profile.department eq "Eng" and status eq "ACTIVE"`); len(got) != 1 {
		t.Errorf("search within the lag should see the old profile and status: %v", got)
	}
	clock.Advance(500 * time.Millisecond)
	if got := search(`profile.department eq "Ops" and status eq "SUSPENDED"`); len(got) != 1 {
		t.Errorf("search after the lag should see the new profile and status: %v", got)
	}
}

// TestActivationDelay checks that the deprecated ActivationDelay still
// delays activations, as LifecycleDelay (see TestLifecycleDelay).
func TestActivationDelay(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	e := newEnv(t, Options{Now: clock.Now, ActivationDelay: 2 * time.Second})
	r := e.do("POST", "/api/v1/users?activate=true", map[string]any{"profile": profile("slow@example.com")})
	mustStatus(t, r, 200)
	u := r.obj(t)
	if u["transitioningToStatus"] != "ACTIVE" || u["status"] != "STAGED" {
		t.Errorf("status %v, transitioningToStatus %v, want STAGED and ACTIVE", u["status"], u["transitioningToStatus"])
	}
	id := u["id"].(string)
	r = e.do("POST", "/api/v1/users/"+id, map[string]any{"profile": map[string]any{"title": "x"}})
	mustStatus(t, r, 409)
	if r.errorCode(t) != "E0000112" {
		t.Errorf("body %s", r.body)
	}
	clock.Advance(2 * time.Second)
	r = e.do("POST", "/api/v1/users/"+id, map[string]any{"profile": map[string]any{"title": "x"}})
	mustStatus(t, r, 200)
	if _, ok := r.obj(t)["transitioningToStatus"]; ok {
		t.Errorf("still transitioning after the delay: %s", r.body)
	}
	// A staged user is not activating.
	r = e.do("POST", "/api/v1/users?activate=false", map[string]any{"profile": profile("staged@example.com")})
	sid := r.obj(t)["id"].(string)
	mustStatus(t, e.do("POST", "/api/v1/users/"+sid, map[string]any{"profile": map[string]any{"title": "y"}}), 200)
}
