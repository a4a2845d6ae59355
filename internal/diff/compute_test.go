package diff

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oktasync/oktasync/internal/directory"
)

var now = time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)

// fixture builds a desired and a current directory tersely.
type fixture struct {
	desired, current *directory.Directory
	membersRead      map[string]bool
	managed          map[string]bool
	deactivatedAt    map[string]time.Time
	scopedGroups     map[string]bool
	policy           Policy
}

func newFixture() *fixture {
	return &fixture{
		desired:       directory.New(),
		current:       directory.New(),
		membersRead:   map[string]bool{},
		managed:       map[string]bool{},
		deactivatedAt: map[string]time.Time{},
		scopedGroups:  map[string]bool{},
		policy:        DefaultPolicy(),
	}
}

func profile(login string, kv ...any) directory.Profile {
	p := directory.Profile{
		directory.AttrLogin:     login,
		directory.AttrEmail:     login,
		directory.AttrFirstName: "First",
		directory.AttrLastName:  "Last",
	}
	for i := 0; i+1 < len(kv); i += 2 {
		p[kv[i].(string)] = kv[i+1]
	}
	return p
}

// want adds a source user; kv are extra profile attributes.
func (f *fixture) want(login, status string, kv ...any) *fixture {
	if err := f.desired.AddUser(&directory.User{Status: status, Profile: profile(login, kv...).Pack()}); err != nil {
		panic(err)
	}
	return f
}

// have adds an Okta user, managed when managed is true.
func (f *fixture) have(login, status string, managed bool, kv ...any) *fixture {
	u := &directory.User{ID: "00u" + login, Status: status, Profile: profile(login, kv...).Pack()}
	if err := f.current.AddUser(u); err != nil {
		panic(err)
	}
	if managed {
		f.managed[directory.LoginKey(login)] = true
	}
	return f
}

// wantGroup names a group in the source with members.
func (f *fixture) wantGroup(name string, members ...string) *fixture {
	f.desired.EnsureGroup(name, "test")
	for _, m := range members {
		f.desired.AddMember(name, m)
	}
	return f
}

// haveGroup adds an Okta group of type typ with members, read.
func (f *fixture) haveGroup(name, typ string, members ...string) *fixture {
	if err := f.current.AddGroup(&directory.Group{ID: "00g" + name, Name: name, Type: typ}); err != nil {
		panic(err)
	}
	f.membersRead[directory.GroupKey(name)] = true
	for _, m := range members {
		f.current.AddMember(name, m)
	}
	return f
}

func (f *fixture) input() Input {
	return Input{
		Desired:       f.desired,
		Current:       f.current,
		MembersRead:   f.membersRead,
		Managed:       f.managed,
		DeactivatedAt: f.deactivatedAt,
		ScopedGroups:  f.scopedGroups,
		Now:           now,
		Policy:        f.policy,
	}
}

// brief renders the operations as "seq action target" lines.
func brief(p *Plan) []string {
	out := make([]string, 0, len(p.Operations))
	for _, op := range p.Operations {
		target := op.Login
		switch op.Action {
		case AddMember, RemoveMember:
			target = op.Group + "/" + op.Login
		case CreateGroup, UpdateGroup, DeleteGroup:
			target = op.Group
		}
		out = append(out, fmt.Sprintf("%d %s %s", op.Seq, op.Action, target))
	}
	return out
}

func mustCompute(t *testing.T, in Input) *Plan {
	t.Helper()
	p, err := Compute(in)
	if err != nil {
		t.Fatalf("Compute: %v", err)
	}
	return p
}

