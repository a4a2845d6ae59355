package apply

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oktasync/oktasync/internal/diff"
	"github.com/oktasync/oktasync/internal/directory"
	"github.com/oktasync/oktasync/internal/redact"
	"github.com/oktasync/oktasync/internal/state"
)

const testOrg = "example.okta.com"

var testNow = time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)

func testOptions() Options {
	return Options{Org: testOrg, RunID: 7, Now: func() time.Time { return testNow }}
}

// numbered gives ops Seq 1, 2, … in the order given.
func numbered(ops ...diff.Operation) *diff.Plan {
	for i := range ops {
		ops[i].Seq = i + 1
	}
	return &diff.Plan{Operations: ops}
}

func createUser(login string) diff.Operation {
	return diff.Operation{Action: diff.CreateUser, Login: login, Activate: true,
		Profile: directory.Profile{"login": login, "email": login, "firstName": "F", "lastName": "L"}}
}

func createGroup(name string) diff.Operation {
	return diff.Operation{Action: diff.CreateGroup, Group: name, Description: name + " people"}
}

func addMember(group, login string) diff.Operation {
	return diff.Operation{Action: diff.AddMember, Group: group, Login: login}
}

func statuses(res *Result) map[string]string {
	out := map[string]string{}
	for _, o := range res.Outcomes {
		out[fmt.Sprintf("%d %s %s", o.Seq, o.Action, o.Target)] = o.Status
	}
	return out
}

