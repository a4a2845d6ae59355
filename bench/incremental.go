package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// IncResult is what an incremental scenario measured: a full run brings
// the org in line, the source drifts and an admin changes some users with a
// second token, and the next run (incremental) is measured.
type IncResult struct {
	Scenario Scenario
	// PrimeCalls and PrimeWall are the first, full run's.
	PrimeCalls int
	PrimeWall  time.Duration
	// OutOfBand counts the admin's changes.
	OutOfBand int
	// Kind is the measured run's kind, as its report says.
	Kind string
	// Calls and Writes count the measured run's API requests; ByBucket
	// by bucket.
	Calls, Writes int
	ByBucket      map[string]int
	Wall          time.Duration
	Usage         Usage
	ExitCode      int
	// Planned and Applied count the measured run's operations.
	Planned, Applied int
	// Needed is the reads the deltas need (see neededReads).
	Needed int
	// SecondPlanExit and SecondPlanCalls are the plan after the run's.
	SecondPlanExit, SecondPlanCalls int
}

// outOfBand reports whether the admin changes user i: one in
// 1000/permille, none of them in the source's drift.
func outOfBand(i, permille int) bool {
	return permille > 0 && i%(1000/permille) == 500%(1000/permille) && i%100 == 0
}

// runIncremental runs an incremental scenario.
func (h *Harness) runIncremental(ctx context.Context, sc Scenario) (*IncResult, error) {
	dir, err := os.MkdirTemp("", "oktasync-bench-"+sc.Name+"-")
	if err != nil {
		return nil, fmt.Errorf("scenario %s: %w", sc.Name, err)
	}
	if !h.Keep {
		defer os.RemoveAll(dir)
	}
	res := &IncResult{Scenario: sc, SecondPlanExit: -1}
	steady := sc.Spec
	steady.DriftPercent, steady.SourceMoves = 0, false
	csvPath := filepath.Join(dir, "users.csv")
	if err := steady.WriteCSV(csvPath); err != nil {
		return nil, err
	}
	h.Log("%s: starting and seeding the simulator", sc.Name)
	sim, err := startSim(sc.Spec, h.Pace, h.Realistic, benchToken)
	if err != nil {
		return nil, err
	}
	defer func() { _, _ = sim.Stop() }()
	cfg := filepath.Join(dir, "oktasync.yaml")
	if err := os.WriteFile(cfg, []byte(h.config(sim.URL)), 0o600); err != nil {
		return nil, err
	}
	// The org was seeded a moment ago: its users' lastUpdated would fall
	// in the overlap of the first incremental run, as in no real org.
	if err := sim.Advance(time.Hour); err != nil {
		return nil, err
	}
	h.Log("%s: the first, full run", sc.Name)
	if err := sim.ResetStats(); err != nil {
		return nil, err
	}
	prime, err := h.oktasync(ctx, dir, "run", "--config", cfg, "--output", "json")
	if err != nil || prime.code != 0 {
		return nil, fmt.Errorf("scenario %s: first run: exit %d, %v\n%s", sc.Name, prime.code, err, lastLines(prime.stderr, 10))
	}
	st, err := sim.Stats()
	if err != nil {
		return nil, err
	}
	res.PrimeCalls, res.PrimeWall = st.Requests, prime.wall
	if err := h.drift(sc, sim, csvPath, res); err != nil {
		return nil, err
	}
	if err := sim.ResetStats(); err != nil {
		return nil, err
	}
	h.Log("%s: oktasync run (incremental)", sc.Name)
	out, err := h.oktasync(ctx, dir, "run", "--config", cfg, "--output", "json")
	if err != nil {
		return nil, err
	}
	if err := res.read(out, sim); err != nil {
		return nil, fmt.Errorf("scenario %s: %w\n%s", sc.Name, err, lastLines(out.stderr, 10))
	}
	res.Needed = neededReads(sc.Spec, res.OutOfBand)
	if h.Verify {
		if err := sim.ResetStats(); err != nil {
			return nil, err
		}
		plan, err := h.oktasync(ctx, dir, "plan", "--config", cfg, "--detailed-exitcode")
		if err != nil {
			return nil, err
		}
		st, err := sim.Stats()
		if err != nil {
			return nil, err
		}
		res.SecondPlanExit, res.SecondPlanCalls = plan.code, st.Requests
	}
	return res, nil
}

