// Package openapi reads the WorkOS OpenAPI document: its operations, their parameters, request
// bodies and response schemas, and validates responses against it.
//
// The document is OpenAPI 3.1, whose schemas are JSON Schema 2020-12. The whole document is
// registered as one JSON Schema resource, so a response schema is compiled from a JSON pointer
// into it and every $ref inside resolves against the document itself.
//
// The spec is read, never copied: the repository holds no part of it. Tests find it with
// [SpecPath] and skip (or, under CI=true, fail) when it is absent.
package openapi

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

// EnvSpecPath names the environment variable that overrides where the spec is read from.
const EnvSpecPath = "WORKOS_OPENAPI_SPEC"

// RelativeSpecPath is where the spec lives relative to the repository root.
const RelativeSpecPath = "../shared/workos-openapi/open-api-spec.yaml"

// ErrSpecNotFound is returned by SpecPath when no spec file can be found.
var ErrSpecNotFound = errors.New("openapi: WorkOS OpenAPI spec not found")

// ErrNotInSpec is wrapped by errors about a method and path that match no operation.
var ErrNotInSpec = errors.New("not in spec")

// ErrUndocumentedStatus is wrapped by errors about a status code the operation does not document.
var ErrUndocumentedStatus = errors.New("status not documented")

// SpecPath returns the path of the WorkOS OpenAPI spec: $WORKOS_OPENAPI_SPEC if set, else
// RelativeSpecPath resolved against the repository root (the nearest directory above the working
// directory that holds go.mod). The file must exist.
func SpecPath() (string, error) {
	if p := os.Getenv(EnvSpecPath); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%w: %s=%s: %v", ErrSpecNotFound, EnvSpecPath, p, err)
		}
		return p, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrSpecNotFound, err)
	}
	for range 64 { // bounded walk up to the filesystem root
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Clean(filepath.Join(dir, filepath.FromSlash(RelativeSpecPath)))
			if _, err := os.Stat(p); err != nil {
				return "", fmt.Errorf("%w at %s (set %s to override)", ErrSpecNotFound, p, EnvSpecPath)
			}
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	return "", fmt.Errorf("%w: no go.mod above the working directory (set %s)", ErrSpecNotFound, EnvSpecPath)
}

// Spec is a parsed OpenAPI document. It is safe for concurrent use.
type Spec struct {
	// Path is the file the spec was read from.
	Path string
	// Version is the document's "openapi" field, e.g. "3.1.1".
	Version string
	// Operations lists every operation, sorted by path then method.
	Operations []*Operation
	// Doc is the whole document as JSON values (map[string]any, []any, string, float64/int, bool, nil).
	Doc map[string]any

	byKey    map[string]*Operation
	routes   []*Operation // most specific first, for Find
	mu       sync.Mutex   // guards compiler and compiled
	compiler *jsonschema.Compiler
	compiled map[string]*jsonschema.Schema
}

// Operation is one method on one path of the spec.
type Operation struct {
	// ID is the spec's operationId.
	ID string
	// Method is the upper-case HTTP method.
	Method string
	// Path is the templated path, e.g. "/organizations/{id}".
	Path string
	// Tags are the spec's tags for the operation.
	Tags []string
	// SendsEmail is the spec's x-sends-email flag.
	SendsEmail bool
	// Deprecated is the spec's deprecated flag.
	Deprecated bool
	// Summary and Description are the spec's prose, for checks only: never copy them into the
	// repository (descriptions there are ours).
	Summary, Description string
	// Parameters are the path, query and header parameters, in spec order.
	Parameters []*Parameter
	// RequestBody is nil when the operation takes no body.
	RequestBody *RequestBody
	// Responses maps a status ("200", "4XX", "default") to its response.
	Responses map[string]*Response

	segments []string
}

// Parameter is a path, query or header parameter.
type Parameter struct {
	Name     string
	In       string // "path" | "query" | "header"
	Required bool
	Style    string
	Explode  *bool
	Schema   map[string]any // may hold $refs into the document
}

// RequestBody is an operation's JSON request body.
type RequestBody struct {
	Required    bool
	ContentType string
	Schema      map[string]any // may hold $refs into the document
	// Pointer is the JSON pointer of Schema in the document.
	Pointer string
}

