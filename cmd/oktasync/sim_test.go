package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/oktasync/oktasync/internal/oktasim"
)

// TestSimOptions checks how the sim flags become simulator options: each
// fidelity switch off by default, --realistic turning them on, and a flag
// given explicitly winning over --realistic.
func TestSimOptions(t *testing.T) {
	t.Parallel()
	parse := func(args ...string) oktasim.Options {
		t.Helper()
		f := &simFlags{}
		cmd := (&app{}).newSimCommand(f)
		if err := cmd.ParseFlags(args); err != nil {
			t.Fatalf("parse %v: %v", args, err)
		}
		return f.options(cmd.Flags().Changed)
	}
	def := parse()
	if def.RateLimit.HeaderMode != "" || def.SearchCap != 0 || def.CaseSensitiveFilter || def.RefuseDeprovisionedUpdates ||
		def.LifecycleDelay != 0 || def.CustomAttributes != nil || def.RateLimit.TokenShare != 0 {
		t.Errorf("defaults %+v", def)
	}
	realistic := parse("--realistic")
	want := oktasim.Realistic(oktasim.Options{Faults: oktasim.FaultOptions{Seed: 1}})
	if realistic.RateLimit.HeaderMode != want.RateLimit.HeaderMode || realistic.SearchCap != want.SearchCap ||
		realistic.LifecycleDelay != want.LifecycleDelay || realistic.RateLimit.TokenShare != want.RateLimit.TokenShare ||
		!realistic.CaseSensitiveFilter || !realistic.RefuseDeprovisionedUpdates {
		t.Errorf("--realistic %+v", realistic)
	}
	mixed := parse("--realistic", "--case-sensitive-filter=false", "--search-cap", "0", "--lifecycle-delay", "1m",
		"--header-mode", "token", "--custom-attribute", "employeeType", "--custom-attribute", "badge:integer")
	if mixed.CaseSensitiveFilter || mixed.SearchCap != 0 || mixed.LifecycleDelay != time.Minute ||
		mixed.RateLimit.HeaderMode != "token" || strings.Join(mixed.CustomAttributes, ",") != "employeeType,badge:integer" {
		t.Errorf("--realistic with explicit flags %+v", mixed)
	}
}

// TestSimCustomAttribute starts `oktasync sim` without --realistic and
// checks that its user schema is Okta's base profile: a declared custom
// attribute (--custom-attribute) is accepted, an undeclared one refused.
func TestSimCustomAttribute(t *testing.T) {
	t.Parallel()
	const token = "sim-schema-token-00000000000000000000"
	sim := startSim(t, token, "--custom-attribute", "employeeType")
	create := func(login, attr string) int {
		t.Helper()
		body := `{"profile":{"login":"` + login + `","email":"` + login + `","firstName":"S","lastName":"C","` + attr + `":"x"}}`
		return sim.apiPost(t, token, "/api/v1/users?activate=false", body).StatusCode
	}
	if got := create("a@example.com", "employeeType"); got != http.StatusOK {
		t.Errorf("create with declared employeeType: %d, want 200", got)
	}
	if got := create("b@example.com", "hireDate"); got != http.StatusBadRequest {
		t.Errorf("create with undeclared hireDate: %d, want 400", got)
	}
	if got := create("c@example.com", "userType"); got != http.StatusOK {
		t.Errorf("create with base userType: %d, want 200", got)
	}
}

// TestSimRealisticServes starts `oktasync sim --realistic` and checks that
// it serves the org's bucket figure in X-Rate-Limit-Limit and refuses a
// custom attribute nobody declared.
func TestSimRealisticServes(t *testing.T) {
	t.Parallel()
	const token = "sim-realistic-token-0000000000000000"
	sim := startSim(t, token, "--realistic")
	resp := sim.apiPost(t, token, "/api/v1/users?activate=false",
		`{"profile":{"login":"r@example.com","email":"r@example.com","firstName":"R","lastName":"E","employeeType":"hr"}}`)
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("X-Rate-Limit-Limit") != "600" {
		t.Errorf("create with employeeType: %s, X-Rate-Limit-Limit %s; want 400 and the org's 600",
			resp.Status, resp.Header.Get("X-Rate-Limit-Limit"))
	}
}
