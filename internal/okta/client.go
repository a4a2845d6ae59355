package okta

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/oktasync/oktasync/internal/redact"
)

// Version is the oktasync version sent in the User-Agent header. The main
// package sets it at start-up.
var Version = "dev"

// Defaults used when the corresponding option is not given.
const (
	// DefaultMaxRetries is how many times one call is retried after a 429, or
	// after a 5xx or dropped connection on an idempotent call. It matches the
	// official Okta SDKs' documented default; pacing before the limit keeps
	// 429s rare, so few retries are needed.
	DefaultMaxRetries = 2
	// DefaultMaxShare is the share of each rate-limit bucket the client
	// spends at most within one window, of the limit Okta's
	// X-Rate-Limit-Limit header reports: "the ceiling applicable to the
	// current request", which for an API token or OAuth app is already its
	// own share of the org's bucket (50 % by Okta's default), so the org's
	// other integrations keep the rest. Lower it to leave more.
	DefaultMaxShare = 1.0
	// DefaultMaxConcurrency is the number of requests in flight at most.
	// Okta orgs allow 15 to 75 concurrent requests depending on the plan;
	// 10 leaves room for the org's other integrations.
	DefaultMaxConcurrency = 10
	// DefaultConnectionTimeout bounds establishing one TCP and TLS connection.
	DefaultConnectionTimeout = 30 * time.Second
)

const (
	// maxErrorBody caps how much of an error response is read.
	maxErrorBody = 64 << 10
	// maxResponseBody caps how much of a successful response is read.
	maxResponseBody = 64 << 20
	// maxRetryWait caps one wait before a retry (a reset far in the future
	// is more likely a skewed clock than a real window).
	maxRetryWait = 2 * time.Minute
	// backoffBase and backoffCap shape the exponential backoff after a 5xx or
	// a dropped connection.
	backoffBase = 500 * time.Millisecond
	backoffCap  = 30 * time.Second
)

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
}

// settings holds option values that are applied after all options ran.
type settings struct {
	token          string
	privateKey     *privateKeyConfig
	customClient   *http.Client
	userAgentExtra string
	maxShare       float64
	maxConcurrency int
	proxy          *url.URL
	connTimeout    time.Duration
	caFile         string
	dpop           bool
}

type service struct{ client *Client }

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

// WithUserAgent appends extra to the User-Agent header
// ("oktasync/<Version> go/<version> <os>/<arch> extra").
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

// WithRateLimit sets how much of each rate-limit bucket the client may spend
// within one window (0 < maxShare ≤ 1) and how many requests may be in flight
// at once (maxConcurrency ≥ 1). Zero values keep the defaults
// (DefaultMaxShare, DefaultMaxConcurrency).
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
			maxShare:       DefaultMaxShare,
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

	switch {
	case c.set.token != "" && c.set.privateKey != nil:
		return nil, errors.New("okta: both an API token and a private key were given; choose one authorization mode")
	case c.set.token != "":
		c.secrets.add(c.set.token)
		c.auth = &sswsAuth{token: c.set.token}
	case c.set.privateKey != nil:
		a, err := newPrivateKeyAuth(c, c.set.privateKey)
		if err != nil {
			return nil, c.secrets.scrub(err)
		}
		c.auth = a
	default:
		return nil, errors.New("okta: no credentials: use WithToken or WithPrivateKey")
	}
	c.set.token = ""

	ua := fmt.Sprintf("oktasync/%s go/%s %s/%s", Version, strings.TrimPrefix(runtime.Version(), "go"), runtime.GOOS, runtime.GOARCH)
	if c.set.userAgentExtra != "" {
		ua += " " + c.set.userAgentExtra
	}
	c.userAgent = ua
	c.limiter = newLimiter(c.set.maxShare, c.set.maxConcurrency, func() time.Time { return c.now() }, c.sleepFunc, c.stats)

	s := service{client: c}
	c.Users = (*UsersService)(&s)
	c.Groups = (*GroupsService)(&s)
	c.Logs = (*LogsService)(&s)
	c.Schemas = (*SchemasService)(&s)
	return c, nil
}