// drift moves the org's clock past the overlap, writes the drifted source
// and makes the admin's changes, then moves the clock again.
func (h *Harness) drift(sc Scenario, sim *simProcess, csvPath string, res *IncResult) error {
	if err := sim.Advance(time.Hour); err != nil {
		return err
	}
	if sc.Spec.DriftPercent > 0 {
		if err := sc.Spec.WriteCSV(csvPath); err != nil {
			return err
		}
	}
	for i := range sc.Spec.Users {
		if !outOfBand(i, sc.OutOfBandPermille) {
			continue
		}
		if err := sim.AdminUpdate(fmt.Sprintf("00ub%016d", i), map[string]any{"title": "Changed out of band"}); err != nil {
			return err
		}
		res.OutOfBand++
	}
	return sim.Advance(10 * time.Minute)
}

// read takes the measured run's report and the simulator's counters.
func (res *IncResult) read(out invocation, sim *simProcess) error {
	res.Wall, res.Usage, res.ExitCode = out.wall, out.usage, out.code
	var rep struct {
		Kind struct {
			Incremental bool   `json:"incremental"`
			Reason      string `json:"reason"`
		} `json:"kind"`
		Operations []json.RawMessage `json:"operations"`
		Applied    int               `json:"applied"`
	}
	if err := json.Unmarshal(out.stdout, &rep); err != nil {
		return fmt.Errorf("run exited %d without a JSON report: %w", out.code, err)
	}
	res.Kind = "full: " + rep.Kind.Reason
	if rep.Kind.Incremental {
		res.Kind = "incremental (" + rep.Kind.Reason + ")"
	}
	res.Planned, res.Applied = len(rep.Operations), rep.Applied
	st, err := sim.Stats()
	if err != nil {
		return err
	}
	res.Calls, res.Writes, res.ByBucket = st.Requests, st.Writes, st.ByBucket
	return nil
}

// neededReads is the fewest reads an incremental run of spec needs after
// oob admin changes: the schema, the changed groups, the changed users and
// the System Log (a page each, or more); the source's changed users looked
// up by login and checked against the scope, 40 to a call; and, when
// groups changed, the group list and the member pages of the groups whose
// members change.
func neededReads(s Spec, oob int) int {
	n := 3 + ceilDiv(max(oob, 1), userPageSize)
	touched := 0
	groups := map[int]bool{}
	for i := range s.Users {
		switch s.driftOf(i) {
		case driftProfile:
			touched++
		case driftLeaver:
			touched++
			for _, g := range s.groupsOf(i) {
				groups[g] = true
			}
		case driftMembership:
			touched++
			before, after := s.groupsOf(i), s.movedGroups(i)
			groups[before[0]], groups[after[0]] = true, true
		}
	}
	if touched > 0 {
		n += ceilDiv(touched, 40)
	}
	if touched+oob > 0 {
		n += ceilDiv(touched+oob, 40)
	}
	if len(groups) == 0 {
		return n
	}
	n += ceilDiv(s.Groups+1, groupPageSize)
	members := make(map[int]int, len(groups))
	for i := range s.Users {
		for _, g := range s.groupsOf(i) {
			if groups[g] {
				members[g]++
			}
		}
	}
	for _, m := range members {
		n += max(1, ceilDiv(m, memberPageSize))
	}
	return n
}

// printIncResult prints an incremental scenario's figures.
func printIncResult(w io.Writer, r *IncResult) {
	s := r.Scenario.Spec
	fmt.Fprintf(w, "\n%s: %d users, %d groups, %d each; %.1f %% source drift of each kind; %d out-of-band changes by a second token\n",
		r.Scenario.Name, s.Users, s.Groups, s.PerUser, s.DriftPercent, r.OutOfBand)
	fmt.Fprintf(w, "  first (full) run:     %d calls, %.1f s\n", r.PrimeCalls, r.PrimeWall.Seconds())
	fmt.Fprintf(w, "  measured run:         %s, exit %d\n", r.Kind, r.ExitCode)
	fmt.Fprintf(w, "  calls:                %d (%d writes, %d reads), by bucket %v\n", r.Calls, r.Writes, r.Calls-r.Writes, r.ByBucket)
	fmt.Fprintf(w, "  operations:           %d planned, %d applied\n", r.Planned, r.Applied)
	floor := r.Planned + r.Needed
	fmt.Fprintf(w, "  floor:                %d = %d changes + %d reads the deltas need; calls ÷ floor = %s\n", floor, r.Planned, r.Needed, ratio(r.Calls, floor))
	fmt.Fprintf(w, "  wall:                 %.2f s, CPU %.2f s, max RSS %s\n", r.Wall.Seconds(), r.Usage.CPU.Seconds(), mib(r.Usage.MaxRSS))
	if r.SecondPlanExit >= 0 {
		fmt.Fprintf(w, "  plan after the run:   exit %d (0: nothing left), %d calls (it reads back the run's own writes)\n", r.SecondPlanExit, r.SecondPlanCalls)
	}
}
