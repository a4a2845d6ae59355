package state

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

func TestLoadMigrations(t *testing.T) {
	t.Parallel()
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	tests := []struct {
		name    string
		fs      fstest.MapFS
		want    []string
		wantErr string
	}{
		{
			name: "sorted by version, not by name",
			fs: fstest.MapFS{
				"d/10_later.sql": file("x"), "d/2_second.sql": file("y"), "d/0001_first.sql": file("z"),
				"d/README.md": file("not a migration"),
			},
			want: []string{"0001_first", "2_second", "10_later"},
		},
		{name: "no number", fs: fstest.MapFS{"d/init.sql": file("x")}, wantErr: "NNNN_description.sql"},
		{name: "version zero", fs: fstest.MapFS{"d/0000_init.sql": file("x")}, wantErr: "NNNN_description.sql"},
		{name: "duplicate version", fs: fstest.MapFS{"d/0001_a.sql": file("x"), "d/1_b.sql": file("y")}, wantErr: "share version 1"},
		{name: "missing directory", fs: fstest.MapFS{}, wantErr: "read migrations d"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ms, err := loadMigrations(tc.fs, "d")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("loadMigrations = %v, want an error containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, m := range ms {
				names = append(names, m.Name)
				if len(m.Sum) != 64 {
					t.Errorf("%s: checksum %q is not a hex SHA-256", m.Name, m.Sum)
				}
			}
			if d := cmp.Diff(tc.want, names); d != "" {
				t.Errorf("order (-want +got):\n%s", d)
			}
		})
	}
}

func TestEmbeddedMigrationsLoad(t *testing.T) {
	t.Parallel()
	for _, dialect := range []string{"sqlite", "postgres"} {
		ms, err := dialectMigrations(dialect)
		if err != nil {
			t.Fatalf("%s: %v", dialect, err)
		}
		if len(ms) == 0 || ms[0].Name != "0001_init" {
			t.Errorf("%s migrations = %v, want 0001_init first", dialect, ms)
		}
	}
}

func TestCheckApplied(t *testing.T) {
	t.Parallel()
	known := []migration{{Version: 1, Name: "0001_a", Sum: "aaa"}, {Version: 2, Name: "0002_b", Sum: "bbb"}}
	tests := []struct {
		name        string
		done        applied
		wantErr     string
		wantPending []string
	}{
		{name: "fresh", done: applied{}, wantPending: []string{"0001_a", "0002_b"}},
		{name: "part way", done: applied{1: "aaa"}, wantPending: []string{"0002_b"}},
		{name: "current", done: applied{1: "aaa", 2: "bbb"}},
		{name: "newer database", done: applied{1: "aaa", 2: "bbb", 3: "ccc"}, wantErr: "newer than this oktasync"},
		{name: "edited migration", done: applied{1: "zzz"}, wantErr: "0001_a was applied from a different text"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := checkApplied(tc.done, known)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("checkApplied = %v, want an error containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.wantPending, pending(tc.done, known)); d != "" {
				t.Errorf("pending (-want +got):\n%s", d)
			}
		})
	}
}

// A database whose recorded migration differs from the embedded file is
// refused, with or without AutoMigrate.
func TestOpenRefusesEditedMigration(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.db")
	if _, err := Migrate(t.Context(), "sqlite://"+path, Options{}); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for _, auto := range []bool{true, false} {
		s, err := Open(t.Context(), "sqlite://"+path, Options{AutoMigrate: auto})
		if err == nil {
			s.Close()
			t.Errorf("Open(AutoMigrate=%v) of a database with an edited migration: no error", auto)
		} else if !strings.Contains(err.Error(), "different text") {
			t.Errorf("Open(AutoMigrate=%v) = %v, want it to say the migration text differs", auto, err)
		}
	}
}

// A file database is in WAL mode with foreign keys enforced.
func TestSQLitePragmas(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := Open(t.Context(), "sqlite://"+path, Options{AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	db := s.(*sqlStore).db
	tests := []struct{ pragma, want string }{
		{"journal_mode", "wal"},
		{"foreign_keys", "1"},
		{"busy_timeout", "10000"},
	}
	for _, tc := range tests {
		var got string
		if err := db.QueryRowContext(t.Context(), "PRAGMA "+tc.pragma).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", tc.pragma, err)
		}
		if got != tc.want {
			t.Errorf("PRAGMA %s = %q, want %q", tc.pragma, got, tc.want)
		}
	}
}
