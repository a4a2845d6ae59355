package okta

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode"
)

// Option configures a Client in NewClient.
type Option func(*Client) error

// WithToken authenticates with an Okta API token (Authorization: SSWS).
func WithToken(token string) Option {
	return func(c *Client) error {
		token = strings.TrimSpace(token)
		if token == "" {
			return errors.New("okta: empty API token")
		}
		c.set.token = token
		return nil
	}
}

// WithHTTPClient makes the client send requests through hc instead of one it
// builds. Transport options (WithProxy, WithConnectionTimeout, WithCAFile)
// cannot be combined with it.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) error {
		if hc == nil {
			return errors.New("okta: nil http.Client")
		}
		c.set.customClient = hc
		return nil
	}
}

// WithLogger sets the logger. Each request is logged at debug level; no
// credential is ever logged. The default discards everything.
func WithLogger(l *slog.Logger) Option {
	return func(c *Client) error {
		if l == nil {
			return errors.New("okta: nil logger")
		}
		c.logger = l
		return nil
	}
}

// WithProduct names the program using the client, and its version, at the
// start of the User-Agent header: "name/version go/<go version> <os>/<arch>"
// (or "name go/…" when version is empty). Without it the product is
// "okta-go-client", with no version. name must be a single token: no
// spaces, slashes or control characters; version no spaces or control
// characters.
func WithProduct(name, version string) Option {
	return func(c *Client) error {
		name, version = strings.TrimSpace(name), strings.TrimSpace(version)
		if name == "" || strings.ContainsRune(name, '/') || !isUAToken(name) {
			return fmt.Errorf("okta: product name %q is not a single token", name)
		}
		if !isUAToken(version) {
			return fmt.Errorf("okta: product version %q holds a space or a control character", version)
		}
		c.set.product = name
		if version != "" {
			c.set.product += "/" + version
		}
		return nil
	}
}

// isUAToken reports whether s holds no space and no control character.
func isUAToken(s string) bool {
	return !strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) })
}

// WithUserAgent appends extra to the User-Agent header, after the product
// and the Go and platform versions (see WithProduct).
func WithUserAgent(extra string) Option {
	return func(c *Client) error {
		if strings.ContainsAny(extra, "\r\n") {
			return errors.New("okta: user agent contains a line break")
		}
		c.set.userAgentExtra = strings.TrimSpace(extra)
		return nil
	}
}

// WithMaxRetries sets how many times a call is retried (see
// DefaultMaxRetries). Zero disables retries.
func WithMaxRetries(n int) Option {
	return func(c *Client) error {
		if n < 0 {
			return fmt.Errorf("okta: max retries %d is negative", n)
		}
		c.maxRetries = n
		return nil
	}
}

// WithRequestTimeout bounds each call as a whole, including pacing waits and
// retries. Zero means no bound beyond the caller's context.
func WithRequestTimeout(d time.Duration) Option {
	return func(c *Client) error {
		if d < 0 {
			return fmt.Errorf("okta: request timeout %s is negative", d)
		}
		c.requestTimeout = d
		return nil
	}
}

// WithRateLimit sets how much of the token's ceiling in each rate-limit
// bucket the client may spend within one window (0 < maxShare ≤ 1; see
// WithTokenShare for the ceiling) and how many requests may be in flight at
// once (maxConcurrency ≥ 1). Zero values keep the defaults
// (DefaultMaxShare, DefaultMaxConcurrency). Below 1, maxShare also stops the
// client from probing for a higher ceiling than it assumes.
func WithRateLimit(maxShare float64, maxConcurrency int) Option {
	return func(c *Client) error {
		if maxShare < 0 || maxShare > 1 || maxShare != maxShare {
			return fmt.Errorf("okta: rate limit share %v is outside (0, 1]", maxShare)
		}
		if maxConcurrency < 0 {
			return fmt.Errorf("okta: max concurrency %d is negative", maxConcurrency)
		}
		if maxShare > 0 {
			c.set.maxShare = maxShare
		}
		if maxConcurrency > 0 {
			c.set.maxConcurrency = maxConcurrency
		}
		return nil
	}
}

// Token shares Okta lets an admin give one API token or OAuth app.
const (
	// MinTokenShare is the smallest share of a bucket a token can have.
	MinTokenShare = 0.05
	// MaxTokenShare is the whole bucket.
	MaxTokenShare = 1.0
)

// WithTokenShare sets the share of an org's rate-limit bucket this token or
// OAuth app may use, as the org's admin set it (DefaultTokenShare, Okta's
// default, unless changed; MinTokenShare to MaxTokenShare). Until the
// client learns a bucket's real ceiling it plans on this share of the
// X-Rate-Limit-Limit figure, which is right when the header reports the
// org's bucket; when the header already is the token's own share, the
// client learns so by probing and then plans on the whole figure. See the
// package documentation, "Rate limits and retries".
func WithTokenShare(share float64) Option {
	return func(c *Client) error {
		if !(share >= MinTokenShare && share <= MaxTokenShare) {
			return fmt.Errorf("okta: token share %v is outside [%v, %v]", share, MinTokenShare, MaxTokenShare)
		}
		c.set.tokenShare = share
		return nil
	}
}

// WithLearnedShares seeds the shares of X-Rate-Limit-Limit that an earlier
// client learned were this token's ceiling, by bucket, as
// Client.LearnedShares returned them (keep them per org and token). Each
// share must be above 0 and at most 1; names of buckets this client does
// not know are ignored. A seeded share is not probed above; a 429 that
// shows the org still had room lowers it.
func WithLearnedShares(shares map[string]float64) Option {
	return func(c *Client) error {
		m, err := knownShares(shares)
		if err != nil {
			return err
		}
		c.set.learnedShares = m
		return nil
	}
}

// knownShares checks that every share is in (0, 1] and keeps those of
// buckets the client knows.
func knownShares(shares map[string]float64) (map[string]float64, error) {
	known := map[string]bool{}
	for _, r := range bucketRules {
		known[r.Name] = true
	}
	m := make(map[string]float64, len(shares))
	for name, s := range shares {
		if !(s > 0 && s <= 1) {
			return nil, fmt.Errorf("okta: learned share %v of bucket %q is outside (0, 1]", s, name)
		}
		if known[name] {
			m[name] = s
		}
	}
	return m, nil
}

// WithInsecureHTTP allows an http:// org URL. It is meant for tests and
// simulators only (the SDKs' testing.disableHttpsCheck).
func WithInsecureHTTP() Option {
	return func(c *Client) error {
		c.insecureHTTP = true
		return nil
	}
}

// WithHeaders adds headers to every request. They cannot override the
// headers the client sets itself (Authorization, DPoP, User-Agent, Accept,
// Content-Type, X-Okta-Retry-For, X-Okta-Retry-Count).
func WithHeaders(h http.Header) Option {
	return func(c *Client) error {
		for k, vs := range h {
			for _, v := range vs {
				if strings.ContainsAny(v, "\r\n") {
					return fmt.Errorf("okta: header %s contains a line break", k)
				}
				c.headers.Add(k, v)
			}
		}
		return nil
	}
}
