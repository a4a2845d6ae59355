package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oktasync/oktasync/internal/diff"
	"github.com/oktasync/oktasync/internal/directory"
	"github.com/oktasync/oktasync/internal/reconcile"
)

// A saved plan is written in place only once complete, and reads back with
// its numbers exact.
func TestPlanFileRoundTrip(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "plan.json")
	plan := &diff.Plan{Operations: []diff.Operation{{Seq: 1, Action: diff.CreateUser, Login: "a@example.com",
		Profile: directory.Profile{"login": "a@example.com", "badge": int64(1<<60 + 1)}, Password: "s3cret-pw"}}}
	saved := diff.NewSavedPlan(plan, directory.New(), "cfg", "src", time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC))

	f, err := createPlanFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the plan is in place before it is written: %v", err)
	}
	if err := writePlanFile(f, saved); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + ".tmp"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the temporary file is left: %v", err)
	}
	b, err := os.ReadFile(path)
	if err != nil || strings.Contains(string(b), "s3cret-pw") {
		t.Fatalf("plan file (%v) holds the password:\n%s", err, b)
	}
	back, err := readPlanFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := back.Plan.Operations[0].Profile["badge"]; got != json.Number("1152921504606846977") {
		t.Errorf("badge read back as %v (%T)", got, got)
	}
	if err := back.Verify("cfg", "src"); err != nil {
		t.Error(err)
	}
}

func TestReadPlanFileRejectsGarbage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for i, in := range []string{"", "{", `{"version": 1}`} {
		path := filepath.Join(dir, "plan"+string(rune('a'+i)))
		writeFile(t, path, in)
		if _, err := readPlanFile(path); err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("readPlanFile(%q) = %v, want an error naming the file", in, err)
		}
	}
	if _, err := readPlanFile(filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing plan file was read")
	}
}

// A plan file that cannot be created fails before anything is read, and an
// abandoned one leaves nothing behind.
func TestPlanFileCreateAndAbort(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := createPlanFile(filepath.Join(dir, "no-such-dir", "plan.json")); err == nil {
		t.Error("created a plan file in a directory that does not exist")
	}
	f, err := createPlanFile(filepath.Join(dir, "plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.abort(); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("abort left %v", entries)
	}
}

func TestWriteReportFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "report.json")
	if err := writeReportFile(path, &reconcile.Report{RunID: 7, Operations: []reconcile.OperationReport{}}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(b), `"runId": 7`) || !strings.HasSuffix(string(b), "}\n") {
		t.Errorf("report file (%v):\n%s", err, b)
	}
	if _, err := os.Stat(path + ".tmp"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the temporary file is left: %v", err)
	}
}