func TestComputeOperations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		setup    func(f *fixture)
		ops      []string
		warnings []string // substrings, one per warning
	}{
		{
			name:  "missing user is created STAGED, then activated without an email",
			setup: func(f *fixture) { f.want("a@x.com", "") },
			ops:   []string{"1 create-user a@x.com", "2 activate-user a@x.com"},
		},
		{
			name: "missing user is created active when Okta may email it",
			setup: func(f *fixture) {
				f.policy.SendActivationEmail = true
				f.want("a@x.com", "")
			},
			ops: []string{"1 create-user a@x.com"},
		},
		{
			name: "missing user with a password is created active",
			setup: func(f *fixture) {
				f.want("a@x.com", "")
				f.desired.SetPassword("a@x.com", "Passw0rd!")
			},
			ops: []string{"1 create-user a@x.com"},
		},
		{
			name: "user outside the scope is left alone with a warning",
			setup: func(f *fixture) {
				f.want("a@x.com", "", "dept", "Sales").have("a@x.com", "ACTIVE", false, "dept", "HR")
			},
			warnings: []string{`user "a@x.com" exists in Okta outside scope.users; left alone`},
		},
		{
			name:  "managed user with a differing attribute is updated",
			setup: func(f *fixture) { f.want("a@x.com", "", "dept", "Sales").have("a@x.com", "ACTIVE", true, "dept", "HR") },
			ops:   []string{"1 update-user a@x.com"},
		},
		{
			name: "equal values of other Go types plan nothing",
			setup: func(f *fixture) {
				f.want("A@X.com", "", "n", int64(42), "f", 1.5, "tags", []string{"a", "b"}, "email", "A@X.COM", "empty", "").
					have("a@x.com", "ACTIVE", true, "n", 42.0, "f", float32(1.5), "tags", []any{"a", "b"}, "email", "a@x.com")
			},
		},
		{
			name: "attributes the source lacks are left alone",
			setup: func(f *fixture) {
				f.want("a@x.com", "").have("a@x.com", "ACTIVE", true, "dept", "HR", "costCenter", 7.0)
			},
		},
		{
			name: "deprovisioned managed user back in the source is reactivated",
			setup: func(f *fixture) {
				f.want("a@x.com", "", "dept", "Sales").have("a@x.com", "DEPROVISIONED", true, "dept", "HR")
			},
			ops: []string{"1 reactivate-user a@x.com", "2 update-user a@x.com"},
		},
		{
			name: "a user who stays deprovisioned gets no profile update",
			setup: func(f *fixture) {
				f.want("dep@x.com", "DEPROVISIONED", "dept", "Sales").have("dep@x.com", "DEPROVISIONED", true, "dept", "HR")
				f.want("off@x.com", "", "dept", "Sales").have("off@x.com", "DEPROVISIONED", true, "dept", "HR")
				f.policy.Reactivate = false
			},
			warnings: []string{`user "off@x.com" is DEPROVISIONED in Okta and back in the source, but users.reactivate is off`},
		},
		{
			name: "deactivated profiles are updated when the org allows it",
			setup: func(f *fixture) {
				f.policy.EditDeactivatedProfiles = true
				f.want("dep@x.com", "DEPROVISIONED", "dept", "Sales").have("dep@x.com", "DEPROVISIONED", true, "dept", "HR")
			},
			ops: []string{"1 update-user dep@x.com"},
		},
		{
			name: "a leaver's profile is updated before the deactivation",
			setup: func(f *fixture) {
				f.want("dep@x.com", "DEPROVISIONED", "dept", "Sales").have("dep@x.com", "ACTIVE", true, "dept", "HR")
			},
			ops: []string{"1 update-user dep@x.com", "2 deactivate-user dep@x.com"},
		},
		{
			name: "users whose status Okta is still changing are left for a later run",
			setup: func(f *fixture) {
				f.want("act@x.com", "", "dept", "Sales").have("act@x.com", directory.StatusInTransition("STAGED", "ACTIVE"), true, "dept", "HR")
				f.want("same@x.com", "").have("same@x.com", directory.StatusInTransition("DEPROVISIONED", "ACTIVE"), true)
				f.want("sus@x.com", "SUSPENDED").have("sus@x.com", directory.StatusInTransition("STAGED", "ACTIVE"), true)
				f.have("leaving@x.com", directory.StatusInTransition("ACTIVE", "DEPROVISIONED"), true)
				f.have("back@x.com", directory.StatusInTransition("DEPROVISIONED", "ACTIVE"), true)
			},
			warnings: []string{
				`user "act@x.com" is changing status in Okta (STAGED to ACTIVE); its changes wait for a later run`,
				`user "back@x.com" is absent from the source and changing status in Okta (DEPROVISIONED to ACTIVE)`,
				`user "sus@x.com" is changing status in Okta (STAGED to ACTIVE)`,
			},
		},
		{
			name: "reactivation off leaves a deprovisioned user deactivated",
			setup: func(f *fixture) {
				f.policy.Reactivate = false
				f.want("a@x.com", "").have("a@x.com", "DEPROVISIONED", true)
			},
			ops:      nil,
			warnings: []string{"users.reactivate is off"},
		},
		{
			name: "source statuses drive lifecycle operations",
			setup: func(f *fixture) {
				f.want("act@x.com", "ACTIVE").have("act@x.com", "SUSPENDED", true)
				f.want("sus@x.com", "SUSPENDED").have("sus@x.com", "ACTIVE", true)
				f.want("dep@x.com", "DEPROVISIONED").have("dep@x.com", "ACTIVE", true)
				f.want("stg@x.com", "").have("stg@x.com", "STAGED", true)
				f.want("ss@x.com", "SUSPENDED").have("ss@x.com", "STAGED", true)
				f.want("pro@x.com", "SUSPENDED").have("pro@x.com", "PROVISIONED", true)
				f.want("new@x.com", "DEPROVISIONED")
			},
			ops: []string{
				"1 activate-user ss@x.com",
				"2 activate-user stg@x.com",
				"3 unsuspend-user act@x.com",
				"4 suspend-user sus@x.com",
				"5 deactivate-user dep@x.com",
			},
			warnings: []string{
				`user "pro@x.com": the source asks for SUSPENDED, but Okta suspends only ACTIVE users`,
				`user "ss@x.com" is activated now and can be suspended on a later run, once it is ACTIVE`,
			},
		},
		{
			name: "staged users stay staged when users are created staged",
			setup: func(f *fixture) {
				f.policy.CreateActive = false
				f.want("stg@x.com", "").have("stg@x.com", "STAGED", true)
			},
		},
		{
			name: "managed users absent from the source are deactivated, others left alone",
			setup: func(f *fixture) {
				f.want("keep@x.com", "").have("keep@x.com", "ACTIVE", true)
				f.have("gone@x.com", "ACTIVE", true)
				f.have("other@x.com", "ACTIVE", false)
				f.have("already@x.com", "DEPROVISIONED", true)
			},
			ops: []string{"1 deactivate-user gone@x.com"},
		},
		{
			name: "users oktasync deactivated long enough ago are deleted",
			setup: func(f *fixture) {
				f.policy.DeleteAfter = 30 * 24 * time.Hour
				f.want("keep@x.com", "").have("keep@x.com", "ACTIVE", true)
				f.have("old@x.com", "DEPROVISIONED", true)
				f.deactivatedAt["old@x.com"] = now.Add(-31 * 24 * time.Hour)
				f.have("exact@x.com", "DEPROVISIONED", true)
				f.deactivatedAt["exact@x.com"] = now.Add(-30 * 24 * time.Hour)
				f.have("recent@x.com", "DEPROVISIONED", true)
				f.deactivatedAt["recent@x.com"] = now.Add(-29 * 24 * time.Hour)
				f.have("byhand@x.com", "DEPROVISIONED", true)
			},
			ops: []string{"1 delete-user exact@x.com", "2 delete-user old@x.com"},
		},
		{
			name: "protected users are never updated, deactivated or removed",
			setup: func(f *fixture) {
				f.policy.ProtectLogins = []string{"Admin@x.com"}
				f.policy.ProtectGroups = []string{"Break Glass"}
				f.want("admin@x.com", "", "dept", "Sales").have("admin@x.com", "ACTIVE", true, "dept", "HR")
				f.have("bg@x.com", "ACTIVE", true)
				f.have("admin2@x.com", "ACTIVE", true)
				f.haveGroup("Break Glass", "OKTA_GROUP", "bg@x.com")
				f.wantGroup("Eng").haveGroup("Eng", "OKTA_GROUP", "admin@x.com", "bg@x.com", "admin2@x.com")
			},
			ops: []string{
				"1 remove-member Eng/admin2@x.com",
				"2 deactivate-user admin2@x.com",
			},
			warnings: []string{
				`user "admin@x.com" is protected`,
				`user "bg@x.com" is absent from the source but protected`,
			},
		},
		{
			name: "groups are created and updated, members added and removed",
			setup: func(f *fixture) {
				f.want("new@x.com", "").want("a@x.com", "").have("a@x.com", "ACTIVE", true)
				f.have("b@x.com", "ACTIVE", false)
				f.wantGroup("Eng", "new@x.com", "a@x.com")
				f.desired.Groups["sales"] = &directory.Group{Name: "Sales", Description: "Sells", HasDescription: true}
				f.desired.AddMember("Sales", "a@x.com")
				f.haveGroup("Sales", "OKTA_GROUP", "b@x.com")
				f.current.Groups["sales"].Description = "Sold"
				f.haveGroup("Other", "OKTA_GROUP", "b@x.com")
			},
			ops: []string{
				"1 create-group Eng",
				"2 update-group Sales",
				"3 create-user new@x.com",
				"4 activate-user new@x.com",
				"5 add-member Eng/a@x.com",
				"6 add-member Eng/new@x.com",
				"7 add-member Sales/a@x.com",
				"8 remove-member Sales/b@x.com",
			},
		},
		{
			name: "groups keep Okta's spelling of their names",
			setup: func(f *fixture) {
				f.want("a@x.com", "").have("A@X.com", "ACTIVE", true)
				f.wantGroup("engineering", "a@x.com").haveGroup("Engineering", "OKTA_GROUP")
			},
			ops: []string{"1 add-member Engineering/A@X.com"},
		},
		{
			name: "unmanaged users named by the source still join managed groups",
			setup: func(f *fixture) {
				f.want("a@x.com", "").have("a@x.com", "ACTIVE", false)
				f.wantGroup("Eng", "a@x.com").haveGroup("Eng", "OKTA_GROUP")
			},
			ops:      []string{"1 add-member Eng/a@x.com"},
			warnings: []string{"outside scope.users"},
		},
		{
			name: "unlisted groups in the group scope are deleted when asked",
			setup: func(f *fixture) {
				f.policy.DeleteUnlistedGroups = true
				f.policy.GroupPrefix = "app-"
				f.policy.ProtectGroups = []string{"app-keep"}
				f.want("a@x.com", "").have("a@x.com", "ACTIVE", true)
				f.wantGroup("app-named").haveGroup("app-named", "OKTA_GROUP")
				f.haveGroup("App-Old", "OKTA_GROUP")
				f.haveGroup("app-keep", "OKTA_GROUP")
				f.haveGroup("app-builtin", "BUILT_IN")
				f.haveGroup("Searched", "OKTA_GROUP")
				f.haveGroup("Elsewhere", "OKTA_GROUP")
				f.scopedGroups["searched"] = true
			},
			ops: []string{"1 delete-group App-Old", "2 delete-group Searched"},
		},
		{
			name: "a protected group missing in Okta protects no one",
			setup: func(f *fixture) {
				f.policy.ProtectGroups = []string{"Admins"}
				f.want("a@x.com", "").have("b@x.com", "ACTIVE", true)
			},
			ops:      []string{"1 create-user a@x.com", "2 activate-user a@x.com", "3 deactivate-user b@x.com"},
			warnings: []string{`protect.groups: there is no OKTA_GROUP "admins"`},
		},
		{
			name: "unlisted groups are kept without a group scope",
			setup: func(f *fixture) {
				f.policy.DeleteUnlistedGroups = true
				f.want("a@x.com", "").have("a@x.com", "ACTIVE", true)
				f.haveGroup("Old", "OKTA_GROUP")
			},
			warnings: []string{"no group scope"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture()
			tt.setup(f)
			p := mustCompute(t, f.input())
			if diff := cmp.Diff(tt.ops, brief(p), cmpEmpty); diff != "" {
				t.Errorf("operations (-want +got):\n%s", diff)
			}
			if len(p.Warnings) != len(tt.warnings) {
				t.Fatalf("warnings = %q, want %d matching %q", p.Warnings, len(tt.warnings), tt.warnings)
			}
			for i, w := range tt.warnings {
				if !strings.Contains(p.Warnings[i], w) {
					t.Errorf("warning %d = %q, want it to contain %q", i, p.Warnings[i], w)
				}
			}
		})
	}
}

