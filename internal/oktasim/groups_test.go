package oktasim

import (
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func groupNames(objs []map[string]any) []string {
	var out []string
	for _, o := range objs {
		out = append(out, o["profile"].(map[string]any)["name"].(string))
	}
	slices.Sort(out)
	return out
}

func TestGroupJSONShape(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	r := e.do("POST", "/api/v1/groups", map[string]any{"profile": map[string]any{"name": "Engineering", "description": "Builders"}})
	mustStatus(t, r, 200)
	g := r.obj(t)
	if !groupIDRe.MatchString(g["id"].(string)) {
		t.Errorf("id %v", g["id"])
	}
	for _, k := range []string{"created", "lastUpdated", "lastMembershipUpdated"} {
		if s, _ := g[k].(string); !tsRe.MatchString(s) {
			t.Errorf("%s = %v", k, g[k])
		}
	}
	if g["type"] != "OKTA_GROUP" {
		t.Errorf("type %v", g["type"])
	}
	if diff := cmp.Diff([]any{"okta:user_group"}, g["objectClass"]); diff != "" {
		t.Errorf("objectClass: %s", diff)
	}
	if diff := cmp.Diff(map[string]any{"name": "Engineering", "description": "Builders"}, g["profile"]); diff != "" {
		t.Errorf("profile: %s", diff)
	}
	links := g["_links"].(map[string]any)
	if links["users"].(map[string]any)["href"] != e.srv.URL+"/api/v1/groups/"+g["id"].(string)+"/users" {
		t.Errorf("users link %v", links["users"])
	}
}

func TestGroupsCRUD(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	id := e.createGroup("Sales")
	if err := e.sim.Seed(Seed{Groups: []SeedGroup{{Name: "App", Type: "APP_GROUP"}}}); err != nil {
		t.Fatal(err)
	}
	everyone := e.listAll("/api/v1/groups?q=Every")[0]["id"].(string)
	app := e.listAll("/api/v1/groups?q=App")[0]["id"].(string)

	tests := []struct {
		name   string
		method string
		path   string
		body   any
		status int
		code   string
	}{
		{"duplicate name", "POST", "/api/v1/groups", map[string]any{"profile": map[string]any{"name": "sales"}}, 400, "E0000001"},
		{"no name", "POST", "/api/v1/groups", map[string]any{"profile": map[string]any{"description": "x"}}, 400, "E0000001"},
		{"malformed", "POST", "/api/v1/groups", "{", 400, "E0000003"},
		{"get unknown", "GET", "/api/v1/groups/00gnope", nil, 404, "E0000007"},
		{"replace BUILT_IN", "PUT", "/api/v1/groups/" + everyone, map[string]any{"profile": map[string]any{"name": "All"}}, 403, "E0000006"},
		{"delete BUILT_IN", "DELETE", "/api/v1/groups/" + everyone, nil, 403, "E0000006"},
		{"delete APP_GROUP", "DELETE", "/api/v1/groups/" + app, nil, 403, "E0000006"},
		{"replace to taken name", "PUT", "/api/v1/groups/" + id, map[string]any{"profile": map[string]any{"name": "EVERYONE"}}, 400, "E0000001"},
		{"replace", "PUT", "/api/v1/groups/" + id, map[string]any{"profile": map[string]any{"name": "Sales EMEA", "description": "new"}}, 200, ""},
		{"get", "GET", "/api/v1/groups/" + id, nil, 200, ""},
		{"delete", "DELETE", "/api/v1/groups/" + id, nil, 204, ""},
		{"get deleted", "GET", "/api/v1/groups/" + id, nil, 404, "E0000007"},
	}
	for _, tt := range tests {
		r := e.do(tt.method, tt.path, tt.body)
		if r.status != tt.status {
			t.Errorf("%s: status %d, want %d: %s", tt.name, r.status, tt.status, r.body)
			continue
		}
		if tt.code != "" && r.errorCode(t) != tt.code {
			t.Errorf("%s: %s", tt.name, r.body)
		}
	}
	// The name of the deleted group is free again.
	e.createGroup("Sales EMEA")
}

func TestListGroups(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	e := newEnv(t, Options{Now: clock.Now, MaxPageSize: 2})
	for _, n := range []string{"alpha", "beta", "gamma", "delta"} {
		e.createGroup(n)
	}
	if err := e.sim.Seed(Seed{Groups: []SeedGroup{{Name: "imported", Type: "APP_GROUP"}}}); err != nil {
		t.Fatal(err)
	}
	checkpoint := fmtTime(clock.Now())
	clock.Advance(time.Minute)
	uid := e.createUser("member@example.com")
	beta := e.listAll("/api/v1/groups?q=beta")[0]["id"].(string)
	mustStatus(t, e.do("PUT", "/api/v1/groups/"+beta+"/users/"+uid, nil), 204)

	q := func(param, expr string) string { return "/api/v1/groups?" + param + "=" + url.QueryEscape(expr) }
	tests := []struct {
		path string
		want []string
	}{
		{"/api/v1/groups", []string{"Everyone", "alpha", "beta", "delta", "gamma", "imported"}},
		{q("filter", `type eq "OKTA_GROUP"`), []string{"alpha", "beta", "delta", "gamma"}},
		{q("filter", `type eq "APP_GROUP" or type eq "BUILT_IN"`), []string{"Everyone", "imported"}},
		{q("filter", `type eq "OKTA_GROUP" and lastMembershipUpdated gt "`+checkpoint+`"`), []string{"beta"}},
		{q("filter", `lastMembershipUpdated gt "`+checkpoint+`"`), []string{"Everyone", "beta"}},
		{q("filter", `lastUpdated le "`+checkpoint+`"`), []string{"Everyone", "alpha", "beta", "delta", "gamma", "imported"}},
		{q("search", `profile.name sw "G"`), []string{"gamma"}},
		{q("search", `profile.name co "ELT"`), []string{"delta"}},
		{q("search", `type eq "okta_group" and profile.description sw "d a"`), []string{"alpha"}},
		{"/api/v1/groups?q=A", []string{"alpha"}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, groupNames(e.listAll(tt.path))); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.path, diff)
		}
	}
	for _, p := range []string{q("filter", `profile.name eq "alpha"`), q("filter", `type sw "OKTA"`), q("search", `type co "OKTA"`), q("filter", `id eq`)} {
		r := e.do("GET", p, nil)
		mustStatus(t, r, 400)
		if r.errorCode(t) != "E0000031" {
			t.Errorf("%s: %s", p, r.body)
		}
	}
	r := e.do("GET", "/api/v1/groups?expand=stats&q=beta", nil)
	var gs []map[string]any
	r.json(t, &gs)
	if n := gs[0]["_embedded"].(map[string]any)["stats"].(map[string]any)["usersCount"]; n != 1.0 {
		t.Errorf("usersCount %v, want 1", n)
	}
}

