package statetest

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oktasync/oktasync/internal/state"
)

// testManagerLinks checks that manager links come back per org, that a
// later record replaces an earlier one, and that an empty manager forgets
// the user.
func testManagerLinks(t *testing.T, open Opener) {
	s := open(t, state.Options{})
	ctx := t.Context()
	get := func(org string) map[string]string {
		t.Helper()
		got, err := s.ManagerLinks(ctx, org)
		if err != nil {
			t.Fatalf("ManagerLinks(%s): %v", org, err)
		}
		return got
	}
	if got := get(orgA); len(got) != 0 {
		t.Errorf("ManagerLinks of a new store = %v, want none", got)
	}
	if err := s.RecordManagerLinks(ctx, orgA, []state.ManagerLink{{UserID: "00u1", ManagerID: "00u9"}, {UserID: "00u2", ManagerID: "00u9"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordManagerLinks(ctx, orgB, []state.ManagerLink{{UserID: "00u1", ManagerID: "00u5"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordManagerLinks(ctx, orgA, []state.ManagerLink{{UserID: "00u1", ManagerID: "00u8"}, {UserID: "00u2"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordManagerLinks(ctx, orgA, []state.ManagerLink{{ManagerID: "00u8"}}); err == nil {
		t.Error("RecordManagerLinks of a link without a user id succeeded, want an error")
	}
	if d := cmp.Diff(map[string]string{"00u1": "00u8"}, get(orgA)); d != "" {
		t.Errorf("ManagerLinks(%s) (-want +got):\n%s", orgA, d)
	}
	if d := cmp.Diff(map[string]string{"00u1": "00u5"}, get(orgB)); d != "" {
		t.Errorf("ManagerLinks(%s) (-want +got):\n%s", orgB, d)
	}
}
