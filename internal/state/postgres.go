package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"regexp"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
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

// pgSchema returns the schema opts names (DefaultSchema when none), or
// an error wrapping ErrBadSchema when it is not a plain identifier.
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

// openPostgres opens the PostgreSQL Store at url in opts' schema. Its
// queries go through database/sql over a pgx pool; its run lock is a
// session advisory lock on a connection taken out of that pool.
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
	db := stdlib.OpenDBFromPool(pool)
	closeAll := func() {
		db.Close()
		pool.Close()
	}
	d := postgresDialect(schema)
	if opts.AutoMigrate {
		if _, err := runMigrations(ctx, db, d, log); err != nil {
			closeAll()
			return nil, fmt.Errorf("migrate state schema %s: %w", schema, err)
		}
	} else {
		pending, err := pendingMigrations(ctx, db, d)
		if err != nil {
			closeAll()
			return nil, fmt.Errorf("check state schema %s: %w", schema, err)
		}
		if len(pending) > 0 {
			closeAll()
			return nil, fmt.Errorf("state schema %s lacks %v: %w", schema, pending, ErrMigrationsPending)
		}
	}
	return &sqlStore{
		db: db, d: d, log: log,
		lock:    &advisoryLocker{pool: pool, schema: schema, clock: opts.clock()},
		batch:   pgxBatcher{pool},
		closeFn: pool.Close,
	}, nil
}

// migratePostgresURL applies the pending migrations of the PostgreSQL
// database at url, in opts' schema.
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
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	applied, err := runMigrations(ctx, db, postgresDialect(schema), opts.logger())
	if err != nil {
		return applied, fmt.Errorf("migrate state schema %s: %w", schema, err)
	}
	return applied, nil
}

// postgresDialect is PostgreSQL's, for the tables in schema: $n
// placeholders, times as TIMESTAMPTZ, and schema_migrations named with its
// schema, which may not exist yet when a connection starts.
func postgresDialect(schema string) *dialect {
	q := quoteIdent(schema)
	return &dialect{
		name:     "postgres",
		numbered: true,
		timeArg:  func(t time.Time) any { return t },
		logAttrs: []any{"schema", schema},

		migrationsTable: q + ".schema_migrations",
		createMigrationsTable: `CREATE TABLE IF NOT EXISTS ` + q + `.schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		checksum   TEXT NOT NULL,
		applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
	)`,
		migrationsTableExists: `SELECT to_regclass($1) IS NOT NULL`,
		migrationsTableArgs:   []any{q + ".schema_migrations"},
		beginMigration: func(ctx context.Context, tx *sql.Tx) error {
			return beginPGMigration(ctx, tx, schema)
		},
	}
}

// beginPGMigration prepares a migration's transaction: it takes a
// transaction-scoped advisory lock, so that processes migrating at once
// take turns; creates schema if absent; and makes it the search_path, as
// the migrations name their tables unqualified.
func beginPGMigration(ctx context.Context, tx *sql.Tx, schema string) error {
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, advisoryKey("oktasync-migrate", schema)); err != nil {
		return fmt.Errorf("take migration lock: %w", err)
	}
	q := quoteIdent(schema)
	// Creating a schema needs the CREATE privilege on the database even
	// when it exists; look first, so a role given only a ready-made
	// schema can migrate it.
	var exists bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1)`, schema).Scan(&exists); err != nil {
		return fmt.Errorf("look for schema: %w", err)
	}
	if !exists {
		if _, err := tx.ExecContext(ctx, `CREATE SCHEMA `+q); err != nil {
			return fmt.Errorf("create schema: %w", err)
		}
	}
	// The pool's search_path names the schema, which may not have
	// existed when the connection started; set it for this transaction.
	if _, err := tx.ExecContext(ctx, `SET LOCAL search_path TO `+q); err != nil {
		return fmt.Errorf("set search_path: %w", err)
	}
	return nil
}

// pgxBatcher is PostgreSQL's batcher: the rows go to the server in one
// round trip, in one transaction.
type pgxBatcher struct{ pool *pgxpool.Pool }

func (b pgxBatcher) execBatch(ctx context.Context, query string, rows [][]any) error {
	batch := &pgx.Batch{}
	for _, args := range rows {
		batch.Queue(query, args...)
	}
	return pgx.BeginFunc(ctx, b.pool, func(tx pgx.Tx) error {
		return tx.SendBatch(ctx, batch).Close()
	})
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
