package reconcile

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/oktasync/oktasync/internal/apply"
	"github.com/oktasync/oktasync/internal/diff"
	"github.com/oktasync/oktasync/internal/metrics"
	"github.com/oktasync/oktasync/internal/state"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	live := context.Background()
	tests := []struct {
		name string
		ctx  context.Context
		err  error
		want Outcome
	}{
		{"success", live, nil, Outcome{state.RunSucceeded, state.RunSucceeded, ExitOK}},
		{"success, then a signal", cancelled, nil, Outcome{state.RunSucceeded, state.RunSucceeded, ExitOK}},
		{"locked", live, &state.LockedError{Org: "o", Holder: "pid 1"}, Outcome{"", metrics.StatusLocked, ExitLocked}},
		{"blocked", live, fmt.Errorf("too many: %w", ErrBlocked), Outcome{state.RunBlocked, state.RunBlocked, ExitBlocked}},
		{"blocked by apply", live, &apply.BlockedError{}, Outcome{state.RunBlocked, state.RunBlocked, ExitBlocked}},
		{"conflict", live, fmt.Errorf("1 of 2: %w", ErrPlanConflict), Outcome{state.RunFailed, state.RunFailed, ExitConflict}},
		{"partial", live, fmt.Errorf("1 failed: %w", ErrOperationsFailed), Outcome{state.RunPartial, state.RunPartial, ExitPartial}},
		{"partial, then a signal", cancelled, fmt.Errorf("1 failed: %w", ErrOperationsFailed), Outcome{state.RunPartial, state.RunPartial, ExitPartial}},
		{"interrupted", cancelled, fmt.Errorf("apply plan: %w", context.Canceled), Outcome{state.RunInterrupted, state.RunInterrupted, ExitError}},
		{"failed", live, errors.New("read source: no such file"), Outcome{state.RunFailed, state.RunFailed, ExitError}},
	}
	for _, tt := range tests {
		if got := Classify(tt.ctx, tt.err); got != tt.want {
			t.Errorf("%s: Classify = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

// The run record counts every number of the plan summary, under the
// summary's JSON names.
func TestSummaryCountsHoldEveryAction(t *testing.T) {
	t.Parallel()
	var s diff.Summary
	want := map[string]int{}
	n := 0
	sv := reflect.ValueOf(&s).Elem()
	for i := range sv.NumField() {
		group, _, _ := strings.Cut(sv.Type().Field(i).Tag.Get("json"), ",")
		fv := sv.Field(i)
		if fv.Kind() == reflect.Int {
			n++
			fv.SetInt(int64(n))
			want[group] = n
			continue
		}
		for j := range fv.NumField() {
			n++
			fv.Field(j).SetInt(int64(n))
			name, _, _ := strings.Cut(fv.Type().Field(j).Tag.Get("json"), ",")
			want[group+"."+name] = n
		}
	}
	got := summaryCounts(s)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("summaryCounts =\n%v\nwant\n%v", got, want)
	}
	for _, k := range []string{"users.activate", "users.suspend", "users.unsuspend", "memberships.remove", "emails"} {
		if _, ok := got[k]; !ok {
			t.Errorf("no count %s", k)
		}
	}
}
