package reconcile

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oktasync/oktasync/internal/okta"
	"github.com/oktasync/oktasync/internal/oktasim"
	"github.com/oktasync/oktasync/internal/state"
)

// TestRateSharesKeptBetweenRuns checks that a real run keeps the shares its
// client learned at or above the token share (a lower one is not kept), and
// that the next run's client starts with them, for the same credential and
// token share only.
func TestRateSharesKeptBetweenRuns(t *testing.T) {
	t.Parallel()
	h := newHarness(t, oktasim.Options{}, oktasim.Seed{Users: []oktasim.SeedUser{hrUser("a@example.com")}},
		"login,email,firstName,lastName\na@example.com,a@example.com,F,L\n")
	stateURL := "sqlite://" + filepath.Join(h.dir, "state.db")
	learned := map[string]float64{okta.BucketUsers: 1, okta.BucketGroups: 0.5}
	runner := func(t *testing.T, rl RateLimits, opts ...okta.Option) (*Runner, *okta.Client) {
		t.Helper()
		c := h.client(t)
		if len(opts) > 0 {
			var err error
			opts = append([]okta.Option{okta.WithToken(testToken), okta.WithInsecureHTTP()}, opts...)
			if c, err = okta.NewClient(h.url, opts...); err != nil {
				t.Fatal(err)
			}
		}
		set := h.set
		set.RateLimits = rl
		return New(set, Parts{
			Source: h.source(),
			Okta:   c,
			OpenStore: func(ctx context.Context) (Store, error) {
				return state.Open(ctx, stateURL, state.Options{AutoMigrate: true})
			},
			Policy: h.policy,
		}), c
	}
	rl := RateLimits{Credential: "api-token 0123", TokenShare: 0.5}

	// A real run whose client learned shares (here: was given them) keeps
	// them.
	r, _ := runner(t, rl, okta.WithLearnedShares(map[string]float64{okta.BucketUsers: 1, okta.BucketGroups: 0.5, okta.BucketLogs: 0.25}))
	if _, err := r.Run(context.Background(), Options{}); err != nil {
		t.Fatal(err)
	}
	s, err := state.Open(context.Background(), stateURL, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	kept, err := s.RateShares(context.Background(), h.set.Org, rl.Credential, rl.TokenShare, time.Now().AddDate(0, 0, -1))
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(learned, kept); d != "" {
		t.Errorf("shares kept after the run (-want +got):\n%s", d)
	}

	tests := []struct {
		name string
		rl   RateLimits
		want map[string]float64
	}{
		{"same credential", rl, learned},
		{"another credential", RateLimits{Credential: "api-token 4567", TokenShare: 0.5}, map[string]float64{}},
		{"another token share", RateLimits{Credential: rl.Credential, TokenShare: 0.8}, map[string]float64{}},
		{"keeping off", RateLimits{}, map[string]float64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, c := runner(t, tt.rl)
			p, err := r.Plan(context.Background(), Options{DryRun: true})
			if err != nil {
				t.Fatal(err)
			}
			p.Close()
			if d := cmp.Diff(tt.want, c.LearnedShares()); d != "" {
				t.Errorf("the next client's shares (-want +got):\n%s", d)
			}
		})
	}
}
