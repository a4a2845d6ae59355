package state_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oktasync/oktasync/internal/pgtest"
	"github.com/oktasync/oktasync/internal/state"
)

// Environment of the lock-holding helper process.
const (
	envHelperURL    = "OKTASYNC_STATE_TEST_HOLDER_URL"
	envHelperSchema = "OKTASYNC_STATE_TEST_HOLDER_SCHEMA"
	envHelperOrg    = "OKTASYNC_STATE_TEST_HOLDER_ORG"
)

func TestMain(m *testing.M) {
	if url := os.Getenv(envHelperURL); url != "" {
		os.Exit(holdLock(url, os.Getenv(envHelperSchema), os.Getenv(envHelperOrg)))
	}
	os.Exit(m.Run())
}

// holdLock is the helper process: it takes org's lock, says "locked" on
// stdout, and holds the lock until stdin closes or it is killed.
func holdLock(url, schema, org string) int {
	ctx := context.Background()
	s, err := state.Open(ctx, url, state.Options{Schema: schema, AutoMigrate: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if _, err := s.Lock(ctx, org, 0); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("locked")
	io.Copy(io.Discard, os.Stdin)
	return 0
}

// A lock held by another process names it, and is released when that
// process dies without unlocking.
func TestLockHeldByAnotherProcess(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		url  func(t *testing.T) (url, schema string)
	}{
		{"sqlite", func(t *testing.T) (string, string) {
			return "sqlite://" + filepath.Join(t.TempDir(), "state.db"), ""
		}},
		{"postgres", func(t *testing.T) (string, string) {
			url := pgtest.URL(t)
			return url, pgtest.SchemaName(t, "oktasync_test")
		}},
	}
	const org = "a.okta.example"
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			url, schema := tc.url(t)
			s, err := state.Open(t.Context(), url, state.Options{Schema: schema, AutoMigrate: true})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()

			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), envHelperURL+"="+url, envHelperSchema+"="+schema, envHelperOrg+"="+org)
			cmd.Stderr = os.Stderr
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			defer stdin.Close()
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatalf("start helper: %v", err)
			}
			line, err := bufio.NewReader(stdout).ReadString('\n')
			if strings.TrimSpace(line) != "locked" {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("helper said %q, %v; want \"locked\"", line, err)
			}

			_, err = s.Lock(t.Context(), org, 0)
			var le *state.LockedError
			if !errors.As(err, &le) {
				t.Fatalf("Lock while another process holds it = %v, want *LockedError", err)
			}
			if want := fmt.Sprintf("pid %d on host ", cmd.Process.Pid); !strings.HasPrefix(le.Holder, want) {
				t.Errorf("Holder = %q, want it to start %q", le.Holder, want)
			}

			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			cmd.Wait()
			// The database notices the dead session on its own time;
			// Lock polls until then.
			unlock, err := s.Lock(t.Context(), org, time.Minute)
			if err != nil {
				t.Fatalf("Lock after the holder died: %v", err)
			}
			if err := unlock(); err != nil {
				t.Fatal(err)
			}
		})
	}
}
