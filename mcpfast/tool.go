package mcpfast

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sync/atomic"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// AddTool adds a tool with a typed handler to s, for both paths: the SDK serves it (the full path)
// and the fast path calls the very same handler, so a tool answers alike on both.
//
// It follows the SDK's AddTool contract: a nil input (output) schema is inferred from In (Out);
// the arguments are checked against the input schema, its defaults applied, and decoded into In
// with case-sensitive field names; an error the handler returns becomes a tool error (isError)
// unless it is a *jsonrpc.Error, which is answered as a protocol error; the output is published
// as structuredContent and, when the handler set no content, as its JSON text; a result carrying
// input requests (multi-round-trip) publishes no output. It differs from the SDK's in cost only:
// the arguments are decoded once (twice when the schema has defaults to apply), and the output is
// marshalled once and published as marshalled — it is checked against the output schema but not
// re-encoded, so its members keep their struct order; a server that checks its outputs in its own
// tests may skip that check at run time (Server.TrustOutputs).
//
// A tool whose handler uses req.Session (to send progress, log messages or requests to the client)
// must be added with AddSessionTool instead: on the fast path req.Session is nil.
func AddTool[In, Out any](s *Server, t *mcp.Tool, h mcp.ToolHandlerFor[In, Out]) {
	add(s, t, h, false)
}

// AddSessionTool is AddTool for a tool whose handler needs req.Session: every call of it goes to
// the SDK, which gives it a session, and its answer may stream.
func AddSessionTool[In, Out any](s *Server, t *mcp.Tool, h mcp.ToolHandlerFor[In, Out]) {
	add(s, t, h, true)
}

func add[In, Out any](s *Server, t *mcp.Tool, h mcp.ToolHandlerFor[In, Out], session bool) {
	tt, raw, err := wrap(t, h, &s.trustOutput)
	if err != nil {
		panic(fmt.Sprintf("mcpfast: AddTool %q: %v", t.Name, err))
	}
	s.sdk.AddTool(tt, raw) // validates the name and the schemas, and panics as the SDK does
	s.addTool(&tool{def: tt, handler: raw, session: session, paramHeaders: paramHeaders(tt)})
}

// tool is a registered tool: its published definition and the handler both paths call.
type tool struct {
	def     *mcp.Tool
	handler mcp.ToolHandler
	// session means the handler needs the SDK's session: the fast path leaves its calls alone.
	session bool
	// paramHeaders means the input schema binds arguments to Mcp-Param-* headers, which the SDK
	// checks on 2026-07-28 requests: the fast path leaves those calls to it.
	paramHeaders bool
}

// paramHeaders reports whether a tool's input schema may carry an x-mcp-header annotation.
func paramHeaders(t *mcp.Tool) bool {
	b, err := json.Marshal(t.InputSchema)
	return err != nil || bytes.Contains(b, []byte(`"x-mcp-header"`))
}