// cmpEmpty treats nil and empty slices alike.
var cmpEmpty = cmp.Transformer("nilToEmpty", func(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
})

func TestComputeOperationDetails(t *testing.T) {
	t.Parallel()
	f := newFixture()
	f.want("New@x.com", "", "dept", "Eng", "cleared", nil)
	f.desired.SetPassword("new@x.com", "s3cret-Passw0rd")
	f.want("a@x.com", "", "dept", "Sales", "title", nil, "gone", nil, "n", 3).
		have("A@x.com", "ACTIVE", true, "dept", "HR", "title", "Boss", "n", 2.0)
	f.wantGroup("Eng", "new@x.com", "a@x.com").haveGroup("Eng", "OKTA_GROUP")
	p := mustCompute(t, f.input())

	want := []Operation{
		{
			Seq: 1, Action: CreateUser, Login: "New@x.com", Activate: true,
			Password: "s3cret-Passw0rd", Reason: "missing in Okta",
			Profile: directory.Profile{"login": "New@x.com", "email": "New@x.com", "firstName": "First", "lastName": "Last", "dept": "Eng"},
		},
		{
			Seq: 2, Action: UpdateUser, Login: "A@x.com", UserID: "00uA@x.com",
			Profile: directory.Profile{"dept": "Sales", "n": int64(3), "title": nil},
			Changes: []Change{
				{Attr: "dept", Before: "HR", After: "Sales"},
				{Attr: "n", Before: int64(2), After: int64(3)},
				{Attr: "title", Before: "Boss", After: nil},
			},
		},
		{Seq: 3, Action: AddMember, Login: "A@x.com", UserID: "00uA@x.com", Group: "Eng", GroupID: "00gEng"},
		{Seq: 4, Action: AddMember, Login: "New@x.com", Group: "Eng", GroupID: "00gEng", WithCreate: true},
	}
	if diff := cmp.Diff(want, p.Operations); diff != "" {
		t.Errorf("operations (-want +got):\n%s", diff)
	}
	wantSummary := Summary{
		Users:       ActionCounts{Create: 1, Update: 1},
		Memberships: MembershipCounts{Add: 2, WithCreate: 1},
	}
	if diff := cmp.Diff(wantSummary, p.Summary); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
}

