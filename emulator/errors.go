package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// apiError is an error answered to the client in WorkOS's error shape.
type apiError struct {
	Status   int          `json:"-"`
	Code     string       `json:"code,omitempty"`
	Message  string       `json:"message"`
	Errors   []fieldError `json:"errors,omitempty"`
	EntityID string       `json:"entity_id,omitempty"`
	Text     string       `json:"error,omitempty"` // Vault's and OAuth's error shape: {"error": "…"}
	// Description is OAuth's error_description, beside Text.
	Description string `json:"error_description,omitempty"`
	// Instance replaces Errors for the audit log's schema errors, which name a JSON pointer
	// into the event (the spec's errors[].instancePath) instead of a field.
	Instance []instanceError `json:"-"`
}

type instanceError struct {
	InstancePath string `json:"instancePath"`
	Message      string `json:"message,omitempty"`
}

// MarshalJSON writes the error in WorkOS's shape, with Instance as "errors" when it is set.
func (e *apiError) MarshalJSON() ([]byte, error) {
	type plain apiError
	if len(e.Instance) == 0 {
		return json.Marshal((*plain)(e))
	}
	return json.Marshal(struct {
		Code    string          `json:"code"`
		Message string          `json:"message"`
		Errors  []instanceError `json:"errors"`
	}{e.Code, e.Message, e.Instance})
}

type fieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message,omitempty"`
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

// recordedFailure is an error answered to the client after the request's writes are committed:
// WorkOS records some failures (a failed sign-in emits an event) even though the call fails.
type recordedFailure struct{ *apiError }

func notFound(kind, id string) *apiError {
	return &apiError{Status: http.StatusNotFound, Code: "entity_not_found", Message: fmt.Sprintf("%s not found: '%s'.", kind, id), EntityID: id}
}

func invalidParams(errs ...fieldError) *apiError {
	msg := "Validation failed"
	if len(errs) > 0 && errs[0].Message != "" {
		msg = errs[0].Message
	}
	return &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid_request_parameters", Message: msg, Errors: errs}
}

func invalidField(field, code, msg string) *apiError {
	return invalidParams(fieldError{Field: field, Code: code, Message: msg})
}

func badRequest(code, msg string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: code, Message: msg}
}

func conflict(code, msg string) *apiError {
	return &apiError{Status: http.StatusConflict, Code: code, Message: msg}
}

func internalError() *apiError {
	return &apiError{Status: http.StatusInternalServerError, Code: "server_error", Message: "The emulator failed to handle the request."}
}