func TestExecuteCarriesOutEveryAction(t *testing.T) {
	t.Parallel()
	ev := &events{}
	api, cp := newFakeOkta(ev), newFakeCheckpoints(ev)
	bob := api.seedUser("bob@example.com", "ACTIVE")
	carol := api.seedUser("carol@example.com", "DEPROVISIONED")
	dave := api.seedUser("dave@example.com", "ACTIVE")
	erin := api.seedUser("erin@example.com", "DEPROVISIONED")
	frank := api.seedUser("frank@example.com", "SUSPENDED")
	ops := api.seedGroup("ops")
	old := api.seedGroup("old")
	api.mu.Lock()
	api.groups[ops].members[dave] = true
	api.mu.Unlock()

	plan := numbered(
		createGroup("eng"),
		diff.Operation{Action: diff.UpdateGroup, Group: "ops", GroupID: ops, Description: "Operations"},
		createUser("alice@example.com"),
		diff.Operation{Action: diff.UpdateUser, Login: "bob@example.com", UserID: bob, Profile: directory.Profile{"title": "Boss"}},
		diff.Operation{Action: diff.ReactivateUser, Login: "carol@example.com", UserID: carol, SendEmail: false},
		diff.Operation{Action: diff.UnsuspendUser, Login: "frank@example.com", UserID: frank},
		addMember("eng", "alice@example.com"),
		diff.Operation{Action: diff.AddMember, Group: "ops", GroupID: ops, Login: "bob@example.com", UserID: bob},
		diff.Operation{Action: diff.RemoveMember, Group: "ops", GroupID: ops, Login: "dave@example.com", UserID: dave},
		diff.Operation{Action: diff.DeactivateUser, Login: "dave@example.com", UserID: dave},
		diff.Operation{Action: diff.DeleteUser, Login: "erin@example.com", UserID: erin},
		diff.Operation{Action: diff.DeleteGroup, Group: "old", GroupID: old},
	)
	res, err := Execute(context.Background(), plan, api, cp, testOptions())
	if err != nil {
		t.Fatalf("Execute: %v", err)
	}
	if res.Applied != len(plan.Operations) || res.Failed != 0 || res.Skipped != 0 {
		t.Fatalf("applied %d failed %d skipped %d; outcomes %+v", res.Applied, res.Failed, res.Skipped, res.Outcomes)
	}
	for i, o := range res.Outcomes {
		if o.Seq != i+1 {
			t.Errorf("outcome %d has seq %d, want outcomes in seq order", i, o.Seq)
		}
		if o.OktaID == "" {
			t.Errorf("outcome %d (%s %s) has no Okta id", o.Seq, o.Action, o.Target)
		}
	}

	api.mu.Lock()
	aliceID := api.logins["alice@example.com"]
	got := map[string]string{}
	for id, u := range api.users {
		got[u.profile["login"].(string)] = u.status
		if id == bob && u.profile["title"] != "Boss" {
			t.Errorf("bob's title = %v, want Boss", u.profile["title"])
		}
	}
	_, oldLeft := api.groups[old]
	opsDesc := api.groups[ops].description
	api.mu.Unlock()
	want := map[string]string{
		"alice@example.com": "ACTIVE", "bob@example.com": "ACTIVE", "carol@example.com": "ACTIVE",
		"dave@example.com": "DEPROVISIONED", "frank@example.com": "ACTIVE",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("user statuses (-want +got):\n%s", d)
	}
	if res.Outcomes[2].OktaID != aliceID {
		t.Errorf("create-user outcome id %q, want %q", res.Outcomes[2].OktaID, aliceID)
	}
	if oldLeft || opsDesc != "Operations" {
		t.Errorf("group old still there: %t; ops description %q", oldLeft, opsDesc)
	}
	if d := cmp.Diff([]string{"alice@example.com"}, api.members("eng")); d != "" {
		t.Errorf("eng members (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"bob@example.com"}, api.members("ops")); d != "" {
		t.Errorf("ops members (-want +got):\n%s", d)
	}
	recs := cp.recordsBySeq()
	if len(recs) != len(plan.Operations) {
		t.Fatalf("%d checkpoints, want %d", len(recs), len(plan.Operations))
	}
	if r := recs[7]; r.Target != "eng/alice@example.com" || r.Outcome != state.OpApplied || r.RunID != 7 || !r.At.Equal(testNow) {
		t.Errorf("membership checkpoint = %+v", r)
	}
}

func TestExecuteDependencyOrder(t *testing.T) {
	t.Parallel()
	ev := &events{}
	api, cp := newFakeOkta(ev), newFakeCheckpoints(ev)
	bob := api.seedUser("bob@example.com", "DEPROVISIONED")
	// The membership comes first in the plan; it must still wait for both
	// creates. Bob's update must wait for his reactivation.
	plan := numbered(
		addMember("eng", "alice@example.com"),
		diff.Operation{Action: diff.ReactivateUser, Login: "bob@example.com", UserID: bob},
		diff.Operation{Action: diff.UpdateUser, Login: "bob@example.com", UserID: bob, Profile: directory.Profile{"title": "x"}},
		createGroup("eng"),
		createUser("alice@example.com"),
	)
	opts := testOptions()
	opts.Concurrency = 8
	res, err := Execute(context.Background(), plan, api, cp, opts)
	if err != nil || res.Applied != 5 {
		t.Fatalf("Execute: %v; result %+v", err, res)
	}
	before := []struct{ first, then string }{
		{"done CreateUser alice@example.com", "call AddMember eng/alice@example.com"},
		{"done CreateGroup eng", "call AddMember eng/alice@example.com"},
		{"done Lifecycle bob@example.com", "call UpdateUser bob@example.com"},
	}
	for _, b := range before {
		i, j := ev.index(b.first), ev.index(b.then)
		if i < 0 || j < 0 || i > j {
			t.Errorf("want %q before %q; events:\n%s", b.first, b.then, strings.Join(ev.all(), "\n"))
		}
	}
	if res.Outcomes[0].OktaID == "" {
		t.Errorf("membership outcome has no group id")
	}
}

func TestExecuteSkipsWhenDependencyFails(t *testing.T) {
	t.Parallel()
	ev := &events{}
	api, cp := newFakeOkta(ev), newFakeCheckpoints(ev)
	api.seedUser("alice@example.com", "ACTIVE") // the create will conflict
	api.fail["CreateGroup broken"] = errors.New("boom")
	plan := numbered(
		createUser("alice@example.com"),
		createGroup("eng"),
		createGroup("broken"),
		addMember("eng", "alice@example.com"),
		createUser("bob@example.com"),
		addMember("broken", "bob@example.com"),
		addMember("eng", "bob@example.com"),
		diff.Operation{Action: diff.UpdateUser, Login: "alice@example.com", Profile: directory.Profile{"title": "x"}},
	)
	res, err := Execute(context.Background(), plan, api, cp, testOptions())
	if err != nil {
		t.Fatalf("Execute: %v", err)
	}
	want := map[string]string{
		"1 create-user alice@example.com":     state.OpFailed,
		"2 create-group eng":                  state.OpApplied,
		"3 create-group broken":               state.OpFailed,
		"4 add-member eng/alice@example.com":  state.OpSkipped,
		"5 create-user bob@example.com":       state.OpApplied,
		"6 add-member broken/bob@example.com": state.OpSkipped,
		"7 add-member eng/bob@example.com":    state.OpApplied,
		"8 update-user alice@example.com":     state.OpSkipped,
	}
	if d := cmp.Diff(want, statuses(res)); d != "" {
		t.Errorf("outcomes (-want +got):\n%s", d)
	}
	if res.Applied != 3 || res.Failed != 2 || res.Skipped != 3 {
		t.Errorf("counts applied %d failed %d skipped %d", res.Applied, res.Failed, res.Skipped)
	}
	reasons := map[int]string{
		4: "dependency #1 create-user alice@example.com failed",
		6: "dependency #3 create-group broken failed",
		8: "dependency #1 create-user alice@example.com failed",
	}
	for seq, want := range reasons {
		o := res.Outcomes[seq-1]
		if o.Err == nil || o.Err.Error() != want {
			t.Errorf("seq %d reason %v, want %q", seq, o.Err, want)
		}
		if r := cp.recordsBySeq()[seq]; r.Error != want || r.Outcome != state.OpSkipped {
			t.Errorf("seq %d checkpoint %+v", seq, r)
		}
	}
	if !IsConflict(res.Outcomes[0].Err) {
		t.Errorf("create of an existing login: %v, want a conflict", res.Outcomes[0].Err)
	}
	// The conflicting login is not oktasync's: the intent is withdrawn.
	if ev.index(`disown example.okta.com alice@example.com`) < 0 {
		t.Errorf("ownership of the conflicting login not withdrawn; events:\n%s", strings.Join(ev.all(), "\n"))
	}
	if _, owned := cp.owned["alice@example.com"]; owned {
		t.Errorf("alice still recorded as owned")
	}
	if u, owned := cp.owned["bob@example.com"]; !owned || u.OktaID == "" {
		t.Errorf("bob's ownership = %+v, %t", u, owned)
	}
}

func TestExecuteConcurrencyBound(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1, 2, 5} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			t.Parallel()
			ev := &events{}
			api, cp := newFakeOkta(ev), newFakeCheckpoints(ev)
			// Every call waits until n are in flight, so the pool must
			// reach its bound (or a call fails at the barrier's deadline).
			api.barrier = n
			var ops []diff.Operation
			for i := range 40 {
				id := api.seedUser(fmt.Sprintf("u%d@example.com", i), "ACTIVE")
				ops = append(ops, diff.Operation{Action: diff.UpdateUser, Login: fmt.Sprintf("u%d@example.com", i), UserID: id,
					Profile: directory.Profile{"title": "x"}})
			}
			opts := testOptions()
			opts.Concurrency = n
			res, err := Execute(context.Background(), numbered(ops...), api, cp, opts)
			if err != nil {
				t.Fatalf("Execute: %v", err)
			}
			if res.Applied != 40 {
				t.Fatalf("applied %d of 40 operations; first failure: %v", res.Applied, firstFailure(res))
			}
			if api.maxTotal != n {
				t.Errorf("at most %d calls in flight, want exactly %d", api.maxTotal, n)
			}
		})
	}
}

