package workspace

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/workos-mcp/workos-mcp/internal/mcptest"
	"github.com/workos-mcp/workos-mcp/workos"
	"github.com/workos-mcp/workos-mcp/workspace/catalog"
)

// These tests hold issue 9's "paths cannot be bent": every path parameter of every catalog
// operation is one ID-like segment, checked before anything is sent.

// hostilePathValues are the values an agent could use to address another endpoint.
var hostilePathValues = []string{
	"..", ".", "...", "a/../b", "../x", "%2e%2e", "%2E%2e", "%2F", "a%2fb", `\`, `..\x`, " x", "x ", "x\n",
	"x\t", "x\x00", "\u2024\u2024", "\uff0e\uff0e", "\u3002", strings.Repeat("a", 10<<10), "", "..;", ";", "/",
	"?x=1", "#", "x#y",
}

// validPathValues are shapes real WorkOS path values take.
var validPathValues = []string{"org_01HXYZABC", "auth0|123", "user.signed_in", "posts:read", "alice+1@acme.test"}

// sent is one request as a recording fake WorkOS received it.
type sent struct {
	key, method, uri string
}

// recordingAPI answers every request with a generic object and list, and records what it got.
type recordingAPI struct {
	srv  *httptest.Server
	mu   sync.Mutex
	reqs []sent
}

func newRecordingAPI(t testing.TB) *recordingAPI {
	r := &recordingAPI{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path == "/organizations/"+teamOrg {
			// The server probes whether a key reaches the team's organization (its sign-in
			// environment): these environments do not.
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"code":"entity_not_found","message":"Organization not found"}`))
			return
		}
		r.mu.Lock()
		r.reqs = append(r.reqs, sent{strings.TrimPrefix(req.Header.Get("Authorization"), "Bearer "), req.Method, req.RequestURI})
		r.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"object":"thing","id":"thing_01","name":"Thing","data":[],"list_metadata":{"before":null,"after":null}}`))
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *recordingAPI) since(n int) []sent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]sent(nil), r.reqs[n:]...)
}

func (r *recordingAPI) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.reqs)
}

// sampleValue makes a value that satisfies a JSON Schema (the shapes the catalog uses).
func sampleValue(s map[string]any) any {
	if all, ok := s["allOf"].([]any); ok {
		rest := map[string]any{}
		for k, v := range s {
			if k != "allOf" {
				rest[k] = v
			}
		}
		out, _ := sampleValue(rest).(map[string]any)
		if out == nil {
			out = map[string]any{}
		}
		for _, a := range all {
			if m, ok := a.(map[string]any); ok {
				if part, ok := sampleValue(m).(map[string]any); ok {
					for k, v := range part {
						out[k] = v
					}
				}
			}
		}
		return out
	}
	if v, ok := s["const"]; ok {
		return v
	}
	if e, ok := s["enum"].([]any); ok && len(e) > 0 {
		return e[0]
	}
	for _, k := range []string{"oneOf", "anyOf"} {
		if alts, ok := s[k].([]any); ok && len(alts) > 0 {
			if m, ok := alts[0].(map[string]any); ok {
				return sampleValue(m)
			}
		}
	}
	typ := s["type"]
	if ts, ok := typ.([]any); ok && len(ts) > 0 {
		typ = ts[0]
	}
	switch typ {
	case "integer", "number":
		if m, ok := s["minimum"].(float64); ok {
			return m
		}
		return 1.0
	case "boolean":
		return true
	case "array":
		items, _ := s["items"].(map[string]any)
		if n, ok := s["minItems"].(float64); ok && n > 0 && items != nil {
			out := []any{}
			for i := 0; i < int(n); i++ {
				out = append(out, sampleValue(items))
			}
			return out
		}
		return []any{}
	case "object":
		out := map[string]any{}
		props, _ := s["properties"].(map[string]any)
		req, _ := s["required"].([]any)
		for _, r := range req {
			name, _ := r.(string)
			if p, ok := props[name].(map[string]any); ok {
				out[name] = sampleValue(p)
			} else {
				out[name] = "x"
			}
		}
		return out
	}
	switch s["format"] {
	case "email":
		return "someone@example.test"
	case "date-time":
		return "2026-01-02T03:04:05Z"
	case "date":
		return "2026-01-02"
	case "uri", "url":
		return "https://example.test/x"
	case "uuid":
		return "00000000-0000-4000-8000-000000000000"
	case "hostname":
		return "example.test"
	case "ipv4":
		return "192.0.2.1"
	}
	v := "sample_01"
	if n, ok := s["minLength"].(float64); ok && int(n) > len(v) {
		v += strings.Repeat("x", int(n)-len(v))
	}
	return v
}

// pathParamNames lists the operation's path parameters in template order.
func pathParamNames(op *catalog.Operation) []string {
	var out []string
	for _, m := range pathParam.FindAllStringSubmatch(op.Path, -1) {
		out = append(out, m[1])
	}
	return out
}

// baseParams returns valid parameters for op with every path parameter set to pathValue (or
// its enum's first value), or false when no valid set could be made.
func baseParams(t *testing.T, op *catalog.Operation, pathValue string) (map[string]any, bool) {
	t.Helper()
	var schema map[string]any
	if err := json.Unmarshal(op.Params, &schema); err != nil {
		t.Fatalf("%s: schema: %v", op.Name, err)
	}
	params, _ := sampleValue(schema).(map[string]any)
	if params == nil {
		params = map[string]any{}
	}
	props, _ := schema["properties"].(map[string]any)
	for _, name := range pathParamNames(op) {
		p, _ := props[name].(map[string]any)
		if _, ok := p["enum"]; ok {
			params[name] = sampleValue(p)
		} else {
			params[name] = pathValue
		}
	}
	if err := validateParams(op, params); err != nil {
		return nil, false
	}
	return params, true
}

// expectedURI is the escaped request path an operation must produce for params: its template
// with exactly one escaped segment per parameter.
func expectedURI(op *catalog.Operation, params map[string]any) string {
	segs := strings.Split(op.Path, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			segs[i] = url.PathEscape(fmt.Sprint(params[s[1:len(s)-1]]))
		}
	}
	return strings.Join(segs, "/")
}

// onSomeReadTemplate reports whether an escaped path is the template of a catalog read with
// one valid segment per parameter.
func onSomeReadTemplate(escaped string) bool {
	got := strings.Split(escaped, "/")
	for _, op := range catalog.All() {
		if op.Method != "GET" {
			continue
		}
		want := strings.Split(op.Path, "/")
		if len(want) != len(got) {
			continue
		}
		match := true
		for i, w := range want {
			if strings.HasPrefix(w, "{") {
				dec, err := url.PathUnescape(got[i])
				match = match && err == nil && workos.CheckPathSegment(dec) == nil && url.PathEscape(dec) == got[i]
			} else {
				match = match && w == got[i]
			}
		}
		if match {
			return true
		}
	}
	return false
}

// directCall runs the query or mutate tool's handler in-process, as the MCP server does
// (identify, the pipeline, the record, the tool error) but without the JSON-RPC transport:
// the property makes thousands of calls.
func directCall(t *testing.T, h *harness, user, tool, operation string, params map[string]any) (string, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req := &mcp.CallToolRequest{Extra: &mcp.RequestExtra{Header: http.Header{"X-Test-User": {user}}}}
	var res *mcp.CallToolResult
	var err error
	switch tool {
	case "query":
		res, _, err = handler(h.srv, tool, h.srv.query)(ctx, req, queryIn{Operation: operation, Params: params, Environment: "sandbox"})
	case "mutate":
		res, _, err = handler(h.srv, tool, h.srv.mutate)(ctx, req, mutateIn{Operation: operation, Params: params, Environment: "sandbox"})
	default:
		t.Fatalf("no direct call for %s", tool)
	}
	var wire *jsonrpc.Error
	if errors.As(err, &wire) {
		t.Fatalf("%s %s: %v", tool, operation, err)
	}
	if err != nil {
		// The SDK makes a handler's error the tool error: isError, its text the only content.
		return err.Error(), true
	}
	var text strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			text.WriteString(tc.Text)
		}
	}
	return text.String(), res.IsError
}

// TestEveryOperationPathParamsCannotBend drives every catalog operation through the real
// pipeline (query/mutate as an admin, over MCP; the many hostile variants through the tool
// handlers in-process) against a recording fake WorkOS: a hostile
// value in any path parameter sends nothing; valid values send exactly one request with the
// operation's method on its template, one segment per parameter, and otherwise only reads on
// a catalog read's template (confirmation plans, protection and replacement checks).
func TestEveryOperationPathParamsCannotBend(t *testing.T) {
	rec := newRecordingAPI(t)
	h := newHarness(t, func(c *Config) {
		for i := range c.Teams[0].Environments {
			c.Teams[0].Environments[i].BaseURL = rec.srv.URL
		}
	})
	cs := h.connect("admin", nil)
	ran, refusedByPolicy, noSample := 0, []string{}, []string{}
	hostileRuns := 0
	for i, op := range catalog.All() {
		if excluded(op.Name) {
			continue
		}
		tool := "query"
		if op.Class != catalog.Read {
			tool = "mutate"
		}
		valid := validPathValues[i%len(validPathValues)]
		params, ok := baseParams(t, op, valid)
		if !ok {
			noSample = append(noSample, op.Name)
			continue
		}
		// Valid values: every request is the operation's own (or, for an irreversible one,
		// the reads of its confirmation plan), on its template.
		n := rec.count()
		args := map[string]any{"operation": op.Name, "params": params, "environment": "sandbox"}
		text, res, isErr := mcptest.Call(t, cs, tool, args)
		if isErr && strings.Contains(text, "invalid parameters") {
			t.Errorf("%s with valid path values %v: %s", op.Name, params, text)
			continue
		}
		policyRefused := isErr
		if policyRefused {
			refusedByPolicy = append(refusedByPolicy, op.Name)
			if got := rec.since(n); len(got) != 0 {
				t.Errorf("%s refused (%s) but sent %v", op.Name, text, got)
			}
		}
		if tok, _ := res["confirmation_token"].(string); tok != "" {
			args["confirmation_token"] = tok
			if text, _, isErr := mcptest.Call(t, cs, tool, args); isErr {
				t.Errorf("%s confirmed: %s", op.Name, text)
				continue
			}
		}
		reqs := rec.since(n)
		if policyRefused {
			reqs = nil
		}
		want := expectedURI(op, params)
		own := 0
		for _, r := range reqs {
			path, _, _ := strings.Cut(r.uri, "?")
			switch {
			case r.key != sandboxKey:
				t.Errorf("%s: a request with another key: %+v", op.Name, r)
			case r.method == op.Method && path == want:
				own++
			case r.method == "GET" && onSomeReadTemplate(path):
				// The pipeline reads before some writes (the confirmation plan, what an update
				// would replace, the team's protection): each read is itself on a catalog
				// read's template.
			default:
				t.Errorf("%s: sent %s %s, want %s %s", op.Name, r.method, r.uri, op.Method, want)
			}
		}
		if !policyRefused {
			if own != 1 {
				t.Errorf("%s: %d requests to %s %s, want 1 (sent %v)", op.Name, own, op.Method, want, reqs)
			}
			ran++
		}

		// Hostile values, one parameter at a time: nothing is sent, and the error names the
		// parameter without echoing the value.
		for _, name := range pathParamNames(op) {
			for _, bad := range hostilePathValues {
				p := map[string]any{}
				for k, v := range params {
					p[k] = v
				}
				p[name] = bad
				n := rec.count()
				var text string
				var isErr bool
				if bad == hostilePathValues[0] {
					args := map[string]any{"operation": op.Name, "params": p, "environment": "sandbox"}
					text, _, isErr = mcptest.Call(t, cs, tool, args)
				} else {
					text, isErr = directCall(t, h, "admin", tool, op.Name, p)
				}
				hostileRuns++
				if !isErr || (!policyRefused && !strings.Contains(text, "invalid parameters")) {
					t.Errorf("%s {%s: %q}: %v %s, want invalid parameters", op.Name, name, bad, isErr, text)
				}
				if len(bad) > 3 && strings.Contains(text, bad) {
					t.Errorf("%s {%s: %q}: the error echoes the value", op.Name, name, bad)
				}
				if got := rec.since(n); len(got) != 0 {
					t.Errorf("%s {%s: %q}: sent %v", op.Name, name, bad, got)
				}
			}
		}
	}
	sort.Strings(noSample)
	t.Logf("%d operations ran with valid values, %d hostile calls refused; refused by policy: %v; no valid sample: %v",
		ran, hostileRuns, refusedByPolicy, noSample)
	if total := len(catalog.All()); ran < total*8/10 {
		t.Fatalf("only %d of %d operations ran: the property covers too little", ran, total)
	}
}
