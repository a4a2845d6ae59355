package main

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oktasync/oktasync/internal/config"
	"github.com/oktasync/oktasync/internal/diff"
	"github.com/oktasync/oktasync/internal/reconcile"
)

func TestListenerWarnings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr      string
		tls, cred bool
		wantTLS   bool // a warning about TLS
		wantCred  bool // a warning about the credential
	}{
		{"127.0.0.1:9464", false, false, false, false},
		{"[::1]:9464", false, false, false, false},
		{"localhost:9464", false, false, false, false},
		{"0.0.0.0:9464", false, true, true, false},
		{"0.0.0.0:9464", true, false, false, true},
		{"[::]:9464", false, false, true, true},
		{"10.0.0.5:9464", true, true, false, false},
	}
	for _, tc := range tests {
		ws := listenerWarnings(tc.addr, tc.tls, tc.cred)
		gotTLS := slices.ContainsFunc(ws, func(w string) bool { return strings.Contains(w, "without TLS") })
		gotCred := slices.ContainsFunc(ws, func(w string) bool { return strings.Contains(w, "without an admin credential") })
		if gotTLS != tc.wantTLS || gotCred != tc.wantCred {
			t.Errorf("listenerWarnings(%s, tls %v, credential %v) = %q", tc.addr, tc.tls, tc.cred, ws)
		}
	}
}

func TestScheduleText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s    config.Schedule
		want string
	}{
		{config.Schedule{Every: 15 * time.Minute}, "every 15m0s"},
		{config.Schedule{Cron: "*/30 * * * *", Jitter: 2 * time.Minute}, "cron */30 * * * *, plus up to 2m0s of jitter"},
	}
	for _, tc := range tests {
		if got := scheduleText(tc.s); got != tc.want {
			t.Errorf("scheduleText(%+v) = %q, want %q", tc.s, got, tc.want)
		}
	}
}

// Only the limits an approval can lift make a held plan, and the plan's
// own counts are what the approval allows.
func TestHeldPlanOf(t *testing.T) {
	t.Parallel()
	summary := diff.Summary{Users: diff.ActionCounts{Deactivate: 4, Delete: 1}, Memberships: diff.MembershipCounts{Remove: 7}}
	block := func(rule string, n int) diff.Block {
		return diff.Block{Rule: rule, Count: n, Message: rule + " says no"}
	}
	tests := []struct {
		name   string
		blocks []diff.Block
		ok     bool
	}{
		{"deactivations", []diff.Block{block(diff.RuleMaxDeactivations, 5)}, true},
		{"both limits", []diff.Block{block(diff.RuleMaxDeactivations, 5), block(diff.RuleMaxMembershipRemovals, 7)}, true},
		{"empty source", []diff.Block{block(diff.RuleEmptySource, 0)}, false},
		{"too few users too", []diff.Block{block(diff.RuleMaxDeactivations, 5), block(diff.RuleMinSourceUsers, 3)}, false},
	}
	for _, tc := range tests {
		rep := &reconcile.Report{RunID: 9, Summary: summary, Blocked: true, Blocks: tc.blocks,
			Plan: &diff.Plan{Summary: summary, Blocked: true, Blocks: tc.blocks}}
		h, ok := heldPlanOf("acme", rep)
		if ok != tc.ok {
			t.Errorf("%s: held = %v, want %v", tc.name, ok, tc.ok)
			continue
		}
		if ok && (h.Deactivations != 5 || h.Removals != 7 || h.RunID != 9 || h.Org != "acme" ||
			h.Counts[diff.RuleMaxDeactivations] != 5 || !strings.Contains(h.Reason, "says no") || len(h.Plan) == 0) {
			t.Errorf("%s: held plan %+v", tc.name, h)
		}
	}
}
