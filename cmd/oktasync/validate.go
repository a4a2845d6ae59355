package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/oktasync/oktasync/internal/config"
	"github.com/oktasync/oktasync/internal/directory"
	"github.com/oktasync/oktasync/internal/okta"
	"github.com/oktasync/oktasync/internal/reconcile"
	"github.com/oktasync/oktasync/internal/redact"
	"github.com/oktasync/oktasync/internal/schedule"
	"github.com/oktasync/oktasync/internal/source"
	"github.com/oktasync/oktasync/internal/state"
)

// The classes of problem validate reports; each message starts with one.
const (
	problemConfig = "invalid config"
	problemSource = "source unreadable or invalid"
	problemOkta   = "Okta check failed"
	problemState  = "state store unreachable"
)

func (a *app) validateCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Check the config, the source, Okta credentials and the state store; change nothing",
		Long: `validate checks, in order, and stops at the first problem with exit code 1:
  1. the config: it loads, every key is known and valid, the schedule parses;
  2. the source: the CSV files or PostgreSQL queries are read in full,
     every record is valid, and there are users;
  3. Okta: one cheap authenticated call (the first user in scope) succeeds,
     the OAuth scopes a run needs are requested and granted, and scope.users
     names attributes the schema has and matches the source users Okta has,
     and the source's attributes are in the org's user and group schemas;
     with mapping.manager, the org has the linked object definition (or
     links.createDefinition is on), and the source's managers are printed
     as warnings, naming the rows, where they dangle or form a cycle;
  4. the state store: it is reachable and its schema is current, or will be
     brought up to date by the next run (state.autoMigrate).
Then it prints what a sync would manage. It writes nothing to Okta, and
nothing to the state store (a missing SQLite file is not created).`,
		Example: `  oktasync validate --config /etc/oktasync/oktasync.yaml
  OKTASYNC_CONFIG=oktasync.yaml oktasync validate`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.validate(cmd.Context())
		},
	}
	a.configFlag(cmd.Flags())
	a.logFlags(cmd.Flags())
	return cmd
}

// validationError is a validate failure: the class of problem, then what
// exactly went wrong and, where it helps, what to do.
func validationError(problem string, err error) error {
	return &exitCodeError{code: exitError, err: fmt.Errorf("%s: %w", problem, err)}
}

func (a *app) validate(ctx context.Context) error {
	out := a.stdout
	check := func(what, format string, args ...any) {
		fmt.Fprintf(out, "ok  %-7s %s\n", what, fmt.Sprintf(format, args...))
	}

	// 1. The config (an error already says "invalid config").
	cfg, err := a.loadConfig()
	if err != nil {
		return &exitCodeError{code: exitError, err: err}
	}
	log, err := a.logger(cfg.Log.Level)
	if err != nil {
		return validationError(problemConfig, err)
	}
	if _, err := policyFrom(cfg, allowances{}); err != nil {
		return validationError(problemConfig, err)
	}
	if cfg.Schedule.Cron != "" || cfg.Schedule.Every != 0 {
		if _, _, _, err := schedule.Job(cfg.Schedule, time.Now()); err != nil {
			return validationError(problemConfig, err)
		}
	}
	if cfg.Serve.ShutdownGrace < 0 {
		return validationError(problemConfig, fmt.Errorf("serve.shutdownGrace %s: must not be negative", cfg.Serve.ShutdownGrace))
	}
	where := cfg.Path
	if where == "" {
		where = "(no file: defaults and environment)"
	}
	check("config", "%s", where)
	for _, w := range cfg.Warnings {
		fmt.Fprintf(out, "    warning: %s\n", w)
	}

	// 2. The source, read in full.
	src, err := source.New(cfg)
	if err != nil {
		return validationError(problemSource, err)
	}
	desired, err := src.Read(ctx)
	if err != nil {
		return validationError(problemSource, err)
	}
	if err := checkSourceUsable(cfg, desired); err != nil {
		return validationError(problemSource, err)
	}
	memberships := 0
	for _, m := range desired.Members {
		memberships += m.Len()
	}
	check("source", "%s: %s, %s, %s", describeSource(cfg.Source), count(len(desired.Users), "user", "users"),
		count(len(desired.Groups), "group", "groups"), count(memberships, "membership", "memberships"))
	if err := reconcile.CheckAppGroups(appSpecs(cfg.Apps), desired); err != nil {
		return validationError(problemConfig, err)
	}

	// 3. Okta: one authenticated call, and what would not work there.
	notes, err := checkOkta(ctx, cfg, desired, log)
	if err != nil {
		return validationError(problemOkta, err)
	}
	check("okta", "%s: credentials accepted (%s)", cfg.Okta.OrgURL, authMode(cfg))
	if err := checkManagers(ctx, cfg, desired, log, out); err != nil {
		return validationError(problemOkta, err)
	}
	for _, n := range notes {
		fmt.Fprintf(out, "    warning: %s\n", n)
	}

	// 4. The state store.
	owned, stateNote, err := checkState(ctx, cfg)
	if err != nil {
		return validationError(problemState, err)
	}
	check("state", "%s", stateNote)

	printManaged(out, cfg, desired, memberships, owned)
	return nil
}

