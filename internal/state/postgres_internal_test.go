package state

import (
	"testing"
	"time"

	"github.com/oktasync/oktasync/internal/pgtest"
)

// Every pooled connection runs with the store's schema as search_path and
// the configured statement timeout, which stops a long statement.
func TestPostgresSessionSettings(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	ctx := t.Context()
	schema := pgtest.SchemaName(t, "oktasync_test")

	st, err := Open(ctx, url, Options{Schema: schema, AutoMigrate: true, StatementTimeout: 250 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	db := st.(*sqlStore).db

	tests := []struct{ setting, want string }{
		{"search_path", quoteIdent(schema)},
		{"statement_timeout", "250ms"},
		{"application_name", "oktasync"},
	}
	for _, tc := range tests {
		var got string
		if err := db.QueryRowContext(ctx, "SELECT current_setting($1)", tc.setting).Scan(&got); err != nil {
			t.Fatalf("current_setting(%s): %v", tc.setting, err)
		}
		if got != tc.want {
			t.Errorf("%s = %q, want %q", tc.setting, got, tc.want)
		}
	}
	if _, err := db.ExecContext(ctx, "SELECT pg_sleep(30)"); err == nil {
		t.Errorf("a 30s statement finished under a 250ms statement timeout")
	}
}