func TestMembers(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	e := newEnv(t, Options{Now: clock.Now, MaxPageSize: 3})
	gid := e.createGroup("team")
	if err := e.sim.Seed(Seed{Groups: []SeedGroup{{Name: "imported", Type: "APP_GROUP"}}}); err != nil {
		t.Fatal(err)
	}
	app := e.listAll("/api/v1/groups?q=imported")[0]["id"].(string)
	everyone := e.listAll("/api/v1/groups?q=Everyone")[0]["id"].(string)
	var ids []string
	for i := range 8 {
		ids = append(ids, e.createUser(fmt.Sprintf("m%d@example.com", i)))
	}
	before := e.do("GET", "/api/v1/groups/"+gid, nil).obj(t)["lastMembershipUpdated"]
	clock.Advance(time.Second)
	for _, id := range ids {
		mustStatus(t, e.do("PUT", "/api/v1/groups/"+gid+"/users/"+id, nil), 204)
		mustStatus(t, e.do("PUT", "/api/v1/groups/"+gid+"/users/"+id, nil), 204) // idempotent
	}
	after := e.do("GET", "/api/v1/groups/"+gid, nil).obj(t)["lastMembershipUpdated"]
	if after == before {
		t.Errorf("lastMembershipUpdated did not move")
	}
	members := e.listAll("/api/v1/groups/" + gid + "/users?limit=1000")
	if len(members) != 8 {
		t.Fatalf("%d members, want 8", len(members))
	}
	if !userIDRe.MatchString(members[0]["id"].(string)) || members[0]["profile"] == nil {
		t.Errorf("member is not a User object: %v", members[0])
	}
	mustStatus(t, e.do("DELETE", "/api/v1/groups/"+gid+"/users/"+ids[0], nil), 204)
	mustStatus(t, e.do("DELETE", "/api/v1/groups/"+gid+"/users/"+ids[0], nil), 204)
	if n := len(e.listAll("/api/v1/groups/" + gid + "/users")); n != 7 {
		t.Errorf("%d members after removal, want 7", n)
	}

	tests := []struct {
		method, path string
		status       int
		code         string
	}{
		{"PUT", "/api/v1/groups/" + everyone + "/users/" + ids[1], 403, "E0000006"},
		{"DELETE", "/api/v1/groups/" + everyone + "/users/" + ids[1], 403, "E0000006"},
		{"PUT", "/api/v1/groups/" + app + "/users/" + ids[1], 403, "E0000006"},
		{"PUT", "/api/v1/groups/00gnope/users/" + ids[1], 404, "E0000007"},
		{"PUT", "/api/v1/groups/" + gid + "/users/00unope", 404, "E0000007"},
		{"GET", "/api/v1/groups/00gnope/users", 404, "E0000007"},
		{"GET", "/api/v1/users/00unope/groups", 404, "E0000007"},
	}
	for _, tt := range tests {
		r := e.do(tt.method, tt.path, nil)
		if r.status != tt.status || r.errorCode(t) != tt.code {
			t.Errorf("%s %s: %d %s", tt.method, tt.path, r.status, r.body)
		}
	}
	var groups []map[string]any
	e.do("GET", "/api/v1/users/"+ids[1]+"/groups", nil).json(t, &groups)
	if diff := cmp.Diff([]string{"Everyone", "team"}, groupNames(groups)); diff != "" {
		t.Errorf("user's groups: %s", diff)
	}
	// Deleting the group ends its memberships.
	mustStatus(t, e.do("DELETE", "/api/v1/groups/"+gid, nil), 204)
	e.do("GET", "/api/v1/users/"+ids[1]+"/groups", nil).json(t, &groups)
	if diff := cmp.Diff([]string{"Everyone"}, groupNames(groups)); diff != "" {
		t.Errorf("user's groups after group delete: %s", diff)
	}
}

func TestMemberPageSize(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{}) // the default: 200 users a page, 1000 members
	gid := e.createGroup("big")
	seed := Seed{}
	for i := range 1500 {
		seed.Users = append(seed.Users, SeedUser{Profile: profile(fmt.Sprintf("big%04d@example.com", i)), Groups: []string{"big"}})
	}
	if err := e.sim.Seed(seed); err != nil {
		t.Fatal(err)
	}
	r := e.do("GET", "/api/v1/groups/"+gid+"/users?limit=5000", nil)
	var page []map[string]any
	r.json(t, &page)
	if len(page) != 1000 {
		t.Errorf("member page of %d, want the cap of 1000", len(page))
	}
	if n := len(e.listAll("/api/v1/groups/" + gid + "/users")); n != 1500 {
		t.Errorf("paged %d members, want 1500", n)
	}
}