// wrap turns a typed handler into the raw one both paths call, with the schemas resolved once.
func wrap[In, Out any](t *mcp.Tool, h mcp.ToolHandlerFor[In, Out], trust *atomic.Bool) (*mcp.Tool, mcp.ToolHandler, error) {
	tt := *t
	if reflect.TypeFor[In]() == reflect.TypeFor[any]() && tt.InputSchema == nil {
		tt.InputSchema = &jsonschema.Schema{Type: "object"}
	}
	in, _, err := resolveSchema[In](&tt.InputSchema)
	if err != nil {
		return nil, nil, fmt.Errorf("input schema: %w", err)
	}
	var (
		out      *jsonschema.Resolved
		elemZero any // the zero value published for a nil *T output
	)
	if tt.OutputSchema != nil || reflect.TypeFor[Out]() != reflect.TypeFor[any]() {
		out, elemZero, err = resolveSchema[Out](&tt.OutputSchema)
		if err != nil {
			return nil, nil, fmt.Errorf("output schema: %w", err)
		}
	}
	inDefaults := hasDefaults(in.Schema())
	outDefaults := out != nil && hasDefaults(out.Schema())
	// No arguments ({}, null or none) into a struct without defaults, and without decoding code
	// of its own, decode to its zero value, so only the schema's verdict on {} is needed, and it
	// is the same for every call: found once.
	var emptyErr error
	emptyZero := !inDefaults && reflect.TypeFor[In]().Kind() == reflect.Struct && !unmarshals[In]()
	if emptyZero {
		_, emptyErr = arguments[In](nil, in, false)
	}

	raw := func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		var args json.RawMessage
		if req.Params != nil {
			args = req.Params.Arguments
		}
		var typedIn In
		var err error
		if emptyZero && noArguments(args) {
			err = emptyErr
		} else {
			typedIn, err = arguments[In](args, in, inDefaults)
		}
		if err != nil {
			var res mcp.CallToolResult
			res.SetError(err)
			return &res, nil
		}
		res, output, err := h(ctx, req, typedIn)
		if err != nil {
			if wire, ok := err.(*jsonrpc.Error); ok {
				return nil, wire
			}
			var res mcp.CallToolResult
			res.SetError(err)
			return &res, nil
		}
		if res == nil {
			res = &mcp.CallToolResult{}
		}
		var outval any = output
		if res.InputRequests != nil {
			outval = nil
		} else if elemZero != nil {
			var zero Out
			if any(output) == any(zero) {
				outval = elemZero
			}
		}
		if outval == nil {
			return res, nil
		}
		data, err := json.Marshal(outval)
		if err != nil {
			return nil, fmt.Errorf("marshaling output: %w", err)
		}
		if !trust.Load() || outDefaults {
			data, err = checkOutput(data, out, outDefaults)
			if err != nil {
				return nil, fmt.Errorf("validating tool output: %w", err)
			}
		}
		res.StructuredContent = marshalled(data)
		if res.Content == nil {
			res.Content = []mcp.Content{&mcp.TextContent{Text: string(data)}}
		} else if !isObject(data) {
			res.Content = append(res.Content, &mcp.TextContent{Text: string(data)})
		}
		return res, nil
	}
	return &tt, raw, nil
}

// marshalled is a tool's output as wrap published it: encoding/json's own encoding (of the
// output, or of it completed with the schema's defaults), so valid, compact JSON with <, >, &,
// U+2028 and U+2029 escaped (but not valid UTF-8: a json.RawMessage member passes invalid bytes
// through, so the text's encoder still checks that). Its type tells the fast path's encoder
// (textResult) that the rest needs no checking again; any other encoder gets the bytes unchanged.
type marshalled []byte

// MarshalJSON returns the bytes as they are.
func (m marshalled) MarshalJSON() ([]byte, error) { return m, nil }

// unmarshals reports whether decoding into T runs T's own code (json.Unmarshaler, its own or
// promoted from an embedded field), which may make something of {} other than the zero value.
func unmarshals[T any]() bool {
	t, u := reflect.TypeFor[T](), reflect.TypeFor[json.Unmarshaler]()
	return t.Implements(u) || reflect.PointerTo(t).Implements(u)
}

// noArguments reports whether a call's arguments are absent, null or an empty object.
func noArguments(args json.RawMessage) bool {
	a := bytes.Trim(args, " \t\r\n") // JSON's whitespace only
	if len(a) == 0 || string(a) == "null" {
		return true
	}
	if len(a) < 2 || a[0] != '{' || a[len(a)-1] != '}' {
		return false
	}
	return len(bytes.Trim(a[1:len(a)-1], " \t\r\n")) == 0
}

// arguments checks a call's arguments against the input schema, applies its defaults and decodes
// them into In. Its errors read as the SDK's, for the agent to act on.
func arguments[In any](args json.RawMessage, schema *jsonschema.Resolved, defaults bool) (In, error) {
	var in In
	m := map[string]any{}
	if len(args) > 0 {
		if err := decode(args, &m); err != nil {
			return in, fmt.Errorf("validating \"arguments\": unmarshaling arguments: %v", err)
		}
	}
	// The SDK validates a map even when the arguments are JSON null or absent: {} then.
	if m == nil {
		m = map[string]any{}
	}
	var v any = m
	if defaults {
		if err := schema.ApplyDefaults(&v); err != nil {
			return in, fmt.Errorf("validating \"arguments\": applying schema defaults:\n%v", err)
		}
	}
	if err := schema.Validate(&v); err != nil {
		return in, fmt.Errorf("validating \"arguments\": %v", err)
	}
	src := []byte(args)
	if defaults || len(args) == 0 || string(args) == "null" {
		var err error
		if src, err = json.Marshal(v); err != nil {
			return in, fmt.Errorf("validating \"arguments\": marshalling with defaults: %v", err)
		}
	}
	if err := decode(src, &in); err != nil {
		return in, err
	}
	return in, nil
}

