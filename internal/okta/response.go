package okta

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

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
	// held is the pooled buffer holding the body of a holdBody call,
	// until release.
	held *bytes.Buffer
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

// success reports whether the answer is a 2xx.
func (r *Response) success() bool {
	return r.StatusCode >= 200 && r.StatusCode < 300
}

// newResponse wraps an answer whose body has been read into body, and reads
// its request id, rate-limit headers and next link.
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

// parseRate reads the X-Rate-Limit-* and Date headers. An answer can carry
// more than one X-Rate-Limit-Reset line (or one line of comma-separated
// values); the earliest holds.
func parseRate(h http.Header) Rate {
	var r Rate
	lim, errL := strconv.Atoi(strings.TrimSpace(h.Get("X-Rate-Limit-Limit")))
	rem, errR := strconv.Atoi(strings.TrimSpace(h.Get("X-Rate-Limit-Remaining")))
	if errL == nil && errR == nil {
		r.Known = true
		r.Limit, r.Remaining = lim, rem
	}
	var earliest int64
	for _, line := range h.Values("X-Rate-Limit-Reset") {
		for v := range strings.SplitSeq(line, ",") {
			reset, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err == nil && reset > 0 && (earliest == 0 || reset < earliest) {
				earliest = reset
			}
		}
	}
	if earliest > 0 {
		r.Reset = time.Unix(earliest, 0).UTC()
	}
	if d, err := http.ParseTime(h.Get("Date")); err == nil {
		r.Date = d
	}
	return r
}
