package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gofrs/flock"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// sqliteBusyTimeout is how long a writer waits for another connection's
// write transaction before failing with SQLITE_BUSY.
const sqliteBusyTimeout = 10 * time.Second

// sqliteStore is the SQLite Store.
type sqliteStore struct {
	db        *sql.DB
	log       *slog.Logger
	lock      locker
	held      heldLocks
	closeOnce sync.Once
	closeErr  error
}

var _ Store = (*sqliteStore)(nil)

// sqliteDSN returns the driver DSN for path: a busy timeout, foreign keys
// on, and write transactions begun IMMEDIATE so that concurrent writers
// queue on the busy timeout instead of failing on a lock upgrade. The WAL
// journal mode, which is kept in the file, is set by setupSQLite.
func sqliteDSN(path string) string {
	dsn := path + fmt.Sprintf("?_pragma=busy_timeout(%d)&_pragma=foreign_keys(1)&_txlock=immediate", sqliteBusyTimeout.Milliseconds())
	if path != memoryTarget {
		dsn += "&_pragma=synchronous(NORMAL)"
	}
	return dsn
}

// setupSQLite makes db ready for use: WAL journal mode, then the pending
// migrations applied (migrate) or their absence checked. For a file it
// holds an exclusive lock on <db>.setup.lock meanwhile: SQLite answers
// "database is locked" without waiting while another connection converts
// a new file to WAL, so processes opening the same new file take turns.
func setupSQLite(ctx context.Context, db *sql.DB, path string, migrate bool, log *slog.Logger) ([]string, error) {
	var applied []string
	run := func() error {
		if path != memoryTarget {
			var mode string
			if err := db.QueryRowContext(ctx, `PRAGMA journal_mode = WAL`).Scan(&mode); err != nil {
				return fmt.Errorf("set WAL journal mode: %w", err)
			}
			if !strings.EqualFold(mode, "wal") {
				return fmt.Errorf("set WAL journal mode: the database stays in %q mode", mode)
			}
		}
		if migrate {
			var err error
			applied, err = migrateSQLite(ctx, db, log)
			return err
		}
		pending, err := pendingSQLite(ctx, db)
		if err != nil {
			return err
		}
		if len(pending) > 0 {
			return fmt.Errorf("lacks %v: %w", pending, ErrMigrationsPending)
		}
		return nil
	}
	if path == memoryTarget {
		return applied, run()
	}
	f := flock.New(path+".setup.lock", flock.SetPermissions(0o600))
	defer f.Close()
	ok, err := f.TryLockContext(ctx, lockPollInterval)
	if err != nil || !ok {
		return nil, fmt.Errorf("wait for %s: %w", f.Path(), errors.Join(err, ctx.Err()))
	}
	defer f.Unlock()
	return applied, run()
}

// openSQLiteDB opens the database at path (creating its directory) and
// configures the pool. A memory database lives in a single connection that
// is never closed, since each connection would see its own empty database.
func openSQLiteDB(path string) (*sql.DB, error) {
	if path != memoryTarget {
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, fmt.Errorf("create state directory %s: %w", dir, err)
			}
		}
	}
	db, err := sql.Open("sqlite", sqliteDSN(path))
	if err != nil {
		return nil, fmt.Errorf("open state database %s: %w", path, err)
	}
	if path == memoryTarget {
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
		db.SetConnMaxLifetime(0)
		db.SetConnMaxIdleTime(0)
	} else {
		db.SetMaxOpenConns(8)
		db.SetMaxIdleConns(8)
	}
	return db, nil
}

func openSQLite(ctx context.Context, path string, opts Options) (Store, error) {
	log := opts.logger()
	db, err := openSQLiteDB(path)
	if err != nil {
		return nil, err
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open state database %s: %w", path, err)
	}
	if _, err := setupSQLite(ctx, db, path, opts.AutoMigrate, log); err != nil {
		db.Close()
		return nil, fmt.Errorf("set up state database %s: %w", path, err)
	}
	s := &sqliteStore{db: db, log: log}
	if path == memoryTarget {
		s.lock = newMemLocker()
	} else {
		s.lock = newFileLocker(path + ".lock")
	}
	return s, nil
}

