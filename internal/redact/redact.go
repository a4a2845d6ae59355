// Package redact keeps secrets out of text that people or machines read:
// log lines, error messages, plans, reports and the state store. It is the
// one place that decides how a secret is hidden, so every package hides
// secrets the same way.
package redact

import (
	"errors"
	"net/url"
	"reflect"
	"strings"
)

// Mask is the text that stands in for a secret value.
const Mask = "REDACTED"

// Value returns Mask for a non-empty secret and "" for an empty one, so
// that a redacted copy still shows whether the secret was set.
func Value(secret string) string {
	if secret == "" {
		return ""
	}
	return Mask
}

// HasPassword reports whether s is a URL whose user information carries a
// password.
func HasPassword(s string) bool {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return false
	}
	_, ok := u.User.Password()
	return ok
}

// URL returns s with the password of its user information replaced
// ("postgres://app:xxxxx@db/x"). A string that does not parse as a URL but
// looks like one with credentials ("scheme://user:pw@host…") loses
// everything between "://" and "@"; anything else comes back unchanged.
func URL(s string) string {
	u, err := url.Parse(s)
	if err == nil && u.User != nil {
		return u.Redacted()
	}
	if err == nil {
		return s
	}
	at := strings.LastIndex(s, "@")
	scheme := strings.Index(s, "://")
	if at >= 0 && scheme >= 0 && scheme < at {
		return s[:scheme+3] + Mask + "@" + s[at+1:]
	}
	if at >= 0 {
		return "(unparsable URL)"
	}
	return s
}

// Text returns s with every non-empty secret replaced by Mask.
func Text(s string, secrets ...string) string {
	for _, secret := range secrets {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, Mask)
		}
	}
	return s
}

// URLPassword returns the password of a URL's user information, or "" when
// it has none, for use as a secret to hide with Text or Error.
func URLPassword(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return ""
	}
	pw, _ := u.User.Password()
	return pw
}

// Error returns err with every non-empty secret replaced by Mask in its
// text; an error whose text holds none of them comes back as it is.
//
// The result still answers errors.Is as err did, and errors.As for targets
// that are interfaces without an Error method (behaviour checks such as
// interface{ Conflict() bool }). It does not unwrap, so the original text
// cannot be reached through errors.As or errors.Unwrap.
func Error(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	masked := Text(msg, secrets...)
	if masked == msg {
		return err
	}
	return &redactedError{msg: masked, err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }

func (e *redactedError) Is(target error) bool { return errors.Is(e.err, target) }

var errorType = reflect.TypeFor[error]()

// As answers behaviour checks (interfaces without an Error method) from the
// wrapped error; concrete error types and error interfaces are not reached,
// since their text would carry the secret.
func (e *redactedError) As(target any) bool {
	t := reflect.TypeOf(target)
	if t == nil || t.Kind() != reflect.Pointer {
		return false
	}
	elem := t.Elem()
	if elem.Kind() != reflect.Interface || elem.Implements(errorType) {
		return false
	}
	return errors.As(e.err, target)
}
