// Package reconcile runs one sync end to end: it reads the desired state
// from the source, reads the current state from Okta, computes the plan and,
// unless the run is a dry run or the plan is blocked, applies it while
// recording the run and its checkpoints in the state store. The run, plan,
// apply and serve commands all go through Run.
package reconcile