func authMode(cfg *config.Config) string {
	if cfg.Okta.AuthorizationMode == "" {
		return config.AuthSSWS
	}
	return cfg.Okta.AuthorizationMode
}

// checkOkta makes one cheap authenticated call: the first user matching
// scope.users (which also checks the search expression), or the first
// user of the org when no scope is set. It then checks what would connect
// yet cannot work: OAuth scopes a run needs but does not get, a scope
// naming an attribute the schema lacks or matching no one it should, and
// the source's attributes against the org's user schema, and its groups'
// custom attributes against the group schema, as a run would. It returns
// notes to show beside the check.
func checkOkta(ctx context.Context, cfg *config.Config, desired *directory.Directory, log *slog.Logger) ([]string, error) {
	if err := checkRunScopes(cfg, nil); err != nil {
		return nil, err
	}
	c, err := newOktaClient(cfg, log)
	if err != nil {
		return nil, err
	}
	users, _, err := c.Users.ListPage(ctx, &okta.UserListOptions{Limit: 1, Search: cfg.Scope.Users})
	if err != nil {
		var apiErr *okta.APIError
		if errors.As(err, &apiErr) && apiErr.StatusCode == 400 && cfg.Scope.Users != "" {
			if serr := checkScopeAttributes(ctx, c, cfg); serr != nil {
				return nil, serr
			}
			return nil, fmt.Errorf("%s rejected scope.users %q as a search expression: %w", cfg.Okta.OrgURL, cfg.Scope.Users, err)
		}
		if hinted := oktaHint(cfg.Okta.OrgURL, err); hinted != err {
			return nil, hinted
		}
		return nil, fmt.Errorf("list users at %s: %w", cfg.Okta.OrgURL, err)
	}
	if err := checkRunScopes(cfg, c); err != nil {
		return nil, err
	}
	if err := checkScopeAttributes(ctx, c, cfg); err != nil {
		return nil, err
	}
	var notes []string
	if cfg.Scope.Users != "" && len(users) == 0 {
		note, err := checkScopeMatches(ctx, c, cfg, desired)
		if err != nil {
			return nil, err
		}
		notes = append(notes, note)
	}
	if err := reconcile.CheckSchema(ctx, c, desired, schemaHints(cfg.Mapping)); err != nil {
		return nil, err
	}
	return notes, reconcile.CheckGroupSchema(ctx, c, desired)
}

// oktaHint adds to an error a call to Okta returned what to check, as
// validate, plan and run all say it: a rejected credential (401), a
// refused request (403: scopes or admin role), an org that cannot be
// reached. Any other error is returned as it is.
func oktaHint(orgURL string, err error) error {
	var apiErr *okta.APIError
	var netErr net.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusUnauthorized:
		return fmt.Errorf("%s rejected the credentials: %w; check okta.token (OKTA_CLIENT_TOKEN) or, for OAuth, okta.clientId and the private key", orgURL, err)
	case errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusForbidden:
		return fmt.Errorf("%s refused the request: %w; the API token's admin, or the OAuth service app, needs the okta.users.read, okta.users.manage, okta.groups.read, okta.groups.manage and okta.schemas.read scopes and an admin role that covers users and groups", orgURL, err)
	case errors.As(err, &apiErr):
		return err
	case errors.As(err, &netErr):
		return fmt.Errorf("cannot reach Okta at %s: %w; check okta.orgUrl and the network", orgURL, err)
	}
	return err
}

