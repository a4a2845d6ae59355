package state

import (
	"context"
	"fmt"
	"time"
)

// App assignment kinds (AppAssignment.Kind).
const (
	AppAssignGroup = "group"
	AppAssignUser  = "user"
)

// AppAssignment is an app assignment oktasync made, or that the config
// named, in an org.
type AppAssignment struct {
	AppID    string // the Okta app id
	AppLabel string // the app's label when last recorded
	// Kind is AppAssignGroup or AppAssignUser.
	Kind string
	// TargetID is the Okta id of the group or user.
	TargetID string
	// TargetName is the group's name or the user's login when last
	// recorded.
	TargetName      string
	FirstRecordedAt time.Time
}

// AppAssignments records the app assignments oktasync manages, so that
// only those are ever removed: assignments others made stay.
type AppAssignments interface {
	// AddAppAssignments records assignments in org. One already recorded
	// keeps its first time and takes the new label and name.
	AddAppAssignments(ctx context.Context, org string, as []AppAssignment) error
	// RemoveAppAssignments forgets assignments of org (by app, kind and
	// target). Ones not recorded are no error.
	RemoveAppAssignments(ctx context.Context, org string, as []AppAssignment) error
	// AppAssignments returns the assignments recorded in org, sorted by
	// app, kind and target.
	AppAssignments(ctx context.Context, org string) ([]AppAssignment, error)
}

var _ AppAssignments = (*sqlStore)(nil)

// AddAppAssignments implements AppAssignments.
func (s *sqlStore) AddAppAssignments(ctx context.Context, org string, as []AppAssignment) error {
	if len(as) == 0 {
		return nil
	}
	now := time.Now()
	rows := make([][]any, len(as))
	for i, a := range as {
		if a.AppID == "" || a.TargetID == "" || (a.Kind != AppAssignGroup && a.Kind != AppAssignUser) {
			return fmt.Errorf("record app assignment %q of %s to %q: want an app id, a target id and kind group or user", a.AppLabel, org, a.TargetName)
		}
		first := a.FirstRecordedAt
		if first.IsZero() {
			first = now
		}
		rows[i] = []any{org, a.AppID, a.Kind, a.TargetID, a.AppLabel, a.TargetName, s.d.timeArg(first)}
	}
	err := s.batch.execBatch(ctx, s.d.rebind(`INSERT INTO app_assignments (org, app_id, kind, target_id, app_label, target_name, first_recorded_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (org, app_id, kind, target_id) DO UPDATE SET app_label = excluded.app_label, target_name = excluded.target_name`), rows)
	if err != nil {
		return fmt.Errorf("record %d app assignments of %s: %w", len(as), org, err)
	}
	return nil
}

// RemoveAppAssignments implements AppAssignments.
func (s *sqlStore) RemoveAppAssignments(ctx context.Context, org string, as []AppAssignment) error {
	if len(as) == 0 {
		return nil
	}
	rows := make([][]any, len(as))
	for i, a := range as {
		rows[i] = []any{org, a.AppID, a.Kind, a.TargetID}
	}
	err := s.batch.execBatch(ctx, s.d.rebind(`DELETE FROM app_assignments WHERE org = ? AND app_id = ? AND kind = ? AND target_id = ?`), rows)
	if err != nil {
		return fmt.Errorf("forget %d app assignments of %s: %w", len(as), org, err)
	}
	return nil
}

// AppAssignments implements AppAssignments.
func (s *sqlStore) AppAssignments(ctx context.Context, org string) ([]AppAssignment, error) {
	rows, err := s.db.QueryContext(ctx, s.d.rebind(`SELECT app_id, app_label, kind, target_id, target_name, first_recorded_at
		FROM app_assignments WHERE org = ? ORDER BY app_id, kind, target_id`), org)
	if err != nil {
		return nil, fmt.Errorf("list app assignments of %s: %w", org, err)
	}
	defer rows.Close()
	var out []AppAssignment
	for rows.Next() {
		var a AppAssignment
		if err := rows.Scan(&a.AppID, &a.AppLabel, &a.Kind, &a.TargetID, &a.TargetName, timeDest(&a.FirstRecordedAt)); err != nil {
			return nil, fmt.Errorf("list app assignments of %s: %w", org, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list app assignments of %s: %w", org, err)
	}
	return out, nil
}
