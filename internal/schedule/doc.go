// Package schedule owns when `oktasync serve` syncs: it turns the
// schedule.cron or schedule.every setting into a gocron job definition,
// waits the configured jitter, and provides a gocron distributed Locker
// backed by the state store, so that several replicas sharing a PostgreSQL
// state store run each scheduled sync once.
//
// # The distributed lock
//
// StoreLocker takes the state store's lock (state.Locker.Lock with wait 0)
// under a name of its own, LockName(org, job), distinct from the org's run
// lock that every sync takes. A replica that finds the schedule lock held
// skips that tick; the replica holding it runs the sync, which still takes
// the org's run lock, so a manual `oktasync run` and a scheduled sync never
// overlap either.
//
// Replicas' clocks differ a little, so a replica whose tick fires just after
// another replica finished a short sync could take the released lock and run
// the same sync again. To prevent that, StoreLocker keeps the lock for at
// least MinHold after taking it (serve sets half the schedule's interval,
// at most a minute) and releases it in the background once that has
// passed.
//
// Only the PostgreSQL store suits this: SQLite's lock is a file lock that
// covers the whole database, so the schedule lock would block the sync's own
// run lock. With SQLite, serve relies on gocron's singleton mode in one
// process and on the run lock between processes on one host.
package schedule