// checkOutput checks a marshalled output against the output schema. Only when the schema has
// defaults is the output decoded, completed and encoded again; otherwise it is published as is.
func checkOutput(data []byte, schema *jsonschema.Resolved, defaults bool) ([]byte, error) {
	if schema == nil {
		return data, nil
	}
	var v any
	if err := decode(data, &v); err != nil {
		return nil, fmt.Errorf("unmarshaling output: %w", err)
	}
	if v == nil && schema.Schema().Type == "object" {
		v = map[string]any{}
		defaults = true // null becomes {} (with its defaults), as the SDK publishes it
	}
	if defaults {
		if _, ok := v.(map[string]any); ok {
			if err := schema.ApplyDefaults(&v); err != nil {
				return nil, fmt.Errorf("applying schema defaults:\n%w", err)
			}
		} else {
			defaults = false
		}
	}
	if err := schema.Validate(&v); err != nil {
		return nil, err
	}
	if !defaults {
		return data, nil
	}
	return json.Marshal(v)
}

// resolveSchema settles a tool's schema as the SDK does: inferred from T when nil (a pointer's
// element type), converted to a *jsonschema.Schema when given as another value, and resolved with
// its defaults checked. For a pointer T it also returns the element's zero value, published in
// place of a nil output (never JSON null).
func resolveSchema[T any](field *any) (*jsonschema.Resolved, any, error) {
	rt := reflect.TypeFor[T]()
	var zero any
	if rt.Kind() == reflect.Pointer {
		rt = rt.Elem()
		zero = reflect.Zero(rt).Interface()
	}
	var schema *jsonschema.Schema
	switch v := (*field).(type) {
	case nil:
		s, err := jsonschema.ForType(rt, &jsonschema.ForOptions{})
		if err != nil {
			return nil, nil, err
		}
		if s == nil {
			return nil, nil, fmt.Errorf("schema is nil for type %v", rt)
		}
		schema = s
		*field = s
	case *jsonschema.Schema:
		schema = v
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return nil, nil, err
		}
		if err := json.Unmarshal(b, &schema); err != nil {
			return nil, nil, err
		}
	}
	if schema == nil {
		return nil, nil, fmt.Errorf("schema is nil for type %v", rt)
	}
	resolved, err := schema.Resolve(&jsonschema.ResolveOptions{ValidateDefaults: true})
	if err != nil {
		return nil, nil, err
	}
	return resolved, zero, nil
}

// hasDefaults reports whether a schema, or any schema inside it, declares a default value. It
// walks the schema's JSON: a "default" member of a schema counts, a property that happens to be
// named "default" does not.
func hasDefaults(s *jsonschema.Schema) bool {
	b, err := json.Marshal(s)
	if err != nil {
		return true // cannot tell: take the defaults pass
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return true
	}
	var schema, each func(any) bool
	// each walks a JSON value that holds schemas without being one (an array of them).
	each = func(v any) bool {
		switch v := v.(type) {
		case map[string]any:
			return schema(v)
		case []any:
			for _, e := range v {
				if each(e) {
					return true
				}
			}
		}
		return false
	}
	schema = func(v any) bool {
		m, ok := v.(map[string]any)
		if !ok {
			return false
		}
		if _, ok := m["default"]; ok {
			return true
		}
		for k, e := range m {
			switch k {
			case "properties", "patternProperties", "$defs", "definitions", "dependentSchemas":
				// Maps of names to schemas: the names are not keywords.
				if named, ok := e.(map[string]any); ok {
					for _, sub := range named {
						if schema(sub) {
							return true
						}
					}
				}
			case "enum", "const", "examples", "required":
				// Values, not schemas.
			default:
				if each(e) {
					return true
				}
			}
		}
		return false
	}
	return schema(v)
}

// isObject reports whether data is a JSON object.
func isObject(data []byte) bool {
	for _, b := range data {
		switch b {
		case ' ', '\t', '\n', '\r':
			continue
		case '{':
			return true
		default:
			return false
		}
	}
	return false
}
