package okta

import "testing"

// TestBucketFor checks the bucket table against okta-api.md's corrected
// table: only the exact by-id paths are buckets of their own; lifecycle
// calls, a user's groups, member lists and memberships fall in their
// collection's bucket.
func TestBucketFor(t *testing.T) {
	t.Parallel()
	tests := []struct{ method, path, want string }{
		{"GET", "/api/v1/users", BucketUsers},
		{"POST", "/api/v1/users", BucketUsers},
		{"GET", "/api/v1/users/", BucketUsers},
		{"GET", "/api/v1/users/00u1", BucketUserGet},
		{"HEAD", "/api/v1/users/00u1", BucketUserGet},
		{"get", "/api/v1/users/a%40b.com", BucketUserGet},
		{"POST", "/api/v1/users/00u1", BucketUserWrite},
		{"PUT", "/api/v1/users/00u1", BucketUserWrite},
		{"DELETE", "/api/v1/users/00u1", BucketUserWrite},
		{"POST", "/api/v1/users/00u1/lifecycle/deactivate", BucketUsers},
		{"POST", "/api/v1/users/00u1/lifecycle/activate", BucketUsers},
		{"GET", "/api/v1/users/00u1/groups", BucketUsers},
		{"PUT", "/api/v1/users/00u1/linkedObjects/manager/00u2", BucketUsers},
		{"GET", "/api/v1/groups", BucketGroups},
		{"POST", "/api/v1/groups", BucketGroups},
		{"GET", "/api/v1/groups/00g1", BucketGroup},
		{"PUT", "/api/v1/groups/00g1", BucketGroup},
		{"DELETE", "/api/v1/groups/00g1/", BucketGroup},
		{"POST", "/api/v1/groups/00g1", BucketGroups},
		{"GET", "/api/v1/groups/00g1/users", BucketGroups},
		{"PUT", "/api/v1/groups/00g1/users/00u1", BucketGroups},
		{"DELETE", "/api/v1/groups/00g1/users/00u1", BucketGroups},
		{"GET", "/api/v1/apps", BucketApps},
		{"GET", "/api/v1/apps/0oa1", BucketApp},
		{"DELETE", "/api/v1/apps/0oa1", BucketApp},
		{"PUT", "/api/v1/apps/0oa1/groups/00g1", BucketApps},
		{"GET", "/api/v1/apps/0oa1/users", BucketApps},
		{"GET", "/api/v1/apps/0oa1/groups", BucketApps},
		{"DELETE", "/api/v1/apps/0oa1/groups/00g1", BucketApps},
		{"POST", "/api/v1/apps/0oa1/users", BucketApps},
		{"DELETE", "/api/v1/apps/0oa1/users/00u1", BucketApps},
		{"GET", "/api/v1/logs", BucketLogs},
		{"GET", "/api/v1/meta/schemas/user/default", BucketOther},
		{"GET", "/api/v1/usersx", BucketOther},
		{"POST", "/oauth2/v1/token", BucketOAuthToken},
		{"GET", "/elsewhere", BucketOther},
	}
	for _, tt := range tests {
		if got := BucketFor(tt.method, tt.path); got != tt.want {
			t.Errorf("BucketFor(%s %s) = %s, want %s", tt.method, tt.path, got, tt.want)
		}
	}
}

// TestBucketsTable checks that the exported table is the one BucketFor
// reads, and that changing the copy changes nothing.
func TestBucketsTable(t *testing.T) {
	t.Parallel()
	rules := Buckets()
	names := map[string]bool{}
	for _, r := range rules {
		if names[r.Name] {
			t.Errorf("bucket %s listed twice", r.Name)
		}
		names[r.Name] = true
		if r.Limit <= 0 {
			t.Errorf("bucket %s has no default limit", r.Name)
		}
	}
	for _, n := range []string{BucketUsers, BucketUserGet, BucketUserWrite, BucketGroups, BucketGroup,
		BucketApps, BucketApp, BucketLogs, BucketOAuthToken, BucketOther} {
		if !names[n] {
			t.Errorf("bucket %s missing from Buckets()", n)
		}
	}
	rules[1].Methods[0] = "POST"
	if got := BucketFor("GET", "/api/v1/users/00u1"); got != BucketUserGet {
		t.Errorf("changing Buckets()' copy changed BucketFor: %s", got)
	}
}

// TestLearnedSharesRoundTrip checks that seeded shares come back from
// LearnedShares, unknown buckets dropped, and that a seeded share sets the
// budget without probing or a 429.
func TestLearnedSharesRoundTrip(t *testing.T) {
	t.Parallel()
	c, err := NewClient("https://example.okta.com", WithToken("t0k3n"),
		WithLearnedShares(map[string]float64{BucketGroups: 0.5, BucketUsers: 1, "no such bucket": 0.7}))
	if err != nil {
		t.Fatal(err)
	}
	got := c.LearnedShares()
	if len(got) != 2 || got[BucketGroups] != 0.5 || got[BucketUsers] != 1 {
		t.Errorf("LearnedShares = %v", got)
	}
	got[BucketGroups] = 0.1
	if c.LearnedShares()[BucketGroups] != 0.5 {
		t.Error("LearnedShares returned the client's own map")
	}
	l := c.limiter
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucket(BucketUsers)
	b.limit = 600
	if n := l.allowed(b); n != 600 {
		t.Errorf("budget with a seeded share of 1 = %d, want 600", n)
	}
	b = l.bucket(BucketUserWrite)
	b.limit = 600
	if n := l.allowed(b); n != 300 {
		t.Errorf("budget with the default token share = %d, want 300", n)
	}
}

// TestSeedLearnedShares checks that shares given to a built client set the
// budget of buckets not used yet, leave a bucket in use alone, and that a
// share outside (0, 1] is refused.
func TestSeedLearnedShares(t *testing.T) {
	t.Parallel()
	c, err := NewClient("https://example.okta.com", WithToken("t0k3n"))
	if err != nil {
		t.Fatal(err)
	}
	l := c.limiter
	l.mu.Lock()
	used := l.bucket(BucketGroups) // in use before the seed arrives
	used.limit = 600
	l.mu.Unlock()

	if err := c.SeedLearnedShares(map[string]float64{BucketUsers: 1, BucketGroups: 1, "no such bucket": 0.3}); err != nil {
		t.Fatal(err)
	}
	if err := c.SeedLearnedShares(map[string]float64{BucketUsers: 1.5}); err == nil {
		t.Error("a share above 1 was accepted")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucket(BucketUsers)
	b.limit = 600
	if n := l.allowed(b); n != 600 {
		t.Errorf("budget of a seeded bucket = %d, want 600", n)
	}
	if n := l.allowed(used); n != 300 {
		t.Errorf("budget of a bucket in use before the seed = %d, want 300 (the default share)", n)
	}
	if _, ok := l.learned["no such bucket"]; ok {
		t.Error("an unknown bucket was kept")
	}
}
