package diff

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oktasync/oktasync/internal/directory"
)

const testPassword = "Corr3ct-Horse-Battery"

// samplePlan is a plan with every kind of operation, a warning, and a
// password on a create.
func samplePlan(t *testing.T) *Plan {
	t.Helper()
	f := newFixture()
	f.policy.DeleteAfter = 30 * 24 * time.Hour
	f.policy.SendActivationEmail = true
	f.policy.DeleteUnlistedGroups = true
	f.policy.GroupPrefix = "team-"
	f.policy.Safety.MaxDeactivations = Limit{Count: -1}
	f.policy.Safety.MaxMembershipRemovals = Limit{Count: -1}
	f.want("jdoe@example.com", "", "department", "Engineering", "employeeNumber", int64(1042), "tags", []string{"oncall", "go"})
	f.desired.SetPassword("jdoe@example.com", testPassword)
	f.want("staged@example.com", "").have("staged@example.com", "STAGED", true)
	f.want("back@example.com", "").have("back@example.com", "DEPROVISIONED", true)
	f.want("ann@example.com", "", "department", "Marketing", "title", nil, "costCenter", 12).
		have("ann@example.com", "ACTIVE", true, "department", "Sales", "title", "Lead", "costCenter", 11.0)
	f.want("sus@example.com", "SUSPENDED").have("sus@example.com", "ACTIVE", true)
	f.want("unsus@example.com", "ACTIVE").have("unsus@example.com", "SUSPENDED", true)
	f.want("ext@example.com", "").have("ext@example.com", "ACTIVE", false)
	f.have("leaver@example.com", "ACTIVE", true)
	f.have("old@example.com", "DEPROVISIONED", true)
	f.deactivatedAt["old@example.com"] = now.Add(-40 * 24 * time.Hour)
	f.desired.Groups["engineering"] = &directory.Group{Name: "Engineering", Description: "Builds things", HasDescription: true}
	f.desired.AddMember("Engineering", "jdoe@example.com")
	f.desired.AddMember("Engineering", "ann@example.com")
	f.desired.Groups["sales"] = &directory.Group{Name: "Sales", Description: "Sells things", HasDescription: true}
	f.haveGroup("Sales", "OKTA_GROUP", "ann@example.com", "ext@example.com")
	f.current.Groups["sales"].Description = "Sells"
	f.desired.AddMember("Sales", "ext@example.com")
	f.haveGroup("team-gone", "OKTA_GROUP")
	return mustCompute(t, f.input())
}

func blockedPlan(t *testing.T) *Plan {
	t.Helper()
	f := newFixture()
	f.want("stay@example.com", "").have("stay@example.com", "ACTIVE", true)
	f.wantGroup("Eng", "stay@example.com").haveGroup("Eng", "OKTA_GROUP", "stay@example.com")
	for _, l := range []string{"a", "b", "c", "d", "e", "f"} {
		f.have(l+"@example.com", "ACTIVE", true)
		f.current.AddMember("Eng", l+"@example.com")
	}
	f.policy.Safety.MaxMembershipRemovals = Limit{Count: 2}
	return mustCompute(t, f.input())
}

func emptyPlan(t *testing.T) *Plan {
	t.Helper()
	f := newFixture()
	f.want("same@example.com", "").have("same@example.com", "ACTIVE", true)
	return mustCompute(t, f.input())
}

// golden compares got with testdata/name, rewriting the file when env
// UPDATE_GOLDEN=1.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if os.Getenv("UPDATE_GOLDEN") == "1" {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (regenerate with UPDATE_GOLDEN=1): %v", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got; regenerate with UPDATE_GOLDEN=1):\n%s", path, diff)
	}
}

// planJSON encodes p as indented JSON: the Plan's JSON form, which saved
// plans (SavedPlan.Write) and `--output json` reports embed.
func planJSON(t *testing.T, p *Plan) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(p); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestRenderGolden(t *testing.T) {
	t.Parallel()
	plans := []struct {
		name string
		plan func(t *testing.T) *Plan
	}{
		{"plan", samplePlan},
		{"blocked", blockedPlan},
		{"empty", emptyPlan},
	}
	for _, pl := range plans {
		t.Run(pl.name, func(t *testing.T) {
			t.Parallel()
			p := pl.plan(t)
			for _, color := range []bool{false, true} {
				var buf bytes.Buffer
				if err := RenderText(&buf, p, RenderOptions{Color: color}); err != nil {
					t.Fatal(err)
				}
				name := pl.name + ".txt.golden"
				if color {
					name = pl.name + ".color.txt.golden"
				}
				golden(t, name, buf.Bytes())
				hasANSI := strings.Contains(buf.String(), "\x1b[")
				if hasANSI != color {
					t.Errorf("Color=%v: output has ANSI codes: %v", color, hasANSI)
				}
			}
			golden(t, pl.name+".json.golden", planJSON(t, p))
		})
	}
}

