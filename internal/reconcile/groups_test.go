package reconcile

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/oktasync/oktasync/internal/diff"
	"github.com/oktasync/oktasync/internal/oktasim"
)

// A group oktasync created stays managed when it leaves the source: its
// members are removed (under the removal limit) and the plan says so; the
// next plan is empty.
func TestGroupLeftSource(t *testing.T) {
	h := newHarness(t, oktasim.Options{}, oktasim.Seed{}, header+
		"a@example.com,a@example.com,F,L,hr,VPN users\n"+
		"b@example.com,b@example.com,F,L,hr,VPN users\n")
	if _, err := h.run(t, false); err != nil {
		t.Fatal(err)
	}
	h.writeCSV(t, header+"a@example.com,a@example.com,F,L,hr,\nb@example.com,b@example.com,F,L,hr,\n")

	h.policy.Safety.MaxMembershipRemovals = diff.Limit{Count: 1}
	if _, err := h.run(t, false); !errors.Is(err, ErrBlocked) {
		t.Fatalf("run removing 2 memberships with a limit of 1 = %v, want blocked", err)
	}
	h.policy.Safety.MaxMembershipRemovals = diff.Limit{Count: 5}
	rep, err := h.run(t, false)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Summary.Memberships.Remove != 2 {
		t.Errorf("removals = %d, want 2: %+v", rep.Summary.Memberships.Remove, rep.Operations)
	}
	if !slices.ContainsFunc(rep.Warnings, func(w string) bool {
		return strings.Contains(w, `"VPN users"`) && strings.Contains(w, "left the source")
	}) {
		t.Errorf("warnings %q, want one saying VPN users left the source", rep.Warnings)
	}
	for _, g := range h.sim.Snapshot().Groups {
		if g.Name == "VPN users" && len(g.Members) != 0 {
			t.Errorf("VPN users members after run: %v", g.Members)
		}
	}
	again, err := h.run(t, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Operations) != 0 {
		t.Errorf("second plan: %+v, want empty", again.Operations)
	}
}
