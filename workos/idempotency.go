package workos

import (
	"errors"
	"strings"
)

// IdempotentOperations are the operations ("METHOD /path/{param}") whose WorkOS
// spec documents the Idempotency-Key header: WorkOS answers a repeated key with
// the first response, so the client may retry them after an ambiguous failure.
// Other POSTs still carry a key (harmless, and honoured where WorkOS does so
// without documenting it), but the client does not rely on it.
var IdempotentOperations = []string{"POST /audit_logs/events"}

// documentedIdempotent reports whether method and the request path (with the
// base URL's path prefix) match one of IdempotentOperations.
func documentedIdempotent(method, fullPath, basePath string) bool {
	p := strings.TrimPrefix(fullPath, basePath)
	segs := strings.Split(strings.Trim(p, "/"), "/")
	for _, op := range IdempotentOperations {
		m, tmpl, ok := strings.Cut(op, " ")
		if !ok || m != method {
			continue
		}
		ts := strings.Split(strings.Trim(tmpl, "/"), "/")
		if len(ts) != len(segs) {
			continue
		}
		match := true
		for i, t := range ts {
			if !(strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}")) && t != segs[i] {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

// ErrOutcomeUnknown matches (errors.Is) every *OutcomeUnknownError.
var ErrOutcomeUnknown = errors.New("workos: outcome unknown")

// OutcomeUnknownError says that a request which is not safe to repeat (a POST
// or PATCH WorkOS does not document as idempotent) failed after it may have
// reached WorkOS (a 5xx answer, a dropped connection, a timeout), so it may or
// may not have been applied. The client does not retry it: a retry could
// create a second object. Check the current state with a read, then decide.
type OutcomeUnknownError struct {
	Method, Path string
	// Err is the last attempt's failure: an *Error (5xx) or a transport error.
	Err error
}

// Error says what happened and what to do.
func (e *OutcomeUnknownError) Error() string {
	return "workos: " + e.Method + " " + e.Path + ": outcome unknown (the request may have been applied; check before retrying): " + e.Err.Error()
}

// Unwrap returns the last attempt's failure.
func (e *OutcomeUnknownError) Unwrap() error { return e.Err }

// Is reports whether target is ErrOutcomeUnknown.
func (e *OutcomeUnknownError) Is(target error) bool { return target == ErrOutcomeUnknown }
