package apply

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oktasync/oktasync/internal/diff"
	"github.com/oktasync/oktasync/internal/directory"
)

func TestLane(t *testing.T) {
	t.Parallel()
	tests := []struct {
		action diff.Action
		want   string
	}{
		{diff.CreateUser, LaneUsers},
		{diff.UpdateUser, LaneUser},
		{diff.ActivateUser, LaneUser},
		{diff.ReactivateUser, LaneUser},
		{diff.UnsuspendUser, LaneUser},
		{diff.SuspendUser, LaneUser},
		{diff.DeactivateUser, LaneUser},
		{diff.DeleteUser, LaneUser},
		{diff.CreateGroup, LaneGroups},
		{diff.UpdateGroup, LaneGroup},
		{diff.DeleteGroup, LaneGroup},
		{diff.AddMember, LaneGroup},
		{diff.RemoveMember, LaneGroup},
		{diff.Action(0), ""},
	}
	for _, tt := range tests {
		if got := Lane(tt.action); got != tt.want {
			t.Errorf("Lane(%s) = %q, want %q", tt.action, got, tt.want)
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
		{"defaults", Options{}, map[string]int{"": 4, LaneUsers: 4, LaneUser: 4, LaneGroups: 4, LaneGroup: 4}},
		{"concurrency", Options{Concurrency: 9}, map[string]int{"": 9, LaneUsers: 9, LaneUser: 9, LaneGroups: 9, LaneGroup: 9}},
		{"per lane", Options{Concurrency: 2, LaneConcurrency: map[string]int{LaneGroup: 12, LaneGroups: 0}},
			map[string]int{"": 2, LaneUsers: 2, LaneUser: 2, LaneGroups: 2, LaneGroup: 12}},
	}
	for _, tt := range tests {
		if d := cmp.Diff(tt.want, tt.opts.withDefaults().laneCaps()); d != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, d)
		}
	}
}

// A backlog of calls held in the group lane (as the okta client holds a
// caller that would overspend a bucket) must not keep the user lane idle.
func TestExecuteSlowLaneDoesNotBlockOthers(t *testing.T) {
	t.Parallel()
	ev := &events{}
	api, cp := newFakeOkta(ev), newFakeCheckpoints(ev)
	gate := make(chan struct{})
	api.gates["AddMember"] = gate
	api.entered = make(chan string, 20)
	gid := api.seedGroup("eng")
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
	ops = append(ops, createUser("new@example.com"), createGroup("new"))
	updated := api.whenDone("UpdateUser", updates)
	created := api.whenDone("CreateUser", 1)
	groupCreated := api.whenDone("CreateGroup", 1)

	opts := testOptions()
	opts.Concurrency = 2
	opts.LaneConcurrency = map[string]int{LaneGroup: 3}
	done := make(chan *Result)
	go func() {
		res, err := Execute(context.Background(), numbered(ops...), api, cp, opts)
		if err != nil {
			t.Errorf("Execute: %v", err)
		}
		done <- res
	}()
	// Every user update and both creates finish while the membership lane
	// is held; if they shared its workers this would wait forever.
	<-updated
	<-created
	<-groupCreated
	for range 3 { // the membership lane's workers are all held
		<-api.entered
	}
	close(gate)
	res := <-done
	if res.Applied != len(ops) {
		t.Fatalf("applied %d of %d: %+v", res.Applied, len(ops), res.Outcomes)
	}
	// The held lane filled its workers; no lane exceeded its own.
	caps := opts.withDefaults().laneCaps()
	if api.maxInflight[LaneGroup] != 3 {
		t.Errorf("%d membership calls in flight at most, want 3", api.maxInflight[LaneGroup])
	}
	for lane, n := range api.maxInflight {
		if n > caps[lane] {
			t.Errorf("lane %s had %d calls in flight, over its %d workers", lane, n, caps[lane])
		}
	}
}
