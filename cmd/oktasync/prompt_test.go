package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
)

const applyPrompt = "Only 'yes' will be accepted:"

// terminalRun is oktasync run on a pseudo-terminal: stdin, stdout and
// stderr are the terminal, as for a person at a shell.
type terminalRun struct {
	t    *testing.T
	cmd  *exec.Cmd
	ptmx *os.File
	out  chan []byte   // what the terminal shows, chunk by chunk
	done chan struct{} // closed when the terminal has nothing more
	buf  bytes.Buffer
}

func startOnTerminal(t *testing.T, env []string, args ...string) *terminalRun {
	t.Helper()
	cmd := exec.Command(binPath, args...)
	cmd.Env = append(os.Environ(), env...)
	ptmx, err := pty.Start(cmd)
	if err != nil {
		t.Fatalf("start on a pseudo-terminal: %v", err)
	}
	tr := &terminalRun{t: t, cmd: cmd, ptmx: ptmx, out: make(chan []byte, 64), done: make(chan struct{})}
	go func() {
		defer close(tr.done)
		for {
			b := make([]byte, 4096)
			n, err := ptmx.Read(b)
			if n > 0 {
				tr.out <- b[:n]
			}
			if err != nil { // EIO once the process has exited
				return
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		ptmx.Close()
	})
	return tr
}

// waitFor reads the terminal until it shows s.
func (tr *terminalRun) waitFor(s string) {
	tr.t.Helper()
	deadline := time.After(2 * time.Minute)
	for !strings.Contains(tr.buf.String(), s) {
		select {
		case b := <-tr.out:
			tr.buf.Write(b)
		case <-tr.done:
			tr.drain()
			if !strings.Contains(tr.buf.String(), s) {
				tr.t.Fatalf("the terminal never showed %q:\n%s", s, tr.buf.String())
			}
		case <-deadline:
			tr.t.Fatalf("the terminal did not show %q in time:\n%s", s, tr.buf.String())
		}
	}
}

func (tr *terminalRun) drain() {
	for {
		select {
		case b := <-tr.out:
			tr.buf.Write(b)
		default:
			return
		}
	}
}

// wait reads the terminal to its end and returns the exit code and all it
// showed.
func (tr *terminalRun) wait() (int, string) {
	tr.t.Helper()
	for {
		select {
		case b := <-tr.out:
			tr.buf.Write(b)
			continue
		case <-tr.done:
		}
		break
	}
	tr.drain()
	err := tr.cmd.Wait()
	var ee *exec.ExitError
	code := 0
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		tr.t.Fatal(err)
	}
	return code, tr.buf.String()
}