// firstFailure returns the error of the first operation that failed, or
// nil.
func firstFailure(res *Result) error {
	for _, o := range res.Outcomes {
		if o.Err != nil {
			return o.Err
		}
	}
	return nil
}

// TestBarrierDeadline checks the guard TestExecuteConcurrencyBound relies
// on: a pool that cannot reach the barrier fails the calls held there with
// a message, rather than hanging.
func TestBarrierDeadline(t *testing.T) {
	t.Parallel()
	ev := &events{}
	api, cp := newFakeOkta(ev), newFakeCheckpoints(ev)
	api.barrier, api.barrierWait = 3, time.Millisecond
	var ops []diff.Operation
	for i := range 4 {
		login := fmt.Sprintf("u%d@example.com", i)
		ops = append(ops, diff.Operation{Action: diff.UpdateUser, Login: login, UserID: api.seedUser(login, "ACTIVE"),
			Profile: directory.Profile{"title": "x"}})
	}
	opts := testOptions()
	opts.Concurrency = 2 // never 3 in flight
	res, err := Execute(context.Background(), numbered(ops...), api, cp, opts)
	if err != nil {
		t.Fatalf("Execute: %v", err)
	}
	if got := firstFailure(res); got == nil || !strings.Contains(got.Error(), "barrier: 3 calls never came in flight at once") {
		t.Errorf("first failure %v, want the barrier's message; result %+v", got, res)
	}
}

