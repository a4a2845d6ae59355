package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/oktasync/oktasync/internal/config"
	"github.com/oktasync/oktasync/internal/diff"
	"github.com/oktasync/oktasync/internal/okta"
	"github.com/oktasync/oktasync/internal/reconcile"
)

// runFlags are the flags of run, plan and the bare root command.
type runFlags struct {
	dryRun             bool
	output             string
	detailedExitCode   bool
	allowDeactivations int
	allowRemovals      int
	waitLock           time.Duration
	reportFile         string
	planOut            string // plan --out
	applyFile          string // apply FILE
}

func (f *runFlags) register(cmd *cobra.Command, withDryRun bool) {
	fs := cmd.Flags()
	if withDryRun {
		fs.BoolVar(&f.dryRun, "dry-run", false, "compute and print the plan, change nothing")
	}
	fs.StringVarP(&f.output, "output", "o", "text", "output format: text or json")
	fs.BoolVar(&f.detailedExitCode, "detailed-exitcode", false, "exit 2 when a dry run's plan has changes")
	fs.IntVar(&f.allowDeactivations, "allow-deactivations", 0, "let this run deactivate up to N users beyond the safety limit")
	fs.IntVar(&f.allowRemovals, "allow-removals", 0, "let this run remove up to N memberships beyond the safety limit")
	fs.DurationVar(&f.waitLock, "wait-lock", 0, "wait up to this long for another run's lock (default: exit 5 at once)")
	fs.StringVar(&f.reportFile, "report", "", "also write the JSON run report to this file")
}

func (a *app) runCommand() *cobra.Command {
	f := &runFlags{}
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Sync once: read the source and Okta, plan, and apply",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runSync(cmd.Context(), f)
		},
	}
	f.register(cmd, true)
	return cmd
}

func (a *app) planCommand() *cobra.Command {
	f := &runFlags{dryRun: true}
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Print what a sync would change, and change nothing (run --dry-run)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f.dryRun = true
			return a.runSync(cmd.Context(), f)
		},
	}
	f.register(cmd, false)
	cmd.Flags().StringVar(&f.planOut, "out", "", "also save the plan to this file, for `oktasync apply FILE`")
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
made: the conflicts are listed, and a new plan is needed.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f.applyFile = args[0]
			return a.runSync(cmd.Context(), f)
		},
	}
	fs := cmd.Flags()
	fs.StringVarP(&f.output, "output", "o", "text", "output format: text or json")
	fs.DurationVar(&f.waitLock, "wait-lock", 0, "wait up to this long for another run's lock (default: exit 5 at once)")
	fs.StringVar(&f.reportFile, "report", "", "also write the JSON run report to this file")
	return cmd
}

// applySaved reads a saved plan and applies it.
func (a *app) applySaved(ctx context.Context, cfg *config.Config, path string, opts reconcile.Options) (*reconcile.Report, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	defer file.Close()
	saved, err := diff.ReadSavedPlan(file)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return reconcile.ApplySaved(ctx, cfg, saved, opts)
}

// finishPlanFile closes a saved plan's temporary file and renames it into
// place, or removes it when no plan was made.
func finishPlanFile(tmp *os.File, path string, keep bool) error {
	if err := tmp.Close(); err != nil {
		return errors.Join(fmt.Errorf("write plan %s: %w", path, err), os.Remove(tmp.Name()))
	}
	if !keep {
		return os.Remove(tmp.Name())
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return errors.Join(fmt.Errorf("write plan %s: %w", path, err), os.Remove(tmp.Name()))
	}
	return nil
}

func (a *app) runSync(ctx context.Context, f *runFlags) error {
	if f.output != "text" && f.output != "json" {
		return &exitCodeError{code: exitError, err: fmt.Errorf("--output %q: want text or json", f.output)}
	}
	cfg, log, err := a.setup()
	if err != nil {
		return err
	}
	fetch, update, finish := a.progress()
	ropts := reconcile.Options{
		DryRun:             f.dryRun,
		AllowDeactivations: f.allowDeactivations,
		AllowRemovals:      f.allowRemovals,
		WaitLock:           f.waitLock,
		Logger:             log,
		Progress:           update,
		FetchProgress:      fetch,
		ClientOptions:      []okta.Option{oktaProduct()},
	}
	var rep *reconcile.Report
	var runErr error
	if f.applyFile != "" {
		rep, runErr = a.applySaved(ctx, cfg, f.applyFile, ropts)
	} else {
		var out *os.File
		if f.planOut != "" {
			out, err = os.OpenFile(f.planOut+".tmp", os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
			if err != nil {
				return fmt.Errorf("write plan: %w", err)
			}
			ropts.SavePlan = out
		}
		rep, runErr = reconcile.Run(ctx, cfg, ropts)
		if out != nil {
			if err := finishPlanFile(out, f.planOut, rep != nil); err != nil {
				return err
			}
		}
	}
	finish()
	if rep != nil {
		if err := a.printReport(a.stdout, rep, f.output); err != nil {
			return err
		}
		if f.reportFile != "" {
			if err := writeReportFile(f.reportFile, rep); err != nil {
				return err
			}
		}
	}
	if runErr != nil {
		return runErr
	}
	if f.dryRun && f.detailedExitCode && rep.Plan.HasChanges() {
		return &exitCodeError{code: exitChanges}
	}
	return nil
}

// printReport renders a run report as text for people or JSON for machines.
func (a *app) printReport(w io.Writer, rep *reconcile.Report, format string) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	if err := diff.RenderText(w, rep.Plan, diff.RenderOptions{Color: isTerminal(w)}); err != nil {
		return err
	}
	if rep.DryRun || rep.Blocked || !rep.Plan.HasChanges() {
		return nil
	}
	fmt.Fprintf(w, "\nApplied %d of %d operations", rep.Applied, len(rep.Operations))
	if rep.Failed > 0 || rep.Skipped > 0 {
		fmt.Fprintf(w, "; %d failed, %d skipped", rep.Failed, rep.Skipped)
	}
	fmt.Fprintln(w, ".")
	shown := 0
	for _, op := range rep.Operations {
		if op.Error == "" {
			continue
		}
		if shown == 20 {
			fmt.Fprintln(w, "  … (see --output json for every failure)")
			break
		}
		fmt.Fprintf(w, "  ! %s %s%s: %s\n", op.Action, op.Login, groupSuffix(op.Group), op.Error)
		shown++
	}
	return nil
}

func groupSuffix(g string) string {
	if g == "" {
		return ""
	}
	return fmt.Sprintf(" in %q", g)
}

// writeReportFile writes the JSON report atomically: a temp file renamed
// into place, so a reader never sees half a report.
func writeReportFile(path string, rep *reconcile.Report) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return fmt.Errorf("encode report: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return errors.Join(fmt.Errorf("write report %s: %w", path, err), os.Remove(tmp))
	}
	return nil
}
