package schedule

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/go-co-op/gocron/v2"

	"github.com/oktasync/oktasync/internal/config"
)

// ErrNoSchedule is returned by Job when the config sets neither
// schedule.cron nor schedule.every.
var ErrNoSchedule = errors.New("no schedule: set schedule.cron (such as \"0 */6 * * *\") or schedule.every (such as 15m)")

// Job returns the gocron job definition for s and the job options it
// needs, given the current time. A cron expression may have five fields, or
// six with seconds first, or be a descriptor such as @hourly; it runs in
// the local time zone unless it starts with CRON_TZ=. An interval's ticks
// are aligned to multiples of it since the Unix epoch (every: 15m runs at
// :00, :15, :30 and :45), so replicas started at different times tick
// together and the distributed lock can pick one of them.
//
// Interval is the time between two ticks (for a cron expression, between
// the next two), which serve uses to size the lock's minimum hold.
func Job(s config.Schedule, now time.Time) (def gocron.JobDefinition, opts []gocron.JobOption, interval time.Duration, err error) {
	switch {
	case s.Cron != "" && s.Every != 0:
		return nil, nil, 0, errors.New("schedule: set only one of schedule.cron and schedule.every")
	case s.Cron != "":
		c := gocron.NewDefaultCron(true)
		if err := c.IsValid(s.Cron, time.Local, now); err != nil {
			return nil, nil, 0, fmt.Errorf("schedule.cron %q: %w", s.Cron, err)
		}
		next := c.Next(now)
		return gocron.CronJob(s.Cron, true), nil, c.Next(next).Sub(next), nil
	case s.Every < 0:
		return nil, nil, 0, fmt.Errorf("schedule.every %s: must be positive", s.Every)
	case s.Every > 0:
		// A start in the past, at a multiple of the interval: the
		// scheduler moves it forward by whole intervals to the first tick
		// after it starts, however long the caller took to start it.
		start := now.Truncate(s.Every)
		return gocron.DurationJob(s.Every), []gocron.JobOption{gocron.WithStartAt(gocron.WithStartDateTimePast(start))}, s.Every, nil
	}
	return nil, nil, 0, ErrNoSchedule
}

// Jitter waits a random time in [0, max) or until ctx is done, and
// returns ctx's error in that case. A max of zero or less returns at once.
func Jitter(ctx context.Context, max time.Duration) error {
	if max <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(rand.N(max))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
