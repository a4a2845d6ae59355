package statetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/oktasync/oktasync/internal/state"
)

// Opener opens a Store for a test, with opts (the suite sets Clock) plus
// whatever the implementation needs (a schema, AutoMigrate). The first
// call for a given t opens a fresh, empty, migrated database private to t;
// each later call with the same t opens another, independent Store on that
// same database, as a second process would. The opener closes what it
// opens when t ends.
type Opener func(t *testing.T, opts state.Options) state.Store

// RunStoreSuite runs the shared Store behaviour tests as subtests of t,
// in parallel, each on its own database.
func RunStoreSuite(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, open Opener)
	}{
		{"RunsLifecycle", testRunsLifecycle},
		{"RunsListing", testRunsListing},
		{"InterruptedMarking", testInterruptedMarking},
		{"OperationsOrder", testOperationsOrder},
		{"OperationsRecordedAgain", testOperationsRecordedAgain},
		{"OperationsUnknownRun", testOperationsUnknownRun},
		{"OwnedUsers", testOwnedUsers},
		{"OwnedUsersPerOrg", testOwnedUsersPerOrg},
		{"ConcurrentRecordOperations", testConcurrentRecordOperations},
		{"SharedDatabase", testSharedDatabase},
		{"RateShares", testRateShares},
		{"ManagedGroups", testManagedGroups},
		{"ManagerLinks", testManagerLinks},
		{"AppAssignments", testAppAssignments},
		{"LeaverSuspensions", testLeaverSuspensions},
		{"LockExclusion", testLockExclusion},
		{"LockWaitGetsLock", testLockWaitGetsLock},
		{"LockWaitTimesOut", testLockWaitTimesOut},
		{"LockCancelledWait", testLockCancelledWait},
		{"UnlockTwice", testUnlockTwice},
		{"CloseReleasesLock", testCloseReleasesLock},
		{"RunPages", testRunPages},
		{"UserOperations", testUserOperations},
		{"HeldPlans", testHeldPlans},
		{"HeldPlanApprovalOnce", testHeldPlanApprovalOnce},
		{"Pauses", testPauses},
		{"SyncState", testSyncState},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open)
		})
	}
}

const (
	orgA = "a.okta.example"
	orgB = "b.okta.example"
)

// ts is a fixed instant with microsecond precision, which every store
// keeps exactly.
var ts = time.Date(2026, 11, 29, 9, 30, 15, 123456000, time.UTC)

// cmpTimes compares times by instant, whatever their location.
var cmpTimes = cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })

func mustBegin(t *testing.T, s state.Store, r state.Run) int64 {
	t.Helper()
	id, err := s.BeginRun(t.Context(), r)
	if err != nil {
		t.Fatalf("BeginRun(%s): %v", r.Org, err)
	}
	if id <= 0 {
		t.Fatalf("BeginRun(%s) = id %d, want > 0", r.Org, id)
	}
	return id
}

func mustRuns(t *testing.T, s state.Store, org string, limit int) []state.Run {
	t.Helper()
	runs, err := s.Runs(t.Context(), org, limit)
	if err != nil {
		t.Fatalf("Runs(%q, %d): %v", org, limit, err)
	}
	return runs
}

