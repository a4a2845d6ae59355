package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/creack/pty"
	"go.yaml.in/yaml/v3"
)

func runMain(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestDemoConverges(t *testing.T) {
	code, out, errOut := runMain(t, "demo")
	if code != 0 {
		t.Fatalf("demo exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	for _, want := range []string{`(scope: profile.userType eq "Employee")`, "+ create user", "~ update user", "- deactivate user former.employee@example.com", "Applied ", "No changes."} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "contractor@example.com") {
		t.Errorf("demo touched the unmanaged contractor:\n%s", out)
	}
}

// TestDemoScopeIsTheExample checks that the demo scopes its users as
// examples/oktasync.yaml does, so that the example config is the one the
// demo shows working on an org with Okta's base profile schema.
func TestDemoScopeIsTheExample(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "examples", "oktasync.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var example struct {
		Scope struct {
			Users string `yaml:"users"`
		} `yaml:"scope"`
	}
	if err := yaml.Unmarshal(b, &example); err != nil {
		t.Fatal(err)
	}
	if example.Scope.Users != demoScope {
		t.Errorf("examples/oktasync.yaml scopes users on %q, the demo on %q", example.Scope.Users, demoScope)
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := runMain(t, "version")
	if code != 0 || !strings.HasPrefix(out, "oktasync ") {
		t.Fatalf("version: exit %d, %q", code, out)
	}
}

func TestBadFlagsExitOne(t *testing.T) {
	for _, args := range [][]string{
		{"run", "--output", "yaml", "--config", "x.yaml"},
		{"run", "--no-such-flag"},
		{"run", "--config", "/nonexistent/oktasync.yaml"},
	} {
		code, _, errOut := runMain(t, args...)
		if code != exitError {
			t.Errorf("%v: exit %d, want %d (stderr %q)", args, code, exitError, errOut)
		}
		if !strings.HasPrefix(errOut, "oktasync: ") {
			t.Errorf("%v: stderr %q lacks the oktasync: prefix", args, errOut)
		}
	}
}

// TestUnknownCommandSuggests checks that a mistyped subcommand fails with
// the closest commands suggested, and a word like none with no suggestion.
func TestUnknownCommandSuggests(t *testing.T) {
	for _, tt := range []struct{ arg, want string }{
		{"serv", "did you mean serve?"},
		{"plna", "plan"},
		{"xyzzy", `unknown command "xyzzy" for "oktasync" (see oktasync --help)`},
	} {
		code, _, errOut := runMain(t, tt.arg)
		if code != exitError || !strings.Contains(errOut, tt.want) {
			t.Errorf("oktasync %s: exit %d, stderr %q; want %d and %q", tt.arg, code, errOut, exitError, tt.want)
		}
	}
}

// TestVersionFlag checks that --version prints what `version` prints.
func TestVersionFlag(t *testing.T) {
	code, out, _ := runMain(t, "--version")
	_, want, _ := runMain(t, "version")
	if code != 0 || out != want {
		t.Fatalf("--version: exit %d, %q; want 0 and %q", code, out, want)
	}
}

// TestColorOnlyWhenAllowed checks that plans are coloured on a terminal
// unless --no-color or NO_COLOR says otherwise, and never elsewhere.
func TestColorOnlyWhenAllowed(t *testing.T) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatalf("open a pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	defer tty.Close()
	a := &app{}
	t.Setenv("NO_COLOR", "")
	if !a.color(tty) {
		t.Error("no colour on a terminal")
	}
	if a.color(io.Discard) {
		t.Error("colour on something that is not a terminal")
	}
	t.Setenv("NO_COLOR", "1")
	if a.color(tty) {
		t.Error("colour on a terminal with NO_COLOR set")
	}
	t.Setenv("NO_COLOR", "")
	a.noColor = true
	if a.color(tty) {
		t.Error("colour on a terminal with --no-color")
	}
}
