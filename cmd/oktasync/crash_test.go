package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/oktasync/oktasync/internal/diff"
	"github.com/oktasync/oktasync/internal/oktasim"
	"github.com/oktasync/oktasync/internal/pgtest"
	"github.com/oktasync/oktasync/internal/state"
)

// orgHarness is a simulated org served in-process behind a handler that sees
// every request before the simulator does: it counts requests and writes, and
// a hook can act on any of them (kill the client on the Nth write, fail a
// read).
type orgHarness struct {
	sim *oktasim.Server
	srv *httptest.Server
	// URL is the org URL to put in a config.
	URL string

	requests atomic.Int64 // API and OAuth requests
	writes   atomic.Int64 // API requests that are not GET
	hook     atomic.Pointer[requestHook]
}

// requestHook sees every request before the simulator; write is the
// request's number among write requests (API requests that are not GET), 0
// for any other request. It returns true when it answered the request
// itself (the simulator then never sees it).
type requestHook func(w http.ResponseWriter, r *http.Request, write int64) bool

// newOrgHarness starts an in-process simulator with opts made realistic
// (oktasim.Realistic: Okta's buckets, headers showing the org's bucket over
// a hidden token share, the search cap, case-sensitive filters, refused
// updates of deactivated users, a lifecycle delay), seeded with seed, on a
// plain HTTP test server. Unless opts says otherwise, the org's user schema
// has employeeType, which the tests' sources use.
func newOrgHarness(t *testing.T, opts oktasim.Options, seed oktasim.Seed) *orgHarness {
	t.Helper()
	if len(opts.CustomAttributes) == 0 {
		opts.CustomAttributes = []string{"employeeType"}
	}
	opts = oktasim.Realistic(opts)
	sim, err := oktasim.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.Seed(seed); err != nil {
		t.Fatal(err)
	}
	sim.ResetStats()
	h := &orgHarness{sim: sim}
	h.srv = httptest.NewServer(h)
	t.Cleanup(h.srv.Close)
	h.URL = h.srv.URL
	return h
}

// ServeHTTP counts the request and passes it to the hook or the simulator.
func (h *orgHarness) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, "/sim/") {
		h.requests.Add(1)
	}
	var n int64
	if r.Method != http.MethodGet && strings.HasPrefix(r.URL.Path, "/api/") {
		n = h.writes.Add(1)
	}
	if hook := h.hook.Load(); hook != nil && (*hook)(w, r, n) {
		return
	}
	h.sim.ServeHTTP(w, r)
}

// setHook installs the request hook (nil removes it).
func (h *orgHarness) setHook(f requestHook) {
	if f == nil {
		h.hook.Store(nil)
		return
	}
	h.hook.Store(&f)
}

// startOktasync starts the binary without waiting for it. The returned wait
// function waits for it to exit and returns its outcome; exited is closed
// once it has.
func startOktasync(t *testing.T, env []string, args ...string) (cmd *exec.Cmd, wait func() result, exited <-chan struct{}) {
	t.Helper()
	cmd = exec.Command(binPath, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start oktasync %v: %v", args, err)
	}
	done := make(chan struct{})
	var (
		once sync.Once
		res  result
	)
	wait = func() result {
		once.Do(func() {
			err := cmd.Wait()
			res = result{stdout: stdout.String(), stderr: stderr.String()}
			var ee *exec.ExitError
			switch {
			case err == nil:
			case errors.As(err, &ee):
				res.code = ee.ExitCode()
				if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
					res.code = -int(ws.Signal())
				}
			default:
				res.code = -1000
				res.stderr += "\nwait: " + err.Error()
			}
			close(done)
		})
		return res
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		wait()
	})
	return cmd, wait, done
}

// simConfig is a config for a run against orgURL over plain HTTP with the
// CSV at users.csv and a SQLite state store in the config's directory;
// oktaExtra is added to the okta block (lines indented by two spaces) and
// extra is appended at the top level.
func simConfig(orgURL, oktaExtra, extra string) string {
	return fmt.Sprintf(`okta:
  orgUrl: %s
  testing:
    disableHttpsCheck: true
%ssource:
  csv:
    users: users.csv
scope:
  users: profile.employeeType eq "Employee"
state:
  url: sqlite://state.db
  autoMigrate: true
concurrency: 8
%s`, orgURL, oktaExtra, extra)
}