// parseOrgURL validates an org URL and returns it with a path ending in "/".
func parseOrgURL(orgURL string, insecure bool) (*url.URL, error) {
	orgURL = strings.TrimSpace(orgURL)
	if orgURL == "" {
		return nil, errors.New("okta: empty org URL")
	}
	if strings.Contains(orgURL, "{") || strings.Contains(strings.ToLower(orgURL), "youroktadomain") {
		return nil, errors.New("okta: org URL still holds a placeholder such as {yourOktaDomain}")
	}
	u, err := url.Parse(orgURL)
	if err != nil {
		return nil, fmt.Errorf("okta: parse org URL: %w", errors.New(strings.ReplaceAll(err.Error(), orgURL, redact.URL(orgURL))))
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !insecure {
			return nil, fmt.Errorf("okta: org URL %s is plain http; https is required (http is allowed only for tests, with the testing flag)", redact.URL(orgURL))
		}
	default:
		return nil, fmt.Errorf("okta: org URL %s must start with https://", redact.URL(orgURL))
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, fmt.Errorf("okta: org URL %s has no host", redact.URL(orgURL))
	}
	if u.User != nil {
		return nil, errors.New("okta: org URL must not hold credentials")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("okta: org URL %s must not have a query or fragment", redact.URL(orgURL))
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		if u.RawPath != "" {
			u.RawPath += "/"
		}
	}
	return u, nil
}

// Response is an Okta API response. The body has been read already; Body
// holds a copy that callers may read again.
type Response struct {
	*http.Response
	// NextURL is the rel="next" Link of a list page, exactly as Okta gave
	// it; empty on the last page.
	NextURL string
	// RequestID is the X-Okta-Request-Id header.
	RequestID string
	// Rate is the rate-limit state of the request's bucket.
	Rate Rate

	// afterUnknown is set when an earlier attempt of the same call had an
	// unknown outcome (a 5xx or a dropped connection) before this answer.
	afterUnknown bool
}

// Rate is the rate-limit state reported by one response.
type Rate struct {
	// Bucket is the client's name for the rate-limit bucket the request
	// fell in, such as "GET /api/v1/users/{idOrLogin}".
	Bucket string
	// Limit is X-Rate-Limit-Limit: requests allowed per window (0 on a
	// concurrency 429).
	Limit int
	// Remaining is X-Rate-Limit-Remaining.
	Remaining int
	// Reset is X-Rate-Limit-Reset: when the window ends, by Okta's clock.
	Reset time.Time
	// Date is the response's Date header (Okta's clock at the answer).
	Date time.Time
	// Known is true when the response carried the rate-limit headers.
	Known bool
}

// NextCursor returns the "after" cursor of NextURL, for callers that page
// with ListPage; empty on the last page.
func (r *Response) NextCursor() string {
	if r == nil || r.NextURL == "" {
		return ""
	}
	u, err := url.Parse(r.NextURL)
	if err != nil {
		return ""
	}
	return u.Query().Get("after")
}

func newResponse(hr *http.Response, body []byte, bucket string) *Response {
	hr.Body = io.NopCloser(bytes.NewReader(body))
	r := &Response{Response: hr, RequestID: hr.Header.Get("X-Okta-Request-Id")}
	r.Rate = parseRate(hr.Header)
	r.Rate.Bucket = bucket
	links := parseLinkHeader(hr.Header.Values("Link"))
	if next, ok := links["next"]; ok {
		if ref, err := url.Parse(next); err == nil && hr.Request != nil && hr.Request.URL != nil {
			r.NextURL = hr.Request.URL.ResolveReference(ref).String()
		} else {
			r.NextURL = next
		}
	}
	return r
}

