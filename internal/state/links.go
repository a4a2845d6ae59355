package state

import (
	"context"
	"fmt"
	"time"
)

// ManagerLink is a user's manager as oktasync last set or read it in Okta,
// by Okta ids. An empty ManagerID records that the user has none.
type ManagerLink struct {
	UserID    string
	ManagerID string
}

// ManagerLinks records the manager links oktasync last set or read, so
// that a run reads a user's link from Okta (one call per user) only when
// the source asks for another manager than the one recorded.
type ManagerLinks interface {
	// RecordManagerLinks records links of org; a link with an empty
	// ManagerID forgets the user's record.
	RecordManagerLinks(ctx context.Context, org string, links []ManagerLink) error
	// ManagerLinks returns the recorded links of org: user id -> manager
	// id.
	ManagerLinks(ctx context.Context, org string) (map[string]string, error)
}

// RecordManagerLinks implements ManagerLinks.
func (s *sqlStore) RecordManagerLinks(ctx context.Context, org string, links []ManagerLink) error {
	var set, drop [][]any
	now := s.d.timeArg(time.Now())
	for _, l := range links {
		if l.UserID == "" {
			return fmt.Errorf("record manager links of %s: empty user id", org)
		}
		if l.ManagerID == "" {
			drop = append(drop, []any{org, l.UserID})
			continue
		}
		set = append(set, []any{org, l.UserID, l.ManagerID, now})
	}
	if len(set) > 0 {
		if err := s.batch.execBatch(ctx, s.d.rebind(`INSERT INTO manager_links (org, user_id, manager_id, updated_at)
			VALUES (?, ?, ?, ?)
			ON CONFLICT (org, user_id) DO UPDATE SET manager_id = excluded.manager_id, updated_at = excluded.updated_at`), set); err != nil {
			return fmt.Errorf("record %d manager links of %s: %w", len(set), org, err)
		}
	}
	if len(drop) > 0 {
		if err := s.batch.execBatch(ctx, s.d.rebind(`DELETE FROM manager_links WHERE org = ? AND user_id = ?`), drop); err != nil {
			return fmt.Errorf("forget %d manager links of %s: %w", len(drop), org, err)
		}
	}
	return nil
}

// ManagerLinks implements ManagerLinks.
func (s *sqlStore) ManagerLinks(ctx context.Context, org string) (map[string]string, error) {
	rows, err := s.db.QueryContext(ctx, s.d.rebind(`SELECT user_id, manager_id FROM manager_links WHERE org = ?`), org)
	if err != nil {
		return nil, fmt.Errorf("list manager links of %s: %w", org, err)
	}
	defer rows.Close()
	out := make(map[string]string)
	for rows.Next() {
		var u, m string
		if err := rows.Scan(&u, &m); err != nil {
			return nil, fmt.Errorf("list manager links of %s: %w", org, err)
		}
		out[u] = m
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list manager links of %s: %w", org, err)
	}
	return out, nil
}
