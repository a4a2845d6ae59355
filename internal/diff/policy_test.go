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
	if p.Safety.MaxDeactivations.String() != "10% or 5" || p.Safety.MaxMembershipRemovals.String() != "10% or 20" {
		t.Errorf("DefaultPolicy() safety = %+v", p.Safety)
	}
}
