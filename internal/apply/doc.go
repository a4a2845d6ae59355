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
//   - a CreateUser whose memberships travel with it (WithCreate) waits for
//     the CreateGroups of their groups (an ordering only: a group that
//     could not be created leaves the user created without it), and is
//     sent with the ids of those groups known by then (Okta's groupIds);
//     once it succeeds, each of those memberships is applied, and
//     checkpointed, with no call of its own;
//   - operations on the same user run in Seq order (create, activate or
//     reactivate, update, unsuspend or suspend, deactivate, delete), and so
//     do operations on the same group; a user's profile update holds back
//     nothing, though: what follows it waits for it but runs whatever its
//     outcome, so that a refused update never keeps a leaver active;
//   - a DeleteUser or DeleteGroup also waits for the earlier memberships of
//     its user or group (an ordering only: their failure does not stop it).
//
// An operation whose dependency failed or was skipped is itself skipped, with
// a reason that names the dependency; one whose dependency is pending is
// pending too.
//
// # Outcomes
//
// Besides applied, failed and skipped, an operation may end:
//
//   - mastered (state.OpMastered): Okta refused a profile update because
//     another system (AD, LDAP, an HR app) masters the user's profile (403
//     E0000023). Not a failure: nothing oktasync can do will change it, and
//     the user's lifecycle operations still run.
//   - pending (state.OpPending): the user has an activation or deactivation
//     in flight and Okta refuses the call until it settles (409 E0000112).
//     Apply tries again with backoff for up to Options.PendingWait (three
//     minutes by default) while the run goes on, then leaves the operation
//     for the next run, which reads Okta afresh. Not a failure either.
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