func TestExecuteCancellation(t *testing.T) {
	t.Parallel()
	ev := &events{}
	api, cp := newFakeOkta(ev), newFakeCheckpoints(ev)
	gate := make(chan struct{})
	api.gates["CreateUser u0@example.com"] = gate
	api.entered = make(chan string, 1)
	var ops []diff.Operation
	for i := range 10 {
		ops = append(ops, createUser(fmt.Sprintf("u%d@example.com", i)))
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opts := testOptions()
	opts.Concurrency = 1
	type ret struct {
		res *Result
		err error
	}
	done := make(chan ret)
	go func() {
		res, err := Execute(ctx, numbered(ops...), api, cp, opts)
		done <- ret{res, err}
	}()
	<-api.entered // the first create is in flight
	cancel()
	close(gate) // it finishes after the cancellation, on a detached context
	r := <-done
	if !errors.Is(r.err, context.Canceled) {
		t.Fatalf("Execute error %v, want context.Canceled", r.err)
	}
	if r.res.Applied != 1 || r.res.Skipped != 9 || r.res.Failed != 0 {
		t.Fatalf("applied %d skipped %d failed %d", r.res.Applied, r.res.Skipped, r.res.Failed)
	}
	for _, o := range r.res.Outcomes[1:] {
		if o.Err == nil || o.Err.Error() != "cancelled" {
			t.Errorf("seq %d: %v, want cancelled", o.Seq, o.Err)
		}
	}
	recs := cp.recordsBySeq()
	if len(recs) != 10 || recs[1].Outcome != state.OpApplied || recs[10].Outcome != state.OpSkipped {
		t.Errorf("checkpoints after cancellation: %+v", recs)
	}
	if u := cp.owned["u0@example.com"]; u.OktaID == "" {
		t.Errorf("the create that finished after cancellation was not recorded as owned: %+v", u)
	}
}

func TestExecuteCancellationGraceRunsOut(t *testing.T) {
	t.Parallel()
	ev := &events{}
	api, cp := newFakeOkta(ev), newFakeCheckpoints(ev)
	api.gates["UpdateUser"] = make(chan struct{}) // never opens
	api.entered = make(chan string, 4)
	id := api.seedUser("bob@example.com", "ACTIVE")
	plan := numbered(
		diff.Operation{Action: diff.UpdateUser, Login: "bob@example.com", UserID: id, Profile: directory.Profile{"a": "b"}},
		diff.Operation{Action: diff.DeactivateUser, Login: "bob@example.com", UserID: id},
	)
	ctx, cancel := context.WithCancel(context.Background())
	opts := testOptions()
	opts.Grace = time.Nanosecond
	done := make(chan error)
	var res *Result
	go func() {
		var err error
		res, err = Execute(ctx, plan, api, cp, opts)
		done <- err
	}()
	<-api.entered
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Execute error %v, want context.Canceled", err)
	}
	want := map[string]string{"1 update-user bob@example.com": state.OpFailed, "2 deactivate-user bob@example.com": state.OpSkipped}
	if d := cmp.Diff(want, statuses(res)); d != "" {
		t.Errorf("outcomes (-want +got):\n%s", d)
	}
	if len(cp.recordsBySeq()) != 2 {
		t.Errorf("checkpoints: %+v", cp.recordsBySeq())
	}
}

