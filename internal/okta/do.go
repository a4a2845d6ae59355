package okta

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"
)

const (
	// maxErrorBody caps how much of an error response is read.
	maxErrorBody = 64 << 10
	// maxResponseBody caps how much of a successful response is read.
	maxResponseBody = 64 << 20
)

// bodyBuffers keeps the buffers of scratchBody reads between calls. A
// sync.Pool would drop them at every garbage collection, of which a large
// read has many, and each page would grow a new buffer from nothing.
var bodyBuffers = make(chan *bytes.Buffer, maxKeptBodies)

const (
	// maxKeptBodies is how many body buffers are kept: more than the
	// calls a client has in flight at once.
	maxKeptBodies = 16
	// maxKeptBody is the largest buffer kept; a larger one (a rare huge
	// page) is left to the garbage collector.
	maxKeptBody = 4 << 20
)

// bodyBuffer returns a kept buffer, or a new one.
func bodyBuffer() *bytes.Buffer {
	select {
	case b := <-bodyBuffers:
		return b
	default:
		return new(bytes.Buffer)
	}
}

// keepBodyBuffer keeps b for a later call, unless enough are kept or it is
// too large to keep.
func keepBodyBuffer(b *bytes.Buffer) {
	if b.Cap() > maxKeptBody {
		return
	}
	b.Reset()
	select {
	case bodyBuffers <- b:
	default:
	}
}

// answer is what one attempt got back.
type answer struct {
	// resp is the answer; nil when none came.
	resp *Response
	// err is the transport failure, or a body cut short, when resp is nil.
	err error
	// body is the body as read; for a scratchBody read of a 2xx it lives in
	// scratch, a pooled buffer, and resp's Body is empty.
	body    []byte
	scratch *bytes.Buffer
}

// free returns a scratch buffer to the pool; body is gone afterwards.
func (a *answer) free() {
	if a.scratch != nil {
		a.body = nil
		keepBodyBuffer(a.scratch)
		a.scratch = nil
	}
}

// release returns the body a holdBody call kept (see request.holdBody) to
// the pool; whatever was decoded pointing into it is gone afterwards. It
// does nothing on a Response that holds no body.
func (r *Response) release() {
	if r == nil || r.held == nil {
		return
	}
	if scrubReleased {
		// Race-detector builds (the tests) overwrite the body, so that a
		// string kept past its page shows as garbage rather than passing
		// by luck.
		b := r.held.Bytes()
		for i := range b {
			b[i] = '#'
		}
	}
	keepBodyBuffer(r.held)
	r.held = nil
}

// do runs one logical call: it makes attempts until Okta answers 2xx or the
// retry decision (decide) stops, and decodes the answer. WithRequestTimeout
// bounds the whole, waits included.
func (c *Client) do(ctx context.Context, r *request) (*Response, error) {
	if ctx == nil {
		return nil, errors.New("okta: nil context")
	}
	cl, err := c.newCall(r)
	if err != nil {
		return nil, err
	}
	if c.requestTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.requestTimeout)
		defer cancel()
	}
	policy := c.retryPolicy()
	for {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("okta: %s: %w", cl.what, err)
		}
		ans, err := c.attempt(ctx, cl)
		if err != nil {
			return nil, err
		}
		if ans.resp != nil && ans.resp.success() {
			return c.accept(cl, ans)
		}
		o := c.outcomeOf(ctx, cl, ans)
		d := decide(policy, cl.state, o)
		if d.action == stop {
			return o.resp, markUnknown(d.unknown, o.err)
		}
		if err := c.prepareRetry(ctx, cl, o, d); err != nil {
			return o.resp, err
		}
	}
}

// attempt makes one try of cl: it waits for the rate limiter (pacing),
// builds and authorizes the request, sends it, reads the answer, and hands
// the answer to the limiter, the stats and the debug log. It returns an
// error only when nothing could be sent; a failed round trip is the
// answer's err.
func (c *Client) attempt(ctx context.Context, cl *call) (*answer, error) {
	release := func(*Response) {}
	if !cl.noAuth {
		var err error
		if release, err = c.limiter.acquire(ctx, cl.bucket); err != nil {
			return nil, fmt.Errorf("okta: %s: wait for rate limit: %w", cl.what, err)
		}
	}
	req, err := c.newHTTPRequest(ctx, cl)
	if err == nil && !cl.noAuth {
		if aerr := c.auth.authorize(ctx, req); aerr != nil {
			err = c.secrets.scrub(fmt.Errorf("okta: %s: authorize: %w", cl.what, aerr))
		}
	}
	if err != nil {
		release(nil)
		return nil, err
	}

	start := time.Now()
	ans := c.send(req, cl)
	elapsed := time.Since(start)
	if ans.err != nil {
		release(nil)
		c.stats.recordError(cl.bucket)
		c.logger.LogAttrs(ctx, slog.LevelDebug, "okta request failed",
			slog.String("method", cl.method), slog.String("path", cl.path), slog.String("bucket", cl.bucket),
			slog.Duration("duration", elapsed), slog.Int("retry", cl.state.retries),
			slog.String("error", c.secrets.scrubString(unwrapURLError(ans.err).Error())))
		return ans, nil
	}
	resp := ans.resp
	release(resp)
	c.stats.record(cl.bucket, resp)
	c.logger.LogAttrs(ctx, slog.LevelDebug, "okta request",
		slog.String("method", cl.method), slog.String("path", cl.path), slog.Int("status", resp.StatusCode),
		slog.String("bucket", cl.bucket), slog.Int("limit", resp.Rate.Limit), slog.Int("remaining", resp.Rate.Remaining),
		slog.Duration("duration", elapsed), slog.String("request_id", resp.RequestID), slog.Int("retry", cl.state.retries))
	return ans, nil
}

