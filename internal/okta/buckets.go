package okta

import (
	"slices"
	"strings"
)

// Bucket names: the client's names for Okta's rate-limit buckets, as Stats,
// Rate.Bucket and LearnedShares key them. Buckets lists what falls in each.
const (
	BucketUsers      = "/api/v1/users"
	BucketUserGet    = "GET /api/v1/users/{idOrLogin}"
	BucketUserWrite  = "POST|PUT|DELETE /api/v1/users/{id}"
	BucketGroups     = "/api/v1/groups"
	BucketGroup      = "/api/v1/groups/{id}"
	BucketApps       = "/api/v1/apps"
	BucketApp        = "/api/v1/apps/{id}"
	BucketLogs       = "/api/v1/logs"
	BucketOAuthToken = "/oauth2/v1/token"
	BucketOther      = "/api/v1"
)

// BucketRule is one row of Okta's management rate-limit table: which
// requests fall in a bucket.
type BucketRule struct {
	// Name is the bucket's name (one of the Bucket constants).
	Name string
	// Methods lists the HTTP methods the rule applies to; empty means
	// every method.
	Methods []string
	// Path is an escaped path pattern. A segment written "{}" stands for
	// any one segment (an id or a login).
	Path string
	// Prefix makes the rule cover Path and every path below it (a
	// collection's bucket); otherwise only Path itself matches.
	Prefix bool
	// Limit is Okta's default limit per minute for a Workforce org, for
	// estimates made before any answer: orgs differ, and the client paces
	// by the X-Rate-Limit-* headers alone.
	Limit int
}

// bucketRules is Okta's table (okta-api.md, "Rate limits"): only the exact
// by-id paths are buckets of their own; anything deeper falls in its
// collection's bucket, so lifecycle calls and a user's groups count against
// /api/v1/users, member lists and memberships against /api/v1/groups.
var bucketRules = []BucketRule{
	{Name: BucketUsers, Path: "/api/v1/users", Prefix: true, Limit: 600},
	{Name: BucketUserGet, Methods: []string{"GET", "HEAD"}, Path: "/api/v1/users/{}", Limit: 2000},
	{Name: BucketUserWrite, Methods: []string{"POST", "PUT", "DELETE"}, Path: "/api/v1/users/{}", Limit: 600},
	{Name: BucketGroups, Path: "/api/v1/groups", Prefix: true, Limit: 500},
	{Name: BucketGroup, Methods: []string{"GET", "HEAD", "PUT", "DELETE"}, Path: "/api/v1/groups/{}", Limit: 1000},
	{Name: BucketApps, Path: "/api/v1/apps", Prefix: true, Limit: 100},
	{Name: BucketApp, Path: "/api/v1/apps/{}", Limit: 500},
	{Name: BucketLogs, Path: "/api/v1/logs", Prefix: true, Limit: 120},
	{Name: BucketOAuthToken, Path: "/oauth2", Prefix: true, Limit: 600},
	{Name: BucketOther, Path: "/api/v1", Prefix: true, Limit: 1200},
}

// bucketPatterns holds the segments of each rule's Path.
var bucketPatterns = func() [][]string {
	out := make([][]string, len(bucketRules))
	for i, r := range bucketRules {
		out[i] = splitPath(r.Path)
	}
	return out
}()

// Buckets returns Okta's rate-limit table as the client reads it, one rule
// per row. A request falls in the bucket of the rule that matches its exact
// path, else of the matching prefix rule with the longest path, else in
// BucketOther.
func Buckets() []BucketRule {
	out := make([]BucketRule, len(bucketRules))
	for i, r := range bucketRules {
		r.Methods = append([]string(nil), r.Methods...)
		out[i] = r
	}
	return out
}

// BucketFor returns the rate-limit bucket of a request: method, and path
// relative to the org, escaped, without query (such as
// "/api/v1/groups/00g1/users/00u1").
func BucketFor(method, path string) string {
	method = strings.ToUpper(method)
	segs := splitPath(path)
	best, bestLen := BucketOther, -1
	for i := range bucketRules {
		r := &bucketRules[i]
		if len(r.Methods) > 0 && !slices.Contains(r.Methods, method) {
			continue
		}
		pat := bucketPatterns[i]
		if !r.Prefix {
			if len(segs) == len(pat) && matchSegments(pat, segs) {
				return r.Name // an exact path wins
			}
			continue
		}
		if len(segs) >= len(pat) && len(pat) > bestLen && matchSegments(pat, segs[:len(pat)]) {
			best, bestLen = r.Name, len(pat)
		}
	}
	return best
}

// splitPath returns p's non-empty segments.
func splitPath(p string) []string {
	return strings.FieldsFunc(p, func(r rune) bool { return r == '/' })
}

// matchSegments reports whether segs match pat segment by segment, "{}"
// matching any one segment.
func matchSegments(pat, segs []string) bool {
	for i, s := range pat {
		if s != "{}" && s != segs[i] {
			return false
		}
	}
	return true
}
