package okta

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"time"
)

// Defaults used when the corresponding option is not given.
const (
	// DefaultMaxRetries is how many times one call is retried after a 429, or
	// after a 5xx or dropped connection on an idempotent call. It matches the
	// official Okta SDKs' documented default; pacing before the limit keeps
	// 429s rare, so few retries are needed.
	DefaultMaxRetries = 2
	// DefaultMaxShare is the share of the token's ceiling in each
	// rate-limit bucket (see DefaultTokenShare) that the client spends at
	// most within one window. Lower it to leave part of the token's own
	// budget to another program using the same token; the org's other
	// integrations have their own tokens and shares.
	DefaultMaxShare = 1.0
	// DefaultTokenShare is the share of an org's rate-limit bucket that one
	// API token or OAuth app may use: Okta's default, which an admin can
	// set from 5 to 100 % per token or app. The client assumes it until it
	// learns a bucket's real ceiling (see WithTokenShare).
	DefaultTokenShare = 0.5
	// DefaultMaxConcurrency is the number of requests in flight at most.
	// Okta orgs allow 15 to 75 concurrent requests depending on the plan;
	// 10 leaves room for the org's other integrations.
	DefaultMaxConcurrency = 10
	// DefaultConnectionTimeout bounds establishing one TCP and TLS connection.
	DefaultConnectionTimeout = 30 * time.Second
)

// defaultProduct opens the User-Agent when WithProduct is not given.
const defaultProduct = "okta-go-client"

// Client is an Okta Management API client. It is safe for concurrent use by
// multiple goroutines; share one Client per org so that its rate-limit
// accounting sees every request.
type Client struct {
	base       *url.URL // org URL, path ending in "/"
	httpClient *http.Client
	auth       authenticator
	logger     *slog.Logger
	userAgent  string
	headers    http.Header

	maxRetries     int
	requestTimeout time.Duration
	insecureHTTP   bool

	limiter *limiter
	stats   *statsRecorder
	secrets *secretSet

	// sleep waits for d, until wake is closed (when not nil), or until ctx
	// is done; tests replace it, and now, with a fake clock.
	sleep func(ctx context.Context, d time.Duration, wake <-chan struct{}) error
	// jitter returns a random duration in [0, d).
	jitter func(d time.Duration) time.Duration
	// now returns the current time; tests replace it.
	now func() time.Time

	// settings gathered by options and applied once all options ran.
	set settings

	// Users calls the Users API.
	Users *UsersService
	// Groups calls the Groups API and group memberships.
	Groups *GroupsService
	// Logs reads the System Log.
	Logs *LogsService
	// Schemas reads user schemas.
	Schemas *SchemasService
	// Apps reads apps and assigns them to groups and users.
	Apps *AppsService
}

// settings holds option values that are applied after all options ran.
type settings struct {
	token          string
	privateKey     *privateKeyConfig
	customClient   *http.Client
	product        string
	userAgentExtra string
	maxShare       float64
	tokenShare     float64
	learnedShares  map[string]float64
	maxConcurrency int
	proxy          *url.URL
	connTimeout    time.Duration
	caFile         string
	dpop           bool
}

type service struct{ client *Client }

// NewClient returns a client for the org at orgURL (such as
// https://example.okta.com). Exactly one of WithToken and WithPrivateKey must
// be given. orgURL must be https unless WithInsecureHTTP is given.
func NewClient(orgURL string, opts ...Option) (*Client, error) {
	c := &Client{
		logger:     slog.New(slog.DiscardHandler),
		headers:    make(http.Header),
		maxRetries: DefaultMaxRetries,
		stats:      newStatsRecorder(),
		secrets:    &secretSet{},
		sleep:      sleepCtx,
		jitter:     randomJitter,
		now:        time.Now,
		set: settings{
			product:        defaultProduct,
			maxShare:       DefaultMaxShare,
			tokenShare:     DefaultTokenShare,
			maxConcurrency: DefaultMaxConcurrency,
			connTimeout:    DefaultConnectionTimeout,
		},
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(c); err != nil {
			return nil, c.secrets.scrub(err)
		}
	}
	base, err := parseOrgURL(orgURL, c.insecureHTTP)
	if err != nil {
		return nil, err
	}
	c.base = base

	hc, err := c.buildHTTPClient()
	if err != nil {
		return nil, c.secrets.scrub(err)
	}
	c.httpClient = hc
	if err := c.setAuth(); err != nil {
		return nil, err
	}
	c.userAgent = userAgent(c.set.product, c.set.userAgentExtra)
	c.limiter = c.newLimiter()

	s := service{client: c}
	c.Users = (*UsersService)(&s)
	c.Groups = (*GroupsService)(&s)
	c.Logs = (*LogsService)(&s)
	c.Schemas = (*SchemasService)(&s)
	c.Apps = (*AppsService)(&s)
	return c, nil
}

