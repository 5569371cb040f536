package logtest

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// Concurrent writers and a reader, for the race detector; every line arrives whole.
func TestBufferConcurrent(t *testing.T) {
	var b Buffer
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 100 {
				fmt.Fprintf(&b, "writer %d line %d\n", g, i)
				_ = b.String()
			}
		})
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 800 {
		t.Fatalf("%d lines, want 800", len(lines))
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "writer ") {
			t.Fatalf("torn line %q", l)
		}
	}
}

func TestBufferZeroValue(t *testing.T) {
	var b Buffer
	if b.String() != "" {
		t.Fatal("zero Buffer not empty")
	}
	n, err := b.Write([]byte("x"))
	if n != 1 || err != nil || b.String() != "x" {
		t.Fatalf("Write = %d, %v; String %q", n, err, b.String())
	}
}
