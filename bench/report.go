package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"
)

// bucketOrder is the order buckets are printed in.
var bucketOrder = []string{"users", "user", "user-write", "groups", "group", "apps", "app", "logs", "other"}

// printResult prints one scenario's table.
func printResult(w io.Writer, r *Result) {
	sc, p := r.Scenario, r.Pace
	drift := "no drift"
	switch {
	case sc.Spec.EmptyOrg:
		drift = "empty org"
	case sc.Spec.DriftPercent > 0:
		drift = fmt.Sprintf("%g %% drift", sc.Spec.DriftPercent)
	}
	if sc.Spec.Apps > 0 {
		drift += fmt.Sprintf(", %d apps to assign to every group", sc.Spec.Apps)
	}
	verb := "run"
	if sc.PlanOnly {
		verb = "plan"
	}
	fmt.Fprintf(w, "\n== %s (oktasync %s): %d users, %d groups, %d per user, %s ==\n", sc.Name, verb, sc.Spec.Users, sc.Spec.Groups, sc.Spec.PerUser, drift)
	fmt.Fprintf(w, "pace: %g× real time, window %v, limit-scale %g, token share %g, concurrency limit %d; client %s\n",
		p.Speedup, p.Window, p.Scale(), p.TokenShare, p.Concurrency, r.Client)
	fmt.Fprintln(w, headerLine(r))
	c := r.Changes
	fmt.Fprintf(w, "real changes: %d user creates (and %d activations), %d updates, %d deactivations, %d group creates, %d member adds (and %d with the creates), %d removes, %d app assignments (%d calls, %d operations); planned %d operations\n",
		c.UserCreates, c.UserActivations, c.UserUpdates, c.Deactivations, c.GroupCreates, c.MemberAdds, c.MemberAddsWithCreate, c.MemberRemoves, c.AppAssigns, c.Calls(), c.Total(), r.PlannedOps)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "bucket\tcalls\tminimum\tcalls/min\t429s\ttoken rate/s\tfloor s\t")
	seen := map[string]bool{}
	rows := append([]string{}, bucketOrder...)
	for _, b := range sortedKeys(r.Calls) {
		if !contains(rows, b) {
			rows = append(rows, b)
		}
	}
	for _, b := range rows {
		n, m := r.Calls[b], r.Minimum[b]
		if n == 0 && m == 0 {
			continue
		}
		seen[b] = true
		rate := r.Pace.TokenRate(enterpriseLimits[b])
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%d\t%.1f\t%.2f\t\n", b, n, m, ratio(n, m), r.RateLimited[b], rate, float64(n)/rate)
	}
	fmt.Fprintf(tw, "total\t%d\t%d\t%s\t%d\t\t\t\n", r.TotalCalls(), r.Minimum.Total(), ratio(r.TotalCalls(), r.Minimum.Total()), r.TotalRateLimited())
	tw.Flush()

	floor, fb := r.Floor()
	wall := r.Wall.Seconds()
	fmt.Fprintf(w, "wall %.2f s (%s at real limits); floor %.2f s (%s, %s at real limits); wall/floor %s; utilisation %s\n",
		wall, realTime(wall, p), floor, fb, realTime(floor, p), fratio(wall, floor), percent(floor, wall))
	fmt.Fprintf(w, "429s %d of %d requests (%s, %d for concurrency); most in flight %d\n",
		r.TotalRateLimited(), r.Requests, percent(float64(r.TotalRateLimited()), float64(r.Requests)), r.ConcurrencyLimited, r.MaxInFlight)
	for _, d := range r.BucketMismatch {
		fmt.Fprintf(w, "WARNING: the simulator and okta's bucket table disagree: %s\n", d)
	}
	if sc.Spec.SearchCap > 0 {
		fmt.Fprintf(w, "search cap %d results a listing: %d pages refused past it (400 E0000031)\n", sc.Spec.SearchCap, r.SearchCapRefusals)
	}
	fmt.Fprintf(w, "oktasync: exit %d, applied %d, failed %d, peak RSS %s, CPU %.2f s", r.ExitCode, r.Applied, r.Failed, mib(r.Usage.MaxRSS), r.Usage.CPU.Seconds())
	switch r.SecondPlanExit {
	case -1:
	case 0:
		fmt.Fprint(w, "; second plan empty")
	default:
		fmt.Fprintf(w, "; second plan exit %d (NOT empty)", r.SecondPlanExit)
	}
	if sp := r.SecondPlan; sp != nil {
		fmt.Fprintf(w, " (%d calls, %d 429s, %.2f s)", sp.Calls, sp.RateLimited, sp.Wall.Seconds())
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "simulator: seeded in %.1f s, peak RSS %s, CPU %.2f s\n", r.SimSeeded.Seconds(), mib(r.SimUsage.MaxRSS), r.SimUsage.CPU.Seconds())
}

// headerLine says which header mode ran and what the simulator showed.
func headerLine(r *Result) string {
	org, token := r.Pace.WindowLimits(enterpriseLimits["users"])
	what := fmt.Sprintf("the token's share (users: %d a window of the org's %d)", token, org)
	if r.Pace.HeaderMode == headerOrg {
		what = fmt.Sprintf("the org's bucket (users: %d a window; the token's %d a hidden ceiling)", org, token)
	}
	s := fmt.Sprintf("header mode %s: X-Rate-Limit-Limit shows %s; the simulator showed %d", r.Pace.HeaderMode, what, r.HeaderLimit)
	if want := r.Pace.ShownLimit(enterpriseLimits["users"]); r.HeaderLimit != want {
		s += fmt.Sprintf(" (NOT the %d this mode shows)", want)
	}
	return s
}

// String describes the oktasync settings.
func (c Client) String() string {
	show := func(v string, set bool) string {
		if set {
			return v
		}
		return "default"
	}
	s := fmt.Sprintf("maxShare %s, tokenShare %s, maxConcurrency %s, workers %s",
		show(fmt.Sprint(c.MaxShare), c.MaxShare > 0), show(fmt.Sprint(c.TokenShare), c.TokenShare > 0),
		show(fmt.Sprint(c.MaxConcurrency), c.MaxConcurrency > 0), show(fmt.Sprint(c.Workers), c.Workers > 0))
	if c.GoMemLimit != "" {
		s += ", GOMEMLIMIT " + c.GoMemLimit
	}
	return s
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func ratio(a, b int) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.3f", float64(a)/float64(b))
}

func fratio(a, b float64) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", a/b)
}

func percent(a, b float64) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f %%", 100*a/b)
}

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

// realTime converts seconds at the benchmark's pace to real time.
func realTime(s float64, p Pace) string {
	d := time.Duration(s * p.Speedup * float64(time.Second)).Round(time.Second)
	return d.String()
}

// machine describes the host, for the record.
func machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		line, _, _ := strings.Cut(string(b), "\n")
		mem = ", " + strings.Join(strings.Fields(line), " ")
	}
	return fmt.Sprintf("machine: %s/%s, %d CPUs (%s)%s, %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), model, mem, runtime.Version())
}
