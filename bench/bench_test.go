package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oktasync/oktasync/internal/okta"
	"github.com/oktasync/oktasync/internal/oktasim"
)

func TestMain(m *testing.M) {
	// The harness starts its simulator by running its own executable;
	// under `go test` that is the test binary.
	if len(os.Args) == 3 && os.Args[1] == "-serve-sim" {
		if err := serveSim(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, "bench simulator:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestAnalyse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		spec    Spec
		changes Changes
		minimum Minimum
	}{
		{
			name:    "initial load",
			spec:    Spec{Users: 1000, Groups: 10, PerUser: 3, EmptyOrg: true},
			changes: Changes{UserCreates: 1000, UserActivations: 1000, GroupCreates: 10, MemberAddsWithCreate: 3000},
			// one empty search page, the creates and the activations
			// (each user is created STAGED, then activated) in users; one
			// group page (Everyone) and the group creates in groups. The
			// memberships go with the creates.
			minimum: Minimum{"users": 1 + 1000 + 1000, "groups": 1 + 10},
		},
		{
			name:    "initial load with passwords, 22 groups a user",
			spec:    Spec{Users: 100, Groups: 30, PerUser: 22, EmptyOrg: true, Passwords: true},
			changes: Changes{UserCreates: 100, GroupCreates: 30, MemberAddsWithCreate: 100 * 20, MemberAdds: 100 * 2},
			// created ACTIVE with their passwords: no activations; the
			// 21st and 22nd groups of each user are adds.
			minimum: Minimum{"users": 1 + 100, "groups": 1 + 30 + 200},
		},
		{
			name:    "apps",
			spec:    Spec{Users: 1000, Groups: 10, PerUser: 3, Apps: 250},
			changes: Changes{AppAssigns: 2500},
			// As steady, plus in apps: 2 pages of 200 apps, one empty
			// group page per app, one PUT per assignment.
			minimum: Minimum{"users": 5, "groups": 1 + 10, "apps": 2 + 250 + 2500},
		},
		{
			name:    "steady",
			spec:    Spec{Users: 1000, Groups: 10, PerUser: 3},
			changes: Changes{},
			// 5 user pages; one group page and one member page a group
			// (300 members each), both in groups.
			minimum: Minimum{"users": 5, "groups": 1 + 10},
		},
		{
			name: "1 % drift",
			spec: Spec{Users: 1000, Groups: 10, PerUser: 3, DriftPercent: 1},
			// 10 users of each kind: leavers lose all 3 memberships,
			// movers swap one group for another.
			changes: Changes{UserUpdates: 10, Deactivations: 10, MemberAdds: 10, MemberRemoves: 30 + 10},
			// Deactivations (lifecycle) in users, profile updates in
			// user-write, memberships with the member pages in groups.
			minimum: Minimum{"users": 5 + 10, "groups": 1 + 10 + 50, "user-write": 10},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, m := tt.spec.Analyse()
			if c != tt.changes {
				t.Errorf("changes = %+v, want %+v", c, tt.changes)
			}
			for _, b := range sortedKeys(unionKeys(m, tt.minimum)) {
				if m[b] != tt.minimum[b] {
					t.Errorf("minimum[%s] = %d, want %d", b, m[b], tt.minimum[b])
				}
			}
		})
	}
}

