package redact

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"postgres://app:s3cret@db:5432/x?sslmode=disable", "postgres://app:xxxxx@db:5432/x?sslmode=disable"},
		{"postgres://app@db/x", "postgres://app@db/x"},
		{"sqlite:/var/lib/oktasync/state.db", "sqlite:/var/lib/oktasync/state.db"},
		{"http://proxy.example:3128", "http://proxy.example:3128"},
		{"http://u:p%zz@proxy:3128", "http://REDACTED@proxy:3128"},
		{"%zz:secret@host", "(unparsable URL)"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := URL(tt.in); got != tt.want {
			t.Errorf("URL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestHasPasswordAndURLPassword(t *testing.T) {
	t.Parallel()
	if !HasPassword("postgres://a:b@h/x") || HasPassword("postgres://a@h/x") || HasPassword("::") {
		t.Error("HasPassword answers wrong")
	}
	if got := URLPassword("postgres://a:b%40c@h/x"); got != "b@c" {
		t.Errorf("URLPassword = %q, want b@c", got)
	}
	if got := URLPassword("postgres://h/x"); got != "" {
		t.Errorf("URLPassword without user = %q", got)
	}
}

func TestValueAndText(t *testing.T) {
	t.Parallel()
	if Value("") != "" || Value("x") != Mask {
		t.Error("Value answers wrong")
	}
	if got := Text("token abc and abc again, not xyz", "abc", ""); got != "token REDACTED and REDACTED again, not xyz" {
		t.Errorf("Text = %q", got)
	}
}

type conflictErr struct{ msg string }

func (e *conflictErr) Error() string  { return e.msg }
func (e *conflictErr) Conflict() bool { return true }

var errSentinel = errors.New("sentinel")

func TestError(t *testing.T) {
	t.Parallel()
	if Error(nil, "x") != nil {
		t.Fatal("Error(nil) is not nil")
	}
	plain := errors.New("nothing secret")
	if Error(plain, "s3cret") != plain {
		t.Error("an error without the secret should come back unchanged")
	}

	inner := &conflictErr{msg: "create failed: token s3cret refused"}
	err := Error(fmt.Errorf("apply: %w: %w", inner, errSentinel), "s3cret")
	if strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), Mask) {
		t.Fatalf("text not redacted: %q", err.Error())
	}
	if !errors.Is(err, errSentinel) {
		t.Error("errors.Is lost the sentinel")
	}
	var c interface{ Conflict() bool }
	if !errors.As(err, &c) || !c.Conflict() {
		t.Error("behaviour check through errors.As lost")
	}
	var ce *conflictErr
	if errors.As(err, &ce) {
		t.Error("the concrete error (holding the secret) is reachable through errors.As")
	}
	var e interface {
		error
		Conflict() bool
	}
	if errors.As(err, &e) {
		t.Error("an interface target with an Error method reaches the original error")
	}
	if errors.Unwrap(err) != nil {
		t.Error("a redacted error unwraps")
	}
}
