package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/oktasync/oktasync/internal/state"
	"github.com/oktasync/oktasync/internal/web"
)

// runsShowCommand is `oktasync runs show ID`: one run and what it did to
// whom, operation by operation, with each outcome.
func (a *app) runsShowCommand() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show one run: who was created, updated, deactivated, added and removed, with outcomes",
		Example: `  oktasync runs            # find the run's ID
  oktasync runs show 42
  oktasync runs show 42 --output json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if output != "text" && output != "json" {
				return fmt.Errorf("--output %q: want text or json", output)
			}
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id <= 0 {
				return fmt.Errorf("run ID %q: want a positive number, as `oktasync runs` lists", args[0])
			}
			_, store, err := a.openConfiguredStore(cmd.Context())
			if err != nil {
				return err
			}
			defer store.Close()
			run, err := store.Run(cmd.Context(), id)
			if errors.Is(err, state.ErrNoRun) {
				return fmt.Errorf("no run %d in the state store (see `oktasync runs`)", id)
			}
			if err != nil {
				return fmt.Errorf("read run %d: %w", id, err)
			}
			ops, err := store.Operations(cmd.Context(), id)
			if err != nil {
				return fmt.Errorf("read the operations of run %d: %w", id, err)
			}
			if output == "json" {
				return writeRunShowJSON(a, run, ops)
			}
			return writeRunShowText(a, run, ops)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
	return cmd
}

// runShowJSON is `runs show --output json`.
type runShowJSON struct {
	runJSON
	Operations []web.OpView `json:"operations"`
}

func writeRunShowJSON(a *app, run state.Run, ops []state.OpRecord) error {
	out := runShowJSON{runJSON: toRunJSON(run), Operations: make([]web.OpView, 0, len(ops))}
	for _, o := range ops {
		out.Operations = append(out.Operations, web.NewOpView(o))
	}
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func writeRunShowText(a *app, run state.Run, ops []state.OpRecord) error {
	fmt.Fprintf(a.stdout, "Run %d of %s: %s, started %s", run.ID, run.Org, run.Status, run.StartedAt.UTC().Format(time.RFC3339))
	if !run.FinishedAt.IsZero() {
		fmt.Fprintf(a.stdout, ", took %s", run.FinishedAt.Sub(run.StartedAt).Round(time.Millisecond))
	}
	fmt.Fprintln(a.stdout)
	if run.Kind != "" {
		fmt.Fprintln(a.stdout, run.Kind)
	}
	if run.Error != "" {
		fmt.Fprintf(a.stdout, "Error: %s\n", run.Error)
	}
	if len(ops) == 0 {
		fmt.Fprintln(a.stdout, "No operations recorded.")
		return nil
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\nSEQ\tACTION\tTARGET\tOUTCOME\tERROR")
	for _, o := range ops {
		msg := o.Error
		if len(msg) > 60 {
			msg = msg[:57] + "..."
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", o.Seq, o.Action, o.Target, o.Outcome, msg)
	}
	return tw.Flush()
}
