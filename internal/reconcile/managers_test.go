package reconcile

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/oktasync/oktasync/internal/config"
	"github.com/oktasync/oktasync/internal/oktasim"
)

// linkTraffic counts the simulator's requests to users' links since the
// last reset: reads (GET) and writes (PUT, DELETE).
func linkTraffic(sim *oktasim.Server) (reads, writes int) {
	for route, byStatus := range sim.Stats().ByRoute {
		if !strings.Contains(route, "/api/v1/users/{id}/linkedObjects/") {
			continue
		}
		for _, n := range byStatus {
			if strings.HasPrefix(route, "GET ") {
				reads += n
			} else {
				writes += n
			}
		}
	}
	return reads, writes
}

// managerCSV writes n users, user i managed by user (i-1)/5, except those
// in moved, managed by user 1.
func managerCSV(n int, moved map[int]bool) string {
	var b strings.Builder
	b.WriteString("login,email,firstName,lastName,employeeType,manager\n")
	for i := range n {
		manager := ""
		switch {
		case moved[i]:
			manager = "u1@example.com"
		case i > 0:
			manager = fmt.Sprintf("u%d@example.com", (i-1)/5)
		}
		fmt.Fprintf(&b, "u%d@example.com,u%d@example.com,F,L,hr,%s\n", i, i, manager)
	}
	return b.String()
}

// A run reads a user's link from Okta only when the source asks for a
// manager other than the one recorded: every existing user on the first
// run, none on the next, and on a later run only the users whose manager
// changed in the source; and it reads them by manager (the reports of
// each) when that takes fewer calls. The figures are logged.
func TestManagerLinkReads(t *testing.T) {
	t.Parallel()
	const n, existing = 500, 400
	seed := oktasim.Seed{LinkDefinitions: []oktasim.LinkDefinition{{Primary: "manager", Associated: "directReports"}}}
	for i := range existing {
		l := fmt.Sprintf("u%d@example.com", i)
		seed.Users = append(seed.Users, oktasim.SeedUser{Profile: map[string]any{"login": l, "email": l, "firstName": "F", "lastName": "L", "employeeType": "hr"}})
	}
	// Users 1-49 already have the manager the source gives them, user 50
	// another one.
	for i := 1; i <= 50; i++ {
		m := (i - 1) / 5
		if i == 50 {
			m = 0
		}
		seed.Links = append(seed.Links, oktasim.SeedLink{Relationship: "manager",
			User: fmt.Sprintf("u%d@example.com", i), Primary: fmt.Sprintf("u%d@example.com", m)})
	}
	// Roomy buckets: the test counts calls; pacing is the bench's business.
	roomy := oktasim.RateLimitOptions{Limits: map[string]int{"users": 100000, "user": 100000, "user-write": 100000}}
	h := newHarness(t, oktasim.Options{RateLimit: roomy}, seed, managerCSV(n, nil))
	h.mapping.Manager = config.ManagerMapping{From: "manager"}
	h.set.Links = &LinkSettings{Primary: "manager", Associated: "directReports", By: "login"}

	step := func(name string, wantReads, wantWrites int) {
		t.Helper()
		h.sim.ResetStats()
		rep, err := h.runner(t).Run(context.Background(), Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		reads, writes := linkTraffic(h.sim)
		t.Logf("%s: %d users, %d link reads, %d link writes, plan %+v", name, n, reads, writes, rep.Summary.Managers)
		if reads != wantReads || writes != wantWrites {
			t.Errorf("%s: %d link reads and %d writes, want %d and %d", name, reads, writes, wantReads, wantWrites)
		}
	}
	// The first run checks the 399 existing users that have a manager, by
	// reading the reports of their 80 managers; 49 are right already.
	step("first run", 80, n-1-49)
	step("second run", 0, 0)
	moved := map[int]bool{}
	for i := 100; i < 125; i++ {
		moved[i] = true
	}
	h.writeCSV(t, managerCSV(n, moved))
	// The 25 moved to one manager: one read of that manager's reports.
	step("after 25 managers changed", 1, 25)
	step("fourth run", 0, 0)
}

// With mapping.manager.by, a cell holding an employee number resolves among
// the source's users, and a manager outside the scope is searched in Okta.
func TestManagersByEmployeeNumber(t *testing.T) {
	t.Parallel()
	seed := oktasim.Seed{
		LinkDefinitions: []oktasim.LinkDefinition{{Primary: "manager", Associated: "directReports"}},
		Users: []oktasim.SeedUser{{Profile: map[string]any{"login": "ceo@example.com", "email": "ceo@example.com",
			"firstName": "C", "lastName": "E", "employeeType": "board", "employeeNumber": "1"}}},
	}
	csv := "login,email,firstName,lastName,employeeType,employeeNumber,manager\n" +
		"vp@example.com,vp@example.com,V,P,hr,2,1\n" +
		"dev@example.com,dev@example.com,D,V,hr,3,2\n" +
		"lost@example.com,lost@example.com,L,O,hr,4,77\n"
	h := newHarness(t, oktasim.Options{}, seed, csv)
	h.mapping.Manager = config.ManagerMapping{From: "manager", By: "employeeNumber"}
	h.set.Links = &LinkSettings{Primary: "manager", Associated: "directReports", By: "employeeNumber"}
	rep, err := h.runner(t).Run(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range h.sim.Snapshot().Links {
		got = append(got, l.User+">"+l.Primary)
	}
	want := "dev@example.com>vp@example.com vp@example.com>ceo@example.com"
	if strings.Join(got, " ") != want {
		t.Errorf("links = %v, want %s", got, want)
	}
	if len(rep.Warnings) != 1 || !strings.Contains(rep.Warnings[0], `no user in the source or Okta has employeeNumber "77"`) {
		t.Errorf("warnings = %q, want one about employeeNumber 77", rep.Warnings)
	}
}
