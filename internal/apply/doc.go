// Package apply carries out a diff.Plan against Okta. It never decides what
// should change; it runs the plan's operations in dependency order on bounded
// pools of workers, records each operation's outcome as a checkpoint, and
// keeps the state store's record of the users oktasync created up to date.
//
// # Ordering
//
// An operation starts as soon as its dependencies are done and a worker is
// free; there is no phase barrier. The dependencies are:
//
//   - a membership waits for the CreateUser of its login and the
//     CreateGroup of its group when the plan has them, and takes the ids
//     they created;
//   - operations on the same user run in Seq order (reactivate, then
//     update), and so do operations on the same group;
//   - a DeleteUser or DeleteGroup also waits for the earlier memberships of
//     its user or group (an ordering only: their failure does not stop it).
//
// An operation whose dependency failed or was skipped is itself skipped, with
// a reason that names the dependency.
//
// # Lanes
//
// Okta meters each rate-limit bucket on its own, and the okta client makes a
// caller wait rather than overspend a bucket. Each bucket therefore has its
// own lane of workers (see Lane), so a backlog of calls in one bucket, such as
// thousands of membership adds, never holds the workers another bucket could
// use.
//
// # Checkpoints
//
// Before a user is created, its ownership is recorded with an empty Okta id
// (the intent); after the create, again with the id. Deactivations,
// reactivations and deletions update the ownership record. Every outcome is
// checkpointed in batches by a single writer, and all of them are written
// before Execute returns. A checkpoint that cannot be written stops the run.
//
// # Cancellation
//
// When the context is cancelled, no new operation starts; calls already in
// flight continue for up to Options.Grace; the operations never started are
// recorded as skipped ("cancelled").
package apply
