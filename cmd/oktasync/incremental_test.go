package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oktasync/oktasync/internal/okta"
	"github.com/oktasync/oktasync/internal/oktasim"
	"github.com/oktasync/oktasync/internal/state"
)

// offsetClock is an org's clock that runs with the real one, plus an offset
// the test moves forward: the org's Date headers and lastUpdated values
// then leave the incremental runs' overlap behind.
type offsetClock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *offsetClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *offsetClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.off += d
}

// runReport is the part of a run's JSON report these tests read.
type runReport struct {
	Kind struct {
		Incremental bool   `json:"incremental"`
		Reason      string `json:"reason"`
	} `json:"kind"`
	Applied int `json:"applied"`
	Summary struct {
		Memberships struct {
			Add int `json:"add"`
		} `json:"memberships"`
	} `json:"summary"`
}

// runJSONReport runs the binary with args and --output json, and decodes
// its report.
func runJSONReport(t *testing.T, env []string, args ...string) runReport {
	t.Helper()
	r := runOktasync(t, env, append(args, "--output", "json")...)
	if r.code != exitOK {
		t.Fatalf("oktasync %v: exit %d\n%s\n%s", args, r.code, lastLines(r.stdout, 20), lastLines(r.stderr, 20))
	}
	var rep runReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("report of oktasync %v: %v\n%s", args, err, lastLines(r.stdout, 20))
	}
	return rep
}