func runByID(t *testing.T, s state.Store, id int64) state.Run {
	t.Helper()
	for _, r := range mustRuns(t, s, "", 0) {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("run %d not listed", id)
	return state.Run{}
}

func testRunsLifecycle(t *testing.T, open Opener) {
	s := open(t, state.Options{})
	ctx := t.Context()
	before := time.Now().Add(-time.Second)
	id := mustBegin(t, s, state.Run{
		Org: orgA, DryRun: true, Status: state.RunSucceeded, StartedAt: ts,
		Counts: map[string]int{"users.create": 3}, ConfigDigest: "sha256:abc",
	})

	got := runByID(t, s, id)
	want := state.Run{
		ID: id, Org: orgA, DryRun: true, Status: state.RunRunning, StartedAt: ts,
		Counts: map[string]int{"users.create": 3}, ConfigDigest: "sha256:abc",
	}
	if d := cmp.Diff(want, got, cmpTimes, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("run after BeginRun (-want +got):\n%s", d)
	}

	counts := map[string]int{"users.create": 3, "applied": 2, "failed": 1}
	if err := s.FinishRun(ctx, id, state.RunPartial, counts, "1 operation failed"); err != nil {
		t.Fatalf("FinishRun: %v", err)
	}
	got = runByID(t, s, id)
	if got.FinishedAt.IsZero() || got.FinishedAt.Before(before) {
		t.Errorf("FinishedAt = %v, want a time after %v", got.FinishedAt, before)
	}
	want.Status, want.Counts, want.Error, want.FinishedAt = state.RunPartial, counts, "1 operation failed", got.FinishedAt
	if d := cmp.Diff(want, got, cmpTimes, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("run after FinishRun (-want +got):\n%s", d)
	}

	// A zero StartedAt means now.
	id2 := mustBegin(t, s, state.Run{Org: orgA})
	if r := runByID(t, s, id2); r.StartedAt.Before(before) {
		t.Errorf("StartedAt of a run begun without one = %v, want about now", r.StartedAt)
	}

	if err := s.FinishRun(ctx, id2+1000, state.RunSucceeded, nil, ""); err == nil {
		t.Errorf("FinishRun of an unknown run: no error")
	}
}

func testRunsListing(t *testing.T, open Opener) {
	s := open(t, state.Options{})
	a1 := mustBegin(t, s, state.Run{Org: orgA, StartedAt: ts})
	b1 := mustBegin(t, s, state.Run{Org: orgB, StartedAt: ts})
	a2 := mustBegin(t, s, state.Run{Org: orgA, StartedAt: ts})
	a3 := mustBegin(t, s, state.Run{Org: orgA, StartedAt: ts})

	ids := func(runs []state.Run) []int64 {
		var out []int64
		for _, r := range runs {
			out = append(out, r.ID)
		}
		return out
	}
	tests := []struct {
		org   string
		limit int
		want  []int64
	}{
		{orgA, 0, []int64{a3, a2, a1}},
		{orgA, 2, []int64{a3, a2}},
		{orgB, 10, []int64{b1}},
		{"", 0, []int64{a3, a2, b1, a1}},
		{"", 1, []int64{a3}},
		{"none.okta.example", 0, nil},
	}
	for _, tc := range tests {
		got := ids(mustRuns(t, s, tc.org, tc.limit))
		if d := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); d != "" {
			t.Errorf("Runs(%q, %d) ids (-want +got):\n%s", tc.org, tc.limit, d)
		}
	}
}

func testInterruptedMarking(t *testing.T, open Opener) {
	s := open(t, state.Options{})
	ctx := t.Context()
	done := mustBegin(t, s, state.Run{Org: orgA, StartedAt: ts})
	if err := s.FinishRun(ctx, done, state.RunSucceeded, nil, ""); err != nil {
		t.Fatalf("FinishRun: %v", err)
	}
	dead := mustBegin(t, s, state.Run{Org: orgA, StartedAt: ts})
	other := mustBegin(t, s, state.Run{Org: orgB, StartedAt: ts})
	next := mustBegin(t, s, state.Run{Org: orgA, StartedAt: ts})

	want := map[int64]string{
		done:  state.RunSucceeded,
		dead:  state.RunInterrupted,
		other: state.RunRunning,
		next:  state.RunRunning,
	}
	for id, status := range want {
		r := runByID(t, s, id)
		if r.Status != status {
			t.Errorf("run %d status = %q, want %q", id, r.Status, status)
		}
		if status == state.RunInterrupted && r.Error == "" {
			t.Errorf("interrupted run %d has no error saying why", id)
		}
	}
}

func ops(runID int64, seqs ...int) []state.OpRecord {
	var out []state.OpRecord
	for _, seq := range seqs {
		out = append(out, state.OpRecord{
			RunID: runID, Seq: seq, Action: "create-user",
			Target: fmt.Sprintf("user%03d@example.com", seq), Outcome: state.OpApplied,
			OktaID: fmt.Sprintf("00u%03d", seq), At: ts.Add(time.Duration(seq) * time.Second),
		})
	}
	return out
}

func mustOps(t *testing.T, s state.Store, runID int64) []state.OpRecord {
	t.Helper()
	got, err := s.Operations(t.Context(), runID)
	if err != nil {
		t.Fatalf("Operations(%d): %v", runID, err)
	}
	return got
}

func testOperationsOrder(t *testing.T, open Opener) {
	s := open(t, state.Options{})
	ctx := t.Context()
	id := mustBegin(t, s, state.Run{Org: orgA, StartedAt: ts})
	other := mustBegin(t, s, state.Run{Org: orgB, StartedAt: ts})

	batches := [][]state.OpRecord{ops(id, 5, 3), ops(id, 1), ops(id, 4, 2, 0), nil}
	batches[2][1].Outcome, batches[2][1].Error, batches[2][1].OktaID = state.OpFailed, "E0000001: Api validation failed: login", ""
	batches[2][2].Outcome = state.OpSkipped
	for _, b := range batches {
		if err := s.RecordOperations(ctx, b); err != nil {
			t.Fatalf("RecordOperations: %v", err)
		}
	}
	if err := s.RecordOperations(ctx, ops(other, 0)); err != nil {
		t.Fatalf("RecordOperations: %v", err)
	}

	want := []state.OpRecord{batches[2][2], batches[1][0], batches[2][1], batches[0][1], batches[2][0], batches[0][0]}
	if d := cmp.Diff(want, mustOps(t, s, id), cmpTimes); d != "" {
		t.Errorf("Operations (-want +got):\n%s", d)
	}
	if got := mustOps(t, s, other); len(got) != 1 {
		t.Errorf("Operations of the other run = %d records, want 1", len(got))
	}
	if got := mustOps(t, s, id+other+1000); len(got) != 0 {
		t.Errorf("Operations of an unknown run = %v, want none", got)
	}
}

