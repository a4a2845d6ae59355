package oktasim

import (
	"fmt"
	"math"
	"strings"
	"sync"
	"time"
)

// RateLimitOptions configures the simulated org's rate limits.
type RateLimitOptions struct {
	// Disabled turns refusals off; the X-Rate-Limit-* headers are still
	// sent.
	Disabled bool
	// Window is the length of a rate-limit window; 0 means 60 s. A bucket's
	// window starts with its first request, not on the clock minute.
	Window time.Duration
	// Limits overrides the limit per window of the named buckets (see the
	// package documentation for the names).
	Limits map[string]int
	// Scale multiplies every limit (after Limits); 0 means 1. Use it with a
	// short Window, for example Window 1 s and Scale 1.0/60. A scaled limit
	// is never below 1.
	Scale float64
	// TokenShare is the fraction of a bucket one API token or OAuth client
	// may use, as Okta's default of 0.5; 0 means the whole bucket.
	TokenShare float64
	// Concurrency is the most simultaneous API requests the org accepts;
	// 0 means no limit. Over it: 429 with X-Rate-Limit-Limit: 0.
	Concurrency int
	// HeaderMode says what X-Rate-Limit-Limit and -Remaining report, which
	// Okta leaves undocumented. HeaderToken ("" too, the default): the
	// caller's own share of the bucket and what is left of it. HeaderOrg:
	// the org's whole bucket and what the org has left, as Okta's examples
	// show; the caller's share is then a hidden ceiling, so a caller that
	// has spent its share meets 429s while the headers still show room.
	HeaderMode string
	// TwoResetLines makes every answer carry two X-Rate-Limit-Reset header
	// lines, as Okta's answers sometimes do: first one a window later than
	// the bucket's reset, then the bucket's own. The earliest is the one
	// that holds.
	TwoResetLines bool
	// LegacyBuckets puts requests in the buckets of this simulator's older
	// reading of Okta's table: every /api/v1/users/{id}/... path in the
	// user (GET) or user-write bucket, and every /api/v1/groups/{id}/...
	// path (member lists and memberships) in the group bucket. Okta puts
	// them in their collection's bucket (users, groups).
	LegacyBuckets bool
}

// Header modes of RateLimitOptions.HeaderMode.
const (
	// HeaderToken reports the caller's share of a bucket.
	HeaderToken = "token"
	// HeaderOrg reports the org's whole bucket.
	HeaderOrg = "org"
)

// Bucket names.
const (
	bucketUsers     = "users"
	bucketUser      = "user"
	bucketUserWrite = "user-write"
	bucketGroups    = "groups"
	bucketGroup     = "group"
	bucketApps      = "apps"
	bucketApp       = "app"
	bucketLogs      = "logs"
	bucketOther     = "other"
	bucketToken     = "token"
)

// defaultLimits are Okta's Workforce per-minute limits.
var defaultLimits = map[string]int{
	bucketUsers:     600,
	bucketUser:      2000,
	bucketUserWrite: 600,
	bucketGroups:    500,
	bucketGroup:     1000,
	bucketApps:      100,
	bucketApp:       500,
	bucketLogs:      120,
	bucketOther:     1200,
	bucketToken:     600,
}

// BucketNames lists the rate-limit bucket names, for RateLimitOptions.Limits.
func BucketNames() []string {
	return []string{bucketUsers, bucketUser, bucketUserWrite, bucketGroups, bucketGroup, bucketApps, bucketApp, bucketLogs, bucketOther, bucketToken}
}

// bucketFor picks a request's bucket as Okta's table does: only the exact
// paths of the by-id buckets are theirs; anything deeper falls in its
// collection's bucket.
func bucketFor(method, path string) string {
	p := strings.TrimSuffix(path, "/")
	read := method == "GET" || method == "HEAD"
	byID := method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE"
	switch {
	case p == "/oauth2/v1/token":
		return bucketToken
	case p == "/api/v1/users":
		return bucketUsers
	case oneSegmentBelow(p, "/api/v1/users/"):
		if read {
			return bucketUser
		}
		if method == "POST" || method == "PUT" || method == "DELETE" {
			return bucketUserWrite
		}
		return bucketUsers
	case strings.HasPrefix(p, "/api/v1/users/"):
		return bucketUsers
	case p == "/api/v1/groups":
		return bucketGroups
	case oneSegmentBelow(p, "/api/v1/groups/") && byID:
		return bucketGroup
	case strings.HasPrefix(p, "/api/v1/groups/"):
		return bucketGroups
	case oneSegmentBelow(p, "/api/v1/apps/"):
		return bucketApp
	case p == "/api/v1/apps" || strings.HasPrefix(p, "/api/v1/apps/"):
		return bucketApps
	case p == "/api/v1/logs" || strings.HasPrefix(p, "/api/v1/logs/"):
		return bucketLogs
	default:
		return bucketOther
	}
}

// oneSegmentBelow reports whether p is prefix followed by exactly one
// non-empty path segment.
func oneSegmentBelow(p, prefix string) bool {
	rest, ok := strings.CutPrefix(p, prefix)
	return ok && rest != "" && !strings.Contains(rest, "/")
}

