package main

import (
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// readmeSection returns the README's section under heading (up to the next
// heading of the same level).
func readmeSection(t *testing.T, heading string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, "\n"+heading+"\n")
	if i < 0 {
		t.Fatalf("README has no %q", heading)
	}
	s = s[i+len(heading)+2:]
	level := heading[:strings.IndexByte(heading, ' ')+1]
	if j := strings.Index(s, "\n"+level); j >= 0 {
		s = s[:j]
	}
	return s
}

// fencedBlocks returns the section's fenced code blocks of a language.
func fencedBlocks(section, lang string) []string {
	re := regexp.MustCompile("(?s)```" + lang + "\n(.*?)```")
	var out []string
	for _, m := range re.FindAllStringSubmatch(section, -1) {
		out = append(out, m[1])
	}
	return out
}

// shellWords splits a command line as the shell would for the simple
// commands the README shows: a trailing comment dropped, "$VAR" expanded
// from env, double quotes removed.
func shellWords(line string, env map[string]string) []string {
	if i := strings.Index(line, " #"); i >= 0 {
		line = line[:i]
	}
	line = os.Expand(line, func(k string) string { return env[k] })
	var words []string
	var cur strings.Builder
	quoted, inWord := false, false
	for _, r := range line {
		switch {
		case r == '"':
			quoted, inWord = !quoted, true
		case r == ' ' && !quoted:
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
			}
			inWord = false
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

// freeAddr returns a loopback address whose port was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestReadmeTryItWithYourOwnCSV runs the README's "Try it with your own
// CSV" as written, in order, with the built binary: the export, sim with a
// token, the CSV and the config it shows, then validate, plan, run and plan.
// Only the port changes (a free one instead of 8080).
func TestReadmeTryItWithYourOwnCSV(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	t.Parallel()
	sec := readmeSection(t, "## Try it with your own CSV")
	csvs, yamls, shs := fencedBlocks(sec, "csv"), fencedBlocks(sec, "yaml"), fencedBlocks(sec, "sh")
	if len(csvs) != 1 || len(yamls) != 1 || len(shs) != 2 {
		t.Fatalf("the section has %d csv, %d yaml and %d sh blocks; want 1, 1 and 2", len(csvs), len(yamls), len(shs))
	}
	if n := strings.Count(strings.TrimRight(yamls[0], "\n"), "\n") + 1; n > 10 {
		t.Errorf("the config has %d lines; the README promises ten", n)
	}
	addr := freeAddr(t)
	port := func(s string) string { return strings.ReplaceAll(s, "127.0.0.1:8080", addr) }
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "users.csv"), csvs[0])
	writeFile(t, filepath.Join(dir, "oktasync.yaml"), port(yamls[0]))

	vars := map[string]string{}
	var env, ran []string
	var last result
	for _, line := range strings.Split(port(shs[0]+shs[1]), "\n") {
		words := shellWords(line, vars)
		switch {
		case len(words) == 0:
		case words[0] == "export":
			k, v, _ := strings.Cut(words[1], "=")
			vars[k] = v
			env = append(env, k+"="+v)
		case words[0] == "oktasync" && words[1] == "sim":
			if words[len(words)-1] != "&" {
				t.Fatalf("the README starts sim in the foreground: %s", line)
			}
			if url := startSimIn(t, dir, words[1:len(words)-1]).URL; url != "http://"+addr {
				t.Fatalf("sim serves %s, want http://%s", url, addr)
			}
		case words[0] == "oktasync":
			last = runIn(t, dir, env, words[1:]...)
			if last.code != 0 {
				t.Fatalf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", line, last.code, last.stdout, last.stderr)
			}
		default:
			t.Fatalf("a command the test does not know how to run: %s", line)
		}
		if len(words) > 1 {
			ran = append(ran, words[0]+" "+words[1])
		}
	}
	if got := strings.Join(ran, ", "); got != "export OKTA_CLIENT_TOKEN=try-it-token-1234, oktasync sim, oktasync validate, oktasync plan, oktasync run, oktasync plan" {
		t.Errorf("the README's commands: %s", got)
	}
	if !strings.Contains(last.stdout, "No changes") {
		t.Errorf("the last plan is not empty:\n%s", last.stdout)
	}
}