func parseRate(h http.Header) Rate {
	var r Rate
	lim, errL := strconv.Atoi(strings.TrimSpace(h.Get("X-Rate-Limit-Limit")))
	rem, errR := strconv.Atoi(strings.TrimSpace(h.Get("X-Rate-Limit-Remaining")))
	reset, errS := strconv.ParseInt(strings.TrimSpace(h.Get("X-Rate-Limit-Reset")), 10, 64)
	if errL == nil && errR == nil {
		r.Known = true
		r.Limit, r.Remaining = lim, rem
	}
	if errS == nil && reset > 0 {
		r.Reset = time.Unix(reset, 0).UTC()
	}
	if d, err := http.ParseTime(h.Get("Date")); err == nil {
		r.Date = d
	}
	return r
}

// request describes one logical API call.
type request struct {
	method string
	path   string // relative to the org URL, or an absolute URL on the org
	body   any
	out    any
	// idempotent marks calls that may be repeated after a 5xx or a dropped
	// connection.
	idempotent bool
	// form, when set, is sent as application/x-www-form-urlencoded.
	form url.Values
	// header holds extra headers for this request.
	header http.Header
	// noAuth marks the token request: no Authorization header, and no
	// pacing (a caller holding a slot may be waiting for the token).
	noAuth bool
	// scratchBody marks a call whose caller never reads the returned
	// Response's Body (list pages): a successful answer is read into a
	// reused buffer and decoded, and the Response's Body is empty. A full
	// read of a large org fetches gigabytes of pages; reusing buffers keeps
	// that from driving the garbage collector and the peak memory.
	scratchBody bool
}

