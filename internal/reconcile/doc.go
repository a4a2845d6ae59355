// Package reconcile runs one sync of an Okta org with the parts it is handed
// (a source reader, an Okta client, a state store opener, a diff policy and
// the run's settings; cmd/oktasync builds them from the config). A Runner
// offers the run as separate steps:
//
//   - Plan reads the desired state from the source and Okta's current state
//     (an oktaReader, a phase per method), and computes the plan;
//   - Verify checks a saved plan against the configuration, the source and
//     Okta's current state, saying what changed, finds a plan applied
//     before, and records a refused or already-applied plan as a run;
//   - Apply carries out a plan, recording the run and each operation's
//     outcome in the state store.
//
// A run is full or incremental (kind.go): once a full run has succeeded,
// Plan reads from Okta only what changed since the last successful run
// (an incReader, incremental.go) and plans over the users and groups it
// touched; its plan is the one a full run would make. Apply saves, once
// the plan is applied, the marks and digests the next incremental run
// starts from (syncitems.go).
//
// Run is Plan and then, unless a dry run, Apply: `oktasync run` and the
// scheduled syncs of `serve` use it, `plan --out` is Plan and a save, and
// `apply FILE` is Verify and Apply. Classify turns a run's error into its
// state status, metric label and exit code.
package reconcile