// crashSource is n source users in nGroups groups (one to three each), none
// of which exist in Okta yet: every user, group and membership is a create.
func crashSource(n, nGroups int) e2eData {
	r := rand.New(rand.NewPCG(2026, 11))
	var d e2eData
	for i := range n {
		u := csvUser{
			login: fmt.Sprintf("crash%05d@example.com", i),
			first: fmt.Sprintf("First%d", i),
			last:  fmt.Sprintf("Last%d", i),
			dept:  departments[r.IntN(len(departments))],
			title: fmt.Sprintf("Title %d", r.IntN(40)),
		}
		for _, g := range r.Perm(nGroups)[:1+r.IntN(3)] {
			u.groups = append(u.groups, teamName(g))
		}
		sort.Strings(u.groups)
		d.csvUsers = append(d.csvUsers, u)
	}
	return d
}

// writes is the number of write requests a sync of d into an empty org
// sends when nothing fails: two per user (created STAGED, then activated
// without an email, as users.sendActivationEmail is off), one per group,
// and one per membership beyond the diff.MaxCreateGroups a create carries.
func (d e2eData) writes() int {
	groups := map[string]bool{}
	n := 0
	for _, u := range d.csvUsers {
		n += 2 + max(0, len(u.groups)-diff.MaxCreateGroups)
		for _, g := range u.groups {
			groups[g] = true
		}
	}
	return n + len(groups)
}

// checkOrgExactly asserts the org holds the source's users (activated, with
// their attributes and groups) and groups and nothing else, and that the
// simulator never refused a create because the login existed. A user whose
// activation Okta accepted but is still carrying out (STAGED, transitioning
// to ACTIVE: the realistic org's lifecycle delay) counts as activated; how
// many were is logged.
func checkOrgExactly(t *testing.T, h *orgHarness, data e2eData) {
	t.Helper()
	snap := h.sim.Snapshot()
	activating := 0
	users := make(map[string]oktasim.SnapshotUser, len(snap.Users))
	for _, u := range snap.Users {
		l := strings.ToLower(fmt.Sprint(u.Profile["login"]))
		if _, dup := users[l]; dup {
			t.Errorf("login %s appears twice in the org", l)
		}
		users[l] = u
	}
	wantMembers := map[string][]string{}
	for _, cu := range data.csvUsers {
		u, ok := users[cu.login]
		if !ok {
			t.Errorf("%s missing from Okta", cu.login)
			continue
		}
		// Activated without a password, a user is PROVISIONED.
		switch {
		case u.Status == "STAGED" && u.TransitioningToStatus == "ACTIVE":
			activating++
		case (u.Status == "ACTIVE" || u.Status == "PROVISIONED") && u.TransitioningToStatus == "":
		default:
			t.Errorf("%s is %s (transitioning to %q), want ACTIVE or PROVISIONED, or STAGED transitioning to ACTIVE", cu.login, u.Status, u.TransitioningToStatus)
		}
		for attr, want := range map[string]string{"department": cu.dept, "title": cu.title, "firstName": cu.first, "lastName": cu.last, "email": cu.login, "employeeType": "Employee"} {
			if got := fmt.Sprint(u.Profile[attr]); got != want {
				t.Errorf("%s %s = %q, want %q", cu.login, attr, got, want)
			}
		}
		groups := slices.DeleteFunc(slices.Clone(u.Groups), func(g string) bool { return g == "Everyone" })
		if !slices.Equal(groups, cu.groups) {
			t.Errorf("%s groups = %v, want %v", cu.login, groups, cu.groups)
		}
		for _, g := range cu.groups {
			wantMembers[g] = append(wantMembers[g], cu.login)
		}
	}
	if len(snap.Users) != len(data.csvUsers) {
		t.Errorf("org has %d users, want exactly the %d source users", len(snap.Users), len(data.csvUsers))
	}
	for _, g := range snap.Groups {
		if g.Name == "Everyone" {
			continue
		}
		want, ok := wantMembers[g.Name]
		if !ok {
			t.Errorf("group %q is not in the source", g.Name)
			continue
		}
		sort.Strings(want)
		if !slices.Equal(g.Members, want) {
			t.Errorf("group %q has %d members, want %d", g.Name, len(g.Members), len(want))
		}
		delete(wantMembers, g.Name)
	}
	for g := range wantMembers {
		t.Errorf("group %q missing from Okta", g)
	}
	if st := h.sim.Stats(); st.DuplicateCreateAttempts != 0 {
		t.Errorf("%d creates of a login that already existed", st.DuplicateCreateAttempts)
	}
	t.Logf("org holds the source exactly; %d of %d users still being activated by Okta", activating, len(data.csvUsers))
}