// bodyBuffers holds the buffers of scratchBody reads.
var bodyBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Do sends an API request and decodes a JSON answer into out (unless out is
// nil). path is relative to the org URL ("/api/v1/users?limit=10") or an
// absolute URL on the org (a next link). body, when not nil, is sent as
// JSON. GET, PUT and DELETE are retried after a 5xx or a dropped connection;
// POST is not, and its error then satisfies errors.Is(err, ErrOutcomeUnknown).
// A non-2xx answer is an *APIError.
func (c *Client) Do(ctx context.Context, method, path string, body, out any) (*Response, error) {
	method = strings.ToUpper(method)
	return c.do(ctx, &request{method: method, path: path, body: body, out: out, idempotent: idempotentMethod(method)})
}

func idempotentMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

// resolve turns a request path into an absolute URL on the org. An absolute
// URL must point at the org itself, so that credentials never leave it.
func (c *Client) resolve(path string) (*url.URL, error) {
	if strings.HasPrefix(path, "https://") || strings.HasPrefix(path, "http://") {
		u, err := url.Parse(path)
		if err != nil {
			return nil, fmt.Errorf("parse URL: %w", err)
		}
		if u.User != nil || !strings.EqualFold(u.Scheme, c.base.Scheme) || !strings.EqualFold(u.Host, c.base.Host) ||
			!strings.HasPrefix(u.EscapedPath(), c.base.EscapedPath()) {
			return nil, fmt.Errorf("URL %s is not on the org %s", sanitizeURL(u), c.base.Redacted())
		}
		return u, nil
	}
	ref, err := url.Parse(strings.TrimLeft(path, "/"))
	if err != nil {
		return nil, fmt.Errorf("parse path: %w", err)
	}
	if ref.Scheme != "" || ref.Host != "" || ref.User != nil {
		return nil, fmt.Errorf("path %q is not relative", sanitizeURL(ref))
	}
	return c.base.ResolveReference(ref), nil
}

// apiPath is u's path relative to the org, with a leading "/", escaped.
func (c *Client) apiPath(u *url.URL) string {
	p := strings.TrimPrefix(u.EscapedPath(), strings.TrimSuffix(c.base.EscapedPath(), "/"))
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return p
}

// sanitizeURL renders u for an error or a log: no credentials, no query.
func sanitizeURL(u *url.URL) string {
	v := *u
	v.User = nil
	v.RawQuery = ""
	v.Fragment = ""
	return v.String()
}

// do runs one logical call: pacing, sending, reading, retrying.
func (c *Client) do(ctx context.Context, r *request) (*Response, error) {
	if ctx == nil {
		return nil, errors.New("okta: nil context")
	}
	u, err := c.resolve(r.path)
	if err != nil {
		return nil, c.secrets.scrub(fmt.Errorf("okta: %s: %w", r.method, err))
	}
	path := c.apiPath(u)
	bucket := bucketFor(r.method, path)
	what := r.method + " " + path

	var payload []byte
	contentType := ""
	switch {
	case r.form != nil:
		payload = []byte(r.form.Encode())
		contentType = "application/x-www-form-urlencoded"
	case r.body != nil:
		payload, err = json.Marshal(r.body)
		if err != nil {
			return nil, fmt.Errorf("okta: %s: encode request body: %w", what, err)
		}
		contentType = "application/json"
	}

	if c.requestTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.requestTimeout)
		defer cancel()
	}

	var (
		retryFor     string
		retries      int
		authRefreshd bool
		nonceRetried bool
		afterUnknown bool
	)
	for {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("okta: %s: %w", what, err)
		}
		release := func(*Response) {}
		if !r.noAuth {
			if release, err = c.limiter.acquire(ctx, bucket); err != nil {
				return nil, fmt.Errorf("okta: %s: wait for rate limit: %w", what, err)
			}
		}
		var rd io.Reader
		if payload != nil {
			rd = bytes.NewReader(payload)
		}
		req, err := http.NewRequestWithContext(ctx, r.method, u.String(), rd)
		if err != nil {
			release(nil)
			return nil, c.secrets.scrub(fmt.Errorf("okta: %s: build request: %w", what, err))
		}
		for k, vs := range c.headers {
			req.Header[k] = append([]string(nil), vs...)
		}
		req.Header.Set("User-Agent", c.userAgent)
		req.Header.Set("Accept", "application/json")
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		// Credentials come from the client alone, never from WithHeaders.
		req.Header.Del("Authorization")
		req.Header.Del("DPoP")
		for k, vs := range r.header {
			req.Header[k] = append([]string(nil), vs...)
		}
		req.Header.Del("X-Okta-Retry-For")
		req.Header.Del("X-Okta-Retry-Count")
		if retries > 0 {
			if retryFor != "" {
				req.Header.Set("X-Okta-Retry-For", retryFor)
			}
			req.Header.Set("X-Okta-Retry-Count", strconv.Itoa(retries))
		}
		if !r.noAuth {
			if err := c.auth.authorize(ctx, req); err != nil {
				release(nil)
				return nil, c.secrets.scrub(fmt.Errorf("okta: %s: authorize: %w", what, err))
			}
		}

		start := time.Now()
		hr, err := c.httpClient.Do(req)
		var body []byte
		var scratch *bytes.Buffer // holds body when it is a reused buffer
		if err == nil {
			limit := int64(maxResponseBody)
			if hr.StatusCode >= 300 {
				limit = maxErrorBody
			}
			if r.scratchBody && hr.StatusCode < 300 {
				scratch = bodyBuffers.Get().(*bytes.Buffer)
				scratch.Reset()
				_, err = scratch.ReadFrom(io.LimitReader(hr.Body, limit))
				body = scratch.Bytes()
			} else {
				body, err = io.ReadAll(io.LimitReader(hr.Body, limit))
			}
			hr.Body.Close()
			if err != nil {
				err = fmt.Errorf("read response body: %w", err)
			}
		}
		putScratch := func() {
			if scratch != nil {
				body = nil
				bodyBuffers.Put(scratch)
				scratch = nil
			}
		}
		elapsed := time.Since(start)

		if err != nil {
			// A transport failure or a body cut short: the outcome is unknown.
			putScratch()
			release(nil)
			c.stats.recordError(bucket)
			c.logger.LogAttrs(ctx, slog.LevelDebug, "okta request failed",
				slog.String("method", r.method), slog.String("path", path), slog.String("bucket", bucket),
				slog.Duration("duration", elapsed), slog.Int("retry", retries),
				slog.String("error", c.secrets.scrubString(transportErrorText(err))))
			if ctx.Err() != nil {
				return nil, c.unknownIf(!r.idempotent, fmt.Errorf("okta: %s: %w", what, ctx.Err()))
			}
			terr := c.secrets.scrub(fmt.Errorf("okta: %s: %w", what, unwrapURLError(err)))
			if isTLSSetupError(err) {
				// The handshake failed: nothing was sent, and trying
				// again cannot help.
				return nil, terr
			}
			if r.idempotent && retries < c.maxRetries {
				retries++
				afterUnknown = true
				c.stats.recordRetry()
				wait := c.backoff(retries)
				c.logRetry(ctx, r.method, path, "no answer", "", retries, wait)
				if werr := c.wait(ctx, wait); werr != nil {
					return nil, fmt.Errorf("okta: %s: %w (while waiting to retry after: %v)", what, werr, terr)
				}
				continue
			}
			return nil, c.unknownIf(!r.idempotent, terr)
		}

		respBody := body
		if scratch != nil {
			respBody = nil // the buffer goes back to the pool below
		}
		resp := newResponse(hr, respBody, bucket)
		resp.afterUnknown = afterUnknown
		release(resp)
		c.stats.record(bucket, resp)
		c.logger.LogAttrs(ctx, slog.LevelDebug, "okta request",
			slog.String("method", r.method), slog.String("path", path), slog.Int("status", hr.StatusCode),
			slog.String("bucket", bucket), slog.Int("limit", resp.Rate.Limit), slog.Int("remaining", resp.Rate.Remaining),
			slog.Duration("duration", elapsed), slog.String("request_id", resp.RequestID), slog.Int("retry", retries))

		if hr.StatusCode >= 200 && hr.StatusCode < 300 {
			if !r.noAuth {
				c.auth.acceptNonce(resp) // a rotated DPoP nonce
			}
			if r.out != nil && len(bytes.TrimSpace(body)) > 0 {
				err := json.Unmarshal(body, r.out)
				putScratch()
				if err != nil {
					return resp, fmt.Errorf("okta: %s: decode response (request id %s): %w", what, resp.RequestID, err)
				}
			}
			putScratch()
			return resp, nil
		}

		apiErr := newAPIError(r.method, path, resp, body)
		switch {
		case hr.StatusCode == http.StatusTooManyRequests:
			// Okta refused the request before acting on it: retrying is safe
			// for every method.
			if retries < c.maxRetries {
				retries++
				retryFor = resp.RequestID
				c.stats.recordRetry()
				wait := c.rateLimitWait(resp)
				reason := "rate limited"
				if resp.Rate.Known && resp.Rate.Limit == 0 {
					// A concurrency 429: slots free up quickly, and the
					// limiter has lowered the cap; no need to wait for
					// the window.
					wait = c.backoff(retries)
					reason = "too many requests in flight"
				}
				c.logRetry(ctx, r.method, path, reason, resp.RequestID, retries, wait)
				if werr := c.wait(ctx, wait); werr != nil {
					return resp, fmt.Errorf("okta: %s: %w (while waiting for the rate limit to reset after: %w)", what, werr, apiErr)
				}
				continue
			}
			return resp, apiErr
		case !r.noAuth && !nonceRetried && c.auth.acceptNonce(resp):
			// The resource server wants a (new) DPoP nonce in the proof.
			nonceRetried = true
			continue
		case !r.noAuth && hr.StatusCode == http.StatusUnauthorized && !authRefreshd && c.auth.refreshable():
			// An access token may have been revoked or expired early: fetch
			// a fresh one, once.
			authRefreshd = true
			c.auth.invalidate()
			continue
		case hr.StatusCode == http.StatusConflict && apiErr.ErrorCode == "E0000112" && retries < c.maxRetries:
			// The user is still being activated: Okta refused the change
			// without making it, so any method may try again shortly.
			retries++
			retryFor = resp.RequestID
			c.stats.recordRetry()
			wait := c.backoff(retries)
			c.logRetry(ctx, r.method, path, "user still being activated", resp.RequestID, retries, wait)
			if werr := c.wait(ctx, wait); werr != nil {
				return resp, fmt.Errorf("okta: %s: %w (while waiting to retry after: %w)", what, werr, apiErr)
			}
			continue
		case hr.StatusCode >= 500:
			if r.idempotent && retries < c.maxRetries {
				retries++
				retryFor = resp.RequestID
				afterUnknown = true
				c.stats.recordRetry()
				wait := c.backoff(retries)
				c.logRetry(ctx, r.method, path, "server error "+strconv.Itoa(hr.StatusCode), resp.RequestID, retries, wait)
				if werr := c.wait(ctx, wait); werr != nil {
					return resp, fmt.Errorf("okta: %s: %w (while waiting to retry after: %w)", what, werr, apiErr)
				}
				continue
			}
			return resp, c.unknownIf(!r.idempotent, apiErr)
		}
		return resp, apiErr
	}
}

