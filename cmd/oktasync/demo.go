package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/oktasync/oktasync/examples"
	"github.com/oktasync/oktasync/internal/config"
	"github.com/oktasync/oktasync/internal/directory"
	"github.com/oktasync/oktasync/internal/oktasim"
	"github.com/oktasync/oktasync/internal/reconcile"
	"github.com/oktasync/oktasync/internal/source"
)

// demoScope is the scope the demo config uses, as examples/oktasync.yaml
// does: the example users all have userType "Employee". userType is a base
// attribute of Okta's user profile, so the scope works on a new org (and on
// the demo's simulated org, whose schema is Okta's base profile); a custom
// attribute such as employeeType would first have to be added to the org's
// schema.
const demoScope = `profile.userType eq "Employee"`

func (a *app) demoCommand() *cobra.Command {
	var o demoOptions
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Sync examples/users.csv into a simulated Okta org and show what happened",
		Long: `demo starts a simulated Okta org in this process, seeds it with an org that has
drifted from examples/users.csv (missing users, changed titles, a leaver, a
missing group, stray memberships), runs a sync, and then plans again to show
that a second run has nothing to do. Nothing outside this process is touched.

With --keep the demo's directory stays: the config it ran with
(oktasync.yaml), the CSV, the state store, the simulated org's token
(sim-token) and the org as the demo left it (sim-state.json). The demo
prints how to start that org again with oktasync sim --seed and plan
against it with the kept config.`,
		Example: `  oktasync demo
  oktasync demo --keep --addr 127.0.0.1:8080`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runDemo(cmd.Context(), o)
		},
	}
	cmd.Flags().BoolVar(&o.keep, "keep", false, "keep the demo's directory (config, CSV, state store, simulated org) and print how to use it again")
	cmd.Flags().StringVar(&o.addr, "addr", "127.0.0.1:0", "address of the simulated org (port 0 picks a free one); the kept config names it")
	a.logFlags(cmd.Flags())
	a.colorFlag(cmd.Flags())
	return cmd
}

type demoOptions struct {
	keep bool
	addr string
}

// demoOrg is the demo's simulated org, served over HTTP, and its config.
type demoOrg struct {
	dir     string
	sim     *oktasim.Server
	cfg     config.Config
	desired *directory.Directory
	close   func()
}

