//go:build unix

package mcpgo_test

import (
	"syscall"
	"time"
)

// processCPU is the process's user+system CPU time. The engines hand work
// to other goroutines and the GC runs beside them, so the whole process is
// what a request costs; on a loaded machine wall time mostly measures
// waiting for a CPU.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