// TestRunAsksOnTerminal: on a terminal, run shows the plan and the org and
// applies only on "yes"; any other answer applies nothing; --yes applies
// without asking. Without a terminal, run applies at once and names the
// org.
func TestRunAsksOnTerminal(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	dir := t.TempDir()
	const token = "prompt-token-7c1"
	seed := `{"customAttributes":["employeeType"],"users":[{"profile":{"login":"a@example.com","email":"a@example.com","firstName":"A","lastName":"One","title":"Old","employeeType":"hr"}}]}`
	writeFile(t, filepath.Join(dir, "seed.json"), seed)
	sim := startSim(t, token, "--no-rate-limits", "--seed", filepath.Join(dir, "seed.json"))
	writeFile(t, filepath.Join(dir, "users.csv"), "login,email,firstName,lastName,title,employeeType,groups\n"+
		"a@example.com,a@example.com,A,One,New,hr,Team\n"+
		"b@example.com,b@example.com,B,Two,Eng,hr,Team\n")
	cfg := filepath.Join(dir, "oktasync.yaml")
	writeFile(t, cfg, fmt.Sprintf("okta:\n  orgUrl: %s\n  testing:\n    disableHttpsCheck: true\nsource:\n  csv:\n    users: users.csv\nscope:\n  users: profile.employeeType eq \"hr\"\nstate:\n  url: sqlite://state.db\n", sim.URL))
	env := []string{"OKTA_CLIENT_TOKEN=" + token}
	question := fmt.Sprintf("Apply these changes to %s? %s", sim.URL, applyPrompt)

	for _, answer := range []string{"no", "y", "Yes", ""} {
		sim.resetStats(t)
		tr := startOnTerminal(t, env, "run", "--config", cfg)
		tr.waitFor(question)
		if _, err := io.WriteString(tr.ptmx, answer+"\r"); err != nil {
			t.Fatal(err)
		}
		code, out := tr.wait()
		if code != exitError || !strings.Contains(out, "apply cancelled") {
			t.Errorf("answer %q: exit %d, want %d and \"apply cancelled\":\n%s", answer, code, exitError, out)
		}
		if !strings.Contains(out, "Org: "+sim.URL) || !strings.Contains(out, "b@example.com") {
			t.Errorf("answer %q: the plan shown before the question does not name the org and the user:\n%s", answer, out)
		}
		if st := sim.stats(t); st.Writes != 0 {
			t.Errorf("answer %q: %d writes, want none", answer, st.Writes)
		}
	}

	// The bare command asks too; "yes" applies.
	sim.resetStats(t)
	tr := startOnTerminal(t, env, "--config", cfg)
	tr.waitFor(question)
	if _, err := io.WriteString(tr.ptmx, "yes\r"); err != nil {
		t.Fatal(err)
	}
	code, out := tr.wait()
	if code != 0 || !strings.Contains(out, "Applied") {
		t.Fatalf("answer yes: exit %d, want 0 and the apply's outcome:\n%s", code, out)
	}
	if st := sim.stats(t); st.Writes == 0 {
		t.Fatal("answer yes: nothing written")
	}

	// --yes applies without asking.
	changeTitle(t, sim, token, "a@example.com", "Changed by someone else")
	sim.resetStats(t)
	code, out = startOnTerminal(t, env, "run", "--yes", "--config", cfg).wait()
	if code != 0 || strings.Contains(out, applyPrompt) || !strings.Contains(out, "Applied") {
		t.Fatalf("run --yes: exit %d, want 0 without a question:\n%s", code, out)
	}
	if st := sim.stats(t); st.Writes == 0 {
		t.Fatal("run --yes: nothing written")
	}

	// Without a terminal, run applies at once; plan and run name the org.
	changeTitle(t, sim, token, "a@example.com", "Changed again")
	r := runOktasync(t, env, "plan", "--config", cfg)
	if r.code != 0 || !strings.Contains(r.stdout, "Org: "+sim.URL) {
		t.Fatalf("plan: exit %d, want 0 naming the org:\n%s", r.code, r.stdout)
	}
	sim.resetStats(t)
	r = runOktasync(t, env, "run", "--config", cfg)
	if r.code != 0 || strings.Contains(r.stdout, applyPrompt) || !strings.Contains(r.stdout, "Org: "+sim.URL) {
		t.Fatalf("run without a terminal: exit %d, want 0 naming the org, without a question:\n%s", r.code, r.stdout)
	}
	if st := sim.stats(t); st.Writes == 0 {
		t.Fatal("run without a terminal: nothing written")
	}
}

// TestBareWithoutConfigPrintsHelp: bare oktasync with no config to be found
// prints the help and exits 0.
func TestBareWithoutConfigPrintsHelp(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv("OKTASYNC_CONFIG", "")
	code, out, errOut := runMain(t)
	if code != 0 || !strings.Contains(out, "Usage:") || !strings.Contains(out, "Available Commands:") {
		t.Fatalf("bare oktasync without a config: exit %d, want 0 and the help:\n%s\n%s", code, out, errOut)
	}
	code, _, errOut = runMain(t, "run")
	if code == 0 || !strings.Contains(errOut, "no config file") {
		t.Fatalf("run without a config: exit %d, want an error:\n%s", code, errOut)
	}
}