// TestDemoKeepStartsAgain: demo --keep leaves a config, the CSV, the state
// store and the simulated org's state; sim --seed starts that org again and
// a plan with the kept config has no changes, as the demo prints.
func TestDemoKeepStartsAgain(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	t.Parallel()
	addr := freeAddr(t)
	r := runOktasync(t, nil, "demo", "--keep", "--addr", addr)
	if r.code != 0 {
		t.Fatalf("demo --keep: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	m := regexp.MustCompile(`Demo files kept in (\S+):`).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("demo --keep does not say where it kept its files:\n%s", r.stdout)
	}
	dir := m[1]
	t.Cleanup(func() { os.RemoveAll(dir) })
	for _, name := range []string{"oktasync.yaml", "users.csv", "state.db", "sim-token", "sim-state.json"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("kept: %v", err)
		}
	}
	token, err := os.ReadFile(filepath.Join(dir, "sim-token"))
	if err != nil {
		t.Fatal(err)
	}
	simLine := `oktasync sim --addr ` + addr + ` --token "$(cat sim-token)" --seed sim-state.json &`
	if !strings.Contains(r.stdout, simLine) || !strings.Contains(r.stdout, "oktasync plan --config oktasync.yaml") {
		t.Errorf("demo --keep does not print how to start again (%s):\n%s", simLine, r.stdout)
	}
	url := startSimIn(t, dir, []string{"sim", "--addr", addr, "--token", strings.TrimSpace(string(token)), "--seed", "sim-state.json"}).URL
	if url != "http://"+addr {
		t.Fatalf("sim serves %s, want http://%s", url, addr)
	}
	p := runIn(t, dir, nil, "plan", "--config", "oktasync.yaml", "--detailed-exitcode")
	if p.code != 0 || !strings.Contains(p.stdout, "No changes") {
		t.Fatalf("plan with the kept config against the kept org: exit %d, want 0 and no changes:\n%s\n%s", p.code, p.stdout, p.stderr)
	}
}

// TestReadmeLinks: every link of the README leads somewhere: a file or
// folder of the repository (never one outside it), or a heading of the
// README itself.
func TestReadmeLinks(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	anchors := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^#{1,6} (.+)$`).FindAllStringSubmatch(string(b), -1) {
		a := strings.ToLower(strings.TrimSpace(m[1]))
		a = regexp.MustCompile(`[^a-z0-9 _-]`).ReplaceAllString(a, "")
		anchors[strings.ReplaceAll(a, " ", "-")] = true
	}
	links := regexp.MustCompile(`\]\(([^)\s]+)\)`).FindAllStringSubmatch(string(b), -1)
	if len(links) < 10 {
		t.Fatalf("found %d links; the test reads the README wrong", len(links))
	}
	for _, m := range links {
		target := m[1]
		switch {
		case strings.HasPrefix(target, "http://") || strings.HasPrefix(target, "https://"):
		case strings.HasPrefix(target, "#"):
			if !anchors[target[1:]] {
				t.Errorf("link %s: no such heading", target)
			}
		case strings.HasPrefix(target, "..") || filepath.IsAbs(target):
			t.Errorf("link %s leads outside the repository", target)
		default:
			if _, err := os.Stat(filepath.Join("..", "..", target)); err != nil {
				t.Errorf("link %s: %v", target, err)
			}
		}
	}
}

// TestGitignoreCoversRunFiles: what a run leaves beside its config (the
// SQLite state store and its lock files) is ignored by .gitignore, so that
// a config kept in a repository does not pick them up.
func TestGitignoreCoversRunFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("..", "..", ".gitignore"))
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") && !strings.HasPrefix(l, "/") {
			patterns = append(patterns, l)
		}
	}
	const token = "gitignore-token-6f2"
	sim := startSim(t, token, "--no-rate-limits")
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "users.csv"), "login,email,firstName,lastName\na@example.com,a@example.com,A,One\n")
	writeFile(t, filepath.Join(dir, "oktasync.yaml"), "okta:\n  orgUrl: "+sim.URL+"\n  testing:\n    disableHttpsCheck: true\nsource:\n  csv:\n    users: users.csv\nstate:\n  url: sqlite://state.db\n")
	env := []string{"OKTA_CLIENT_TOKEN=" + token}
	for _, args := range [][]string{{"validate"}, {"run"}, {"plan", "--out", "plan.json"}, {"runs"}} {
		if r := runIn(t, dir, env, append(args, "--config", "oktasync.yaml")...); r.code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, r.code, r.stderr)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	left := 0
	for _, e := range entries {
		switch e.Name() {
		case "users.csv", "oktasync.yaml", "plan.json":
			continue
		}
		left++
		ignored := false
		for _, p := range patterns {
			if ok, _ := filepath.Match(p, e.Name()); ok {
				ignored = true
			}
		}
		if !ignored {
			t.Errorf("a run leaves %s, which .gitignore does not cover", e.Name())
		}
	}
	if left < 3 {
		t.Errorf("a run left %d files beside its config; the test checks too little", left)
	}
}
