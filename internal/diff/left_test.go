package diff

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// vpnFixture has two source users, both members in Okta of "VPN users",
// a group oktasync managed that the source no longer names.
func vpnFixture() *fixture {
	f := newFixture().
		want("a@x.com", "").want("b@x.com", "").
		have("a@x.com", "ACTIVE", true).have("b@x.com", "ACTIVE", true).
		haveGroup("VPN users", "OKTA_GROUP", "a@x.com", "b@x.com")
	f.policy.Safety.MaxMembershipRemovals = Limit{Count: 5}
	return f
}

func leftInput(f *fixture) Input {
	in := f.input()
	in.LeftSource = map[string]bool{"vpn users": true}
	return in
}

func TestComputeGroupLeftSource(t *testing.T) {
	tests := []struct {
		name     string
		setup    func(f *fixture)
		want     []string
		wantWarn string // a warning containing this; "" for none about the group
	}{
		{"emptied", func(*fixture) {},
			[]string{"1 remove-member VPN users/a@x.com", "2 remove-member VPN users/b@x.com"},
			`group "VPN users", which oktasync managed, left the source (or was renamed there): it is being emptied`},
		{"deleted with groups.deleteUnlisted", func(f *fixture) { f.policy.DeleteUnlistedGroups = true; f.policy.GroupPrefix = "zz" },
			[]string{"1 remove-member VPN users/a@x.com", "2 remove-member VPN users/b@x.com", "3 delete-group VPN users"},
			"it is being emptied and deleted (groups.deleteUnlisted)"},
		{"protected group", func(f *fixture) { f.policy.ProtectGroups = []string{"VPN users"} }, nil, ""},
		{"protected member", func(f *fixture) { f.policy.ProtectLogins = []string{"a@x.com"} },
			[]string{"1 remove-member VPN users/b@x.com"}, "it is being emptied"},
		{"named by the source again", func(f *fixture) { f.wantGroup("VPN users", "a@x.com", "b@x.com") }, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := vpnFixture()
			tc.setup(f)
			p := mustCompute(t, leftInput(f))
			if d := cmp.Diff(tc.want, brief(p), cmpopts.EquateEmpty()); d != "" {
				t.Errorf("operations (-want +got):\n%s", d)
			}
			var found []string
			for _, w := range p.Warnings {
				if strings.Contains(w, "left the source") {
					found = append(found, w)
				}
			}
			switch {
			case tc.wantWarn == "" && len(found) > 0:
				t.Errorf("warnings %q, want none about the group leaving", found)
			case tc.wantWarn != "" && (len(found) != 1 || !strings.Contains(found[0], tc.wantWarn)):
				t.Errorf("warnings %q, want one containing %q", p.Warnings, tc.wantWarn)
			}
			for _, op := range p.Operations {
				if op.Reason != reasonLeftSource {
					t.Errorf("operation %v has reason %q, want %q", op.Action, op.Reason, reasonLeftSource)
				}
			}
			if p.Blocked {
				t.Errorf("plan blocked: %+v", p.Blocks)
			}
		})
	}
}

// The removals of a group that left the source count under
// safety.maxMembershipRemovals, whose base includes that group's members.
func TestComputeGroupLeftSourceSafety(t *testing.T) {
	f := vpnFixture()
	f.policy.Safety.MaxMembershipRemovals = Limit{Count: 1}
	p := mustCompute(t, leftInput(f))
	if !p.Blocked || len(p.Blocks) != 1 || p.Blocks[0].Rule != RuleMaxMembershipRemovals {
		t.Fatalf("Blocks = %+v, want one by %s", p.Blocks, RuleMaxMembershipRemovals)
	}
	f.policy.Safety.MaxMembershipRemovals = Limit{Percent: 100}
	if p := mustCompute(t, leftInput(f)); p.Blocked {
		t.Errorf("with a limit of 100%% of the memberships, Blocks = %+v, want none (the left group's members in the base)", p.Blocks)
	}
}

// A group that left the source whose members were not read cannot be
// planned.
func TestComputeGroupLeftSourceUnread(t *testing.T) {
	f := vpnFixture()
	delete(f.membersRead, "vpn users")
	if _, err := Compute(leftInput(f)); err == nil || !strings.Contains(err.Error(), "left the source") {
		t.Errorf("Compute = %v, want an error about the unread group that left the source", err)
	}
}