// legacyBucketFor is the simulator's older reading of the table (see
// RateLimitOptions.LegacyBuckets).
func legacyBucketFor(method, path string) string {
	p := strings.TrimSuffix(path, "/")
	switch {
	case strings.HasPrefix(p, "/api/v1/users/"):
		if method == "GET" || method == "HEAD" {
			return bucketUser
		}
		return bucketUserWrite
	case strings.HasPrefix(p, "/api/v1/groups/"):
		return bucketGroup
	case p == "/api/v1/apps" || strings.HasPrefix(p, "/api/v1/apps/"):
		return bucketOther
	}
	return bucketFor(method, path)
}

// bucketOf picks the bucket of a request under the org's options.
func (s *Server) bucketOf(method, path string) string {
	if s.opts.RateLimit.LegacyBuckets {
		return legacyBucketFor(method, path)
	}
	return bucketFor(method, path)
}

type limiter struct {
	disabled bool
	window   time.Duration
	share    float64
	orgMode  bool
	twoReset bool
	limits   map[string]int
	now      func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucketState
}

type bucketState struct {
	start    time.Time
	used     int
	perToken map[string]int
}

// decision is the outcome of taking one request from a bucket.
type decision struct {
	allowed   bool
	limit     int
	remaining int
	reset     int64 // epoch seconds
	// laterReset, when not zero, is sent as a further X-Rate-Limit-Reset
	// line before reset (RateLimitOptions.TwoResetLines).
	laterReset int64
}

func newLimiter(o RateLimitOptions, now func() time.Time) (*limiter, error) {
	if o.Window < 0 {
		return nil, fmt.Errorf("oktasim: rate-limit window %v is negative", o.Window)
	}
	if o.Window == 0 {
		o.Window = time.Minute
	}
	if o.Scale < 0 || o.TokenShare < 0 || o.TokenShare > 1 || o.Concurrency < 0 {
		return nil, fmt.Errorf("oktasim: rate-limit options out of range (scale %v, token share %v, concurrency %d)", o.Scale, o.TokenShare, o.Concurrency)
	}
	if o.Scale == 0 {
		o.Scale = 1
	}
	switch o.HeaderMode {
	case "", HeaderToken, HeaderOrg:
	default:
		return nil, fmt.Errorf("oktasim: rate-limit header mode %q is not %q or %q", o.HeaderMode, HeaderToken, HeaderOrg)
	}
	l := &limiter{
		disabled: o.Disabled,
		window:   o.Window,
		share:    o.TokenShare,
		orgMode:  o.HeaderMode == HeaderOrg,
		twoReset: o.TwoResetLines,
		limits:   make(map[string]int, len(defaultLimits)),
		now:      now,
		buckets:  make(map[string]*bucketState),
	}
	for name, v := range defaultLimits {
		l.limits[name] = v
	}
	for name, v := range o.Limits {
		if _, ok := defaultLimits[name]; !ok {
			return nil, fmt.Errorf("oktasim: unknown rate-limit bucket %q (known: %s)", name, strings.Join(BucketNames(), ", "))
		}
		if v < 1 {
			return nil, fmt.Errorf("oktasim: rate limit of bucket %q is %d; it must be at least 1", name, v)
		}
		l.limits[name] = v
	}
	for name, v := range l.limits {
		l.limits[name] = max(1, int(math.Round(float64(v)*o.Scale)))
	}
	return l, nil
}

// take counts one request by who against bucket.
func (l *limiter) take(bucket, who string) decision { return l.decide(bucket, who, true) }

// peek reports the state of bucket for who without counting a request.
func (l *limiter) peek(bucket, who string) decision { return l.decide(bucket, who, false) }

func (l *limiter) decide(bucket, who string, count bool) decision {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[bucket]
	if b == nil || !now.Before(b.start.Add(l.window)) {
		b = &bucketState{start: now, perToken: make(map[string]int)}
		l.buckets[bucket] = b
	}
	limit := l.limits[bucket]
	tokenLimit := limit
	if l.share > 0 {
		tokenLimit = max(1, int(float64(limit)*l.share))
	}
	resetAt := b.start.Add(l.window)
	reset := resetAt.Unix()
	if resetAt.Nanosecond() != 0 {
		reset++
	}
	d := decision{reset: reset}
	if l.twoReset {
		later := resetAt.Add(l.window)
		d.laterReset = later.Unix()
		if later.Nanosecond() != 0 {
			d.laterReset++
		}
	}
	bucketLeft := limit - b.used
	tokenLeft := tokenLimit - b.perToken[who]
	// shown is what the headers report as left before this request.
	shown := min(bucketLeft, tokenLeft)
	d.limit = tokenLimit
	if l.orgMode {
		shown, d.limit = bucketLeft, limit
	}
	allowed := bucketLeft > 0 && tokenLeft > 0
	if !count {
		d.allowed = allowed
		d.remaining = max(0, shown)
		return d
	}
	if !allowed && !l.disabled {
		d.remaining = max(0, shown)
		if bucketLeft <= 0 {
			d.remaining = 0
		}
		return d
	}
	b.used++
	b.perToken[who]++
	d.allowed = true
	d.remaining = max(0, shown-1)
	return d
}
