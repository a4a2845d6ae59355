package diff

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oktasync/oktasync/internal/directory"
)

// savedFixture is an org and a source whose plan has one operation of most
// kinds:
//
//	1 create-group New        2 update-group Sales
//	3 create-user new@x.com   4 update-user upd@x.com (dept)
//	5 suspend-user sus@x.com  6 add-member Sales/upd@x.com
//	7 remove-member Sales/old@x.com
//	8 deactivate-user old@x.com
func savedFixture() *fixture {
	f := newFixture()
	f.want("new@x.com", "")
	f.desired.SetPassword("new@x.com", testPassword)
	f.want("upd@x.com", "", "dept", "Sales", "big", int64(1<<60+1)).have("upd@x.com", "ACTIVE", true, "dept", "HR", "big", int64(1<<60+3), "title", "Boss")
	f.want("sus@x.com", "SUSPENDED").have("sus@x.com", "ACTIVE", true)
	f.have("old@x.com", "ACTIVE", true)
	f.wantGroup("New")
	f.desired.Groups["sales"] = &directory.Group{Name: "Sales", Description: "Sells", HasDescription: true}
	f.desired.AddMember("Sales", "upd@x.com")
	f.haveGroup("Sales", "OKTA_GROUP", "old@x.com")
	return f
}

// roundTrip saves the fixture's plan and reads it back.
func roundTrip(t *testing.T, f *fixture) *SavedPlan {
	t.Helper()
	p := mustCompute(t, f.input())
	s := NewSavedPlan(p, f.current, "cfg1", SourceDigest(f.desired), now)
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte(testPassword)) {
		t.Fatal("the saved plan holds a password")
	}
	// Numbers are read back exact, as the plan file's reader does.
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var back SavedPlan
	if err := dec.Decode(&back); err != nil {
		t.Fatalf("decode saved plan: %v", err)
	}
	return &back
}

func TestSavedPlanOperations(t *testing.T) {
	t.Parallel()
	f := savedFixture()
	s := roundTrip(t, f)
	want := []string{
		"1 create-group New",
		"2 update-group Sales",
		"3 create-user new@x.com",
		"4 update-user upd@x.com",
		"5 suspend-user sus@x.com",
		"6 add-member Sales/upd@x.com",
		"7 remove-member Sales/old@x.com",
		"8 deactivate-user old@x.com",
	}
	if diff := cmp.Diff(want, brief(s.Plan)); diff != "" {
		t.Fatalf("saved plan (-want +got):\n%s", diff)
	}
	if got, want := s.Plan.Operations[3].Profile["big"], "1152921504606846977"; fmt.Sprint(got) != want {
		t.Errorf("a saved big integer reads back as %v, want %s exactly", got, want)
	}
	if s.Plan.Operations[2].Password != "" {
		t.Error("a read plan has a password before RestorePasswords")
	}
	s.RestorePasswords(f.desired)
	if got := s.Plan.Operations[2].Password; got != testPassword {
		t.Errorf("RestorePasswords gave %q", got)
	}
}

