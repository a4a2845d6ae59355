package apply

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oktasync/oktasync/internal/diff"
	"github.com/oktasync/oktasync/internal/directory"
	"github.com/oktasync/oktasync/internal/okta"
)

// TestLane checks the lanes against Okta's corrected bucket table:
// lifecycle calls share the users bucket with creates, memberships the
// groups bucket with group creates; only the by-id paths have their own.
func TestLane(t *testing.T) {
	t.Parallel()
	tests := []struct {
		action diff.Action
		want   string
	}{
		{diff.CreateUser, okta.BucketUsers},
		{diff.UpdateUser, okta.BucketUserWrite},
		{diff.ActivateUser, okta.BucketUsers},
		{diff.ReactivateUser, okta.BucketUsers},
		{diff.UnsuspendUser, okta.BucketUsers},
		{diff.SuspendUser, okta.BucketUsers},
		{diff.DeactivateUser, okta.BucketUsers},
		{diff.DeleteUser, okta.BucketUserWrite},
		{diff.CreateGroup, okta.BucketGroups},
		{diff.UpdateGroup, okta.BucketGroup},
		{diff.DeleteGroup, okta.BucketGroup},
		{diff.AddMember, okta.BucketGroups},
		{diff.RemoveMember, okta.BucketGroups},
		{diff.AssignAppGroup, okta.BucketApps},
		{diff.UnassignAppGroup, okta.BucketApps},
		{diff.AssignAppUser, okta.BucketApps},
		{diff.UnassignAppUser, okta.BucketApps},
		{diff.Action(0), ""},
	}
	for _, tt := range tests {
		got := Lane(tt.action)
		if got != tt.want {
			t.Errorf("Lane(%s) = %q, want %q", tt.action, got, tt.want)
		}
		if got != "" && !slices.Contains(Lanes, got) {
			t.Errorf("Lane(%s) = %q is not in Lanes %v", tt.action, got, Lanes)
		}
	}
}

func TestOptionsLaneCaps(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts Options
		want map[string]int
	}{
		{"defaults", Options{}, map[string]int{"": 4, LaneUsers: 4, LaneUser: 4, LaneGroups: 4, LaneGroup: 4, LaneApps: 4}},
		{"concurrency", Options{Concurrency: 9}, map[string]int{"": 9, LaneUsers: 9, LaneUser: 9, LaneGroups: 9, LaneGroup: 9, LaneApps: 9}},
		{"per lane", Options{Concurrency: 2, LaneConcurrency: map[string]int{LaneGroup: 12, LaneGroups: 0}},
			map[string]int{"": 2, LaneUsers: 2, LaneUser: 2, LaneGroups: 2, LaneGroup: 12, LaneApps: 2}},
	}
	for _, tt := range tests {
		if d := cmp.Diff(tt.want, tt.opts.withDefaults().laneCaps()); d != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, d)
		}
	}
}

// A backlog of calls held in the groups lane (as the okta client holds a
// caller that would overspend a bucket) must not keep the other lanes idle.
func TestExecuteSlowLaneDoesNotBlockOthers(t *testing.T) {
	t.Parallel()
	ev := &events{}
	api, cp := newFakeOkta(ev), newFakeCheckpoints(ev)
	gate := make(chan struct{})
	api.gates["AddMember"] = gate
	api.entered = make(chan string, 20)
	gid := api.seedGroup("eng")
	other := api.seedGroup("ops")
	var ops []diff.Operation
	// The memberships come first, so a single pool would give them every
	// worker.
	for i := range 20 {
		login := fmt.Sprintf("m%d@example.com", i)
		ops = append(ops, diff.Operation{Action: diff.AddMember, Group: "eng", GroupID: gid, Login: login, UserID: api.seedUser(login, "ACTIVE")})
	}
	const updates = 10
	for i := range updates {
		login := fmt.Sprintf("u%d@example.com", i)
		ops = append(ops, diff.Operation{Action: diff.UpdateUser, Login: login, UserID: api.seedUser(login, "ACTIVE"),
			Profile: directory.Profile{"title": "x"}})
	}
	ops = append(ops, createUser("new@example.com"),
		diff.Operation{Action: diff.UpdateGroup, Group: "ops", GroupID: other, Description: "ops people"},
		createGroup("new"))
	updated := api.whenDone("UpdateUser", updates)
	created := api.whenDone("CreateUser", 1)
	groupUpdated := api.whenDone("UpdateGroup", 1)

	opts := testOptions()
	opts.Concurrency = 2
	opts.LaneConcurrency = map[string]int{LaneGroups: 3}
	done := make(chan *Result)
	go func() {
		res, err := Execute(context.Background(), numbered(ops...), api, cp, opts)
		if err != nil {
			t.Errorf("Execute: %v", err)
		}
		done <- res
	}()
	// Every user update, the user create and the group update finish
	// while the groups lane is held; if they shared its workers this would
	// wait forever. (The group create shares the memberships' bucket, so
	// it waits with them.)
	<-updated
	<-created
	<-groupUpdated
	for range 3 { // the groups lane's workers are all held
		<-api.entered
	}
	close(gate)
	res := <-done
	if res.Applied != len(ops) {
		t.Fatalf("applied %d of %d: %+v", res.Applied, len(ops), res.Outcomes)
	}
	// The held lane filled its workers; no lane exceeded its own.
	caps := opts.withDefaults().laneCaps()
	if api.maxInflight[LaneGroups] != 3 {
		t.Errorf("%d calls in flight in the groups lane at most, want 3", api.maxInflight[LaneGroups])
	}
	for lane, n := range api.maxInflight {
		if n > caps[lane] {
			t.Errorf("lane %s had %d calls in flight, over its %d workers", lane, n, caps[lane])
		}
	}
}