// checkNothingToDo asserts that a plan made now, right after the last run,
// has no changes: nothing the runs left pending or undone remains, and users
// whose activation Okta is still carrying out are not planned again.
func checkNothingToDo(t *testing.T, env []string, cfg string) {
	t.Helper()
	r := runOktasync(t, env, "plan", "--config", cfg, "--detailed-exitcode")
	if r.code != exitOK {
		t.Errorf("plan after the last run: exit %d, want %d (nothing to do)\n%s\n%s", r.code, exitOK, lastLines(r.stdout, 20), lastLines(r.stderr, 10))
	}
}

// runsJSON lists the runs recorded for the config's org.
func runsJSON(t *testing.T, env []string, cfg string) []runJSON {
	t.Helper()
	r := runOktasync(t, env, "runs", "--config", cfg, "--output", "json", "--limit", "100")
	if r.code != 0 {
		t.Fatalf("runs: exit %d\n%s", r.code, r.stderr)
	}
	var runs []runJSON
	if err := json.Unmarshal([]byte(r.stdout), &runs); err != nil {
		t.Fatalf("runs JSON: %v\n%s", err, r.stdout)
	}
	return runs
}

// crashChains choose the kill points of TestCrashAndResume. Each chain is
// one org synced from empty by a sequence of runs; each seed kills one run of
// its chain, and the run after it resumes. A seed picks the write request
// (counted from the start of its run) on which the run is killed, and whether
// the simulator carries that request out first (so its answer is lost) or
// never sees it.
var crashChains = [][]uint64{{3, 17, 29, 41, 53}, {67, 79, 97, 101, 113}}

// crashPostgresSeeds are the kills of the chain whose state store is
// Postgres.
var crashPostgresSeeds = []uint64{131, 137, 139}

// TestCrashAndResume kills `oktasync run` with SIGKILL at the points the
// seeds choose, resuming after each kill with a new run, and finally runs to
// completion. After every kill the resumed run must not create a login twice
// and must find the killed run marked interrupted; at the end the org matches
// the source exactly, the simulator created each source login once, and
// history shows every killed run as interrupted and the last as succeeded.
//
// A chain costs about one full sync of the 3,000-user plan plus one read of
// the org per kill, which keeps ten kills within the suite's time budget.
func TestCrashAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("crash trials; skipped with -short")
	}
	t.Parallel() // beside the fault tests, which mostly wait
	const token = "crash-test-token-5d2e"
	data := crashSource(3000, 12)
	env := []string{"OKTA_CLIENT_TOKEN=" + token}

	var passed, ran atomic.Int64
	t.Run("chains", func(t *testing.T) {
		for i, seeds := range crashChains {
			t.Run(fmt.Sprintf("chain=%d", i), func(t *testing.T) {
				t.Parallel()
				crashChain(t, chainSpec{token: token, env: env, data: data, seeds: seeds}, &passed, &ran)
			})
		}
		// The same on a Postgres state store, and with Okta's user search
		// lagging behind writes as it does (smaller, to keep the suite
		// quick): a killed run's session, and with it its advisory lock,
		// must end with the process, and a resumed run must find the users
		// the killed one created although search does not show them yet.
		t.Run("chain=postgres,search-lag", func(t *testing.T) {
			t.Parallel()
			schema := pgtest.Schema(t, "oktasync_crash")
			crashChain(t, chainSpec{
				token: token, env: env, data: crashSource(1000, 6), seeds: crashPostgresSeeds,
				stateConf: fmt.Sprintf("  url: '%s'\n  schema: %s\n", pgtest.URL(t), schema),
				stateURL:  pgtest.URL(t), stateSchema: schema,
				searchLag: time.Hour,
			}, &passed, &ran)
		})
	})
	t.Logf("crash trials (kill, then resume) passed: %d / %d; SQLite chains on a plan of %d writes (%d user creates, %d groups, memberships), a Postgres chain on 1,000 users",
		passed.Load(), ran.Load(), data.writes(), len(data.csvUsers), 12)
}

