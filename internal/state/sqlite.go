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
	"time"

	"github.com/gofrs/flock"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// sqliteBusyTimeout is how long a writer waits for another connection's
// write transaction before failing with SQLITE_BUSY.
const sqliteBusyTimeout = 10 * time.Second

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
			applied, err = runMigrations(ctx, db, sqliteDialect, log)
			return err
		}
		pending, err := pendingMigrations(ctx, db, sqliteDialect)
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

// openSQLite opens the SQLite Store at path (or memoryTarget). Its run
// lock is a file lock on <path>.lock, or a lock in memory for memoryTarget.
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
	s := &sqlStore{db: db, d: sqliteDialect, log: log, batch: txBatcher{db}}
	if path == memoryTarget {
		s.lock = newMemLocker(opts.clock())
	} else {
		s.lock = &fileLocker{path: path + ".lock", clock: opts.clock()}
	}
	return s, nil
}

// migrateSQLiteURL applies the pending migrations of the SQLite database
// at path.
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

// sqliteDialect is SQLite's: ? placeholders, times as formatTime text, and
// schema_migrations beside the other tables. A write transaction is
// IMMEDIATE (see sqliteDSN), so processes migrating at once take turns
// without a lock of their own.
var sqliteDialect = &dialect{
	name:    "sqlite",
	timeArg: func(t time.Time) any { return formatTime(t) },

	migrationsTable: "schema_migrations",
	createMigrationsTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    checksum   TEXT NOT NULL,
    applied_at TEXT NOT NULL
)`,
	migrationsTableExists: `SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`,
}
