package oktasim

import (
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func eventTypes(evs []map[string]any) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e["eventType"].(string))
	}
	return out
}

func TestSystemLog(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	e := newEnv(t, Options{Now: clock.Now})
	since := fmtTime(clock.Now())
	gid := e.createGroup("logged")
	clock.Advance(time.Second)
	uid := e.createUser("log@example.com")
	clock.Advance(time.Second)
	mustStatus(t, e.do("POST", "/api/v1/users/"+uid, map[string]any{"profile": map[string]any{"title": "Boss"}}), 200)
	mustStatus(t, e.do("PUT", "/api/v1/groups/"+gid+"/users/"+uid, nil), 204)
	mustStatus(t, e.do("DELETE", "/api/v1/groups/"+gid+"/users/"+uid, nil), 204)
	mustStatus(t, e.do("POST", "/api/v1/users/"+uid+"/lifecycle/suspend", nil), 200)
	mustStatus(t, e.do("POST", "/api/v1/users/"+uid+"/lifecycle/unsuspend", nil), 200)
	mustStatus(t, e.do("POST", "/api/v1/users/"+uid+"/lifecycle/deactivate", nil), 200)
	mustStatus(t, e.do("DELETE", "/api/v1/users/"+uid, nil), 204)
	mustStatus(t, e.do("PUT", "/api/v1/groups/"+gid, map[string]any{"profile": map[string]any{"name": "renamed"}}), 200)
	mustStatus(t, e.do("DELETE", "/api/v1/groups/"+gid, nil), 204)

	until := fmtTime(clock.Now().Add(time.Second))
	r := e.do("GET", "/api/v1/logs?since="+url.QueryEscape(since)+"&until="+url.QueryEscape(until), nil)
	mustStatus(t, r, 200)
	var evs []map[string]any
	r.json(t, &evs)
	want := []string{
		"group.lifecycle.create",
		"user.lifecycle.create", "user.lifecycle.activate", "group.user_membership.add",
		"user.account.update_profile",
		"group.user_membership.add", "group.user_membership.remove",
		"user.lifecycle.suspend", "user.lifecycle.unsuspend", "user.lifecycle.deactivate",
		"user.lifecycle.delete.initiated", "user.lifecycle.delete.completed",
		"group.profile.update", "group.lifecycle.delete",
	}
	if diff := cmp.Diff(want, eventTypes(evs)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if nextLink(t, r.header) != "" {
		t.Errorf("a bounded query (until) has a next link at its end")
	}
	ev := evs[4]
	if ev["published"] == nil || ev["uuid"] == nil || ev["actor"] == nil {
		t.Errorf("event lacks fields: %v", ev)
	}
	target := ev["target"].([]any)[0].(map[string]any)
	if target["id"] != uid || target["alternateId"] != "log@example.com" || target["type"] != "User" {
		t.Errorf("target %v", target)
	}
	if !tsRe.MatchString(ev["published"].(string)) {
		t.Errorf("published %v", ev["published"])
	}

	// Filter and descending order.
	f := url.QueryEscape(`eventType eq "group.user_membership.add" and target.id eq "` + gid + `"`)
	r = e.do("GET", "/api/v1/logs?filter="+f+"&since="+url.QueryEscape(since)+"&until="+url.QueryEscape(until), nil)
	r.json(t, &evs)
	if len(evs) != 1 {
		t.Errorf("filtered to %d events, want 1", len(evs))
	}
	r = e.do("GET", "/api/v1/logs?sortOrder=DESCENDING&limit=2&since="+url.QueryEscape(since), nil)
	r.json(t, &evs)
	if diff := cmp.Diff([]string{"group.lifecycle.delete", "group.profile.update"}, eventTypes(evs)); diff != "" {
		t.Errorf("descending (-want +got):\n%s", diff)
	}
	mustStatus(t, e.do("GET", "/api/v1/logs?since=yesterday", nil), 400)
	mustStatus(t, e.do("GET", "/api/v1/logs?filter="+url.QueryEscape("eventType eq"), nil), 400)
}

func TestSystemLogPolling(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	e := newEnv(t, Options{Now: clock.Now})
	since := url.QueryEscape(fmtTime(clock.Now()))
	for _, n := range []string{"a", "b", "c"} {
		e.createGroup(n)
	}
	// Page through what exists with a small limit.
	var all []map[string]any
	next := "/api/v1/logs?limit=2&since=" + since
	for range 10 {
		r := e.do("GET", next, nil)
		mustStatus(t, r, 200)
		var page []map[string]any
		r.json(t, &page)
		all = append(all, page...)
		next = nextLink(t, r.header)
		if next == "" {
			t.Fatalf("a polling query ended without a next link")
		}
		if len(page) == 0 {
			break
		}
	}
	if len(all) != 3 {
		t.Fatalf("polled %d events, want 3", len(all))
	}
	// An empty page still links onward, and the link picks up new events
	// only.
	r := e.do("GET", next, nil)
	var page []map[string]any
	r.json(t, &page)
	if len(page) != 0 || nextLink(t, r.header) == "" {
		t.Fatalf("empty poll: %d events, next %q", len(page), nextLink(t, r.header))
	}
	next = nextLink(t, r.header)
	clock.Advance(time.Second)
	e.createGroup("d")
	r = e.do("GET", next, nil)
	r.json(t, &page)
	if len(page) != 1 || page[0]["target"].([]any)[0].(map[string]any)["displayName"] != "d" {
		t.Errorf("poll after a change: %s", r.body)
	}
	// A fresh query with no events at all still offers a next link.
	f := newEnv(t, Options{Now: clock.Now})
	r = f.do("GET", "/api/v1/logs?since="+url.QueryEscape(fmtTime(clock.Now().Add(time.Hour))), nil)
	if nextLink(t, r.header) == "" || string(r.body) != "[]\n" {
		t.Errorf("empty log: next %q body %q", nextLink(t, r.header), r.body)
	}
}

func TestUserSchema(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{CustomAttributes: []string{"badgeNumber"}})
	seed := Seed{
		CustomAttributes: []string{"employeeType", "level:integer"},
		Users:            []SeedUser{{Profile: profile("s@example.com", "employeeType", "hr", "level", 3.0, "title", "x")}},
	}
	if err := e.sim.Seed(seed); err != nil {
		t.Fatal(err)
	}
	r := e.do("GET", "/api/v1/meta/schemas/user/default", nil)
	mustStatus(t, r, 200)
	var sch struct {
		Definitions struct {
			Base struct {
				Properties map[string]map[string]any `json:"properties"`
				Required   []string                  `json:"required"`
			} `json:"base"`
			Custom struct {
				Properties map[string]map[string]any `json:"properties"`
			} `json:"custom"`
		} `json:"definitions"`
	}
	r.json(t, &sch)
	for _, a := range []string{"login", "email", "firstName", "lastName", "title", "department", "employeeNumber"} {
		if sch.Definitions.Base.Properties[a] == nil {
			t.Errorf("base attribute %s missing", a)
		}
	}
	slices.Sort(sch.Definitions.Base.Required)
	if diff := cmp.Diff([]string{"email", "firstName", "lastName", "login"}, sch.Definitions.Base.Required); diff != "" {
		t.Errorf("required: %s", diff)
	}
	var custom []string
	for k, v := range sch.Definitions.Custom.Properties {
		custom = append(custom, k+":"+v["type"].(string))
	}
	slices.Sort(custom)
	if diff := cmp.Diff([]string{"badgeNumber:string", "employeeType:string", "level:integer"}, custom); diff != "" {
		t.Errorf("custom attributes (-want +got):\n%s", diff)
	}
	mustStatus(t, e.do("GET", "/api/v1/meta/schemas/user/oscxyz", nil), 404)
}

