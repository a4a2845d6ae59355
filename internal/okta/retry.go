package okta

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

const (
	// maxRetryWait caps one wait before a retry (a reset far in the future
	// is more likely a skewed clock than a real window).
	maxRetryWait = 2 * time.Minute
	// backoffBase and backoffCap shape the exponential backoff after a 5xx or
	// a dropped connection.
	backoffBase = 500 * time.Millisecond
	backoffCap  = 30 * time.Second
)

// callState is what one call's attempts so far have used up, and what the
// retry decision needs to know of the call.
type callState struct {
	// idempotent, noAuth and shrinkable are the request's.
	idempotent bool
	noAuth     bool
	shrinkable bool
	// retries counts the counted retries made (X-Okta-Retry-Count).
	retries int
	// retryFor is the request id of the answer the last counted retry
	// followed (X-Okta-Retry-For).
	retryFor string
	// nonceRetried and authRefreshed are set once the call was sent again
	// with a new DPoP nonce, or with a fresh access token.
	nonceRetried  bool
	authRefreshed bool
	// afterUnknown is set once an attempt had an unknown outcome.
	afterUnknown bool
}

// outcome is what one failed attempt came to, as the retry decision sees it.
type outcome struct {
	// resp is the answer; nil when none came.
	resp *Response
	// err is the answer's *APIError, or, when no answer came, the transport
	// failure (or the context's error when ctxDone).
	err error
	// ctxDone is set when no answer came and the call's context was done.
	ctxDone bool
	// nonceAsked is set when the answer asked for a new DPoP nonce, which the
	// client took.
	nonceAsked bool
}

// retryAction is what to do after a failed attempt.
type retryAction int

const (
	// stop returns the attempt's error.
	stop retryAction = iota
	// retryCounted waits, then sends the call again; the retry counts
	// against the client's maximum, carries X-Okta-Retry-For and
	// X-Okta-Retry-Count, is logged and shows in Stats.Retries.
	retryCounted
	// retryWithNonce sends the call again at once with the DPoP nonce the
	// answer gave; once per call.
	retryWithNonce
	// retryWithFreshToken drops the cached access token and sends the call
	// again at once; once per call.
	retryWithFreshToken
)

// decision is the retry decision on one failed attempt.
type decision struct {
	action retryAction
	// wait is how long to wait before a counted retry.
	wait time.Duration
	// reason says why, for the retry's log line.
	reason string
	// rateLimit is set when the wait is for a rate-limit window to reset.
	rateLimit bool
	// afterUnknown is set on a retry after an attempt that may have taken
	// effect (a 5xx, no answer): the later answer is marked so.
	afterUnknown bool
	// unknown is set when stopping a call that is not safe to repeat and
	// that may have taken effect: its error matches ErrOutcomeUnknown.
	unknown bool
}

// retryPolicy is what the retry decision knows of the client.
type retryPolicy struct {
	// maxRetries bounds the counted retries of one call.
	maxRetries int
	// refreshable is set when a 401 may be cured by a fresh access token.
	refreshable bool
	// now is the clock, for a 429 without a Date header.
	now func() time.Time
	// jitter returns a random duration in [0, d).
	jitter func(d time.Duration) time.Duration
}

// retryPolicy returns the client's retry policy.
func (c *Client) retryPolicy() retryPolicy {
	return retryPolicy{maxRetries: c.maxRetries, refreshable: c.auth.refreshable(), now: c.now, jitter: c.jitter}
}

