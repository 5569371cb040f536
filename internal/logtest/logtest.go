// Package logtest holds what tests need to read what a server logs while it runs: a Buffer that
// the server's goroutines write to and the test reads from, without a data race.
package logtest

import (
	"strings"
	"sync"
)

// Buffer is a log sink safe for concurrent writers and readers; the zero value is empty and
// ready. Use it as a slog handler's writer or a child process's stdout or stderr.
type Buffer struct {
	mu sync.Mutex
	b  strings.Builder
}

// Write appends p.
func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns everything written so far.
func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