func migrateSQLiteURL(ctx context.Context, path string, opts Options) ([]string, error) {
	db, err := openSQLiteDB(path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	applied, err := setupSQLite(ctx, db, path, true, opts.logger())
	if err != nil {
		return applied, fmt.Errorf("migrate state database %s: %w", path, err)
	}
	return applied, nil
}

const sqliteMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    checksum   TEXT NOT NULL,
    applied_at TEXT NOT NULL
)`

// sqliteApplied returns the versions recorded in schema_migrations.
func sqliteApplied(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}) (applied, error) {
	rows, err := q.QueryContext(ctx, `SELECT version, checksum FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	defer rows.Close()
	done := make(applied)
	for rows.Next() {
		var (
			v   int
			sum string
		)
		if err := rows.Scan(&v, &sum); err != nil {
			return nil, fmt.Errorf("read schema_migrations: %w", err)
		}
		done[v] = sum
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	return done, nil
}

// pendingSQLite lists the migrations db lacks. It only reads.
func pendingSQLite(ctx context.Context, db *sql.DB) ([]string, error) {
	ms, err := dialectMigrations("sqlite")
	if err != nil {
		return nil, err
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&n); err != nil {
		return nil, fmt.Errorf("look for schema_migrations: %w", err)
	}
	done := make(applied)
	if n > 0 {
		if done, err = sqliteApplied(ctx, db); err != nil {
			return nil, err
		}
	}
	if err := checkApplied(done, ms); err != nil {
		return nil, err
	}
	return pending(done, ms), nil
}

// migrateSQLite applies the pending migrations, each in its own
// transaction. The transaction is IMMEDIATE, so a second process migrating
// at the same time waits and then finds the migration already recorded.
func migrateSQLite(ctx context.Context, db *sql.DB, log *slog.Logger) ([]string, error) {
	ms, err := dialectMigrations("sqlite")
	if err != nil {
		return nil, err
	}
	var done []string
	for _, m := range ms {
		ok, err := applySQLiteMigration(ctx, db, ms, m)
		if err != nil {
			return done, err
		}
		if ok {
			log.Info("applied state migration", "dialect", "sqlite", "migration", m.Name)
			done = append(done, m.Name)
		}
	}
	return done, nil
}

