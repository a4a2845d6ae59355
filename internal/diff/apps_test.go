package diff

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oktasync/oktasync/internal/directory"
)

// appLines renders a plan's app operations as their plan lines.
func appLines(t *testing.T, p *Plan) []string {
	t.Helper()
	var out []string
	for i := range p.Operations {
		if l, ok := appLine(&p.Operations[i]); ok {
			out = append(out, p.Operations[i].Action.String()+" "+l)
		}
	}
	return out
}

// TestComputeApps plans the app assignments: missing group and user
// assignments, a changed profile, removals of recorded assignments only
// (never others', never a protected user's, never a leaver's, whom the
// deactivation strips), no assignment for a user who stays DEPROVISIONED
// and one again for a user the plan reactivates.
func TestComputeApps(t *testing.T) {
	t.Parallel()
	f := newFixture().
		want("ann@x.com", "").want("bob@x.com", "").want("cat@x.com", "").want("new@x.com", "").want("old@x.com", "").
		have("ann@x.com", "ACTIVE", true).have("bob@x.com", "ACTIVE", true).have("cat@x.com", "DEPROVISIONED", true).
		have("old@x.com", "DEPROVISIONED", true).have("gone@x.com", "ACTIVE", true).have("boss@x.com", "ACTIVE", true).
		wantGroup("Eng").wantGroup("Sales").wantGroup("Ops").haveGroup("Eng", "OKTA_GROUP").haveGroup("Ops", "OKTA_GROUP")
	f.policy.ProtectLogins = []string{"boss@x.com"}
	f.policy.Reactivate = true
	f.desired.Users["old@x.com"].Status = "DEPROVISIONED"
	in := f.input()
	role := map[string]any{"role": "dev"}
	in.Apps = []AppState{{
		ID: "0oaSlack", Label: "Slack",
		WantGroups: map[string]AppGroupAssignment{"eng": {Profile: role}, "sales": {}, "ops": {}},
		WantUsers:  map[string]directory.Profile{"ann@x.com": nil, "bob@x.com": nil, "cat@x.com": nil, "new@x.com": nil, "old@x.com": nil},
		HaveGroups: map[string]AppGroupAssignment{"00gEng": {Profile: map[string]any{"role": "ops"}}, "00gOps": {}, "00gOther": {}, "00gHR": {}},
		HaveUsers: map[string]string{"00uann@x.com": "USER", "00ubob@x.com": "GROUP", "00ugone@x.com": "USER",
			"00uboss@x.com": "USER", "00ustray@x.com": "USER"},
		RecordedGroups: map[string]string{"00gHR": "HR", "00gOps": "Ops"},
		RecordedUsers:  map[string]string{"00ugone@x.com": "gone@x.com", "00uboss@x.com": "boss@x.com", "00uann@x.com": "ann@x.com"},
	}}
	p := mustCompute(t, in)
	want := []string{
		`assign-app-group update app "Slack" assignment of group "Eng"`,
		`assign-app-group assign app "Slack" to group "Sales"`,
		`assign-app-user assign app "Slack" to user bob@x.com`,
		`assign-app-user assign app "Slack" to user cat@x.com`,
		`assign-app-user assign app "Slack" to user new@x.com`,
		`unassign-app-group unassign app "Slack" from group "HR"`,
	}
	if d := cmp.Diff(want, appLines(t, p)); d != "" {
		t.Errorf("app operations (-want +got):\n%s", d)
	}
	if p.Summary.Apps != (AppCounts{Assign: 5, Unassign: 1}) {
		t.Errorf("summary apps = %+v", p.Summary.Apps)
	}
	// gone@x.com is a leaver: its deactivation drops the assignment.
	for _, op := range p.Operations {
		if op.Action == AssignAppUser && op.Login == "cat@x.com" && !strings.Contains(op.Reason, "reactivated") {
			t.Errorf("cat's assignment gives no reason: %+v", op)
		}
	}
	var text bytes.Buffer
	if err := RenderText(&text, p, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		`~ update app "Slack" assignment of group "Eng" (priority or profile differs)` + "\n" + `    profile.role: "ops" → "dev"`,
		`+ assign app "Slack" to group "Sales"`,
		`- unassign app "Slack" from group "HR"`,
		"app assignments 5 to assign, 1 to unassign",
	} {
		if !strings.Contains(text.String(), line) {
			t.Errorf("plan text lacks %q:\n%s", line, text.String())
		}
	}
}

// TestAppUnassignmentLimit blocks a plan whose app unassignments exceed
// safety.maxAppUnassignments, unless --allow-app-unassignments covers them.
func TestAppUnassignmentLimit(t *testing.T) {
	t.Parallel()
	f := newFixture().want("ann@x.com", "").have("ann@x.com", "ACTIVE", true)
	in := f.input()
	have := map[string]AppGroupAssignment{}
	rec := map[string]string{}
	for _, id := range []string{"00g1", "00g2", "00g3"} {
		have[id], rec[id] = AppGroupAssignment{}, id
	}
	in.Apps = []AppState{{ID: "0oa1", Label: "Zoom", HaveGroups: have, RecordedGroups: rec}}
	in.Policy.Safety.MaxAppUnassignments = Limit{Count: 2}
	p := mustCompute(t, in)
	if !p.Blocked || len(p.Blocks) != 1 || p.Blocks[0].Rule != RuleMaxAppUnassignments || p.Blocks[0].Count != 3 {
		t.Fatalf("plan blocked=%v blocks=%+v, want blocked by %s with 3", p.Blocked, p.Blocks, RuleMaxAppUnassignments)
	}
	if !strings.Contains(p.Blocks[0].Message, "--allow-app-unassignments 3") {
		t.Errorf("block message %q does not say how to allow it", p.Blocks[0].Message)
	}
	in.Policy.Safety.AllowAppUnassignments = 3
	if p := mustCompute(t, in); p.Blocked {
		t.Errorf("plan blocked with --allow-app-unassignments 3: %+v", p.Blocks)
	}
}
