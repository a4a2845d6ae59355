// Package state keeps oktasync's memory between runs: the run history, the
// checkpoint of every operation as it is applied, the users oktasync
// created (and so manages), and the one-writer lock per org.
//
// Store is the interface; Open returns an implementation chosen by URL:
//
//	sqlite:///var/lib/oktasync/state.db   an SQLite file (absolute path)
//	sqlite://state.db                     an SQLite file (relative path)
//	sqlite::memory:                       a private in-memory database (tests)
//	postgres://… or postgresql://…        a PostgreSQL database
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
// process that held it.
//
// The schema lives in numbered, forward-only SQL files in the migrations
// package; Open applies the pending ones when Options.AutoMigrate is set,
// and Migrate applies them on demand (`oktasync migrate`). Each migration
// runs in its own transaction.
//
// Secrets never enter the store: nothing here receives a token, key or
// password, and connection URLs are not repeated in errors or logs.
package state
