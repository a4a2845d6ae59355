package reconcile

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oktasync/oktasync/internal/config"
	"github.com/oktasync/oktasync/internal/diff"
	"github.com/oktasync/oktasync/internal/okta"
	"github.com/oktasync/oktasync/internal/oktasim"
)

// adminToken is a second token of the simulated org: an admin's changes
// made with it spend nothing of oktasync's share.
const adminToken = "reconcile-test-admin-token-3c9"

// simClock is the simulated org's clock, moved by the test.
type simClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *simClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *simClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// world is the property test's state: the source (as rows) and an admin's
// client of the org.
type world struct {
	t     *testing.T
	h     *harness
	rng   *rand.Rand
	admin *okta.Client
	// rows holds the source's users by login: first name and groups.
	rows   map[string]srcRow
	events []string
	n      int
}

type srcRow struct {
	first  string
	groups []string
}

const (
	poolUsers  = 24
	poolGroups = 4
)

func login(i int) string { return fmt.Sprintf("u%02d@example.com", i) }
func group(i int) string { return fmt.Sprintf("Team%d", i) }

func (w *world) writeSource() {
	var b strings.Builder
	b.WriteString(header)
	logins := make([]string, 0, len(w.rows))
	for l := range w.rows {
		logins = append(logins, l)
	}
	slices.Sort(logins)
	for _, l := range logins {
		r := w.rows[l]
		fmt.Fprintf(&b, "%s,%s,%s,L,hr,%s\n", l, l, r.first, strings.Join(r.groups, ";"))
	}
	w.h.writeCSV(w.t, b.String())
}

func (w *world) randomGroups() []string {
	var gs []string
	for i := range poolGroups {
		if w.rng.IntN(3) == 0 {
			gs = append(gs, group(i))
		}
	}
	return gs
}

// sourceChange makes one random change to the source.
func (w *world) sourceChange() {
	l := login(w.rng.IntN(poolUsers))
	r, ok := w.rows[l]
	switch k := w.rng.IntN(4); {
	case !ok:
		w.rows[l] = srcRow{first: "F", groups: w.randomGroups()}
		w.events = append(w.events, "source adds "+l)
	case k == 0:
		delete(w.rows, l)
		w.events = append(w.events, "source drops "+l)
	case k == 1:
		w.n++
		r.first = fmt.Sprintf("S%d", w.n)
		w.rows[l] = r
		w.events = append(w.events, "source renames "+l)
	default:
		r.groups = w.randomGroups()
		w.rows[l] = r
		w.events = append(w.events, fmt.Sprintf("source moves %s to %v", l, r.groups))
	}
}

// oktaChange makes one random change in Okta, as an admin would, with the
// admin's token.
func (w *world) oktaChange(ctx context.Context) {
	snap := w.h.sim.Snapshot()
	var users []oktasim.SnapshotUser
	for _, u := range snap.Users {
		users = append(users, u)
	}
	var groups []oktasim.SnapshotGroup
	for _, g := range snap.Groups {
		if g.Type == "OKTA_GROUP" {
			groups = append(groups, g)
		}
	}
	if len(users) == 0 || len(groups) == 0 {
		return
	}
	u := users[w.rng.IntN(len(users))]
	g := groups[w.rng.IntN(len(groups))]
	w.n++
	var err error
	what := ""
	switch w.rng.IntN(9) {
	case 0:
		what = "admin edits " + u.Profile["login"].(string)
		p := map[string]any{"firstName": fmt.Sprintf("A%d", w.n)}
		_, _, err = w.admin.Users.Update(ctx, u.ID, p)
		if okta.IsNotFound(err) || isCode(err, "E0000007") {
			err = nil // a DEPROVISIONED user's profile
		}
	case 1:
		what = "admin takes " + u.Profile["login"].(string) + " out of scope"
		_, _, err = w.admin.Users.Update(ctx, u.ID, map[string]any{"employeeType": "contractor"})
		if okta.IsNotFound(err) || isCode(err, "E0000007") {
			err = nil
		}
	case 2:
		what = "admin adds " + u.Profile["login"].(string) + " to " + g.Name
		_, err = w.admin.Groups.AddMember(ctx, g.ID, u.ID)
	case 3:
		if len(g.Members) == 0 {
			return
		}
		m := g.Members[w.rng.IntN(len(g.Members))]
		what = "admin removes " + m + " from " + g.Name
		for _, x := range users {
			if strings.EqualFold(x.Profile["login"].(string), m) {
				_, err = w.admin.Groups.RemoveMember(ctx, g.ID, x.ID)
			}
		}
	case 4:
		what = "admin deactivates " + u.Profile["login"].(string)
		_, err = w.admin.Users.Deactivate(ctx, u.ID)
	case 5:
		what = "admin deletes " + u.Profile["login"].(string)
		if u.Status != "DEPROVISIONED" {
			if _, err = w.admin.Users.Deactivate(ctx, u.ID); err != nil {
				break
			}
		}
		_, err = w.admin.Users.Delete(ctx, u.ID)
	case 6:
		what = "admin renames " + g.Name
		_, _, err = w.admin.Groups.Update(ctx, g.ID, okta.GroupProfile{Name: g.Name + fmt.Sprintf("-old%d", w.n), Description: g.Description})
	case 7:
		what = "admin deletes group " + g.Name
		_, err = w.admin.Groups.Delete(ctx, g.ID)
	case 8:
		l := fmt.Sprintf("oob%d@example.com", w.n)
		what = "admin creates " + l
		_, _, err = w.admin.Users.Create(ctx, okta.CreateUserRequest{Profile: map[string]any{
			"login": l, "email": l, "firstName": "O", "lastName": "B", "employeeType": "hr"}}, true)
	}
	if err != nil && !okta.IsNotFound(err) {
		w.t.Fatalf("%s: %v", what, err)
	}
	w.events = append(w.events, what)
}