func TestComputeSummaryCountsUnchanged(t *testing.T) {
	t.Parallel()
	f := newFixture()
	f.want("same@x.com", "").have("same@x.com", "ACTIVE", true)
	f.want("same2@x.com", "").have("same2@x.com", "SUSPENDED", true)
	f.want("upd@x.com", "", "d", "x").have("upd@x.com", "ACTIVE", true)
	f.want("out@x.com", "").have("out@x.com", "ACTIVE", false)
	f.want("new@x.com", "")
	f.have("gone@x.com", "ACTIVE", true)
	p := mustCompute(t, f.input())
	want := ActionCounts{Create: 1, Update: 1, Deactivate: 1, Activate: 1, Unchanged: 2, OutOfScope: 1}
	if diff := cmp.Diff(want, p.Summary.Users); diff != "" {
		t.Errorf("user counts (-want +got):\n%s", diff)
	}
}

// TestComputeEmails checks which operations make Okta email a user, and
// that the summary counts them: none unless users.sendActivationEmail.
func TestComputeEmails(t *testing.T) {
	t.Parallel()
	for _, send := range []bool{false, true} {
		f := newFixture()
		f.policy.SendActivationEmail = send
		f.want("new@x.com", "")
		f.want("pw@x.com", "")
		f.desired.SetPassword("pw@x.com", "Passw0rd!")
		f.want("stg@x.com", "").have("stg@x.com", "STAGED", true)
		f.want("back@x.com", "").have("back@x.com", "DEPROVISIONED", true)
		f.want("same@x.com", "").have("same@x.com", "ACTIVE", true)
		p := mustCompute(t, f.input())
		var got []string
		for _, op := range p.Operations {
			got = append(got, fmt.Sprintf("%s %s activate=%v email=%v", op.Action, op.Login, op.Activate, op.SendEmail))
		}
		want := []string{
			"create-user new@x.com activate=false email=false",
			"create-user pw@x.com activate=true email=false",
			"activate-user new@x.com activate=false email=false",
			"activate-user stg@x.com activate=false email=false",
			"reactivate-user back@x.com activate=false email=false",
		}
		wantEmails := 0
		if send {
			want = []string{
				"create-user new@x.com activate=true email=true",
				"create-user pw@x.com activate=true email=false",
				"activate-user stg@x.com activate=false email=true",
				"reactivate-user back@x.com activate=false email=true",
			}
			wantEmails = 3
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("sendActivationEmail %v: operations (-want +got):\n%s", send, diff)
		}
		if p.Summary.Emails != wantEmails {
			t.Errorf("sendActivationEmail %v: summary emails = %d, want %d", send, p.Summary.Emails, wantEmails)
		}
	}
}

func TestComputeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(f *fixture)
		want  string
	}{
		{
			name: "a managed group that is not an OKTA_GROUP",
			setup: func(f *fixture) {
				f.want("a@x.com", "").wantGroup("Apps", "a@x.com").haveGroup("Apps", "APP_GROUP")
			},
			want: `group "Apps" is of type APP_GROUP in Okta, not OKTA_GROUP`,
		},
		{
			name: "a membership naming an unknown login",
			setup: func(f *fixture) {
				f.want("a@x.com", "").wantGroup("Eng", "a@x.com", "ghost@x.com")
			},
			want: `group "Eng": member "ghost@x.com" is not among the source's users`,
		},
		{
			name: "a managed group whose members were not read",
			setup: func(f *fixture) {
				f.want("a@x.com", "").wantGroup("Eng", "a@x.com").haveGroup("Eng", "OKTA_GROUP")
				delete(f.membersRead, "eng")
			},
			want: `group "Eng": its members were not read from Okta`,
		},
		{
			name: "a protected group whose members were not read",
			setup: func(f *fixture) {
				f.policy.ProtectGroups = []string{"Admins"}
				f.want("a@x.com", "").haveGroup("Admins", "OKTA_GROUP")
				delete(f.membersRead, "admins")
			},
			want: `protect.groups: the members of group "Admins" were not read`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture()
			tt.setup(f)
			p, err := Compute(f.input())
			if err == nil {
				t.Fatalf("Compute returned a plan of %d operations, want an error", len(p.Operations))
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to contain %q", err, tt.want)
			}
		})
	}
	if _, err := Compute(Input{}); err == nil {
		t.Error("Compute(Input{}) succeeded, want an error")
	}
}

