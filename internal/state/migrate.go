package state

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/oktasync/oktasync/migrations"
)

// migration is one numbered SQL file.
type migration struct {
	Version int
	Name    string // file name without ".sql", e.g. "0001_init"
	SQL     string
	Sum     string // hex SHA-256 of SQL, recorded when applied
}

// loadMigrations reads dir's NNNN_name.sql files from fsys in version order.
func loadMigrations(fsys fs.FS, dir string) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations %s: %w", dir, err)
	}
	var ms []migration
	seen := make(map[int]string)
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		name := strings.TrimSuffix(e.Name(), ".sql")
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s/%s: name must be NNNN_description.sql", dir, e.Name())
		}
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %s and %s share version %d", prev, name, v)
		}
		seen[v] = name
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read migration %s/%s: %w", dir, e.Name(), err)
		}
		sum := sha256.Sum256(b)
		ms = append(ms, migration{Version: v, Name: name, SQL: string(b), Sum: hex.EncodeToString(sum[:])})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	return ms, nil
}

// dialectMigrations returns the embedded migrations of dialect ("sqlite" or
// "postgres").
func dialectMigrations(dialect string) ([]migration, error) {
	return loadMigrations(migrations.FS, dialect)
}

// applied maps the version of each migration a database has recorded to
// the checksum recorded with it.
type applied map[int]string

// checkApplied fails when the database has a migration this binary does
// not know (an older oktasync must not write to a newer schema), or when a
// migration was applied from a file whose text has since changed
// (migrations are forward-only: a change is a new file).
func checkApplied(done applied, known []migration) error {
	max := 0
	byVersion := make(map[int]migration, len(known))
	for _, m := range known {
		max = m.Version
		byVersion[m.Version] = m
	}
	for v, sum := range done {
		m, ok := byVersion[v]
		if !ok {
			if v > max {
				return fmt.Errorf("state database has schema version %d, newer than this oktasync knows (%d): upgrade oktasync", v, max)
			}
			return fmt.Errorf("state database has migration version %d, which this oktasync does not know", v)
		}
		if sum != m.Sum {
			return fmt.Errorf("migration %s was applied from a different text than this oktasync carries (checksum %.12s, want %.12s)", m.Name, sum, m.Sum)
		}
	}
	return nil
}

// pending lists the names of known migrations not in done.
func pending(done applied, known []migration) []string {
	var out []string
	for _, m := range known {
		if _, ok := done[m.Version]; !ok {
			out = append(out, m.Name)
		}
	}
	return out
}

// querier runs a query on a database or in a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// readApplied returns the migrations recorded in d's migrations table,
// which must exist.
func readApplied(ctx context.Context, q querier, d *dialect) (applied, error) {
	rows, err := q.QueryContext(ctx, `SELECT version, checksum FROM `+d.migrationsTable)
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

// pendingMigrations lists the migrations of d that db lacks. It only
// reads, and fails as checkApplied does.
func pendingMigrations(ctx context.Context, db *sql.DB, d *dialect) ([]string, error) {
	ms, err := dialectMigrations(d.name)
	if err != nil {
		return nil, err
	}
	var exists bool
	if err := db.QueryRowContext(ctx, d.migrationsTableExists, d.migrationsTableArgs...).Scan(&exists); err != nil {
		return nil, fmt.Errorf("look for schema_migrations: %w", err)
	}
	done := make(applied)
	if exists {
		if done, err = readApplied(ctx, db, d); err != nil {
			return nil, err
		}
	}
	if err := checkApplied(done, ms); err != nil {
		return nil, err
	}
	return pending(done, ms), nil
}

// runMigrations applies the pending migrations of d to db, oldest first, and
// returns the names of those it applied.
func runMigrations(ctx context.Context, db *sql.DB, d *dialect, log *slog.Logger) ([]string, error) {
	ms, err := dialectMigrations(d.name)
	if err != nil {
		return nil, err
	}
	var done []string
	for _, m := range ms {
		ok, err := applyMigration(ctx, db, d, ms, m)
		if err != nil {
			return done, err
		}
		if ok {
			attrs := append([]any{"dialect", d.name}, d.logAttrs...)
			log.Info("applied state migration", append(attrs, "migration", m.Name)...)
			done = append(done, m.Name)
		}
	}
	return done, nil
}

// applyMigration applies m in a transaction of its own unless it is
// already recorded, and says whether it did. Processes migrating at once
// take turns: an SQLite write transaction is exclusive from its start, and
// PostgreSQL's beginMigration takes a lock; the second then finds m
// recorded.
func applyMigration(ctx context.Context, db *sql.DB, d *dialect, all []migration, m migration) (bool, error) {
	var (
		did     bool
		refused error // checkApplied's verdict, which needs no context
	)
	err := inTx(ctx, db, func(tx *sql.Tx) error {
		if d.beginMigration != nil {
			if err := d.beginMigration(ctx, tx); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, d.createMigrationsTable); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		done, err := readApplied(ctx, tx, d)
		if err != nil {
			return err
		}
		if refused = checkApplied(done, all); refused != nil {
			return refused
		}
		if _, ok := done[m.Version]; ok {
			return nil
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, d.rebind(`INSERT INTO `+d.migrationsTable+` (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)`),
			m.Version, m.Name, m.Sum, d.timeArg(time.Now())); err != nil {
			return fmt.Errorf("record: %w", err)
		}
		did = true
		return nil
	})
	switch {
	case refused != nil:
		return false, refused
	case err != nil:
		return false, fmt.Errorf("migration %s: %w", m.Name, err)
	}
	return did, nil
}
