package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// This file holds what the status page of `oktasync serve` reads and its
// actions write: runs a page at a time, a user's operations, held plans
// and the schedule's pause.

// runColumns are the columns scanRun reads.
const runColumns = `id, org, dry_run, status, started_at, finished_at, counts, error, config_digest, kind`

// scanRun reads a row of runColumns.
func scanRun(row interface{ Scan(...any) error }) (Run, error) {
	var (
		r      Run
		counts []byte
	)
	if err := row.Scan(&r.ID, &r.Org, &r.DryRun, &r.Status, timeDest(&r.StartedAt), timeDest(&r.FinishedAt),
		&counts, &r.Error, &r.ConfigDigest, &r.Kind); err != nil {
		return r, err
	}
	var err error
	if r.Counts, err = decodeCounts(counts); err != nil {
		return r, fmt.Errorf("run %d: %w", r.ID, err)
	}
	return r, nil
}

// Run implements RunQueries.
func (s *sqlStore) Run(ctx context.Context, id int64) (Run, error) {
	r, err := scanRun(s.db.QueryRowContext(ctx, s.d.rebind(`SELECT `+runColumns+` FROM runs WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, fmt.Errorf("read run %d: %w", id, ErrNoRun)
	}
	if err != nil {
		return Run{}, fmt.Errorf("read run %d: %w", id, err)
	}
	return r, nil
}

// RunsBefore implements RunQueries. limit <= 0 means no limit.
func (s *sqlStore) RunsBefore(ctx context.Context, org string, before int64, limit int) ([]Run, error) {
	var (
		where []string
		args  []any
	)
	if org != "" {
		where = append(where, `org = ?`)
		args = append(args, org)
	}
	if before > 0 {
		where = append(where, `id < ?`)
		args = append(args, before)
	}
	query := `SELECT ` + runColumns + ` FROM runs`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, ` AND `)
	}
	query += ` ORDER BY id DESC`
	if limit > 0 {
		query += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := s.db.QueryContext(ctx, s.d.rebind(query), args...)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	defer rows.Close()
	var runs []Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("list runs: %w", err)
		}
		runs = append(runs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	return runs, nil
}

// likeEscape escapes s for a LIKE pattern whose escape character is '!'.
func likeEscape(s string) string {
	return strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(s)
}

// UserOperations implements RunQueries. A membership's target is
// "group/login", so the user's memberships are those whose target ends in
// "/" and the login.
func (s *sqlStore) UserOperations(ctx context.Context, org, login string, limit int) ([]OpRecord, error) {
	key := loginKey(login)
	if key == "" {
		return nil, nil
	}
	query := `SELECT o.run_id, o.seq, o.action, o.target, o.outcome, o.error, o.okta_id, o.at
		FROM operations o JOIN runs r ON r.id = o.run_id
		WHERE r.org = ? AND (lower(o.target) = ? OR lower(o.target) LIKE ? ESCAPE '!')
		ORDER BY o.run_id DESC, o.seq DESC`
	args := []any{org, key, "%/" + likeEscape(key)}
	if limit > 0 {
		query += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := s.db.QueryContext(ctx, s.d.rebind(query), args...)
	if err != nil {
		return nil, fmt.Errorf("list operations of user %s: %w", login, err)
	}
	ops, err := scanOps(rows)
	if err != nil {
		return nil, fmt.Errorf("list operations of user %s: %w", login, err)
	}
	return ops, nil
}

// heldColumns are the columns scanHeld reads, but for the plan.
const heldColumns = `id, org, run_id, counts, deactivations, removals, reason, summary, status,
	created_at, approved_by, approved_at, used_by_run, used_at`

// scanHeld reads a row of heldColumns, and the plan when withPlan.
func scanHeld(row interface{ Scan(...any) error }, withPlan bool) (HeldPlan, error) {
	var (
		h      HeldPlan
		counts []byte
		used   sql.NullInt64
	)
	dest := []any{&h.ID, &h.Org, &h.RunID, &counts, &h.Deactivations, &h.Removals, &h.Reason, &h.Summary, &h.Status,
		timeDest(&h.CreatedAt), &h.ApprovedBy, timeDest(&h.ApprovedAt), &used, timeDest(&h.UsedAt)}
	var plan string
	if withPlan {
		dest = append(dest, &plan)
	}
	if err := row.Scan(dest...); err != nil {
		return h, err
	}
	h.UsedByRun = used.Int64
	if withPlan {
		h.Plan = []byte(plan)
	}
	var err error
	if h.Counts, err = decodeCounts(counts); err != nil {
		return h, fmt.Errorf("held plan %d: %w", h.ID, err)
	}
	return h, nil
}

// HoldPlan implements HeldPlans.
func (s *sqlStore) HoldPlan(ctx context.Context, h HeldPlan) (int64, error) {
	counts, err := encodeCounts(h.Counts)
	if err != nil {
		return 0, fmt.Errorf("hold plan of run %d: %w", h.RunID, err)
	}
	created := h.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}
	var id int64
	err = inTx(ctx, s.db, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.d.rebind(`UPDATE held_plans SET status = ? WHERE org = ? AND status = ?`),
			HeldSuperseded, h.Org, HeldPending); err != nil {
			return fmt.Errorf("supersede older plans: %w", err)
		}
		return tx.QueryRowContext(ctx, s.d.rebind(`INSERT INTO held_plans
			(org, run_id, counts, deactivations, removals, reason, summary, plan, status, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			h.Org, h.RunID, counts, h.Deactivations, h.Removals, h.Reason, h.Summary, string(h.Plan),
			HeldPending, s.d.timeArg(created)).Scan(&id)
	})
	if err != nil {
		return 0, fmt.Errorf("hold plan of run %d: %w", h.RunID, err)
	}
	return id, nil
}

// SupersedeHeldPlans implements HeldPlans.
func (s *sqlStore) SupersedeHeldPlans(ctx context.Context, org string) error {
	if _, err := s.db.ExecContext(ctx, s.d.rebind(`UPDATE held_plans SET status = ? WHERE org = ? AND status = ?`),
		HeldSuperseded, org, HeldPending); err != nil {
		return fmt.Errorf("supersede held plans of %s: %w", org, err)
	}
	return nil
}

// HeldPlansOf implements HeldPlans. limit <= 0 means no limit.
func (s *sqlStore) HeldPlansOf(ctx context.Context, org string, limit int) ([]HeldPlan, error) {
	query := `SELECT ` + heldColumns + ` FROM held_plans WHERE org = ? ORDER BY id DESC`
	args := []any{org}
	if limit > 0 {
		query += ` LIMIT ?`
		args = append(args, limit)
	}
	return s.queryHeld(ctx, "list held plans of "+org, query, args...)
}

// queryHeld runs a query of heldColumns.
func (s *sqlStore) queryHeld(ctx context.Context, what, query string, args ...any) ([]HeldPlan, error) {
	rows, err := s.db.QueryContext(ctx, s.d.rebind(query), args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []HeldPlan
	for rows.Next() {
		h, err := scanHeld(rows, false)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// HeldPlan implements HeldPlans.
func (s *sqlStore) HeldPlan(ctx context.Context, id int64) (HeldPlan, error) {
	h, err := scanHeld(s.db.QueryRowContext(ctx, s.d.rebind(`SELECT `+heldColumns+`, plan FROM held_plans WHERE id = ?`), id), true)
	if errors.Is(err, sql.ErrNoRows) {
		return HeldPlan{}, fmt.Errorf("read held plan %d: %w", id, ErrNoHeldPlan)
	}
	if err != nil {
		return HeldPlan{}, fmt.Errorf("read held plan %d: %w", id, err)
	}
	return h, nil
}

// ApproveHeldPlan implements HeldPlans.
func (s *sqlStore) ApproveHeldPlan(ctx context.Context, id int64, by string) (HeldPlan, error) {
	res, err := s.db.ExecContext(ctx, s.d.rebind(`UPDATE held_plans SET status = ?, approved_by = ?, approved_at = ?
		WHERE id = ? AND status = ?`), HeldApproved, by, s.d.timeArg(time.Now()), id, HeldPending)
	if err != nil {
		return HeldPlan{}, fmt.Errorf("approve held plan %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return HeldPlan{}, fmt.Errorf("approve held plan %d: %w", id, err)
	}
	h, err := s.HeldPlan(ctx, id)
	if err != nil {
		return HeldPlan{}, fmt.Errorf("approve: %w", err)
	}
	if n == 0 {
		return h, fmt.Errorf("approve held plan %d, which is %s: %w", id, h.Status, ErrNotPending)
	}
	return h, nil
}

// ApprovedPlan implements HeldPlans.
func (s *sqlStore) ApprovedPlan(ctx context.Context, org string) (HeldPlan, bool, error) {
	hs, err := s.queryHeld(ctx, "look for an approved plan of "+org,
		`SELECT `+heldColumns+` FROM held_plans WHERE org = ? AND status = ? ORDER BY id DESC LIMIT 1`, org, HeldApproved)
	if err != nil || len(hs) == 0 {
		return HeldPlan{}, false, err
	}
	return hs[0], true, nil
}

// UseHeldPlan implements HeldPlans.
func (s *sqlStore) UseHeldPlan(ctx context.Context, id, runID int64) error {
	res, err := s.db.ExecContext(ctx, s.d.rebind(`UPDATE held_plans SET status = ?, used_by_run = ?, used_at = ?
		WHERE id = ? AND status = ?`), HeldUsed, runID, s.d.timeArg(time.Now()), id, HeldApproved)
	if err != nil {
		return fmt.Errorf("mark held plan %d used by run %d: %w", id, runID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("mark held plan %d used by run %d: %w", id, runID, err)
	} else if n == 0 {
		return fmt.Errorf("mark held plan %d used by run %d: it is not approved and unused: %w", id, runID, ErrNoHeldPlan)
	}
	return nil
}

// RunApprovals implements HeldPlans.
func (s *sqlStore) RunApprovals(ctx context.Context, runIDs []int64) (map[int64]HeldPlan, error) {
	out := make(map[int64]HeldPlan)
	if len(runIDs) == 0 {
		return out, nil
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(runIDs)), ", ")
	args := make([]any, len(runIDs))
	for i, id := range runIDs {
		args[i] = id
	}
	hs, err := s.queryHeld(ctx, "read the approvals of runs",
		`SELECT `+heldColumns+` FROM held_plans WHERE used_by_run IN (`+marks+`)`, args...)
	if err != nil {
		return nil, err
	}
	for _, h := range hs {
		out[h.UsedByRun] = h
	}
	return out, nil
}

// SetPaused implements Pauses.
func (s *sqlStore) SetPaused(ctx context.Context, org string, paused bool, by string) error {
	var err error
	if paused {
		_, err = s.db.ExecContext(ctx, s.d.rebind(`INSERT INTO schedule_pauses (org, paused_by, paused_at) VALUES (?, ?, ?)
			ON CONFLICT (org) DO NOTHING`), org, by, s.d.timeArg(time.Now()))
	} else {
		_, err = s.db.ExecContext(ctx, s.d.rebind(`DELETE FROM schedule_pauses WHERE org = ?`), org)
	}
	if err != nil {
		return fmt.Errorf("set the schedule of %s paused=%t: %w", org, paused, err)
	}
	return nil
}

// Paused implements Pauses.
func (s *sqlStore) Paused(ctx context.Context, org string) (Pause, error) {
	var p Pause
	err := s.db.QueryRowContext(ctx, s.d.rebind(`SELECT paused_by, paused_at FROM schedule_pauses WHERE org = ?`), org).
		Scan(&p.By, timeDest(&p.Since))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Pause{}, nil
	case err != nil:
		return Pause{}, fmt.Errorf("read whether the schedule of %s is paused: %w", org, err)
	}
	p.Paused = true
	return p, nil
}
