package state

import (
	"context"
	"fmt"
	"time"
)

// LeaverSuspension is a leaver oktasync suspended, and when.
type LeaverSuspension struct {
	Login       string
	OktaID      string
	SuspendedAt time.Time
}

// LeaverSuspensions records the leavers oktasync suspended (users absent
// from the source, under users.leavers suspend or users.leaverGrace), so
// that a later run knows since when: under users.leaverGrace it
// deactivates a leaver still absent once the grace period has passed, and
// unsuspends one that returned within it.
type LeaverSuspensions interface {
	// AddLeaverSuspensions records leavers suspended in org. A leaver
	// already recorded takes the new time and id.
	AddLeaverSuspensions(ctx context.Context, org string, leavers []LeaverSuspension) error
	// RemoveLeaverSuspensions forgets leavers of org by login (unsuspended,
	// deactivated or deleted). Logins not recorded are no error.
	RemoveLeaverSuspensions(ctx context.Context, org string, logins []string) error
	// LeaverSuspensions returns the leavers suspended in org, by LoginKey
	// (lower-cased login).
	LeaverSuspensions(ctx context.Context, org string) (map[string]LeaverSuspension, error)
}

// AddLeaverSuspensions implements LeaverSuspensions.
func (s *sqlStore) AddLeaverSuspensions(ctx context.Context, org string, leavers []LeaverSuspension) error {
	if len(leavers) == 0 {
		return nil
	}
	rows := make([][]any, len(leavers))
	for i, l := range leavers {
		if l.Login == "" || l.SuspendedAt.IsZero() {
			return fmt.Errorf("record suspended leaver %q of %s: login and time are required", l.Login, org)
		}
		rows[i] = []any{org, loginKey(l.Login), l.Login, l.OktaID, s.d.timeArg(l.SuspendedAt)}
	}
	err := s.batch.execBatch(ctx, s.d.rebind(`INSERT INTO leaver_suspensions (org, login_key, login, okta_id, suspended_at)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (org, login_key) DO UPDATE SET login = excluded.login, okta_id = excluded.okta_id,
			suspended_at = excluded.suspended_at`), rows)
	if err != nil {
		return fmt.Errorf("record %d suspended leavers of %s: %w", len(leavers), org, err)
	}
	return nil
}

// RemoveLeaverSuspensions implements LeaverSuspensions.
func (s *sqlStore) RemoveLeaverSuspensions(ctx context.Context, org string, logins []string) error {
	if len(logins) == 0 {
		return nil
	}
	rows := make([][]any, len(logins))
	for i, l := range logins {
		rows[i] = []any{org, loginKey(l)}
	}
	if err := s.batch.execBatch(ctx, s.d.rebind(`DELETE FROM leaver_suspensions WHERE org = ? AND login_key = ?`), rows); err != nil {
		return fmt.Errorf("forget %d suspended leavers of %s: %w", len(logins), org, err)
	}
	return nil
}

// LeaverSuspensions implements LeaverSuspensions.
func (s *sqlStore) LeaverSuspensions(ctx context.Context, org string) (map[string]LeaverSuspension, error) {
	rows, err := s.db.QueryContext(ctx, s.d.rebind(`SELECT login_key, login, okta_id, suspended_at
		FROM leaver_suspensions WHERE org = ?`), org)
	if err != nil {
		return nil, fmt.Errorf("list suspended leavers of %s: %w", org, err)
	}
	defer rows.Close()
	out := make(map[string]LeaverSuspension)
	for rows.Next() {
		var key string
		var l LeaverSuspension
		if err := rows.Scan(&key, &l.Login, &l.OktaID, timeDest(&l.SuspendedAt)); err != nil {
			return nil, fmt.Errorf("list suspended leavers of %s: %w", org, err)
		}
		out[key] = l
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list suspended leavers of %s: %w", org, err)
	}
	return out, nil
}