func TestExecuteCheckpoints(t *testing.T) {
	t.Parallel()
	ev := &events{}
	api, cp := newFakeOkta(ev), newFakeCheckpoints(ev)
	dave := api.seedUser("dave@example.com", "ACTIVE")
	erin := api.seedUser("erin@example.com", "DEPROVISIONED")
	carol := api.seedUser("carol@example.com", "DEPROVISIONED")
	ops := []diff.Operation{
		createUser("alice@example.com"),
		diff.Operation{Action: diff.DeactivateUser, Login: "dave@example.com", UserID: dave},
		diff.Operation{Action: diff.DeleteUser, Login: "erin@example.com", UserID: erin},
		diff.Operation{Action: diff.ReactivateUser, Login: "carol@example.com", UserID: carol},
	}
	// Enough more operations for several batches.
	for i := range 250 {
		id := api.seedUser(fmt.Sprintf("u%d@example.com", i), "ACTIVE")
		ops = append(ops, diff.Operation{Action: diff.UpdateUser, Login: fmt.Sprintf("u%d@example.com", i), UserID: id,
			Profile: directory.Profile{"title": "x"}})
	}
	plan := numbered(ops...)
	res, err := Execute(context.Background(), plan, api, cp, testOptions())
	if err != nil || res.Applied != len(ops) {
		t.Fatalf("Execute: %v; %+v", err, res)
	}
	order := []string{
		`own example.okta.com alice@example.com ""`,
		`call CreateUser alice@example.com`,
		`done CreateUser alice@example.com`,
		fmt.Sprintf(`own example.okta.com alice@example.com %q`, res.Outcomes[0].OktaID),
		`record 1 alice@example.com applied`,
	}
	last := -1
	for _, e := range order {
		i := ev.index(e)
		if i <= last {
			t.Fatalf("event %q at %d, want it after %d; events:\n%s", e, i, last, strings.Join(ev.all()[:20], "\n"))
		}
		last = i
	}
	for _, pair := range [][2]string{
		{"done Lifecycle dave@example.com", "deactivated example.okta.com dave@example.com zero=false"},
		{"done DeleteUser erin@example.com", "disown example.okta.com erin@example.com"},
		{"done Lifecycle carol@example.com", "deactivated example.okta.com carol@example.com zero=true"},
	} {
		i, j := ev.index(pair[0]), ev.index(pair[1])
		if i < 0 || j < i {
			t.Errorf("want %q after %q", pair[1], pair[0])
		}
	}
	if got := cp.owned["alice@example.com"]; got.OktaID != res.Outcomes[0].OktaID || !got.CreatedAt.Equal(testNow) {
		t.Errorf("alice owned as %+v", got)
	}
	total := 0
	for _, b := range cp.batches {
		if b < 1 || b > maxBatch {
			t.Errorf("batch of %d records", b)
		}
		total += b
	}
	if total != len(ops) || len(cp.recordsBySeq()) != len(ops) {
		t.Errorf("%d records in %d batches, want %d", total, len(cp.batches), len(ops))
	}
}

