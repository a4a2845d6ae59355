package reconcile

import (
	"context"
	"fmt"
	"time"

	"github.com/oktasync/oktasync/internal/diff"
	"github.com/oktasync/oktasync/internal/state"
)

// managedGroupIDs returns the ids of the groups oktasync managed in org.
func managedGroupIDs(ctx context.Context, store Store, org string) (map[string]bool, error) {
	groups, err := store.ManagedGroups(ctx, org)
	if err != nil {
		return nil, fmt.Errorf("read managed groups from state store: %w", err)
	}
	ids := make(map[string]bool, len(groups))
	for id := range groups {
		ids[id] = true
	}
	return ids, nil
}

// managedGroups returns the source's groups that exist in Okta as
// OKTA_GROUPs, with their ids.
func (s *session) managedGroups() []state.ManagedGroup {
	var out []state.ManagedGroup
	for _, key := range s.desired.GroupKeys() {
		if g, ok := s.cur.Dir.Groups[key]; ok && g.Type == "OKTA_GROUP" && g.ID != "" {
			out = append(out, state.ManagedGroup{ID: g.ID, Name: g.Name})
		}
	}
	return out
}

// recordManagedGroups records, after run runID applied its plan, the groups
// it managed: the source's groups that existed and those it created.
func (r *Runner) recordManagedGroups(ctx context.Context, store Store, runID int64, existing []state.ManagedGroup) {
	groups := existing
	recs, err := store.Operations(ctx, runID)
	if err != nil {
		r.log.Warn("read the run's operations for the groups it created", "err", err)
	}
	for _, rec := range recs {
		if rec.Action == diff.CreateGroup.String() && rec.Outcome == state.OpApplied && rec.OktaID != "" {
			groups = append(groups, state.ManagedGroup{ID: rec.OktaID, Name: rec.Target})
		}
	}
	if err := store.AddManagedGroups(ctx, r.set.Org, groups); err != nil {
		r.log.Warn("record managed groups", "err", err)
	}
}

// recordLeavers records the leavers the run suspended, with when, and
// forgets those it unsuspended, deactivated or deleted, so that a later
// run knows which leavers oktasync suspended and since when
// (users.leaverGrace).
func (r *Runner) recordLeavers(ctx context.Context, store Store, rep *Report) {
	now := time.Now().UTC()
	var suspended []state.LeaverSuspension
	var done []string
	for _, op := range rep.Operations {
		if op.Status != state.OpApplied {
			continue
		}
		switch op.Action {
		case diff.SuspendUser:
			if op.Leaver {
				suspended = append(suspended, state.LeaverSuspension{Login: op.Login, OktaID: op.UserID, SuspendedAt: now})
			}
		case diff.UnsuspendUser, diff.DeactivateUser, diff.DeleteUser:
			done = append(done, op.Login)
		}
	}
	if err := store.AddLeaverSuspensions(ctx, r.set.Org, suspended); err != nil {
		r.log.Warn("record suspended leavers", "err", err)
	}
	if err := store.RemoveLeaverSuspensions(ctx, r.set.Org, done); err != nil {
		r.log.Warn("forget suspended leavers", "err", err)
	}
}
