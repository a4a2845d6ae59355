package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// progressRedraw is the least time between two redraws of a progress line;
// the first and the last state are always drawn.
const progressRedraw = 100 * time.Millisecond

// progressWidth is the width of the bar itself, in cells.
const progressWidth = 28

// progressBar draws one line on a terminal, rewritten in place: while the
// source and Okta are read, a spinner and the time elapsed (or, given fetch
// reports, what is being read and how many so far); during apply, a bar
// with done/total, the percentage, the rate and the time left. It is safe
// for concurrent use.
type progressBar struct {
	w   io.Writer
	now func() time.Time

	mu       sync.Mutex
	start    time.Time // when the current phase began
	phase    string    // "apply" or what a fetch reads, e.g. "Okta users"
	lastDraw time.Time
	drawn    bool // a line is on screen and must be ended by finish
	waiting  bool // the line on screen is the waiting line

	// The waiting line's redraw loop: stopWait ends it, waitDone is
	// closed when it has.
	stopWait func()
	waitDone chan struct{}
}

// newProgressBar returns a progress bar drawing on w.
func newProgressBar(w io.Writer, now func() time.Time) *progressBar {
	if now == nil {
		now = time.Now
	}
	return &progressBar{w: w, now: now}
}

// progress returns the callbacks that draw a progress bar on stderr during
// a one-off run, for reconcile.Options.Progress, and a finish function to
// call once the run returns. When stderr is not a terminal, update is nil
// and finish does nothing, so nothing is drawn.
func (a *app) progress() (fetch func(what string, n int), update func(done, total int), finish func()) {
	if !isTerminal(a.stderr) {
		return nil, nil, func() {}
	}
	p := newProgressBar(a.stderr, nil)
	tick := time.NewTicker(progressRedraw)
	p.wait("reading the source and Okta", tick.C, tick.Stop)
	return p.fetch, p.apply, p.finish
}

// waitFrames are the spinner's frames.
var waitFrames = []string{"|", "/", "-", `\`}

// wait draws label with a spinner and the time elapsed, redrawn at each
// tick, until the first fetch or apply report or finish. stopTicker is
// called when the redraws end.
func (p *progressBar) wait(label string, tick <-chan time.Time, stopTicker func()) {
	stop := make(chan struct{})
	done := make(chan struct{})
	p.mu.Lock()
	start := p.now()
	p.stopWait = sync.OnceFunc(func() { close(stop); <-done })
	p.waitDone = done
	p.drawWaiting(label, 0, start, start)
	p.mu.Unlock()
	go func() {
		defer close(done)
		defer stopTicker()
		for n := 1; ; n++ {
			select {
			case <-stop:
				return
			case at := <-tick:
				// The tick says when it fired: the elapsed time is the
				// tick's, not whenever this goroutine gets to read the
				// clock.
				p.mu.Lock()
				p.drawWaiting(label, n, start, at)
				p.mu.Unlock()
			}
		}
	}()
}

// drawWaiting draws frame n of the waiting line as at time at, for a wait
// that began at start; p.mu must be held.
func (p *progressBar) drawWaiting(label string, n int, start, at time.Time) {
	p.draw(fmt.Sprintf("%s %s %s", label, waitFrames[n%len(waitFrames)], formatETA(at.Sub(start))), at)
	p.waiting = true
}

// endWait stops the waiting line's redraws, if they run. p.mu must not be
// held: the redraw loop takes it.
func (p *progressBar) endWait() {
	p.mu.Lock()
	stop := p.stopWait
	p.mu.Unlock()
	if stop != nil {
		stop()
	}
}

// fetch reports that n objects of what (e.g. "Okta users") were read so
// far, for a fetch whose total is unknown.
func (p *progressBar) fetch(what string, n int) {
	p.endWait()
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if p.phase != what {
		p.phase, p.start, p.lastDraw = what, now, time.Time{}
	}
	if !p.due(now, false) {
		return
	}
	line := fmt.Sprintf("reading %s  %d", what, n)
	if r := rate(n, now.Sub(p.start)); r > 0 {
		line += fmt.Sprintf("  %s/s", formatRate(r))
	}
	p.draw(line, now)
}

// apply reports that done of total operations are finished; its signature
// is reconcile.Options.Progress's.
func (p *progressBar) apply(done, total int) {
	p.endWait()
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if p.phase != "apply" {
		p.phase, p.start, p.lastDraw = "apply", now, time.Time{}
	}
	if !p.due(now, done >= total) {
		return
	}
	p.draw(renderApply(done, total, now.Sub(p.start)), now)
}

// finish erases the progress line, if one was drawn, so that what follows
// (the plan, the outcome) starts on a clean line and no stale progress is
// left above it: the outcome says what the line said.
func (p *progressBar) finish() {
	p.endWait()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
	p.drawn, p.waiting = false, false
}

// due reports whether a redraw is due: the first of a phase, the last
// (final), or progressRedraw after the previous one.
func (p *progressBar) due(now time.Time, final bool) bool {
	return final || p.lastDraw.IsZero() || now.Sub(p.lastDraw) >= progressRedraw
}

// draw rewrites the line: carriage return, the text, clear to the end.
func (p *progressBar) draw(line string, now time.Time) {
	fmt.Fprintf(p.w, "\r%s\x1b[K", line)
	p.lastDraw = now
	p.drawn = true
	p.waiting = false
}

// renderApply renders the apply line for done of total operations after
// elapsed: "applying [#####-----]  45/120  37%  12.3/s  ETA 6s".
func renderApply(done, total int, elapsed time.Duration) string {
	if total <= 0 {
		return "applying: nothing to do"
	}
	done = min(max(done, 0), total)
	filled := done * progressWidth / total
	var b strings.Builder
	fmt.Fprintf(&b, "applying [%s%s]  %d/%d  %3d%%",
		strings.Repeat("#", filled), strings.Repeat("-", progressWidth-filled),
		done, total, done*100/total)
	r := rate(done, elapsed)
	if r > 0 {
		fmt.Fprintf(&b, "  %s/s", formatRate(r))
	}
	switch {
	case done == total:
		fmt.Fprintf(&b, "  done in %s", formatETA(elapsed))
	case r > 0:
		left := time.Duration(float64(total-done) / r * float64(time.Second))
		fmt.Fprintf(&b, "  ETA %s", formatETA(left))
	default:
		b.WriteString("  ETA --")
	}
	return b.String()
}

// rate is n per second over elapsed; 0 when nothing can be said yet.
func rate(n int, elapsed time.Duration) float64 {
	if n <= 0 || elapsed <= 0 {
		return 0
	}
	return float64(n) / elapsed.Seconds()
}

// formatRate shows a rate with one decimal below 100 and none above.
func formatRate(r float64) string {
	if r < 100 {
		return fmt.Sprintf("%.1f", r)
	}
	return fmt.Sprintf("%.0f", r)
}

// formatETA shows a duration the way people read a countdown: 45s, 3m05s,
// 1h02m.
func formatETA(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}