// Response is one documented response of an operation.
type Response struct {
	Status      string
	ContentType string         // "" when the response has no body
	Schema      map[string]any // nil when the response has no body
	// Pointer is the JSON pointer of Schema in the document.
	Pointer string
}

// Key returns "METHOD /path", the operation's unique key.
func (o *Operation) Key() string { return o.Method + " " + o.Path }

var (
	loadMu sync.Mutex
	loaded = map[string]*Spec{}
)

// Load parses the spec at path. Parsing is done once per path; later calls return the same *Spec.
func Load(path string) (*Spec, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	loadMu.Lock()
	defer loadMu.Unlock()
	if s, ok := loaded[abs]; ok {
		return s, nil
	}
	raw, err := os.ReadFile(abs)
	if err != nil {
		return nil, fmt.Errorf("openapi: read spec: %w", err)
	}
	s, err := Parse(raw)
	if err != nil {
		return nil, err
	}
	s.Path = abs
	loaded[abs] = s
	return s, nil
}

// LoadDefault loads the spec found by SpecPath.
func LoadDefault() (*Spec, error) {
	p, err := SpecPath()
	if err != nil {
		return nil, err
	}
	return Load(p)
}

var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// Parse parses an OpenAPI 3.1 document from YAML or JSON bytes.
func Parse(raw []byte) (*Spec, error) {
	var v any
	if err := yaml.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("openapi: parse spec: %w", err)
	}
	doc, ok := normalize(v).(map[string]any)
	if !ok {
		return nil, errors.New("openapi: spec is not an object")
	}
	repair(doc)
	s := &Spec{Doc: doc, byKey: map[string]*Operation{}, compiled: map[string]*jsonschema.Schema{}}
	s.Version, _ = doc["openapi"].(string)
	if !strings.HasPrefix(s.Version, "3.1") {
		return nil, fmt.Errorf("openapi: spec version %q: want 3.1.x", s.Version)
	}
	paths, _ := doc["paths"].(map[string]any)
	if len(paths) == 0 {
		return nil, errors.New("openapi: spec has no paths")
	}
	for path, item := range paths {
		itemMap, _ := item.(map[string]any)
		if ref, ok := itemMap["$ref"].(string); ok {
			return nil, fmt.Errorf("openapi: path item %s: $ref %q not supported", path, ref)
		}
		var shared []any
		if ps, ok := itemMap["parameters"].([]any); ok {
			shared = ps
		}
		for _, m := range methods {
			opv, ok := itemMap[m].(map[string]any)
			if !ok {
				continue
			}
			op, err := s.parseOperation(path, m, opv, shared)
			if err != nil {
				return nil, err
			}
			s.Operations = append(s.Operations, op)
			s.byKey[op.Key()] = op
		}
	}
	sort.Slice(s.Operations, func(i, j int) bool {
		a, b := s.Operations[i], s.Operations[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Method < b.Method
	})
	s.routes = append([]*Operation(nil), s.Operations...)
	sort.SliceStable(s.routes, func(i, j int) bool { return moreSpecific(s.routes[i].segments, s.routes[j].segments) })

	s.compiler = jsonschema.NewCompiler()
	s.compiler.DefaultDraft(jsonschema.Draft2020)
	if err := s.compiler.AddResource(docURL, doc); err != nil {
		return nil, fmt.Errorf("openapi: register spec: %w", err)
	}
	return s, nil
}

// docURL is the URL the document is registered under in the schema compiler.
const docURL = "urn:workos:openapi.json"

