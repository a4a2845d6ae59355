package testenv

import (
	"fmt"
	"os"
	"testing"
)

// EnvCI is the environment variable that CI systems set to "true".
const EnvCI = "CI"

// CI reports whether the tests run under CI=true.
func CI() bool { return os.Getenv(EnvCI) == "true" }

// Missing ends t because a dependency is missing, described by format and
// args: it fails t under CI=true and skips it otherwise.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if CI() {
		t.Fatalf("%s (required under %s=true)", msg, EnvCI)
		return
	}
	t.Skip(msg)
}
