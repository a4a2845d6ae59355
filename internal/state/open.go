package state

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/jonboulle/clockwork"
)

// DefaultSchema is the PostgreSQL schema used when Options.Schema is empty.
const DefaultSchema = "oktasync"

// DefaultStatementTimeout bounds each PostgreSQL statement when
// Options.StatementTimeout is zero.
const DefaultStatementTimeout = 30 * time.Second

// Options tunes Open and Migrate.
type Options struct {
	// Schema is the PostgreSQL schema holding oktasync's tables, created
	// when absent (default DefaultSchema). It must be a plain identifier:
	// lower-case letters, digits and underscores, not starting with a
	// digit. SQLite ignores it.
	Schema string
	// AutoMigrate applies pending migrations at Open. When false, Open
	// fails with ErrMigrationsPending if the database is behind.
	AutoMigrate bool
	// StatementTimeout bounds each PostgreSQL statement (default
	// DefaultStatementTimeout). SQLite ignores it.
	StatementTimeout time.Duration
	// Logger receives migration and lock messages (default: discarded).
	Logger *slog.Logger
	// Clock times Lock's waits (default: the real clock). Tests pass a
	// fake clock to see a Lock wait, and to end the wait when they choose.
	Clock clockwork.Clock
}

func (o Options) clock() clockwork.Clock {
	if o.Clock != nil {
		return o.Clock
	}
	return clockwork.NewRealClock()
}

func (o Options) logger() *slog.Logger {
	if o.Logger != nil {
		return o.Logger
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// ErrMigrationsPending is returned by Open, with AutoMigrate off, when the
// database lacks migrations this version of oktasync needs.
var ErrMigrationsPending = errors.New("state database needs migrations (run `oktasync migrate`)")

// ErrUnknownURL is wrapped by Open and Migrate for a URL that names no
// supported store.
var ErrUnknownURL = errors.New("unsupported state URL (want sqlite:///path, sqlite://relative/path, sqlite::memory: or postgres://…)")

// Open opens the store named by url and, with opts.AutoMigrate, brings its
// schema up to date. See the package documentation for the URL forms.
func Open(ctx context.Context, url string, opts Options) (Store, error) {
	kind, target, err := parseURL(url)
	if err != nil {
		return nil, err
	}
	switch kind {
	case kindSQLite:
		return openSQLite(ctx, target, opts)
	default:
		return openPostgres(ctx, target, opts)
	}
}

// Migrate applies the pending migrations of the store named by url and
// returns their names (e.g. "0001_init"), oldest first; none when the
// schema is current.
func Migrate(ctx context.Context, url string, opts Options) (applied []string, err error) {
	kind, target, err := parseURL(url)
	if err != nil {
		return nil, err
	}
	switch kind {
	case kindSQLite:
		return migrateSQLiteURL(ctx, target, opts)
	default:
		return migratePostgresURL(ctx, target, opts)
	}
}

const (
	kindSQLite   = "sqlite"
	kindPostgres = "postgres"
)

// memoryTarget is the SQLite target for a private in-memory database.
const memoryTarget = ":memory:"

// parseURL splits a state URL into its kind and what the implementation
// opens: a file path (or memoryTarget) for SQLite, the URL itself for
// PostgreSQL.
func parseURL(url string) (kind, target string, err error) {
	switch {
	case url == "sqlite::memory:":
		return kindSQLite, memoryTarget, nil
	case strings.HasPrefix(url, "sqlite://"):
		path := strings.TrimPrefix(url, "sqlite://")
		if path == "" || strings.ContainsAny(path, "?#") {
			return "", "", fmt.Errorf("state URL %q: want sqlite:///absolute/path.db or sqlite://relative/path.db: %w", url, ErrUnknownURL)
		}
		return kindSQLite, path, nil
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		return kindPostgres, url, nil
	default:
		// The URL may carry a password: name only its scheme.
		scheme, _, _ := strings.Cut(url, ":")
		return "", "", fmt.Errorf("state URL with scheme %q: %w", scheme, ErrUnknownURL)
	}
}

// holderDescription describes this process as a lock holder.
func holderDescription(since time.Time) string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown-host"
	}
	return fmt.Sprintf("pid %d on host %s since %s", os.Getpid(), host, since.UTC().Format(time.RFC3339))
}

// loginKey normalises a login the way directory.LoginKey does (Okta treats
// logins case-insensitively); state imports no other package of oktasync,
// so the rule is repeated here and a test keeps the two in step.
func loginKey(login string) string { return strings.ToLower(strings.TrimSpace(login)) }
