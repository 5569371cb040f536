package catalog

import (
	"github.com/workos-mcp/workos-mcp/internal/schemaerr"
)

// ParamError says why parameters do not fit an operation's schema: one Violation per broken
// rule, each located by a JSON pointer. Callers branch on it with errors.As and build their own
// message from the fields; Error renders them as one line.
type ParamError struct {
	Operation  string      // the operation's name: "organizations.list"
	Violations []Violation // at least one, sorted by pointer, without repeats
}

// Violation is one rule the parameters break, located by an RFC 6901 pointer into the
// parameters object ("/limit", "/domain_data/0/state"). No field quotes a value the caller sent
// (it may be a secret being set) except Got, what a value measured against a bound ("maximum:
// got 500, want 100"): callers show String to whoever sent the value and record Rule.
type Violation = schemaerr.Violation

// Error renders the violations in one line: "organizations.list: invalid parameters: at
// '/limit': maximum: got 500, want 100".
func (e *ParamError) Error() string {
	return e.Operation + ": invalid parameters: " + e.Describe(Violation.String)
}

// Describe renders the violations with render, joined by "; ", the first ten of them and a count
// of the others, for callers that word the message around them (render is usually String, or
// Rule where the text is recorded).
func (e *ParamError) Describe(render func(Violation) string) string {
	return schemaerr.Describe(e.Violations, render)
}

// paramError turns the validator's error into a ParamError.
func paramError(op string, err error) *ParamError {
	vs, ok := schemaerr.Violations(err)
	if !ok {
		vs = []Violation{{Message: err.Error()}}
	}
	return &ParamError{Operation: op, Violations: vs}
}
