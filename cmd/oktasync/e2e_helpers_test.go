package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oktasync/oktasync/internal/oktasim"
)

// binPath is the oktasync binary built once for the end-to-end tests.
var binPath string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "oktasync-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	binPath = filepath.Join(dir, "oktasync")
	build := exec.Command("go", "build", "-o", binPath, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build oktasync:", err)
		return 1
	}
	return m.Run()
}

// simProcess is a running `oktasync sim`.
type simProcess struct {
	URL string
	cmd *exec.Cmd
}

// startSim starts `oktasync sim` on a free port with the given extra flags
// and stops it when the test ends.
func startSim(t *testing.T, token string, extra ...string) *simProcess {
	t.Helper()
	return startSimIn(t, "", append([]string{"sim", "--addr", "127.0.0.1:0", "--token", token}, extra...))
}

// startSimIn starts the binary with exactly args (a sim command) in dir
// (the test's own when empty), reads the URL it prints, and stops it when
// the test ends.
func startSimIn(t *testing.T, dir string, args []string) *simProcess {
	t.Helper()
	cmd := exec.Command(binPath, args...)
	cmd.Dir = dir
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		if t.Failed() && stderr.Len() > 0 {
			t.Logf("sim stderr:\n%s", lastLines(stderr.String(), 30))
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("read sim URL: %v (stderr: %s)", err, stderr.String())
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	return &simProcess{URL: strings.TrimSpace(line), cmd: cmd}
}

func (s *simProcess) getJSON(t *testing.T, path string, out any) {
	t.Helper()
	resp, err := http.Get(s.URL + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %s: %s", path, resp.Status, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
}

func (s *simProcess) snapshot(t *testing.T) oktasim.Snapshot {
	t.Helper()
	var snap oktasim.Snapshot
	s.getJSON(t, "/sim/state", &snap)
	return snap
}

func (s *simProcess) stats(t *testing.T) oktasim.Stats {
	t.Helper()
	var st oktasim.Stats
	s.getJSON(t, "/sim/stats", &st)
	return st
}

func (s *simProcess) resetStats(t *testing.T) {
	t.Helper()
	resp, err := http.Post(s.URL+"/sim/stats/reset", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

// apiPost sends body to the simulator's API at path with the SSWS token, as
// another admin would, and returns the answer (its body closed).
func (s *simProcess) apiPost(t *testing.T, token, path, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "SSWS "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// result is a finished oktasync invocation.
type result struct {
	code           int
	stdout, stderr string
	elapsed        time.Duration
}

// runOktasync runs the binary with args and env (added to the test's own
// environment) and returns its exit code and output.
func runOktasync(t *testing.T, env []string, args ...string) result {
	t.Helper()
	return runIn(t, "", env, args...)
}

// runIn runs the binary in dir (the test's own when empty) with env added
// and returns its outcome.
func runIn(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String(), elapsed: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("run oktasync %v: %v", args, err)
	}
	return r
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