func TestExecuteRefusesBlockedPlan(t *testing.T) {
	t.Parallel()
	ev := &events{}
	api, cp := newFakeOkta(ev), newFakeCheckpoints(ev)
	plan := numbered(createUser("alice@example.com"))
	plan.Blocked = true
	plan.Blocks = []diff.Block{{Rule: "safety.maxDeactivations", Count: 10, Limit: 5, Message: "too many"}}
	res, err := Execute(context.Background(), plan, api, cp, testOptions())
	var be *BlockedError
	if !errors.As(err, &be) || !errors.Is(err, ErrBlocked) || len(be.Blocks) != 1 {
		t.Fatalf("Execute error %v, want a *BlockedError", err)
	}
	if !strings.Contains(err.Error(), "safety.maxDeactivations") {
		t.Errorf("error %q does not name the rule", err)
	}
	if res == nil || res.Applied+res.Failed+res.Skipped != 0 {
		t.Errorf("result %+v, want an empty result", res)
	}
	if len(ev.all()) != 0 {
		t.Errorf("a blocked plan touched something: %v", ev.all())
	}
}

func TestExecuteStopsWhenOwnershipCannotBeRecorded(t *testing.T) {
	t.Parallel()
	ev := &events{}
	api, cp := newFakeOkta(ev), newFakeCheckpoints(ev)
	cp.failAddOwned = errors.New("disk full")
	plan := numbered(createUser("alice@example.com"), createUser("bob@example.com"), createUser("carol@example.com"))
	opts := testOptions()
	opts.Concurrency = 1
	res, err := Execute(context.Background(), plan, api, cp, opts)
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Execute error %v, want the checkpoint error", err)
	}
	if res.Skipped != 3 {
		t.Errorf("skipped %d, want all 3: %+v", res.Skipped, res.Outcomes)
	}
	if i := ev.index("call CreateUser alice@example.com"); i >= 0 {
		t.Errorf("a create was sent without its ownership recorded")
	}
	if len(cp.recordsBySeq()) != 3 {
		t.Errorf("outcomes not all checkpointed: %+v", cp.recordsBySeq())
	}
}

func TestExecuteReturnsRecordError(t *testing.T) {
	t.Parallel()
	ev := &events{}
	api, cp := newFakeOkta(ev), newFakeCheckpoints(ev)
	cp.failRecord = errors.New("database is locked")
	var ops []diff.Operation
	for i := range 20 {
		ops = append(ops, createGroup(fmt.Sprintf("g%d", i)))
	}
	res, err := Execute(context.Background(), numbered(ops...), api, cp, testOptions())
	if err == nil || !strings.Contains(err.Error(), "database is locked") {
		t.Fatalf("Execute error %v, want the checkpoint error", err)
	}
	if len(res.Outcomes) != 20 || res.Applied+res.Failed+res.Skipped != 20 {
		t.Errorf("result does not account for every operation: %+v", res)
	}
}

func TestExecuteNeverShowsPasswords(t *testing.T) {
	t.Parallel()
	const secret = "Tr0ub4dor&3-secret"
	ev := &events{}
	api, cp := newFakeOkta(ev), newFakeCheckpoints(ev)
	api.fail["CreateUser alice@example.com"] = fmt.Errorf("password %s: %w", secret, &conflictError{login: "alice@example.com"})
	op := createUser("alice@example.com")
	op.Password = secret
	var logs strings.Builder
	opts := testOptions()
	opts.Logger = slogText(&logs)
	res, err := Execute(context.Background(), numbered(op), api, cp, opts)
	if err != nil {
		t.Fatalf("Execute: %v", err)
	}
	o := res.Outcomes[0]
	if o.Status != state.OpFailed || strings.Contains(o.Err.Error(), secret) {
		t.Errorf("outcome %s: %v", o.Status, o.Err)
	}
	if !strings.Contains(o.Err.Error(), redact.Mask) || !IsConflict(o.Err) {
		t.Errorf("redacted error %q lost its meaning", o.Err)
	}
	if cp.hasSecret(secret) || strings.Contains(logs.String(), secret) {
		t.Errorf("the password reached a checkpoint or the log")
	}
	if !strings.Contains(logs.String(), "create-user") {
		t.Errorf("no debug record of the operation in the log:\n%s", logs.String())
	}
}

