package authkit

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
)

// maxPeekBytes bounds the request body read to find the tool being called
// when Config.ToolScopes is set; a larger body is refused (413) rather than
// let through unchecked.
const maxPeekBytes = 4 << 20

// checkToolScopes enforces Config.ToolScopes on a JSON-RPC tools/call (or a
// batch holding some). Keys are matched case-insensitively and every
// candidate name is checked, so a lenient JSON-RPC decoder downstream cannot
// see a different tool than this check did. The body is restored for next.
func (a *AuthKit) checkToolScopes(r *http.Request, s *Session) *AuthError {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	buf, err := io.ReadAll(io.LimitReader(r.Body, maxPeekBytes+1))
	r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(buf), r.Body))
	if err != nil {
		return nil // the handler will see the same broken body
	}
	if len(buf) > maxPeekBytes {
		return &AuthError{Status: http.StatusRequestEntityTooLarge, Code: "invalid_request", Reason: "body_too_large",
			Description: "request body too large"}
	}
	var msg any
	if json.Unmarshal(buf, &msg) != nil {
		return nil // not JSON: the MCP engine answers the parse error, no tool runs
	}
	msgs, ok := msg.([]any)
	if !ok {
		msgs = []any{msg}
	}
	var need, missing []string
	for _, m := range msgs {
		for _, tool := range calledTools(m) {
			for _, want := range a.cfg.ToolScopes[tool] {
				if slices.Contains(need, want) {
					continue
				}
				need = append(need, want)
				if !s.HasScope(want) {
					missing = append(missing, want)
				}
			}
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return &AuthError{Status: http.StatusForbidden, Code: "insufficient_scope", Reason: "insufficient_scope",
		Description: "token lacks scopes this tool requires: " + strings.Join(missing, " "), scopes: need}
}

// calledTools returns every tool name a JSON-RPC message may call.
func calledTools(m any) []string {
	obj, ok := m.(map[string]any)
	if !ok {
		return nil
	}
	isCall := false
	var params []map[string]any
	for k, v := range obj {
		switch {
		case strings.EqualFold(k, "method"):
			if str, _ := v.(string); strings.EqualFold(str, "tools/call") {
				isCall = true
			}
		case strings.EqualFold(k, "params"):
			if p, ok := v.(map[string]any); ok {
				params = append(params, p)
			}
		}
	}
	if !isCall {
		return nil
	}
	var names []string
	for _, p := range params {
		for k, v := range p {
			if str, ok := v.(string); ok && strings.EqualFold(k, "name") {
				names = append(names, str)
			}
		}
	}
	return names
}