// logRetry reports a retry at info level: it is worth knowing that Okta
// pushed back, but it is not a failure.
func (c *Client) logRetry(ctx context.Context, method, path, reason, requestID string, retry int, wait time.Duration) {
	c.logger.LogAttrs(ctx, slog.LevelInfo, "okta request retried",
		slog.String("method", method), slog.String("path", path), slog.String("reason", reason),
		slog.String("request_id", requestID), slog.Int("retry", retry), slog.Duration("wait", wait))
}

// unknownIf marks err as an unknown outcome when cond holds.
func (c *Client) unknownIf(cond bool, err error) error {
	if !cond {
		return err
	}
	return &outcomeUnknownError{err: err}
}

// rateLimitWait is how long to wait after a 429: until the bucket's reset by
// Okta's clock plus one second, plus jitter so that waiting callers do not
// return all at once.
func (c *Client) rateLimitWait(resp *Response) time.Duration {
	d := time.Second
	if !resp.Rate.Reset.IsZero() {
		ref := resp.Rate.Date
		if ref.IsZero() {
			ref = c.now()
		}
		d = resp.Rate.Reset.Sub(ref) + time.Second
	}
	d = max(d, time.Second)
	d = min(d, maxRetryWait)
	return d + c.jitter(time.Second)
}

