package statetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oktasync/oktasync/internal/state"
)

// testManagedGroups checks that managed groups come back per org by id,
// that recording a group again keeps its first-managed time and takes the
// new name, and that removed groups are forgotten.
func testManagedGroups(t *testing.T, open Opener) {
	s := open(t, state.Options{})
	ctx := t.Context()
	get := func(org string) map[string]state.ManagedGroup {
		t.Helper()
		got, err := s.ManagedGroups(ctx, org)
		if err != nil {
			t.Fatalf("ManagedGroups(%s): %v", org, err)
		}
		return got
	}
	if got := get(orgA); len(got) != 0 {
		t.Errorf("ManagedGroups of a new store = %v, want none", got)
	}
	later := ts.Add(time.Hour)
	if err := s.AddManagedGroups(ctx, orgA, []state.ManagedGroup{
		{ID: "00g1", Name: "VPN users", FirstManagedAt: ts},
		{ID: "00g2", Name: "Engineering", FirstManagedAt: ts},
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddManagedGroups(ctx, orgB, []state.ManagedGroup{{ID: "00g1", Name: "Other org", FirstManagedAt: ts}}); err != nil {
		t.Fatal(err)
	}
	// Renamed in Okta by a later run: the name follows, the first time stays.
	if err := s.AddManagedGroups(ctx, orgA, []state.ManagedGroup{{ID: "00g1", Name: "VPN", FirstManagedAt: later}}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddManagedGroups(ctx, orgA, []state.ManagedGroup{{Name: "no id"}}); err == nil {
		t.Error("AddManagedGroups of a group without an id succeeded, want an error")
	}
	want := map[string]state.ManagedGroup{
		"00g1": {ID: "00g1", Name: "VPN", FirstManagedAt: ts},
		"00g2": {ID: "00g2", Name: "Engineering", FirstManagedAt: ts},
	}
	if d := cmp.Diff(want, get(orgA), cmpTimes); d != "" {
		t.Errorf("ManagedGroups(%s) (-want +got):\n%s", orgA, d)
	}
	if err := s.RemoveManagedGroups(ctx, orgA, []string{"00g2", "00g9"}); err != nil {
		t.Fatal(err)
	}
	delete(want, "00g2")
	if d := cmp.Diff(want, get(orgA), cmpTimes); d != "" {
		t.Errorf("ManagedGroups(%s) after RemoveManagedGroups (-want +got):\n%s", orgA, d)
	}
	if d := cmp.Diff(map[string]state.ManagedGroup{"00g1": {ID: "00g1", Name: "Other org", FirstManagedAt: ts}}, get(orgB), cmpTimes); d != "" {
		t.Errorf("ManagedGroups(%s) (-want +got):\n%s", orgB, d)
	}
}

// testLeaverSuspensions checks that suspended leavers come back per org by
// login key, that recording one again takes the new time, and that
// removed ones are forgotten.
func testLeaverSuspensions(t *testing.T, open Opener) {
	s := open(t, state.Options{})
	ctx := t.Context()
	get := func(org string) map[string]state.LeaverSuspension {
		t.Helper()
		got, err := s.LeaverSuspensions(ctx, org)
		if err != nil {
			t.Fatalf("LeaverSuspensions(%s): %v", org, err)
		}
		return got
	}
	if got := get(orgA); len(got) != 0 {
		t.Errorf("LeaverSuspensions of a new store = %v, want none", got)
	}
	later := ts.Add(48 * time.Hour)
	if err := s.AddLeaverSuspensions(ctx, orgA, []state.LeaverSuspension{
		{Login: "Ada@example.com", OktaID: "00u1", SuspendedAt: ts},
		{Login: "bob@example.com", OktaID: "00u2", SuspendedAt: ts},
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddLeaverSuspensions(ctx, orgB, []state.LeaverSuspension{{Login: "ada@example.com", OktaID: "00u9", SuspendedAt: ts}}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddLeaverSuspensions(ctx, orgA, []state.LeaverSuspension{{Login: "ada@example.com", OktaID: "00u1", SuspendedAt: later}}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddLeaverSuspensions(ctx, orgA, []state.LeaverSuspension{{Login: "no-time@example.com"}}); err == nil {
		t.Error("AddLeaverSuspensions without a time succeeded, want an error")
	}
	want := map[string]state.LeaverSuspension{
		"ada@example.com": {Login: "ada@example.com", OktaID: "00u1", SuspendedAt: later},
		"bob@example.com": {Login: "bob@example.com", OktaID: "00u2", SuspendedAt: ts},
	}
	if d := cmp.Diff(want, get(orgA), cmpTimes); d != "" {
		t.Errorf("LeaverSuspensions(%s) (-want +got):\n%s", orgA, d)
	}
	if err := s.RemoveLeaverSuspensions(ctx, orgA, []string{"BOB@example.com", "nobody@example.com"}); err != nil {
		t.Fatal(err)
	}
	delete(want, "bob@example.com")
	if d := cmp.Diff(want, get(orgA), cmpTimes); d != "" {
		t.Errorf("LeaverSuspensions(%s) after RemoveLeaverSuspensions (-want +got):\n%s", orgA, d)
	}
	if got := get(orgB); len(got) != 1 || got["ada@example.com"].OktaID != "00u9" {
		t.Errorf("LeaverSuspensions(%s) = %v, want its own leaver", orgB, got)
	}
}