func TestExecuteMissingIDs(t *testing.T) {
	t.Parallel()
	ev := &events{}
	api, cp := newFakeOkta(ev), newFakeCheckpoints(ev)
	plan := numbered(
		diff.Operation{Action: diff.UpdateUser, Login: "ghost@example.com", Profile: directory.Profile{"a": "b"}},
		diff.Operation{Action: diff.DeleteGroup, Group: "ghosts"},
		diff.Operation{Action: diff.Action(99), Login: "x"},
	)
	res, err := Execute(context.Background(), plan, api, cp, testOptions())
	if err != nil || res.Failed != 3 {
		t.Fatalf("Execute: %v; %+v", err, res)
	}
	if !errors.Is(res.Outcomes[0].Err, errNoUserID) || !errors.Is(res.Outcomes[1].Err, errNoGroupID) {
		t.Errorf("errors %v / %v", res.Outcomes[0].Err, res.Outcomes[1].Err)
	}
}

func TestExecuteProgressAndEmptyPlans(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		plan *diff.Plan
		want int
	}{
		{"empty", &diff.Plan{}, 0},
		{"three", numbered(createGroup("a"), createGroup("b"), createGroup("c")), 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ev := &events{}
			var seen []int
			opts := testOptions()
			opts.Progress = func(done, total int) {
				if total != tt.want {
					t.Errorf("progress total %d, want %d", total, tt.want)
				}
				seen = append(seen, done)
			}
			res, err := Execute(context.Background(), tt.plan, newFakeOkta(ev), newFakeCheckpoints(ev), opts)
			if err != nil || res.Applied != tt.want {
				t.Fatalf("Execute: %v; %+v", err, res)
			}
			for i, d := range seen {
				if d != i+1 {
					t.Errorf("progress %v, want 1..%d", seen, tt.want)
					break
				}
			}
			if len(seen) != tt.want {
				t.Errorf("progress called %d times, want %d", len(seen), tt.want)
			}
		})
	}
}

func TestExecuteRejectsBadPlans(t *testing.T) {
	t.Parallel()
	dup := &diff.Plan{Operations: []diff.Operation{createGroup("a"), createGroup("b")}}
	dup.Operations[0].Seq, dup.Operations[1].Seq = 3, 3
	for name, plan := range map[string]*diff.Plan{"nil": nil, "duplicate seq": dup} {
		ev := &events{}
		res, err := Execute(context.Background(), plan, newFakeOkta(ev), newFakeCheckpoints(ev), testOptions())
		if err == nil || res == nil || len(ev.all()) != 0 {
			t.Errorf("%s: error %v, result %v, events %v", name, err, res, ev.all())
		}
	}
}

func TestExecuteFailsADependencyCycle(t *testing.T) {
	t.Parallel()
	ev := &events{}
	api, cp := newFakeOkta(ev), newFakeCheckpoints(ev)
	gid := api.seedGroup("eng")
	// A membership before a delete of its user, whose login the plan then
	// creates again: each waits for another.
	plan := numbered(
		diff.Operation{Action: diff.AddMember, Group: "eng", GroupID: gid, Login: "alice@example.com"},
		diff.Operation{Action: diff.DeleteUser, Login: "alice@example.com", UserID: "00u1"},
		createUser("alice@example.com"),
		createGroup("other"),
	)
	res, err := Execute(context.Background(), plan, api, cp, testOptions())
	if err != nil {
		t.Fatalf("Execute: %v", err)
	}
	if res.Failed != 3 || res.Applied != 1 || len(cp.recordsBySeq()) != 4 {
		t.Errorf("result %+v", res)
	}
}