// send makes one round trip and reads the answer's body: at most
// maxResponseBody of a 2xx (into a pooled buffer for a scratchBody call),
// at most maxErrorBody of anything else.
func (c *Client) send(req *http.Request, cl *call) *answer {
	hr, err := c.httpClient.Do(req)
	if err != nil {
		return &answer{err: err}
	}
	limit := int64(maxResponseBody)
	if hr.StatusCode >= 300 {
		limit = maxErrorBody
	}
	ans := &answer{}
	if cl.scratchBody && hr.StatusCode < 300 {
		ans.scratch = bodyBuffer()
		if n := hr.ContentLength; n > 0 && n <= limit {
			// Room for the whole body, and for the read that finds its
			// end, at once rather than by doubling.
			ans.scratch.Grow(int(n) + bytes.MinRead)
		}
		_, err = ans.scratch.ReadFrom(io.LimitReader(hr.Body, limit))
		ans.body = ans.scratch.Bytes()
	} else {
		ans.body, err = io.ReadAll(io.LimitReader(hr.Body, limit))
	}
	hr.Body.Close()
	if err != nil {
		ans.free()
		ans.err = fmt.Errorf("read response body: %w", err)
		return ans
	}
	respBody := ans.body
	if ans.scratch != nil {
		respBody = nil // the buffer goes back to the pool once decoded
	}
	ans.resp = newResponse(hr, respBody, cl.bucket)
	ans.resp.afterUnknown = cl.state.afterUnknown
	return ans
}

// accept finishes a call Okta answered 2xx: it takes a rotated DPoP nonce
// and decodes the body into the call's out.
func (c *Client) accept(cl *call, ans *answer) (*Response, error) {
	defer ans.free()
	if !cl.noAuth {
		c.auth.acceptNonce(ans.resp)
	}
	if cl.out != nil && len(bytes.TrimSpace(ans.body)) > 0 {
		decode := decodeBody
		if cl.decode != nil {
			decode = cl.decode
		}
		if err := decode(ans.body, cl.out); err != nil {
			return ans.resp, fmt.Errorf("okta: %s: decode response (request id %s): %w", cl.what, ans.resp.RequestID, err)
		}
	}
	if cl.holdBody {
		// The caller releases the buffer (Response.release) once it is
		// done with what was decoded from it.
		ans.resp.held, ans.scratch, ans.body = ans.scratch, nil, nil
	}
	return ans.resp, nil
}

// outcomeOf describes a failed attempt for the retry decision. The
// authenticator is asked about a DPoP nonce (which also takes the nonce the
// answer carries) only where decide looks at it: not on a 429, and until
// the call was sent once with a new nonce.
func (c *Client) outcomeOf(ctx context.Context, cl *call, ans *answer) outcome {
	if ans.resp == nil {
		if err := ctx.Err(); err != nil {
			return outcome{err: fmt.Errorf("okta: %s: %w", cl.what, err), ctxDone: true}
		}
		return outcome{err: c.secrets.scrub(fmt.Errorf("okta: %s: %w", cl.what, unwrapURLError(ans.err)))}
	}
	o := outcome{resp: ans.resp, err: newAPIError(cl.method, cl.path, ans.resp, ans.body)}
	if !cl.noAuth && !cl.state.nonceRetried && ans.resp.StatusCode != http.StatusTooManyRequests {
		o.nonceAsked = c.auth.acceptNonce(ans.resp)
	}
	return o
}

// prepareRetry carries out a decision to retry: it records it in the call's
// state, drops a rejected access token, and for a counted retry counts it,
// logs it and waits. A wait cut short by the context ends the call.
func (c *Client) prepareRetry(ctx context.Context, cl *call, o outcome, d decision) error {
	cl.state.advance(o, d)
	switch d.action {
	case retryWithFreshToken:
		c.auth.invalidate()
		return nil
	case retryWithNonce:
		return nil
	}
	c.stats.recordRetry()
	requestID := ""
	if o.resp != nil {
		requestID = o.resp.RequestID
	}
	c.logRetry(ctx, cl.method, cl.path, d.reason, requestID, cl.state.retries, d.wait)
	werr := c.wait(ctx, d.wait)
	if werr == nil {
		return nil
	}
	waiting := "waiting to retry"
	if d.rateLimit {
		waiting = "waiting for the rate limit to reset"
	}
	if o.resp == nil {
		return fmt.Errorf("okta: %s: %w (while %s after: %v)", cl.what, werr, waiting, o.err)
	}
	return fmt.Errorf("okta: %s: %w (while %s after: %w)", cl.what, werr, waiting, o.err)
}

// logRetry reports a retry at info level: it is worth knowing that Okta
// pushed back, but it is not a failure.
func (c *Client) logRetry(ctx context.Context, method, path, reason, requestID string, retry int, wait time.Duration) {
	c.logger.LogAttrs(ctx, slog.LevelInfo, "okta request retried",
		slog.String("method", method), slog.String("path", path), slog.String("reason", reason),
		slog.String("request_id", requestID), slog.Int("retry", retry), slog.Duration("wait", wait))
}

// decodeBody decodes a 2xx body into out: the bulk list shapes by hand
// (decodeFast), anything else with encoding/json.
func decodeBody(body []byte, out any) error {
	return decodeFast(body, out)
}
