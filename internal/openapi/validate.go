package openapi

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/workos-mcp/workos-mcp/internal/reply"
)

// ValidationError says why a response does not conform to the spec.
type ValidationError struct {
	Method, Path string // the request, as served
	Status       int    // 0 for a request
	Operation    string // operationId; "" when the path is not in the spec
	Err          error
}

// Error says which request, which operation and what is wrong.
func (e *ValidationError) Error() string {
	op := ""
	if e.Operation != "" {
		op = " (" + e.Operation + ")"
	}
	if e.Status == 0 { // a request
		return fmt.Sprintf("%s %s%s: %v", e.Method, e.Path, op, e.Err)
	}
	return fmt.Sprintf("%s %s%s -> %d: %v", e.Method, e.Path, op, e.Status, e.Err)
}

// Unwrap returns the underlying cause (ErrNotInSpec, ErrUndocumentedStatus, a schema error...).
func (e *ValidationError) Unwrap() error { return e.Err }

// Response returns the documented response for a status: the exact code, else its class
// ("4XX"), else "default".
func (o *Operation) Response(status int) (*Response, bool) {
	code := strconv.Itoa(status)
	for _, k := range []string{code, code[:1] + "XX", code[:1] + "xx", "default"} {
		if r, ok := o.Responses[k]; ok {
			return r, true
		}
	}
	return nil, false
}

// ValidateResponse checks a response body against the schema of the response the operation
// documents for status. A path that matches no operation yields ErrNotInSpec; a status the
// operation does not document yields ErrUndocumentedStatus. The returned error is a
// *ValidationError.
func (s *Spec) ValidateResponse(method, path string, status int, body []byte) error {
	fail := func(opID string, err error) error {
		return &ValidationError{Method: strings.ToUpper(method), Path: path, Status: status, Operation: opID, Err: err}
	}
	op, _, ok := s.Find(method, path)
	if !ok {
		return fail("", ErrNotInSpec)
	}
	resp, ok := op.Response(status)
	if !ok {
		return fail(op.ID, fmt.Errorf("%w (documented: %s)", ErrUndocumentedStatus, strings.Join(op.statuses(), ", ")))
	}
	trimmed := bytes.TrimSpace(body)
	if resp.Schema == nil {
		if status == http.StatusNoContent && len(trimmed) > 0 {
			return fail(op.ID, errors.New("204 response has a body"))
		}
		return nil
	}
	if len(trimmed) == 0 {
		return fail(op.ID, errors.New("empty body; the spec documents a JSON body"))
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(trimmed))
	if err != nil {
		return fail(op.ID, errors.New("body is not JSON"))
	}
	sch, err := s.Schema(resp.Pointer)
	if err != nil {
		return fail(op.ID, err)
	}
	if err := sch.Validate(inst); err != nil {
		return fail(op.ID, errors.New(DescribeSchemaError(err)))
	}
	return nil
}

// ValidateRequest checks a request body against the operation's request-body schema: what a
// client sends, as the spec describes it. An empty body passes when the body is optional.
func (s *Spec) ValidateRequest(method, path string, body []byte) error {
	fail := func(opID string, err error) error {
		return &ValidationError{Method: strings.ToUpper(method), Path: path, Operation: opID, Err: fmt.Errorf("request: %w", err)}
	}
	op, _, ok := s.Find(method, path)
	if !ok {
		return fail("", ErrNotInSpec)
	}
	trimmed := bytes.TrimSpace(body)
	rb := op.RequestBody
	if rb == nil || rb.Schema == nil {
		if len(trimmed) > 0 && rb == nil {
			return fail(op.ID, errors.New("the operation takes no body"))
		}
		return nil
	}
	if len(trimmed) == 0 {
		if rb.Required {
			return fail(op.ID, errors.New("body required"))
		}
		return nil
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(trimmed))
	if err != nil {
		return fail(op.ID, errors.New("body is not JSON"))
	}
	sch, err := s.Schema(rb.Pointer)
	if err != nil {
		return fail(op.ID, err)
	}
	if err := sch.Validate(inst); err != nil {
		return fail(op.ID, errors.New(DescribeSchemaError(err)))
	}
	return nil
}

func (o *Operation) statuses() []string {
	out := make([]string, 0, len(o.Responses))
	for k := range o.Responses {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// maxCapture bounds how much of a response ValidatingHandler keeps for validation.
const maxCapture = 32 << 20

// ValidatingHandler serves h unchanged and, after each request, validates the response against
// the spec, passing every non-conforming response (a *ValidationError) to report. It also checks
// that a response with a documented JSON body says so in Content-Type. A request whose caller
// left (its context ended) before anything was written is not checked: no answer was received.
// Meant for tests: it holds each response body in memory.
func ValidatingHandler(s *Spec, h http.Handler, report func(error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &reply.Recorder{ResponseWriter: w, Capture: maxCapture}
		h.ServeHTTP(rec, r)
		if report == nil || r.Method == http.MethodHead {
			return
		}
		if r.Context().Err() != nil && !rec.Wrote() {
			return // the caller left (or timed out) before any answer: none was received
		}
		status := rec.Status()
		if rec.Overflow() {
			report(&ValidationError{Method: r.Method, Path: r.URL.Path, Status: status, Err: fmt.Errorf("body over %d bytes: not validated", maxCapture)})
			return
		}
		if err := s.ValidateResponse(r.Method, r.URL.Path, status, rec.Body()); err != nil {
			report(err)
			return
		}
		op, _, _ := s.Find(r.Method, r.URL.Path)
		if resp, ok := op.Response(status); ok && resp.Schema != nil {
			ct := rec.Header().Get("Content-Type")
			mt, _, err := mime.ParseMediaType(ct)
			if err != nil || (mt != resp.ContentType && !strings.HasSuffix(mt, "+json")) {
				report(&ValidationError{Method: r.Method, Path: r.URL.Path, Status: status, Operation: op.ID,
					Err: fmt.Errorf("Content-Type %q, want %s", ct, resp.ContentType)})
			}
		}
	})
}