func TestCheckConflicts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(cur *directory.Directory, membersRead map[string]bool)
		want   []string
	}{
		{name: "nothing changed"},
		{
			name: "unrelated attributes changed",
			change: func(cur *directory.Directory, _ map[string]bool) {
				setAttr(cur, "upd@x.com", "title", "Chief")
				setAttr(cur, "sus@x.com", "dept", "Ops")
			},
		},
		{
			name: "a planned group and user appeared",
			change: func(cur *directory.Directory, _ map[string]bool) {
				cur.Groups["new"] = &directory.Group{ID: "00gNew2", Name: "New", Type: "OKTA_GROUP"}
				cur.Users["new@x.com"] = &directory.User{ID: "00uNew2", Status: "ACTIVE", Profile: directory.Profile{"login": "new@x.com"}.Pack()}
			},
			want: []string{
				`operation 1 (create-group New): group "New" now exists in Okta (id 00gNew2)`,
				`operation 3 (create-user new@x.com): user new@x.com now exists in Okta (id 00uNew2)`,
			},
		},
		{
			name: "description and attribute changed",
			change: func(cur *directory.Directory, _ map[string]bool) {
				cur.Groups["sales"].Description = "Sells more"
				setAttr(cur, "upd@x.com", "dept", "Legal")
			},
			want: []string{
				`operation 2 (update-group Sales): description is "Sells more"; the plan saw ""`,
				`operation 4 (update-user upd@x.com): dept is "Legal"; the plan saw "HR"`,
			},
		},
		{
			name: "status changed and user replaced",
			change: func(cur *directory.Directory, _ map[string]bool) {
				cur.Users["sus@x.com"].Status = "SUSPENDED"
				cur.Users["old@x.com"].ID = "00uOther"
			},
			want: []string{
				`operation 5 (suspend-user sus@x.com): status is SUSPENDED; the plan saw ACTIVE`,
				`operation 7 (remove-member Sales/old@x.com): user old@x.com was replaced (id 00uOther; the plan saw 00uold@x.com)`,
				`operation 8 (deactivate-user old@x.com): user old@x.com was replaced (id 00uOther; the plan saw 00uold@x.com)`,
			},
		},
		{
			name: "memberships changed",
			change: func(cur *directory.Directory, _ map[string]bool) {
				cur.AddMember("Sales", "upd@x.com")
				removeMember(cur, "sales", "old@x.com")
			},
			want: []string{
				`operation 6 (add-member Sales/upd@x.com): the membership was made since the plan`,
				`operation 7 (remove-member Sales/old@x.com): the membership was removed since the plan`,
			},
		},
		{
			name: "users and groups gone",
			change: func(cur *directory.Directory, _ map[string]bool) {
				delete(cur.Users, "upd@x.com")
				delete(cur.Groups, "sales")
			},
			want: []string{
				`operation 2 (update-group Sales): group "Sales" no longer exists in Okta`,
				`operation 4 (update-user upd@x.com): user upd@x.com no longer exists in Okta`,
				`operation 6 (add-member Sales/upd@x.com): group "Sales" no longer exists in Okta; user upd@x.com no longer exists in Okta`,
				`operation 7 (remove-member Sales/old@x.com): group "Sales" no longer exists in Okta`,
			},
		},
		{
			name: "members not read",
			change: func(_ *directory.Directory, membersRead map[string]bool) {
				delete(membersRead, "sales")
			},
			want: []string{
				`operation 6 (add-member Sales/upd@x.com): the members of group "Sales" were not read, so the membership cannot be checked`,
				`operation 7 (remove-member Sales/old@x.com): the members of group "Sales" were not read, so the membership cannot be checked`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := savedFixture()
			s := roundTrip(t, f)
			cur, read := cloneDirectory(f.current), map[string]bool{"sales": true}
			if tt.change != nil {
				tt.change(cur, read)
			}
			var got []string
			for _, c := range CheckConflicts(s, cur, read) {
				got = append(got, c.String())
			}
			if diff := cmp.Diff(tt.want, got, cmpEmpty); diff != "" {
				t.Errorf("conflicts (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCheckConflictsMissingExpectation(t *testing.T) {
	t.Parallel()
	f := savedFixture()
	s := roundTrip(t, f)
	delete(s.Expect, 4)
	got := CheckConflicts(s, f.current, f.membersRead)
	if len(got) != 1 || got[0].Seq != 4 {
		t.Errorf("conflicts = %v, want one for operation 4", got)
	}
}

func TestSavedPlanVerify(t *testing.T) {
	t.Parallel()
	f := savedFixture()
	s := roundTrip(t, f)
	src := SourceDigest(f.desired)
	if err := s.Verify("cfg1", src); err != nil {
		t.Fatalf("Verify with the plan's own digests: %v", err)
	}
	tests := []struct {
		name     string
		cfg, src string
		version  int
		want     string
	}{
		{"other config", "cfg2", src, SavedPlanVersion, "another configuration"},
		{"other source", "cfg1", "sha256:other", SavedPlanVersion, "the source has changed"},
		{"other version", "cfg1", src, SavedPlanVersion + 1, "format version"},
	}
	for _, tt := range tests {
		c := *s
		c.Version = tt.version
		err := c.Verify(tt.cfg, tt.src)
		if !errors.Is(err, ErrPlanMismatch) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Verify = %v, want ErrPlanMismatch saying %q", tt.name, err, tt.want)
		}
	}
}

func TestSourceDigest(t *testing.T) {
	t.Parallel()
	base := func() *directory.Directory {
		f := newFixture()
		f.want("a@x.com", "", "n", 1, "tags", []string{"x"}).want("b@x.com", "ACTIVE")
		f.wantGroup("Eng", "a@x.com", "b@x.com")
		return f.desired
	}
	d0 := SourceDigest(base())
	if !strings.HasPrefix(d0, "sha256:") || SourceDigest(base()) != d0 {
		t.Fatalf("SourceDigest is not a stable sha256 digest: %s", d0)
	}
	tests := []struct {
		name   string
		change func(d *directory.Directory)
		same   bool
	}{
		{"equal number of another type", func(d *directory.Directory) { setAttr(d, "a@x.com", "n", 1.0) }, true},
		{"array of another type", func(d *directory.Directory) { setAttr(d, "a@x.com", "tags", []any{"x"}) }, true},
		{"password", func(d *directory.Directory) { d.SetPassword("a@x.com", "p") }, true},
		{"origin", func(d *directory.Directory) { d.AttrOrigins = map[string]string{"login": "elsewhere"} }, true},
		{"a value", func(d *directory.Directory) { setAttr(d, "a@x.com", "n", 2) }, false},
		{"a status", func(d *directory.Directory) { d.Users["b@x.com"].Status = "SUSPENDED" }, false},
		{"a membership", func(d *directory.Directory) { removeMember(d, "eng", "b@x.com") }, false},
		{"a description", func(d *directory.Directory) {
			d.Groups["eng"].Description, d.Groups["eng"].HasDescription = "E", true
		}, false},
	}
	for _, tt := range tests {
		d := base()
		tt.change(d)
		if got := SourceDigest(d) == d0; got != tt.same {
			t.Errorf("%s: digest unchanged = %v, want %v", tt.name, got, tt.same)
		}
	}
}

// A saved plan keeps which memberships travel with their user's create; a
// plan saved before the field existed reads back with none, so each of its
// memberships is added with its own call, as it was made to be.
func TestSavedPlanMembershipsWithCreate(t *testing.T) {
	t.Parallel()
	f := savedFixture()
	f.desired.AddMember("Sales", "new@x.com")
	s := roundTrip(t, f)
	var carried []string
	for _, op := range s.Plan.Operations {
		if op.WithCreate {
			carried = append(carried, op.Group+"/"+op.Login)
		}
	}
	if diff := cmp.Diff([]string{"Sales/new@x.com"}, carried); diff != "" {
		t.Errorf("memberships with the create (-want +got):\n%s", diff)
	}
	if s.Plan.Summary.Memberships.WithCreate != 1 {
		t.Errorf("summary %+v, want one membership with its create", s.Plan.Summary.Memberships)
	}
	if e := s.Expect[findSeq(t, s.Plan, AddMember, "new@x.com")]; e.Member == nil || *e.Member || e.User != nil {
		t.Errorf("expectation of the carried membership %+v, want not a member and no user yet", e)
	}

	old := []byte(`{"version":1,"configDigest":"c","sourceDigest":"s","plan":{"operations":[` +
		`{"seq":1,"action":"create-user","login":"a@x.com"},{"seq":2,"action":"add-member","login":"a@x.com","group":"G","groupId":"00g1"}],` +
		`"summary":{"memberships":{"add":1,"remove":0}}},"expect":{}}`)
	var back SavedPlan
	if err := json.Unmarshal(old, &back); err != nil {
		t.Fatal(err)
	}
	if err := back.Verify("c", "s"); err != nil {
		t.Errorf("a plan saved before withCreate: %v", err)
	}
	if back.Plan.Operations[1].WithCreate {
		t.Error("a plan saved before withCreate reads back with a membership carried by the create")
	}
}

func findSeq(t *testing.T, p *Plan, a Action, login string) int {
	t.Helper()
	for _, op := range p.Operations {
		if op.Action == a && op.Login == login {
			return op.Seq
		}
	}
	t.Fatalf("no %s of %s", a, login)
	return 0
}
