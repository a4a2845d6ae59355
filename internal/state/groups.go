package state

import (
	"context"
	"fmt"
	"time"
)

// ManagedGroup is a group oktasync created or managed in an org.
type ManagedGroup struct {
	ID             string // the Okta group id
	Name           string // the group's name when oktasync last managed it
	FirstManagedAt time.Time
}

// ManagedGroups records the groups oktasync created or managed, so that a
// group that leaves the source (or is renamed there) stays managed: its
// memberships are removed instead of left in place for good.
type ManagedGroups interface {
	// AddManagedGroups records groups oktasync manages in org. A group
	// already recorded keeps its first-managed time and takes the new
	// name.
	AddManagedGroups(ctx context.Context, org string, groups []ManagedGroup) error
	// RemoveManagedGroups forgets groups of org by id (deleted, or no
	// longer in Okta). Ids not recorded are no error.
	RemoveManagedGroups(ctx context.Context, org string, ids []string) error
	// ManagedGroups returns the groups oktasync manages in org, by id.
	ManagedGroups(ctx context.Context, org string) (map[string]ManagedGroup, error)
}

// AddManagedGroups implements ManagedGroups.
func (s *sqlStore) AddManagedGroups(ctx context.Context, org string, groups []ManagedGroup) error {
	if len(groups) == 0 {
		return nil
	}
	now := time.Now()
	rows := make([][]any, len(groups))
	for i, g := range groups {
		if g.ID == "" {
			return fmt.Errorf("record managed group %q of %s: empty id", g.Name, org)
		}
		first := g.FirstManagedAt
		if first.IsZero() {
			first = now
		}
		rows[i] = []any{org, g.ID, g.Name, s.d.timeArg(first)}
	}
	err := s.batch.execBatch(ctx, s.d.rebind(`INSERT INTO managed_groups (org, group_id, name, first_managed_at)
		VALUES (?, ?, ?, ?)
		ON CONFLICT (org, group_id) DO UPDATE SET name = excluded.name`), rows)
	if err != nil {
		return fmt.Errorf("record %d managed groups of %s: %w", len(groups), org, err)
	}
	return nil
}

// RemoveManagedGroups implements ManagedGroups.
func (s *sqlStore) RemoveManagedGroups(ctx context.Context, org string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	rows := make([][]any, len(ids))
	for i, id := range ids {
		rows[i] = []any{org, id}
	}
	if err := s.batch.execBatch(ctx, s.d.rebind(`DELETE FROM managed_groups WHERE org = ? AND group_id = ?`), rows); err != nil {
		return fmt.Errorf("forget %d managed groups of %s: %w", len(ids), org, err)
	}
	return nil
}

// ManagedGroups implements ManagedGroups.
func (s *sqlStore) ManagedGroups(ctx context.Context, org string) (map[string]ManagedGroup, error) {
	rows, err := s.db.QueryContext(ctx, s.d.rebind(`SELECT group_id, name, first_managed_at
		FROM managed_groups WHERE org = ?`), org)
	if err != nil {
		return nil, fmt.Errorf("list managed groups of %s: %w", org, err)
	}
	defer rows.Close()
	out := make(map[string]ManagedGroup)
	for rows.Next() {
		var g ManagedGroup
		if err := rows.Scan(&g.ID, &g.Name, timeDest(&g.FirstManagedAt)); err != nil {
			return nil, fmt.Errorf("list managed groups of %s: %w", org, err)
		}
		out[g.ID] = g
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list managed groups of %s: %w", org, err)
	}
	return out, nil
}
