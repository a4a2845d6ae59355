package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Both profiles are written where the environment says, as gzipped pprof
// files; a path that cannot be written is reported, not fatal.
func TestProfilesFromEnvironment(t *testing.T) {
	dir := t.TempDir()
	cpu, allocs := filepath.Join(dir, "cpu.pprof"), filepath.Join(dir, "allocs.pprof")
	t.Setenv(cpuProfileEnv, cpu)
	t.Setenv(allocProfileEnv, allocs)
	var stderr bytes.Buffer
	stop := startProfiles(&stderr)
	_ = strings.Repeat("x", 1<<16) // something to allocate
	stop()
	if stderr.Len() > 0 {
		t.Errorf("stderr: %s", stderr.String())
	}
	for _, f := range []string{cpu, allocs} {
		b, err := os.ReadFile(f)
		if err != nil || len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
			t.Errorf("%s: not a gzipped profile (%d bytes, %v)", filepath.Base(f), len(b), err)
		}
	}

	t.Setenv(cpuProfileEnv, filepath.Join(dir, "missing", "cpu.pprof"))
	t.Setenv(allocProfileEnv, "")
	stderr.Reset()
	startProfiles(&stderr)()
	if !strings.Contains(stderr.String(), cpuProfileEnv) {
		t.Errorf("an unwritable profile path is not reported: %q", stderr.String())
	}
}
