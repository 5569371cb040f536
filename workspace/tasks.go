package workspace

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/workos-mcp/workos-mcp/workos"
)

// Task tools compose catalog operations. Each underlying operation goes through prepare and
// perform, so that the policy, redaction and record apply to every one of them.

// run finds the operation by method and path and runs it through the pipeline; the answer is
// redacted.
func (s *Server) run(ctx context.Context, c *caller, tool, env, method, path string, params map[string]any) (json.RawMessage, error) {
	res, err := s.runResult(ctx, c, tool, env, method, path, params)
	if err != nil {
		return nil, err
	}
	return res.Data, nil
}

func (s *Server) runResult(ctx context.Context, c *caller, tool, env, method, path string, params map[string]any) (*opResult, error) {
	op, ok := findByPath(method, path)
	if !ok {
		return nil, fmt.Errorf("this server's catalog has no operation %s %s", method, path)
	}
	oc, err := s.prepare(ctx, c, tool, env, op, params)
	if err != nil {
		return nil, err
	}
	return s.perform(ctx, oc)
}

// list reads up to maxPages pages of a list through the pipeline.
func (s *Server) list(ctx context.Context, c *caller, tool, env, path string, params map[string]any, maxPages int) ([]map[string]any, bool, error) {
	var all []map[string]any
	p := map[string]any{"limit": float64(100)}
	for k, v := range params {
		p[k] = v
	}
	more, err := workos.Paginate(ctx, maxPages, func(ctx context.Context, cursor string) ([]map[string]any, string, error) {
		if cursor != "" {
			p["after"] = cursor
		}
		raw, err := s.run(ctx, c, tool, env, "GET", path, p)
		if err != nil {
			return nil, "", err
		}
		var lp workos.List[map[string]any]
		if err := json.Unmarshal(raw, &lp); err != nil {
			return nil, "", fmt.Errorf("unexpected answer from %s: %w", path, err)
		}
		return lp.Data, lp.ListMetadata.After, nil
	}, func(items []map[string]any) bool {
		all = append(all, items...)
		return true
	})
	if errors.Is(err, workos.ErrCursorRepeated) {
		err = fmt.Errorf("unexpected answer from %s: %w", path, err)
	}
	return all, more, err
}

// unavailable names the parts of a composed answer that the person may not read, or that failed,
// each with why: such a part is reported instead of failing the whole answer.
type unavailable map[string]string

func (u *unavailable) fail(part string, err error) {
	if *u == nil {
		*u = unavailable{}
	}
	(*u)[part] = err.Error()
}

func str(m map[string]any, k string) string {
	v, _ := m[k].(string)
	return v
}

func pick(m map[string]any, keys ...string) map[string]any {
	out := map[string]any{}
	for _, k := range keys {
		if v, ok := m[k]; ok && v != nil {
			out[k] = v
		}
	}
	return out
}

func pickAll(items []map[string]any, keys ...string) []map[string]any {
	out := make([]map[string]any, 0, len(items))
	for _, it := range items {
		out = append(out, pick(it, keys...))
	}
	return out
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

// finding is one thing that looks wrong, with what to do.
type finding struct {
	Severity string `json:"severity" jsonschema:"error, warning or info"`
	Code     string `json:"code" jsonschema:"a stable name for the kind of finding"`
	Message  string `json:"message" jsonschema:"what looks wrong"`
	Fix      string `json:"fix,omitempty" jsonschema:"what to do about it"`
	Object   string `json:"object,omitempty" jsonschema:"the ID of the object it is about"`
}

// shapeFindings makes a finding's severity a closed set.
func shapeFindings(_, out *jsonschema.Schema) {
	enum(out.Properties["findings"], "severity", "error", "warning", "info")
}
