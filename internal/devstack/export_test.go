package devstack

import (
	"net/http"
	"time"
)

// InProcess is the stack's in-process transport, for the external tests, with the stack's bound
// on a call's time or another.
func InProcess(s *Stack, timeout time.Duration) http.RoundTripper {
	if timeout == 0 {
		timeout = inProcessTimeout
	}
	return inProcess{s: s, timeout: timeout}
}

// Addr is the stack's listen address, for the external tests.
func Addr(s *Stack) string { return s.opts.Addr }
