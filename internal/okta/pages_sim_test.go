package okta

import (
	"context"
	"testing"

	"github.com/oktasync/oktasync/internal/oktasim"
)

// TestSimulatorMemberPageTimeout reads a group whose large member pages
// time out (500 E0000009, as Okta's pages of 1000 full users can): each
// such page is asked again at once with half the limit, following Okta's
// cursor, and later pages keep the smaller limit. Every member is read
// once, and no page is retried at the size that timed out.
func TestSimulatorMemberPageTimeout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		opts         *ListOptions
		wantTimeouts int // 1000 → 500 → 250 → 125
	}{
		{"limit 1000", &ListOptions{Limit: 1000}, 3},
		{"Okta's default limit", nil, 3},
		{"limit 200", &ListOptions{Limit: 200}, 0},
		{"limit 300", &ListOptions{Limit: 300}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sim, c := simOrg(t, oktasim.Options{MemberPageTimeoutAbove: 200,
				RateLimit: oktasim.RateLimitOptions{Disabled: true}}, nil)
			seedUsers(t, sim, 450, func(int) string { return "ACTIVE" })
			var gid string
			for _, g := range sim.Snapshot().Groups {
				if g.Name == "Seeded" {
					gid = g.ID
				}
			}
			sim.ResetStats()
			seen := map[string]bool{}
			for m, err := range c.Groups.ListMemberRefs(context.Background(), gid, tt.opts) {
				if err != nil {
					t.Fatal(err)
				}
				if seen[m.ID] {
					t.Fatalf("member %s read twice", m.ID)
				}
				seen[m.ID] = true
			}
			if len(seen) != 450 {
				t.Errorf("read %d members, want 450", len(seen))
			}
			st := sim.Stats()
			if st.MemberPageTimeouts != tt.wantTimeouts {
				t.Errorf("%d member pages timed out, want %d", st.MemberPageTimeouts, tt.wantTimeouts)
			}
			if r := c.Stats().Retries; r != 0 {
				t.Errorf("%d retries: a timed-out page was asked again at its size", r)
			}
		})
	}
}

func TestWithLimit(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"https://x.okta.com/api/v1/groups/00g1/users?limit=1000&after=00u%2Fa", "https://x.okta.com/api/v1/groups/00g1/users?after=00u%2Fa&limit=500"},
		{"https://x.okta.com/api/v1/groups/00g1/users", "https://x.okta.com/api/v1/groups/00g1/users?limit=500"},
		{"/api/v1/groups/00g1/users?after=00u1", "/api/v1/groups/00g1/users?after=00u1&limit=500"},
		{"/api/v1/groups/00g1/users?limit=1000&limit=900", "/api/v1/groups/00g1/users?limit=500"},
	}
	for _, tt := range tests {
		if got := withLimit(tt.in, 500); got != tt.want {
			t.Errorf("withLimit(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
