package diff

import (
	"testing"
)

func TestDefaultPolicy(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	if !p.CreateActive || !p.Reactivate || p.DeleteAfter != 0 || p.DeleteUnlistedGroups {
		t.Errorf("DefaultPolicy() lifecycle = %+v", p)
	}
	if p.Safety.MaxDeactivations != (Limit{Count: 5, Percent: 10}) || p.Safety.MaxMembershipRemovals != (Limit{Count: 20, Percent: 10}) {
		t.Errorf("DefaultPolicy() safety = %+v", p.Safety)
	}
}