// decide says whether to send a call again after a failed attempt, after how
// long, and why. Given its policy's clock and jitter, it is a pure function.
//
// Without an answer: a done context stops the call; a failed TLS handshake
// stops it (nothing was sent, and trying again meets the same refusal); an
// idempotent call is retried after a backoff. With an answer: a 429 is
// retried after the window resets (after a backoff for a concurrency 429);
// an answer asking for a new DPoP nonce is sent again with it, and a 401 is
// sent again with a fresh access token, once each; a 409 E0000112 (user
// still being activated) is retried after a backoff; a 500 E0000009 on a
// list page that the pager can ask for with a smaller limit stops, for the
// pager to do so; a 5xx is retried after a backoff when the call is
// idempotent. Counted retries stop at the
// policy's maximum. A call that is not idempotent and stops without an
// answer or on a 5xx has an unknown outcome.
func decide(p retryPolicy, st callState, o outcome) decision {
	canRetry := st.retries < p.maxRetries
	next := st.retries + 1
	if o.resp == nil {
		switch {
		case o.ctxDone:
			// The caller gave up: that wins over what the transport said.
			return decision{unknown: !st.idempotent}
		case isTLSSetupError(o.err):
			return decision{}
		case st.idempotent && canRetry:
			return decision{action: retryCounted, wait: backoff(next, p.jitter), reason: "no answer", afterUnknown: true}
		}
		return decision{unknown: !st.idempotent}
	}
	status := o.resp.StatusCode
	var apiErr *APIError
	errors.As(o.err, &apiErr)
	switch {
	case o.resp.success():
		return decision{}
	case status == http.StatusTooManyRequests:
		// Okta refused the request before acting on it: retrying is safe
		// for every method.
		if !canRetry {
			return decision{}
		}
		if o.resp.Rate.Known && o.resp.Rate.Limit == 0 {
			// A concurrency 429: slots free up quickly, and the limiter has
			// lowered the cap; no need to wait for the window.
			return decision{action: retryCounted, wait: backoff(next, p.jitter), reason: "too many requests in flight", rateLimit: true}
		}
		return decision{action: retryCounted, wait: rateLimitWait(o.resp, p.now, p.jitter), reason: "rate limited", rateLimit: true}
	case !st.noAuth && !st.nonceRetried && o.nonceAsked:
		// The resource server wants a (new) DPoP nonce in the proof.
		return decision{action: retryWithNonce}
	case !st.noAuth && status == http.StatusUnauthorized && !st.authRefreshed && p.refreshable:
		// An access token may have been revoked or expired early.
		return decision{action: retryWithFreshToken}
	case status == http.StatusConflict && apiErr != nil && apiErr.ErrorCode == "E0000112" && canRetry:
		// The user is still being activated: Okta refused the change
		// without making it, so any method may try again shortly.
		return decision{action: retryCounted, wait: backoff(next, p.jitter), reason: "user still being activated"}
	case status == http.StatusInternalServerError && st.shrinkable && apiErr != nil && apiErr.ErrorCode == "E0000009":
		// A page that timed out: the pager asks for a smaller one.
		return decision{}
	case status >= 500:
		if st.idempotent && canRetry {
			return decision{action: retryCounted, wait: backoff(next, p.jitter), reason: "server error " + strconv.Itoa(status), afterUnknown: true}
		}
		return decision{unknown: !st.idempotent}
	}
	return decision{}
}

// advance records in s a decision to retry after outcome o.
func (s *callState) advance(o outcome, d decision) {
	switch d.action {
	case retryWithNonce:
		s.nonceRetried = true
	case retryWithFreshToken:
		s.authRefreshed = true
	case retryCounted:
		s.retries++
		if o.resp != nil {
			s.retryFor = o.resp.RequestID
		}
		if d.afterUnknown {
			s.afterUnknown = true
		}
	}
}

// markUnknown marks err as an unknown outcome when cond holds.
func markUnknown(cond bool, err error) error {
	if !cond {
		return err
	}
	return &outcomeUnknownError{err: err}
}

// rateLimitWait is how long to wait after a 429: until the bucket's reset by
// Okta's clock plus one second, plus jitter so that waiting callers do not
// return all at once.
func rateLimitWait(resp *Response, now func() time.Time, jitter func(time.Duration) time.Duration) time.Duration {
	d := time.Second
	if !resp.Rate.Reset.IsZero() {
		ref := resp.Rate.Date
		if ref.IsZero() {
			ref = now()
		}
		d = resp.Rate.Reset.Sub(ref) + time.Second
	}
	d = max(d, time.Second)
	d = min(d, maxRetryWait)
	return d + jitter(time.Second)
}

// backoff is the wait before retry n (1-based) after a 5xx or a dropped
// connection: exponential from backoffBase, capped at backoffCap, with the
// upper half jittered.
func backoff(n int, jitter func(time.Duration) time.Duration) time.Duration {
	d := backoffBase
	for i := 1; i < n && d < backoffCap; i++ {
		d *= 2
	}
	d = min(d, backoffCap)
	return d/2 + jitter(d/2)
}

// backoff is the client's wait before retry n, with its jitter.
func (c *Client) backoff(n int) time.Duration { return backoff(n, c.jitter) }

// wait sleeps for d or until ctx is done.
func (c *Client) wait(ctx context.Context, d time.Duration) error { return c.sleep(ctx, d, nil) }

// sleepFunc lets the limiter use the client's sleep as it is when called.
func (c *Client) sleepFunc(ctx context.Context, d time.Duration, wake <-chan struct{}) error {
	return c.sleep(ctx, d, wake)
}

// sleepCtx waits for d, until wake is closed, or until ctx is done, and
// returns ctx's error in the last case.
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

// randomJitter returns a random duration in [0, d).
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
