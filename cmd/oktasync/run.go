package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/oktasync/oktasync/internal/diff"
	"github.com/oktasync/oktasync/internal/reconcile"
	"github.com/oktasync/oktasync/internal/state"
)

// runFlags are the flags of run, plan and the bare root command.
type runFlags struct {
	dryRun             bool
	yes                bool // apply without asking on a terminal
	output             string
	detailedExitCode   bool
	allowDeactivations int
	allowRemovals      int
	allowAppUnassign   int
	waitLock           time.Duration
	reportFile         string
	full               bool   // --full
	planOut            string // plan --out
	applyFile          string // apply FILE
}

func (f *runFlags) register(cmd *cobra.Command, withDryRun bool) {
	fs := cmd.Flags()
	if withDryRun {
		fs.BoolVar(&f.dryRun, "dry-run", false, "compute and print the plan, change nothing")
		fs.BoolVarP(&f.yes, "yes", "y", false, "apply without asking (a run asks only on a terminal)")
	}
	fs.StringVarP(&f.output, "output", "o", "text", "output format: text or json")
	fs.BoolVar(&f.detailedExitCode, "detailed-exitcode", false, "exit 2 when a dry run's plan has changes")
	fs.IntVar(&f.allowDeactivations, "allow-deactivations", 0, "let this run deactivate (and delete) up to `N` users in all, even above safety.maxDeactivations; once")
	fs.IntVar(&f.allowRemovals, "allow-removals", 0, "let this run remove up to `N` memberships in all, even above safety.maxMembershipRemovals; once")
	fs.IntVar(&f.allowAppUnassign, "allow-app-unassignments", 0, "let this run remove up to `N` app assignments in all, even above safety.maxAppUnassignments; once")
	fs.DurationVar(&f.waitLock, "wait-lock", 0, "wait up to this long for another run's lock (default: exit 5 at once)")
	fs.StringVar(&f.reportFile, "report", "", "also write the JSON run report to `FILE`")
	fs.BoolVar(&f.full, "full", false, "read everything from Okta, even when an incremental run could")
}

func (a *app) runCommand() *cobra.Command {
	f := &runFlags{}
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Sync once: read the source and Okta, plan, and apply",
		Long: `run reads the source and the Okta org, prints the plan and applies it. On a
terminal it asks first (--yes skips the question); without one (cron, CI,
Kubernetes) it applies at once. A plan a safety limit blocks applies nothing
and exits 3.`,
		Example: `  oktasync run --config oktasync.yaml
  oktasync run --yes --report last-run.json
  oktasync run --allow-deactivations 12   # a plan the safety limit blocked, once`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runSync(cmd.Context(), f)
		},
	}
	f.register(cmd, true)
	a.runCommandFlags(cmd)
	return cmd
}

// runCommandFlags adds the shared flags run, plan and apply take.
func (a *app) runCommandFlags(cmd *cobra.Command) {
	a.configFlag(cmd.Flags())
	a.logFlags(cmd.Flags())
	a.colorFlag(cmd.Flags())
}

func (a *app) planCommand() *cobra.Command {
	f := &runFlags{dryRun: true}
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Print what a sync would change, and change nothing (run --dry-run)",
		Example: `  oktasync plan --config oktasync.yaml
  oktasync plan --out plan.json             # save it for review, then: oktasync apply plan.json
  oktasync plan --detailed-exitcode         # exit 2 when there are changes (CI)
  oktasync plan --output json | jq .summary`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f.dryRun = true
			return a.runSync(cmd.Context(), f)
		},
	}
	f.register(cmd, false)
	cmd.Flags().StringVar(&f.planOut, "out", "", "also save the plan to `FILE`, to apply as reviewed with oktasync apply FILE")
	a.runCommandFlags(cmd)
	return cmd
}

