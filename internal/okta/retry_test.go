package okta

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// answered is the outcome of an attempt Okta answered with status and, when
// code is not empty, that errorCode.
func answered(status int, code string, rate Rate) outcome {
	resp := &Response{Response: &http.Response{StatusCode: status, Header: http.Header{}}, RequestID: "req-7", Rate: rate}
	return outcome{resp: resp, err: &APIError{StatusCode: status, ErrorCode: code, RequestID: "req-7"}}
}

// withNonce marks o as an answer asking for a new DPoP nonce.
func withNonce(o outcome) outcome {
	o.nonceAsked = true
	return o
}

// noAnswer is the outcome of an attempt that got no answer.
func noAnswer(err error) outcome {
	return outcome{err: fmt.Errorf("okta: GET /api/v1/users: %w", err)}
}

func TestDecide(t *testing.T) {
	t.Parallel()
	date := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := date.Add(5 * time.Second) // the local clock runs ahead of Okta's
	zero := func(time.Duration) time.Duration { return 0 }
	policy := retryPolicy{maxRetries: 2, now: func() time.Time { return clock }, jitter: zero}
	refreshing := policy
	refreshing.refreshable = true

	get := callState{idempotent: true}
	post := callState{}
	spent := func(st callState) callState { st.retries = 2; return st }
	retried := func(st callState, n int) callState { st.retries = n; return st }

	dropped := noAnswer(io.ErrUnexpectedEOF)
	tlsRefused := noAnswer(&url.Error{Op: "Get", URL: "https://x", Err: x509.UnknownAuthorityError{}})
	cancelled := outcome{err: context.Canceled, ctxDone: true}
	window := Rate{Known: true, Limit: 600, Date: date, Reset: date.Add(30 * time.Second)}
	conc := Rate{Known: true, Limit: 0}

	retry := func(wait time.Duration, reason string) decision {
		return decision{action: retryCounted, wait: wait, reason: reason}
	}
	rateRetry := func(wait time.Duration, reason string) decision {
		d := retry(wait, reason)
		d.rateLimit = true
		return d
	}
	unknownRetry := func(wait time.Duration, reason string) decision {
		d := retry(wait, reason)
		d.afterUnknown = true
		return d
	}
	stopped := decision{action: stop}
	stoppedUnknown := decision{action: stop, unknown: true}

	tests := []struct {
		name   string
		policy retryPolicy
		st     callState
		o      outcome
		want   decision
	}{
		// No answer.
		{"dropped GET retried", policy, get, dropped, unknownRetry(250*time.Millisecond, "no answer")},
		{"dropped GET, second retry backs off more", policy, retried(get, 1), dropped, unknownRetry(500*time.Millisecond, "no answer")},
		{"dropped GET, retries spent", policy, spent(get), dropped, stopped},
		{"dropped POST not retried, outcome unknown", policy, post, dropped, stoppedUnknown},
		{"done context wins over the transport error (GET)", policy, get, cancelled, stopped},
		{"done context wins over the transport error (POST)", policy, post, cancelled, stoppedUnknown},
		{"TLS handshake refused: nothing sent, not retried", policy, get, tlsRefused, stopped},
		{"TLS handshake refused on POST: outcome known", policy, post, tlsRefused, stopped},

		// 429.
		{"429 waits for the reset by Okta's clock", policy, get, answered(429, "E0000047", window), rateRetry(31*time.Second, "rate limited")},
		{"429 retried on POST too", policy, post, answered(429, "E0000047", window), rateRetry(31*time.Second, "rate limited")},
		{"429 without a reset waits a second", policy, get, answered(429, "E0000047", Rate{Known: true, Limit: 600}), rateRetry(time.Second, "rate limited")},
		{"429 without a Date uses the local clock", policy, get, answered(429, "", Rate{Known: true, Limit: 600, Reset: date.Add(30 * time.Second)}), rateRetry(26*time.Second, "rate limited")},
		{"429 reset long past waits a second", policy, get, answered(429, "", Rate{Known: true, Limit: 600, Date: date, Reset: date.Add(-time.Hour)}), rateRetry(time.Second, "rate limited")},
		{"429 reset far ahead is capped", policy, get, answered(429, "", Rate{Known: true, Limit: 600, Date: date, Reset: date.Add(time.Hour)}), rateRetry(maxRetryWait, "rate limited")},
		{"concurrency 429 backs off", policy, retried(post, 1), answered(429, "E0000047", conc), rateRetry(500*time.Millisecond, "too many requests in flight")},
		{"429, retries spent", policy, spent(post), answered(429, "E0000047", window), stopped},
		{"429 asking for a nonce is a 429", refreshing, get, withNonce(answered(429, "", window)), rateRetry(31*time.Second, "rate limited")},

		// DPoP nonce and access token.
		{"nonce asked: sent again at once", refreshing, post, withNonce(answered(401, "", Rate{})), decision{action: retryWithNonce}},
		{"nonce asked, retries spent: still sent again", refreshing, spent(post), withNonce(answered(400, "", Rate{})), decision{action: retryWithNonce}},
		{"nonce asked twice: fresh token next", refreshing, callState{nonceRetried: true}, withNonce(answered(401, "", Rate{})), decision{action: retryWithFreshToken}},
		{"token request asking for a nonce: not here", refreshing, callState{noAuth: true}, withNonce(answered(400, "", Rate{})), stopped},
		{"401 with a refreshable token", refreshing, post, answered(401, "E0000011", Rate{}), decision{action: retryWithFreshToken}},
		{"401 after a refresh", refreshing, callState{authRefreshed: true}, answered(401, "E0000011", Rate{}), stopped},
		{"401 with an API token", policy, get, answered(401, "E0000011", Rate{}), stopped},
		{"401 on the token request", refreshing, callState{noAuth: true}, answered(401, "", Rate{}), stopped},

		// 409 E0000112.
		{"user still activating: retried on POST", policy, post, answered(409, "E0000112", Rate{}), retry(250*time.Millisecond, "user still being activated")},
		{"user still activating, retries spent", policy, spent(post), answered(409, "E0000112", Rate{}), stopped},
		{"other 409", policy, get, answered(409, "E0000001", Rate{}), stopped},

		// 5xx.
		{"500 on GET retried", policy, get, answered(500, "E0000009", Rate{}), unknownRetry(250*time.Millisecond, "server error 500")},
		{"500 E0000009 on a page that can shrink: the pager shrinks it", policy, callState{idempotent: true, shrinkable: true}, answered(500, "E0000009", Rate{}), stopped},
		{"503 on a page that can shrink: retried", policy, callState{idempotent: true, shrinkable: true}, answered(503, "", Rate{}), unknownRetry(250*time.Millisecond, "server error 503")},
		{"503 on GET, second retry", policy, retried(get, 1), answered(503, "", Rate{}), unknownRetry(500*time.Millisecond, "server error 503")},
		{"500 on GET, retries spent", policy, spent(get), answered(500, "", Rate{}), stopped},
		{"500 on POST: outcome unknown", policy, post, answered(500, "", Rate{}), stoppedUnknown},
		{"502 on the token request: outcome unknown", refreshing, callState{noAuth: true}, answered(502, "", Rate{}), stoppedUnknown},
		{"no retries allowed", retryPolicy{now: policy.now, jitter: zero}, get, answered(503, "", Rate{}), stopped},

		// Other answers.
		{"404", policy, get, answered(404, "E0000007", Rate{}), stopped},
		{"400", policy, post, answered(400, "E0000001", Rate{}), stopped},
		{"403", refreshing, get, answered(403, "E0000006", Rate{}), stopped},
		{"2xx", policy, get, outcome{resp: &Response{Response: &http.Response{StatusCode: 204}}}, stopped},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := decide(tt.policy, tt.st, tt.o)
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(decision{})); diff != "" {
				t.Errorf("decide (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecideJitter(t *testing.T) {
	t.Parallel()
	full := func(d time.Duration) time.Duration { return d - 1 }
	p := retryPolicy{maxRetries: 1, now: time.Now, jitter: full}
	date := time.Unix(1_700_000_000, 0)
	o := answered(429, "", Rate{Known: true, Limit: 10, Date: date, Reset: date.Add(10 * time.Second)})
	if d := decide(p, callState{}, o); d.wait != 12*time.Second-1 {
		t.Errorf("429 wait with the most jitter = %s, want 11s plus just under 1s", d.wait)
	}
	if d := decide(p, callState{idempotent: true}, answered(500, "", Rate{})); d.wait != 500*time.Millisecond-1 {
		t.Errorf("first backoff with the most jitter = %s, want just under 500ms", d.wait)
	}
}

func TestCallStateAdvance(t *testing.T) {
	t.Parallel()
	st := callState{idempotent: true}
	steps := []struct {
		o    outcome
		d    decision
		want callState
	}{
		{noAnswer(io.EOF), decision{action: retryCounted, afterUnknown: true},
			callState{idempotent: true, retries: 1, afterUnknown: true}},
		{answered(429, "", Rate{}), decision{action: retryCounted},
			callState{idempotent: true, retries: 2, retryFor: "req-7", afterUnknown: true}},
		{answered(401, "", Rate{}), decision{action: retryWithNonce},
			callState{idempotent: true, retries: 2, retryFor: "req-7", afterUnknown: true, nonceRetried: true}},
		{answered(401, "", Rate{}), decision{action: retryWithFreshToken},
			callState{idempotent: true, retries: 2, retryFor: "req-7", afterUnknown: true, nonceRetried: true, authRefreshed: true}},
	}
	for i, s := range steps {
		st.advance(s.o, s.d)
		if diff := cmp.Diff(s.want, st, cmp.AllowUnexported(callState{})); diff != "" {
			t.Fatalf("step %d (-want +got):\n%s", i, diff)
		}
	}
}

func TestMarkUnknown(t *testing.T) {
	t.Parallel()
	base := errors.New("okta: POST /api/v1/users: 500")
	if err := markUnknown(false, base); err != base {
		t.Errorf("markUnknown(false) = %v, want the error unchanged", err)
	}
	err := markUnknown(true, base)
	if !errors.Is(err, ErrOutcomeUnknown) || !errors.Is(err, base) {
		t.Errorf("markUnknown(true) = %v, want ErrOutcomeUnknown wrapping the error", err)
	}
}
