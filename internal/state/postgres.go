package state

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// defaultPGMaxConns caps the pool unless the URL sets pool_max_conns.
const defaultPGMaxConns = 8

// pgUnlockTimeout bounds the statements that release a lock, which run on
// a fresh context so that a cancelled run still releases its lock.
const pgUnlockTimeout = 10 * time.Second

// schemaName is what Options.Schema accepts: a plain, unquoted PostgreSQL
// identifier, so that quoting it is a formality.
var schemaName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// ErrBadSchema is wrapped when Options.Schema is not a plain identifier.
var ErrBadSchema = errors.New("schema must be lower-case letters, digits and underscores, not starting with a digit, at most 63 characters")

// pgStore is the PostgreSQL Store. Every connection of its pool has the
// store's schema as its search_path and a statement timeout; its tables
// are named unqualified in queries.
type pgStore struct {
	pool   *pgxpool.Pool
	schema string
	log    *slog.Logger

	held      heldLocks
	closeOnce sync.Once
	closeErr  error
}

var _ Store = (*pgStore)(nil)

func pgSchema(opts Options) (string, error) {
	schema := opts.Schema
	if schema == "" {
		schema = DefaultSchema
	}
	if !schemaName.MatchString(schema) {
		return "", fmt.Errorf("state schema %q: %w", schema, ErrBadSchema)
	}
	return schema, nil
}

// quoteIdent quotes a validated identifier.
func quoteIdent(s string) string { return pgx.Identifier{s}.Sanitize() }

// newPGPool connects a pool to url whose connections use schema and the
// statement timeout of opts.
func newPGPool(ctx context.Context, url, schema string, opts Options) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's parse errors hide the password.
		return nil, fmt.Errorf("parse state database URL: %w", err)
	}
	if cfg.MaxConns == defaultPoolMaxConns() {
		cfg.MaxConns = defaultPGMaxConns
	}
	timeout := opts.StatementTimeout
	if timeout <= 0 {
		timeout = DefaultStatementTimeout
	}
	rp := cfg.ConnConfig.RuntimeParams
	rp["search_path"] = quoteIdent(schema)
	rp["statement_timeout"] = strconv.FormatInt(timeout.Milliseconds(), 10)
	if rp["application_name"] == "" {
		rp["application_name"] = "oktasync"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to state database %s: %w", pgTarget(cfg), err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to state database %s: %w", pgTarget(cfg), err)
	}
	return pool, nil
}

// defaultPoolMaxConns is the MaxConns pgxpool picks when the URL sets none.
func defaultPoolMaxConns() int32 {
	cfg, err := pgxpool.ParseConfig("")
	if err != nil {
		return 0
	}
	return cfg.MaxConns
}

// pgTarget names a database for messages, without credentials.
func pgTarget(cfg *pgxpool.Config) string {
	return fmt.Sprintf("%s:%d/%s", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database)
}

func openPostgres(ctx context.Context, url string, opts Options) (Store, error) {
	schema, err := pgSchema(opts)
	if err != nil {
		return nil, err
	}
	log := opts.logger()
	pool, err := newPGPool(ctx, url, schema, opts)
	if err != nil {
		return nil, err
	}
	if opts.AutoMigrate {
		if _, err := migratePostgres(ctx, pool, schema, log); err != nil {
			pool.Close()
			return nil, fmt.Errorf("migrate state schema %s: %w", schema, err)
		}
	} else {
		pending, err := pendingPostgres(ctx, pool, schema)
		if err != nil {
			pool.Close()
			return nil, fmt.Errorf("check state schema %s: %w", schema, err)
		}
		if len(pending) > 0 {
			pool.Close()
			return nil, fmt.Errorf("state schema %s lacks %v: %w", schema, pending, ErrMigrationsPending)
		}
	}
	return &pgStore{pool: pool, schema: schema, log: log}, nil
}

func migratePostgresURL(ctx context.Context, url string, opts Options) ([]string, error) {
	schema, err := pgSchema(opts)
	if err != nil {
		return nil, err
	}
	pool, err := newPGPool(ctx, url, schema, opts)
	if err != nil {
		return nil, err
	}
	defer pool.Close()
	applied, err := migratePostgres(ctx, pool, schema, opts.logger())
	if err != nil {
		return applied, fmt.Errorf("migrate state schema %s: %w", schema, err)
	}
	return applied, nil
}

// advisoryKey derives a 64-bit advisory lock key from parts.
func advisoryKey(parts ...string) int64 {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return int64(h.Sum64())
}

