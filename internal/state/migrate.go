package state

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

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