func (a *app) applyCommand() *cobra.Command {
	f := &runFlags{}
	cmd := &cobra.Command{
		Use:   "apply PLAN_FILE",
		Short: "Apply a plan saved by `plan --out`, exactly as reviewed, or nothing",
		Long: `apply carries out a plan saved by "oktasync plan --out FILE". It refuses a plan
made with another configuration or from another source, and applies nothing
when any planned operation's target has changed in Okta since the plan was
made: the conflicts are listed, and a new plan is needed. A mismatch says what
changed. A plan applied before (Okta has every change it makes) is not applied
again: apply says so and exits 0.`,
		Example: `  oktasync plan --out plan.json   # review plan.json, then:
  oktasync apply plan.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f.applyFile = args[0]
			return a.runSync(cmd.Context(), f)
		},
	}
	fs := cmd.Flags()
	fs.StringVarP(&f.output, "output", "o", "text", "output format: text or json")
	fs.DurationVar(&f.waitLock, "wait-lock", 0, "wait up to this long for another run's lock (default: exit 5 at once)")
	fs.StringVar(&f.reportFile, "report", "", "also write the JSON run report to `FILE`")
	a.runCommandFlags(cmd)
	return cmd
}

func (a *app) runSync(ctx context.Context, f *runFlags) error {
	if f.output != "text" && f.output != "json" {
		return &exitCodeError{code: exitError, err: fmt.Errorf("--output %q: want text or json", f.output)}
	}
	cfg, log, err := a.setup()
	if err != nil {
		return err
	}
	ask := !f.dryRun && f.applyFile == "" && !f.yes && a.interactive()
	if ask && f.output == "json" {
		return &exitCodeError{code: exitError, err: errors.New("--output json on a terminal applies only with --yes")}
	}
	runner, err := newRunner(cfg, log, nil, allowances{f.allowDeactivations, f.allowRemovals, f.allowAppUnassign})
	if err != nil {
		return err
	}
	fetch, update, finish := a.progress()
	opts := reconcile.Options{
		DryRun:        f.dryRun,
		Full:          f.full,
		WaitLock:      f.waitLock,
		Progress:      update,
		FetchProgress: fetch,
		WarningsShown: true,
	}
	var (
		rep    *reconcile.Report
		runErr error
		shown  bool
	)
	if ask {
		rep, shown, runErr = a.runConfirmed(ctx, runner, cfg.Okta.OrgURL, opts, finish)
	} else {
		rep, runErr = runSteps(ctx, runner, f, opts)
	}
	finish()
	if errors.Is(runErr, errApplyCancelled) {
		return &exitCodeError{code: exitError, err: runErr}
	}
	if rep != nil {
		if err := a.printReport(a.stdout, rep, f.output, cfg.Okta.OrgURL, shown); err != nil {
			return err
		}
		if f.reportFile != "" {
			if err := writeReportFile(f.reportFile, rep); err != nil {
				return err
			}
		}
		a.printSavedPlanHints(f, rep)
	}
	if runErr != nil {
		if rep != nil && f.output == "text" && shownInReport(runErr) {
			// The plan printed says it all (blocked, conflicts, failed
			// operations): the exit code alone, not the same words again
			// on stderr.
			return &exitCodeError{code: reconcile.Classify(ctx, runErr).ExitCode}
		}
		return oktaHint(cfg.Okta.OrgURL, runErr)
	}
	if f.dryRun && f.detailedExitCode && rep.Plan.HasChanges() {
		return &exitCodeError{code: exitChanges}
	}
	return nil
}

// shownInReport reports whether a run's error is one the printed report
// already states in full: a plan a safety rule blocked, a saved plan's
// conflicts, operations that failed.
func shownInReport(err error) bool {
	return errors.Is(err, reconcile.ErrBlocked) || errors.Is(err, reconcile.ErrPlanConflict) ||
		errors.Is(err, reconcile.ErrOperationsFailed)
}

// runSteps runs the steps the flags ask for: a saved plan's verification and
// apply (apply FILE), a plan saved for later (plan --out), or a plan and,
// unless a dry run, its apply (run, plan).
func runSteps(ctx context.Context, r *reconcile.Runner, f *runFlags, o reconcile.Options) (*reconcile.Report, error) {
	switch {
	case f.applyFile != "":
		saved, err := readPlanFile(f.applyFile)
		if err != nil {
			return nil, err
		}
		p, err := r.Verify(ctx, saved, o)
		defer p.Close()
		if err != nil {
			return p.Report(), err
		}
		return r.Apply(ctx, p, o)
	case f.planOut != "":
		out, err := createPlanFile(f.planOut)
		if err != nil {
			return nil, err
		}
		o.SavePlan = true
		p, err := r.Plan(ctx, o)
		defer p.Close()
		if err != nil {
			return nil, errors.Join(err, out.abort())
		}
		if err := writePlanFile(out, p.Saved); err != nil {
			return p.Report(), err
		}
		return p.Report(), p.Blocked()
	}
	return r.Run(ctx, o)
}

// printReport renders a run report as text for people or JSON for machines.
// The text names the org and, unless shown (printed before the apply
// prompt), the plan.
func (a *app) printReport(w io.Writer, rep *reconcile.Report, format, org string, shown bool) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	if rep.AlreadyApplied {
		printOrg(w, org, false)
		fmt.Fprintf(w, "\nNothing to apply: this plan was already applied (Okta has every change it makes: %d operations).\n", len(rep.Operations))
		return nil
	}
	if !shown {
		if err := a.printPlan(w, rep, org); err != nil {
			return err
		}
	}
	if printConflicts(w, rep) || rep.DryRun || rep.Blocked || !rep.Plan.HasChanges() {
		return nil
	}
	fmt.Fprintf(w, "\nApplied %d of %d operations", rep.Applied, len(rep.Operations))
	if rep.Failed > 0 || rep.Skipped > 0 {
		fmt.Fprintf(w, "; %d failed, %d skipped", rep.Failed, rep.Skipped)
	}
	if rep.Mastered > 0 {
		fmt.Fprintf(w, "; %d mastered by another system", rep.Mastered)
	}
	if rep.Pending > 0 {
		fmt.Fprintf(w, "; %d pending", rep.Pending)
	}
	fmt.Fprintln(w, ".")
	for _, warn := range rep.ApplyWarnings() {
		fmt.Fprintf(w, "Warning: %s\n", warn)
	}
	listed := 0
	for _, op := range rep.Operations {
		if op.Status != state.OpFailed && op.Status != state.OpSkipped {
			continue
		}
		if listed == 20 {
			fmt.Fprintln(w, "  … (see --output json for every failure)")
			break
		}
		fmt.Fprintf(w, "  ! %s %s%s: %s\n", op.Action, op.Login, groupSuffix(op.Group), op.Error)
		listed++
	}
	return nil
}

// printPlan prints the org a report's plan targets, then the plan.
func (a *app) printPlan(w io.Writer, rep *reconcile.Report, org string) error {
	printOrg(w, org, rep.DryRun)
	if rep.Kind.Reason != "" {
		fmt.Fprintf(w, "%s\n\n", rep.Kind)
	}
	return diff.RenderText(w, rep.Plan, diff.RenderOptions{Color: a.color(w)})
}

// printConflicts lists, for a saved plan refused because Okta changed
// since, each conflict: the user or group, what Okta has now and what the
// plan saw. It reports whether there were any.
func printConflicts(w io.Writer, rep *reconcile.Report) bool {
	var conflicts []string
	for _, warn := range rep.Warnings {
		if c, ok := strings.CutPrefix(warn, "conflict: "); ok {
			conflicts = append(conflicts, c)
		}
	}
	if len(conflicts) == 0 {
		return false
	}
	fmt.Fprintf(w, "\nNothing was applied: Okta changed since the plan was made (%d %s):\n", len(conflicts), pluralWord(len(conflicts), "conflict", "conflicts"))
	for _, c := range conflicts {
		fmt.Fprintf(w, "  ! %s\n", c)
	}
	fmt.Fprintln(w, "Make a new plan.")
	return true
}

// count is n and the word for n things: "1 group", "3 groups".
func count(n int, one, many string) string {
	return fmt.Sprintf("%d %s", n, pluralWord(n, one, many))
}

func pluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func groupSuffix(g string) string {
	if g == "" {
		return ""
	}
	return fmt.Sprintf(" in %q", g)
}
