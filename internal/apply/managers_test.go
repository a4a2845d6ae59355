package apply

import (
	"context"
	"testing"

	"github.com/oktasync/oktasync/internal/diff"
	"github.com/oktasync/oktasync/internal/state"
)

// A manager link waits for the creates of both its users wherever they sit
// in the plan, and gets the ids they were created with.
func TestSetManagerWaitsForBothCreates(t *testing.T) {
	t.Parallel()
	ev := &events{}
	api, cp := newFakeOkta(ev), newFakeCheckpoints(ev)
	plan := numbered(
		diff.Operation{Action: diff.SetManager, Login: "bob@example.com", Manager: "alice@example.com", Link: "manager"},
		createUser("bob@example.com"),
		createUser("alice@example.com"),
	)
	// One worker: without the wait, the link (seq 1) would run right after
	// bob's create, before alice's.
	opts := testOptions()
	opts.Concurrency = 1
	res, err := Execute(t.Context(), plan, api, cp, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Applied != 3 {
		t.Fatalf("applied %d of 3: %v", res.Applied, statuses(res))
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	bob, alice := api.users[api.logins["bob@example.com"]], api.logins["alice@example.com"]
	if got := bob.profile["managerLink"]; got != alice {
		t.Errorf("bob's manager = %v, want alice's id %s", got, alice)
	}
}

// linkCheckpoints also records manager links.
type linkCheckpoints struct {
	*fakeCheckpoints
	links []state.ManagerLink
}

func (c *linkCheckpoints) RecordManagerLinks(_ context.Context, _ string, links []state.ManagerLink) error {
	c.links = append(c.links, links...)
	return nil
}

// Each link set or cleared is recorded for the next run.
func TestManagerLinksRecorded(t *testing.T) {
	t.Parallel()
	ev := &events{}
	api := newFakeOkta(ev)
	cp := &linkCheckpoints{fakeCheckpoints: newFakeCheckpoints(ev)}
	bob, alice := api.seedUser("bob@example.com", "ACTIVE"), api.seedUser("alice@example.com", "ACTIVE")
	plan := numbered(
		diff.Operation{Action: diff.SetManager, Login: "bob@example.com", UserID: bob, Manager: "alice@example.com", ManagerID: alice, Link: "manager"},
		diff.Operation{Action: diff.ClearManager, Login: "alice@example.com", UserID: alice, Link: "manager"},
	)
	opts := testOptions()
	opts.Concurrency = 1
	if _, err := Execute(t.Context(), plan, api, cp, opts); err != nil {
		t.Fatal(err)
	}
	want := map[state.ManagerLink]bool{{UserID: bob, ManagerID: alice}: true, {UserID: alice}: true}
	if len(cp.links) != 2 || !want[cp.links[0]] || !want[cp.links[1]] {
		t.Errorf("recorded links %+v, want %v", cp.links, want)
	}
}