// newLimiter builds the client's rate limiter from its settings.
func (c *Client) newLimiter() *limiter {
	return newLimiter(limiterConfig{
		maxShare: c.set.maxShare, tokenShare: c.set.tokenShare, learned: c.set.learnedShares,
		maxConc: c.set.maxConcurrency, now: func() time.Time { return c.now() }, sleep: c.sleepFunc, stats: c.stats,
		onLearn: func(bucket string, share float64, why string) {
			c.logger.LogAttrs(context.Background(), slog.LevelInfo, "okta rate-limit share learned",
				slog.String("bucket", bucket), slog.Float64("share", share), slog.String("from", why))
		},
	})
}

// LearnedShares returns, per rate-limit bucket, the share of Okta's
// X-Rate-Limit-Limit figure that the client has learned is this token's
// ceiling (1 when the header is the token's own share; 0.5 when it is the
// org's bucket and the token has Okta's default share), the shares given to
// WithLearnedShares included. Buckets whose share is not known are absent.
// A program that keeps these between runs (per org and token) and passes
// them to WithLearnedShares starts each run at the right ceiling, without
// the 429 or the probing that learning takes.
func (c *Client) LearnedShares() map[string]float64 {
	return c.limiter.learnedShares()
}

// SeedLearnedShares gives a client already built the shares a program kept
// from an earlier run, as WithLearnedShares does at construction: each
// bucket the client has not used yet starts at its share. Shares outside
// (0, 1] are refused; buckets the client does not know are ignored.
func (c *Client) SeedLearnedShares(shares map[string]float64) error {
	m, err := knownShares(shares)
	if err != nil {
		return err
	}
	c.limiter.seed(m)
	return nil
}

// setAuth picks the authenticator from the credentials the options gave and
// forgets the API token's copy in the settings.
func (c *Client) setAuth() error {
	switch {
	case c.set.token != "" && c.set.privateKey != nil:
		return errors.New("okta: both an API token and a private key were given; choose one authorization mode")
	case c.set.token != "":
		c.secrets.add(c.set.token)
		c.auth = &sswsAuth{token: c.set.token}
	case c.set.privateKey != nil:
		a, err := newPrivateKeyAuth(c, c.set.privateKey)
		if err != nil {
			return c.secrets.scrub(err)
		}
		c.auth = a
	default:
		return errors.New("okta: no credentials: use WithToken or WithPrivateKey")
	}
	c.set.token = ""
	return nil
}

// userAgent is the User-Agent header: the product, the Go version, the
// platform, then extra.
func userAgent(product, extra string) string {
	ua := fmt.Sprintf("%s go/%s %s/%s", product, strings.TrimPrefix(runtime.Version(), "go"), runtime.GOOS, runtime.GOARCH)
	if extra != "" {
		ua += " " + extra
	}
	return ua
}

// OrgURL returns the org URL the client talks to, without a trailing slash.
func (c *Client) OrgURL() string {
	return strings.TrimSuffix(c.base.String(), "/")
}

// CloseIdleConnections closes the client's idle keep-alive connections, for
// a program that is done with the org for a while.
func (c *Client) CloseIdleConnections() {
	c.httpClient.CloseIdleConnections()
}
