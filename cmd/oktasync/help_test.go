package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestHelpConventions: every command's help has examples; the shared flags
// appear only on the commands they apply to; the flags read as what they
// take and do (--out FILE, --allow-… as the total allowed).
func TestHelpConventions(t *testing.T) {
	t.Parallel()
	root := (&app{}).rootCommand()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Name() == "help" || c.Name() == "completion" {
			return
		}
		if c.Example == "" {
			t.Errorf("%q has no examples in its help", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)

	help := func(args ...string) string {
		t.Helper()
		code, out, errOut := runMain(t, append(args, "--help")...)
		if code != 0 {
			t.Fatalf("%v --help: exit %d\n%s", args, code, errOut)
		}
		return out
	}
	has := map[string][]string{
		"plan":     {"--config", "--log-level", "--no-color", "--out FILE", "also save the plan to FILE", "up to N users in all", "up to N memberships in all"},
		"run":      {"--config", "--log-level", "--no-color", "--yes"},
		"apply":    {"--config", "--no-color"},
		"validate": {"--config", "--log-level"},
		"runs":     {"--config"},
		"sim":      {"--log-level", "--seed"},
		"demo":     {"--no-color", "--keep"},
	}
	hasNot := map[string][]string{
		"validate": {"--no-color"},
		"runs":     {"--no-color"},
		"migrate":  {"--no-color"},
		"serve":    {"--no-color"},
		"sim":      {"--config", "--no-color", "Global Flags"},
		"demo":     {"--config"},
		"version":  {"--config", "--log-level", "--no-color"},
		"plan":     {"oktasync apply FILE   also", "beyond the safety limit", "Global Flags"},
	}
	for cmd, wants := range has {
		out := help(cmd)
		for _, w := range wants {
			if !strings.Contains(out, w) {
				t.Errorf("oktasync %s --help lacks %q:\n%s", cmd, w, out)
			}
		}
	}
	for cmd, nots := range hasNot {
		out := help(cmd)
		for _, n := range nots {
			if strings.Contains(out, n) {
				t.Errorf("oktasync %s --help shows %q:\n%s", cmd, n, out)
			}
		}
	}
	if code, _, errOut := runMain(t, "sim", "--config", "x.yaml"); code == 0 || !strings.Contains(errOut, "unknown flag: --config") {
		t.Errorf("sim --config: exit %d, want an unknown flag:\n%s", code, errOut)
	}
}

// screen replays what a terminal shows for out: carriage returns, line
// feeds and "erase to the end of the line" (ESC [K), other escape
// sequences dropped. It returns the lines left on the screen.
func screen(out string) []string {
	lines := []string{""}
	col := 0
	for i := 0; i < len(out); i++ {
		cur := []rune(lines[len(lines)-1])
		switch c := out[i]; {
		case c == '\r':
			col = 0
		case c == '\n':
			lines = append(lines, "")
			col = 0
		case c == 0x1b && i+1 < len(out) && out[i+1] == '[':
			j := i + 2
			for j < len(out) && (out[j] < 0x40 || out[j] > 0x7e) {
				j++
			}
			if j < len(out) && out[j] == 'K' {
				lines[len(lines)-1] = string(cur[:min(col, len(cur))])
			}
			i = j
		default:
			r := []rune(out[i:])[0]
			i += len(string(r)) - 1
			if col < len(cur) {
				cur[col] = r
			} else {
				cur = append(cur, r)
			}
			lines[len(lines)-1] = string(cur)
			col++
		}
	}
	return lines
}

// TestNoStaleProgressLine: on a terminal, the progress lines drawn while
// the source and Okta are read and while the plan is applied are gone from
// the screen once the plan and the outcome are printed.
func TestNoStaleProgressLine(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	t.Parallel()
	dir := t.TempDir()
	const token = "stale-progress-token-4c1"
	sim := startSim(t, token, "--no-rate-limits", "--latency", "2ms")
	var csv strings.Builder
	csv.WriteString("login,email,firstName,lastName,groups\n")
	for i := range 60 {
		fmt.Fprintf(&csv, "p%02d@example.com,p%02d@example.com,P,%d,Team\n", i, i, i)
	}
	writeFile(t, filepath.Join(dir, "users.csv"), csv.String())
	cfg := filepath.Join(dir, "oktasync.yaml")
	writeFile(t, cfg, fmt.Sprintf("okta:\n  orgUrl: %s\n  testing:\n    disableHttpsCheck: true\nsource:\n  csv:\n    users: users.csv\nstate:\n  url: sqlite://state.db\n", sim.URL))
	env := []string{"OKTA_CLIENT_TOKEN=" + token}
	for _, args := range [][]string{{"plan"}, {"run", "--yes"}} {
		code, out := startOnTerminal(t, env, append(args, "--config", cfg)...).wait()
		if code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, code, out)
		}
		if !strings.Contains(out, "\x1b[K") {
			t.Errorf("%v: no progress line was drawn; the test checks nothing:\n%q", args, out)
		}
		for _, line := range screen(out) {
			if strings.HasPrefix(line, "reading") || strings.HasPrefix(line, "applying") {
				t.Errorf("%v: a progress line is left on the screen: %q\n%s", args, line, strings.Join(screen(out), "\n"))
			}
		}
	}
}