// applySQLiteMigration applies m unless it is already recorded, and says
// whether it did.
func applySQLiteMigration(ctx context.Context, db *sql.DB, all []migration, m migration) (bool, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("migration %s: begin: %w", m.Name, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, sqliteMigrationsTable); err != nil {
		return false, fmt.Errorf("migration %s: create schema_migrations: %w", m.Name, err)
	}
	done, err := sqliteApplied(ctx, tx)
	if err != nil {
		return false, fmt.Errorf("migration %s: %w", m.Name, err)
	}
	if err := checkApplied(done, all); err != nil {
		return false, err
	}
	if _, ok := done[m.Version]; ok {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return false, fmt.Errorf("migration %s: %w", m.Name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)`,
		m.Version, m.Name, m.Sum, formatTime(time.Now())); err != nil {
		return false, fmt.Errorf("migration %s: record: %w", m.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("migration %s: commit: %w", m.Name, err)
	}
	return true, nil
}

// Lock implements Store. The lock file covers the whole database, so it
// serialises writers of every org sharing the file.
func (s *sqliteStore) Lock(ctx context.Context, org string, wait time.Duration) (func() error, error) {
	unlock, err := s.lock.lock(ctx, org, wait)
	if err != nil {
		return nil, err
	}
	s.log.Debug("took state lock", "org", org)
	return s.held.add(unlock), nil
}

// BeginRun implements Store.
func (s *sqliteStore) BeginRun(ctx context.Context, r Run) (int64, error) {
	started := r.StartedAt
	if started.IsZero() {
		started = time.Now()
	}
	counts, err := encodeCounts(r.Counts)
	if err != nil {
		return 0, fmt.Errorf("begin run for %s: %w", r.Org, err)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("begin run for %s: %w", r.Org, err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `INSERT INTO runs (org, dry_run, status, started_at, counts, error, config_digest)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		r.Org, r.DryRun, RunRunning, formatTime(started), counts, r.Error, r.ConfigDigest)
	if err != nil {
		return 0, fmt.Errorf("begin run for %s: insert: %w", r.Org, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("begin run for %s: read id: %w", r.Org, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE runs SET status = ?, error = ? WHERE org = ? AND status = ? AND id <> ?`,
		RunInterrupted, interruptedMessage(id), r.Org, RunRunning, id); err != nil {
		return 0, fmt.Errorf("begin run for %s: mark interrupted runs: %w", r.Org, err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("begin run for %s: commit: %w", r.Org, err)
	}
	return id, nil
}

// RecordOperations implements Store: one transaction per call. A record
// for a (run, seq) already checkpointed replaces it.
func (s *sqliteStore) RecordOperations(ctx context.Context, recs []OpRecord) error {
	if len(recs) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("record %d operations: %w", len(recs), err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO operations (run_id, seq, action, target, outcome, error, okta_id, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (run_id, seq) DO UPDATE SET action = excluded.action, target = excluded.target,
			outcome = excluded.outcome, error = excluded.error, okta_id = excluded.okta_id, at = excluded.at`)
	if err != nil {
		return fmt.Errorf("record %d operations: prepare: %w", len(recs), err)
	}
	defer stmt.Close()
	now := time.Now()
	for _, r := range recs {
		at := r.At
		if at.IsZero() {
			at = now
		}
		if _, err := stmt.ExecContext(ctx, r.RunID, r.Seq, r.Action, r.Target, r.Outcome, r.Error, r.OktaID, formatTime(at)); err != nil {
			return fmt.Errorf("record operation %d of run %d (%s %s): %w", r.Seq, r.RunID, r.Action, r.Target, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("record %d operations: commit: %w", len(recs), err)
	}
	return nil
}

// FinishRun implements Store.
func (s *sqliteStore) FinishRun(ctx context.Context, id int64, status string, counts map[string]int, errMsg string) error {
	c, err := encodeCounts(counts)
	if err != nil {
		return fmt.Errorf("finish run %d: %w", id, err)
	}
	res, err := s.db.ExecContext(ctx, `UPDATE runs SET status = ?, finished_at = ?, counts = ?, error = ? WHERE id = ?`,
		status, formatTime(time.Now()), c, errMsg, id)
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

// Runs implements Store. limit <= 0 means no limit.
func (s *sqliteStore) Runs(ctx context.Context, org string, limit int) ([]Run, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, org, dry_run, status, started_at, finished_at, counts, error, config_digest
		FROM runs WHERE ? = '' OR org = ? ORDER BY id DESC LIMIT ?`, org, org, limit)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	defer rows.Close()
	var runs []Run
	for rows.Next() {
		var (
			r               Run
			started, counts string
			finished        sql.NullString
		)
		if err := rows.Scan(&r.ID, &r.Org, &r.DryRun, &r.Status, &started, &finished, &counts, &r.Error, &r.ConfigDigest); err != nil {
			return nil, fmt.Errorf("list runs: %w", err)
		}
		if r.StartedAt, err = parseTime(started); err != nil {
			return nil, fmt.Errorf("list runs: run %d: %w", r.ID, err)
		}
		if finished.Valid {
			if r.FinishedAt, err = parseTime(finished.String); err != nil {
				return nil, fmt.Errorf("list runs: run %d: %w", r.ID, err)
			}
		}
		if r.Counts, err = decodeCounts([]byte(counts)); err != nil {
			return nil, fmt.Errorf("list runs: run %d: %w", r.ID, err)
		}
		runs = append(runs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	return runs, nil
}

// Operations implements Store.
func (s *sqliteStore) Operations(ctx context.Context, runID int64) ([]OpRecord, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT run_id, seq, action, target, outcome, error, okta_id, at
		FROM operations WHERE run_id = ? ORDER BY seq`, runID)
	if err != nil {
		return nil, fmt.Errorf("list operations of run %d: %w", runID, err)
	}
	defer rows.Close()
	var ops []OpRecord
	for rows.Next() {
		var (
			o  OpRecord
			at string
		)
		if err := rows.Scan(&o.RunID, &o.Seq, &o.Action, &o.Target, &o.Outcome, &o.Error, &o.OktaID, &at); err != nil {
			return nil, fmt.Errorf("list operations of run %d: %w", runID, err)
		}
		if o.At, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("list operations of run %d: seq %d: %w", runID, o.Seq, err)
		}
		ops = append(ops, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list operations of run %d: %w", runID, err)
	}
	return ops, nil
}

// AddOwned implements Store. Adding a login already owned keeps its
// creation time and deactivation mark, takes the new spelling of the
// login, and takes the new Okta id unless it is empty (an intent recorded
// before the create must not erase the id the create returned).
func (s *sqliteStore) AddOwned(ctx context.Context, org string, users []OwnedUser) error {
	if len(users) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("record %d owned users of %s: %w", len(users), org, err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO owned_users (org, login_key, login, okta_id, created_at, deactivated_at)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (org, login_key) DO UPDATE SET login = excluded.login,
			okta_id = CASE WHEN excluded.okta_id <> '' THEN excluded.okta_id ELSE owned_users.okta_id END,
			deactivated_at = COALESCE(excluded.deactivated_at, owned_users.deactivated_at)`)
	if err != nil {
		return fmt.Errorf("record %d owned users of %s: prepare: %w", len(users), org, err)
	}
	defer stmt.Close()
	now := time.Now()
	for _, u := range users {
		key := loginKey(u.Login)
		if key == "" {
			return fmt.Errorf("record owned user of %s: empty login", org)
		}
		created := u.CreatedAt
		if created.IsZero() {
			created = now
		}
		if _, err := stmt.ExecContext(ctx, org, key, u.Login, u.OktaID, formatTime(created), nullTime(u.DeactivatedAt)); err != nil {
			return fmt.Errorf("record owned user %s of %s: %w", u.Login, org, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("record %d owned users of %s: commit: %w", len(users), org, err)
	}
	return nil
}

// MarkDeactivated implements Store. A login oktasync does not own is left
// alone: there is no ownership to annotate.
func (s *sqliteStore) MarkDeactivated(ctx context.Context, org, login string, at time.Time) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE owned_users SET deactivated_at = ? WHERE org = ? AND login_key = ?`,
		nullTime(at), org, loginKey(login)); err != nil {
		return fmt.Errorf("mark owned user %s of %s deactivated: %w", login, org, err)
	}
	return nil
}

// RemoveOwned implements Store. Removing a login not owned is no error.
func (s *sqliteStore) RemoveOwned(ctx context.Context, org, login string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM owned_users WHERE org = ? AND login_key = ?`, org, loginKey(login)); err != nil {
		return fmt.Errorf("forget owned user %s of %s: %w", login, org, err)
	}
	return nil
}

// Owned implements Store.
func (s *sqliteStore) Owned(ctx context.Context, org string) (map[string]OwnedUser, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT login_key, login, okta_id, created_at, deactivated_at
		FROM owned_users WHERE org = ?`, org)
	if err != nil {
		return nil, fmt.Errorf("list owned users of %s: %w", org, err)
	}
	defer rows.Close()
	owned := make(map[string]OwnedUser)
	for rows.Next() {
		var (
			key, created string
			deactivated  sql.NullString
			u            OwnedUser
		)
		if err := rows.Scan(&key, &u.Login, &u.OktaID, &created, &deactivated); err != nil {
			return nil, fmt.Errorf("list owned users of %s: %w", org, err)
		}
		if u.CreatedAt, err = parseTime(created); err != nil {
			return nil, fmt.Errorf("list owned users of %s: %s: %w", org, key, err)
		}
		if deactivated.Valid {
			if u.DeactivatedAt, err = parseTime(deactivated.String); err != nil {
				return nil, fmt.Errorf("list owned users of %s: %s: %w", org, key, err)
			}
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
func (s *sqliteStore) Close() error {
	s.closeOnce.Do(func() {
		lockErr := s.held.releaseAll()
		if err := errors.Join(lockErr, s.db.Close()); err != nil {
			s.closeErr = fmt.Errorf("close state database: %w", err)
		}
	})
	return s.closeErr
}

// formatTime renders t for a TEXT column: RFC 3339 in UTC with nanoseconds.
func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// parseTime reads a formatTime value.
func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("parse stored time %q: %w", s, err)
	}
	return t.UTC(), nil
}

// nullTime renders t for a nullable TEXT column: NULL for the zero time.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return formatTime(t)
}
