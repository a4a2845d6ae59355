package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/oktasync/oktasync/internal/diff"
	"github.com/oktasync/oktasync/internal/reconcile"
)

// This file holds the files the run commands write and read: saved plans
// (plan --out, apply FILE) and the JSON report (--report). Each is written
// under a temporary name and renamed into place once complete, so that a
// reader never sees half of one.

// atomicFile is a file being written at path+".tmp", renamed to path by
// commit.
type atomicFile struct {
	f    *os.File
	path string
}

// createAtomic creates (or truncates) path+".tmp", readable by the owner
// only.
func createAtomic(path string) (*atomicFile, error) {
	f, err := os.OpenFile(path+".tmp", os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	return &atomicFile{f: f, path: path}, nil
}

// Write writes to the temporary file.
func (a *atomicFile) Write(b []byte) (int, error) { return a.f.Write(b) }

// commit closes the temporary file and renames it into place; on failure
// it removes it.
func (a *atomicFile) commit() error {
	if err := a.f.Close(); err != nil {
		return errors.Join(err, os.Remove(a.f.Name()))
	}
	if err := os.Rename(a.f.Name(), a.path); err != nil {
		return errors.Join(err, os.Remove(a.f.Name()))
	}
	return nil
}

// abort closes and removes the temporary file.
func (a *atomicFile) abort() error {
	return errors.Join(a.f.Close(), os.Remove(a.f.Name()))
}

// createPlanFile starts writing a saved plan to path. It is called before
// the run reads anything, so that a path that cannot be written fails at
// once.
func createPlanFile(path string) (*atomicFile, error) {
	f, err := createAtomic(path)
	if err != nil {
		return nil, fmt.Errorf("write plan: %w", err)
	}
	return f, nil
}

// writePlanFile writes saved to f as indented JSON and puts the file in
// place. Passwords are never written (diff.Operation leaves them out).
func writePlanFile(f *atomicFile, saved *diff.SavedPlan) error {
	enc := json.NewEncoder(f)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(saved); err != nil {
		return errors.Join(fmt.Errorf("write plan %s: %w", f.path, err), f.abort())
	}
	if err := f.commit(); err != nil {
		return fmt.Errorf("write plan %s: %w", f.path, err)
	}
	return nil
}

// readPlanFile reads a plan written by writePlanFile. Numbers in profiles
// are kept exact (as json.Number).
func readPlanFile(path string) (*diff.SavedPlan, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	defer f.Close()
	saved, err := decodeSavedPlan(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return saved, nil
}

// decodeSavedPlan decodes a saved plan; one without a plan is refused.
func decodeSavedPlan(r io.Reader) (*diff.SavedPlan, error) {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	var s diff.SavedPlan
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("read saved plan: %w", err)
	}
	if s.Plan == nil {
		return nil, fmt.Errorf("read saved plan: %w: no plan in the file", diff.ErrPlanMismatch)
	}
	return &s, nil
}

// writeReportFile writes the JSON report to path.
func writeReportFile(path string, rep *reconcile.Report) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return fmt.Errorf("encode report: %w", err)
	}
	f, err := createAtomic(path)
	if err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		return errors.Join(fmt.Errorf("write report %s: %w", path, err), f.abort())
	}
	if err := f.commit(); err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	return nil
}

// allowFlags are the one-off allowances that lift each limit rule.
var allowFlags = map[string]string{
	diff.RuleMaxDeactivations:      "--allow-deactivations",
	diff.RuleMaxMembershipRemovals: "--allow-removals",
	diff.RuleMaxAppUnassignments:   "--allow-app-unassignments",
}

// printSavedPlanHints tells, after plan --out or apply FILE, what to do
// next: where the plan was saved and how to apply it, or, for a plan a
// limit blocks, the plan command that saves one allowing it.
func (a *app) printSavedPlanHints(f *runFlags, rep *reconcile.Report) {
	file := f.planOut
	if file == "" {
		file = f.applyFile
	}
	if file == "" || rep == nil {
		return
	}
	w := a.stdout
	if f.output == "json" {
		w = a.stderr
	}
	cfgFlag := ""
	if a.configPath != "" {
		cfgFlag = " --config " + a.configPath
	}
	if rep.Blocked {
		var allow strings.Builder
		for _, b := range rep.Blocks {
			if flag, ok := allowFlags[b.Rule]; ok {
				fmt.Fprintf(&allow, " %s %d", flag, b.Count)
			}
		}
		if allow.Len() > 0 {
			fmt.Fprintf(w, "\nTo save a plan that allows it once: oktasync plan%s%s --out %s\n", cfgFlag, allow.String(), file)
		}
		return
	}
	if f.planOut != "" {
		fmt.Fprintf(w, "\nSaved the plan to %s. Apply it with: oktasync apply %s%s\n", file, file, cfgFlag)
	}
}
