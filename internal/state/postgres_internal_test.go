package state

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Every pooled connection runs with the store's schema as search_path and
// the configured statement timeout, which stops a long statement.
func TestPostgresSessionSettings(t *testing.T) {
	t.Parallel()
	url := os.Getenv("OKTASYNC_TEST_POSTGRES_URL")
	if url == "" {
		url = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	ctx := t.Context()
	admin, err := pgx.Connect(ctx, url)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("test PostgreSQL unreachable: %v", err)
		}
		t.Skipf("test PostgreSQL unreachable: %v", err)
	}
	admin.Close(ctx)
	b := make([]byte, 6)
	rand.Read(b)
	schema := "oktasync_test_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, `DROP SCHEMA IF EXISTS `+quoteIdent(schema)+` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})

	st, err := Open(ctx, url, Options{Schema: schema, AutoMigrate: true, StatementTimeout: 250 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	pool := st.(*pgStore).pool

	tests := []struct{ setting, want string }{
		{"search_path", quoteIdent(schema)},
		{"statement_timeout", "250ms"},
		{"application_name", "oktasync"},
	}
	for _, tc := range tests {
		var got string
		if err := pool.QueryRow(ctx, "SELECT current_setting($1)", tc.setting).Scan(&got); err != nil {
			t.Fatalf("current_setting(%s): %v", tc.setting, err)
		}
		if got != tc.want {
			t.Errorf("%s = %q, want %q", tc.setting, got, tc.want)
		}
	}
	if _, err := pool.Exec(ctx, "SELECT pg_sleep(30)"); err == nil {
		t.Errorf("a 30s statement finished under a 250ms statement timeout")
	}
}