// TestBuckets checks the harness's bucket names against okta's table and
// the simulator's names, and where the calls the minimum counts fall.
func TestBuckets(t *testing.T) {
	t.Parallel()
	for _, r := range okta.Buckets() {
		if _, ok := shortNames[r.Name]; !ok {
			t.Errorf("okta bucket %q has no short name", r.Name)
		}
	}
	sim := map[string]bool{}
	for _, n := range oktasim.BucketNames() {
		sim[n] = true
		if _, ok := enterpriseLimits[n]; !ok {
			t.Errorf("simulator bucket %q has no Enterprise limit", n)
		}
	}
	for long, short := range shortNames {
		if !sim[short] {
			t.Errorf("okta bucket %q: short name %q is not a simulator bucket", long, short)
		}
	}
	for _, tt := range []struct {
		call call
		want string
	}{
		{callUserPage, "users"},
		{callUserCreate, "users"},
		{callDeactivate, "users"},
		{callUserUpdate, "user-write"},
		{callGroupPage, "groups"},
		{callGroupCreate, "groups"},
		{callMemberPage, "groups"},
		{callMemberAdd, "groups"},
		{callMemberRemove, "groups"},
		{call{"GET", "/api/v1/users/{id}"}, "user"},
		{call{"GET", "/api/v1/groups/{id}"}, "group"},
		{call{"GET", "/api/v1/meta/schemas/user/default"}, "other"},
	} {
		if got := tt.call.bucket(); got != tt.want {
			t.Errorf("%s %s: bucket %q, want %q", tt.call.method, tt.call.path, got, tt.want)
		}
	}
	// A route the simulator counted in another bucket is reported.
	byRoute := map[string]map[int]int{"PUT /api/v1/groups/{id}/users/{userId}": {204: 3}, "GET /api/v1/users": {200: 2}}
	if d := bucketDisagreements(byRoute, map[string]int{"groups": 3, "users": 2}); len(d) != 0 {
		t.Errorf("agreeing counts reported as disagreeing: %v", d)
	}
	if d := bucketDisagreements(byRoute, map[string]int{"group": 3, "users": 2}); len(d) != 2 {
		t.Errorf("member calls counted in group: disagreements %v, want 2 (group, groups)", d)
	}
}

func TestGroupsDistinct(t *testing.T) {
	t.Parallel()
	for _, s := range []Spec{{Users: 500, Groups: 6, PerUser: 3, DriftPercent: 1}, {Users: 500, Groups: 500, PerUser: 3, DriftPercent: 1}} {
		for i := range s.Users {
			for _, gs := range [][]int{s.groupsOf(i), s.orgGroups(i)} {
				seen := map[int]bool{}
				for _, g := range gs {
					if seen[g] || g < 0 || g >= s.Groups {
						t.Fatalf("spec %+v user %d: groups %v repeat or are out of range", s, i, gs)
					}
					seen[g] = true
				}
			}
		}
	}
}

// TestTinyScenarios runs small versions of the scenarios end to end with
// the built binary against a realistic simulator: each run must exit 0 with nothing failed and leave
// nothing for a second plan to do. It asserts correctness only; the
// harness measures speed.
func TestTinyScenarios(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the oktasync binary; skipped with -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin := filepath.Join(t.TempDir(), "oktasync")
	if err := buildBinary(ctx, bin); err != nil {
		t.Fatal(err)
	}
	h := &Harness{
		Bin: bin,
		// Fast enough that pacing hardly matters: the test is about
		// correctness.
		Pace:      Pace{Speedup: 600, Window: time.Second, TokenShare: 0.5, Concurrency: 75},
		Verify:    true,
		Realistic: true,
		Log:       t.Logf,
	}
	for _, tc := range []struct {
		sc   Scenario
		mode string
	}{
		{Scenario{Name: "initial", Spec: Spec{Users: 150, Groups: 8, PerUser: 3, EmptyOrg: true}}, headerToken},
		{Scenario{Name: "initial-pw", Spec: Spec{Users: 150, Groups: 24, PerUser: 22, EmptyOrg: true, Passwords: true}}, headerToken},
		{Scenario{Name: "drift", Spec: Spec{Users: 600, Groups: 12, PerUser: 3, DriftPercent: 1}}, headerToken},
		// The headers show the org's bucket, the token's share hidden.
		{Scenario{Name: "drift-org", Spec: Spec{Users: 600, Groups: 12, PerUser: 3, DriftPercent: 1}}, headerOrg},
		{Scenario{Name: "plan", Spec: Spec{Users: 300, Groups: 8, PerUser: 2, DriftPercent: 1}, PlanOnly: true}, headerToken},
		// search60k in small: a scope over the search cap.
		{Scenario{Name: "search", Spec: Spec{Users: 1000, Groups: 6, PerUser: 1, SearchCap: 400}, PlanOnly: true}, headerToken},
		// apps in small: 4 apps, each assigned to 10 groups.
		{Scenario{Name: "apps", Spec: Spec{Users: 40, Groups: 10, PerUser: 1, Apps: 4}}, headerToken},
	} {
		sc := tc.sc
		t.Run(sc.Name, func(t *testing.T) {
			h := *h
			h.Pace.HeaderMode = tc.mode
			res, err := h.Run(ctx, sc)
			if err != nil {
				t.Fatal(err)
			}
			want := res.Changes.Total()
			if res.ExitCode != 0 || res.Failed != 0 || res.PlannedOps != want {
				t.Errorf("exit %d, failed %d, planned %d operations; want exit 0, none failed, %d planned", res.ExitCode, res.Failed, res.PlannedOps, want)
			}
			if !sc.PlanOnly && (res.Applied != want || res.SecondPlanExit != 0) {
				t.Errorf("applied %d of %d; second plan exit %d, want 0 (nothing left to do)", res.Applied, want, res.SecondPlanExit)
			}
			// The second plan reads the org again: at least its minimum
			// reads (the minimum without writes).
			if !sc.PlanOnly && (res.SecondPlan == nil || res.SecondPlan.Calls < res.Minimum.Total()-res.Changes.Calls()) {
				t.Errorf("second plan cost %+v, want at least the %d reads", res.SecondPlan, res.Minimum.Total()-res.Changes.Calls())
			}
			if sc.PlanOnly && res.Writes != 0 {
				t.Errorf("a plan sent %d write requests", res.Writes)
			}
			// Over the cap, the users in scope cost their pages and
			// one page refused, which teaches oktasync the org's cap.
			if sc.Spec.SearchCap > 0 && (res.Calls["users"] != res.Minimum["users"]+1 || res.SearchCapRefusals != 1) {
				t.Errorf("users calls %d, %d refused past the cap; want %d pages and 1 refused", res.Calls["users"], res.SearchCapRefusals, res.Minimum["users"])
			}
			if want := h.Pace.ShownLimit(enterpriseLimits["users"]); res.HeaderLimit != want {
				t.Errorf("header mode %s: the simulator showed X-Rate-Limit-Limit %d for users, want %d", tc.mode, res.HeaderLimit, want)
			}
			if len(res.BucketMismatch) != 0 {
				t.Errorf("the simulator and okta's table place calls differently: %v", res.BucketMismatch)
			}
			// Every bucket the minimum names was called at least that
			// often (each call of the minimum is needed).
			for b, m := range res.Minimum {
				if res.Calls[b] < m {
					t.Errorf("bucket %s: %d calls, fewer than the minimum %d", b, res.Calls[b], m)
				}
			}
		})
	}
}

