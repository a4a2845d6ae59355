package okta

import (
	"context"
	"strings"
	"time"
)

// Bucket names. They mirror Okta's rate-limit table: a request falls in the
// bucket of its exact path first, then of its longest matching prefix.
const (
	BucketUsers      = "/api/v1/users"
	BucketUserGet    = "GET /api/v1/users/{idOrLogin}"
	BucketUserWrite  = "POST|PUT|DELETE /api/v1/users/{id}"
	BucketGroups     = "/api/v1/groups"
	BucketGroup      = "/api/v1/groups/{id}"
	BucketLogs       = "/api/v1/logs"
	BucketOAuthToken = "/oauth2/v1/token"
	BucketOther      = "/api/v1"
)

// bucketFor infers the rate-limit bucket of a request before it is sent.
// path is relative to the org, escaped, without query.
func bucketFor(method, path string) string {
	p := strings.TrimSuffix(path, "/")
	switch {
	case p == "/api/v1/users":
		return BucketUsers
	case strings.HasPrefix(p, "/api/v1/users/"):
		if method == "GET" || method == "HEAD" {
			return BucketUserGet
		}
		return BucketUserWrite
	case p == "/api/v1/groups":
		return BucketGroups
	case strings.HasPrefix(p, "/api/v1/groups/"):
		return BucketGroup
	case p == "/api/v1/logs" || strings.HasPrefix(p, "/api/v1/logs/"):
		return BucketLogs
	case strings.HasPrefix(p, "/oauth2/"):
		return BucketOAuthToken
	}
	return BucketOther
}

// limiter paces requests.
type limiter struct {
	sem chan struct{}
	now func() time.Time
}

func newLimiter(maxShare float64, maxConcurrency int, now func() time.Time) *limiter {
	return &limiter{sem: make(chan struct{}, maxConcurrency), now: now}
}

// acquire waits until a request in bucket may be sent. The returned function
// must be called once with the response (nil when there was none).
func (l *limiter) acquire(ctx context.Context, bucket string) (func(*Response), error) {
	select {
	case l.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return func(*Response) { <-l.sem }, nil
}