// adminClient is a client of h's org with a second token, as an admin
// making changes outside oktasync (spending none of oktasync's share).
func adminClient(t *testing.T, h *orgHarness, token string) *okta.Client {
	t.Helper()
	c, err := okta.NewClient(h.URL, okta.WithToken(token), okta.WithInsecureHTTP())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func snapUser(t *testing.T, h *orgHarness, login string) oktasim.SnapshotUser {
	t.Helper()
	for _, u := range h.sim.Snapshot().Users {
		if strings.EqualFold(u.Profile["login"].(string), login) {
			return u
		}
	}
	t.Fatalf("no Okta user %s", login)
	return oktasim.SnapshotUser{}
}

func snapGroup(t *testing.T, h *orgHarness, name string) oktasim.SnapshotGroup {
	t.Helper()
	for _, g := range h.sim.Snapshot().Groups {
		if g.Name == name {
			return g
		}
	}
	t.Fatalf("no Okta group %s", name)
	return oktasim.SnapshotGroup{}
}

// A first run is full; an admin's changes made with a second token are
// then caught by an incremental run that reads only what changed (a
// handful of calls, where a full run reads every page), and --full forces
// a full one. runs says which kind each run was.
func TestIncrementalRunCatchesOutOfBandChanges(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	t.Parallel()
	const token, admin = "incremental-e2e-token-81f", "incremental-e2e-admin-2b6"
	clock := &offsetClock{}
	h := newOrgHarness(t, oktasim.Options{Tokens: []string{token, admin}, Now: clock.now,
		RateLimit: oktasim.RateLimitOptions{Window: time.Second, Scale: 20}}, oktasim.Seed{})
	data := crashSource(1200, 6)
	dir := t.TempDir()
	data.writeCSV(t, filepath.Join(dir, "users.csv"))
	cfg := filepath.Join(dir, "oktasync.yaml")
	writeFile(t, cfg, simConfig(h.URL, "", ""))
	env := []string{"OKTA_CLIENT_TOKEN=" + token}

	if rep := runJSONReport(t, env, "run", "--config", cfg); rep.Kind.Incremental || !strings.Contains(rep.Kind.Reason, "no successful run") {
		t.Fatalf("first run kind = %+v, want full: no successful run", rep.Kind)
	}
	clock.advance(time.Hour) // activations settle; the overlap is left behind
	h.sim.ResetStats()
	full := runJSONReport(t, env, "plan", "--config", cfg, "--full")
	fullCalls := h.sim.Stats().Requests
	if full.Kind.Incremental || full.Kind.Reason != "--full" {
		t.Fatalf("plan --full kind = %+v", full.Kind)
	}
	// The run after one that changed things reads again what it changed
	// (its own writes came after its mark); the one after that has
	// nothing to read.
	for i := range 2 {
		h.sim.ResetStats()
		if rep := runJSONReport(t, env, "run", "--config", cfg); !rep.Kind.Incremental || rep.Applied != 0 {
			t.Fatalf("run %d after the first: kind %+v, %d applied; want incremental with nothing to do", i+1, rep.Kind, rep.Applied)
		}
		clock.advance(10 * time.Minute)
	}
	noChangeCalls := h.sim.Stats().Requests

	// An admin edits a managed attribute and removes a member.
	ctx := context.Background()
	c := adminClient(t, h, admin)
	victim := data.csvUsers[7]
	u := snapUser(t, h, victim.login)
	if _, _, err := c.Users.Update(ctx, u.ID, map[string]any{"title": "Changed by an admin"}); err != nil {
		t.Fatal(err)
	}
	g := snapGroup(t, h, victim.groups[0])
	if _, err := c.Groups.RemoveMember(ctx, g.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	clock.advance(10 * time.Minute)
	h.sim.ResetStats()
	rep := runJSONReport(t, env, "run", "--config", cfg)
	incCalls := h.sim.Stats().Requests
	if !rep.Kind.Incremental || rep.Applied != 2 || rep.Summary.Memberships.Add != 1 {
		t.Errorf("run after the admin's changes: kind %+v, %d applied (%d adds); want incremental, the title and the membership restored",
			rep.Kind, rep.Applied, rep.Summary.Memberships.Add)
	}
	if got := snapUser(t, h, victim.login).Profile["title"]; got != victim.title {
		t.Errorf("title after the incremental run = %v, want %q", got, victim.title)
	}
	t.Logf("API calls: full plan %d, incremental run with nothing to do %d, incremental run repairing 2 changes %d", fullCalls, noChangeCalls, incCalls)
	if noChangeCalls > 10 {
		t.Errorf("an incremental run with nothing to do made %d API calls, want at most 10", noChangeCalls)
	}
	// The reads the two changes need: the changed user and group, the
	// group's members (2 pages of 1000), the group list; plus the 2 writes.
	if incCalls > 16 || incCalls >= fullCalls {
		t.Errorf("the incremental run made %d API calls (a full plan %d), want at most 16", incCalls, fullCalls)
	}

	if rep := runJSONReport(t, env, "run", "--config", cfg, "--full"); rep.Kind.Incremental || rep.Applied != 0 {
		t.Errorf("run --full: kind %+v, %d applied; want full with nothing to do", rep.Kind, rep.Applied)
	}
	r := runOktasync(t, env, "runs", "--config", cfg)
	if !strings.Contains(r.stdout, "incr") || !strings.Contains(r.stdout, "full: --full") || !strings.Contains(r.stdout, "KIND") {
		t.Errorf("runs does not say which kind each run was:\n%s", r.stdout)
	}
	runs := runsJSON(t, env, cfg)
	if len(runs) != 5 || !strings.HasPrefix(runs[0].Kind, "Full run: --full") || !strings.HasPrefix(runs[1].Kind, "Incremental run") {
		t.Errorf("runs JSON kinds: %+v", runs)
	}
}

// An incremental run killed while it applies leaves the marks as they
// were; the next run is full (the last one was interrupted) and converges,
// nothing skipped.
func TestIncrementalRunKilledMidApply(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	t.Parallel()
	const token, admin = "incremental-crash-token-4e1", "incremental-crash-admin-9a3"
	clock := &offsetClock{}
	h := newOrgHarness(t, oktasim.Options{Tokens: []string{token, admin}, Now: clock.now,
		RateLimit: oktasim.RateLimitOptions{Window: time.Second, Scale: 20}}, oktasim.Seed{})
	data := crashSource(600, 6)
	dir := t.TempDir()
	data.writeCSV(t, filepath.Join(dir, "users.csv"))
	cfg := filepath.Join(dir, "oktasync.yaml")
	writeFile(t, cfg, simConfig(h.URL, "", ""))
	env := []string{"OKTA_CLIENT_TOKEN=" + token}
	runJSONReport(t, env, "run", "--config", cfg)
	clock.advance(time.Hour)
	before := syncMarks(t, filepath.Join(dir, "state.db"))

	// The source drifts: a tenth of the users change title, some leave,
	// some arrive; an admin edits one user.
	for i := range data.csvUsers {
		if i%10 == 3 {
			data.csvUsers[i].title = "Drifted"
		}
	}
	data.csvUsers = data.csvUsers[20:]
	more := crashSource(640, 6).csvUsers[600:]
	data.csvUsers = append(data.csvUsers, more...)
	data.writeCSV(t, filepath.Join(dir, "users.csv"))
	c := adminClient(t, h, admin)
	victim := data.csvUsers[1]
	if _, _, err := c.Users.Update(context.Background(), snapUser(t, h, victim.login).ID, map[string]any{"department": "Elsewhere"}); err != nil {
		t.Fatal(err)
	}
	clock.advance(10 * time.Minute)

	killRun(t, h, env, cfg, h.writes.Load()+40, true)
	if after := syncMarks(t, filepath.Join(dir, "state.db")); !after.OktaSince.Equal(before.OktaSince) || !after.SavedAt.Equal(before.SavedAt) {
		t.Errorf("the killed run moved the marks: %+v, before %+v", after, before)
	}
	runs := runsJSON(t, env, cfg)
	if !strings.HasPrefix(runs[0].Kind, "Incremental run") {
		t.Errorf("the killed run was %q, want an incremental one", runs[0].Kind)
	}
	rep := runJSONReport(t, env, "run", "--config", cfg)
	if rep.Kind.Incremental || !strings.Contains(rep.Kind.Reason, "interrupted") {
		t.Errorf("run after the killed one: kind %+v, want full: the last run was interrupted", rep.Kind)
	}
	// The deactivated leavers stay in Okta; the rest is the source exactly.
	clock.advance(time.Hour)
	checkNothingToDo(t, env, cfg)
	if got := snapUser(t, h, victim.login).Profile["department"]; got != victim.dept {
		t.Errorf("%s department = %v, want %q", victim.login, got, victim.dept)
	}
	for _, u := range data.csvUsers {
		if su := snapUser(t, h, u.login); su.Profile["title"] != u.title {
			t.Errorf("%s title = %v, want %q", u.login, su.Profile["title"], u.title)
		}
	}
}

// syncMarks reads the marks of the only org in the SQLite store at path.
func syncMarks(t *testing.T, path string) state.SyncMarks {
	t.Helper()
	ctx := context.Background()
	s, err := state.Open(ctx, "sqlite://"+path, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	runs, err := s.Runs(ctx, "", 1)
	if err != nil || len(runs) == 0 {
		t.Fatalf("runs: %v", err)
	}
	m, ok, err := s.SyncMarks(ctx, runs[0].Org)
	if err != nil || !ok {
		t.Fatalf("sync marks: %v, %v", ok, err)
	}
	return m
}
