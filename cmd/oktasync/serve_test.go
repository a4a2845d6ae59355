package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"

	"github.com/oktasync/oktasync/internal/config"
	"github.com/oktasync/oktasync/internal/pgtest"
	"github.com/oktasync/oktasync/internal/schedule"
	"github.com/oktasync/oktasync/internal/state"
)

// serveDeadline bounds how long a serve test waits for any one event
// before failing, so that a broken build fails instead of hanging; the
// tests never depend on it for correctness.
const serveDeadline = 2 * time.Minute

// logEvent is one JSON log record of a running oktasync.
type logEvent map[string]any

func (e logEvent) msg() string         { s, _ := e["msg"].(string); return s }
func (e logEvent) str(k string) string { s, _ := e[k].(string); return s }

// serveProcess is a running `oktasync serve` whose JSON logs are read from
// a pipe.
type serveProcess struct {
	cmd    *exec.Cmd
	events chan logEvent
	lines  chan string // non-JSON stderr lines, such as the final error
	addr   string
	done   chan struct{}
	code   int
}

// startServe starts `oktasync serve` with the config at cfgPath, listening
// on a free port, and waits until its HTTP listener is up.
func startServe(t *testing.T, env []string, cfgPath string, extra ...string) *serveProcess {
	t.Helper()
	args := append([]string{"serve", "--config", cfgPath, "--addr", "127.0.0.1:0", "--log-format", "json", "--log-level", "debug"}, extra...)
	cmd := exec.Command(binPath, args...)
	cmd.Env = append(os.Environ(), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serveProcess{cmd: cmd, events: make(chan logEvent, 1024), lines: make(chan string, 64), done: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var e logEvent
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				p.lines <- sc.Text()
				continue
			}
			p.events <- e
		}
		close(p.events)
		err := cmd.Wait()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			p.code = ee.ExitCode()
		} else if err != nil {
			p.code = -1
		}
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = cmd.Process.Kill()
			for range p.events {
			}
			<-p.done
		}
	})
	e := p.waitFor(t, "the HTTP listener", func(e logEvent) bool { return e.msg() == "serving metrics and health" })
	p.addr = e.str("addr")
	return p
}

// waitFor reads log events until one satisfies ok, and returns it. It fails
// the test when the process exits first.
func (p *serveProcess) waitFor(t *testing.T, what string, ok func(logEvent) bool) logEvent {
	t.Helper()
	deadline := time.NewTimer(serveDeadline)
	defer deadline.Stop()
	for {
		select {
		case e, open := <-p.events:
			if !open {
				t.Fatalf("oktasync serve exited before %s; other output: %s", what, drainLines(p.lines))
			}
			if ok(e) {
				return e
			}
		case <-deadline.C:
			t.Fatalf("no %s within %s", what, serveDeadline)
		}
	}
}

// stop sends SIGTERM, reads the remaining events, and returns them with
// the exit code.
func (p *serveProcess) stop(t *testing.T) ([]logEvent, int) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var rest []logEvent
	for e := range p.events {
		rest = append(rest, e)
	}
	<-p.done
	return rest, p.code
}

func drainLines(c chan string) string {
	var out []string
	for {
		select {
		case l := <-c:
			out = append(out, l)
		default:
			return strings.Join(out, "\n")
		}
	}
}