func (s *Spec) parseOperation(path, method string, opv map[string]any, shared []any) (*Operation, error) {
	op := &Operation{
		Method:    strings.ToUpper(method),
		Path:      path,
		Responses: map[string]*Response{},
		segments:  splitPath(path),
	}
	op.ID, _ = opv["operationId"].(string)
	op.SendsEmail, _ = opv["x-sends-email"].(bool)
	op.Deprecated, _ = opv["deprecated"].(bool)
	op.Summary, _ = opv["summary"].(string)
	op.Description, _ = opv["description"].(string)
	for _, t := range asSlice(opv["tags"]) {
		if ts, ok := t.(string); ok {
			op.Tags = append(op.Tags, ts)
		}
	}
	seen := map[string]bool{}
	params := append(asSlice(opv["parameters"]), shared...) // operation-level wins over path-level
	for i, pv := range params {
		pm, ok := pv.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("openapi: %s %s: parameter %d is not an object", op.Method, path, i)
		}
		if ref, ok := pm["$ref"].(string); ok {
			r, err := s.Resolve(ref)
			if err != nil {
				return nil, fmt.Errorf("openapi: %s %s: %w", op.Method, path, err)
			}
			if pm, ok = r.(map[string]any); !ok {
				return nil, fmt.Errorf("openapi: %s %s: parameter %s is not an object", op.Method, path, ref)
			}
		}
		p := &Parameter{}
		p.Name, _ = pm["name"].(string)
		p.In, _ = pm["in"].(string)
		p.Required, _ = pm["required"].(bool)
		p.Style, _ = pm["style"].(string)
		if e, ok := pm["explode"].(bool); ok {
			p.Explode = &e
		}
		p.Schema, _ = pm["schema"].(map[string]any)
		if p.Name == "" || p.In == "" {
			return nil, fmt.Errorf("openapi: %s %s: parameter %d has no name or location", op.Method, path, i)
		}
		if seen[p.In+":"+p.Name] {
			continue
		}
		seen[p.In+":"+p.Name] = true
		op.Parameters = append(op.Parameters, p)
	}
	if rbv, ok := opv["requestBody"].(map[string]any); ok {
		rb := &RequestBody{}
		rb.Required, _ = rbv["required"].(bool)
		content, _ := rbv["content"].(map[string]any)
		rb.ContentType, rb.Schema = pickContent(content)
		if rb.Schema != nil {
			rb.Pointer = "/paths/" + escapePointer(path) + "/" + method + "/requestBody/content/" + escapePointer(rb.ContentType) + "/schema"
		}
		op.RequestBody = rb
	}
	responses, _ := opv["responses"].(map[string]any)
	for status, rv := range responses {
		rm, ok := rv.(map[string]any)
		if !ok {
			continue
		}
		ptr := "/paths/" + escapePointer(path) + "/" + method + "/responses/" + escapePointer(status)
		if ref, ok := rm["$ref"].(string); ok {
			r, err := s.Resolve(ref)
			if err != nil {
				return nil, fmt.Errorf("openapi: %s %s: %w", op.Method, path, err)
			}
			rm, _ = r.(map[string]any)
			ptr = strings.TrimPrefix(ref, "#")
		}
		resp := &Response{Status: status}
		content, _ := rm["content"].(map[string]any)
		resp.ContentType, resp.Schema = pickContent(content)
		if resp.Schema != nil {
			resp.Pointer = ptr + "/content/" + escapePointer(resp.ContentType) + "/schema"
		}
		op.Responses[status] = resp
	}
	return op, nil
}

// pickContent returns the JSON media type of a content map and its schema.
func pickContent(content map[string]any) (string, map[string]any) {
	keys := make([]string, 0, len(content))
	for k := range content {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == "application/json" || strings.HasSuffix(k, "+json") {
			mt, _ := content[k].(map[string]any)
			sch, _ := mt["schema"].(map[string]any)
			return k, sch
		}
	}
	if len(keys) > 0 {
		mt, _ := content[keys[0]].(map[string]any)
		sch, _ := mt["schema"].(map[string]any)
		return keys[0], sch
	}
	return "", nil
}

// Operation returns the operation with exactly this method and templated path.
func (s *Spec) Operation(method, path string) (*Operation, bool) {
	op, ok := s.byKey[strings.ToUpper(method)+" "+path]
	return op, ok
}

// Find maps a concrete request path (a query string is ignored) to its operation and the values of
// its path parameters. When several templates match, the one with literal segments earliest wins:
// "/organizations/external_id/x" is getByExternalId, not a child of "/organizations/{id}".
func (s *Spec) Find(method, path string) (*Operation, map[string]string, bool) {
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	method = strings.ToUpper(method)
	segs := splitPath(path)
	for _, op := range s.routes {
		if op.Method != method || len(op.segments) != len(segs) {
			continue
		}
		if vals, ok := match(op.segments, segs); ok {
			return op, vals, true
		}
	}
	return nil, nil, false
}