// chainSpec is one chain of kills and resumes.
type chainSpec struct {
	token string
	env   []string
	data  e2eData
	seeds []uint64
	// stateConf, when set, replaces the config's state.url line (to put
	// the store in Postgres); stateURL and stateSchema then say where the
	// test reads it.
	stateConf, stateURL, stateSchema string
	// searchLag is the simulator's SearchLag.
	searchLag time.Duration
}

// crashChain syncs spec.data into an empty org, killing one run per seed
// and resuming, then checks the outcome; passed and ran count the kills.
func crashChain(t *testing.T, spec chainSpec, passed, ran *atomic.Int64) {
	token, env, data, seeds, stateConf := spec.token, spec.env, spec.data, spec.seeds, spec.stateConf
	total := data.writes()
	dir := t.TempDir()
	stateURL := spec.stateURL
	if stateURL == "" {
		stateURL = "sqlite://" + filepath.Join(dir, "state.db")
	}
	h := newOrgHarness(t, oktasim.Options{Tokens: []string{token}, SearchLag: spec.searchLag,
		RateLimit: oktasim.RateLimitOptions{Window: time.Second, Scale: 20}}, oktasim.Seed{})
	data.writeCSV(t, filepath.Join(dir, "users.csv"))
	cfg := filepath.Join(dir, "oktasync.yaml")
	text := simConfig(h.URL, "", "")
	if stateConf != "" {
		text = strings.Replace(text, "  url: sqlite://state.db\n", stateConf, 1)
	}
	writeFile(t, cfg, text)

	for k, seed := range seeds {
		r := rand.New(rand.NewPCG(seed, 1))
		base := h.writes.Load()
		remaining := max(total-int(base), 10)
		killAt := base + int64(1+r.IntN(remaining*6/10))
		afterApply := r.IntN(2) == 0
		t.Run(fmt.Sprintf("seed=%d/kill-at-write=%d/after-apply=%v", seed, killAt-base, afterApply), func(t *testing.T) {
			countOutcome(t, passed, ran)
			killRun(t, h, env, cfg, killAt, afterApply)
			checkCheckpointsTrue(t, h, stateURL, spec.stateSchema)
			// The next run resumes; it is killed in turn unless it is the
			// last. Either way it must find the killed run interrupted and
			// never create a login twice.
			if k == len(seeds)-1 {
				res := runOktasync(t, env, "run", "--config", cfg, "--output", "json")
				if res.code != 0 {
					t.Fatalf("final run: exit %d\nstdout: %s\nstderr: %s", res.code, lastLines(res.stdout, 20), lastLines(res.stderr, 20))
				}
			}
			if st := h.sim.Stats(); st.DuplicateCreateAttempts != 0 {
				t.Errorf("%d creates of a login that already existed", st.DuplicateCreateAttempts)
			}
		})
	}
	checkOrgExactly(t, h, data)
	if st := h.sim.Stats(); st.UsersCreated != len(data.csvUsers) {
		t.Errorf("simulator created %d users, want exactly %d (one per distinct source login)", st.UsersCreated, len(data.csvUsers))
	}
	if st := h.sim.Stats(); st.Emails != 0 {
		t.Errorf("Okta would have sent %d emails (%d users), want none: users.sendActivationEmail is off", st.Emails, len(st.EmailsByLogin))
	}
	runs := runsJSON(t, env, cfg)
	if len(runs) != len(seeds)+1 {
		t.Fatalf("history holds %d runs, want the %d killed runs and the last", len(runs), len(seeds))
	}
	for i, run := range runs {
		want := state.RunInterrupted
		if i == 0 {
			want = state.RunSucceeded
		}
		if run.Status != want {
			t.Errorf("run %d (%d newest) is %s, want %s (error %q)", run.ID, i, run.Status, want, run.Error)
		}
	}
	checkNothingToDo(t, env, cfg)
}

