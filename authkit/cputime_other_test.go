//go:build !linux

package authkit_test

import "time"

// threadCPU is unavailable here; benchmarks then report 0 CPU time.
func threadCPU() time.Duration { return 0 }
