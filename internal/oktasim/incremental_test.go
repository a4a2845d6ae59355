package oktasim

import (
	"net/url"
	"slices"
	"testing"
	"time"
)

// What an incremental reader relies on, as okta-api.md states it: every
// profile or status change bumps a user's lastUpdated, a membership change
// does not (it bumps the group's lastMembershipUpdated), `filter=lastUpdated
// gt` returns DEPROVISIONED users, and hard deletes of users and groups
// are in the System Log.
func TestIncrementalFacts(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	e := newEnv(t, Options{Now: clock.Now})
	gid := e.createGroup("team")
	uid := e.createUser("ana@example.com")
	gone := e.createUser("bo@example.com")
	lastUpdated := func() any { return e.do("GET", "/api/v1/users/"+uid, nil).obj(t)["lastUpdated"] }
	mark := clock.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	changed := func() []string {
		var logins []string
		for _, u := range e.listAll("/api/v1/users?filter=" + url.QueryEscape(`lastUpdated gt "`+mark+`"`)) {
			logins = append(logins, u["profile"].(map[string]any)["login"].(string))
		}
		slices.Sort(logins)
		return logins
	}
	groupChanged := func() bool {
		f := `lastUpdated gt "` + mark + `" or lastMembershipUpdated gt "` + mark + `"`
		for _, g := range e.listAll("/api/v1/groups?filter=" + url.QueryEscape(f)) {
			if g["id"] == gid {
				return true
			}
		}
		return false
	}

	clock.Advance(time.Minute)
	before := lastUpdated()
	mustStatus(t, e.do("PUT", "/api/v1/groups/"+gid+"/users/"+uid, nil), 204)
	if after := lastUpdated(); after != before {
		t.Errorf("a membership change moved the user's lastUpdated from %v to %v", before, after)
	}
	if got := changed(); len(got) != 0 {
		t.Errorf("users changed since the mark after a membership change = %v, want none", got)
	}
	if !groupChanged() {
		t.Error("the group is not among those changed since the mark after a member was added")
	}

	clock.Advance(time.Minute)
	mustStatus(t, e.do("POST", "/api/v1/users/"+uid+"/lifecycle/deactivate", nil), 200)
	if after := lastUpdated(); after == before {
		t.Error("deactivation did not move lastUpdated")
	}
	if got := changed(); !slices.Equal(got, []string{"ana@example.com"}) {
		t.Errorf("users changed since the mark = %v, want the DEPROVISIONED ana", got)
	}

	mustStatus(t, e.do("POST", "/api/v1/users/"+gone+"/lifecycle/deactivate", nil), 200)
	mustStatus(t, e.do("DELETE", "/api/v1/users/"+gone, nil), 204)
	mustStatus(t, e.do("DELETE", "/api/v1/groups/"+gid, nil), 204)
	f := `eventType eq "user.lifecycle.delete.completed" or eventType eq "group.lifecycle.delete"`
	var targets []string
	for _, ev := range e.listAll("/api/v1/logs?since=" + url.QueryEscape(mark) + "&until=" + url.QueryEscape(clock.Now().Add(time.Second).UTC().Format(time.RFC3339)) + "&filter=" + url.QueryEscape(f)) {
		for _, tg := range ev["target"].([]any) {
			targets = append(targets, tg.(map[string]any)["id"].(string))
		}
	}
	slices.Sort(targets)
	want := []string{gid, gone}
	slices.Sort(want)
	if !slices.Equal(targets, want) {
		t.Errorf("System Log delete targets = %v, want the deleted user and group %v", targets, want)
	}
}
