package main

import (
	"fmt"
	"strings"

	"github.com/oktasync/oktasync/internal/okta"
)

// Which request falls in which rate-limit bucket is okta's table
// (okta.BucketFor, okta.Buckets): the harness keeps no copy of it. The
// simulator keeps its own reading (the two share no code, so that each can
// catch the other's mistake); the harness counts calls as the simulator
// enforced them and places its minimum and its 429s by okta's reading, and
// says so when the two readings differ (bucketDisagreements).

// shortNames names okta's buckets as the simulator does: its stats keys and
// the names of RateLimitOptions.Limits, which the tables print. A
// translation of names only.
var shortNames = map[string]string{
	okta.BucketUsers:      "users",
	okta.BucketUserGet:    "user",
	okta.BucketUserWrite:  "user-write",
	okta.BucketGroups:     "groups",
	okta.BucketGroup:      "group",
	okta.BucketApps:       "apps",
	okta.BucketApp:        "app",
	okta.BucketLogs:       "logs",
	okta.BucketOAuthToken: "token",
	okta.BucketOther:      "other",
}

// bucketOf returns the short name of the bucket okta's table puts a
// request in; path is a path or a route template ("/api/v1/groups/{id}/users").
func bucketOf(method, path string) string {
	b := okta.BucketFor(method, path)
	if n, ok := shortNames[b]; ok {
		return n
	}
	return b
}

// routeBucket maps a simulator route ("PUT /api/v1/groups/{id}/users/{userId}")
// to its bucket by okta's table.
func routeBucket(route string) string {
	method, path, _ := strings.Cut(route, " ")
	return bucketOf(method, path)
}

// call is one kind of request a sync makes, as the minimum counts it.
type call struct{ method, path string }

// The calls the minimum counts: one list page of each kind, one call per
// real change (okta-api.md; internal/okta sends these).
var (
	callUserPage     = call{"GET", "/api/v1/users"}
	callGroupPage    = call{"GET", "/api/v1/groups"}
	callMemberPage   = call{"GET", "/api/v1/groups/{id}/users"}
	callUserCreate   = call{"POST", "/api/v1/users"}
	callUserUpdate   = call{"POST", "/api/v1/users/{id}"}
	callDeactivate   = call{"POST", "/api/v1/users/{id}/lifecycle/deactivate"}
	callActivate     = call{"POST", "/api/v1/users/{id}/lifecycle/activate"}
	callGroupCreate  = call{"POST", "/api/v1/groups"}
	callMemberAdd    = call{"PUT", "/api/v1/groups/{id}/users/{userId}"}
	callMemberRemove = call{"DELETE", "/api/v1/groups/{id}/users/{userId}"}
	callAppPage      = call{"GET", "/api/v1/apps"}
	callAppGroupPage = call{"GET", "/api/v1/apps/{id}/groups"}
	callAppAssign    = call{"PUT", "/api/v1/apps/{id}/groups/{groupId}"}
)

// bucket is the short name of c's bucket.
func (c call) bucket() string { return bucketOf(c.method, c.path) }

// bucketDisagreements compares okta's reading of the routes the simulator
// counted with the simulator's own counts by bucket, and lists each bucket
// where they differ as "bucket: simulator n, okta's table m" (empty when
// the two readings agree on this run).
func bucketDisagreements(byRoute map[string]map[int]int, byBucket map[string]int) []string {
	mine := map[string]int{}
	for route, byStatus := range byRoute {
		for _, n := range byStatus {
			mine[routeBucket(route)] += n
		}
	}
	var out []string
	for _, b := range sortedKeys(unionKeys(mine, byBucket)) {
		if mine[b] != byBucket[b] {
			out = append(out, fmt.Sprintf("%s: simulator %d, okta's table %d", b, byBucket[b], mine[b]))
		}
	}
	return out
}

// unionKeys returns a map whose keys are those of a and b.
func unionKeys(a, b map[string]int) map[string]bool {
	out := make(map[string]bool, len(a)+len(b))
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}