// startDemoOrg writes the example CSV into dir, seeds a simulated org that
// has drifted from it, serves the org on addr and builds the config.
func startDemoOrg(ctx context.Context, dir, addr string, log *slog.Logger) (*demoOrg, error) {
	if err := os.WriteFile(filepath.Join(dir, "users.csv"), examples.UsersCSV, 0o600); err != nil {
		return nil, err
	}
	token := randomToken()
	sim, err := oktasim.New(oktasim.Options{Tokens: []string{token}, Logger: log})
	if err != nil {
		return nil, err
	}
	cfg := config.Default()
	cfg.Path = filepath.Join(dir, "oktasync.yaml")
	cfg.Source.CSV = &config.CSVSource{Users: filepath.Join(dir, "users.csv")}
	cfg.Scope.Users = demoScope
	cfg.State.URL = "sqlite://" + filepath.Join(dir, "state.db")
	cfg.Okta.Token = token
	cfg.Okta.Testing.DisableHTTPSCheck = true

	src, err := source.New(&cfg)
	if err != nil {
		return nil, err
	}
	desired, err := src.Read(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the example users: %w", err)
	}
	if err := sim.Seed(demoSeed(desired)); err != nil {
		return nil, fmt.Errorf("seed the simulated org: %w", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	cfg.Okta.OrgURL = "http://" + ln.Addr().String()
	if err := cfg.Validate(); err != nil {
		srv.Close()
		return nil, err
	}
	return &demoOrg{dir: dir, sim: sim, cfg: cfg, desired: desired, close: func() { srv.Close() }}, nil
}

func (a *app) runDemo(ctx context.Context, o demoOptions) error {
	log, err := a.logger("")
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "oktasync-demo-")
	if err != nil {
		return err
	}
	if !o.keep {
		defer os.RemoveAll(dir)
	}
	org, err := startDemoOrg(ctx, dir, o.addr, log)
	if err != nil {
		return err
	}
	defer org.close()
	cfg := &org.cfg
	before := org.sim.Stats()
	snap := org.sim.Snapshot()
	fmt.Fprintf(a.stdout, "Simulated Okta org at %s: %d users, %d groups.\n", cfg.Okta.OrgURL, len(snap.Users), len(snap.Groups))
	fmt.Fprintf(a.stdout, "Syncing %d users from examples/users.csv (scope: %s).\n\n", len(org.desired.Users), demoScope)

	runner, err := newRunner(cfg, log, nil, allowances{})
	if err != nil {
		return err
	}
	rep, err := runner.Run(ctx, reconcile.Options{WarningsShown: true})
	if rep != nil {
		if perr := a.printReport(a.stdout, rep, "text", cfg.Okta.OrgURL, false); perr != nil {
			return perr
		}
	}
	if err != nil {
		return err
	}
	after := org.sim.Stats()
	fmt.Fprintf(a.stdout, "%d API calls (%d writes).\n", after.Requests-before.Requests, after.Writes-before.Writes)

	fmt.Fprintf(a.stdout, "\nPlanning again:\n")
	rep, err = runner.Run(ctx, reconcile.Options{DryRun: true, WarningsShown: true})
	if err != nil {
		return err
	}
	if err := a.printReport(a.stdout, rep, "text", cfg.Okta.OrgURL, false); err != nil {
		return err
	}
	if rep.Plan.HasChanges() {
		return errors.New("the second plan is not empty: the sync did not converge")
	}
	if o.keep {
		return a.keepDemo(org)
	}
	return nil
}

// keepDemo writes what a later session needs beside the CSV and the state
// store: the config the demo ran with, the simulated org's token and its
// state as a seed, then says how to use them.
func (a *app) keepDemo(org *demoOrg) error {
	dir, cfg := org.dir, &org.cfg
	addr := strings.TrimPrefix(cfg.Okta.OrgURL, "http://")
	conf := fmt.Sprintf(`# The config oktasync demo ran with. Start the simulated org it syncs
# with again (from this directory):
#   oktasync sim --addr %[1]s --token "$(cat sim-token)" --seed sim-state.json
okta:
  orgUrl: %[2]s
  tokenFile: sim-token          # the simulated org's token
  testing:
    disableHttpsCheck: true     # the simulated org speaks plain http
source:
  csv:
    users: users.csv
scope:
  users: %[3]s
state:
  url: sqlite://state.db
`, addr, cfg.Okta.OrgURL, "'"+demoScope+"'")
	state, err := json.MarshalIndent(org.sim.Snapshot(), "", "  ")
	if err != nil {
		return err
	}
	for name, b := range map[string][]byte{
		"oktasync.yaml": []byte(conf), "sim-token": []byte(cfg.Okta.Token + "\n"), "sim-state.json": append(state, '\n'),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			return fmt.Errorf("keep the demo: %w", err)
		}
	}
	fmt.Fprintf(a.stdout, `
Demo files kept in %[1]s:
  oktasync.yaml    the config the demo ran with
  users.csv        the source
  state.db         the state store: run history, the users and groups oktasync manages
  sim-token        the simulated org's API token
  sim-state.json   the simulated org as the demo left it (a seed for oktasync sim)
Start that org again, then plan against it (no changes), or edit users.csv first:
  cd %[1]s
  oktasync sim --addr %[2]s --token "$(cat sim-token)" --seed sim-state.json &
  oktasync plan --config oktasync.yaml
`, dir, addr)
	return nil
}

// demoSeed builds an org that has drifted from desired: every fifth user
// missing, every fourth with an old title, one group missing, stray
// memberships, a managed leaver, and an unmanaged contractor the sync must
// leave alone.
func demoSeed(desired *directory.Directory) oktasim.Seed {
	var seed oktasim.Seed
	groupKeys := desired.GroupKeys()
	for i, gk := range groupKeys {
		if i == len(groupKeys)-1 {
			break // created by the sync
		}
		seed.Groups = append(seed.Groups, oktasim.SeedGroup{Name: desired.Groups[gk].Name})
	}
	present := make(map[string]bool)
	for _, gk := range groupKeys[:len(groupKeys)-1] {
		present[gk] = true
	}
	memberOf := make(map[string][]string)
	for _, gk := range groupKeys {
		for _, lk := range desired.MemberKeys(gk) {
			memberOf[lk] = append(memberOf[lk], desired.Groups[gk].Name)
		}
	}
	for i, lk := range desired.UserKeys() {
		if i%5 == 4 {
			continue // missing: the sync creates it
		}
		u := desired.Users[lk]
		p := u.Profile.Map()
		if i%4 == 1 {
			p["title"] = "Former " + fmt.Sprint(p["title"])
		}
		su := oktasim.SeedUser{Profile: p}
		for j, g := range memberOf[lk] {
			if i%3 == 0 && j == 0 {
				continue // a missing membership
			}
			if present[directory.GroupKey(g)] {
				su.Groups = append(su.Groups, g)
			}
		}
		seed.Users = append(seed.Users, su)
	}
	seed.Users = append(seed.Users,
		oktasim.SeedUser{
			Profile: map[string]any{"login": "former.employee@example.com", "email": "former.employee@example.com",
				"firstName": "Former", "lastName": "Employee", "userType": "Employee"},
			Groups: []string{seed.Groups[0].Name},
		},
		oktasim.SeedUser{
			Profile: map[string]any{"login": "contractor@example.com", "email": "contractor@example.com",
				"firstName": "Casey", "lastName": "Contractor", "userType": "Contractor"},
		},
	)
	return seed
}

func randomToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
