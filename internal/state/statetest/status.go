package statetest

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/oktasync/oktasync/internal/state"
)

// The tests of what the status page of `oktasync serve` reads and writes.

func testRunPages(t *testing.T, open Opener) {
	s := open(t, state.Options{})
	ctx := t.Context()
	a1 := mustBegin(t, s, state.Run{Org: orgA, StartedAt: ts})
	b1 := mustBegin(t, s, state.Run{Org: orgB, StartedAt: ts})
	a2 := mustBegin(t, s, state.Run{Org: orgA, StartedAt: ts, ConfigDigest: "d2"})
	a3 := mustBegin(t, s, state.Run{Org: orgA, StartedAt: ts})

	page := func(org string, before int64, limit int) []int64 {
		t.Helper()
		runs, err := s.RunsBefore(ctx, org, before, limit)
		if err != nil {
			t.Fatalf("RunsBefore(%q, %d, %d): %v", org, before, limit, err)
		}
		var ids []int64
		for _, r := range runs {
			ids = append(ids, r.ID)
		}
		return ids
	}
	tests := []struct {
		org    string
		before int64
		limit  int
		want   []int64
	}{
		{orgA, 0, 2, []int64{a3, a2}},
		{orgA, a2, 2, []int64{a1}},
		{orgA, a1, 2, nil},
		{"", a3, 0, []int64{a2, b1, a1}},
	}
	for _, tc := range tests {
		if d := cmp.Diff(tc.want, page(tc.org, tc.before, tc.limit), cmpopts.EquateEmpty()); d != "" {
			t.Errorf("RunsBefore(%q, %d, %d) (-want +got):\n%s", tc.org, tc.before, tc.limit, d)
		}
	}

	r, err := s.Run(ctx, a2)
	if err != nil {
		t.Fatalf("Run(%d): %v", a2, err)
	}
	if r.ID != a2 || r.Org != orgA || r.ConfigDigest != "d2" || r.Status != state.RunInterrupted {
		t.Errorf("Run(%d) = %+v", a2, r)
	}
	if _, err := s.Run(ctx, a3+100); !errors.Is(err, state.ErrNoRun) {
		t.Errorf("Run of an unknown id: %v, want ErrNoRun", err)
	}
}

func testUserOperations(t *testing.T, open Opener) {
	s := open(t, state.Options{})
	ctx := t.Context()
	r1 := mustBegin(t, s, state.Run{Org: orgA, StartedAt: ts})
	r2 := mustBegin(t, s, state.Run{Org: orgA, StartedAt: ts})
	other := mustBegin(t, s, state.Run{Org: orgB, StartedAt: ts})
	rec := func(run int64, seq int, action, target string) state.OpRecord {
		return state.OpRecord{RunID: run, Seq: seq, Action: action, Target: target, Outcome: state.OpApplied, At: ts}
	}
	all := []state.OpRecord{
		rec(r1, 1, "create-user", "Ann_1@example.com"),
		rec(r1, 2, "add-member", "Sales/ann_1@example.com"),
		rec(r1, 3, "create-user", "annx1@example.com"), // _ is no wildcard
		rec(r1, 4, "add-member", "Sales/bob@example.com"),
		rec(r2, 1, "update-user", "ann_1@example.com"),
		rec(other, 1, "create-user", "ann_1@example.com"),
	}
	if err := s.RecordOperations(ctx, all); err != nil {
		t.Fatal(err)
	}
	got, err := s.UserOperations(ctx, orgA, " ANN_1@example.com", 0)
	if err != nil {
		t.Fatalf("UserOperations: %v", err)
	}
	want := []state.OpRecord{all[4], all[1], all[0]}
	if d := cmp.Diff(want, got, cmpTimes); d != "" {
		t.Errorf("UserOperations (-want +got):\n%s", d)
	}
	if got, err := s.UserOperations(ctx, orgA, "ann_1@example.com", 1); err != nil || len(got) != 1 || got[0].RunID != r2 {
		t.Errorf("UserOperations with limit 1 = %v, %v; want the newest", got, err)
	}
}

// holdOne records a blocked run of org and holds its plan.
func holdOne(t *testing.T, s state.Store, org string, deact int) (runID, heldID int64) {
	t.Helper()
	runID = mustBegin(t, s, state.Run{Org: org, StartedAt: ts})
	if err := s.FinishRun(t.Context(), runID, state.RunBlocked, nil, "blocked"); err != nil {
		t.Fatal(err)
	}
	heldID, err := s.HoldPlan(t.Context(), state.HeldPlan{
		Org: org, RunID: runID, Counts: map[string]int{"safety.maxDeactivations": deact},
		Deactivations: deact, Removals: 2, Reason: "too many", Summary: "Plan: …",
		Plan: []byte(`{"operations":[]}`), CreatedAt: ts,
	})
	if err != nil {
		t.Fatalf("HoldPlan: %v", err)
	}
	return runID, heldID
}

