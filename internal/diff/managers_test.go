package diff

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oktasync/oktasync/internal/directory"
)

// manages records in the fixture's source that login's row names manager.
func (f *fixture) manages(login, manager, row string) *fixture {
	f.desired.SetManager(directory.LoginKey(login), directory.ManagerRef{Value: manager, Origin: "users.csv line " + row})
	return f
}

// managerLines renders the plan's manager operations as text lines.
func managerLines(t *testing.T, p *Plan) []string {
	t.Helper()
	var b bytes.Buffer
	if err := RenderText(&b, p, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(b.String(), "\n") {
		if strings.Contains(l, "manager of") && !strings.HasPrefix(l, "Warning") {
			out = append(out, l)
		}
	}
	return out
}

func TestManagersPlan(t *testing.T) {
	t.Parallel()
	f := newFixture().
		want("alice@x", "").want("bob@x", "").want("carol@x", "").want("dan@x", "").want("new@x", "").
		want("eve@x", "").want("fay@x", "").want("gus@x", "").want("hal@x", "").
		have("alice@x", "ACTIVE", true).have("bob@x", "ACTIVE", true).have("carol@x", "ACTIVE", true).
		have("dan@x", "ACTIVE", true).have("eve@x", "ACTIVE", true).have("fay@x", "ACTIVE", true).
		have("gus@x", "ACTIVE", true).have("hal@x", "ACTIVE", true).
		manages("bob@x", "alice@x", "3").   // read: Okta has carol: set, was carol
		manages("carol@x", "ALICE@x", "4"). // known from state: nothing to do
		manages("new@x", "bob@x", "5").     // created: set after the create
		manages("dan@x", "nobody@x", "6").  // dangling
		manages("eve@x", "fay@x", "7").     // eve -> fay -> eve: a cycle
		manages("fay@x", "eve@x", "8").
		manages("gus@x", "gus@x", "9") // self
	// hal's cell is empty and Okta has alice as hal's manager: cleared.
	in := f.input()
	in.Links = &LinkInput{
		Relationship: "manager",
		By:           "login",
		Read:         map[string]string{"00ubob@x": "00ucarol@x", "00uhal@x": "00ualice@x"},
		Known:        map[string]string{"00ucarol@x": "00ualice@x"},
	}
	p, err := Compute(in)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`~ set manager of "bob@x" to "alice@x" (was "carol@x")`,
		`~ set manager of "new@x" to "bob@x"`,
		`- clear manager of "hal@x" (was "alice@x")`,
	}
	if d := cmp.Diff(want, managerLines(t, p)); d != "" {
		t.Errorf("manager lines (-want +got):\n%s", d)
	}
	if p.Summary.Managers != (ManagerCounts{Set: 2, Clear: 1}) {
		t.Errorf("Summary.Managers = %+v, want 2 set, 1 clear", p.Summary.Managers)
	}
	wantWarn := []string{
		`manager of "dan@x" (users.csv line 6): "nobody@x" is in neither the source nor Okta; the link is not written`,
		`managers form a cycle: "eve@x" (users.csv line 7) is managed by "fay@x" (users.csv line 8), managed by "eve@x"; these links are not written`,
		`"gus@x" (users.csv line 9) is named as their own manager; the link is not written`,
	}
	if d := cmp.Diff(wantWarn, p.Warnings); d != "" {
		t.Errorf("warnings (-want +got):\n%s", d)
	}
	for _, op := range p.Operations {
		if op.Action == SetManager && op.Login == "new@x" && (op.UserID != "" || op.ManagerID != "00ubob@x") {
			t.Errorf("set manager of new@x: user id %q, manager id %q; want none (created) and 00ubob@x", op.UserID, op.ManagerID)
		}
	}
}

// A manager cell may hold another attribute (employeeNumber): it resolves
// among the source's users first, then Okta's; a value two users share is
// reported.
func TestManagersByAttribute(t *testing.T) {
	t.Parallel()
	f := newFixture().
		want("alice@x", "", "employeeNumber", "100").want("bob@x", "", "employeeNumber", "200").
		want("carol@x", "").want("dan@x", "", "employeeNumber", "300").want("erin@x", "", "employeeNumber", "300").
		have("boss@x", "ACTIVE", false, "employeeNumber", "900").
		manages("bob@x", "100", "3").manages("carol@x", "900", "4").manages("alice@x", "300", "2").manages("dan@x", "999", "5")
	in := f.input()
	in.Links = &LinkInput{Relationship: "manager", By: "employeeNumber"}
	p, err := Compute(in)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`~ set manager of "bob@x" to "alice@x"`,
		`~ set manager of "carol@x" to "boss@x"`,
	}
	if d := cmp.Diff(want, managerLines(t, p)); d != "" {
		t.Errorf("manager lines (-want +got):\n%s", d)
	}
	wantWarn := []string{
		`manager of "alice@x" (users.csv line 2): employeeNumber "300" matches more than one user (dan@x, erin@x); the link is not written`,
		`manager of "dan@x" (users.csv line 5): no user in the source or Okta has employeeNumber "999"; the link is not written`,
	}
	if d := cmp.Diff(wantWarn, p.Warnings); d != "" {
		t.Errorf("warnings (-want +got):\n%s", d)
	}
}
