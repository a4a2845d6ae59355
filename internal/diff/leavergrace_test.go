package diff

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/oktasync/oktasync/internal/directory"
)

// TestLeaverGrace: under users.leaverGrace an ACTIVE leaver is suspended
// (marked as a leaver's suspension), one oktasync suspended stays so within
// the grace period and is deactivated after it, one suspended by someone
// else is deactivated at once, and one that returns is unsuspended.
func TestLeaverGrace(t *testing.T) {
	t.Parallel()
	const grace = 30 * 24 * time.Hour
	f := newFixture()
	f.policy.LeaverGrace = grace
	f.want("stay@x.com", "").have("stay@x.com", "ACTIVE", true)
	f.have("active@x.com", "ACTIVE", true)
	f.have("within@x.com", "SUSPENDED", true)
	f.have("past@x.com", "SUSPENDED", true)
	f.have("other@x.com", "SUSPENDED", true)
	f.want("back@x.com", "").have("back@x.com", "SUSPENDED", true)
	in := f.input()
	in.SuspendedAt = map[string]time.Time{
		"within@x.com": now.Add(-10 * 24 * time.Hour),
		"past@x.com":   now.Add(-grace - time.Hour),
		"back@x.com":   now.Add(-24 * time.Hour),
	}
	p := mustCompute(t, in)
	var got []string
	for _, op := range p.Operations {
		got = append(got, fmt.Sprintf("%s %s leaver=%v", op.Action, op.Login, op.Leaver))
	}
	want := []string{
		"unsuspend-user back@x.com leaver=false",
		"suspend-user active@x.com leaver=true",
		"deactivate-user other@x.com leaver=false",
		"deactivate-user past@x.com leaver=false",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("operations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, op := range p.Operations {
		if op.Login == "active@x.com" && !strings.Contains(op.Reason, "users.leaverGrace (30d)") {
			t.Errorf("the suspension's reason does not name the grace period: %q", op.Reason)
		}
	}

	// Without a grace period, leavers are deactivated at once and a
	// returning suspended user recorded as a leaver is still unsuspended.
	f.policy.LeaverGrace = 0
	in = f.input()
	in.SuspendedAt = map[string]time.Time{directory.LoginKey("back@x.com"): now}
	p = mustCompute(t, in)
	if p.Summary.Users.Deactivate != 4 || p.Summary.Users.Suspend != 0 || p.Summary.Users.Unsuspend != 1 {
		t.Errorf("without leaverGrace: summary %+v, want 4 deactivations and 1 unsuspension", p.Summary.Users)
	}
}