// checkCheckpointsTrue reads the newest run's checkpoints from the state
// store and checks that every operation recorded as applied holds in the org:
// a checkpoint never claims what did not happen.
func checkCheckpointsTrue(t *testing.T, h *orgHarness, stateURL, schema string) {
	t.Helper()
	ctx := context.Background()
	store, err := state.Open(ctx, stateURL, state.Options{Schema: schema})
	if err != nil {
		t.Fatalf("open state store: %v", err)
	}
	defer store.Close()
	runs, err := store.Runs(ctx, "", 1)
	if err != nil || len(runs) == 0 {
		t.Fatalf("list runs: %v (%d runs)", err, len(runs))
	}
	recs, err := store.Operations(ctx, runs[0].ID)
	if err != nil {
		t.Fatalf("read checkpoints of run %d: %v", runs[0].ID, err)
	}
	snap := h.sim.Snapshot()
	users, groups, members := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, u := range snap.Users {
		users[strings.ToLower(fmt.Sprint(u.Profile["login"]))] = true
	}
	for _, g := range snap.Groups {
		groups[g.Name] = true
		for _, m := range g.Members {
			members[g.Name+"/"+strings.ToLower(m)] = true
		}
	}
	applied := 0
	for _, r := range recs {
		if r.Outcome != state.OpApplied {
			continue
		}
		applied++
		var holds bool
		switch r.Action {
		case "create-user":
			holds = users[strings.ToLower(r.Target)]
		case "create-group":
			holds = groups[r.Target]
		case "add-member":
			cut := strings.LastIndex(r.Target, "/")
			holds = cut > 0 && members[r.Target[:cut]+"/"+strings.ToLower(r.Target[cut+1:])]
		default:
			continue
		}
		if !holds {
			t.Errorf("run %d recorded %s %s as applied, but the org does not show it", runs[0].ID, r.Action, r.Target)
		}
	}
	t.Logf("run %d (%s): %d checkpoints, %d applied, all true in the org", runs[0].ID, runs[0].Status, len(recs), applied)
}

// killRun starts `oktasync run` and kills it with SIGKILL on write request
// killAt (counted by the harness); with afterApply the simulator carries that
// request out first and its answer is lost.
func killRun(t *testing.T, h *orgHarness, env []string, cfg string, killAt int64, afterApply bool) {
	t.Helper()
	cmd, wait, exited := startOktasync(t, env, "run", "--config", cfg, "--output", "json")
	var killed atomic.Bool
	h.setHook(func(w http.ResponseWriter, r *http.Request, n int64) bool {
		if n != killAt {
			return false
		}
		if afterApply {
			h.sim.ServeHTTP(httptest.NewRecorder(), r)
		}
		// Mark first: the test goroutine may see the process die before
		// Signal returns here.
		killed.Store(true)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		// Answer nothing, and only once the client is gone.
		<-exited
		panic(http.ErrAbortHandler)
	})
	defer h.setHook(nil)
	res := wait()
	if !killed.Load() {
		t.Fatalf("the run ended (exit %d) before write %d; the org saw %d writes\n%s", res.code, killAt, h.writes.Load(), lastLines(res.stderr, 20))
	}
	if res.code != -int(syscall.SIGKILL) {
		t.Fatalf("killed run: exit %d, want death by SIGKILL", res.code)
	}
}

