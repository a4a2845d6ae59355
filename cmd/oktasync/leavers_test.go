package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oktasync/oktasync/internal/state"
)

// leaverOrg is a simulated org with two managed users, a and b, both in the
// source, and a config whose users section the test sets.
type leaverOrg struct {
	sim      *simProcess
	dir, cfg string
	env      []string
}

const leaverHeader = "login,email,firstName,lastName,employeeType\n"

func leaverRow(l string) string { return fmt.Sprintf("%s,%s,F,L,hr\n", l, l) }

func newLeaverOrg(t *testing.T, token, users string) *leaverOrg {
	t.Helper()
	dir := t.TempDir()
	seed := `{"customAttributes":["employeeType"],"users":[` +
		`{"profile":{"login":"a@example.com","email":"a@example.com","firstName":"F","lastName":"L","employeeType":"hr"}},` +
		`{"profile":{"login":"b@example.com","email":"b@example.com","firstName":"F","lastName":"L","employeeType":"hr"}}]}`
	writeFile(t, filepath.Join(dir, "seed.json"), seed)
	o := &leaverOrg{sim: startSim(t, token, "--no-rate-limits", "--seed", filepath.Join(dir, "seed.json")), dir: dir,
		cfg: filepath.Join(dir, "oktasync.yaml"), env: []string{"OKTA_CLIENT_TOKEN=" + token}}
	writeFile(t, o.cfg, fmt.Sprintf("okta:\n  orgUrl: %s\n  testing:\n    disableHttpsCheck: true\nsource:\n  csv:\n    users: users.csv\n"+
		"scope:\n  users: profile.employeeType eq \"hr\"\nstate:\n  url: sqlite://state.db\nsafety:\n  maxDeactivations: 5\n%s", o.sim.URL, users))
	return o
}

// source writes the CSV with the given users.
func (o *leaverOrg) source(t *testing.T, logins ...string) {
	t.Helper()
	csv := leaverHeader
	for _, l := range logins {
		csv += leaverRow(l)
	}
	writeFile(t, filepath.Join(o.dir, "users.csv"), csv)
}

// run syncs and returns the plan text.
func (o *leaverOrg) run(t *testing.T) string {
	t.Helper()
	r := runOktasync(t, o.env, "run", "--config", o.cfg)
	if r.code != 0 {
		t.Fatalf("run: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// status returns a user's status in the simulated org.
func (o *leaverOrg) status(t *testing.T, login string) string {
	t.Helper()
	for _, u := range o.sim.snapshot(t).Users {
		if u.Profile["login"] == login {
			return u.Status
		}
	}
	t.Fatalf("no user %s in the simulated org", login)
	return ""
}

// TestLeaverModes: a managed user who leaves the source is deactivated
// (users.leavers deactivate, the default), suspended (suspend), or listed
// as held back and left as is while the rest applies (report).
func TestLeaverModes(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	t.Parallel()
	for _, tc := range []struct {
		mode, users, want, says string
	}{
		{"deactivate", "", "DEPROVISIONED", "- deactivate user b@example.com (absent from source)"},
		{"suspend", "users:\n  leavers: suspend\n", "SUSPENDED", "~ suspend user b@example.com (absent from source; users.leavers is suspend)"},
		{"report", "users:\n  leavers: report\n", "ACTIVE", "Held back, not applied:"},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			t.Parallel()
			o := newLeaverOrg(t, "leaver-"+tc.mode+"-token-77", tc.users)
			o.source(t, "a@example.com", "c@example.com")
			out := o.run(t)
			if !strings.Contains(out, tc.says) {
				t.Errorf("users.leavers %s: the plan does not say %q:\n%s", tc.mode, tc.says, out)
			}
			if got := o.status(t, "b@example.com"); got != tc.want {
				t.Errorf("users.leavers %s: the leaver is %s, want %s", tc.mode, got, tc.want)
			}
			if got := o.status(t, "c@example.com"); got != "ACTIVE" && got != "PROVISIONED" {
				t.Errorf("users.leavers %s: the rest of the plan was not applied: the new user is %s", tc.mode, got)
			}
		})
	}
}

// TestLeaverGrace: under users.leaverGrace a leaver is suspended first,
// stays suspended within the grace period, is unsuspended when it returns,
// and is deactivated once the grace period has passed (the suspension's
// time is moved back in the state store, as the passing days would).
func TestLeaverGrace(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	t.Parallel()
	o := newLeaverOrg(t, "leaver-grace-token-88", "users:\n  leaverGrace: 30d\n")
	o.source(t, "a@example.com")
	if out := o.run(t); !strings.Contains(out, "~ suspend user b@example.com (absent from source; deactivated after users.leaverGrace (30d) if still absent)") {
		t.Errorf("the first run after b left does not suspend it for the grace period:\n%s", out)
	}
	if got := o.status(t, "b@example.com"); got != "SUSPENDED" {
		t.Fatalf("the leaver is %s, want SUSPENDED", got)
	}
	if out := o.run(t); strings.Contains(out, "b@example.com") {
		t.Errorf("within the grace period, a run touches the leaver:\n%s", out)
	}

	// Back within the grace period: unsuspended.
	o.source(t, "a@example.com", "b@example.com")
	if out := o.run(t); !strings.Contains(out, "~ unsuspend user b@example.com (back in source; suspended by oktasync as a leaver") {
		t.Errorf("a returning leaver is not unsuspended:\n%s", out)
	}
	if got := o.status(t, "b@example.com"); got != "ACTIVE" {
		t.Fatalf("the returning leaver is %s, want ACTIVE", got)
	}

	// Gone again, and the grace period passes: deactivated.
	o.source(t, "a@example.com")
	o.run(t)
	ctx := context.Background()
	st, err := state.Open(ctx, "sqlite://"+filepath.Join(o.dir, "state.db"), state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	org := strings.TrimPrefix(o.sim.URL, "http://")
	recorded, err := st.LeaverSuspensions(ctx, org)
	if err != nil || recorded["b@example.com"].SuspendedAt.IsZero() {
		t.Fatalf("the suspension is not recorded: %v, %v", recorded, err)
	}
	err = st.AddLeaverSuspensions(ctx, org, []state.LeaverSuspension{{Login: "b@example.com", OktaID: recorded["b@example.com"].OktaID,
		SuspendedAt: time.Now().Add(-31 * 24 * time.Hour)}})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	if out := o.run(t); !strings.Contains(out, "- deactivate user b@example.com (absent from source; suspended by oktasync at") {
		t.Errorf("after the grace period the leaver is not deactivated:\n%s", out)
	}
	if got := o.status(t, "b@example.com"); got != "DEPROVISIONED" {
		t.Errorf("after the grace period the leaver is %s, want DEPROVISIONED", got)
	}
}
