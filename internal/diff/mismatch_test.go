package diff

import (
	"errors"
	"strings"
	"testing"

	"github.com/oktasync/oktasync/internal/directory"
)

// appliedFixture is the org of savedFixture after its plan was applied;
// undo leaves one operation not done.
func appliedFixture(undo string) *fixture {
	f := newFixture()
	status := func(login, s string) string {
		if undo == login {
			return "ACTIVE"
		}
		return s
	}
	f.have("new@x.com", "ACTIVE", true)
	f.have("upd@x.com", "ACTIVE", true, "dept", "Sales", "big", int64(1<<60+1), "title", "Boss")
	f.have("sus@x.com", status("sus@x.com", "SUSPENDED"), true)
	f.have("old@x.com", status("old@x.com", "DEPROVISIONED"), true)
	f.haveGroup("New", "OKTA_GROUP")
	f.haveGroup("Sales", "OKTA_GROUP", "upd@x.com")
	f.current.Groups["sales"].Description = "Sells"
	if undo == "membership" {
		f.current.AddMember("Sales", "old@x.com")
	}
	return f
}

// TestAlreadyApplied: a saved plan is already applied when Okta holds what
// every operation makes, and not when one is left undone or before.
func TestAlreadyApplied(t *testing.T) {
	t.Parallel()
	f := savedFixture()
	s := roundTrip(t, f)
	if AlreadyApplied(s, f.current, f.membersRead) {
		t.Error("a plan not applied counts as applied")
	}
	done := appliedFixture("")
	if !AlreadyApplied(s, done.current, done.membersRead) {
		t.Error("an applied plan does not count as applied")
	}
	for _, undo := range []string{"sus@x.com", "old@x.com", "membership"} {
		if part := appliedFixture(undo); AlreadyApplied(s, part.current, part.membersRead) {
			t.Errorf("with %s undone, the plan counts as applied", undo)
		}
	}
	if AlreadyApplied(s, done.current, map[string]bool{}) {
		t.Error("memberships that were not read count as applied")
	}
}

// TestCheckSaysWhatChanged: a saved plan made with another config part or
// source says which, in words, never with digests.
func TestCheckSaysWhatChanged(t *testing.T) {
	t.Parallel()
	f := savedFixture()
	s := roundTrip(t, f)
	s.ConfigParts = map[string]string{"org": "o", "scope": "s1", "safety": "x"}
	s.Source = SourceFingerprint(f.desired)
	now := Now{ConfigDigest: "cfg1", ConfigParts: s.ConfigParts, Source: f.desired, SourceName: "users.csv"}
	if err := s.Check(now); err != nil {
		t.Fatalf("Check against the plan's own config and source: %v", err)
	}

	other := now
	other.ConfigDigest = "cfg2"
	other.ConfigParts = map[string]string{"org": "o", "scope": "s2", "safety": "y"}
	wantErr(t, s.Check(other), "the config's safety limits and the config's scope changed since the plan was made")
	other.ConfigParts = s.ConfigParts
	wantErr(t, s.Check(other), "the config changed since the plan was made")

	changed := savedFixture().desired
	changed.Users[directory.LoginKey("upd@x.com")].Profile = profile("upd@x.com", "dept", "Legal").Pack()
	for _, l := range []string{"a1@x.com", "a2@x.com", "a3@x.com"} {
		if err := changed.AddUser(&directory.User{Profile: profile(l).Pack()}); err != nil {
			t.Fatal(err)
		}
	}
	delete(changed.Users, directory.LoginKey("sus@x.com"))
	changed.AddMember("New", "new@x.com")
	now.Source = changed
	err := s.Check(now)
	wantErr(t, err, `users.csv changed since the plan was made: 5 users differ (a1@x.com added, a2@x.com added, a3@x.com added, 1 more, 1 removed), 1 group differs ("New" changed)`)
	if strings.Contains(err.Error(), "sha256") {
		t.Errorf("the message shows a digest: %v", err)
	}
	s.Source = nil
	wantErr(t, s.Check(now), "users.csv changed since the plan was made; make a new plan")
}

func wantErr(t *testing.T, err error, want string) {
	t.Helper()
	if !errors.Is(err, ErrPlanMismatch) || !strings.Contains(err.Error(), want) {
		t.Errorf("Check = %v, want ErrPlanMismatch saying %q", err, want)
	}
}
