package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"
)

// dialect is what differs between the SQL databases a sqlStore runs on;
// the queries themselves are shared. They are written with ? placeholders
// and rebound to the dialect's form.
type dialect struct {
	// name is the migrations directory ("sqlite" or "postgres") and the
	// dialect named in log records.
	name string
	// numbered says placeholders are $1, $2, … rather than ?.
	numbered bool
	// timeArg renders a time for a timestamp column.
	timeArg func(time.Time) any
	// logAttrs are added to the store's log records, e.g. the schema.
	logAttrs []any

	// migrationsTable names the table of applied migrations in queries.
	migrationsTable string
	// createMigrationsTable creates that table if it does not exist.
	createMigrationsTable string
	// migrationsTableExists is a query answering one boolean: whether
	// the table exists; it takes migrationsTableArgs.
	migrationsTableExists string
	migrationsTableArgs   []any
	// beginMigration, when set, runs first in each migration's
	// transaction: for PostgreSQL it takes the migration lock and
	// creates the schema.
	beginMigration func(ctx context.Context, tx *sql.Tx) error
}

// rebind rewrites the ? placeholders of query into the dialect's form. The
// shared queries hold no ? other than placeholders.
func (d *dialect) rebind(query string) string {
	if !d.numbered {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// nullTimeArg renders t for a nullable timestamp column: NULL for the zero
// time.
func (d *dialect) nullTimeArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return d.timeArg(t)
}

// sqlStore is the Store over an SQL database: SQLite or PostgreSQL, as its
// dialect says. Its run lock is the dialect's (a file lock, or a
// PostgreSQL advisory lock).
type sqlStore struct {
	db   *sql.DB
	d    *dialect
	log  *slog.Logger
	lock locker
	// batch writes many rows in one transaction.
	batch batcher
	// closeFn, when set, closes what db stands on (the PostgreSQL pool)
	// after db is closed.
	closeFn func()

	held      heldLocks
	closeOnce sync.Once
	closeErr  error
}

var _ Store = (*sqlStore)(nil)

// inTx runs fn in a transaction of db, committed when fn succeeds.
func inTx(ctx context.Context, db *sql.DB, fn func(tx *sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// batcher runs one statement once for each row of arguments, all in one
// transaction: every row is written, or none.
type batcher interface {
	execBatch(ctx context.Context, query string, rows [][]any) error
}

// txBatcher is the batcher of any database/sql database: a statement
// prepared once in a transaction, executed row by row.
type txBatcher struct{ db *sql.DB }

func (b txBatcher) execBatch(ctx context.Context, query string, rows [][]any) error {
	return inTx(ctx, b.db, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, query)
		if err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
		defer stmt.Close()
		for i, args := range rows {
			if _, err := stmt.ExecContext(ctx, args...); err != nil {
				return fmt.Errorf("row %d: %w", i+1, err)
			}
		}
		return nil
	})
}

// Lock implements Locker with the dialect's lock: see the package
// documentation for what each covers.
func (s *sqlStore) Lock(ctx context.Context, org string, wait time.Duration) (func() error, error) {
	unlock, err := s.lock.lock(ctx, org, wait)
	if err != nil {
		return nil, err
	}
	s.log.Debug("took state lock", append([]any{"org", org}, s.d.logAttrs...)...)
	return s.held.add(unlock), nil
}

// BeginRun implements RunHistory.
func (s *sqlStore) BeginRun(ctx context.Context, r Run) (int64, error) {
	started := r.StartedAt
	if started.IsZero() {
		started = time.Now()
	}
	counts, err := encodeCounts(r.Counts)
	if err != nil {
		return 0, fmt.Errorf("begin run for %s: %w", r.Org, err)
	}
	var id int64
	err = inTx(ctx, s.db, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, s.d.rebind(`INSERT INTO runs (org, dry_run, status, started_at, counts, error, config_digest, kind)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			r.Org, r.DryRun, RunRunning, s.d.timeArg(started), counts, r.Error, r.ConfigDigest, r.Kind).Scan(&id); err != nil {
			return fmt.Errorf("insert: %w", err)
		}
		if _, err := tx.ExecContext(ctx, s.d.rebind(`UPDATE runs SET status = ?, error = ? WHERE org = ? AND status = ? AND id <> ?`),
			RunInterrupted, interruptedMessage(id), r.Org, RunRunning, id); err != nil {
			return fmt.Errorf("mark interrupted runs: %w", err)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("begin run for %s: %w", r.Org, err)
	}
	return id, nil
}

// FinishRun implements RunHistory.
func (s *sqlStore) FinishRun(ctx context.Context, id int64, status string, counts map[string]int, errMsg string) error {
	c, err := encodeCounts(counts)
	if err != nil {
		return fmt.Errorf("finish run %d: %w", id, err)
	}
	res, err := s.db.ExecContext(ctx, s.d.rebind(`UPDATE runs SET status = ?, finished_at = ?, counts = ?, error = ? WHERE id = ?`),
		status, s.d.timeArg(time.Now()), c, errMsg, id)
	if err != nil {
		return fmt.Errorf("finish run %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("finish run %d: %w", id, err)
	} else if n == 0 {
		return fmt.Errorf("finish run %d: %w", id, ErrNoRun)
	}
	return nil
}

// Runs implements RunHistory. limit <= 0 means no limit.
func (s *sqlStore) Runs(ctx context.Context, org string, limit int) ([]Run, error) {
	return s.RunsBefore(ctx, org, 0, limit)
}

// RecordOperations implements Checkpoints: one transaction per call. A
// record for a (run, seq) already checkpointed replaces it.
func (s *sqlStore) RecordOperations(ctx context.Context, recs []OpRecord) error {
	if len(recs) == 0 {
		return nil
	}
	now := time.Now()
	rows := make([][]any, len(recs))
	for i, r := range recs {
		at := r.At
		if at.IsZero() {
			at = now
		}
		rows[i] = []any{r.RunID, r.Seq, r.Action, r.Target, r.Outcome, r.Error, r.OktaID, s.d.timeArg(at)}
	}
	err := s.batch.execBatch(ctx, s.d.rebind(`INSERT INTO operations (run_id, seq, action, target, outcome, error, okta_id, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (run_id, seq) DO UPDATE SET action = excluded.action, target = excluded.target,
			outcome = excluded.outcome, error = excluded.error, okta_id = excluded.okta_id, at = excluded.at`), rows)
	if err != nil {
		return fmt.Errorf("record %d operations of run %d: %w", len(recs), recs[0].RunID, err)
	}
	return nil
}

// Operations implements Checkpoints.
func (s *sqlStore) Operations(ctx context.Context, runID int64) ([]OpRecord, error) {
	rows, err := s.db.QueryContext(ctx, s.d.rebind(`SELECT run_id, seq, action, target, outcome, error, okta_id, at
		FROM operations WHERE run_id = ? ORDER BY seq`), runID)
	if err != nil {
		return nil, fmt.Errorf("list operations of run %d: %w", runID, err)
	}
	ops, err := scanOps(rows)
	if err != nil {
		return nil, fmt.Errorf("list operations of run %d: %w", runID, err)
	}
	return ops, nil
}

// scanOps reads and closes rows of the columns run_id, seq, action,
// target, outcome, error, okta_id, at.
func scanOps(rows *sql.Rows) ([]OpRecord, error) {
	defer rows.Close()
	var ops []OpRecord
	for rows.Next() {
		var o OpRecord
		if err := rows.Scan(&o.RunID, &o.Seq, &o.Action, &o.Target, &o.Outcome, &o.Error, &o.OktaID, timeDest(&o.At)); err != nil {
			return nil, err
		}
		ops = append(ops, o)
	}
	return ops, rows.Err()
}

// AddOwned implements Ownership. Adding a login already owned keeps its
// creation time and deactivation mark, takes the new spelling of the
// login, and takes the new Okta id unless it is empty (an intent recorded
// before the create must not erase the id the create returned).
func (s *sqlStore) AddOwned(ctx context.Context, org string, users []OwnedUser) error {
	if len(users) == 0 {
		return nil
	}
	now := time.Now()
	rows := make([][]any, len(users))
	for i, u := range users {
		key := loginKey(u.Login)
		if key == "" {
			return fmt.Errorf("record owned user of %s: empty login", org)
		}
		created := u.CreatedAt
		if created.IsZero() {
			created = now
		}
		rows[i] = []any{org, key, u.Login, u.OktaID, s.d.timeArg(created), s.d.nullTimeArg(u.DeactivatedAt)}
	}
	err := s.batch.execBatch(ctx, s.d.rebind(`INSERT INTO owned_users (org, login_key, login, okta_id, created_at, deactivated_at)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (org, login_key) DO UPDATE SET login = excluded.login,
			okta_id = CASE WHEN excluded.okta_id <> '' THEN excluded.okta_id ELSE owned_users.okta_id END,
			deactivated_at = COALESCE(excluded.deactivated_at, owned_users.deactivated_at)`), rows)
	if err != nil {
		return fmt.Errorf("record %d owned users of %s: %w", len(users), org, err)
	}
	return nil
}

// MarkDeactivated implements Ownership. A login oktasync does not own is
// left alone: there is no ownership to annotate.
func (s *sqlStore) MarkDeactivated(ctx context.Context, org, login string, at time.Time) error {
	if _, err := s.db.ExecContext(ctx, s.d.rebind(`UPDATE owned_users SET deactivated_at = ? WHERE org = ? AND login_key = ?`),
		s.d.nullTimeArg(at), org, loginKey(login)); err != nil {
		return fmt.Errorf("mark owned user %s of %s deactivated: %w", login, org, err)
	}
	return nil
}

// RemoveOwned implements Ownership. Removing a login not owned is no error.
func (s *sqlStore) RemoveOwned(ctx context.Context, org, login string) error {
	if _, err := s.db.ExecContext(ctx, s.d.rebind(`DELETE FROM owned_users WHERE org = ? AND login_key = ?`), org, loginKey(login)); err != nil {
		return fmt.Errorf("forget owned user %s of %s: %w", login, org, err)
	}
	return nil
}

// Owned implements Ownership.
func (s *sqlStore) Owned(ctx context.Context, org string) (map[string]OwnedUser, error) {
	rows, err := s.db.QueryContext(ctx, s.d.rebind(`SELECT login_key, login, okta_id, created_at, deactivated_at
		FROM owned_users WHERE org = ?`), org)
	if err != nil {
		return nil, fmt.Errorf("list owned users of %s: %w", org, err)
	}
	defer rows.Close()
	owned := make(map[string]OwnedUser)
	for rows.Next() {
		var (
			key string
			u   OwnedUser
		)
		if err := rows.Scan(&key, &u.Login, &u.OktaID, timeDest(&u.CreatedAt), timeDest(&u.DeactivatedAt)); err != nil {
			return nil, fmt.Errorf("list owned users of %s: %w", org, err)
		}
		owned[key] = u
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list owned users of %s: %w", org, err)
	}
	return owned, nil
}

// Close implements Store. Locks still held are released; closing again
// does nothing.
func (s *sqlStore) Close() error {
	s.closeOnce.Do(func() {
		lockErr := s.held.releaseAll()
		dbErr := s.db.Close()
		if s.closeFn != nil {
			s.closeFn()
		}
		if err := errors.Join(lockErr, dbErr); err != nil {
			s.closeErr = fmt.Errorf("close state database: %w", err)
		}
	})
	return s.closeErr
}

// formatTime renders t for an SQLite TEXT column: RFC 3339 in UTC with
// nanoseconds.
func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// parseTime reads a formatTime value.
func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("parse stored time %q: %w", s, err)
	}
	return t.UTC(), nil
}

// timeDest returns a scan destination that stores a timestamp column in
// *t, in UTC: a time.Time (PostgreSQL) or formatTime text (SQLite); NULL
// stores the zero time.
func timeDest(t *time.Time) sql.Scanner { return timeScanner{t} }

// timeScanner is timeDest's scan destination.
type timeScanner struct{ t *time.Time }

// Scan implements sql.Scanner.
func (ts timeScanner) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*ts.t = time.Time{}
	case time.Time:
		*ts.t = v.UTC()
	case string:
		t, err := parseTime(v)
		if err != nil {
			return err
		}
		*ts.t = t
	case []byte:
		return ts.Scan(string(v))
	default:
		return fmt.Errorf("stored time of type %T", src)
	}
	return nil
}
