package statetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oktasync/oktasync/internal/state"
)

// testAppAssignments checks that app assignments come back per org,
// sorted, that recording one again keeps its first time and takes the new
// names, that a malformed one is refused, and that removed ones are
// forgotten.
func testAppAssignments(t *testing.T, open Opener) {
	s := open(t, state.Options{})
	ctx := t.Context()
	get := func(org string) []state.AppAssignment {
		t.Helper()
		got, err := s.AppAssignments(ctx, org)
		if err != nil {
			t.Fatalf("AppAssignments(%s): %v", org, err)
		}
		return got
	}
	if got := get(orgA); len(got) != 0 {
		t.Errorf("AppAssignments of a new store = %v, want none", got)
	}
	slackEng := state.AppAssignment{AppID: "0oa1", AppLabel: "Slack", Kind: state.AppAssignGroup, TargetID: "00g1", TargetName: "Engineering", FirstRecordedAt: ts}
	slackAnn := state.AppAssignment{AppID: "0oa1", AppLabel: "Slack", Kind: state.AppAssignUser, TargetID: "00u1", TargetName: "ann@example.com", FirstRecordedAt: ts}
	zoomEng := state.AppAssignment{AppID: "0oa2", AppLabel: "Zoom", Kind: state.AppAssignGroup, TargetID: "00g1", TargetName: "Engineering", FirstRecordedAt: ts}
	if err := s.AddAppAssignments(ctx, orgA, []state.AppAssignment{zoomEng, slackAnn, slackEng}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddAppAssignments(ctx, orgB, []state.AppAssignment{slackEng}); err != nil {
		t.Fatal(err)
	}
	renamed := slackEng
	renamed.AppLabel, renamed.TargetName, renamed.FirstRecordedAt = "Slack Enterprise", "Eng", ts.Add(time.Hour)
	if err := s.AddAppAssignments(ctx, orgA, []state.AppAssignment{renamed}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddAppAssignments(ctx, orgA, []state.AppAssignment{{AppID: "0oa1", Kind: "role", TargetID: "x"}}); err == nil {
		t.Error("AddAppAssignments of kind role succeeded, want an error")
	}
	want := []state.AppAssignment{
		{AppID: "0oa1", AppLabel: "Slack Enterprise", Kind: state.AppAssignGroup, TargetID: "00g1", TargetName: "Eng", FirstRecordedAt: ts},
		slackAnn, zoomEng,
	}
	if d := cmp.Diff(want, get(orgA), cmpTimes); d != "" {
		t.Errorf("AppAssignments(%s) (-want +got):\n%s", orgA, d)
	}
	if err := s.RemoveAppAssignments(ctx, orgA, []state.AppAssignment{slackAnn, {AppID: "0oa9", Kind: state.AppAssignUser, TargetID: "00u9"}}); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]state.AppAssignment{want[0], zoomEng}, get(orgA), cmpTimes); d != "" {
		t.Errorf("AppAssignments(%s) after RemoveAppAssignments (-want +got):\n%s", orgA, d)
	}
	if d := cmp.Diff([]state.AppAssignment{slackEng}, get(orgB), cmpTimes); d != "" {
		t.Errorf("AppAssignments(%s) (-want +got):\n%s", orgB, d)
	}
}
