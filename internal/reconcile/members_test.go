package reconcile

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/oktasync/oktasync/internal/diff"
	"github.com/oktasync/oktasync/internal/oktasim"
)

// The members of a managed group, read in three pages of 200, are found
// in the source group's index or else looked up among the source's users.
// Among them: a source user whose Okta login differs in case, a source user
// the source group does not list, and 300 members outside the scope, whose
// removals need their ids.
func TestMembersMatchedWithSource(t *testing.T) {
	var (
		seed oktasim.Seed
		csv  strings.Builder
	)
	csv.WriteString(header)
	for i := range 150 {
		login := fmt.Sprintf("u%03d@example.com", i)
		okLogin := login
		groups := []string{"Team"}
		switch i {
		case 0:
			okLogin = "U000@Example.com"
		case 1:
			groups = append(groups, "Other")
		}
		seed.Users = append(seed.Users, hrUser(okLogin, groups...))
		fmt.Fprintf(&csv, "%s,%s,F,L,hr,Team\n", login, login)
	}
	seed.Users = append(seed.Users, hrUser("moved@example.com", "Team"))
	csv.WriteString("moved@example.com,moved@example.com,F,L,hr,\n")
	for i := range 300 {
		groups := []string{"Team"}
		if i < 10 {
			groups = append(groups, "Other")
		}
		seed.Users = append(seed.Users, oktasim.SeedUser{
			Profile: map[string]any{"login": fmt.Sprintf("x%03d@other.com", i), "email": "x@other.com", "firstName": "X", "lastName": "Y", "employeeType": "contractor"},
			Groups:  groups,
		})
	}
	for _, protect := range []bool{false, true} {
		t.Run(fmt.Sprint("protected=", protect), func(t *testing.T) {
			h := newHarness(t, oktasim.Options{MaxPageSize: 200, RateLimit: oktasim.RateLimitOptions{Disabled: true}}, seed, csv.String())
			h.policy.Safety.MaxMembershipRemovals = diff.Limit{Count: 1000}
			desired, err := h.source().Read(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			var protected []string
			wantPages := 3
			if protect {
				// A protected group's members are read too: "Other" is
				// not in the source, so it has no index.
				protected = []string{"Other"}
				h.policy.ProtectGroups = protected
				wantPages++
			}
			r := newOktaReader(h.client(t), desired, h.set.Scope, protected, nil, nil)
			cur, err := r.read(context.Background(), slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			if pages := h.sim.Stats().ByRoute["GET /api/v1/groups/{id}/users"][200]; pages != wantPages {
				t.Errorf("%d member pages read, want %d", pages, wantPages)
			}
			if other := cur.Dir.Members["other"]; protect && (other.Len() != 11 || !other.Has("u001@example.com") || !other.Has("x009@other.com")) {
				t.Errorf("protected group's members read: %v", other.Keys())
			}
			got := cur.Dir.Members["team"]
			if got.Len() != 451 {
				t.Errorf("%d members read, want 451", got.Len())
			}
			for _, k := range []string{"u000@example.com", "u149@example.com", "moved@example.com", "x000@other.com", "x299@other.com"} {
				if !got.Has(k) {
					t.Errorf("member %s not read", k)
				}
			}
			if u := cur.Dir.Users["x123@other.com"]; u == nil || u.ID == "" || u.Login() != "x123@other.com" {
				t.Errorf("member outside the scope kept as %+v", u)
			}
			rep, err := h.run(t, false)
			if err != nil {
				t.Fatal(err)
			}
			// The members of a protected group keep every membership.
			wantRemovals := 301
			if protect {
				wantRemovals -= 10
			}
			if m := rep.Summary.Memberships; m.Add != 0 || m.Remove != wantRemovals || rep.Failed != 0 {
				t.Fatalf("memberships %+v (failed %d), want %d removals", m, rep.Failed, wantRemovals)
			}
			h.wantEmptyPlan(t)
		})
	}
}