// pgApplied returns the versions recorded in the schema's
// schema_migrations, none when the table does not exist.
func pgApplied(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, schema string) (applied, error) {
	var exists bool
	if err := q.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, quoteIdent(schema)+".schema_migrations").Scan(&exists); err != nil {
		return nil, fmt.Errorf("look for schema_migrations: %w", err)
	}
	done := make(applied)
	if !exists {
		return done, nil
	}
	rows, err := q.Query(ctx, `SELECT version, checksum FROM `+quoteIdent(schema)+`.schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	defer rows.Close()
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

func pendingPostgres(ctx context.Context, pool *pgxpool.Pool, schema string) ([]string, error) {
	ms, err := dialectMigrations("postgres")
	if err != nil {
		return nil, err
	}
	done, err := pgApplied(ctx, pool, schema)
	if err != nil {
		return nil, err
	}
	if err := checkApplied(done, ms); err != nil {
		return nil, err
	}
	return pending(done, ms), nil
}

// migratePostgres creates the schema if absent and applies the pending
// migrations, each in its own transaction holding a transaction-scoped
// advisory lock, so that processes migrating at once take turns.
func migratePostgres(ctx context.Context, pool *pgxpool.Pool, schema string, log *slog.Logger) ([]string, error) {
	ms, err := dialectMigrations("postgres")
	if err != nil {
		return nil, err
	}
	var done []string
	for _, m := range ms {
		ok, err := applyPGMigration(ctx, pool, schema, ms, m)
		if err != nil {
			return done, err
		}
		if ok {
			log.Info("applied state migration", "dialect", "postgres", "schema", schema, "migration", m.Name)
			done = append(done, m.Name)
		}
	}
	return done, nil
}

func applyPGMigration(ctx context.Context, pool *pgxpool.Pool, schema string, all []migration, m migration) (bool, error) {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return false, fmt.Errorf("migration %s: begin: %w", m.Name, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, advisoryKey("oktasync-migrate", schema)); err != nil {
		return false, fmt.Errorf("migration %s: take migration lock: %w", m.Name, err)
	}
	q := quoteIdent(schema)
	// Creating a schema needs the CREATE privilege on the database even
	// when it exists; look first, so a role given only a ready-made
	// schema can migrate it.
	var exists bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1)`, schema).Scan(&exists); err != nil {
		return false, fmt.Errorf("migration %s: look for schema: %w", m.Name, err)
	}
	if !exists {
		if _, err := tx.Exec(ctx, `CREATE SCHEMA `+q); err != nil {
			return false, fmt.Errorf("migration %s: create schema: %w", m.Name, err)
		}
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+q+`.schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		checksum   TEXT NOT NULL,
		applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
	)`); err != nil {
		return false, fmt.Errorf("migration %s: create schema_migrations: %w", m.Name, err)
	}
	done, err := pgApplied(ctx, tx, schema)
	if err != nil {
		return false, fmt.Errorf("migration %s: %w", m.Name, err)
	}
	if err := checkApplied(done, all); err != nil {
		return false, err
	}
	if _, ok := done[m.Version]; ok {
		return false, nil
	}
	// The pool's search_path names the schema, which may not have
	// existed when the connection started; set it for this transaction.
	if _, err := tx.Exec(ctx, `SET LOCAL search_path TO `+q); err != nil {
		return false, fmt.Errorf("migration %s: set search_path: %w", m.Name, err)
	}
	if _, err := tx.Exec(ctx, m.SQL); err != nil {
		return false, fmt.Errorf("migration %s: %w", m.Name, err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO `+q+`.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)`, m.Version, m.Name, m.Sum); err != nil {
		return false, fmt.Errorf("migration %s: record: %w", m.Name, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return false, fmt.Errorf("migration %s: commit: %w", m.Name, err)
	}
	return true, nil
}

// Lock implements Store with a session advisory lock keyed by the schema
// and org, held on a connection taken out of the pool for the lock's life.
// The holder's description is kept in the locks table; if the process dies
// its connection closes and PostgreSQL releases the lock.
func (s *pgStore) Lock(ctx context.Context, org string, wait time.Duration) (func() error, error) {
	key := advisoryKey("oktasync-run", s.schema, org)
	pc, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("lock %s: get a connection: %w", org, err)
	}
	conn := pc.Hijack()
	closeConn := func() {
		cctx, cancel := context.WithTimeout(context.Background(), pgUnlockTimeout)
		defer cancel()
		conn.Close(cctx)
	}
	ok, err := pollLock(ctx, wait, func() (bool, error) {
		var ok bool
		if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&ok); err != nil {
			return false, fmt.Errorf("try advisory lock: %w", err)
		}
		return ok, nil
	})
	if err != nil {
		closeConn()
		return nil, fmt.Errorf("lock %s: %w", org, err)
	}
	if !ok {
		closeConn()
		return nil, &LockedError{Org: org, Holder: s.holder(ctx, org)}
	}
	holder := holderDescription(time.Now())
	if _, err := conn.Exec(ctx, `INSERT INTO locks (org, holder, acquired_at) VALUES ($1, $2, now())
		ON CONFLICT (org) DO UPDATE SET holder = excluded.holder, acquired_at = excluded.acquired_at`, org, holder); err != nil {
		closeConn()
		return nil, fmt.Errorf("lock %s: record holder: %w", org, err)
	}
	s.log.Debug("took state lock", "org", org, "schema", s.schema)

	return s.held.add(func() error {
		uctx, cancel := context.WithTimeout(context.Background(), pgUnlockTimeout)
		defer cancel()
		_, delErr := conn.Exec(uctx, `DELETE FROM locks WHERE org = $1 AND holder = $2`, org, holder)
		// Closing the session releases the advisory lock even if the
		// explicit unlock fails.
		_, unlockErr := conn.Exec(uctx, `SELECT pg_advisory_unlock($1)`, key)
		closeErr := conn.Close(uctx)
		if err := errors.Join(delErr, unlockErr, closeErr); err != nil {
			return fmt.Errorf("unlock %s: %w", org, err)
		}
		return nil
	}), nil
}

// holder reads who holds org's lock, for a LockedError.
func (s *pgStore) holder(ctx context.Context, org string) string {
	var h string
	err := s.pool.QueryRow(ctx, `SELECT holder FROM locks WHERE org = $1`, org).Scan(&h)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return "unknown holder (it has not yet described itself)"
	case err != nil:
		return fmt.Sprintf("unknown holder (%v)", err)
	}
	return h
}

// BeginRun implements Store.
func (s *pgStore) BeginRun(ctx context.Context, r Run) (int64, error) {
	started := r.StartedAt
	if started.IsZero() {
		started = time.Now()
	}
	counts, err := encodeCounts(r.Counts)
	if err != nil {
		return 0, fmt.Errorf("begin run for %s: %w", r.Org, err)
	}
	var id int64
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO runs (org, dry_run, status, started_at, counts, error, config_digest)
			VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7) RETURNING id`,
			r.Org, r.DryRun, RunRunning, started, counts, r.Error, r.ConfigDigest).Scan(&id); err != nil {
			return fmt.Errorf("insert: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE runs SET status = $1, error = $2 WHERE org = $3 AND status = $4 AND id <> $5`,
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

// RecordOperations implements Store: one transaction per call. A record
// for a (run, seq) already checkpointed replaces it.
func (s *pgStore) RecordOperations(ctx context.Context, recs []OpRecord) error {
	if len(recs) == 0 {
		return nil
	}
	now := time.Now()
	b := &pgx.Batch{}
	for _, r := range recs {
		at := r.At
		if at.IsZero() {
			at = now
		}
		b.Queue(`INSERT INTO operations (run_id, seq, action, target, outcome, error, okta_id, at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (run_id, seq) DO UPDATE SET action = excluded.action, target = excluded.target,
				outcome = excluded.outcome, error = excluded.error, okta_id = excluded.okta_id, at = excluded.at`,
			r.RunID, r.Seq, r.Action, r.Target, r.Outcome, r.Error, r.OktaID, at)
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return fmt.Errorf("record %d operations of run %d: %w", len(recs), recs[0].RunID, err)
	}
	return nil
}

// FinishRun implements Store.
func (s *pgStore) FinishRun(ctx context.Context, id int64, status string, counts map[string]int, errMsg string) error {
	c, err := encodeCounts(counts)
	if err != nil {
		return fmt.Errorf("finish run %d: %w", id, err)
	}
	tag, err := s.pool.Exec(ctx, `UPDATE runs SET status = $1, finished_at = $2, counts = $3::jsonb, error = $4 WHERE id = $5`,
		status, time.Now(), c, errMsg, id)
	if err != nil {
		return fmt.Errorf("finish run %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("finish run %d: %w", id, ErrNoRun)
	}
	return nil
}

// Runs implements Store. limit <= 0 means no limit.
func (s *pgStore) Runs(ctx context.Context, org string, limit int) ([]Run, error) {
	var lim *int64
	if limit > 0 {
		l := int64(limit)
		lim = &l
	}
	rows, err := s.pool.Query(ctx, `SELECT id, org, dry_run, status, started_at, finished_at, counts::text, error, config_digest
		FROM runs WHERE $1::text = '' OR org = $1::text ORDER BY id DESC LIMIT $2::bigint`, org, lim)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	defer rows.Close()
	var runs []Run
	for rows.Next() {
		var (
			r        Run
			finished *time.Time
			counts   string
		)
		if err := rows.Scan(&r.ID, &r.Org, &r.DryRun, &r.Status, &r.StartedAt, &finished, &counts, &r.Error, &r.ConfigDigest); err != nil {
			return nil, fmt.Errorf("list runs: %w", err)
		}
		r.StartedAt = r.StartedAt.UTC()
		if finished != nil {
			r.FinishedAt = finished.UTC()
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
func (s *pgStore) Operations(ctx context.Context, runID int64) ([]OpRecord, error) {
	rows, err := s.pool.Query(ctx, `SELECT run_id, seq, action, target, outcome, error, okta_id, at
		FROM operations WHERE run_id = $1 ORDER BY seq`, runID)
	if err != nil {
		return nil, fmt.Errorf("list operations of run %d: %w", runID, err)
	}
	defer rows.Close()
	var ops []OpRecord
	for rows.Next() {
		var o OpRecord
		if err := rows.Scan(&o.RunID, &o.Seq, &o.Action, &o.Target, &o.Outcome, &o.Error, &o.OktaID, &o.At); err != nil {
			return nil, fmt.Errorf("list operations of run %d: %w", runID, err)
		}
		o.At = o.At.UTC()
		ops = append(ops, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list operations of run %d: %w", runID, err)
	}
	return ops, nil
}

// AddOwned implements Store, with the same merge rules as the SQLite
// store: creation time and deactivation mark kept, login spelling and a
// non-empty Okta id taken from the new record.
func (s *pgStore) AddOwned(ctx context.Context, org string, users []OwnedUser) error {
	if len(users) == 0 {
		return nil
	}
	now := time.Now()
	b := &pgx.Batch{}
	for _, u := range users {
		key := loginKey(u.Login)
		if key == "" {
			return fmt.Errorf("record owned user of %s: empty login", org)
		}
		created := u.CreatedAt
		if created.IsZero() {
			created = now
		}
		var deactivated *time.Time
		if !u.DeactivatedAt.IsZero() {
			deactivated = &u.DeactivatedAt
		}
		b.Queue(`INSERT INTO owned_users (org, login_key, login, okta_id, created_at, deactivated_at)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (org, login_key) DO UPDATE SET login = excluded.login,
				okta_id = CASE WHEN excluded.okta_id <> '' THEN excluded.okta_id ELSE owned_users.okta_id END,
				deactivated_at = COALESCE(excluded.deactivated_at, owned_users.deactivated_at)`,
			org, key, u.Login, u.OktaID, created, deactivated)
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return fmt.Errorf("record %d owned users of %s: %w", len(users), org, err)
	}
	return nil
}

// MarkDeactivated implements Store. A login oktasync does not own is left
// alone.
func (s *pgStore) MarkDeactivated(ctx context.Context, org, login string, at time.Time) error {
	var t *time.Time
	if !at.IsZero() {
		t = &at
	}
	if _, err := s.pool.Exec(ctx, `UPDATE owned_users SET deactivated_at = $1 WHERE org = $2 AND login_key = $3`,
		t, org, loginKey(login)); err != nil {
		return fmt.Errorf("mark owned user %s of %s deactivated: %w", login, org, err)
	}
	return nil
}

// RemoveOwned implements Store. Removing a login not owned is no error.
func (s *pgStore) RemoveOwned(ctx context.Context, org, login string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM owned_users WHERE org = $1 AND login_key = $2`, org, loginKey(login)); err != nil {
		return fmt.Errorf("forget owned user %s of %s: %w", login, org, err)
	}
	return nil
}

// Owned implements Store.
func (s *pgStore) Owned(ctx context.Context, org string) (map[string]OwnedUser, error) {
	rows, err := s.pool.Query(ctx, `SELECT login_key, login, okta_id, created_at, deactivated_at
		FROM owned_users WHERE org = $1`, org)
	if err != nil {
		return nil, fmt.Errorf("list owned users of %s: %w", org, err)
	}
	defer rows.Close()
	owned := make(map[string]OwnedUser)
	for rows.Next() {
		var (
			key         string
			u           OwnedUser
			deactivated *time.Time
		)
		if err := rows.Scan(&key, &u.Login, &u.OktaID, &u.CreatedAt, &deactivated); err != nil {
			return nil, fmt.Errorf("list owned users of %s: %w", org, err)
		}
		u.CreatedAt = u.CreatedAt.UTC()
		if deactivated != nil {
			u.DeactivatedAt = deactivated.UTC()
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
func (s *pgStore) Close() error {
	s.closeOnce.Do(func() {
		if err := s.held.releaseAll(); err != nil {
			s.closeErr = fmt.Errorf("close state database: release locks: %w", err)
		}
		s.pool.Close()
	})
	return s.closeErr
}
