package testenv

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// recorder is a testing.TB that records how the test was ended.
type recorder struct {
	testing.TB
	how, msg string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) {
	r.how, r.msg = "fail", fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (r *recorder) Skip(args ...any) {
	r.how, r.msg = "skip", fmt.Sprint(args...)
	runtime.Goexit()
}

func TestMissing(t *testing.T) {
	tests := []struct {
		ci  string
		how string
	}{
		{"true", "fail"},
		{"", "skip"},
		{"false", "skip"},
		{"1", "skip"}, // only "true" counts, as CI systems set it
	}
	for _, tt := range tests {
		t.Setenv(EnvCI, tt.ci)
		r := &recorder{TB: t}
		done := make(chan struct{})
		go func() {
			defer close(done)
			Missing(r, "no PostgreSQL at %s", "127.0.0.1:5432")
		}()
		<-done
		if r.how != tt.how || !strings.Contains(r.msg, "no PostgreSQL at 127.0.0.1:5432") {
			t.Errorf("CI=%q: test ended by %q with %q, want %q naming what is missing", tt.ci, r.how, r.msg, tt.how)
		}
		if got := CI(); got != (tt.ci == "true") {
			t.Errorf("CI=%q: CI() = %v", tt.ci, got)
		}
	}
}
