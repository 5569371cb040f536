package workos

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// ErrNotFound matches (errors.Is) every *Error with status 404.
var ErrNotFound = errors.New("workos: not found")

// Error is a non-2xx answer from the API, decoded from its JSON body.
type Error struct {
	StatusCode int
	// Code is the WorkOS error code (entity_not_found, invalid_request_parameters, …),
	// or the OAuth "error" value for endpoints that answer in that style.
	Code    string
	Message string
	Errors  []FieldError
	// RequestID is the X-Request-Id header: quote it to WorkOS support.
	RequestID string
	// RetryAfter is the server's Retry-After, when it sent one.
	RetryAfter time.Duration
}

// FieldError is one entry of an error body's "errors" array.
type FieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error formats status, code, message, field errors and request ID.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "workos: %d", e.StatusCode)
	if t := http.StatusText(e.StatusCode); t != "" {
		b.WriteString(" " + t)
	}
	if e.Code != "" {
		b.WriteString(" (" + e.Code + ")")
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	for i, f := range e.Errors {
		if i == 0 {
			b.WriteString(" [")
		} else {
			b.WriteString("; ")
		}
		switch {
		case f.Field != "" && f.Message != "":
			b.WriteString(f.Field + ": " + f.Message)
		case f.Field != "":
			b.WriteString(f.Field + ": " + f.Code)
		case f.Message != "":
			b.WriteString(f.Message)
		default:
			b.WriteString(f.Code)
		}
		if i == len(e.Errors)-1 {
			b.WriteString("]")
		}
	}
	if e.RequestID != "" {
		b.WriteString(" (request " + e.RequestID + ")")
	}
	return b.String()
}

// Is reports whether target is ErrNotFound and e is a 404.
func (e *Error) Is(target error) bool {
	return target == ErrNotFound && e.StatusCode == http.StatusNotFound
}

// errorBody covers the shapes WorkOS answers with: {message, code, errors[]}
// and the OAuth style {error, error_description}.
type errorBody struct {
	Message          string          `json:"message"`
	Code             string          `json:"code"`
	Error            string          `json:"error"`
	ErrorDescription string          `json:"error_description"`
	Errors           json.RawMessage `json:"errors"`
}

type rawFieldError struct {
	Field        string `json:"field"`
	Code         string `json:"code"`
	Message      string `json:"message"`
	InstancePath string `json:"instancePath"`
	Property     string `json:"property"`
}

const maxErrorText = 2000

func (c *Client) decodeError(resp *Response) *Error {
	e := &Error{
		StatusCode: resp.StatusCode,
		RequestID:  resp.Header.Get("X-Request-Id"),
		RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()),
	}
	var body errorBody
	if json.Unmarshal(resp.Body, &body) == nil {
		e.Code = body.Code
		e.Message = body.Message
		if e.Code == "" {
			e.Code = body.Error
		}
		if e.Message == "" {
			e.Message = body.ErrorDescription
		}
		e.Errors = decodeFieldErrors(body.Errors)
	}
	e.Code = c.scrub(clip(e.Code))
	e.Message = c.scrub(clip(e.Message))
	for i := range e.Errors {
		f := &e.Errors[i]
		f.Field, f.Code, f.Message = c.scrub(clip(f.Field)), c.scrub(clip(f.Code)), c.scrub(clip(f.Message))
	}
	return e
}

func decodeFieldErrors(raw json.RawMessage) []FieldError {
	if len(raw) == 0 {
		return nil
	}
	var items []json.RawMessage
	if json.Unmarshal(raw, &items) != nil {
		return nil
	}
	var out []FieldError
	for _, it := range items {
		var s string
		if json.Unmarshal(it, &s) == nil {
			out = append(out, FieldError{Message: s})
			continue
		}
		var f rawFieldError
		if json.Unmarshal(it, &f) != nil {
			continue
		}
		fe := FieldError{Field: f.Field, Code: f.Code, Message: f.Message}
		if fe.Field == "" {
			fe.Field = f.InstancePath
		}
		if fe.Field == "" {
			fe.Field = f.Property
		}
		out = append(out, fe)
		if len(out) >= 100 {
			break
		}
	}
	return out
}

func clip(s string) string {
	if len(s) > maxErrorText {
		return s[:maxErrorText] + "…"
	}
	return s
}