// TestTinyIncremental runs small versions of the incremental scenarios:
// the measured run must be incremental, apply every change with nothing
// failed and leave nothing for a second plan, and cost no more than its
// floor (changes plus the reads the deltas need) allows.
func TestTinyIncremental(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the oktasync binary; skipped with -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin := filepath.Join(t.TempDir(), "oktasync")
	if err := buildBinary(ctx, bin); err != nil {
		t.Fatal(err)
	}
	h := &Harness{Bin: bin, Pace: Pace{Speedup: 600, Window: time.Second, TokenShare: 0.5, Concurrency: 75, HeaderMode: headerToken},
		Verify: true, Realistic: true, Log: t.Logf}
	for _, sc := range []Scenario{
		{Name: "steady-incremental", Spec: Spec{Users: 2000, Groups: 10, PerUser: 3}, Incremental: true},
		{Name: "drift-incremental", Spec: Spec{Users: 2000, Groups: 10, PerUser: 3, DriftPercent: 1, SourceMoves: true}, Incremental: true, OutOfBandPermille: 1},
	} {
		t.Run(sc.Name, func(t *testing.T) {
			res, err := h.runIncremental(ctx, sc)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(res.Kind, "incremental") || res.ExitCode != 0 || res.Applied != res.Planned || res.SecondPlanExit != 0 {
				t.Errorf("measured run: %s, exit %d, applied %d of %d, second plan exit %d; want incremental, all applied, nothing left",
					res.Kind, res.ExitCode, res.Applied, res.Planned, res.SecondPlanExit)
			}
			if sc.Spec.DriftPercent > 0 && res.Planned < 2*sc.Spec.Users/100+res.OutOfBand {
				t.Errorf("planned %d operations, want the drift's and the %d admin changes' (at least %d)", res.Planned, res.OutOfBand, 2*sc.Spec.Users/100+res.OutOfBand)
			}
			if floor := res.Planned + res.Needed; res.Calls*100 > floor*105 {
				t.Errorf("%d calls, over 1.05 × the floor of %d (%d changes + %d reads)", res.Calls, floor, res.Planned, res.Needed)
			}
		})
	}
}
