package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

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
		Example: `  oktasync runs --config oktasync.yaml
  oktasync runs --limit 5 --output json
  oktasync runs show 42`,
		Args: cobra.NoArgs,
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
	a.configFlag(cmd.PersistentFlags())
	a.logFlags(cmd.PersistentFlags())
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

// runsWidth is the width `runs` fits its lines in.
const runsWidth = 100

// runsChangesWidth is the most the CHANGES column takes.
const runsChangesWidth = 30

func writeRunsText(a *app, runs []state.Run) error {
	if len(runs) == 0 {
		fmt.Fprintln(a.stdout, "No runs recorded.")
		return nil
	}
	header := []string{"ID", "STARTED (UTC)", "TOOK", "STATUS", "KIND", "CHANGES", "MESSAGE"}
	rows := make([][]string, 0, len(runs))
	for _, r := range runs {
		took := "-"
		if !r.FinishedAt.IsZero() {
			took = formatTook(r.FinishedAt.Sub(r.StartedAt))
		}
		status := r.Status
		if r.DryRun {
			status += " (plan)"
		}
		rows = append(rows, []string{strconv.FormatInt(r.ID, 10), r.StartedAt.UTC().Format("2006-01-02 15:04"), took, status,
			shortKind(r.Kind), clip(formatChanges(r.Counts), runsChangesWidth), runMessage(r)})
	}
	widths := make([]int, len(header)-1)
	for i := range widths {
		widths[i] = utf8.RuneCountInString(header[i])
		for _, row := range rows {
			widths[i] = max(widths[i], utf8.RuneCountInString(row[i]))
		}
	}
	used := 0
	for _, w := range widths {
		used += w + 2
	}
	for _, row := range append([][]string{header}, rows...) {
		var b strings.Builder
		for i, w := range widths {
			fmt.Fprintf(&b, "%-*s  ", w, row[i])
		}
		b.WriteString(clip(row[len(row)-1], runsWidth-used))
		fmt.Fprintln(a.stdout, strings.TrimRight(b.String(), " "))
	}
	return nil
}

// shortKind is a run's kind for the runs table: "incr" or "full" (the
// MESSAGE column says why a run was full); "-" for runs recorded without
// one.
func shortKind(kind string) string {
	switch {
	case kind == "":
		return "-"
	case strings.HasPrefix(kind, "Incremental"):
		return "incr"
	}
	return "full"
}

// formatTook renders a run's duration briefly: 850ms, 12.3s, 4m05s.
func formatTook(d time.Duration) string {
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	}
	d = d.Round(time.Second)
	return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
}

// formatChanges sums up a run's counts, users, groups and memberships
// apart: "users +2 ~1 -1, groups +1, members +3 -1" (+ created or added,
// ~ updated or changed in status, - deactivated, deleted or removed);
// "none" when there were none.
func formatChanges(c map[string]int) string {
	part := func(name string, plus, tilde, minus int) string {
		if plus+tilde+minus == 0 {
			return ""
		}
		s := name
		for _, x := range []struct {
			sign string
			n    int
		}{{"+", plus}, {"~", tilde}, {"-", minus}} {
			if x.n > 0 {
				s += fmt.Sprintf(" %s%d", x.sign, x.n)
			}
		}
		return s
	}
	var parts []string
	for _, p := range []string{
		part("users", c["users.create"], c["users.update"]+c["users.activate"]+c["users.reactivate"]+c["users.suspend"]+c["users.unsuspend"],
			c["users.deactivate"]+c["users.delete"]),
		part("groups", c["groups.create"], c["groups.update"], c["groups.delete"]),
		part("members", c["memberships.add"], 0, c["memberships.remove"]),
	} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// runMessage is what `runs` says beside a run's counts: its error or
// note, or how many operations failed.
func runMessage(r state.Run) string {
	msg := strings.Join(strings.Fields(r.Error), " ")
	if n := r.Counts["failed"]; n > 0 && msg == "" {
		msg = fmt.Sprintf("%d operations failed (oktasync runs show %d)", n, r.ID)
	}
	if why, full := strings.CutPrefix(r.Kind, "Full run: "); full && msg == "" {
		msg = "full: " + why
	}
	return msg
}

// clip cuts s to n characters, ending a cut string with "…".
func clip(s string, n int) string {
	if n <= 0 {
		return ""
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func (a *app) migrateCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply pending state store migrations",
		Long: `migrate brings the state store's schema up to date. Runs do this themselves
unless state.autoMigrate is false; use migrate where a deploy step, not the
job, owns schema changes.`,
		Example: `  oktasync migrate --config /etc/oktasync/oktasync.yaml`,
		Args:    cobra.NoArgs,
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
	a.configFlag(cmd.Flags())
	a.logFlags(cmd.Flags())
	return cmd
}