// checkState reaches the state store without changing it and reports the
// users oktasync created there. A SQLite file that does not exist yet is
// not created: validate checks that its directory can be written instead.
func checkState(ctx context.Context, cfg *config.Config) (owned int, note string, err error) {
	if path, _, ok := config.SQLitePath(cfg.State.URL); ok {
		switch _, statErr := os.Stat(path); {
		case errors.Is(statErr, os.ErrNotExist):
			if err := checkWritableDir(filepath.Dir(path)); err != nil {
				return 0, "", fmt.Errorf("SQLite file %s does not exist and cannot be created: %w", path, err)
			}
			return 0, fmt.Sprintf("SQLite %s: not created yet; the first run creates it", path), nil
		case statErr != nil:
			return 0, "", fmt.Errorf("SQLite file %s: %w", path, statErr)
		}
	}
	shown := redact.URL(cfg.State.URL)
	opts := stateOptions(cfg, nil)
	opts.AutoMigrate = false
	store, err := state.Open(ctx, cfg.State.URL, opts)
	switch {
	case errors.Is(err, state.ErrMigrationsPending) && cfg.State.AutoMigrate:
		return 0, fmt.Sprintf("%s: reachable; migrations pending, applied by the next run (state.autoMigrate)", shown), nil
	case errors.Is(err, state.ErrMigrationsPending):
		return 0, "", fmt.Errorf("%s needs migrations and state.autoMigrate is off: run `oktasync migrate`", shown)
	case err != nil:
		return 0, "", fmt.Errorf("open %s: %w", shown, err)
	}
	defer store.Close()
	org := orgKey(cfg.Okta.OrgURL)
	o, err := store.Owned(ctx, org)
	if err != nil {
		return 0, "", fmt.Errorf("read %s: %w", shown, err)
	}
	runs, err := store.Runs(ctx, org, 1)
	if err != nil {
		return 0, "", fmt.Errorf("read %s: %w", shown, err)
	}
	last := "no runs yet"
	if len(runs) > 0 {
		r := runs[0]
		last = fmt.Sprintf("last run #%d %s at %s", r.ID, r.Status, r.StartedAt.UTC().Format(time.RFC3339))
	}
	return len(o), fmt.Sprintf("%s: schema current; %s", shown, last), nil
}

// checkWritableDir checks that files can be created in dir, or in the
// nearest existing directory above it, by creating and removing one.
func checkWritableDir(dir string) error {
	for {
		fi, err := os.Stat(dir)
		if err == nil {
			if !fi.IsDir() {
				return fmt.Errorf("%s is not a directory", dir)
			}
			f, err := os.CreateTemp(dir, ".oktasync-validate-*")
			if err != nil {
				return fmt.Errorf("directory %s is not writable: %w", dir, err)
			}
			name := f.Name()
			f.Close()
			return os.Remove(name)
		}
		if !errors.Is(err, os.ErrNotExist) {
			return err
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return err
		}
		dir = parent
	}
}

// describeSource names the configured source without secrets.
func describeSource(s config.Source) string {
	switch {
	case s.CSV != nil:
		files := []string{s.CSV.Users}
		if s.CSV.Groups != "" {
			files = append(files, s.CSV.Groups)
		}
		if s.CSV.Memberships != "" {
			files = append(files, s.CSV.Memberships)
		}
		return "CSV " + strings.Join(files, ", ")
	case s.Postgres != nil:
		return "PostgreSQL " + redact.URL(s.Postgres.URL)
	}
	return "(none)"
}

// printManaged prints what a sync with cfg would manage.
func printManaged(w io.Writer, cfg *config.Config, desired *directory.Directory, memberships, owned int) {
	fmt.Fprintln(w, "\nA sync would manage:")
	users := fmt.Sprintf("the %s in the source", count(len(desired.Users), "user", "users"))
	if cfg.Scope.Users != "" {
		users += fmt.Sprintf(", Okta users matching scope.users %q", cfg.Scope.Users)
	}
	users += fmt.Sprintf(", and the users oktasync created (%d recorded)", owned)
	fmt.Fprintf(w, "  users        %s\n", users)
	groups := fmt.Sprintf("the %s the source names (OKTA_GROUPs only)", count(len(desired.Groups), "group", "groups"))
	if p := cfg.Scope.Groups.Prefix; p != "" {
		groups += fmt.Sprintf(", and OKTA_GROUPs whose name starts with %q", p)
	}
	fmt.Fprintf(w, "  groups       %s\n", groups)
	fmt.Fprintf(w, "  memberships  %d in the source, kept exact in the managed groups\n", memberships)
	if n, g := len(cfg.Protect.Logins), len(cfg.Protect.Groups); n+g > 0 {
		fmt.Fprintf(w, "  protected    %d logins and the members of %d groups are never changed\n", n, g)
	}
	leavers := "deactivated"
	if cfg.Users.DeleteAfter > 0 {
		leavers += fmt.Sprintf(", then deleted after %s", cfg.Users.DeleteAfter)
	}
	fmt.Fprintf(w, "  leavers      %s\n", leavers)
	if n := len(cfg.Apps); n > 0 {
		fmt.Fprintf(w, "  apps         the assignments of %d apps the apps list names; at most %s unassignments per run\n",
			n, orDefault(cfg.Safety.MaxAppUnassignments, config.DefaultMaxAppUnassign))
	}
	fmt.Fprintf(w, "  safety       at most %s deactivations and %s membership removals per run\n",
		orDefault(cfg.Safety.MaxDeactivations, config.DefaultMaxDeactivations), orDefault(cfg.Safety.MaxMembershipRemovals, config.DefaultMaxRemovals))
	switch {
	case cfg.Schedule.Cron != "":
		fmt.Fprintf(w, "  schedule     serve syncs on cron %q\n", cfg.Schedule.Cron)
	case cfg.Schedule.Every > 0:
		fmt.Fprintf(w, "  schedule     serve syncs every %s\n", cfg.Schedule.Every)
	}
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}
