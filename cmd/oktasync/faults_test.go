package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oktasync/oktasync/internal/oktasim"
	"github.com/oktasync/oktasync/internal/state"
)

// faultData is a source of 200 users in 6 groups and an org that already
// holds 140 of them (every tenth with a drifted title, every seventh missing
// a membership) and 5 of the groups. The org has no user or membership the
// source lacks, so a correct plan never deactivates or removes anything:
// any deactivation or removal seen is damage.
type faultData struct {
	e2eData
	newUsers int
}

func generateFaultData() faultData {
	r := rand.New(rand.NewPCG(7, 2026))
	const nUsers, nGroups, existing = 200, 6, 140
	var d faultData
	for i := range nGroups - 1 {
		d.seed.Groups = append(d.seed.Groups, oktasim.SeedGroup{Name: teamName(i), Description: "faults"})
	}
	for i := range nUsers {
		u := csvUser{
			login: fmt.Sprintf("fault%04d@example.com", i),
			first: fmt.Sprintf("First%d", i),
			last:  fmt.Sprintf("Last%d", i),
			dept:  departments[r.IntN(len(departments))],
			title: fmt.Sprintf("Title %d", r.IntN(20)),
		}
		for _, g := range r.Perm(nGroups)[:1+r.IntN(2)] {
			u.groups = append(u.groups, teamName(g))
		}
		sort.Strings(u.groups)
		d.csvUsers = append(d.csvUsers, u)
		if i >= existing {
			d.newUsers++
			continue
		}
		su := oktasim.SeedUser{Profile: map[string]any{
			"login": u.login, "email": u.login, "firstName": u.first, "lastName": u.last,
			"department": u.dept, "title": u.title, "employeeType": "Employee",
		}}
		if i%10 == 0 {
			su.Profile["title"] = "Drifted"
		}
		for j, g := range u.groups {
			if (i%7 == 0 && j == 0) || g == teamName(nGroups-1) {
				continue // a missing membership, or a group not yet created
			}
			su.Groups = append(su.Groups, g)
		}
		d.seed.Users = append(d.seed.Users, su)
	}
	return d
}

// reportJSON is the part of `run --output json` the fault tests read.
type reportJSON struct {
	Operations []struct {
		Action string `json:"action"`
		Login  string `json:"login"`
		Group  string `json:"group"`
		Status string `json:"status"`
		Error  string `json:"error"`
	} `json:"operations"`
	Applied int `json:"applied"`
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"`
}

// checkNoDamage asserts the simulator never deactivated, suspended or
// deleted a user nor removed a membership or a group, and never refused a
// create because the login existed.
func checkNoDamage(t *testing.T, st oktasim.Stats) {
	t.Helper()
	for route, byStatus := range st.ByRoute {
		destructive := strings.HasPrefix(route, "DELETE ") ||
			strings.HasSuffix(route, "/lifecycle/deactivate") || strings.HasSuffix(route, "/lifecycle/suspend")
		if destructive {
			t.Errorf("the org was sent %s: %v (nothing in the plan deactivates or removes)", route, byStatus)
		}
	}
	if st.DuplicateCreateAttempts != 0 {
		t.Errorf("%d creates of a login that already existed", st.DuplicateCreateAttempts)
	}
}

