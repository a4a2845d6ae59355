package apply_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oktasync/oktasync/internal/apply"
	"github.com/oktasync/oktasync/internal/diff"
	"github.com/oktasync/oktasync/internal/oktasim"
	"github.com/oktasync/oktasync/internal/state"
)

// TestExecuteAssignsAppAfterReactivationSettles reactivates a user in an
// org whose lifecycle changes take two minutes and assigns it an app: the
// assignment, refused with 409 E0000112 while the reactivation settles, is
// tried again until it goes through, in the same run.
func TestExecuteAssignsAppAfterReactivationSettles(t *testing.T) {
	t.Parallel()
	clock := newSimClock()
	org := newSimOrg(t, oktasim.Options{Now: clock.Now, LifecycleDelay: 2 * time.Minute},
		oktasim.SeedUser{Profile: person("dana@example.com"), Status: "DEPROVISIONED"},
	)
	if err := org.sim.Seed(oktasim.Seed{Apps: []oktasim.SeedApp{{ID: "0oaslack", Label: "Slack"}}}); err != nil {
		t.Fatal(err)
	}
	assign := org.op(diff.AssignAppUser, "dana@example.com", nil)
	assign.App, assign.AppID = "Slack", "0oaslack"
	plan := inOrder(org.op(diff.ReactivateUser, "dana@example.com", nil), assign)
	res, err := apply.Execute(context.Background(), plan, apply.Client(org.client), discard{},
		apply.Options{Org: "sim", Now: clock.Now, Sleep: clock.Sleep})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(map[int]string{1: state.OpApplied, 2: state.OpApplied}, outcomes(res)); d != "" {
		t.Fatalf("outcomes by seq (-want +got):\n%s\n%+v", d, res.Outcomes)
	}
	if refused := org.sim.Stats().ByRoute["POST /api/v1/apps/{id}/users"][409]; refused == 0 {
		t.Errorf("the assignment was never refused while the reactivation settled; the test shows nothing")
	}
	for _, a := range org.sim.Snapshot().Apps {
		if a.Label == "Slack" && !slices.Equal(a.Users, []string{"dana@example.com"}) {
			t.Errorf("Slack's users = %v, want dana", a.Users)
		}
	}
}
