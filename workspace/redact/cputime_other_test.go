//go:build !unix

package redact

import "testing"

func reportCPU(b *testing.B, run func()) {
	for b.Loop() {
		run()
	}
}