func isCode(err error, code string) bool {
	return err != nil && strings.Contains(err.Error(), code)
}

// plan makes a dry-run plan, full or incremental as the runner decides
// (full when full is set).
func (w *world) plan(ctx context.Context, full bool) (*Planned, *diff.Plan) {
	w.t.Helper()
	p, err := w.h.runner(w.t).Plan(ctx, Options{DryRun: true, Full: full})
	if err != nil {
		w.t.Fatalf("plan (full %v) after %v: %v", full, w.events, err)
	}
	p.Close()
	return p, p.Plan
}

// Over random sequences of source changes and an admin's changes in Okta,
// every incremental plan is the plan a full run makes of the same state,
// and once it is applied a full plan is empty.
func TestIncrementalPlanIsFullPlan(t *testing.T) {
	seeds := []uint64{1, 2, 3, 4, 5, 6}
	steps := 10
	if testing.Short() {
		seeds, steps = seeds[:2], 6
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel()
			checkIncrementalSequence(t, seed, steps)
		})
	}
}

func checkIncrementalSequence(t *testing.T, seed uint64, steps int) {
	ctx := context.Background()
	clock := &simClock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	rng := rand.New(rand.NewPCG(seed, 7))
	var seedUsers []oktasim.SeedUser
	for i := range poolUsers / 2 {
		seedUsers = append(seedUsers, hrUser(login(i), group(i%poolGroups)))
	}
	h := newHarness(t, oktasim.Options{Tokens: []string{adminToken}, Now: clock.now, RateLimit: oktasim.RateLimitOptions{Disabled: true}}, oktasim.Seed{Users: seedUsers}, header)
	h.set.Incremental = Incremental{Enabled: true}
	h.policy.Safety.MaxDeactivations = diff.Limit{Count: 1000}
	h.policy.Safety.MaxMembershipRemovals = diff.Limit{Count: 1000}
	admin, err := okta.NewClient(h.url, okta.WithToken(adminToken), okta.WithInsecureHTTP(), okta.WithMaxRetries(config.DefaultMaxRetries))
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, h: h, rng: rng, admin: admin, rows: make(map[string]srcRow)}
	for i := range poolUsers * 2 / 3 {
		w.rows[login(i)] = srcRow{first: "F", groups: w.randomGroups()}
	}
	w.writeSource()
	if rep, err := h.runner(t).Run(ctx, Options{}); err != nil || rep.Kind.Incremental {
		t.Fatalf("first run: kind %v, %v", rep.Kind, err)
	}
	incremental := 0
	for step := range steps {
		w.events = w.events[:0]
		for range rng.IntN(3) {
			w.sourceChange()
		}
		w.writeSource()
		for range rng.IntN(3) {
			w.oktaChange(ctx)
		}
		clock.advance(10 * time.Minute)

		inc, incPlan := w.plan(ctx, false)
		_, fullPlan := w.plan(ctx, true)
		if inc.Report().Kind.Incremental {
			incremental++
		}
		t.Logf("step %d: %s, %d operations, events %v", step, inc.Report().Kind, len(fullPlan.Operations), w.events)
		if d := cmp.Diff(fullPlan.Operations, incPlan.Operations); d != "" {
			t.Fatalf("step %d (%s) after %v: incremental plan differs from the full plan (-full +incremental):\n%s",
				step, inc.Report().Kind, w.events, d)
		}
		if d := cmp.Diff(fullPlan.Held, incPlan.Held); d != "" {
			t.Fatalf("step %d after %v: held operations differ (-full +incremental):\n%s", step, w.events, d)
		}
		if fullPlan.Blocked != incPlan.Blocked {
			t.Fatalf("step %d after %v: blocked full %v, incremental %v", step, w.events, fullPlan.Blocked, incPlan.Blocked)
		}
		rep, err := h.runner(t).Run(ctx, Options{})
		if err != nil {
			t.Fatalf("step %d run after %v: %v", step, w.events, err)
		}
		if _, after := w.plan(ctx, true); len(after.Operations) != 0 {
			t.Fatalf("step %d: after the %s applied %d operations, a full plan still has %d: %v (events %v)",
				step, rep.Kind, rep.Applied, len(after.Operations), after.Operations, w.events)
		}
		clock.advance(10 * time.Minute)
	}
	if incremental == 0 {
		t.Errorf("no plan of %d steps was incremental", steps)
	}
}