func (p *serveProcess) get(t *testing.T, path string) (int, string) {
	t.Helper()
	resp, err := http.Get("http://" + p.addr + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// scrape reads /metrics and parses the Prometheus text format.
func (p *serveProcess) scrape(t *testing.T) map[string]*dto.MetricFamily {
	t.Helper()
	code, body := p.get(t, "/metrics")
	if code != http.StatusOK {
		t.Fatalf("GET /metrics: %d: %s", code, body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// sample returns the value of name's sample whose labels include want.
func sample(fams map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	f, ok := fams[name]
	if !ok {
		return 0, false
	}
next:
	for _, m := range f.GetMetric() {
		got := map[string]string{}
		for _, l := range m.GetLabel() {
			got[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if got[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		}
	}
	return 0, false
}

// writeServeUsers writes the serve fixture's users.csv with n users in
// three groups.
func writeServeUsers(t *testing.T, dir string, n int) {
	t.Helper()
	var b strings.Builder
	b.WriteString("login,email,firstName,lastName,department,groups\n")
	for i := range n {
		fmt.Fprintf(&b, "serve%03d@example.com,serve%03d@example.com,First%d,Last%d,Synced,Serve Team %d\n", i, i, i, i, i%3)
	}
	writeFile(t, filepath.Join(dir, "users.csv"), b.String())
}

// serveFixture writes a small CSV source and a config syncing it into sim
// with the given extra YAML, and returns the config's path.
func serveFixture(t *testing.T, dir, simURL string, users int, extra string) string {
	t.Helper()
	writeServeUsers(t, dir, users)
	cfg := filepath.Join(dir, "oktasync.yaml")
	writeFile(t, cfg, fmt.Sprintf(`
okta:
  orgUrl: %s
  testing:
    disableHttpsCheck: true
source:
  csv:
    users: users.csv
scope:
  users: profile.department eq "Synced"
state:
  url: sqlite://state.db
%s`, simURL, extra))
	return cfg
}

// TestServeSchedulesSyncsAndStopsOnSIGTERM runs serve every 2 seconds
// against the simulator: it waits for two successful syncs, checks health,
// readiness and the metrics, then stops it with SIGTERM.
func TestServeSchedulesSyncsAndStopsOnSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	t.Parallel()
	dir := t.TempDir()
	const token = "serve-token-5d2a"
	sim := startSim(t, token)
	cfg := serveFixture(t, dir, sim.URL, 9, "schedule:\n  every: 2s\n")
	p := startServe(t, []string{"OKTA_CLIENT_TOKEN=" + token}, cfg)

	var runs []logEvent
	for len(runs) < 2 {
		e := p.waitFor(t, "two finished syncs", func(e logEvent) bool { return e.msg() == "sync finished" })
		if e.str("status") != "succeeded" {
			t.Fatalf("sync finished with status %q: %v", e.str("status"), e)
		}
		runs = append(runs, e)
	}
	// 9 users created STAGED and activated without an email, 3 groups, 9
	// memberships.
	if runs[0]["applied"] != float64(9+9+3+9) || runs[1]["operations"] != float64(0) {
		t.Errorf("first sync applied %v operations (want 30), second planned %v (want 0)", runs[0]["applied"], runs[1]["operations"])
	}

	if code, body := p.get(t, "/healthz"); code != http.StatusOK {
		t.Errorf("/healthz: %d %s", code, body)
	}
	if code, body := p.get(t, "/readyz"); code != http.StatusOK {
		t.Errorf("/readyz: %d %s", code, body)
	}
	fams := p.scrape(t)
	atLeast := []struct {
		name   string
		labels map[string]string
		min    float64
	}{
		{"oktasync_runs_total", map[string]string{"status": "succeeded"}, 2},
		{"oktasync_operations_total", map[string]string{"action": "create-user", "outcome": "applied"}, 9},
		{"oktasync_operations_total", map[string]string{"action": "create-group", "outcome": "applied"}, 3},
		{"oktasync_operations_total", map[string]string{"action": "add-member", "outcome": "applied"}, 9},
		{"oktasync_api_requests_total", map[string]string{"bucket": "/api/v1/users", "status": "200"}, 1},
		{"oktasync_api_rate_limit_remaining", map[string]string{"bucket": "/api/v1/users"}, 1},
		{"oktasync_last_success_timestamp_seconds", nil, 1},
		{"oktasync_run_duration_seconds", map[string]string{"status": "succeeded"}, 2},
		{"oktasync_build_info", nil, 1},
	}
	for _, c := range atLeast {
		v, ok := sample(fams, c.name, c.labels)
		if !ok {
			t.Errorf("/metrics has no %s%v", c.name, c.labels)
		} else if v < c.min {
			t.Errorf("/metrics %s%v = %v, want at least %v", c.name, c.labels, v, c.min)
		}
	}
	if _, ok := fams["oktasync_api_rate_limited_total"]; ok {
		// Present only once a 429 was seen; the simulator's default limits
		// are far above this test's load.
		t.Log("saw 429s")
	}

	rest, code := p.stop(t)
	if code != 0 {
		t.Errorf("exit code after SIGTERM = %d, want 0; output: %s", code, drainLines(p.lines))
	}
	stopped := false
	for _, e := range rest {
		stopped = stopped || e.msg() == "stopped"
	}
	if !stopped {
		t.Errorf("no \"stopped\" log record after SIGTERM")
	}

	// The run history in the state store agrees.
	st, err := state.Open(context.Background(), "sqlite://"+filepath.Join(dir, "state.db"), state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	hist, err := st.Runs(context.Background(), "", 10)
	if err != nil {
		t.Fatal(err)
	}
	succeeded := 0
	for _, r := range hist {
		if r.Status == state.RunSucceeded {
			succeeded++
		}
	}
	if succeeded < 2 {
		t.Errorf("state store holds %d succeeded runs, want at least 2: %+v", succeeded, hist)
	}
}

// TestServeSIGTERMDuringSync stops serve while a slow sync is applying:
// the sync stops starting operations, finishes those in flight, records
// the run as interrupted, and serve exits 0.
func TestServeSIGTERMDuringSync(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	t.Parallel()
	dir := t.TempDir()
	const token = "serve-token-7e11"
	sim := startSim(t, token, "--latency", "100ms")
	cfg := serveFixture(t, dir, sim.URL, 120, "concurrency: 2\nschedule:\n  every: 1s\n")
	p := startServe(t, []string{"OKTA_CLIENT_TOKEN=" + token}, cfg)

	// An operation finished: the sync is applying, with more to come.
	p.waitFor(t, "an applied operation", func(e logEvent) bool { return e.msg() == "operation" })
	rest, code := p.stop(t)
	if code != 0 {
		t.Fatalf("exit code after SIGTERM during a sync = %d, want 0; output: %s", code, drainLines(p.lines))
	}
	var finished logEvent
	for _, e := range rest {
		if e.msg() == "sync finished" {
			finished = e
		}
	}
	if finished == nil || finished.str("status") != "interrupted" {
		t.Fatalf("sync finished record = %v, want status interrupted", finished)
	}

	st, err := state.Open(context.Background(), "sqlite://"+filepath.Join(dir, "state.db"), state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	hist, err := st.Runs(context.Background(), "", 1)
	if err != nil || len(hist) != 1 {
		t.Fatalf("runs: %v, %v", hist, err)
	}
	r := hist[0]
	if r.Status != state.RunInterrupted {
		t.Errorf("recorded run status = %q, want %q", r.Status, state.RunInterrupted)
	}
	ops, err := st.Operations(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	applied := 0
	for _, op := range ops {
		if op.Outcome == state.OpApplied {
			applied++
		}
	}
	if applied == 0 || applied >= 120+3+120 {
		t.Errorf("interrupted run recorded %d applied operations; want some, not all", applied)
	}
}

// readYAMLDocs parses every document of a YAML file.
func readYAMLDocs(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	var docs []map[string]any
	for {
		var d map[string]any
		err := dec.Decode(&d)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("parse %s: %v", path, err)
		}
		if d != nil {
			docs = append(docs, d)
		}
	}
}

// dig follows a path of map keys and list indexes through parsed YAML.
func dig(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("at %q: not a map in %v", k, path)
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				t.Fatalf("at [%d]: not a long enough list in %v", k, path)
			}
			v = l[k]
		}
	}
	return v
}

// TestDeployManifests checks the Kubernetes manifests and the CI example:
// they parse, the config in the ConfigMap loads, the CronJob forbids
// overlap and takes the token from a Secret, the Deployment probes
// /healthz and /readyz on the metrics port, and every oktasync command they
// run exists. It sets environment variables, so it does not run in
// parallel.
func TestDeployManifests(t *testing.T) {
	const root = "../../deploy"
	byKind := map[string]map[string]any{}
	for _, f := range []string{"configmap.yaml", "secret.example.yaml", "cronjob.yaml", "deployment.yaml", "kustomization.yaml"} {
		for _, d := range readYAMLDocs(t, filepath.Join(root, "kubernetes", f)) {
			kind, _ := d["kind"].(string)
			byKind[kind] = d
		}
	}
	for _, k := range []string{"ConfigMap", "Secret", "CronJob", "Deployment", "Service", "Kustomization"} {
		if byKind[k] == nil {
			t.Fatalf("no %s in deploy/kubernetes", k)
		}
	}

	// The config in the ConfigMap loads, with the secrets from the env.
	t.Setenv("OKTA_CLIENT_TOKEN", "t")
	t.Setenv("OKTASYNC_SOURCE_POSTGRES_URL", "postgres://reader@hr-db/hr")
	t.Setenv("OKTASYNC_STATE_URL", "postgres://oktasync@state-db/oktasync")
	cfgPath := filepath.Join(t.TempDir(), "oktasync.yaml")
	writeFile(t, cfgPath, dig(t, byKind["ConfigMap"], "data", "oktasync.yaml").(string))
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatalf("the ConfigMap's oktasync.yaml does not load: %v", err)
	}
	if cfg.Source.Postgres == nil || cfg.State.URL != "postgres://oktasync@state-db/oktasync" {
		t.Errorf("ConfigMap config: source %+v, state %q", cfg.Source, cfg.State.URL)
	}
	if _, _, _, err := schedule.Job(cfg.Schedule, time.Now()); err != nil {
		t.Errorf("ConfigMap schedule: %v", err)
	}

	cj := byKind["CronJob"]
	if got := dig(t, cj, "spec", "concurrencyPolicy"); got != "Forbid" {
		t.Errorf("CronJob concurrencyPolicy = %v, want Forbid", got)
	}
	cjc := dig(t, cj, "spec", "jobTemplate", "spec", "template", "spec", "containers", 0)
	dep := byKind["Deployment"]
	depc := dig(t, dep, "spec", "template", "spec", "containers", 0)
	for name, c := range map[string]any{"CronJob": cjc, "Deployment": depc} {
		secretEnv := map[string]bool{}
		for _, e := range dig(t, c, "env").([]any) {
			em := e.(map[string]any)
			if vf, ok := em["valueFrom"].(map[string]any); ok && vf["secretKeyRef"] != nil {
				secretEnv[em["name"].(string)] = true
			}
			if _, literal := em["value"]; literal && strings.Contains(strings.ToLower(em["name"].(string)), "token") {
				t.Errorf("%s sets %v as a literal", name, em["name"])
			}
		}
		for _, want := range []string{"OKTA_CLIENT_TOKEN", "OKTASYNC_STATE_URL"} {
			if !secretEnv[want] {
				t.Errorf("%s does not take %s from a Secret", name, want)
			}
		}
	}
	if got := dig(t, depc, "livenessProbe", "httpGet", "path"); got != "/healthz" {
		t.Errorf("Deployment liveness probe path = %v", got)
	}
	if got := dig(t, depc, "readinessProbe", "httpGet", "path"); got != "/readyz" {
		t.Errorf("Deployment readiness probe path = %v", got)
	}
	if got := dig(t, depc, "ports", 0, "containerPort"); got != 9464 {
		t.Errorf("Deployment metrics port = %v, want 9464", got)
	}

	// Every oktasync command line in the manifests and the CI example
	// names a real command and flags.
	var lines [][]string
	for _, c := range []any{cjc, depc} {
		var args []string
		for _, a := range dig(t, c, "args").([]any) {
			args = append(args, a.(string))
		}
		lines = append(lines, args)
	}
	ci, err := os.ReadFile(filepath.Join(root, "ci", "github-actions.yml"))
	if err != nil {
		t.Fatal(err)
	}
	readYAMLDocs(t, filepath.Join(root, "ci", "github-actions.yml"))
	for _, l := range strings.Split(string(ci), "\n") {
		l = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "run:"))
		if rest, ok := strings.CutPrefix(l, "oktasync "); ok {
			fields := strings.Fields(rest)
			for i, f := range fields {
				if f == ">" || f == "2>" {
					fields = fields[:i]
					break
				}
			}
			lines = append(lines, fields)
		}
	}
	seen := map[string]bool{}
	for _, args := range lines {
		a := &app{stdout: io.Discard, stderr: io.Discard}
		cmd, rest, err := a.rootCommand().Find(args)
		if err != nil {
			t.Errorf("oktasync %v: %v", args, err)
			continue
		}
		if err := cmd.ParseFlags(rest); err != nil {
			t.Errorf("oktasync %v: %v", args, err)
		}
		seen[cmd.Name()] = true
	}
	for _, want := range []string{"run", "serve", "validate", "plan", "apply"} {
		if !seen[want] {
			t.Errorf("no `oktasync %s` in the deploy files", want)
		}
	}
	if !strings.Contains(string(ci), "oktasync plan --out plan.json") || !strings.Contains(string(ci), "oktasync apply plan.json") {
		t.Error("the CI example does not save the plan and apply that saved plan")
	}
}

// TestServeReplicasRunEachTickOnce runs two serve processes, as two
// replicas, every 2 seconds with one PostgreSQL state store: at each tick
// one of them syncs and the other is refused the schedule lock, so no tick
// runs twice.
func TestServeReplicasRunEachTickOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	t.Parallel()
	schema := pgtest.Schema(t, "oktasync_serve")
	dir := t.TempDir()
	const token = "serve-token-a11c"
	sim := startSim(t, token)
	cfg := serveFixture(t, dir, sim.URL, 6, "schedule:\n  every: 2s\n")
	stateURL := pgtest.URL(t)
	env := []string{"OKTA_CLIENT_TOKEN=" + token, "OKTASYNC_STATE_URL=" + stateURL, "OKTASYNC_STATE_SCHEMA=" + schema}

	type tagged struct {
		replica int
		e       logEvent
	}
	merged := make(chan tagged, 256)
	counted := make(chan struct{}) // closed when the test stops reading merged
	stopForwarding := sync.OnceFunc(func() { close(counted) })
	t.Cleanup(stopForwarding)
	var procs []*serveProcess
	var firstTick time.Time
	for i := range 2 {
		p := startServe(t, env, cfg)
		e := p.waitFor(t, "the schedule", func(e logEvent) bool { return e.msg() == "scheduled syncs" })
		if e["distributedLock"] != true {
			t.Fatalf("replica %d: no distributed lock with a PostgreSQL store: %v", i, e)
		}
		next, err := time.Parse(time.RFC3339, e.str("next"))
		if err != nil {
			t.Fatal(err)
		}
		if next.After(firstTick) {
			firstTick = next // the first tick both replicas take part in
		}
		procs = append(procs, p)
		go func() {
			for e := range p.events {
				select {
				case merged <- tagged{i, e}:
				case <-counted:
				}
			}
		}()
	}

	// Wait until, in the ticks both replicas took part in, one replica was
	// refused the lock twice and the other finished two syncs.
	skipped, synced := 0, 0
	deadline := time.NewTimer(serveDeadline)
	defer deadline.Stop()
	for skipped < 2 || synced < 2 {
		select {
		case m := <-merged:
			at, _ := time.Parse(time.RFC3339Nano, m.e.str("time"))
			if at.Before(firstTick) {
				continue
			}
			switch m.e.msg() {
			case "scheduled sync skipped: another replica runs it":
				skipped++
			case "sync finished":
				if m.e.str("status") != "succeeded" {
					t.Fatalf("replica %d: sync finished %v", m.replica, m.e)
				}
				synced++
			}
		case <-deadline.C:
			t.Fatalf("no two skipped ticks within %s", serveDeadline)
		}
	}
	stopForwarding()
	for _, p := range procs {
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range procs {
		<-p.done
		if p.code != 0 {
			t.Errorf("replica exit code %d after SIGTERM, want 0", p.code)
		}
	}

	// Each 2-second tick since both replicas ran produced at most one run.
	ctx := context.Background()
	st, err := state.Open(ctx, stateURL, state.Options{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	runs, err := st.Runs(ctx, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	perTick := map[int64]int{}
	for _, r := range runs {
		if !r.StartedAt.Before(firstTick) {
			perTick[r.StartedAt.Sub(firstTick).Milliseconds()/2000]++
		}
	}
	// A sync counted above may have started just before firstTick (and
	// finished after it), so the ticks are measured against 2, not synced.
	if len(perTick) < 2 {
		t.Errorf("runs in %d ticks since both replicas ran, want at least 2: %+v", len(perTick), runs)
	}
	for tick, n := range perTick {
		if n > 1 {
			t.Errorf("tick %d after %s ran %d syncs, want 1", tick, firstTick.Format(time.RFC3339), n)
		}
	}
}

// TestServeNotReadyWithBadCredentials starts serve with a token Okta
// rejects: it stays alive but not ready, counts the failed sync, and still
// exits 0 on SIGTERM.
func TestServeNotReadyWithBadCredentials(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	t.Parallel()
	dir := t.TempDir()
	sim := startSim(t, "the-right-token")
	cfg := serveFixture(t, dir, sim.URL, 2, "schedule:\n  every: 1s\n")
	p := startServe(t, []string{"OKTA_CLIENT_TOKEN=a-wrong-token"}, cfg)

	p.waitFor(t, "the failed first contact", func(e logEvent) bool {
		return strings.HasPrefix(e.msg(), "first contact with Okta failed")
	})
	e := p.waitFor(t, "a finished sync", func(e logEvent) bool { return e.msg() == "sync finished" })
	if e.str("status") != "failed" || !strings.Contains(e.str("err"), "E0000011") {
		t.Errorf("sync finished %v, want status failed with E0000011", e)
	}
	if strings.Contains(fmt.Sprint(e), "a-wrong-token") {
		t.Errorf("the token appears in the log: %v", e)
	}
	if code, _ := p.get(t, "/healthz"); code != http.StatusOK {
		t.Errorf("/healthz: %d, want 200", code)
	}
	if code, body := p.get(t, "/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "not ready") {
		t.Errorf("/readyz: %d %q, want 503 not ready", code, body)
	}
	fams := p.scrape(t)
	if v, _ := sample(fams, "oktasync_runs_total", map[string]string{"status": "failed"}); v < 1 {
		t.Errorf("oktasync_runs_total{status=failed} = %v, want at least 1", v)
	}
	if v, _ := sample(fams, "oktasync_api_requests_total", map[string]string{"status": "401"}); v < 1 {
		t.Errorf("oktasync_api_requests_total{status=401} = %v, want at least 1", v)
	}
	if v, ok := sample(fams, "oktasync_last_success_timestamp_seconds", nil); !ok || v != 0 {
		t.Errorf("oktasync_last_success_timestamp_seconds = %v, want 0", v)
	}
	if _, code := p.stop(t); code != 0 {
		t.Errorf("exit code after SIGTERM = %d, want 0", code)
	}
}

// TestServeShutdownGraceExceeded stops serve while its sync applies, with
// calls in flight that take longer than serve.shutdownGrace: serve gives up
// waiting and exits 1 with a message saying so.
func TestServeShutdownGraceExceeded(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	t.Parallel()
	dir := t.TempDir()
	const token = "serve-token-3f90"
	// Reads are answered at once; every write is held for an hour, so a
	// write the simulator counts as held is in flight when serve is told
	// to stop, and stays so past the grace period.
	sim := startSim(t, token, "--write-latency", "1h")
	cfg := serveFixture(t, dir, sim.URL, 20, "concurrency: 2\nschedule:\n  every: 1s\nserve:\n  shutdownGrace: 100ms\n")
	p := startServe(t, []string{"OKTA_CLIENT_TOKEN=" + token}, cfg)

	deadline := time.Now().Add(2 * time.Minute)
	for sim.stats(t).WritesHeld == 0 {
		if time.Now().After(deadline) {
			t.Fatal("serve sent no write within two minutes")
		}
		runtime.Gosched()
	}
	_, code := p.stop(t)
	if code != 1 {
		t.Fatalf("exit code = %d, want 1", code)
	}
	if out := drainLines(p.lines); !strings.Contains(out, "did not stop within serve.shutdownGrace (100ms)") {
		t.Errorf("no message about the grace period; stderr: %s", out)
	}
}

// TestServeStartErrors checks that serve refuses to start, with exit code
// 1 and a message naming the problem, when it cannot schedule or listen.
func TestServeStartErrors(t *testing.T) {
	t.Parallel()
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { taken.Close() }) // after the parallel subtests
	tests := []struct {
		name  string
		extra string
		args  []string
		want  string
	}{
		{"no schedule", "", nil, "serve: no schedule: set schedule.cron"},
		{"bad cron", "schedule:\n  cron: \"0 25 * * *\"\n", nil, `serve: schedule.cron "0 25 * * *"`},
		{"negative grace", "schedule:\n  every: 1m\nserve:\n  shutdownGrace: -1s\n", nil, "serve.shutdownGrace -1s: must not be negative"},
		{"port taken", "schedule:\n  every: 1m\n", []string{"--addr", taken.Addr().String()}, "serve: listen on " + taken.Addr().String()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "users.csv"), "login,email,firstName,lastName\n")
			cfg := filepath.Join(dir, "oktasync.yaml")
			writeFile(t, cfg, "okta:\n  orgUrl: http://127.0.0.1:1\n  token: t\n  testing:\n    disableHttpsCheck: true\n"+
				"source:\n  csv:\n    users: users.csv\nstate:\n  url: sqlite://state.db\n"+tt.extra)
			var stdout, stderr bytes.Buffer
			args := append([]string{"serve", "--config", cfg}, tt.args...)
			code := Main(context.Background(), args, strings.NewReader(""), &stdout, &stderr)
			if code != 1 || !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("exit code %d, stderr %q; want 1 and %q", code, stderr.String(), tt.want)
			}
		})
	}
}
