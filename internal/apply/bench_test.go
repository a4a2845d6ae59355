package apply

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oktasync/oktasync/internal/diff"
	"github.com/oktasync/oktasync/internal/directory"
	"github.com/oktasync/oktasync/internal/state"
)

// benchPlan is an initial load: users users, groups groups, and each user
// in per groups.
func benchPlan(users, groups, per int) *diff.Plan {
	var ops []diff.Operation
	for g := range groups {
		ops = append(ops, createGroup(fmt.Sprintf("g%d", g)))
	}
	for u := range users {
		ops = append(ops, createUser(fmt.Sprintf("u%d@example.com", u)))
	}
	for u := range users {
		for k := range per {
			ops = append(ops, addMember(fmt.Sprintf("g%d", (u+k)%groups), fmt.Sprintf("u%d@example.com", u)))
		}
	}
	return numbered(ops...)
}

// nopOkta answers every call at once, so a benchmark measures apply alone.
type nopOkta struct{ next atomic.Int64 }

func (o *nopOkta) id() string { return strconv.FormatInt(o.next.Add(1), 10) }
func (o *nopOkta) CreateUser(context.Context, directory.Profile, string, *directory.PasswordHash, bool, []string) (string, error) {
	return o.id(), nil
}
func (o *nopOkta) UpdateUser(context.Context, string, directory.Profile) error { return nil }
func (o *nopOkta) Lifecycle(context.Context, string, string, bool) error       { return nil }
func (o *nopOkta) DeleteUser(context.Context, string) error                    { return nil }
func (o *nopOkta) CreateGroup(context.Context, string, string, directory.Profile) (string, error) {
	return o.id(), nil
}
func (o *nopOkta) UpdateGroup(context.Context, string, string, string, directory.Profile) error {
	return nil
}
func (o *nopOkta) DeleteGroup(context.Context, string) error                { return nil }
func (o *nopOkta) AddMember(context.Context, string, string) error          { return nil }
func (o *nopOkta) RemoveMember(context.Context, string, string) error       { return nil }
func (o *nopOkta) SetManager(context.Context, string, string, string) error { return nil }
func (o *nopOkta) ClearManager(context.Context, string, string) error       { return nil }
func (o *nopOkta) AssignApp(context.Context, string, string, string, *int, map[string]any) error {
	return nil
}
func (o *nopOkta) UnassignApp(context.Context, string, string, string) error { return nil }

// nopCheckpoints accepts every checkpoint.
type nopCheckpoints struct{}

func (nopCheckpoints) RecordOperations(context.Context, []state.OpRecord) error         { return nil }
func (nopCheckpoints) AddOwned(context.Context, string, []state.OwnedUser) error        { return nil }
func (nopCheckpoints) MarkDeactivated(context.Context, string, string, time.Time) error { return nil }
func (nopCheckpoints) RemoveOwned(context.Context, string, string) error                { return nil }

// BenchmarkExecute measures apply's own cost per operation (ordering,
// scheduling, checkpoint batching) against calls that return at once.
func BenchmarkExecute(b *testing.B) {
	for _, size := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("users=%d", size), func(b *testing.B) {
			plan := benchPlan(size, 100, 3)
			b.ReportAllocs()
			for b.Loop() {
				res, err := Execute(context.Background(), plan, &nopOkta{}, nopCheckpoints{}, Options{Org: testOrg, Concurrency: 8})
				if err != nil || res.Applied != len(plan.Operations) {
					b.Fatalf("Execute: %v; applied %d", err, res.Applied)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(plan.Operations)), "ns/operation")
		})
	}
}
