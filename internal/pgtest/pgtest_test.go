package pgtest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// schemaExists reports whether schema is in the test server's catalog.
func schemaExists(t *testing.T, schema string) bool {
	t.Helper()
	var ok bool
	err := Connect(t).QueryRow(context.Background(),
		`SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1)`, schema).Scan(&ok)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// Schema creates a schema that SchemaURL's connections resolve names in,
// and drops it when the test that made it ends.
func TestSchemaLifecycle(t *testing.T) {
	var schema string
	t.Run("inner", func(t *testing.T) {
		schema = Schema(t, "pgtest_lifecycle")
		if !strings.HasPrefix(schema, "pgtest_lifecycle_") {
			t.Errorf("Schema = %q, want the prefix pgtest_lifecycle_", schema)
		}
		if !schemaExists(t, schema) {
			t.Fatalf("schema %s was not created", schema)
		}
		conn := Connect(t)
		var got string
		if err := conn.QueryRow(context.Background(), `SELECT current_setting('search_path')`).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got == schema {
			t.Fatalf("a plain connection already has search_path %q", got)
		}
		sconn, err := pgx.Connect(context.Background(), SchemaURL(t, schema))
		if err != nil {
			t.Fatal(err)
		}
		defer sconn.Close(context.Background())
		if err := sconn.QueryRow(context.Background(), `SELECT current_schema()`).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != schema {
			t.Errorf("current_schema() through SchemaURL = %q, want %q", got, schema)
		}
	})
	if schema != "" && schemaExists(t, schema) {
		t.Errorf("schema %s still exists after its test ended", schema)
	}
}

// SchemaName does not create the schema, but drops it if the code under
// test did.
func TestSchemaNameDropsWhatWasCreated(t *testing.T) {
	var schema string
	t.Run("inner", func(t *testing.T) {
		schema = SchemaName(t, "pgtest_name")
		if schemaExists(t, schema) {
			t.Fatalf("SchemaName created %s", schema)
		}
		if _, err := Connect(t).Exec(context.Background(), `CREATE SCHEMA `+schema); err != nil {
			t.Fatal(err)
		}
	})
	if schema != "" && schemaExists(t, schema) {
		t.Errorf("schema %s still exists after its test ended", schema)
	}
}

// recorder is a testing.TB that records how a test was ended.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()                        {}
func (r *recorder) Skip(args ...any)               { r.skipped = fmt.Sprint(args...) }
func (r *recorder) Fatalf(format string, a ...any) { r.failed = fmt.Sprintf(format, a...) }

// Without a server, a test is skipped, except under CI=true, where it
// fails; the message says how to provide a server and hides the URL's
// password.
func TestUnavailable(t *testing.T) {
	t.Setenv(EnvURL, "postgres://app:s3cr3t-pw@db.invalid:5432/x")
	for _, ci := range []string{"true", ""} {
		t.Run("CI="+ci, func(t *testing.T) {
			t.Setenv("CI", ci)
			r := &recorder{TB: t}
			unavailable(r, errors.New("connection refused"))
			got, other := r.skipped, r.failed
			if ci == "true" {
				got, other = r.failed, r.skipped
			}
			if got == "" || other != "" {
				t.Fatalf("skipped %q, failed %q; want only %s", r.skipped, r.failed, map[bool]string{true: "a failure", false: "a skip"}[ci == "true"])
			}
			for _, want := range []string{EnvURL, "connection refused", "db.invalid"} {
				if !strings.Contains(got, want) {
					t.Errorf("message %q does not mention %q", got, want)
				}
			}
			if strings.Contains(got, "s3cr3t-pw") {
				t.Errorf("message %q repeats the password", got)
			}
		})
	}
}
