package statetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oktasync/oktasync/internal/state"
)

// testRateShares checks that shares come back per org and credential,
// that a later save replaces a bucket's share, and that shares learned
// under another token share or before since are left out.
func testRateShares(t *testing.T, open Opener) {
	s := open(t, state.Options{})
	ctx := t.Context()
	save := func(org, cred string, tokenShare float64, shares map[string]float64, at time.Time) {
		t.Helper()
		if err := s.SaveRateShares(ctx, org, cred, tokenShare, shares, at); err != nil {
			t.Fatalf("SaveRateShares(%s, %s): %v", org, cred, err)
		}
	}
	get := func(org, cred string, tokenShare float64, since time.Time) map[string]float64 {
		t.Helper()
		got, err := s.RateShares(ctx, org, cred, tokenShare, since)
		if err != nil {
			t.Fatalf("RateShares(%s, %s): %v", org, cred, err)
		}
		return got
	}

	if got := get(orgA, "api-token", 0.5, time.Time{}); len(got) != 0 {
		t.Errorf("RateShares of a new store = %v, want none", got)
	}
	save(orgA, "api-token", 0.5, map[string]float64{"/api/v1/users": 1, "/api/v1/groups": 0.25}, ts)
	save(orgA, "api-token", 0.5, map[string]float64{"/api/v1/groups": 0.5}, ts.Add(time.Hour))
	save(orgA, "client 0oa1", 0.5, map[string]float64{"/api/v1/users": 0.3}, ts)
	save(orgB, "api-token", 0.5, map[string]float64{"/api/v1/users": 0.4}, ts)
	save(orgA, "api-token", 0.8, map[string]float64{"/api/v1/logs": 0.8}, ts)

	want := map[string]float64{"/api/v1/users": 1, "/api/v1/groups": 0.5}
	if d := cmp.Diff(want, get(orgA, "api-token", 0.5, ts.Add(-time.Minute))); d != "" {
		t.Errorf("RateShares(%s, api-token) (-want +got):\n%s", orgA, d)
	}
	if d := cmp.Diff(map[string]float64{"/api/v1/groups": 0.5}, get(orgA, "api-token", 0.5, ts.Add(time.Minute))); d != "" {
		t.Errorf("RateShares since a later time (-want +got):\n%s", d)
	}
	if d := cmp.Diff(map[string]float64{"/api/v1/users": 0.3}, get(orgA, "client 0oa1", 0.5, time.Time{})); d != "" {
		t.Errorf("RateShares of another credential (-want +got):\n%s", d)
	}
	if d := cmp.Diff(map[string]float64{"/api/v1/users": 0.4}, get(orgB, "api-token", 0.5, time.Time{})); d != "" {
		t.Errorf("RateShares of another org (-want +got):\n%s", d)
	}
	if err := s.SaveRateShares(ctx, orgA, "api-token", 0.5, map[string]float64{"/api/v1/users": 1.5}, ts); err == nil {
		t.Error("a share above 1 was saved")
	}
}
