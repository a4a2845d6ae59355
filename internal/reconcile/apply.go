package reconcile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/oktasync/oktasync/internal/apply"
	"github.com/oktasync/oktasync/internal/diff"
	"github.com/oktasync/oktasync/internal/state"
)

// OperationReport is one planned operation and, after apply, its outcome.
type OperationReport struct {
	diff.Operation
	// Status is applied, failed, skipped, mastered (a profile update
	// refused because another system masters the profile) or pending
	// (left for the next run while Okta changes the user's status); empty
	// in a dry run.
	Status string `json:"status,omitempty"`
	Error  string `json:"error,omitempty"`
}

// Report is what a run did; its JSON form is the `--output json` contract.
type Report struct {
	DryRun bool `json:"dryRun"`
	// Kind says whether the run read everything or only what changed,
	// and why.
	Kind       RunKind           `json:"kind"`
	RunID      int64             `json:"runId,omitempty"`
	Summary    diff.Summary      `json:"summary"`
	Operations []OperationReport `json:"operations"`
	Applied    int               `json:"applied"`
	Failed     int               `json:"failed"`
	Skipped    int               `json:"skipped"`
	Mastered   int               `json:"mastered"` // profile updates of users another system masters (see Warnings)
	Pending    int               `json:"pending"`  // operations left for the next run (see Warnings)
	Blocked    bool              `json:"blocked"`
	// AlreadyApplied says that a saved plan was not applied because Okta
	// already holds every change it makes (it was applied before).
	AlreadyApplied bool         `json:"alreadyApplied,omitempty"`
	Blocks         []diff.Block `json:"blocks,omitempty"`
	Warnings       []string     `json:"warnings,omitempty"`
	// OutOfScope lists the source users that exist in Okta outside
	// scope.users, left alone; the warnings name only a few.
	OutOfScope []string  `json:"outOfScope,omitempty"`
	StartedAt  time.Time `json:"startedAt"`
	FinishedAt time.Time `json:"finishedAt"`

	// Plan is the computed plan, for rendering.
	Plan *diff.Plan `json:"-"`

	// applyWarnings counts the warnings at the end of Warnings that apply's
	// outcomes added.
	applyWarnings int
}

// ApplyWarnings returns the warnings apply's outcomes added to the plan's:
// users whose profiles another system masters, operations left pending.
func (rep *Report) ApplyWarnings() []string {
	return rep.Warnings[len(rep.Warnings)-rep.applyWarnings:]
}

func newReport(dryRun bool, started time.Time, plan *diff.Plan) *Report {
	rep := &Report{
		DryRun:     dryRun,
		StartedAt:  started,
		Plan:       plan,
		Summary:    plan.Summary,
		Blocked:    plan.Blocked,
		Blocks:     plan.Blocks,
		Warnings:   plan.Warnings,
		OutOfScope: plan.OutOfScope,
		Operations: make([]OperationReport, len(plan.Operations)),
	}
	for i, op := range plan.Operations {
		rep.Operations[i] = OperationReport{Operation: op}
	}
	return rep
}

// errDryRunPlan is returned by Apply for a plan made in a dry run.
var errDryRunPlan = errors.New("apply: the plan was made in a dry run, without the org's lock")

