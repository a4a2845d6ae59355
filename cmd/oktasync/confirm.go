package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/oktasync/oktasync/internal/reconcile"
)

// errApplyCancelled is returned when the person at the terminal answers
// anything but "yes" to the apply prompt.
var errApplyCancelled = errors.New("apply cancelled: nothing was changed")

// interactive reports whether a person is at the terminal: both stdin and
// stdout are terminals. A run then asks before it applies (unless --yes);
// cron, CI and Kubernetes have no terminal and apply at once.
func (a *app) interactive() bool {
	in, ok := a.stdin.(*os.File)
	return ok && isTerminal(in) && isTerminal(a.stdout)
}

// configFound reports whether a config file is named (--config,
// $OKTASYNC_CONFIG) or ./oktasync.yaml exists.
func (a *app) configFound() bool {
	if a.configPath != "" || os.Getenv("OKTASYNC_CONFIG") != "" {
		return true
	}
	_, err := os.Stat("oktasync.yaml")
	return err == nil
}

// runConfirmed plans, shows the plan and the org, and applies only when the
// person at the terminal answers "yes". A plan with nothing to do, or one a
// safety rule blocks, is applied (recorded) without asking. shown reports
// whether the plan was printed already; endProgress ends the progress line
// before the plan is printed.
func (a *app) runConfirmed(ctx context.Context, r *reconcile.Runner, org string, o reconcile.Options, endProgress func()) (rep *reconcile.Report, shown bool, err error) {
	p, err := r.Plan(ctx, o)
	defer p.Close()
	if err != nil {
		return nil, false, err
	}
	if p.Plan.Blocked || !p.Plan.HasChanges() {
		rep, err := r.Apply(ctx, p, o)
		return rep, false, err
	}
	endProgress()
	if err := a.printPlan(a.stdout, p.Report(), org); err != nil {
		return nil, true, err
	}
	yes, err := a.confirm(ctx, org)
	if err != nil {
		return nil, true, err
	}
	if !yes {
		return nil, true, errApplyCancelled
	}
	rep, err = r.Apply(ctx, p, o)
	return rep, true, err
}

// confirm asks, terraform-style, whether to apply the changes to org, and
// reports whether the answer was exactly "yes".
func (a *app) confirm(ctx context.Context, org string) (bool, error) {
	fmt.Fprintf(a.stdout, "\nApply these changes to %s? Only 'yes' will be accepted: ", org)
	answer := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(a.stdin).ReadString('\n')
		answer <- line
	}()
	select {
	case <-ctx.Done():
		fmt.Fprintln(a.stdout)
		return false, ctx.Err()
	case line := <-answer:
		return strings.TrimSpace(line) == "yes", nil
	}
}

// printOrg names the org a plan or run targets.
func printOrg(w io.Writer, org string, dryRun bool) {
	if dryRun {
		fmt.Fprintf(w, "Org: %s (plan only, nothing will be applied)\n\n", org)
		return
	}
	fmt.Fprintf(w, "Org: %s\n\n", org)
}
