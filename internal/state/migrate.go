package state

import (
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
		ms = append(ms, migration{Version: v, Name: name, SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	return ms, nil
}

// dialectMigrations returns the embedded migrations of dialect ("sqlite" or
// "postgres").
func dialectMigrations(dialect string) ([]migration, error) {
	return loadMigrations(migrations.FS, dialect)
}

// checkNotNewer fails when the database has a migration this binary does
// not know: an older oktasync must not write to a newer schema.
func checkNotNewer(applied map[int]bool, known []migration) error {
	max := 0
	for _, m := range known {
		max = m.Version
	}
	for v := range applied {
		if v > max {
			return fmt.Errorf("state database has schema version %d, newer than this oktasync knows (%d): upgrade oktasync", v, max)
		}
	}
	return nil
}
