package reconcile

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/oktasync/oktasync/internal/diff"
	"github.com/oktasync/oktasync/internal/oktasim"
	"github.com/oktasync/oktasync/internal/state"
)

// A first load sends each new user's groups with its create (groupIds):
// one call per user puts it in its groups, whether they existed or the
// run created them first; no membership is added on its own, every
// membership is checkpointed as applied, and a second run plans nothing.
func TestInitialLoadMembershipsTravelWithCreates(t *testing.T) {
	const n = 30
	groups := []string{"Old-A", "Old-B", "New-C", "New-D"}
	var csv strings.Builder
	csv.WriteString(header)
	for i := range n {
		mine := []string{groups[i%4], groups[(i+1)%4], groups[(i+2)%4]}
		login := fmt.Sprintf("u%02d@example.com", i)
		fmt.Fprintf(&csv, "%s,%s,F,L,hr,%s\n", login, login, strings.Join(mine, ";"))
	}
	h := newHarness(t, oktasim.Options{}, oktasim.Seed{Groups: []oktasim.SeedGroup{{Name: "Old-A"}, {Name: "Old-B"}}}, csv.String())
	h.policy.CreateActive = false // one call per user: no activation after a STAGED create

	rep, err := h.run(t, false)
	if err != nil {
		t.Fatal(err)
	}
	if s := rep.Plan.Summary.Memberships; s.Add != 3*n || s.WithCreate != 3*n {
		t.Errorf("plan memberships %+v, want %d adds, all with their creates", s, 3*n)
	}
	st := h.sim.Stats()
	for route, want := range map[string]int{
		"POST /api/v1/users":                     n,
		"POST /api/v1/groups":                    2,
		"PUT /api/v1/groups/{id}/users/{userId}": 0,
	} {
		if got := st.ByRoute[route][200] + st.ByRoute[route][204]; got != want {
			t.Errorf("%s: %d calls, want %d (all routes: %v)", route, got, want, st.ByRoute)
		}
	}
	if st.Writes != n+2 {
		t.Errorf("%d writes, want %d: one per user and per new group", st.Writes, n+2)
	}

	for _, u := range h.sim.Snapshot().Users {
		if len(u.Groups) != 4 || !slices.Contains(u.Groups, "Everyone") {
			t.Errorf("%s is in %v, want Everyone and 3 groups", u.Profile["login"], u.Groups)
		}
	}

	store, err := state.Open(context.Background(), "sqlite://"+filepath.Join(h.dir, "state.db"), state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	recs, err := store.Operations(context.Background(), rep.RunID)
	if err != nil {
		t.Fatal(err)
	}
	adds := 0
	for _, r := range recs {
		if r.Action == diff.AddMember.String() {
			adds++
			if r.Outcome != state.OpApplied || !strings.HasPrefix(r.OktaID, "00g") {
				t.Errorf("membership %s: outcome %s, id %q; want applied with the group's id", r.Target, r.Outcome, r.OktaID)
			}
		}
	}
	if adds != 3*n {
		t.Errorf("%d membership checkpoints, want %d", adds, 3*n)
	}
	h.wantEmptyPlan(t)
}
