package apply_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oktasync/oktasync/internal/apply"
	"github.com/oktasync/oktasync/internal/diff"
	"github.com/oktasync/oktasync/internal/directory"
	"github.com/oktasync/oktasync/internal/okta"
	"github.com/oktasync/oktasync/internal/oktasim"
	"github.com/oktasync/oktasync/internal/state"
)

// simClock is the clock of a simulated org and of apply: apply's waits
// move it, so that time passes for the org without the test sleeping.
type simClock struct {
	mu sync.Mutex
	t  time.Time
}

func newSimClock() *simClock { return &simClock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)} }

func (c *simClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *simClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return nil
}

// discard is a Checkpoints that keeps nothing.
type discard struct{}

func (discard) RecordOperations(context.Context, []state.OpRecord) error         { return nil }
func (discard) AddOwned(context.Context, string, []state.OwnedUser) error        { return nil }
func (discard) MarkDeactivated(context.Context, string, string, time.Time) error { return nil }
func (discard) RemoveOwned(context.Context, string, string) error                { return nil }

// simOrg is a seeded simulated org and a client of it that does not retry
// (so that only apply's own waits count).
type simOrg struct {
	sim    *oktasim.Server
	client *okta.Client
	ids    map[string]string // login -> id
}

func newSimOrg(t *testing.T, o oktasim.Options, users ...oktasim.SeedUser) *simOrg {
	t.Helper()
	const token = "test-token-lifecycle"
	o.Tokens = []string{token}
	o.RateLimit.Disabled = true
	sim, err := oktasim.New(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.Seed(oktasim.Seed{Users: users}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	client, err := okta.NewClient(srv.URL, okta.WithToken(token), okta.WithInsecureHTTP(), okta.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	org := &simOrg{sim: sim, client: client, ids: map[string]string{}}
	for _, u := range sim.Snapshot().Users {
		org.ids[u.Profile["login"].(string)] = u.ID
	}
	return org
}

// op returns an operation on an existing user.
func (o *simOrg) op(a diff.Action, login string, profile directory.Profile) diff.Operation {
	return diff.Operation{Action: a, Login: login, UserID: o.ids[login], Profile: profile}
}

// users returns the org's users by login.
func (o *simOrg) users() map[string]oktasim.SnapshotUser {
	out := map[string]oktasim.SnapshotUser{}
	for _, u := range o.sim.Snapshot().Users {
		out[u.Profile["login"].(string)] = u
	}
	return out
}

// inOrder gives ops Seq 1, 2, … in the order given.
func inOrder(ops ...diff.Operation) *diff.Plan {
	for i := range ops {
		ops[i].Seq = i + 1
	}
	return &diff.Plan{Operations: ops}
}

func outcomes(res *apply.Result) map[int]string {
	out := map[int]string{}
	for _, o := range res.Outcomes {
		out[o.Seq] = o.Status
	}
	return out
}

// TestExecuteUserOrderAndIndependence applies, to an org that refuses
// updates of deactivated profiles, a rehire (reactivated, then updated), a
// leaver whose profile another system masters, and a user whose update
// fails: the failed and mastered updates hold back neither the suspension
// nor the deactivation that follow them.
func TestExecuteUserOrderAndIndependence(t *testing.T) {
	t.Parallel()
	org := newSimOrg(t, oktasim.Options{RefuseDeprovisionedUpdates: true},
		oktasim.SeedUser{Profile: person("carol@example.com"), Status: "DEPROVISIONED"},
		oktasim.SeedUser{Profile: person("ad@example.com"), ProfileMaster: "ActiveDirectory"},
		oktasim.SeedUser{Profile: person("bob@example.com")},
	)
	// In the order diff plans them: activations, updates, suspensions,
	// deactivations.
	plan := inOrder(
		org.op(diff.ReactivateUser, "carol@example.com", nil),
		org.op(diff.UpdateUser, "ad@example.com", directory.Profile{"title": "Gone"}),
		org.op(diff.UpdateUser, "bob@example.com", directory.Profile{"notInTheSchema": "x"}),
		org.op(diff.UpdateUser, "carol@example.com", directory.Profile{"title": "Back"}),
		org.op(diff.SuspendUser, "bob@example.com", nil),
		org.op(diff.DeactivateUser, "ad@example.com", nil),
	)
	res, err := apply.Execute(context.Background(), plan, apply.Client(org.client), discard{}, apply.Options{Org: "sim", Concurrency: 2})
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]string{1: state.OpApplied, 2: state.OpMastered, 3: state.OpFailed, 4: state.OpApplied, 5: state.OpApplied, 6: state.OpApplied}
	if d := cmp.Diff(want, outcomes(res)); d != "" {
		t.Errorf("outcomes by seq (-want +got):\n%s\n%+v", d, res.Outcomes)
	}
	if res.Failed != 1 || res.Mastered != 1 || res.Skipped != 0 || res.Applied != 4 {
		t.Errorf("counts: applied %d, failed %d, skipped %d, mastered %d; want 4, 1, 0, 1", res.Applied, res.Failed, res.Skipped, res.Mastered)
	}
	if err := res.Outcomes[1].Err; !errors.Is(err, apply.ErrMastered) || !okta.IsProfileMastered(err) {
		t.Errorf("mastered update: %v", err)
	}
	users := org.users()
	if u := users["carol@example.com"]; u.Status != "ACTIVE" || u.Profile["title"] != "Back" {
		t.Errorf("rehire: %s, title %v; want ACTIVE, Back", u.Status, u.Profile["title"])
	}
	if u := users["bob@example.com"]; u.Status != "SUSPENDED" {
		t.Errorf("bob: %s, want SUSPENDED", u.Status)
	}
	if u := users["ad@example.com"]; u.Status != "DEPROVISIONED" || u.Profile["title"] != nil {
		t.Errorf("mastered leaver: %s, title %v; want DEPROVISIONED, no title", u.Status, u.Profile["title"])
	}
}

// TestExecuteWaitsForLifecycleInFlight applies a rehire to an org whose
// lifecycle changes take two minutes: the update, refused with 409
// E0000112 while the reactivation settles, is tried again until it goes
// through.
func TestExecuteWaitsForLifecycleInFlight(t *testing.T) {
	t.Parallel()
	clock := newSimClock()
	org := newSimOrg(t, oktasim.Options{Now: clock.Now, LifecycleDelay: 2 * time.Minute, RefuseDeprovisionedUpdates: true},
		oktasim.SeedUser{Profile: person("carol@example.com"), Status: "DEPROVISIONED"},
	)
	plan := inOrder(
		org.op(diff.ReactivateUser, "carol@example.com", nil),
		org.op(diff.UpdateUser, "carol@example.com", directory.Profile{"title": "Back"}),
	)
	start := clock.Now()
	res, err := apply.Execute(context.Background(), plan, apply.Client(org.client), discard{},
		apply.Options{Org: "sim", Now: clock.Now, Sleep: clock.Sleep})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(map[int]string{1: state.OpApplied, 2: state.OpApplied}, outcomes(res)); d != "" {
		t.Fatalf("outcomes by seq (-want +got):\n%s\n%+v", d, res.Outcomes)
	}
	if waited := clock.Now().Sub(start); waited < 2*time.Minute || waited > apply.DefaultPendingWait {
		t.Errorf("waited %v on the org's clock, want between its lifecycle delay and the pending wait", waited)
	}
	if refused := org.sim.Stats().ByRoute["POST /api/v1/users/{id}"][409]; refused == 0 {
		t.Errorf("the update was never refused while the reactivation settled; the test shows nothing")
	}
	if u := org.users()["carol@example.com"]; u.Status != "ACTIVE" || u.Profile["title"] != "Back" {
		t.Errorf("rehire: %s, title %v; want ACTIVE, Back", u.Status, u.Profile["title"])
	}
}

// TestExecuteLeavesLongLifecycleChangesPending applies operations on users
// whose lifecycle changes outlast apply's pending wait: they end pending,
// not failed, and so does what waits for them.
func TestExecuteLeavesLongLifecycleChangesPending(t *testing.T) {
	t.Parallel()
	clock := newSimClock()
	org := newSimOrg(t, oktasim.Options{Now: clock.Now, LifecycleDelay: 10 * time.Minute},
		oktasim.SeedUser{Profile: person("carol@example.com"), Status: "DEPROVISIONED"},
		oktasim.SeedUser{Profile: person("eve@example.com"), Status: "STAGED"},
	)
	ctx := context.Background()
	// Eve's activation is already in flight when the run starts.
	if _, err := org.client.Users.Activate(ctx, org.ids["eve@example.com"], false); err != nil {
		t.Fatal(err)
	}
	plan := inOrder(
		org.op(diff.ActivateUser, "eve@example.com", nil),
		org.op(diff.ReactivateUser, "carol@example.com", nil),
		org.op(diff.UpdateUser, "carol@example.com", directory.Profile{"title": "Back"}),
		org.op(diff.UpdateUser, "eve@example.com", directory.Profile{"title": "New"}),
	)
	start := clock.Now()
	res, err := apply.Execute(ctx, plan, apply.Client(org.client), discard{},
		apply.Options{Org: "sim", Now: clock.Now, Sleep: clock.Sleep})
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]string{1: state.OpPending, 2: state.OpApplied, 3: state.OpPending, 4: state.OpPending}
	if d := cmp.Diff(want, outcomes(res)); d != "" {
		t.Fatalf("outcomes by seq (-want +got):\n%s\n%+v", d, res.Outcomes)
	}
	if res.Pending != 3 || res.Failed != 0 || res.Skipped != 0 {
		t.Errorf("counts: pending %d, failed %d, skipped %d; want 3, 0, 0", res.Pending, res.Failed, res.Skipped)
	}
	if !errors.Is(res.Outcomes[2].Err, apply.ErrPending) {
		t.Errorf("carol's update: %v, want ErrPending", res.Outcomes[2].Err)
	}
	if waited := clock.Now().Sub(start); waited > 2*apply.DefaultPendingWait {
		t.Errorf("waited %v on the org's clock, beyond the pending wait", waited)
	}
	if tries := org.sim.Stats().ByRoute["POST /api/v1/users/{id}"][409]; tries < 2 {
		t.Errorf("carol's update was tried %d times, want it tried again while waiting", tries)
	}
}

// TestExecuteStopsWaitingWhenCancelled cancels a run while an operation
// waits for a user's status to settle: the wait ends at once and the
// operation is pending.
func TestExecuteStopsWaitingWhenCancelled(t *testing.T) {
	t.Parallel()
	clock := newSimClock()
	org := newSimOrg(t, oktasim.Options{Now: clock.Now, LifecycleDelay: 10 * time.Minute},
		oktasim.SeedUser{Profile: person("eve@example.com"), Status: "STAGED"},
	)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := org.client.Users.Activate(ctx, org.ids["eve@example.com"], false); err != nil {
		t.Fatal(err)
	}
	waits := 0
	sleep := func(ctx context.Context, d time.Duration) error {
		waits++
		cancel()
		return ctx.Err()
	}
	plan := inOrder(org.op(diff.UpdateUser, "eve@example.com", directory.Profile{"title": "New"}))
	res, err := apply.Execute(ctx, plan, apply.Client(org.client), discard{},
		apply.Options{Org: "sim", Now: clock.Now, Sleep: sleep})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Execute: %v, want cancelled", err)
	}
	if waits != 1 || res.Pending != 1 {
		t.Errorf("%d waits, %d pending; want 1, 1 (%+v)", waits, res.Pending, res.Outcomes)
	}
}