// backoff is the wait before retry n (1-based) after a 5xx or a dropped
// connection: exponential from backoffBase, capped at backoffCap, with the
// upper half jittered.
func (c *Client) backoff(n int) time.Duration {
	d := backoffBase
	for i := 1; i < n && d < backoffCap; i++ {
		d *= 2
	}
	d = min(d, backoffCap)
	return d/2 + c.jitter(d/2)
}

// wait sleeps for d or until ctx is done.
func (c *Client) wait(ctx context.Context, d time.Duration) error { return c.sleep(ctx, d, nil) }

// sleepFunc lets the limiter use the client's sleep as it is when called.
func (c *Client) sleepFunc(ctx context.Context, d time.Duration, wake <-chan struct{}) error {
	return c.sleep(ctx, d, wake)
}

func sleepCtx(ctx context.Context, d time.Duration, wake <-chan struct{}) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-wake:
		return nil
	case <-t.C:
		return nil
	}
}

func randomJitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rand.N(d)
}

// unwrapURLError drops the *url.Error layer, whose text holds the full URL.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// isTLSSetupError reports whether err is a TLS handshake failure (an
// untrusted or invalid certificate, a refused protocol version): the
// request never left, and a retry meets the same refusal.
func isTLSSetupError(err error) bool {
	var (
		verr  *tls.CertificateVerificationError
		alert tls.AlertError
		rerr  tls.RecordHeaderError
		uerr  x509.UnknownAuthorityError
		herr  x509.HostnameError
		cerr  x509.CertificateInvalidError
	)
	return errors.As(err, &verr) || errors.As(err, &alert) || errors.As(err, &rerr) ||
		errors.As(err, &uerr) || errors.As(err, &herr) || errors.As(err, &cerr)
}

func transportErrorText(err error) string {
	return unwrapURLError(err).Error()
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