// Deletes wait for the earlier memberships of their user or group, but a
// failed membership does not stop them.
func TestExecuteDeletesWaitForMemberships(t *testing.T) {
	t.Parallel()
	ev := &events{}
	api, cp := newFakeOkta(ev), newFakeCheckpoints(ev)
	ops, old := api.seedGroup("ops"), api.seedGroup("old")
	erin := api.seedUser("erin@example.com", "DEPROVISIONED")
	bob := api.seedUser("bob@example.com", "ACTIVE")
	api.fail["RemoveMember old/bob@example.com"] = errors.New("boom")
	plan := numbered(
		diff.Operation{Action: diff.RemoveMember, Group: "ops", GroupID: ops, Login: "erin@example.com", UserID: erin},
		diff.Operation{Action: diff.RemoveMember, Group: "old", GroupID: old, Login: "bob@example.com", UserID: bob},
		diff.Operation{Action: diff.DeleteUser, Login: "erin@example.com", UserID: erin},
		diff.Operation{Action: diff.DeleteGroup, Group: "old", GroupID: old},
	)
	opts := testOptions()
	opts.Concurrency = 8
	res, err := Execute(context.Background(), plan, api, cp, opts)
	if err != nil {
		t.Fatalf("Execute: %v", err)
	}
	want := map[string]string{
		"1 remove-member ops/erin@example.com": state.OpApplied,
		"2 remove-member old/bob@example.com":  state.OpFailed,
		"3 delete-user erin@example.com":       state.OpApplied,
		"4 delete-group old":                   state.OpApplied,
	}
	if d := cmp.Diff(want, statuses(res)); d != "" {
		t.Errorf("outcomes (-want +got):\n%s", d)
	}
	for _, pair := range [][2]string{
		{"done RemoveMember ops/erin@example.com", "call DeleteUser erin@example.com"},
		{"done RemoveMember old/bob@example.com", "call DeleteGroup old"},
	} {
		if i, j := ev.index(pair[0]), ev.index(pair[1]); i < 0 || j < i {
			t.Errorf("want %q before %q", pair[0], pair[1])
		}
	}
}

// Memberships marked WithCreate go with their user's create: the create
// waits for the groups the plan creates and sends their ids with those of
// existing groups; each such membership is then applied with no call. A
// group that could not be created leaves the user created without it and
// its membership skipped.
func TestExecuteMembershipsWithCreate(t *testing.T) {
	t.Parallel()
	ev := &events{}
	api, cp := newFakeOkta(ev), newFakeCheckpoints(ev)
	ops := api.seedGroup("ops")
	api.fail["CreateGroup broken"] = errors.New("boom")
	with := func(op diff.Operation) diff.Operation { op.WithCreate = true; return op }
	existing := diff.Operation{Action: diff.AddMember, Group: "ops", GroupID: ops, Login: "alice@example.com"}
	plan := numbered(
		createGroup("broken"),
		createGroup("eng"),
		createUser("alice@example.com"),
		createUser("bob@example.com"),
		with(addMember("broken", "alice@example.com")),
		with(addMember("eng", "alice@example.com")),
		with(existing),
		addMember("eng", "bob@example.com"),
	)
	res, err := Execute(context.Background(), plan, api, cp, testOptions())
	if err != nil {
		t.Fatalf("Execute: %v", err)
	}
	want := map[string]string{
		"1 create-group broken":                 state.OpFailed,
		"2 create-group eng":                    state.OpApplied,
		"3 create-user alice@example.com":       state.OpApplied,
		"4 create-user bob@example.com":         state.OpApplied,
		"5 add-member broken/alice@example.com": state.OpSkipped,
		"6 add-member eng/alice@example.com":    state.OpApplied,
		"7 add-member ops/alice@example.com":    state.OpApplied,
		"8 add-member eng/bob@example.com":      state.OpApplied,
	}
	if diff := cmp.Diff(want, statuses(res)); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	if got := api.members("eng"); !cmp.Equal(got, []string{"alice@example.com", "bob@example.com"}) {
		t.Errorf("eng members %v", got)
	}
	if got := api.members("ops"); !cmp.Equal(got, []string{"alice@example.com"}) {
		t.Errorf("ops members %v", got)
	}
	for _, e := range ev.all() {
		if strings.HasPrefix(e, "call AddMember") && strings.Contains(e, "alice") {
			t.Errorf("alice's membership added by its own call: %s", e)
		}
	}
	if ev.index("done CreateGroup eng") > ev.index("call CreateUser alice@example.com") {
		t.Errorf("alice created before the group its create names: %v", ev.all())
	}
	if o := res.Outcomes[6]; o.OktaID != ops {
		t.Errorf("membership applied with id %q, want the group's %s", o.OktaID, ops)
	}
}
