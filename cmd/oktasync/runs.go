package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/oktasync/oktasync/internal/config"
	"github.com/oktasync/oktasync/internal/state"
)

func (a *app) runsCommand() *cobra.Command {
	var (
		limit  int
		output string
		all    bool
	)
	cmd := &cobra.Command{
		Use:   "runs",
		Short: "List recent runs from the state store",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output != "text" && output != "json" {
				return fmt.Errorf("--output %q: want text or json", output)
			}
			cfg, store, err := a.openConfiguredStore(cmd.Context())
			if err != nil {
				return err
			}
			defer store.Close()
			org := orgKey(cfg.Okta.OrgURL)
			if all {
				org = ""
			}
			runs, err := store.Runs(cmd.Context(), org, limit)
			if err != nil {
				return fmt.Errorf("list runs: %w", err)
			}
			if output == "json" {
				return writeRunsJSON(a, runs)
			}
			return writeRunsText(a, runs)
		},
	}
	cmd.Flags().IntVarP(&limit, "limit", "n", 20, "how many runs to list, newest first")
	cmd.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
	cmd.Flags().BoolVar(&all, "all-orgs", false, "list runs of every org in the store, not just the configured one")
	cmd.AddCommand(a.runsShowCommand())
	return cmd
}

// openConfiguredStore loads the config and opens its state store, for the
// commands that only read the store (runs, runs show).
func (a *app) openConfiguredStore(ctx context.Context) (*config.Config, state.Store, error) {
	cfg, log, err := a.setup()
	if err != nil {
		return nil, nil, err
	}
	store, err := state.Open(ctx, cfg.State.URL, stateOptions(cfg, log))
	if err != nil {
		return nil, nil, fmt.Errorf("open state store: %w", err)
	}
	return cfg, store, nil
}

// runJSON is one run in `runs --output json`.
type runJSON struct {
	ID         int64          `json:"id"`
	Org        string         `json:"org"`
	DryRun     bool           `json:"dryRun"`
	Status     string         `json:"status"`
	Kind       string         `json:"kind,omitempty"`
	StartedAt  time.Time      `json:"startedAt"`
	FinishedAt *time.Time     `json:"finishedAt,omitempty"`
	Counts     map[string]int `json:"counts"`
	Error      string         `json:"error,omitempty"`
}

// toRunJSON is r as `runs --output json` shows it.
func toRunJSON(r state.Run) runJSON {
	j := runJSON{ID: r.ID, Org: r.Org, DryRun: r.DryRun, Status: r.Status, Kind: r.Kind, StartedAt: r.StartedAt.UTC(), Counts: r.Counts, Error: r.Error}
	if !r.FinishedAt.IsZero() {
		f := r.FinishedAt.UTC()
		j.FinishedAt = &f
	}
	if j.Counts == nil {
		j.Counts = map[string]int{}
	}
	return j
}

func writeRunsJSON(a *app, runs []state.Run) error {
	out := make([]runJSON, 0, len(runs))
	for _, r := range runs {
		out = append(out, toRunJSON(r))
	}
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func writeRunsText(a *app, runs []state.Run) error {
	if len(runs) == 0 {
		fmt.Fprintln(a.stdout, "No runs recorded.")
		return nil
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTARTED\tDURATION\tSTATUS\tKIND\tCHANGES\tERROR")
	for _, r := range runs {
		dur := "-"
		if !r.FinishedAt.IsZero() {
			dur = r.FinishedAt.Sub(r.StartedAt).Round(time.Millisecond).String()
		}
		msg := r.Error
		if len(msg) > 80 {
			msg = msg[:77] + "..."
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.StartedAt.UTC().Format(time.RFC3339), dur, r.Status, shortKind(r.Kind),
			formatCounts(r.Counts), msg)
	}
	return tw.Flush()
}

// shortKind is a run's kind for the runs table: "full: config changed",
// "incremental"; "-" for runs recorded without one.
func shortKind(kind string) string {
	switch {
	case kind == "":
		return "-"
	case strings.HasPrefix(kind, "Incremental"):
		return "incremental"
	}
	k, _ := strings.CutPrefix(kind, "Full run: ")
	return "full: " + k
}

// formatCounts shows the non-zero counts as key=value, sorted.
func formatCounts(c map[string]int) string {
	keys := make([]string, 0, len(c))
	for k, v := range c {
		if v != 0 {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, c[k])
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, " ")
}

func (a *app) migrateCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Apply pending state store migrations",
		Long: `migrate brings the state store's schema up to date. Runs do this themselves
unless state.autoMigrate is false; use migrate where a deploy step, not the
job, owns schema changes.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, log, err := a.setup()
			if err != nil {
				return err
			}
			opts := stateOptions(cfg, log)
			applied, err := state.Migrate(cmd.Context(), cfg.State.URL, opts)
			if err != nil {
				return fmt.Errorf("migrate state store: %w", err)
			}
			if len(applied) == 0 {
				fmt.Fprintln(a.stdout, "State store is up to date.")
				return nil
			}
			for _, m := range applied {
				fmt.Fprintf(a.stdout, "applied %s\n", m)
			}
			return nil
		},
	}
}
