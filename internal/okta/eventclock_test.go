package okta

import (
	"context"
	"sync"
	"time"
)

// eventClock is a simulated clock for a closed set of workers: time moves
// only when every live worker is asleep, and then straight to the earliest
// wake-up. Unlike fakeClock, whose every sleep moves the clock at once (so
// that two callers waiting for the same window end move it twice), it never
// overshoots: a window that opens while others still sleep is not cut short.
// A sleep with a wake channel (the limiter waiting for a change) ends early
// when the channel closes; time never moves while such a channel is closed
// but its sleeper has not yet run.
type eventClock struct {
	mu       sync.Mutex
	t        time.Time
	live     int // workers not yet done
	sleepers []*sleeper
}

type sleeper struct {
	until time.Time
	wake  <-chan struct{}
	done  chan struct{}
}

func newEventClock(start time.Time, workers int) *eventClock {
	return &eventClock{t: start, live: workers}
}

func (c *eventClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// sleep is the client's sleep: it returns when the clock reaches now + d,
// wake closes or ctx is done.
func (c *eventClock) sleep(ctx context.Context, d time.Duration, wake <-chan struct{}) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	s := &sleeper{until: c.t.Add(d), wake: wake, done: make(chan struct{})}
	c.sleepers = append(c.sleepers, s)
	c.advance()
	c.mu.Unlock()
	var err error
	select {
	case <-s.done:
		return nil
	case <-wake:
	case <-ctx.Done():
		err = ctx.Err()
	}
	c.mu.Lock()
	c.remove(s)
	c.advance()
	c.mu.Unlock()
	return err
}

// done tells the clock that one worker has finished.
func (c *eventClock) done() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.live--
	c.advance()
}

// advance moves the clock to the earliest wake-up once every live worker
// sleeps, and wakes whoever is due. c.mu must be held.
func (c *eventClock) advance() {
	if c.live <= 0 || len(c.sleepers) < c.live {
		return
	}
	earliest := c.sleepers[0].until
	for _, s := range c.sleepers {
		select {
		case <-s.wake:
			return // s is about to run
		default:
		}
		if s.until.Before(earliest) {
			earliest = s.until
		}
	}
	if earliest.After(c.t) {
		c.t = earliest
	}
	kept := c.sleepers[:0]
	for _, s := range c.sleepers {
		if s.until.After(c.t) {
			kept = append(kept, s)
			continue
		}
		close(s.done)
	}
	c.sleepers = kept
}

// remove drops s from the sleepers, if still there. c.mu must be held.
func (c *eventClock) remove(s *sleeper) {
	for i, x := range c.sleepers {
		if x == s {
			c.sleepers = append(c.sleepers[:i], c.sleepers[i+1:]...)
			return
		}
	}
}