// A create with groupIds makes the memberships as PUTs would: each group's
// lastMembershipUpdated moves to the create's time and the System Log has
// a membership add per group. A create naming a group that is not an
// OKTA_GROUP of the org (APP_GROUP, the BUILT_IN Everyone, unknown) is
// refused whole: no user, no event.
func TestCreateWithGroupIDsLogsMemberships(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	e := newEnv(t, Options{Now: clock.Now})
	g1, g2 := e.createGroup("one"), e.createGroup("two")
	var everyone string
	for _, g := range e.listAll("/api/v1/groups") {
		if g["type"] == "BUILT_IN" {
			everyone = g["id"].(string)
		}
	}
	clock.Advance(time.Minute)
	since := fmtTime(clock.Now())
	for _, bad := range []string{everyone, "00gnotagroup00000000"} {
		r := e.do("POST", "/api/v1/users?activate=false", map[string]any{"profile": profile("x@example.com"), "groupIds": []string{g1, bad}})
		mustStatus(t, r, 400)
	}
	r := e.do("POST", "/api/v1/users?activate=false", map[string]any{"profile": profile("m@example.com"), "groupIds": []string{g1, g2}})
	mustStatus(t, r, 200)
	uid := r.obj(t)["id"].(string)

	for _, gid := range []string{g1, g2} {
		r := e.do("GET", "/api/v1/groups/"+gid, nil)
		mustStatus(t, r, 200)
		if got := r.obj(t)["lastMembershipUpdated"]; got != since {
			t.Errorf("group %s lastMembershipUpdated %v, want the create's time %s", gid, got, since)
		}
	}
	until := fmtTime(clock.Now().Add(time.Second))
	r = e.do("GET", "/api/v1/logs?since="+url.QueryEscape(since)+"&until="+url.QueryEscape(until), nil)
	mustStatus(t, r, 200)
	var evs []map[string]any
	r.json(t, &evs)
	want := []string{"user.lifecycle.create", "group.user_membership.add", "group.user_membership.add", "group.user_membership.add"}
	if diff := cmp.Diff(want, eventTypes(evs)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	var groups []string
	for _, ev := range evs[1:] {
		ts := ev["target"].([]any)
		if ts[0].(map[string]any)["id"] != uid {
			t.Errorf("membership event's first target %v, want the user", ts[0])
		}
		groups = append(groups, ts[1].(map[string]any)["id"].(string))
	}
	if !slices.Contains(groups, g1) || !slices.Contains(groups, g2) || !slices.Contains(groups, everyone) {
		t.Errorf("membership events for groups %v, want Everyone, %s and %s", groups, g1, g2)
	}
}
