package devstack

import "net/http"

// InProcess is the stack's in-process transport, for the external tests.
func InProcess(s *Stack) http.RoundTripper { return inProcess{s} }

// Addr is the stack's listen address, for the external tests.
func Addr(s *Stack) string { return s.opts.Addr }
