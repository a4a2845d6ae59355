package main

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRenderApply(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		done, total int
		elapsed     time.Duration
		want        string
	}{
		{"start", 0, 120, 0, "applying [----------------------------]  0/120    0%  ETA --"},
		{"a third", 40, 120, 4 * time.Second, "applying [#########-------------------]  40/120   33%  10.0/s  ETA 8s"},
		{"slow", 1, 200, 3 * time.Second, "applying [----------------------------]  1/200    0%  0.3/s  ETA 9m57s"},
		{"fast", 5000, 10000, 10 * time.Second, "applying [##############--------------]  5000/10000   50%  500/s  ETA 10s"},
		{"hours", 1, 10000, 2 * time.Second, "applying [----------------------------]  1/10000    0%  0.5/s  ETA 5h33m"},
		{"done", 120, 120, 65 * time.Second, "applying [############################]  120/120  100%  1.8/s  done in 1m05s"},
		{"over", 130, 120, 65 * time.Second, "applying [############################]  120/120  100%  1.8/s  done in 1m05s"},
		{"empty plan", 0, 0, 0, "applying: nothing to do"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := renderApply(tt.done, tt.total, tt.elapsed); got != tt.want {
				t.Errorf("renderApply(%d, %d, %s)\n got %q\nwant %q", tt.done, tt.total, tt.elapsed, got, tt.want)
			}
		})
	}
}

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestProgressBarThrottlesAndFinishes(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	clock := &fakeClock{t: time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)}
	p := newProgressBar(&buf, clock.now)

	p.fetch("Okta users", 200)
	clock.advance(10 * time.Millisecond)
	p.fetch("Okta users", 400) // too soon: not drawn
	clock.advance(time.Second)
	p.fetch("Okta users", 1200)
	p.apply(0, 4)
	clock.advance(10 * time.Millisecond)
	p.apply(1, 4) // too soon
	clock.advance(2 * time.Second)
	p.apply(3, 4)
	clock.advance(10 * time.Millisecond)
	p.apply(4, 4) // the last state is always drawn
	p.finish()
	p.finish() // a second finish adds nothing

	frames := strings.Split(buf.String(), "\r")[1:]
	want := []string{
		"reading Okta users  200\x1b[K",
		"reading Okta users  1200  1188/s\x1b[K",
		"applying [----------------------------]  0/4    0%  ETA --\x1b[K",
		"applying [#####################-------]  3/4   75%  1.5/s  ETA 1s\x1b[K",
		"applying [############################]  4/4  100%  2.0/s  done in 2s\x1b[K",
		"\x1b[K",
	}
	if len(frames) != len(want) {
		t.Fatalf("drew %d frames, want %d: %q", len(frames), len(want), buf.String())
	}
	for i := range want {
		if frames[i] != want[i] {
			t.Errorf("frame %d = %q, want %q", i, frames[i], want[i])
		}
	}
	if !strings.HasSuffix(buf.String(), "\r\x1b[K") || strings.Count(buf.String(), "\n") != 0 {
		t.Errorf("finish should erase the line, once: %q", buf.String())
	}
}

func TestProgressOffWhenNotATerminal(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	a := &app{stderr: &stderr}
	fetch, update, finish := a.progress()
	if update != nil || fetch != nil {
		t.Error("progress returned a callback for a stderr that is not a terminal")
	}
	finish()
	if stderr.Len() != 0 {
		t.Errorf("progress wrote %q to a stderr that is not a terminal", stderr.String())
	}
}

// TestProgressWaitingLine checks the line shown while the source and Okta
// are read: a spinner with the time elapsed at each tick, replaced by the
// apply bar at the first report; either is erased when the run ends.
func TestProgressWaitingLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		apply      bool
		wantFrames []string
		wantEnd    string
	}{
		{
			name:  "then apply",
			apply: true,
			wantFrames: []string{
				"reading | 0s\x1b[K",
				"reading / 1s\x1b[K",
				"reading - 2s\x1b[K",
				"applying [----------------------------]  0/2    0%  ETA --\x1b[K",
				"applying [############################]  2/2  100%  2.0/s  done in 1s\x1b[K",
				"\x1b[K",
			},
			wantEnd: "done in 1s\x1b[K\r\x1b[K",
		},
		{
			name: "dry run",
			wantFrames: []string{
				"reading | 0s\x1b[K",
				"reading / 1s\x1b[K",
				"reading - 2s\x1b[K",
				"\x1b[K",
			},
			wantEnd: "- 2s\x1b[K\r\x1b[K",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			clock := &fakeClock{t: time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)}
			p := newProgressBar(&buf, clock.now)
			tick := make(chan time.Time)
			tickerStopped := false
			p.wait("reading", tick, func() { tickerStopped = true })
			for range 2 {
				clock.advance(time.Second)
				tick <- clock.now()
			}
			if tt.apply {
				p.apply(0, 2)
				clock.advance(time.Second)
				p.apply(2, 2)
			}
			p.finish()
			if !tickerStopped {
				t.Error("the ticker was not stopped")
			}
			frames := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\r")[1:]
			if strings.Join(frames, "|") != strings.Join(tt.wantFrames, "|") {
				t.Errorf("frames\n got %q\nwant %q", frames, tt.wantFrames)
			}
			if !strings.HasSuffix(buf.String(), tt.wantEnd) {
				t.Errorf("output %q does not end with %q", buf.String(), tt.wantEnd)
			}
		})
	}
}
