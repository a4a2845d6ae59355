package main

import (
	"os"
	"syscall"
	"time"
)

// Usage is what a finished child process cost.
type Usage struct {
	// CPU is user plus system CPU time.
	CPU time.Duration
	// MaxRSS is the peak resident set size in bytes.
	MaxRSS int64
}

// usageOf reads a finished process's rusage (Linux reports ru_maxrss in
// KiB).
func usageOf(ps *os.ProcessState) Usage {
	if ps == nil {
		return Usage{}
	}
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok || ru == nil {
		return Usage{CPU: ps.UserTime() + ps.SystemTime()}
	}
	return Usage{
		CPU:    time.Duration(ru.Utime.Nano() + ru.Stime.Nano()),
		MaxRSS: ru.Maxrss * 1024,
	}
}