// TestFaultsConverge runs syncs against an org that answers 5 % of requests
// with 500s, drops 2 % of connections (half of them after acting), adds
// latency spikes, or rate-limits hard (a 429 storm), rerunning until a run
// applies everything (at most maxAttempts runs). Every run must account for
// every operation (applied, or failed or skipped with its reason), a run
// that fails outright must have written nothing, no login may be created
// twice, and nothing may ever be deactivated or removed.
func TestFaultsConverge(t *testing.T) {
	if testing.Short() {
		t.Skip("fault runs; skipped with -short")
	}
	t.Parallel() // mostly waiting on rate limits and backoff
	const (
		token       = "faults-test-token-81c4"
		maxAttempts = 10
	)
	data := generateFaultData()
	cases := []struct {
		name      string
		faults    oktasim.FaultOptions
		rateLimit oktasim.RateLimitOptions
		// storm is how many API requests in a row, from the 30th on, are
		// answered 429 as though other integrations had spent the org's
		// buckets, beside the org's own limits.
		storm int64
		// oktaExtra is added to the config's okta block.
		oktaExtra string
		// searchLag is the simulator's SearchLag.
		searchLag time.Duration
	}{
		{name: "5% 500s", faults: oktasim.FaultOptions{Seed: 11, ErrorRate: 0.05}},
		{name: "2% dropped connections", faults: oktasim.FaultOptions{Seed: 12, DropRate: 0.02}},
		{name: "latency spikes", faults: oktasim.FaultOptions{Seed: 13, Latency: time.Millisecond, LatencyJitter: 40 * time.Millisecond}},
		{name: "429 storm", rateLimit: oktasim.RateLimitOptions{Window: time.Second, Scale: 0.1, TokenShare: 0.5, Concurrency: 3}, storm: 60},
		{name: "all at once", faults: oktasim.FaultOptions{Seed: 15, ErrorRate: 0.05, DropRate: 0.02, LatencyJitter: 10 * time.Millisecond},
			rateLimit: oktasim.RateLimitOptions{Window: time.Second, Scale: 0.1, Concurrency: 4}},
		// With a single retry, some operations fail and reruns finish them;
		// user search lags behind writes, as Okta's does, so reruns must
		// not trust it to show what earlier runs created.
		{name: "all at once, one retry, search lag", searchLag: time.Hour, faults: oktasim.FaultOptions{Seed: 16, ErrorRate: 0.05, DropRate: 0.02, LatencyJitter: 10 * time.Millisecond},
			rateLimit: oktasim.RateLimitOptions{Window: time.Second, Scale: 0.1, Concurrency: 4}, storm: 20, oktaExtra: "  rateLimit:\n    maxRetries: 1\n"},
	}
	var passed, ran atomic.Int64
	t.Run("group", func(t *testing.T) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				countOutcome(t, &passed, &ran)
				rl := tc.rateLimit
				if rl.Window == 0 {
					rl = oktasim.RateLimitOptions{Window: time.Second, Scale: 20}
				}
				h := newOrgHarness(t, oktasim.Options{Tokens: []string{token}, RateLimit: rl, Faults: tc.faults, MaxPageSize: 50, SearchLag: tc.searchLag}, data.seed)
				var stormed atomic.Int64
				if tc.storm > 0 {
					const stormFrom = 30
					var seen atomic.Int64
					h.setHook(func(w http.ResponseWriter, r *http.Request, _ int64) bool {
						if !strings.HasPrefix(r.URL.Path, "/api/") {
							return false
						}
						if n := seen.Add(1); n < stormFrom || n >= stormFrom+tc.storm {
							return false
						}
						stormed.Add(1)
						w.Header().Set("X-Rate-Limit-Limit", "50")
						w.Header().Set("X-Rate-Limit-Remaining", "0")
						w.Header().Set("X-Rate-Limit-Reset", fmt.Sprint(time.Now().Add(time.Second).Unix()))
						oktaError(w, http.StatusTooManyRequests, "E0000047", "API call exceeded rate limit due to too many requests.")
						return true
					})
				}
				dir := t.TempDir()
				data.writeCSV(t, filepath.Join(dir, "users.csv"))
				cfg := filepath.Join(dir, "oktasync.yaml")
				writeFile(t, cfg, simConfig(h.URL, tc.oktaExtra, ""))
				env := []string{"OKTA_CLIENT_TOKEN=" + token}

				converged := false
				for attempt := 1; attempt <= maxAttempts && !converged; attempt++ {
					before := h.writes.Load()
					r := runOktasync(t, env, "run", "--config", cfg, "--output", "json")
					wrote := h.writes.Load() - before
					switch r.code {
					case exitOK, exitPartial:
						var rep reportJSON
						if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
							t.Fatalf("attempt %d: report JSON: %v\n%s", attempt, err, lastLines(r.stdout, 20))
						}
						checkAccounted(t, attempt, rep)
						t.Logf("attempt %d: exit %d, %d writes, applied %d, failed %d, skipped %d", attempt, r.code, wrote, rep.Applied, rep.Failed, rep.Skipped)
						converged = r.code == exitOK
					case exitError:
						// The run stopped before applying: reading Okta failed.
						if wrote != 0 {
							t.Errorf("attempt %d: exit 1 after %d writes; a run that fails must fail before writing\n%s", attempt, wrote, lastLines(r.stderr, 10))
						}
						if !strings.Contains(r.stderr, "oktasync: ") {
							t.Errorf("attempt %d: exit 1 without saying why:\n%s", attempt, lastLines(r.stderr, 10))
						}
						t.Logf("attempt %d: exit 1, no writes: %s", attempt, lastLines(r.stderr, 1))
					default:
						t.Fatalf("attempt %d: exit %d\nstdout: %s\nstderr: %s", attempt, r.code, lastLines(r.stdout, 10), lastLines(r.stderr, 10))
					}
				}
				st := h.sim.Stats()
				t.Logf("simulator: %d requests, %d writes, %d faults injected, %d rate-limited, %d concurrency-limited; %d more 429s from the storm",
					st.Requests, st.Writes, st.FaultsInjected, st.RateLimited, st.ConcurrencyLimited, stormed.Load())
				if !converged {
					t.Fatalf("no run applied everything in %d attempts", maxAttempts)
				}
				checkNoDamage(t, st)
				if st.UsersCreated != data.newUsers {
					t.Errorf("simulator created %d users, want exactly %d", st.UsersCreated, data.newUsers)
				}
				checkOrgExactly(t, h, data.e2eData)
				checkNothingToDoDespiteFaults(t, env, cfg)
			})
		}
	})
	t.Logf("fault runs passed: %d / %d", passed.Load(), ran.Load())
}