func match(tmpl, segs []string) (map[string]string, bool) {
	var vals map[string]string
	for i, t := range tmpl {
		if isParam(t) {
			if segs[i] == "" {
				return nil, false
			}
			if vals == nil {
				vals = map[string]string{}
			}
			vals[t[1:len(t)-1]] = segs[i]
			continue
		}
		if t != segs[i] {
			return nil, false
		}
	}
	return vals, true
}

// moreSpecific orders templates so that a literal segment beats a parameter at the first position
// where they differ.
func moreSpecific(a, b []string) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		pa, pb := isParam(a[i]), isParam(b[i])
		if pa != pb {
			return !pa
		}
	}
	return false
}

func isParam(seg string) bool {
	return len(seg) > 2 && seg[0] == '{' && seg[len(seg)-1] == '}'
}

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// Resolve returns the value a local reference ("#/components/schemas/Organization") points to.
func (s *Spec) Resolve(ref string) (any, error) {
	if !strings.HasPrefix(ref, "#") {
		return nil, fmt.Errorf("openapi: reference %q is not local", ref)
	}
	var cur any = s.Doc
	ptr := strings.TrimPrefix(ref, "#")
	if ptr == "" {
		return cur, nil
	}
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[tok]
			if !ok {
				return nil, fmt.Errorf("openapi: reference %q: no %q", ref, tok)
			}
			cur = v
		case []any:
			var i int
			if _, err := fmt.Sscanf(tok, "%d", &i); err != nil || i < 0 || i >= len(c) {
				return nil, fmt.Errorf("openapi: reference %q: bad index %q", ref, tok)
			}
			cur = c[i]
		default:
			return nil, fmt.Errorf("openapi: reference %q: cannot descend into %q", ref, tok)
		}
	}
	return cur, nil
}

// Schema compiles (once) the JSON Schema at a JSON pointer into the document, e.g.
// "/components/schemas/Organization".
func (s *Spec) Schema(pointer string) (*jsonschema.Schema, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sch, ok := s.compiled[pointer]; ok {
		return sch, nil
	}
	sch, err := s.compiler.Compile(docURL + "#" + encodeFragment(pointer))
	if err != nil {
		return nil, fmt.Errorf("openapi: compile schema %s: %w", pointer, err)
	}
	s.compiled[pointer] = sch
	return sch, nil
}

// encodeFragment percent-encodes what a URL fragment cannot carry as is.
func encodeFragment(ptr string) string {
	var b strings.Builder
	for i := 0; i < len(ptr); i++ {
		c := ptr[i]
		if c == '%' || c == ' ' || c == '#' || c == '"' || c == '<' || c == '>' || c == '{' || c == '}' || c == '|' || c == '\\' || c == '^' || c == '`' || c >= 0x7f || c < 0x20 {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func escapePointer(tok string) string {
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1")
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

// normalize turns what yaml.v3 decodes into JSON values: maps keyed by strings.
func normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normalize(e)
		}
		return x
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[fmt.Sprint(k)] = normalize(e)
		}
		return m
	case []any:
		for i, e := range x {
			x[i] = normalize(e)
		}
		return x
	case time.Time:
		// yaml.v3 reads unquoted timestamps as time.Time; JSON has only strings.
		return x.UTC().Format(time.RFC3339Nano)
	default:
		return v
	}
}

// repair fixes what the published document gets wrong as JSON Schema, so that the 2020-12
// metaschema accepts it: duplicate names in "required" arrays.
func repair(v any) {
	switch x := v.(type) {
	case map[string]any:
		if req, ok := x["required"].([]any); ok {
			seen := map[any]bool{}
			out := req[:0]
			for _, r := range req {
				if !seen[r] {
					seen[r] = true
					out = append(out, r)
				}
			}
			x["required"] = out
		}
		for _, e := range x {
			repair(e)
		}
	case []any:
		for _, e := range x {
			repair(e)
		}
	}
}