func TestRenderNeverShowsPasswords(t *testing.T) {
	t.Parallel()
	p := samplePlan(t)
	found := false
	for _, op := range p.Operations {
		if op.Password == testPassword {
			found = true
		}
	}
	if !found {
		t.Fatal("the sample plan carries no password, so this test tests nothing")
	}
	var text bytes.Buffer
	if err := RenderText(&text, p, RenderOptions{Color: true}); err != nil {
		t.Fatal(err)
	}
	saved, err := json.Marshal(&SavedPlan{Plan: p})
	if err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"text": text.String(), "JSON": string(planJSON(t, p)), "saved plan": string(saved)} {
		if strings.Contains(out, testPassword) {
			t.Errorf("the %s rendering shows the password", name)
		}
	}
}

func TestPlanJSONRoundTrips(t *testing.T) {
	t.Parallel()
	p := samplePlan(t)
	var back Plan
	if err := json.Unmarshal(planJSON(t, p), &back); err != nil {
		t.Fatalf("decode rendered plan: %v", err)
	}
	if len(back.Operations) != len(p.Operations) {
		t.Fatalf("decoded %d operations, want %d", len(back.Operations), len(p.Operations))
	}
	for i, op := range back.Operations {
		if op.Action != p.Operations[i].Action || op.Seq != p.Operations[i].Seq || op.Login != p.Operations[i].Login {
			t.Errorf("operation %d decoded as %v %d %q, want %v %d %q", i, op.Action, op.Seq, op.Login,
				p.Operations[i].Action, p.Operations[i].Seq, p.Operations[i].Login)
		}
	}
	if back.Summary != p.Summary {
		t.Errorf("summary decoded as %+v, want %+v", back.Summary, p.Summary)
	}
}

// TestSummaryCountsEveryAction checks that every action has a count in
// Summary, and that SummaryLine shows each count that is not zero.
func TestSummaryCountsEveryAction(t *testing.T) {
	t.Parallel()
	for a := range actionNames {
		var s Summary
		f := summaryField(&s, a)
		if f == nil {
			t.Errorf("Summary has no count for %v", a)
			continue
		}
		*f = 7
		if line := SummaryLine(s); !strings.Contains(line, "7 ") {
			t.Errorf("%v: SummaryLine(%+v) = %q, which does not show the count", a, s, line)
		}
	}
}

func TestSummaryLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s    Summary
		want string
	}{
		{
			Summary{Users: ActionCounts{Create: 2, Update: 2, Deactivate: 1}, Groups: GroupCounts{Create: 1}, Memberships: MembershipCounts{Add: 4}},
			"Plan: users 2 to create, 2 to update, 1 to deactivate; groups 1 to create; memberships 4 to add, 0 to remove.",
		},
		{
			Summary{Users: ActionCounts{Reactivate: 1, Suspend: 2, Delete: 1}, Groups: GroupCounts{Delete: 1}, Memberships: MembershipCounts{Add: 1, Remove: 1}},
			"Plan: users 0 to create, 0 to update, 1 to reactivate, 2 to suspend, 0 to deactivate, 1 to delete; groups 1 to delete; memberships 1 to add, 1 to remove.",
		},
	}
	for _, tt := range tests {
		if got := SummaryLine(tt.s); got != tt.want {
			t.Errorf("SummaryLine(%+v) = %q, want %q", tt.s, got, tt.want)
		}
	}
}

func TestFormatValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   any
		want string
	}{
		{nil, "null"},
		{"Sales", `"Sales"`},
		{`say "hi"`, `"say \"hi\""`},
		{true, "true"},
		{int64(42), "42"},
		{1.5, "1.5"},
		{42.0, "42"},
		{[]string{"a", "b"}, `["a", "b"]`},
		{[]any{"a", 1.0, nil}, `["a", 1, null]`},
		{[]int{1, 2}, "[1, 2]"},
	}
	for _, tt := range tests {
		if got := FormatValue(tt.in); got != tt.want {
			t.Errorf("FormatValue(%#v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestEmailLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s    Summary
		want string
	}{
		{Summary{Memberships: MembershipCounts{Add: 3}}, ""},
		{Summary{Users: ActionCounts{Create: 2, Activate: 2}}, "Okta will email no user."},
		{Summary{Users: ActionCounts{Reactivate: 1}, Emails: 1}, "Okta will email 1 user an activation link."},
		{Summary{Users: ActionCounts{Create: 3}, Emails: 3}, "Okta will email 3 users an activation link."},
	}
	for _, tt := range tests {
		if got := EmailLine(tt.s); got != tt.want {
			t.Errorf("EmailLine(%+v) = %q, want %q", tt.s, got, tt.want)
		}
	}
}