// Apply carries out a plan made by Plan (not in a dry run) or checked by
// Verify, recording the run and each operation's outcome in the state
// store. A blocked plan is recorded as such and nothing is applied. It
// returns the report of what was planned and done, also with an error: one
// wrapping ErrBlocked, ErrOperationsFailed, or what stopped apply. Apply
// does not close p.
func (r *Runner) Apply(ctx context.Context, p *Planned, o Options) (*Report, error) {
	if p != nil && p.rep != nil && p.rep.AlreadyApplied {
		return p.rep, nil // recorded by Verify; nothing to do
	}
	if p == nil || p.sess == nil || p.sess.unlock == nil {
		return p.Report(), errDryRunPlan
	}
	rep, store := p.rep, p.sess.store
	runID, err := store.BeginRun(ctx, state.Run{Org: r.set.Org, Status: state.RunRunning, StartedAt: rep.StartedAt, ConfigDigest: r.set.ConfigDigest, Kind: rep.Kind.String()})
	if err != nil {
		return rep, fmt.Errorf("record run start: %w", err)
	}
	rep.RunID = runID
	counts := summaryCounts(p.Plan.Summary)
	if err := p.Blocked(); err != nil {
		rep.FinishedAt = time.Now().UTC()
		if ferr := store.FinishRun(context.WithoutCancel(ctx), runID, state.RunBlocked, counts, blockMessage(p.Plan)); ferr != nil {
			r.log.Warn("record blocked run", "err", ferr)
		}
		return rep, err
	}
	if p.createLinkDef {
		if err := createLinkDefinition(ctx, r.parts.Okta, r.set.Links); err != nil {
			rep.FinishedAt = time.Now().UTC()
			if ferr := store.FinishRun(context.WithoutCancel(ctx), runID, state.RunFailed, counts, err.Error()); ferr != nil {
				r.log.Warn("record failed run", "err", ferr)
			}
			return rep, err
		}
		p.createLinkDef = false
	}
	res, applyErr := apply.Execute(ctx, p.Plan, apply.Client(r.parts.Okta), store, apply.Options{
		Org:         r.set.Org,
		RunID:       runID,
		Concurrency: r.set.Concurrency,
		Logger:      r.log,
		Progress:    o.Progress,
		Grace:       o.Grace,
		PendingWait: o.PendingWait,
	})
	rep.FinishedAt = time.Now().UTC()
	rep.record(res)
	err = nil
	switch {
	case applyErr != nil:
		err = fmt.Errorf("apply plan: %w", applyErr)
	case rep.Failed > 0 || rep.Skipped > 0:
		err = fmt.Errorf("%d of %d operations failed, %d skipped: %w", rep.Failed, len(p.Plan.Operations), rep.Skipped, ErrOperationsFailed)
	}
	counts["applied"], counts["failed"], counts["skipped"] = rep.Applied, rep.Failed, rep.Skipped
	counts["mastered"], counts["pending"] = rep.Mastered, rep.Pending
	msg := ""
	if applyErr != nil {
		msg = applyErr.Error()
	}
	if ferr := store.FinishRun(context.WithoutCancel(ctx), runID, Classify(ctx, err).Status, counts, msg); ferr != nil {
		r.log.Warn("record run end", "err", ferr)
	}
	r.recordManagedGroups(context.WithoutCancel(ctx), store, runID, p.managed)
	r.recordAppAssignments(context.WithoutCancel(ctx), store, p, res)
	r.recordLeavers(context.WithoutCancel(ctx), store, rep)
	if p.sync != nil && applyErr == nil {
		p.sync.settle(rep.Operations, p.Plan.Held, res.Outcomes)
		if serr := p.sync.save(context.WithoutCancel(ctx), store); serr != nil {
			r.log.Warn("save the marks of incremental runs; the next run is incremental from the previous ones", "err", serr)
		}
	}
	r.saveShares(context.WithoutCancel(ctx), store)
	r.log.Info("applied plan", "applied", rep.Applied, "failed", rep.Failed, "skipped", rep.Skipped,
		"mastered", rep.Mastered, "pending", rep.Pending)
	return rep, err
}

// record fills the report with apply's outcomes.
func (rep *Report) record(res *apply.Result) {
	if res == nil {
		return
	}
	rep.Applied, rep.Failed, rep.Skipped = res.Applied, res.Failed, res.Skipped
	rep.Mastered, rep.Pending = res.Mastered, res.Pending
	bySeq := make(map[int]int, len(rep.Operations))
	for i, op := range rep.Operations {
		bySeq[op.Seq] = i
	}
	for _, o := range res.Outcomes {
		if i, ok := bySeq[o.Seq]; ok {
			rep.Operations[i].Status = o.Status
			if o.Err != nil {
				rep.Operations[i].Error = o.Err.Error()
			}
		}
	}
	rep.warnOutcomes()
}

func blockMessage(p *diff.Plan) string {
	msgs := make([]string, len(p.Blocks))
	for i, b := range p.Blocks {
		msgs[i] = b.Message
	}
	return strings.Join(msgs, "; ")
}

// summaryCounts flattens a plan summary into the run record's counts, one
// per number in its JSON form ("users.create", "memberships.add", …), so
// that every action the summary counts is recorded.
func summaryCounts(s diff.Summary) map[string]int {
	counts := make(map[string]int)
	b, err := json.Marshal(s)
	if err != nil {
		return counts // a struct of numbers always encodes
	}
	var tree map[string]any
	if err := json.Unmarshal(b, &tree); err != nil {
		return counts
	}
	flatten(counts, "", tree)
	return counts
}

// flatten adds the numbers of a decoded JSON object to counts, keyed by
// their dotted paths.
func flatten(counts map[string]int, prefix string, tree map[string]any) {
	for k, v := range tree {
		switch v := v.(type) {
		case float64:
			counts[prefix+k] = int(v)
		case map[string]any:
			flatten(counts, prefix+k+".", v)
		}
	}
}
