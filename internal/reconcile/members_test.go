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

// The members of a managed group are read into the same set however they
// are matched with the source's: gathered and matched in one walk, or a
// look-up per member after Okta's group outgrew the gathering (three member
// pages of 200, the gathering given up at the second). Among them: a source
// user whose Okta login differs in case, a source user the source group
// does not list, and 300 members outside the scope, whose removals need
// their ids.
func TestMembersMatchedWithSource(t *testing.T) {
	var (
		seed oktasim.Seed
		csv  strings.Builder
	)
	csv.WriteString(header)
	for i := range 150 {
		login := fmt.Sprintf("u%03d@example.com", i)
		okLogin := login
		if i == 0 {
			okLogin = "U000@Example.com"
		}
		seed.Users = append(seed.Users, hrUser(okLogin, "Team"))
		fmt.Fprintf(&csv, "%s,%s,F,L,hr,Team\n", login, login)
	}
	seed.Users = append(seed.Users, hrUser("moved@example.com", "Team"))
	csv.WriteString("moved@example.com,moved@example.com,F,L,hr,\n")
	for i := range 300 {
		seed.Users = append(seed.Users, oktasim.SeedUser{
			Profile: map[string]any{"login": fmt.Sprintf("x%03d@other.com", i), "email": "x@other.com", "firstName": "X", "lastName": "Y", "employeeType": "contractor"},
			Groups:  []string{"Team"},
		})
	}
	for _, limit := range []int{maxGathered, 150} {
		t.Run(fmt.Sprint("gatherLimit=", limit), func(t *testing.T) {
			h := newHarness(t, oktasim.Options{MaxPageSize: 200, RateLimit: oktasim.RateLimitOptions{Disabled: true}}, seed, csv.String())
			h.policy.Safety.MaxMembershipRemovals = diff.Limit{Count: 1000}
			desired, err := h.source().Read(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			r := newOktaReader(h.client(t), desired, h.set.Scope, nil, nil, nil)
			r.gatherLimit = limit
			cur, err := r.read(context.Background(), slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			if pages := h.sim.Stats().ByRoute["GET /api/v1/groups/{id}/users"][200]; pages != 3 {
				t.Errorf("%d member pages read, want 3", pages)
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
			if m := rep.Summary.Memberships; m.Add != 0 || m.Remove != 301 || rep.Failed != 0 {
				t.Fatalf("memberships %+v (failed %d), want 301 removals", m, rep.Failed)
			}
			h.wantEmptyPlan(t)
		})
	}
}
