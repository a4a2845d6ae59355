package statetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oktasync/oktasync/internal/state"
)

// testSyncState checks that sync marks and items come back per org as
// saved, that a saved run without replace adds, replaces and drops items
// while a full one replaces them all, that forgetting clears both, and
// that a run's kind is kept with the run.
func testSyncState(t *testing.T, open Opener) {
	s := open(t, state.Options{})
	ctx := t.Context()
	if _, ok, err := s.SyncMarks(ctx, orgA); err != nil || ok {
		t.Fatalf("SyncMarks of a new store = %v, %v; want none", ok, err)
	}
	items := func(org string) []state.SyncItem {
		t.Helper()
		got, err := s.SyncItems(ctx, org)
		if err != nil {
			t.Fatalf("SyncItems(%s): %v", org, err)
		}
		return sortItems(got)
	}
	d1, d2, zero := []byte{1, 2, 3, 4, 5, 6, 7, 8}, []byte{8, 7, 6, 5, 4, 3, 2, 1}, make([]byte, 8)
	marks := state.SyncMarks{Org: orgA, ConfigDigest: "c1", OktaSince: ts, FullAt: ts.Add(-time.Minute), SavedAt: ts.Add(time.Minute),
		ManagedUsers: 100, Memberships: 250}
	full := []state.SyncItem{
		{Kind: state.ItemUser, Key: "ana@x", OktaID: "00u1", Name: "Ana@x", Digest: d1},
		{Kind: state.ItemUser, Key: "bo@x", OktaID: "00u2", Name: "bo@x", Digest: d2},
		{Kind: state.ItemGroup, Key: "eng", OktaID: "00g1", Name: "Eng", Digest: d1},
		{Kind: state.ItemMembers, Key: "eng", OktaID: "00g1", Name: "Eng", Digest: d2},
	}
	if err := s.SaveSync(ctx, marks, true, full, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveSync(ctx, state.SyncMarks{Org: orgB, ConfigDigest: "other", OktaSince: ts}, true,
		[]state.SyncItem{{Kind: state.ItemUser, Key: "zed@y", Digest: d1}}, nil); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.SyncMarks(ctx, orgA)
	if err != nil || !ok {
		t.Fatalf("SyncMarks = %v, %v", ok, err)
	}
	if diff := cmp.Diff(marks, got, cmpTimes); diff != "" {
		t.Errorf("SyncMarks (-saved +read):\n%s", diff)
	}
	if diff := cmp.Diff(sortItems(slices.Clone(full)), items(orgA)); diff != "" {
		t.Errorf("SyncItems after a full save (-saved +read):\n%s", diff)
	}

	// An incremental save: bo changes and is left to do, ana leaves, a new
	// user arrives; the rest stays.
	marks2 := marks
	marks2.OktaSince = ts.Add(time.Hour)
	put := []state.SyncItem{
		{Kind: state.ItemUser, Key: "bo@x", OktaID: "00u2", Name: "bo@x", Digest: zero},
		{Kind: state.ItemUser, Key: "cy@x", OktaID: "", Name: "", Digest: d1},
	}
	drop := []state.SyncItem{{Kind: state.ItemUser, Key: "ana@x"}}
	if err := s.SaveSync(ctx, marks2, false, put, drop); err != nil {
		t.Fatal(err)
	}
	want := sortItems([]state.SyncItem{full[2], full[3], put[0], put[1]})
	if diff := cmp.Diff(want, items(orgA)); diff != "" {
		t.Errorf("SyncItems after an incremental save (-want +read):\n%s", diff)
	}
	if got, _, _ := s.SyncMarks(ctx, orgA); !got.OktaSince.Equal(marks2.OktaSince) {
		t.Errorf("OktaSince after the second save = %v, want %v", got.OktaSince, marks2.OktaSince)
	}

	// A full save replaces every item of the org, and only that org's.
	if err := s.SaveSync(ctx, marks, true, full[:1], nil); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(full[:1], items(orgA)); diff != "" {
		t.Errorf("SyncItems after a second full save (-want +read):\n%s", diff)
	}
	if n := len(items(orgB)); n != 1 {
		t.Errorf("the other org has %d items, want 1", n)
	}

	if err := s.ForgetSync(ctx, orgA); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.SyncMarks(ctx, orgA); ok || len(items(orgA)) != 0 {
		t.Errorf("after ForgetSync: marks %v, %d items; want none", ok, len(items(orgA)))
	}
	if _, ok, _ := s.SyncMarks(ctx, orgB); !ok {
		t.Error("ForgetSync of one org dropped the other's marks")
	}

	id := mustBegin(t, s, state.Run{Org: orgA, Kind: "Full run: config changed"})
	if r := runByID(t, s, id); r.Kind != "Full run: config changed" {
		t.Errorf("run kind = %q, want it kept", r.Kind)
	}
}

// sortItems sorts items by kind and key.
func sortItems(items []state.SyncItem) []state.SyncItem {
	slices.SortFunc(items, func(a, b state.SyncItem) int { return strings.Compare(a.Kind+"\x00"+a.Key, b.Kind+"\x00"+b.Key) })
	return items
}
