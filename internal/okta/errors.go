package okta

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
)

// ErrOutcomeUnknown is matched (errors.Is) by the error of a call that is not
// safe to repeat and whose outcome is unknown: the connection dropped, the
// call timed out, or Okta answered 5xx. The change may or may not have been
// made; read the object back before trying again.
var ErrOutcomeUnknown = errors.New("okta: outcome of the call is unknown")

// ErrPagingLoop is returned by a list iterator when Okta hands back a next
// link or cursor it has already given during the same listing.
var ErrPagingLoop = errors.New("okta: paging loop: a next link or cursor repeated")

// APIError is a non-2xx answer from Okta.
type APIError struct {
	// StatusCode is the HTTP status.
	StatusCode int `json:"-"`
	// ErrorCode is Okta's code (E0000001 …), the only field meant for
	// program logic.
	ErrorCode string `json:"errorCode"`
	// ErrorSummary is Okta's human-readable message.
	ErrorSummary string `json:"errorSummary"`
	// ErrorLink, ErrorID as Okta gives them.
	ErrorLink string `json:"errorLink"`
	// ErrorID identifies this error occurrence at Okta.
	ErrorID string `json:"errorId"`
	// ErrorCauses details a validation failure.
	ErrorCauses []ErrorCause `json:"errorCauses"`
	// OAuthError and OAuthErrorDescription hold an OAuth error answer
	// ({"error": …, "error_description": …}) or the error of a
	// WWW-Authenticate header.
	OAuthError            string `json:"error"`
	OAuthErrorDescription string `json:"error_description"`
	// RequestID is the X-Okta-Request-Id header.
	RequestID string `json:"-"`
	// Method and Path are the request's, without query or host.
	Method string `json:"-"`
	Path   string `json:"-"`
	// Rate is the rate-limit state the response reported.
	Rate Rate `json:"-"`
}

// ErrorCause is one entry of an error's errorCauses.
type ErrorCause struct {
	ErrorSummary string `json:"errorSummary"`
}

// Error reports the call, the status, Okta's code and summary, and the
// request id.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "okta: %s %s: %d", e.Method, e.Path, e.StatusCode)
	if e.ErrorCode != "" {
		b.WriteString(" " + e.ErrorCode)
	}
	if e.ErrorSummary != "" {
		b.WriteString(": " + e.ErrorSummary)
	} else if e.OAuthError != "" {
		b.WriteString(": " + e.OAuthError)
		if e.OAuthErrorDescription != "" {
			b.WriteString(": " + e.OAuthErrorDescription)
		}
	} else {
		b.WriteString(" " + http.StatusText(e.StatusCode))
	}
	if len(e.ErrorCauses) > 0 {
		causes := make([]string, 0, len(e.ErrorCauses))
		for _, c := range e.ErrorCauses {
			causes = append(causes, c.ErrorSummary)
		}
		b.WriteString(" (" + strings.Join(causes, "; ") + ")")
	}
	if e.RequestID != "" {
		b.WriteString(" [request id " + e.RequestID + "]")
	}
	return b.String()
}

func newAPIError(method, path string, resp *Response, body []byte) *APIError {
	e := &APIError{}
	if len(body) > 0 {
		if err := json.Unmarshal(body, e); err != nil {
			*e = APIError{}
		}
	}
	e.StatusCode = resp.StatusCode
	e.RequestID = resp.RequestID
	e.Method = method
	e.Path = path
	e.Rate = resp.Rate
	if e.OAuthError == "" {
		if p := parseWWWAuthenticate(resp.Header.Get("WWW-Authenticate")); p["error"] != "" {
			e.OAuthError = p["error"]
			e.OAuthErrorDescription = p["error_description"]
			if s := p["scope"]; s != "" {
				e.OAuthErrorDescription = strings.TrimSpace(e.OAuthErrorDescription + " (scope " + s + ")")
			}
		}
	}
	return e
}

// parseWWWAuthenticate reads the auth-params of a WWW-Authenticate header
// such as `Bearer realm="x", error="insufficient_scope", scope="a b"`.
func parseWWWAuthenticate(h string) map[string]string {
	out := map[string]string{}
	h = strings.TrimSpace(h)
	if h == "" {
		return out
	}
	if i := strings.IndexByte(h, ' '); i >= 0 && !strings.Contains(h[:i], "=") {
		h = h[i+1:]
	}
	for len(h) > 0 {
		h = strings.TrimLeft(h, " ,")
		eq := strings.IndexByte(h, '=')
		if eq < 0 {
			break
		}
		key := strings.ToLower(strings.TrimSpace(h[:eq]))
		h = strings.TrimLeft(h[eq+1:], " ")
		var val string
		if strings.HasPrefix(h, `"`) {
			end := strings.IndexByte(h[1:], '"')
			if end < 0 {
				val, h = h[1:], ""
			} else {
				val, h = h[1:1+end], h[2+end:]
			}
		} else {
			end := strings.IndexByte(h, ',')
			if end < 0 {
				val, h = h, ""
			} else {
				val, h = h[:end], h[end:]
			}
		}
		out[key] = strings.TrimSpace(val)
	}
	return out
}

