package reconcile

import (
	"context"
	"fmt"
	"time"

	"github.com/oktasync/oktasync/internal/state"
)

// Incremental says when runs read only what changed.
type Incremental struct {
	// Enabled turns incremental runs on: once a full run succeeded, runs
	// read from Okta only what changed since the last successful run.
	Enabled bool
	// FullEvery is how long after the last successful full run a run is
	// full again (0: DefaultFullEvery).
	FullEvery time.Duration
	// Digest identifies what shapes a plan (the configuration, the
	// mapping, the scope); a run whose Digest differs from the last
	// successful run's is full. "": Settings.ConfigDigest.
	Digest string
}

// DefaultFullEvery is how often a full run happens by default.
const DefaultFullEvery = 24 * time.Hour

// logRetention is how far back the System Log reaches (Okta keeps 90
// days); a run whose marks are older, less a margin, is full.
const logRetention = 89 * 24 * time.Hour

// readOverlap is how far before the last run's first Okta answer an
// incremental run reads again, so that nothing at the boundary (the Date
// header's whole seconds, events the System Log publishes late) is missed.
const readOverlap = 5 * time.Minute

// RunKind says whether a run reads everything or only what changed, and
// why.
type RunKind struct {
	Incremental bool `json:"incremental"`
	// Reason says why, e.g. "config changed" or "last full run 3h ago".
	Reason string `json:"reason"`

	marks state.SyncMarks
	items []state.SyncItem
}

// String describes the kind for people: "Incremental run (last full run
// 3h ago)", "Full run: config changed".
func (k RunKind) String() string {
	if k.Incremental {
		return "Incremental run (" + k.Reason + ")"
	}
	return "Full run: " + k.Reason
}

// digest is the configuration digest incremental runs compare.
func (r *Runner) syncDigest() string {
	if r.set.Incremental.Digest != "" {
		return r.set.Incremental.Digest
	}
	return r.set.ConfigDigest
}

// kind decides whether this run is full or incremental; an incremental
// one carries the marks and items it starts from.
func (r *Runner) kind(ctx context.Context, store Store, o Options, suspended map[string]state.LeaverSuspension, now time.Time) (RunKind, error) {
	inc := r.set.Incremental
	switch {
	case o.Full:
		return RunKind{Reason: "--full"}, nil
	case !inc.Enabled:
		return RunKind{Reason: "incremental runs are off (incremental.enabled: false)"}, nil
	case o.SavePlan:
		return RunKind{Reason: "a plan to save is made from a full read"}, nil
	case len(r.set.Apps) > 0 || r.set.Links != nil:
		// App assignments and manager links are planned over every user
		// and group, which only a full read gives.
		return RunKind{Reason: "apps or manager links are configured, and runs that manage them read everything"}, nil
	case r.graceEnded(suspended, now):
		// A leaver whose grace period ended is deactivated by a plan over
		// every user, though nothing about it changed.
		return RunKind{Reason: "a suspended leaver's users.leaverGrace has ended"}, nil
	}
	marks, ok, err := store.SyncMarks(ctx, r.set.Org)
	if err != nil {
		return RunKind{}, err
	}
	if !ok {
		return RunKind{Reason: "no successful run since incremental runs began (no watermarks in the state store)"}, nil
	}
	if marks.ConfigDigest != r.syncDigest() {
		return RunKind{Reason: "config changed since the last successful run (scope, mapping or policy)"}, nil
	}
	if why, err := lastRunUnfinished(ctx, store, r.set.Org); err != nil || why != "" {
		return RunKind{Reason: why}, err
	}
	every := inc.FullEvery
	if every <= 0 {
		every = DefaultFullEvery
	}
	age := now.Sub(marks.FullAt)
	if age >= every {
		return RunKind{Reason: fmt.Sprintf("last full run %s ago (incremental.fullEvery %s)", roughAge(age), every)}, nil
	}
	if now.Sub(marks.OktaSince) >= logRetention {
		return RunKind{Reason: "the last successful run is older than the System Log's 90 days"}, nil
	}
	items, err := store.SyncItems(ctx, r.set.Org)
	if err != nil {
		return RunKind{}, err
	}
	return RunKind{Incremental: true, Reason: "last full run " + roughAge(age) + " ago", marks: marks, items: items}, nil
}

// lastRunUnfinished says why the org's latest applying run makes the next
// one full ("" when it does not): it failed, or was interrupted.
func lastRunUnfinished(ctx context.Context, store Store, org string) (string, error) {
	runs, err := store.Runs(ctx, org, 20)
	if err != nil {
		return "", err
	}
	for _, run := range runs {
		if run.DryRun {
			continue
		}
		switch run.Status {
		case state.RunFailed:
			return fmt.Sprintf("the last run (%d) failed", run.ID), nil
		case state.RunInterrupted, state.RunRunning:
			return fmt.Sprintf("the last run (%d) was interrupted", run.ID), nil
		}
		return "", nil
	}
	return "", nil
}

// roughAge renders a duration as people say it: 40s, 12m, 3h, 2d.
func roughAge(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

// graceEnded reports whether a leaver oktasync suspended has been so for
// users.leaverGrace or longer at now.
func (r *Runner) graceEnded(suspended map[string]state.LeaverSuspension, now time.Time) bool {
	grace := r.parts.Policy.LeaverGrace
	if grace <= 0 {
		return false
	}
	for _, l := range suspended {
		if !now.Before(l.SuspendedAt.Add(grace)) {
			return true
		}
	}
	return false
}
