package main

import (
	"fmt"
	"io"
	"os"
	"runtime/pprof"
)

// cpuProfileEnv and allocProfileEnv name files to write a CPU profile and
// an allocation profile of the whole process to, for measuring where a
// large plan spends its time (bench/README.md).
const (
	cpuProfileEnv   = "OKTASYNC_CPUPROFILE"
	allocProfileEnv = "OKTASYNC_ALLOCPROFILE"
)

// startProfiles starts a CPU profile when cpuProfileEnv is set and returns
// the function that ends it and writes the allocation profile when
// allocProfileEnv is set. A profile that cannot be written is reported on
// stderr and the run goes on without it.
func startProfiles(stderr io.Writer) (stop func()) {
	stopCPU := cpuProfile(stderr)
	return func() {
		stopCPU()
		writeAllocProfile(stderr)
	}
}

// writeAllocProfile writes the allocation profile when allocProfileEnv is
// set.
func writeAllocProfile(stderr io.Writer) {
	path := os.Getenv(allocProfileEnv)
	if path == "" {
		return
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.Lookup("allocs").WriteTo(f, 0)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "oktasync: %s: %v\n", allocProfileEnv, err)
	}
}

func cpuProfile(stderr io.Writer) (stop func()) {
	path := os.Getenv(cpuProfileEnv)
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(stderr, "oktasync: %s: %v\n", cpuProfileEnv, err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintf(stderr, "oktasync: %s: %v\n", cpuProfileEnv, err)
		f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