// countOutcome counts a test that ran in ran and, once it has ended
// without failing, in passed.
func countOutcome(t *testing.T, passed, ran *atomic.Int64) {
	ran.Add(1)
	t.Cleanup(func() {
		if !t.Failed() {
			passed.Add(1)
		}
	})
}

// checkAccounted asserts a finished run reported an outcome for every
// operation, with a reason for each failed or skipped one.
func checkAccounted(t *testing.T, attempt int, rep reportJSON) {
	t.Helper()
	counts := map[string]int{}
	for _, op := range rep.Operations {
		counts[op.Status]++
		switch op.Status {
		case state.OpApplied:
		case state.OpFailed, state.OpSkipped:
			if strings.TrimSpace(op.Error) == "" {
				t.Errorf("attempt %d: %s %s %s is %s without a reason", attempt, op.Action, op.Login, op.Group, op.Status)
			}
		default:
			t.Errorf("attempt %d: %s %s %s has status %q, want applied, failed or skipped", attempt, op.Action, op.Login, op.Group, op.Status)
		}
	}
	shown := 0
	for _, op := range rep.Operations {
		if op.Status != state.OpApplied && shown < 2 {
			t.Logf("attempt %d: %s %s %s %s: %s", attempt, op.Status, op.Action, op.Login, op.Group, op.Error)
			shown++
		}
	}
	if counts[state.OpApplied] != rep.Applied || counts[state.OpFailed] != rep.Failed || counts[state.OpSkipped] != rep.Skipped {
		t.Errorf("attempt %d: totals applied %d, failed %d, skipped %d disagree with the operations %v", attempt, rep.Applied, rep.Failed, rep.Skipped, counts)
	}
}

// oktaError answers like Okta with an error body.
func oktaError(w http.ResponseWriter, status int, code, summary string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errorCode": code, "errorSummary": summary, "errorLink": code,
		"errorId": "oaeFaultInjected", "errorCauses": []any{},
	})
}

