package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Kinds of SyncItem.
const (
	ItemUser    = "user"    // a source user, by login key
	ItemGroup   = "group"   // a source group's name and description, by group key
	ItemMembers = "members" // a managed group's member set, by group key
)

// SyncMarks are where the next incremental run of an org starts: saved
// after a run that succeeded, never by one that failed or was interrupted.
type SyncMarks struct {
	Org string
	// ConfigDigest identifies the configuration (and mapping) of the run
	// that saved the marks; another one makes the next run full.
	ConfigDigest string
	// OktaSince is the Date of the first Okta answer of the run that
	// saved the marks, by Okta's clock: the next incremental run reads
	// the users and groups changed and the System Log events published
	// since then (less an overlap).
	OktaSince time.Time
	// FullAt is when the last full run that succeeded began.
	FullAt time.Time
	// SavedAt is when the marks were saved (the local clock).
	SavedAt time.Time
	// ManagedUsers and Memberships are the managed users in Okta and the
	// current memberships of the managed groups, as the last full run read
	// them and the runs since changed them: the base of the safety limits'
	// percentages in incremental runs.
	ManagedUsers, Memberships int
}

// SyncItem is a digest of one source user, group or member set as last
// applied, with the Okta id and name (login or group name, as Okta spells
// it) oktasync last saw ("" when not known). A Digest of all zeros marks
// an item a run left to do.
type SyncItem struct {
	Kind   string // ItemUser, ItemGroup or ItemMembers
	Key    string
	OktaID string
	Name   string
	Digest []byte
}

// SyncState keeps what incremental runs start from: the org's marks and
// the digests of what was last applied.
type SyncState interface {
	// SyncMarks returns org's marks, and false when it has none.
	SyncMarks(ctx context.Context, org string) (SyncMarks, bool, error)
	// SyncItems returns org's items.
	SyncItems(ctx context.Context, org string) ([]SyncItem, error)
	// SaveSync records a successful run's items, then its marks. With
	// replace, put replaces every item of the org (a full run); otherwise
	// put adds or replaces items and drop removes them. Items are written
	// before the marks, so that a crash in between leaves the old marks,
	// from which the next run reads again.
	SaveSync(ctx context.Context, m SyncMarks, replace bool, put, drop []SyncItem) error
	// ForgetSync removes org's marks and items: its next run is full.
	ForgetSync(ctx context.Context, org string) error
}

// SyncMarks implements SyncState.
func (s *sqlStore) SyncMarks(ctx context.Context, org string) (SyncMarks, bool, error) {
	m := SyncMarks{Org: org}
	err := s.db.QueryRowContext(ctx, s.d.rebind(`SELECT config_digest, okta_since, full_at, saved_at, managed_users, memberships
		FROM sync_marks WHERE org = ?`), org).Scan(&m.ConfigDigest, timeDest(&m.OktaSince), timeDest(&m.FullAt),
		timeDest(&m.SavedAt), &m.ManagedUsers, &m.Memberships)
	if errors.Is(err, sql.ErrNoRows) {
		return m, false, nil
	}
	if err != nil {
		return m, false, fmt.Errorf("read sync marks of %s: %w", org, err)
	}
	return m, true, nil
}

// SyncItems implements SyncState.
func (s *sqlStore) SyncItems(ctx context.Context, org string) ([]SyncItem, error) {
	rows, err := s.db.QueryContext(ctx, s.d.rebind(`SELECT kind, item_key, okta_id, name, digest FROM sync_items WHERE org = ?`), org)
	if err != nil {
		return nil, fmt.Errorf("read sync items of %s: %w", org, err)
	}
	defer rows.Close()
	var out []SyncItem
	for rows.Next() {
		var it SyncItem
		if err := rows.Scan(&it.Kind, &it.Key, &it.OktaID, &it.Name, &it.Digest); err != nil {
			return nil, fmt.Errorf("read sync items of %s: %w", org, err)
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read sync items of %s: %w", org, err)
	}
	return out, nil
}

// SaveSync implements SyncState.
func (s *sqlStore) SaveSync(ctx context.Context, m SyncMarks, replace bool, put, drop []SyncItem) error {
	if replace {
		if _, err := s.db.ExecContext(ctx, s.d.rebind(`DELETE FROM sync_items WHERE org = ?`), m.Org); err != nil {
			return fmt.Errorf("save sync items of %s: %w", m.Org, err)
		}
	}
	if len(drop) > 0 {
		rows := make([][]any, len(drop))
		for i, it := range drop {
			rows[i] = []any{m.Org, it.Kind, it.Key}
		}
		if err := s.batch.execBatch(ctx, s.d.rebind(`DELETE FROM sync_items WHERE org = ? AND kind = ? AND item_key = ?`), rows); err != nil {
			return fmt.Errorf("save sync items of %s: %w", m.Org, err)
		}
	}
	if len(put) > 0 {
		rows := make([][]any, len(put))
		for i, it := range put {
			rows[i] = []any{m.Org, it.Kind, it.Key, it.OktaID, it.Name, it.Digest}
		}
		if err := s.batch.execBatch(ctx, s.d.rebind(`INSERT INTO sync_items (org, kind, item_key, okta_id, name, digest)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (org, kind, item_key) DO UPDATE SET okta_id = excluded.okta_id, name = excluded.name, digest = excluded.digest`), rows); err != nil {
			return fmt.Errorf("save %d sync items of %s: %w", len(put), m.Org, err)
		}
	}
	saved := m.SavedAt
	if saved.IsZero() {
		saved = time.Now()
	}
	_, err := s.db.ExecContext(ctx, s.d.rebind(`INSERT INTO sync_marks (org, config_digest, okta_since, full_at, saved_at, managed_users, memberships)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (org) DO UPDATE SET config_digest = excluded.config_digest, okta_since = excluded.okta_since,
			full_at = excluded.full_at, saved_at = excluded.saved_at, managed_users = excluded.managed_users,
			memberships = excluded.memberships`),
		m.Org, m.ConfigDigest, s.d.timeArg(m.OktaSince), s.d.timeArg(m.FullAt), s.d.timeArg(saved), m.ManagedUsers, m.Memberships)
	if err != nil {
		return fmt.Errorf("save sync marks of %s: %w", m.Org, err)
	}
	return nil
}

// ForgetSync implements SyncState.
func (s *sqlStore) ForgetSync(ctx context.Context, org string) error {
	return inTx(ctx, s.db, func(tx *sql.Tx) error {
		for _, q := range []string{`DELETE FROM sync_marks WHERE org = ?`, `DELETE FROM sync_items WHERE org = ?`} {
			if _, err := tx.ExecContext(ctx, s.d.rebind(q), org); err != nil {
				return fmt.Errorf("forget sync state of %s: %w", org, err)
			}
		}
		return nil
	})
}
