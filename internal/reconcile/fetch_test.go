package reconcile

import (
	"fmt"
	"strings"
	"testing"

	"github.com/oktasync/oktasync/internal/oktasim"
)

// A scope larger than what Okta serves from one search listing is read
// whole, with no page read twice: the simulator's cap is 400 results, the
// scope 1,300 users, one of them changed in the source.
func TestScopeOverSearchCap(t *testing.T) {
	const n, searchCap = 1300, 400
	var (
		seed oktasim.Seed
		csv  strings.Builder
	)
	csv.WriteString(header)
	for i := range n {
		login := fmt.Sprintf("u%04d@example.com", i)
		seed.Users = append(seed.Users, hrUser(login))
		first := "F"
		if i == n-1 {
			first = "Changed"
		}
		fmt.Fprintf(&csv, "%s,%s,%s,L,hr,\n", login, login, first)
	}
	h := newHarness(t, oktasim.Options{SearchCap: searchCap, RateLimit: oktasim.RateLimitOptions{Disabled: true}}, seed, csv.String())

	_, cur := h.fetch(t)
	if len(cur.InScope) != n {
		t.Fatalf("%d users in scope, want %d", len(cur.InScope), n)
	}
	// ceil(1300/200) = 7 pages, and one page refused past the cap, which
	// tells the reader the org's cap is lower than Okta's 50,000. No
	// source user is missing, so there is no login look-up.
	st := h.sim.Stats().ByRoute["GET /api/v1/users"]
	if st[200] != 7 || st[400] != 1 {
		t.Errorf("user reads: %d pages and %d refused, want 7 and 1", st[200], st[400])
	}

	rep, err := h.run(t, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Operations) != 1 || rep.Summary.Users.Update != 1 || rep.Failed != 0 {
		t.Fatalf("plan %+v (failed %d), want the one update", rep.Summary.Users, rep.Failed)
	}
	h.wantEmptyPlan(t)
}

// With Okta's case-sensitive filter values, a source user outside the
// scope whose Okta login differs in case only is found, not created again;
// a login spelt as in Okta and a new one are handled as before.
func TestLoginLookupIgnoresCase(t *testing.T) {
	outside := func(login string) oktasim.SeedUser {
		return oktasim.SeedUser{Profile: map[string]any{"login": login, "email": "x@example.com", "firstName": "C", "lastName": "On", "employeeType": "contractor"}}
	}
	h := newHarness(t, oktasim.Options{CaseSensitiveFilter: true}, oktasim.Seed{
		Users: []oktasim.SeedUser{hrUser("a@example.com"), outside("Ana.Ng@x.com"), outside("same@x.com")},
	}, header+
		"a@example.com,a@example.com,F,L,hr,\n"+
		"ana.ng@x.com,ana.ng@x.com,Ana,Ng,hr,\n"+
		"same@x.com,same@x.com,S,Ame,hr,\n"+
		"new@x.com,new@x.com,N,Ew,hr,\n")

	rep, err := h.run(t, false)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed != 0 || rep.Summary.Users.Create != 1 {
		t.Fatalf("failed %d, users %+v: want only new@x.com created", rep.Failed, rep.Summary.Users)
	}
	if st := h.sim.Stats(); st.UsersCreated != 1 || st.DuplicateCreateAttempts != 0 {
		t.Errorf("creates: %d, duplicates: %d", st.UsersCreated, st.DuplicateCreateAttempts)
	}
	h.wantEmptyPlan(t)
}

// wantEmptyPlan fails t unless a dry run now plans nothing.
func (h *harness) wantEmptyPlan(t *testing.T) {
	t.Helper()
	rep, err := h.run(t, true)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Plan.HasChanges() {
		t.Fatalf("second plan has %d operations: %+v", len(rep.Operations), rep.Operations)
	}
}
