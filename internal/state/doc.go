// Package state keeps oktasync's memory between runs: the run history, the
// checkpoint of every operation as it is applied, the users oktasync
// created (and so manages), and the one-writer lock per org.
//
// # Interfaces
//
// Store is the whole of it, composed of small interfaces that a caller
// takes as it needs: Locker (the lock), RunHistory (runs), Checkpoints
// (operation outcomes), Ownership (the users oktasync created) and
// SyncState (where incremental runs start: marks taken from Okta's clock
// and a digest of each source user, group and member set as last
// applied), among others. Open
// returns a Store chosen by URL:
//
//	sqlite:///var/lib/oktasync/state.db   an SQLite file (absolute path)
//	sqlite://state.db                     an SQLite file (relative path)
//	sqlite::memory:                       a private in-memory database (tests)
//	postgres://… or postgresql://…        a PostgreSQL database
//
// # One SQL store, two dialects
//
// Both databases are served by one implementation over database/sql (for
// PostgreSQL, pgx's database/sql driver over a pgx pool). The queries are
// shared; a dialect supplies what differs: placeholders (? or $1), how a
// time is stored (RFC 3339 text in UTC for SQLite, TIMESTAMPTZ for
// PostgreSQL), the table of applied migrations, and how migrations take
// turns. Beside the dialect, each store gets its lock and its way of
// writing a batch of rows in one transaction (a prepared statement per row
// for SQLite, one round trip for PostgreSQL).
//
// SQLite is the embedded default: pure Go, WAL mode, a busy timeout and
// foreign keys on. Its run lock is an flock on <db>.lock, which covers
// every org kept in that file; processes opening a new file take turns
// through <db>.setup.lock while it is switched to WAL and migrated.
// PostgreSQL keeps everything in one schema (Options.Schema, default
// "oktasync"), sets a statement timeout on every connection, and takes a
// session advisory lock per schema and org on a connection of its own.
// Both record the lock holder's pid, host and start time, so a
// *LockedError names who is running, and both lose the lock with the
// process that held it. A Lock that may wait tries again every 100ms (an
// in-memory store's wakes as soon as the lock is released), timed by
// Options.Clock: the real clock unless a test passes a fake one.
//
// # Migrations
//
// The schema lives in numbered, forward-only SQL files in the migrations
// package, one directory per dialect; one runner applies them to either
// database. Open applies the pending ones when Options.AutoMigrate is
// set, and Migrate applies them on demand (`oktasync migrate`). Each
// migration runs in its own transaction. Databases written by earlier
// releases open as they are (testdata/release1 holds one of each).
//
// Secrets never enter the store: nothing here receives a token, key or
// password, and connection URLs are not repeated in errors or logs.
package state
