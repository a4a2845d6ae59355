package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
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
	keep := false
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Sync examples/users.csv into a simulated Okta org and show what happened",
		Long: `demo starts a simulated Okta org in this process, seeds it with an org that has
drifted from examples/users.csv (missing users, changed titles, a leaver, a
missing group, stray memberships), runs a sync, and then plans again to show
that a second run has nothing to do. Nothing outside this process is touched.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runDemo(cmd.Context(), keep)
		},
	}
	cmd.Flags().BoolVar(&keep, "keep", false, "keep the demo's working directory (config, CSV, state) and print its path")
	return cmd
}

func (a *app) runDemo(ctx context.Context, keep bool) error {
	log, err := a.logger("")
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "oktasync-demo-")
	if err != nil {
		return err
	}
	if keep {
		defer fmt.Fprintf(a.stdout, "\nDemo files kept in %s\n", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	if err := os.WriteFile(filepath.Join(dir, "users.csv"), examples.UsersCSV, 0o600); err != nil {
		return err
	}

	token := randomToken()
	sim, err := oktasim.New(oktasim.Options{Tokens: []string{token}, Logger: log})
	if err != nil {
		return err
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
		return err
	}
	desired, err := src.Read(ctx)
	if err != nil {
		return fmt.Errorf("read the example users: %w", err)
	}
	if err := sim.Seed(demoSeed(desired)); err != nil {
		return fmt.Errorf("seed the simulated org: %w", err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	cfg.Okta.OrgURL = "http://" + ln.Addr().String()
	if err := cfg.Validate(); err != nil {
		return err
	}

	before := sim.Stats()
	fmt.Fprintf(a.stdout, "Simulated Okta org at %s: %d users, %d groups.\n", cfg.Okta.OrgURL, len(sim.Snapshot().Users), len(sim.Snapshot().Groups))
	fmt.Fprintf(a.stdout, "Syncing %d users from examples/users.csv (scope: %s).\n\n", len(desired.Users), demoScope)

	runner, err := newRunner(&cfg, log, nil, allowances{})
	if err != nil {
		return err
	}
	rep, err := runner.Run(ctx, reconcile.Options{})
	if rep != nil {
		if perr := a.printReport(a.stdout, rep, "text", cfg.Okta.OrgURL, false); perr != nil {
			return perr
		}
	}
	if err != nil {
		return err
	}
	after := sim.Stats()
	fmt.Fprintf(a.stdout, "%d API calls (%d writes).\n", after.Requests-before.Requests, after.Writes-before.Writes)

	fmt.Fprintf(a.stdout, "\nPlanning again:\n")
	rep, err = runner.Run(ctx, reconcile.Options{DryRun: true})
	if err != nil {
		return err
	}
	if err := a.printReport(a.stdout, rep, "text", cfg.Okta.OrgURL, false); err != nil {
		return err
	}
	if rep.Plan.HasChanges() {
		return errors.New("the second plan is not empty: the sync did not converge")
	}
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