func testOperationsRecordedAgain(t *testing.T, open Opener) {
	s := open(t, state.Options{})
	ctx := t.Context()
	id := mustBegin(t, s, state.Run{Org: orgA, StartedAt: ts})
	first := ops(id, 1)
	first[0].Outcome, first[0].OktaID = state.OpSkipped, ""
	again := ops(id, 1)
	for _, b := range [][]state.OpRecord{first, again} {
		if err := s.RecordOperations(ctx, b); err != nil {
			t.Fatalf("RecordOperations: %v", err)
		}
	}
	if d := cmp.Diff(again, mustOps(t, s, id), cmpTimes); d != "" {
		t.Errorf("a checkpoint recorded again replaces the first (-want +got):\n%s", d)
	}
}

func testOperationsUnknownRun(t *testing.T, open Opener) {
	s := open(t, state.Options{})
	ctx := t.Context()
	id := mustBegin(t, s, state.Run{Org: orgA, StartedAt: ts})
	// One good record and one for a run that does not exist: the batch
	// is one transaction, so neither is kept.
	batch := append(ops(id, 1), ops(id+1000, 2)...)
	if err := s.RecordOperations(ctx, batch); err == nil {
		t.Fatalf("RecordOperations for an unknown run: no error")
	}
	if got := mustOps(t, s, id); len(got) != 0 {
		t.Errorf("after a failed batch, Operations = %v, want none (one transaction per batch)", got)
	}
}

func mustOwned(t *testing.T, s state.Store, org string) map[string]state.OwnedUser {
	t.Helper()
	got, err := s.Owned(t.Context(), org)
	if err != nil {
		t.Fatalf("Owned(%s): %v", org, err)
	}
	return got
}