func TestComputeSafety(t *testing.T) {
	t.Parallel()
	// org builds n managed users in Okta, of which the source keeps keep,
	// and one group "Eng" holding all n of which the source keeps keep.
	org := func(n, keep int) *fixture {
		f := newFixture()
		f.wantGroup("Eng").haveGroup("Eng", "OKTA_GROUP")
		for i := range n {
			login := fmt.Sprintf("u%03d@x.com", i)
			f.have(login, "ACTIVE", true)
			f.current.AddMember("Eng", login)
			if i < keep {
				f.want(login, "")
				f.desired.AddMember("Eng", login)
			}
		}
		return f
	}
	tests := []struct {
		name   string
		f      *fixture
		policy func(p *Policy)
		rules  []string
		msgs   []string
	}{
		{name: "few leavers in a small org pass the floor", f: org(10, 5)},
		{
			name:  "over the count floor and the percentage",
			f:     org(100, 80),
			rules: []string{RuleMaxDeactivations},
			msgs: []string{"safety.maxDeactivations: the plan would deactivate or delete 20 users, over the limit of 10 " +
				"(10% of 100 managed users in Okta, at least 5); to allow it once, rerun with --allow-deactivations 20, " +
				"or change safety.maxDeactivations in the config"},
		},
		{
			name:   "allowed once",
			f:      org(100, 80),
			policy: func(p *Policy) { p.Safety.AllowDeactivations = 20 },
		},
		{
			name:   "allowance too small",
			f:      org(100, 80),
			policy: func(p *Policy) { p.Safety.AllowDeactivations = 19 },
			rules:  []string{RuleMaxDeactivations},
		},
		{
			name: "removals over a count limit",
			f:    org(100, 80),
			policy: func(p *Policy) {
				p.Safety.MaxDeactivations = Limit{Count: -1}
				p.Safety.MaxMembershipRemovals = Limit{Count: 3}
			},
			rules: []string{RuleMaxMembershipRemovals},
			msgs: []string{"safety.maxMembershipRemovals: the plan would remove 20 memberships, over the limit of 3; " +
				"to allow it once, rerun with --allow-removals 20, or change safety.maxMembershipRemovals in the config"},
		},
		{
			name: "removals allowed once",
			f:    org(100, 80),
			policy: func(p *Policy) {
				p.Safety.AllowDeactivations = 20
				p.Safety.AllowRemovals = 25
			},
		},
		{
			name:  "empty source",
			f:     org(3, 0),
			rules: []string{RuleEmptySource},
		},
		{
			name:  "empty source with nothing managed",
			f:     newFixture(),
			rules: []string{RuleEmptySource},
		},
		{
			name:   "too few source users",
			f:      org(10, 9),
			policy: func(p *Policy) { p.Safety.MinSourceUsers = 10 },
			rules:  []string{RuleMinSourceUsers},
			msgs: []string{"safety.minSourceUsers: the source has 9 users, fewer than the minimum of 10; " +
				"check the source, or lower safety.minSourceUsers in the config"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.policy != nil {
				tt.policy(&tt.f.policy)
			}
			p := mustCompute(t, tt.f.input())
			var rules, msgs []string
			for _, b := range p.Blocks {
				rules = append(rules, b.Rule)
				msgs = append(msgs, b.Message)
			}
			if diff := cmp.Diff(tt.rules, rules, cmpEmpty); diff != "" {
				t.Errorf("blocks (-want +got):\n%s", diff)
			}
			if p.Blocked != (len(tt.rules) > 0) {
				t.Errorf("Blocked = %v with blocks %q", p.Blocked, rules)
			}
			if tt.msgs != nil {
				if diff := cmp.Diff(tt.msgs, msgs); diff != "" {
					t.Errorf("messages (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestComputeIsDeterministic(t *testing.T) {
	t.Parallel()
	f := newFixture()
	for i := range 50 {
		l := fmt.Sprintf("u%02d@x.com", i)
		switch i % 4 {
		case 0:
			f.want(l, "", "d", i)
		case 1:
			f.want(l, "", "d", i).have(l, "ACTIVE", true, "d", "old")
		case 2:
			f.have(l, "ACTIVE", true)
		case 3:
			f.want(l, "SUSPENDED").have(l, "ACTIVE", true)
		}
		f.wantGroup(fmt.Sprintf("G%d", i%5))
	}
	f.policy.Safety.MaxDeactivations = Limit{Count: -1}
	first := mustCompute(t, f.input())
	for range 10 {
		again := mustCompute(t, f.input())
		if diff := cmp.Diff(first, again); diff != "" {
			t.Fatalf("a second Compute differs (-first +again):\n%s", diff)
		}
	}
}

// TestComputeHoldsDeactivationsAtZero: safety.maxDeactivations 0 holds
// every deactivation and deletion back, says so, and lets the rest of the
// plan apply; --allow-deactivations covering them all plans them.
func TestComputeHoldsDeactivationsAtZero(t *testing.T) {
	t.Parallel()
	build := func(allow int) *Plan {
		f := newFixture()
		f.want("stay@x.com", "", "title", "new").have("stay@x.com", "ACTIVE", true, "title", "old")
		f.have("leaver@x.com", "ACTIVE", true)
		f.want("gone@x.com", "DEPROVISIONED").have("gone@x.com", "ACTIVE", true)
		f.have("old@x.com", "DEPROVISIONED", true)
		f.deactivatedAt["old@x.com"] = now.Add(-48 * time.Hour)
		f.policy.DeleteAfter = 24 * time.Hour
		f.policy.Safety.MaxDeactivations = Limit{}
		f.policy.Safety.AllowDeactivations = allow
		return mustCompute(t, f.input())
	}
	p := build(2)
	if p.Blocked {
		t.Fatalf("blocked: %+v", p.Blocks)
	}
	var ops, held []string
	for _, op := range p.Operations {
		ops = append(ops, op.Action.String()+" "+op.Login)
	}
	for _, h := range p.Held {
		held = append(held, h.Rule+" "+h.Operation.Action.String()+" "+h.Operation.Login)
	}
	if diff := cmp.Diff([]string{"update-user stay@x.com"}, ops); diff != "" {
		t.Errorf("operations (-want +got):\n%s", diff)
	}
	wantHeld := []string{
		"safety.maxDeactivations deactivate-user gone@x.com",
		"safety.maxDeactivations deactivate-user leaver@x.com",
		"safety.maxDeactivations delete-user old@x.com",
	}
	if diff := cmp.Diff(wantHeld, held); diff != "" {
		t.Errorf("held (-want +got):\n%s", diff)
	}
	if p.Summary.Users.Deactivate != 0 || p.Summary.Users.Delete != 0 {
		t.Errorf("summary counts held operations: %+v", p.Summary.Users)
	}
	var b strings.Builder
	if err := RenderText(&b, p, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Held back, not applied:", "  - deactivate user leaver@x.com (absent from source)",
		"safety.maxDeactivations is 0: the 3 deactivations and deletions above are held back and the rest of the plan applies; " +
			"to apply them once, rerun with --allow-deactivations 3"} {
		if !strings.Contains(b.String(), s) {
			t.Errorf("rendered plan lacks %q:\n%s", s, b.String())
		}
	}
	if all := build(3); len(all.Held) != 0 || all.Blocked || all.Summary.Users.Deactivate != 2 || all.Summary.Users.Delete != 1 {
		t.Errorf("allowed 3: held %d, blocked %v, summary %+v", len(all.Held), all.Blocked, all.Summary.Users)
	}
}

// TestComputeLeavers: users.leavers decides what a leaver gets; report
// holds back its deactivation, deletion and membership removals while the
// rest of the plan applies.
func TestComputeLeavers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		leavers   string
		ops, held []string
		warn      string
	}{
		{leavers: "", ops: []string{"update-user stay@x.com", "remove-member leaver@x.com Eng", "deactivate-user leaver@x.com", "deactivate-user locked@x.com", "deactivate-user parked@x.com", "delete-user old@x.com"}},
		{leavers: LeaversSuspend, ops: []string{"update-user stay@x.com", "suspend-user leaver@x.com", "remove-member leaver@x.com Eng", "delete-user old@x.com"},
			warn: `user "locked@x.com" is absent from the source and users.leavers is suspend, but Okta suspends only ACTIVE users and this one is LOCKED_OUT; left as is`},
		{leavers: LeaversReport, ops: []string{"update-user stay@x.com"},
			held: []string{"users.leavers remove-member leaver@x.com Eng", "users.leavers deactivate-user leaver@x.com ",
				"users.leavers deactivate-user locked@x.com ", "users.leavers deactivate-user parked@x.com ", "users.leavers delete-user old@x.com "}},
	}
	for _, tt := range tests {
		t.Run(tt.leavers, func(t *testing.T) {
			t.Parallel()
			f := newFixture()
			f.wantGroup("Eng").haveGroup("Eng", "OKTA_GROUP")
			f.want("stay@x.com", "", "title", "new").have("stay@x.com", "ACTIVE", true, "title", "old")
			f.desired.AddMember("Eng", "stay@x.com")
			f.current.AddMember("Eng", "stay@x.com")
			f.have("leaver@x.com", "ACTIVE", true)
			f.current.AddMember("Eng", "leaver@x.com")
			f.have("locked@x.com", "LOCKED_OUT", true)
			f.have("parked@x.com", "SUSPENDED", true)
			f.have("old@x.com", "DEPROVISIONED", true)
			f.deactivatedAt["old@x.com"] = now.Add(-48 * time.Hour)
			f.policy.DeleteAfter = 24 * time.Hour
			f.policy.Safety.MaxDeactivations = Limit{Count: -1}
			f.policy.Safety.MaxMembershipRemovals = Limit{Count: -1}
			f.policy.Leavers = tt.leavers
			p := mustCompute(t, f.input())
			var ops, held []string
			for _, op := range p.Operations {
				ops = append(ops, strings.TrimSpace(op.Action.String()+" "+op.Login+" "+op.Group))
			}
			for _, h := range p.Held {
				held = append(held, h.Rule+" "+h.Operation.Action.String()+" "+h.Operation.Login+" "+h.Operation.Group)
			}
			if diff := cmp.Diff(tt.ops, ops); diff != "" {
				t.Errorf("operations (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.held, held, cmpEmpty); diff != "" {
				t.Errorf("held (-want +got):\n%s", diff)
			}
			if tt.warn != "" && !strings.Contains(strings.Join(p.Warnings, "\n"), tt.warn) {
				t.Errorf("warnings %q lack %q", p.Warnings, tt.warn)
			}
			if tt.leavers == LeaversReport {
				var b strings.Builder
				if err := RenderText(&b, p, RenderOptions{}); err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(b.String(), "users.leavers is report: the 5 changes of leavers above are listed, not applied") {
					t.Errorf("rendered plan:\n%s", b.String())
				}
			}
		})
	}
}

// TestComputeMembershipsWithCreate: a new user's first MaxCreateGroups
// groups, by group key, travel with its create, whether the group exists or
// is created by the plan; the rest, and an existing user's, are plain adds.
func TestComputeMembershipsWithCreate(t *testing.T) {
	t.Parallel()
	f := newFixture()
	f.want("new@x.com", "")
	f.want("old@x.com", "").have("old@x.com", "ACTIVE", true)
	f.want("gone@x.com", "DEPROVISIONED")
	var names []string
	for i := range MaxCreateGroups + 2 {
		names = append(names, fmt.Sprintf("g%02d", i))
	}
	for i, name := range names {
		f.wantGroup(name, "new@x.com", "old@x.com", "gone@x.com")
		if i%2 == 0 {
			f.haveGroup(name, "OKTA_GROUP")
		}
	}
	p := mustCompute(t, f.input())
	var with, plain []string
	for _, op := range p.Operations {
		if op.Action != AddMember {
			continue
		}
		if op.WithCreate {
			with = append(with, op.Group+"/"+op.Login)
		} else {
			plain = append(plain, op.Group+"/"+op.Login)
		}
	}
	var wantWith, wantPlain []string
	for i, name := range names {
		if i < MaxCreateGroups {
			wantWith = append(wantWith, name+"/new@x.com")
		} else {
			wantPlain = append(wantPlain, name+"/new@x.com")
		}
		wantPlain = append(wantPlain, name+"/old@x.com")
	}
	slices.Sort(wantPlain)
	if diff := cmp.Diff(wantWith, with); diff != "" {
		t.Errorf("adds with the create (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantPlain, plain); diff != "" {
		t.Errorf("plain adds (-want +got):\n%s", diff)
	}
	want := MembershipCounts{Add: len(wantWith) + len(wantPlain), WithCreate: MaxCreateGroups}
	if diff := cmp.Diff(want, p.Summary.Memberships); diff != "" {
		t.Errorf("membership counts (-want +got):\n%s", diff)
	}
}
