package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
