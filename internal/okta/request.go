package okta

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/oktasync/oktasync/internal/redact"
)

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
	// shrinkable marks a list page that the pager asks again with a
	// smaller limit when Okta answers 500 E0000009, instead of retrying it
	// as it is.
	shrinkable bool
	// decode, when set, decodes a successful answer into out instead of
	// decodeBody. With holdBody the body stays where it was read (a
	// pooled buffer) after the call returns, for what decode left
	// pointing into it, until the Response is released.
	decode   func(body []byte, out any) error
	holdBody bool
}

// call is a request resolved against the org and encoded, with what its
// attempts so far have used up.
type call struct {
	*request
	url         *url.URL
	path        string // url's path relative to the org, escaped
	bucket      string // the rate-limit bucket
	what        string // method and path, for errors
	payload     []byte
	contentType string
	state       callState
}

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

// idempotentMethod reports whether repeating a call with method m has the
// effect of making it once.
func idempotentMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

// newCall resolves r's path on the org, infers its bucket and encodes its
// body.
func (c *Client) newCall(r *request) (*call, error) {
	u, err := c.resolve(r.path)
	if err != nil {
		return nil, c.secrets.scrub(fmt.Errorf("okta: %s: %w", r.method, err))
	}
	cl := &call{request: r, url: u, path: c.apiPath(u)}
	cl.bucket = BucketFor(r.method, cl.path)
	cl.what = r.method + " " + cl.path
	cl.state = callState{idempotent: r.idempotent, noAuth: r.noAuth, shrinkable: r.shrinkable}
	switch {
	case r.form != nil:
		cl.payload = []byte(r.form.Encode())
		cl.contentType = "application/x-www-form-urlencoded"
	case r.body != nil:
		if cl.payload, err = json.Marshal(r.body); err != nil {
			return nil, fmt.Errorf("okta: %s: encode request body: %w", cl.what, err)
		}
		cl.contentType = "application/json"
	}
	return cl, nil
}

// newHTTPRequest builds the HTTP request of cl's next attempt, with every
// header but the credentials: the client's extra headers, then its own, then
// the call's, then the retry headers.
func (c *Client) newHTTPRequest(ctx context.Context, cl *call) (*http.Request, error) {
	var rd io.Reader
	if cl.payload != nil {
		rd = bytes.NewReader(cl.payload)
	}
	req, err := http.NewRequestWithContext(ctx, cl.method, cl.url.String(), rd)
	if err != nil {
		return nil, c.secrets.scrub(fmt.Errorf("okta: %s: build request: %w", cl.what, err))
	}
	for k, vs := range c.headers {
		req.Header[k] = append([]string(nil), vs...)
	}
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Accept", "application/json")
	if cl.contentType != "" {
		req.Header.Set("Content-Type", cl.contentType)
	}
	// Credentials come from the client alone, never from WithHeaders.
	req.Header.Del("Authorization")
	req.Header.Del("DPoP")
	for k, vs := range cl.header {
		req.Header[k] = append([]string(nil), vs...)
	}
	req.Header.Del("X-Okta-Retry-For")
	req.Header.Del("X-Okta-Retry-Count")
	if cl.state.retries > 0 {
		if cl.state.retryFor != "" {
			req.Header.Set("X-Okta-Retry-For", cl.state.retryFor)
		}
		req.Header.Set("X-Okta-Retry-Count", strconv.Itoa(cl.state.retries))
	}
	return req, nil
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