func testHeldPlans(t *testing.T, open Opener) {
	s := open(t, state.Options{})
	ctx := t.Context()
	run1, h1 := holdOne(t, s, orgA, 12)
	_, h2 := holdOne(t, s, orgA, 13)
	_, hb := holdOne(t, s, orgB, 1)

	got, err := s.HeldPlan(ctx, h1)
	if err != nil {
		t.Fatalf("HeldPlan: %v", err)
	}
	want := state.HeldPlan{
		ID: h1, Org: orgA, RunID: run1, Counts: map[string]int{"safety.maxDeactivations": 12},
		Deactivations: 12, Removals: 2, Reason: "too many", Summary: "Plan: …",
		Plan: []byte(`{"operations":[]}`), Status: state.HeldSuperseded, CreatedAt: ts,
	}
	if d := cmp.Diff(want, got, cmpTimes); d != "" {
		t.Errorf("HeldPlan, superseded by a newer one (-want +got):\n%s", d)
	}
	list, err := s.HeldPlansOf(ctx, orgA, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != h2 || list[0].Status != state.HeldPending || list[0].Plan != nil {
		t.Errorf("HeldPlansOf = %+v, want the newest, pending, first, without its plan", list)
	}
	if _, err := s.HeldPlan(ctx, hb+100); !errors.Is(err, state.ErrNoHeldPlan) {
		t.Errorf("HeldPlan of an unknown id: %v, want ErrNoHeldPlan", err)
	}
	if err := s.SupersedeHeldPlans(ctx, orgA); err != nil {
		t.Fatal(err)
	}
	if h, _ := s.HeldPlan(ctx, h2); h.Status != state.HeldSuperseded {
		t.Errorf("after SupersedeHeldPlans, status %s", h.Status)
	}
	if h, _ := s.HeldPlan(ctx, hb); h.Status != state.HeldPending {
		t.Errorf("another org's plan became %s", h.Status)
	}
}

func testHeldPlanApprovalOnce(t *testing.T, open Opener) {
	s := open(t, state.Options{})
	ctx := t.Context()
	if _, ok, err := s.ApprovedPlan(ctx, orgA); err != nil || ok {
		t.Fatalf("ApprovedPlan with none: %v, %v", ok, err)
	}
	_, h := holdOne(t, s, orgA, 12)
	before := time.Now().Add(-time.Second)
	got, err := s.ApproveHeldPlan(ctx, h, "alice")
	if err != nil {
		t.Fatalf("ApproveHeldPlan: %v", err)
	}
	if got.Status != state.HeldApproved || got.ApprovedBy != "alice" || got.ApprovedAt.Before(before) {
		t.Errorf("approved plan = %+v", got)
	}
	if _, err := s.ApproveHeldPlan(ctx, h, "bob"); !errors.Is(err, state.ErrNotPending) {
		t.Errorf("second approval: %v, want ErrNotPending", err)
	}
	ap, ok, err := s.ApprovedPlan(ctx, orgA)
	if err != nil || !ok || ap.ID != h || ap.Deactivations != 12 {
		t.Fatalf("ApprovedPlan = %+v, %v, %v", ap, ok, err)
	}
	next := mustBegin(t, s, state.Run{Org: orgA, StartedAt: ts})
	if err := s.UseHeldPlan(ctx, h, next); err != nil {
		t.Fatalf("UseHeldPlan: %v", err)
	}
	if err := s.UseHeldPlan(ctx, h, next); err == nil {
		t.Errorf("a second UseHeldPlan: no error")
	}
	if _, ok, _ := s.ApprovedPlan(ctx, orgA); ok {
		t.Errorf("the approval is still there after its use")
	}
	apps, err := s.RunApprovals(ctx, []int64{next, next + 100})
	if err != nil {
		t.Fatal(err)
	}
	if a, ok := apps[next]; !ok || a.ID != h || a.ApprovedBy != "alice" || a.Status != state.HeldUsed || a.UsedByRun != next {
		t.Errorf("RunApprovals = %+v", apps)
	}
	if len(apps) != 1 {
		t.Errorf("RunApprovals has %d entries, want 1", len(apps))
	}
}

func testPauses(t *testing.T, open Opener) {
	s := open(t, state.Options{})
	ctx := t.Context()
	p, err := s.Paused(ctx, orgA)
	if err != nil || p.Paused {
		t.Fatalf("Paused at first = %+v, %v", p, err)
	}
	if err := s.SetPaused(ctx, orgA, true, "alice"); err != nil {
		t.Fatal(err)
	}
	// Pausing again keeps who paused first.
	if err := s.SetPaused(ctx, orgA, true, "bob"); err != nil {
		t.Fatal(err)
	}
	if p, _ = s.Paused(ctx, orgA); !p.Paused || p.By != "alice" || p.Since.IsZero() {
		t.Errorf("Paused = %+v, want paused by alice", p)
	}
	if p, _ = s.Paused(ctx, orgB); p.Paused {
		t.Errorf("another org is paused")
	}
	if err := s.SetPaused(ctx, orgA, false, "bob"); err != nil {
		t.Fatal(err)
	}
	if p, _ = s.Paused(ctx, orgA); p.Paused {
		t.Errorf("still paused after resume")
	}
}
