// Package pgtest gives tests a PostgreSQL server to work in: the server's
// URL, a connection, and schemas of their own that are dropped when the
// test ends. Only test code imports it.
//
// The server is OKTASYNC_TEST_POSTGRES_URL, or DefaultURL when that is
// unset (scripts/test starts one there when it can). A test that asks for
// the server when none answers is skipped with a message saying how to
// provide one; under CI=true it fails instead, so that CI never passes
// without having run the PostgreSQL tests.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/oktasync/oktasync/internal/redact"
	"github.com/oktasync/oktasync/internal/testenv"
)

// EnvURL names the environment variable holding the test server's URL.
const EnvURL = "OKTASYNC_TEST_POSTGRES_URL"

// DefaultURL is the test server's URL when EnvURL is unset.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// connectTimeout bounds connecting to the server and dropping a schema.
const connectTimeout = 30 * time.Second

// serverURL returns EnvURL's value, or DefaultURL.
func serverURL() string {
	if u := os.Getenv(EnvURL); u != "" {
		return u
	}
	return DefaultURL
}

var (
	reachOnce sync.Once
	reachErr  error
)

// reachable reports, once per process, why the server cannot be used
// (nil when it answers).
func reachable() error {
	reachOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), connectTimeout)
		defer cancel()
		conn, err := pgx.Connect(ctx, serverURL())
		if err != nil {
			reachErr = err
			return
		}
		defer conn.Close(ctx)
		reachErr = conn.Ping(ctx)
	})
	return reachErr
}

// URL returns the test server's URL. When no server answers there, it
// skips t, or fails it under CI=true.
func URL(t testing.TB) string {
	t.Helper()
	if err := reachable(); err != nil {
		unavailable(t, err)
	}
	return serverURL()
}

// unavailable ends t because the server cannot be used (err says why):
// it fails t under CI=true and skips it otherwise.
func unavailable(t testing.TB, err error) {
	t.Helper()
	msg := fmt.Sprintf("no PostgreSQL answers at %s (set %s, or run scripts/test, which starts one): %v",
		redact.URL(serverURL()), EnvURL, err)
	testenv.Missing(t, "%s", msg)
}

// Connect opens a connection to the test server, closed when t ends. It
// skips or fails t as URL does.
func Connect(t testing.TB) *pgx.Conn {
	t.Helper()
	u := URL(t)
	ctx, cancel := context.WithTimeout(context.Background(), connectTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatalf("connect to test PostgreSQL at %s: %v", redact.URL(u), err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// prefixShape is what a schema name prefix may be: it leaves room for the
// random suffix within PostgreSQL's 63-character identifiers, and needs no
// quoting.
var prefixShape = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,48}$`)

// SchemaName returns a new schema name, prefix followed by "_" and random
// hex, without creating the schema: for code under test that creates it.
// Whatever exists under that name when t ends is dropped. It skips or fails
// t as URL does.
func SchemaName(t testing.TB, prefix string) string {
	t.Helper()
	u := URL(t)
	if !prefixShape.MatchString(prefix) {
		t.Fatalf("pgtest: schema prefix %q: want lower-case letters, digits and underscores, at most 49", prefix)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := prefix + "_" + hex.EncodeToString(b)
	t.Cleanup(func() { dropSchema(t, u, schema) })
	return schema
}

// Schema creates a schema of t's own, named as SchemaName does, and
// returns its name; it is dropped with everything in it when t ends.
func Schema(t testing.TB, prefix string) string {
	t.Helper()
	schema := SchemaName(t, prefix)
	conn := Connect(t)
	ctx, cancel := context.WithTimeout(context.Background(), connectTimeout)
	defer cancel()
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+pgx.Identifier{schema}.Sanitize()); err != nil {
		t.Fatalf("create schema %s: %v", schema, err)
	}
	return schema
}

// SchemaURL returns the test server's URL with schema as the search_path
// of its connections, so that unqualified names resolve there.
func SchemaURL(t testing.TB, schema string) string {
	t.Helper()
	u, err := url.Parse(URL(t))
	if err != nil {
		t.Fatalf("parse %s: %v", EnvURL, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// dropSchema drops schema and everything in it, on a connection of its
// own: the test's connections may be closed by now.
func dropSchema(t testing.TB, serverURL, schema string) {
	ctx, cancel := context.WithTimeout(context.Background(), connectTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		t.Errorf("drop schema %s: %v", schema, err)
		return
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{schema}.Sanitize()+` CASCADE`); err != nil {
		t.Errorf("drop schema %s: %v", schema, err)
	}
}