func testOwnedUsers(t *testing.T, open Opener) {
	s := open(t, state.Options{})
	ctx := t.Context()
	step := func(name string, do func() error, want map[string]state.OwnedUser) {
		t.Helper()
		if err := do(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if d := cmp.Diff(want, mustOwned(t, s, orgA), cmpTimes, cmpopts.EquateEmpty()); d != "" {
			t.Errorf("Owned after %s (-want +got):\n%s", name, d)
		}
	}
	later := ts.Add(time.Hour)

	step("intent with an empty id", func() error {
		return s.AddOwned(ctx, orgA, []state.OwnedUser{
			{Login: "JDoe@Example.com", CreatedAt: ts},
			{Login: "asmith@example.com", OktaID: "00u2", CreatedAt: ts},
		})
	}, map[string]state.OwnedUser{
		"jdoe@example.com":   {Login: "JDoe@Example.com", CreatedAt: ts},
		"asmith@example.com": {Login: "asmith@example.com", OktaID: "00u2", CreatedAt: ts},
	})
	step("the create's id", func() error {
		return s.AddOwned(ctx, orgA, []state.OwnedUser{{Login: "jdoe@example.com", OktaID: "00u1", CreatedAt: later}})
	}, map[string]state.OwnedUser{
		"jdoe@example.com":   {Login: "jdoe@example.com", OktaID: "00u1", CreatedAt: ts},
		"asmith@example.com": {Login: "asmith@example.com", OktaID: "00u2", CreatedAt: ts},
	})
	step("a late intent with an empty id", func() error {
		return s.AddOwned(ctx, orgA, []state.OwnedUser{{Login: "jdoe@example.com", CreatedAt: later}})
	}, map[string]state.OwnedUser{
		"jdoe@example.com":   {Login: "jdoe@example.com", OktaID: "00u1", CreatedAt: ts},
		"asmith@example.com": {Login: "asmith@example.com", OktaID: "00u2", CreatedAt: ts},
	})
	step("deactivation", func() error {
		return s.MarkDeactivated(ctx, orgA, " ASMITH@example.com", later)
	}, map[string]state.OwnedUser{
		"jdoe@example.com":   {Login: "jdoe@example.com", OktaID: "00u1", CreatedAt: ts},
		"asmith@example.com": {Login: "asmith@example.com", OktaID: "00u2", CreatedAt: ts, DeactivatedAt: later},
	})
	step("deactivation of a user not owned", func() error {
		return s.MarkDeactivated(ctx, orgA, "someone@example.com", later)
	}, map[string]state.OwnedUser{
		"jdoe@example.com":   {Login: "jdoe@example.com", OktaID: "00u1", CreatedAt: ts},
		"asmith@example.com": {Login: "asmith@example.com", OktaID: "00u2", CreatedAt: ts, DeactivatedAt: later},
	})
	step("reactivation", func() error {
		return s.MarkDeactivated(ctx, orgA, "asmith@example.com", time.Time{})
	}, map[string]state.OwnedUser{
		"jdoe@example.com":   {Login: "jdoe@example.com", OktaID: "00u1", CreatedAt: ts},
		"asmith@example.com": {Login: "asmith@example.com", OktaID: "00u2", CreatedAt: ts},
	})
	step("removal", func() error {
		return s.RemoveOwned(ctx, orgA, "JDOE@example.com")
	}, map[string]state.OwnedUser{
		"asmith@example.com": {Login: "asmith@example.com", OktaID: "00u2", CreatedAt: ts},
	})
	step("removal of a user not owned", func() error {
		return s.RemoveOwned(ctx, orgA, "jdoe@example.com")
	}, map[string]state.OwnedUser{
		"asmith@example.com": {Login: "asmith@example.com", OktaID: "00u2", CreatedAt: ts},
	})

	before := time.Now().Add(-time.Second)
	if err := s.AddOwned(ctx, orgA, []state.OwnedUser{{Login: "new@example.com"}}); err != nil {
		t.Fatalf("AddOwned without CreatedAt: %v", err)
	}
	if got := mustOwned(t, s, orgA)["new@example.com"]; got.CreatedAt.Before(before) {
		t.Errorf("CreatedAt of a user added without one = %v, want about now", got.CreatedAt)
	}
	if err := s.AddOwned(ctx, orgA, []state.OwnedUser{{Login: "  "}}); err == nil {
		t.Errorf("AddOwned with an empty login: no error")
	}
}

func testOwnedUsersPerOrg(t *testing.T, open Opener) {
	s := open(t, state.Options{})
	ctx := t.Context()
	if err := s.AddOwned(ctx, orgA, []state.OwnedUser{{Login: "x@example.com", OktaID: "00ua", CreatedAt: ts}}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddOwned(ctx, orgB, []state.OwnedUser{{Login: "x@example.com", OktaID: "00ub", CreatedAt: ts}}); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkDeactivated(ctx, orgB, "x@example.com", ts); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveOwned(ctx, orgA, "x@example.com"); err != nil {
		t.Fatal(err)
	}
	if got := mustOwned(t, s, orgA); len(got) != 0 {
		t.Errorf("Owned(%s) = %v, want empty", orgA, got)
	}
	want := map[string]state.OwnedUser{"x@example.com": {Login: "x@example.com", OktaID: "00ub", CreatedAt: ts, DeactivatedAt: ts}}
	if d := cmp.Diff(want, mustOwned(t, s, orgB), cmpTimes); d != "" {
		t.Errorf("Owned(%s) (-want +got):\n%s", orgB, d)
	}
}

func testConcurrentRecordOperations(t *testing.T, open Opener) {
	s := open(t, state.Options{})
	ctx := t.Context()
	id := mustBegin(t, s, state.Run{Org: orgA, StartedAt: ts})
	const workers, batches, size = 8, 20, 5
	var wg sync.WaitGroup
	errs := make(chan error, workers*batches)
	for w := range workers {
		wg.Go(func() {
			for b := range batches {
				first := (w*batches + b) * size
				seqs := make([]int, size)
				for i := range seqs {
					seqs[i] = first + i
				}
				if err := s.RecordOperations(ctx, ops(id, seqs...)); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent RecordOperations: %v", err)
	}
	got := mustOps(t, s, id)
	if len(got) != workers*batches*size {
		t.Fatalf("Operations = %d records, want %d", len(got), workers*batches*size)
	}
	for i, o := range got {
		if o.Seq != i {
			t.Fatalf("Operations[%d].Seq = %d, want %d (in Seq order, none lost)", i, o.Seq, i)
		}
	}
}

func testSharedDatabase(t *testing.T, open Opener) {
	s1, s2 := open(t, state.Options{}), open(t, state.Options{})
	ctx := t.Context()
	id := mustBegin(t, s1, state.Run{Org: orgA, StartedAt: ts})
	if err := s1.AddOwned(ctx, orgA, []state.OwnedUser{{Login: "x@example.com", CreatedAt: ts}}); err != nil {
		t.Fatal(err)
	}
	if got := runByID(t, s2, id); got.Status != state.RunRunning {
		t.Errorf("second store sees run %d as %q, want running", id, got.Status)
	}
	if got := mustOwned(t, s2, orgA); len(got) != 1 {
		t.Errorf("second store sees %d owned users, want 1", len(got))
	}
}