// TestTerminateAndResume sends SIGTERM to `oktasync run` on a write request
// chosen by each seed: the run must stop with operations left undone,
// record itself as interrupted at once, account for every operation in its
// report (the undone ones skipped with a reason), and a rerun must then
// converge with no login created twice. How many writes still arrive after
// the signal depends on how fast the process sees it, so it is logged, not
// asserted.
func TestTerminateAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	t.Parallel()
	const token = "terminate-test-token-3a7c"
	data := crashSource(1000, 6)
	total := int64(data.writes())
	env := []string{"OKTA_CLIENT_TOKEN=" + token}
	for _, seed := range []uint64{5, 23, 61} {
		signalAt := int64(1 + rand.New(rand.NewPCG(seed, 2)).IntN(int(total*8/10)))
		t.Run(fmt.Sprintf("seed=%d/term-at-write=%d", seed, signalAt), func(t *testing.T) {
			h := newOrgHarness(t, oktasim.Options{Tokens: []string{token}, RateLimit: oktasim.RateLimitOptions{Window: time.Second, Scale: 20}}, oktasim.Seed{})
			dir := t.TempDir()
			data.writeCSV(t, filepath.Join(dir, "users.csv"))
			cfg := filepath.Join(dir, "oktasync.yaml")
			writeFile(t, cfg, simConfig(h.URL, "", ""))

			cmd, wait, _ := startOktasync(t, env, "run", "--config", cfg, "--output", "json")
			var signalled atomic.Bool
			var writesAtSignal atomic.Int64
			var (
				mu    sync.Mutex
				kinds = map[string]int{} // writes after the signal, by call
			)
			h.setHook(func(w http.ResponseWriter, r *http.Request, n int64) bool {
				if n == signalAt {
					writesAtSignal.Store(n)
					signalled.Store(true)
					_ = cmd.Process.Signal(syscall.SIGTERM)
				} else if n > signalAt {
					mu.Lock()
					kinds[writeKind(r)]++
					mu.Unlock()
				}
				return false
			})
			res := wait()
			h.setHook(nil)
			if !signalled.Load() {
				t.Fatalf("the run ended (exit %d) before write %d", res.code, signalAt)
			}
			after := h.writes.Load() - writesAtSignal.Load()
			mu.Lock()
			t.Logf("exit %d; %d write requests arrived after SIGTERM (8 workers in each of the users and groups lanes): %v", res.code, after, kinds)
			mu.Unlock()
			if res.code == exitOK || res.code < 0 {
				t.Errorf("terminated run: exit %d, want a failure exit code\n%s", res.code, lastLines(res.stderr, 5))
			}
			var rep reportJSON
			if err := json.Unmarshal([]byte(res.stdout), &rep); err != nil {
				t.Fatalf("report of the terminated run: %v\n%s", err, lastLines(res.stdout, 10))
			}
			checkAccounted(t, 0, rep)
			if len(rep.Operations) == 0 || rep.Applied == len(rep.Operations) {
				t.Errorf("report: %d applied of %d operations, want some left undone", rep.Applied, len(rep.Operations))
			}

			// Interrupted already, before any other run starts.
			runs := runsJSON(t, env, cfg)
			if len(runs) != 1 || runs[0].Status != state.RunInterrupted {
				t.Fatalf("runs after SIGTERM = %+v, want one interrupted run", runs)
			}

			if r := runOktasync(t, env, "run", "--config", cfg); r.code != exitOK {
				t.Fatalf("rerun: exit %d\n%s", r.code, lastLines(r.stderr, 10))
			}
			checkOrgExactly(t, h, data)
			if st := h.sim.Stats(); st.UsersCreated != len(data.csvUsers) {
				t.Errorf("simulator created %d users, want exactly %d", st.UsersCreated, len(data.csvUsers))
			}
			checkNothingToDo(t, env, cfg)
		})
	}
}

// writeKind names the call a write request makes: its method and path with
// ids left out.
func writeKind(r *http.Request) string {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/api/v1/"), "/")
	for i := 1; i < len(parts); i += 2 {
		if parts[i-1] == "users" || parts[i-1] == "groups" {
			parts[i] = "{id}"
		}
	}
	return r.Method + " " + strings.Join(parts, "/")
}
