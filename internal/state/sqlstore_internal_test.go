package state

import (
	"testing"
	"time"
)

func TestRebind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		query, sqlite, postgres string
	}{
		{"SELECT 1", "SELECT 1", "SELECT 1"},
		{"UPDATE t SET a = ? WHERE b = ? AND c <> ?", "UPDATE t SET a = ? WHERE b = ? AND c <> ?", "UPDATE t SET a = $1 WHERE b = $2 AND c <> $3"},
		{"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"},
	}
	pg := postgresDialect("oktasync")
	for _, tc := range tests {
		if got := sqliteDialect.rebind(tc.query); got != tc.sqlite {
			t.Errorf("sqlite rebind(%q) = %q, want %q", tc.query, got, tc.sqlite)
		}
		if got := pg.rebind(tc.query); got != tc.postgres {
			t.Errorf("postgres rebind(%q) = %q, want %q", tc.query, got, tc.postgres)
		}
	}
}

func TestTimeDest(t *testing.T) {
	t.Parallel()
	want := time.Date(2026, 11, 29, 9, 30, 15, 123456789, time.UTC)
	tests := []struct {
		name    string
		src     any
		want    time.Time
		wantErr bool
	}{
		{"NULL", nil, time.Time{}, false},
		{"PostgreSQL time, another zone", want.In(time.FixedZone("CET", 3600)), want, false},
		{"SQLite text", "2026-11-29T09:30:15.123456789Z", want, false},
		{"SQLite text as bytes", []byte("2026-11-29T09:30:15.123456789Z"), want, false},
		{"text not a time", "yesterday", time.Time{}, true},
		{"a number", int64(5), time.Time{}, true},
	}
	for _, tc := range tests {
		got := time.Now()
		err := timeDest(&got).Scan(tc.src)
		if (err != nil) != tc.wantErr {
			t.Errorf("%s: Scan error = %v, want error %v", tc.name, err, tc.wantErr)
			continue
		}
		if err == nil && (!got.Equal(tc.want) || got.Location() != time.UTC) {
			t.Errorf("%s: Scan stored %v, want %v in UTC", tc.name, got, tc.want)
		}
	}
}
