package schedule

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/jonboulle/clockwork"

	"github.com/oktasync/oktasync/internal/config"
)

func TestJob(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 29, 9, 7, 30, 0, time.UTC)
	tests := []struct {
		name         string
		in           config.Schedule
		wantInterval time.Duration
		wantOpts     int
		wantErr      string
	}{
		{name: "five-field cron", in: config.Schedule{Cron: "*/15 * * * *"}, wantInterval: 15 * time.Minute},
		{name: "six-field cron with seconds", in: config.Schedule{Cron: "*/2 * * * * *"}, wantInterval: 2 * time.Second},
		{name: "descriptor", in: config.Schedule{Cron: "@hourly"}, wantInterval: time.Hour},
		{name: "time zone", in: config.Schedule{Cron: "CRON_TZ=Europe/Paris 0 3 * * *"}, wantInterval: 24 * time.Hour},
		{name: "every", in: config.Schedule{Every: 2 * time.Second}, wantInterval: 2 * time.Second, wantOpts: 1},
		{name: "bad cron", in: config.Schedule{Cron: "61 * * * *"}, wantErr: `schedule.cron "61 * * * *"`},
		{name: "both", in: config.Schedule{Cron: "@hourly", Every: time.Minute}, wantErr: "set only one"},
		{name: "negative", in: config.Schedule{Every: -time.Second}, wantErr: "must be positive"},
		{name: "none", in: config.Schedule{}, wantErr: ErrNoSchedule.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			def, opts, interval, err := Job(tt.in, now)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if def == nil || len(opts) != tt.wantOpts || interval != tt.wantInterval {
				t.Errorf("def %v, %d options, interval %s; want %d options, interval %s", def, len(opts), interval, tt.wantOpts, tt.wantInterval)
			}
		})
	}
}

func TestJitter(t *testing.T) {
	t.Parallel()
	if err := Jitter(context.Background(), 0); err != nil {
		t.Errorf("Jitter(0) = %v", err)
	}
	if err := Jitter(context.Background(), time.Millisecond); err != nil {
		t.Errorf("Jitter(1ms) = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Jitter(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("Jitter with a cancelled context = %v, want context.Canceled", err)
	}
}

// TestJobTicksAligned schedules an interval job on a fake clock some time
// after the definition was made: its first tick is the next multiple of
// the interval after the scheduler started.
func TestJobTicksAligned(t *testing.T) {
	t.Parallel()
	made := time.Date(2026, 11, 29, 9, 7, 30, 500_000_000, time.UTC)
	clock := clockwork.NewFakeClockAt(made.Add(5 * time.Second)) // started 5 s later
	def, opts, _, err := Job(config.Schedule{Every: 2 * time.Second}, made)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gocron.NewScheduler(gocron.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown()
	j, err := s.NewJob(def, gocron.NewTask(func() {}), opts...)
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	next, err := j.NextRun()
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 11, 29, 9, 7, 36, 0, time.UTC); !next.Equal(want) {
		t.Errorf("first tick %s, want %s", next.Format(time.RFC3339Nano), want.Format(time.RFC3339Nano))
	}
}
