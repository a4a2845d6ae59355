package apply

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oktasync/oktasync/internal/diff"
	"github.com/oktasync/oktasync/internal/state"
)

// TestExecuteAppAssignments assigns apps to a group and a user the plan
// creates, after their creates and with their new ids, runs them in the
// apps lane, and skips an assignment whose group's create failed.
func TestExecuteAppAssignments(t *testing.T) {
	t.Parallel()
	ev := &events{}
	api, cp := newFakeOkta(ev), newFakeCheckpoints(ev)
	api.fail["CreateGroup broken"] = errNotFound
	bob := api.seedUser("bob@example.com", "ACTIVE")
	plan := numbered(
		createGroup("eng"),
		createGroup("broken"),
		createUser("alice@example.com"),
		diff.Operation{Action: diff.AssignAppGroup, App: "Slack", AppID: "0oa1", Group: "eng"},
		diff.Operation{Action: diff.AssignAppGroup, App: "Slack", AppID: "0oa1", Group: "broken"},
		diff.Operation{Action: diff.AssignAppUser, App: "Slack", AppID: "0oa1", Login: "alice@example.com"},
		diff.Operation{Action: diff.UnassignAppUser, App: "Slack", AppID: "0oa1", Login: "bob@example.com", UserID: bob},
	)
	res, err := Execute(context.Background(), plan, api, cp, testOptions())
	if err != nil {
		t.Fatalf("Execute: %v", err)
	}
	want := map[string]string{
		"1 create-group eng":                        state.OpApplied,
		"2 create-group broken":                     state.OpFailed,
		"3 create-user alice@example.com":           state.OpApplied,
		"4 assign-app-group Slack/eng":              state.OpApplied,
		"5 assign-app-group Slack/broken":           state.OpSkipped,
		"6 assign-app-user Slack/alice@example.com": state.OpApplied,
		"7 unassign-app-user Slack/bob@example.com": state.OpApplied,
	}
	if d := cmp.Diff(want, statuses(res)); d != "" {
		t.Errorf("outcomes (-want +got):\n%s", d)
	}
	for _, e := range []string{"AssignApp 0oa1 eng", "AssignApp 0oa1 alice@example.com", "UnassignApp 0oa1 bob@example.com"} {
		if ev.index(e) < 0 {
			t.Errorf("no %q; events:\n%s", e, strings.Join(ev.all(), "\n"))
		}
	}
	if res.Outcomes[5].OktaID == "" || res.Outcomes[6].OktaID != bob {
		t.Errorf("user assignments' ids = %q, %q; want alice's new id and %s", res.Outcomes[5].OktaID, res.Outcomes[6].OktaID, bob)
	}
	for _, a := range []diff.Action{diff.AssignAppGroup, diff.AssignAppUser, diff.UnassignAppGroup, diff.UnassignAppUser} {
		if Lane(a) != LaneApps {
			t.Errorf("Lane(%s) = %q, want the apps bucket", a, Lane(a))
		}
	}
}