// IsNotFound reports whether err is a 404 from Okta (E0000007).
func IsNotFound(err error) bool {
	var e *APIError
	return errors.As(err, &e) && (e.StatusCode == http.StatusNotFound || e.ErrorCode == "E0000007")
}

// IsAlreadyExists reports whether err is Okta's E0000001 validation failure
// because an object with the same unique value (such as a login) exists.
func IsAlreadyExists(err error) bool {
	var e *APIError
	if !errors.As(err, &e) || e.ErrorCode != "E0000001" {
		return false
	}
	for _, c := range e.ErrorCauses {
		if strings.Contains(strings.ToLower(c.ErrorSummary), "already exists") {
			return true
		}
	}
	return false
}

// IsRateLimited reports whether err is a 429 from Okta (E0000047), left after
// the client's retries ran out.
func IsRateLimited(err error) bool {
	var e *APIError
	return errors.As(err, &e) && (e.StatusCode == http.StatusTooManyRequests || e.ErrorCode == "E0000047")
}

// IsAccessDenied reports whether err is a 403 (E0000006, a missing OAuth
// scope, or an operation not allowed on the object).
func IsAccessDenied(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.StatusCode == http.StatusForbidden
}

// IsProfileMastered reports whether err is Okta's 403 E0000023: the user's
// profile is mastered by another system (Active Directory, LDAP, an HR
// app), so Okta refuses to update it. Lifecycle calls still work.
func IsProfileMastered(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.ErrorCode == "E0000023"
}

// IsLifecycleInProgress reports whether err is Okta's 409 E0000112: the
// user has an activation or deactivation in flight (it shows
// transitioningToStatus), and Okta refuses lifecycle calls and profile
// updates until it settles, which may take minutes. Nothing was changed;
// the call may be sent again later. The client retries it within its
// retry budget; this error is what remains after.
func IsLifecycleInProgress(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.ErrorCode == "E0000112"
}

// outcomeUnknownError marks an error as ErrOutcomeUnknown while keeping the
// underlying error for errors.As.
type outcomeUnknownError struct{ err error }

func (e *outcomeUnknownError) Error() string {
	return e.err.Error() + " (outcome unknown: the change may have been made)"
}
func (e *outcomeUnknownError) Unwrap() error        { return e.err }
func (e *outcomeUnknownError) Is(target error) bool { return target == ErrOutcomeUnknown }

// secretSet holds credentials that must never appear in errors or logs; it
// scrubs them from error text as a last line of defence. Long-lived secrets
// (an API token, a proxy password) are kept for good; short-lived ones (an
// access token, a client assertion) occupy a named slot that the next one
// replaces, so the set never grows.
type secretSet struct {
	mu        sync.RWMutex
	permanent []string
	slots     map[string]string
}

func (s *secretSet) add(v string) {
	if len(v) < 4 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, have := range s.permanent {
		if have == v {
			return
		}
	}
	s.permanent = append(s.permanent, v)
}

// put holds v in the named slot, replacing what it held.
func (s *secretSet) put(slot, v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.slots == nil {
		s.slots = map[string]string{}
	}
	s.slots[slot] = v
}

func (s *secretSet) scrubString(text string) string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, v := range s.permanent {
		text = strings.ReplaceAll(text, v, "REDACTED")
	}
	for _, v := range s.slots {
		if len(v) >= 4 {
			text = strings.ReplaceAll(text, v, "REDACTED")
		}
	}
	return text
}

// scrub returns err unchanged when its text holds no secret, and otherwise
// an error whose text is scrubbed and which still unwraps to err.
func (s *secretSet) scrub(err error) error {
	if err == nil {
		return nil
	}
	text := err.Error()
	clean := s.scrubString(text)
	if clean == text {
		return err
	}
	return &scrubbedError{text: clean, err: err}
}

type scrubbedError struct {
	text string
	err  error
}

func (e *scrubbedError) Error() string { return e.text }
func (e *scrubbedError) Unwrap() error { return e.err }