// TestFailedReadStopsBeforeAnyWrite makes one kind of read of Okta fail
// every time it is tried and checks that the run exits 1 having written
// nothing: a failed read is never taken for "the user or membership is
// gone".
func TestFailedReadStopsBeforeAnyWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	t.Parallel() // mostly waiting on retries
	const token = "failed-read-token-0a9b"
	data := generateFaultData()
	isUsersList := func(r *http.Request) bool { return r.Method == http.MethodGet && r.URL.Path == "/api/v1/users" }
	isMembers := func(r *http.Request) bool {
		return r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/api/v1/groups/") && strings.HasSuffix(r.URL.Path, "/users")
	}
	cases := []struct {
		name string
		fail func(w http.ResponseWriter, r *http.Request) bool
	}{
		{"users list answers 500", func(w http.ResponseWriter, r *http.Request) bool {
			if !isUsersList(r) {
				return false
			}
			oktaError(w, http.StatusInternalServerError, "E0000009", "Internal Server Error")
			return true
		}},
		{"second users page drops the connection", func(w http.ResponseWriter, r *http.Request) bool {
			if !isUsersList(r) || r.URL.Query().Get("after") == "" {
				return false
			}
			panic(http.ErrAbortHandler)
		}},
		{"one group's members answer 500", func(w http.ResponseWriter, r *http.Request) bool {
			if !isMembers(r) {
				return false
			}
			oktaError(w, http.StatusInternalServerError, "E0000009", "Internal Server Error")
			return true
		}},
		{"members list is cut short", func(w http.ResponseWriter, r *http.Request) bool {
			if !isMembers(r) {
				return false
			}
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", "4096")
			_, _ = w.Write([]byte(`[{"id":"00u`))
			panic(http.ErrAbortHandler)
		}},
		{"users page answers 200 with HTML", func(w http.ResponseWriter, r *http.Request) bool {
			if !isUsersList(r) || r.URL.Query().Get("after") == "" {
				return false
			}
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html><body>Service temporarily unavailable</body></html>"))
			return true
		}},
		{"groups list answers 403", func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method != http.MethodGet || r.URL.Path != "/api/v1/groups" {
				return false
			}
			oktaError(w, http.StatusForbidden, "E0000006", "You do not have permission to perform the requested action")
			return true
		}},
		{"users list rate-limited past the retries", func(w http.ResponseWriter, r *http.Request) bool {
			if !isUsersList(r) {
				return false
			}
			w.Header().Set("X-Rate-Limit-Limit", "600")
			w.Header().Set("X-Rate-Limit-Remaining", "0")
			w.Header().Set("X-Rate-Limit-Reset", fmt.Sprint(time.Now().Add(time.Second).Unix()))
			oktaError(w, http.StatusTooManyRequests, "E0000047", "API call exceeded rate limit due to too many requests.")
			return true
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newOrgHarness(t, oktasim.Options{Tokens: []string{token}, RateLimit: oktasim.RateLimitOptions{Window: time.Second, Scale: 20}, MaxPageSize: 50}, data.seed)
			h.setHook(func(w http.ResponseWriter, r *http.Request, _ int64) bool { return tc.fail(w, r) })
			dir := t.TempDir()
			data.writeCSV(t, filepath.Join(dir, "users.csv"))
			cfg := filepath.Join(dir, "oktasync.yaml")
			writeFile(t, cfg, simConfig(h.URL, "  rateLimit:\n    maxRetries: 1\n", ""))
			r := runOktasync(t, []string{"OKTA_CLIENT_TOKEN=" + token}, "run", "--config", cfg)
			if r.code != exitError {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, exitError, lastLines(r.stdout, 10), lastLines(r.stderr, 10))
			}
			if n := h.writes.Load(); n != 0 {
				t.Errorf("%d write requests reached the org after a failed read", n)
			}
			if !strings.Contains(r.stderr, "oktasync: ") {
				t.Errorf("no error message on stderr:\n%s", r.stderr)
			}
			checkNoDamage(t, h.sim.Stats())
			t.Logf("stderr: %s", lastLines(r.stderr, 2))
		})
	}
}

// checkNothingToDoDespiteFaults is checkNothingToDo while the simulator
// still injects faults: a plan that could not read Okta (exit 1, no plan)
// says nothing about convergence and is tried again, up to three times; a
// plan with changes (exit 2) fails at once.
func checkNothingToDoDespiteFaults(t *testing.T, env []string, cfg string) {
	t.Helper()
	var r result
	for range 3 {
		if r = runOktasync(t, env, "plan", "--config", cfg, "--detailed-exitcode"); r.code != exitError {
			break
		}
	}
	if r.code != exitOK {
		t.Errorf("plan after the last run: exit %d, want %d (nothing to do)\n%s\n%s", r.code, exitOK, lastLines(r.stdout, 20), lastLines(r.stderr, 10))
	}
}
