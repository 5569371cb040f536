// Package catalog is the list of WorkOS API operations that the workspace server can run: every
// public operation of the WorkOS OpenAPI spec under a stable, readable name
// (`<resource>.<action>`, e.g. "organizations.delete"), with its method, path, parameters as one
// JSON Schema object, a class (read, write, or destructive: irreversible, confirmed before it
// runs), the area of the environment it acts on, and the effect of each body field (plain,
// secret, credential, replaces). The workspace policy decides from areas and effects, never from
// operation names.
//
// The data is generated (`go generate ./workspace/catalog`) into catalog_gen.go from the spec and
// from the editorial table in internal/gen/table.go, which names every operation, classes it,
// describes it in our words, or excludes it with a reason. Excluded operations (minting
// credentials, acting as an end user in a sign-in flow, impersonation) appear in no listing.
package catalog

//go:generate go run ./internal/gen -out catalog_gen.go

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/workos-mcp/workos-mcp/workos"
)

// Class says what running an operation can do.
type Class string

// The classes.
const (
	// Read changes nothing.
	Read Class = "read"
	// Write changes state that another call can restore.
	Write Class = "write"
	// Destructive changes what no call can restore: deletions, revocations, purges.
	Destructive Class = "destructive"
)

// ParamIn says where a parameter goes in the HTTP request.
type ParamIn string

// The parameter locations.
const (
	InPath  ParamIn = "path"
	InQuery ParamIn = "query"
	InBody  ParamIn = "body"
)

// BodyParam is the single parameter that carries a request body that is not an object.
const BodyParam = "body"

// Operation is one runnable WorkOS API operation. Values are shared: do not modify them.
type Operation struct {
	Name     string // "organizations.delete"
	Resource string // "organizations"
	Action   string // "delete"
	Method   string // "DELETE"
	// Path is the spec's path template; its placeholders are parameter names (two operations
	// rename {slug} to {role_slug}, where the body has a field named slug).
	Path string // "/organizations/{id}"

	Class      Class
	Area       Area // what part of the environment it acts on; roles are limited to areas
	SendsEmail bool // running it emails someone
	Idempotent bool // running it twice has the effect of running it once

	Description string // our own words

	// Params is a JSON Schema (2020-12) of one object holding every path, query and body field.
	Params json.RawMessage
	// In says where each top-level parameter goes.
	In map[string]ParamIn
	// Required lists the required top-level parameters, sorted.
	Required []string
	// Joined lists the array query parameters sent as one comma-separated value; other arrays
	// repeat the parameter.
	Joined []string
	// Effects gives the effect of every body field of a write or destructive operation (read
	// operations have none). The generator refuses a body field that table.go does not classify.
	Effects map[string]Effect
	// Replacements says how to compare each Replaces field with what exists.
	Replacements []Replacement
}

// compiledSchema caches an operation's compiled parameter schema (outside the struct, so that Operation
// stays a plain value).
type compiledSchema struct {
	once   sync.Once
	schema *jsonschema.Schema
	err    error
}

var compiled sync.Map // *Operation -> *compiledSchema

// Exclusion is a spec operation the catalog leaves out, and why.
type Exclusion struct {
	Name, Method, Path, Reason string
}

var byName = func() map[string]*Operation {
	m := make(map[string]*Operation, len(operations))
	for _, op := range operations {
		m[op.Name] = op
	}
	return m
}()

// byRoute finds an operation by method and path template; the first by name wins, as a scan of
// All would find it.
var byRoute = func() map[[2]string][]*Operation {
	m := make(map[[2]string][]*Operation, len(operations))
	for _, op := range operations {
		k := [2]string{op.Method, op.Path}
		m[k] = append(m[k], op)
	}
	return m
}()

// ByRoute returns the operations with this method and path template (e.g. "GET",
// "/organizations/{id}"), sorted by name; nil when there is none.
func ByRoute(method, path string) []*Operation {
	return byRoute[[2]string{method, path}]
}

// Each calls f with every operation, sorted by name, until f returns false. Unlike All it copies
// nothing, for hot paths that only look.
func Each(f func(*Operation) bool) {
	for _, op := range operations {
		if !f(op) {
			return
		}
	}
}

// All returns every operation, sorted by name.
func All() []*Operation {
	return append([]*Operation(nil), operations...)
}

// Lookup returns the operation with this name.
func Lookup(name string) (*Operation, bool) {
	op, ok := byName[name]
	return op, ok
}

// Excluded returns the spec operations left out of the catalog, sorted by name.
func Excluded() []Exclusion {
	return append([]Exclusion(nil), exclusions...)
}

// SpecOperations is how many operations the spec had when the catalog was generated:
// len(All()) + len(Excluded()).
func SpecOperations() int { return specOperations }

// Search returns the operations that match words, best first, limited to classes when any are
// given. Every word must match the name, resource, path or description (case-insensitive; a
// word matches as a prefix of a name part, so "org" finds "organizations.list"). An empty query
// returns every operation of the classes, sorted by name.
func Search(words string, classes ...Class) []*Operation {
	terms := strings.FieldsFunc(strings.ToLower(words), func(r rune) bool {
		return r == ' ' || r == ',' || r == '.' || r == '_' || r == '/' || r == '-' || r == '\t' || r == '\n'
	})
	type hit struct {
		op    *Operation
		score int
	}
	var hits []hit
	for _, op := range operations {
		if len(classes) > 0 && !hasClass(classes, op.Class) {
			continue
		}
		score, ok := op.match(terms)
		if ok {
			hits = append(hits, hit{op, score})
		}
	}
	sort.SliceStable(hits, func(i, j int) bool {
		if hits[i].score != hits[j].score {
			return hits[i].score > hits[j].score
		}
		if li, lj := hits[i].op.Action == "list", hits[j].op.Action == "list"; li != lj {
			return li // with nothing else to go on, the overview first
		}
		return hits[i].op.Name < hits[j].op.Name
	})
	out := make([]*Operation, len(hits))
	for i, h := range hits {
		out[i] = h.op
	}
	return out
}

func hasClass(classes []Class, c Class) bool {
	for _, x := range classes {
		if x == c {
			return true
		}
	}
	return false
}

// match scores an operation against search terms: a whole name part counts most, then a prefix
// of one, then the path, then the description; name parts no term matched cost a little, so
// "delete org" ranks organizations.delete above organization_domains.delete. Every term must
// match somewhere.
func (o *Operation) match(terms []string) (int, bool) {
	parts := strings.FieldsFunc(o.Name, func(r rune) bool { return r == '.' || r == '_' })
	hit := make([]bool, len(parts))
	path := strings.ToLower(o.Path)
	desc := strings.ToLower(o.Description)
	total := 0
	for _, t := range terms {
		best, bestPart := 0, -1
		for i, p := range parts {
			w := 0
			switch {
			case p == t || singular(p) == singular(t):
				w = 10
			case strings.HasPrefix(p, t):
				w = 6
			}
			if w > best {
				best, bestPart = w, i
			}
		}
		if bestPart >= 0 {
			hit[bestPart] = true
		}
		if best == 0 && strings.Contains(path, t) {
			best = 3
		}
		if best == 0 && strings.Contains(desc, t) {
			best = 1
		}
		if best == 0 {
			return 0, false
		}
		total += best
	}
	if len(terms) > 0 {
		for _, h := range hit {
			if !h {
				total--
			}
		}
	}
	return total, true
}

func singular(w string) string {
	switch {
	case strings.HasSuffix(w, "ies") && len(w) > 3:
		return w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "ses") && len(w) > 3:
		return w[:len(w)-2]
	case strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && len(w) > 1:
		return w[:len(w)-1]
	}
	return w
}

// Schema returns the compiled JSON Schema of the operation's parameters.
func (o *Operation) Schema() (*jsonschema.Schema, error) {
	v, _ := compiled.LoadOrStore(o, &compiledSchema{})
	cs := v.(*compiledSchema)
	cs.once.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(strings.NewReader(string(o.Params)))
		if err != nil {
			cs.err = fmt.Errorf("catalog: %s: params schema: %w", o.Name, err)
			return
		}
		c := jsonschema.NewCompiler()
		c.DefaultDraft(jsonschema.Draft2020)
		c.AssertFormat() // a malformed email or date is the caller's to fix, before anything is sent
		loc := "urn:workos-mcp:catalog:" + o.Name
		if err := c.AddResource(loc, doc); err != nil {
			cs.err = fmt.Errorf("catalog: %s: params schema: %w", o.Name, err)
			return
		}
		cs.schema, cs.err = c.Compile(loc)
		if cs.err != nil {
			cs.err = fmt.Errorf("catalog: %s: params schema: %w", o.Name, cs.err)
		}
	})
	return cs.schema, cs.err
}

// ValidateParams checks params (a JSON object: map[string]any, json.RawMessage or []byte) against
// the operation's parameter schema. When they do not fit, the error is a *ParamError that says
// which parameter is wrong and how, without the offending values.
func (o *Operation) ValidateParams(params any) error {
	sch, err := o.Schema()
	if err != nil {
		return err
	}
	v, err := jsonValue(params)
	if err != nil {
		return fmt.Errorf("%s: %w", o.Name, err)
	}
	if err := sch.Validate(v); err != nil {
		return paramError(o.Name, err)
	}
	return nil
}

// jsonValue turns params into the JSON values the validator expects.
func jsonValue(params any) (any, error) {
	var raw []byte
	switch p := params.(type) {
	case nil:
		return map[string]any{}, nil
	case json.RawMessage:
		raw = p
	case []byte:
		raw = p
	default:
		b, err := json.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("parameters are not JSON: %v", err)
		}
		raw = b
	}
	if len(strings.TrimSpace(string(raw))) == 0 {
		return map[string]any{}, nil
	}
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(string(raw)))
	if err != nil {
		return nil, errors.New("parameters are not JSON")
	}
	return v, nil
}

// Request splits validated params into the concrete request path (path parameters substituted
// and escaped), the query string, and the JSON body (nil when the operation takes none).
// It does not validate against the schema (call ValidateParams first), but refuses a path
// parameter that is not one segment of an ID-like grammar (workos.CheckPathSegment): "..",
// "a/b", "%2e" and the like could otherwise address another endpoint.
func (o *Operation) Request(params map[string]any) (path string, query url.Values, body any, err error) {
	path = o.Path
	query = url.Values{}
	var obj map[string]any
	joined := map[string]bool{}
	for _, j := range o.Joined {
		joined[j] = true
	}
	names := make([]string, 0, len(params))
	for k := range params {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		v := params[name]
		in, ok := o.In[name]
		if !ok {
			return "", nil, nil, fmt.Errorf("%s: unknown parameter %q", o.Name, name)
		}
		switch in {
		case InPath:
			s, err := pathValue(o, name, v)
			if err != nil {
				return "", nil, nil, err
			}
			path = strings.ReplaceAll(path, "{"+name+"}", url.PathEscape(s))
		case InQuery:
			if arr, ok := v.([]any); ok {
				vals := make([]string, 0, len(arr))
				for _, e := range arr {
					s, err := scalarString(e)
					if err != nil {
						return "", nil, nil, fmt.Errorf("%s: query parameter %q: %v", o.Name, name, err)
					}
					vals = append(vals, s)
				}
				if joined[name] {
					query.Set(name, strings.Join(vals, ","))
				} else {
					query[name] = vals
				}
				continue
			}
			if m, ok := v.(map[string]any); ok { // deepObject style: name[key]=value
				keys := make([]string, 0, len(m))
				for k := range m {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				for _, k := range keys {
					s, err := scalarString(m[k])
					if err != nil {
						return "", nil, nil, fmt.Errorf("%s: query parameter %q: %v", o.Name, name, err)
					}
					query.Set(name+"["+k+"]", s)
				}
				continue
			}
			s, err := scalarString(v)
			if err != nil {
				return "", nil, nil, fmt.Errorf("%s: query parameter %q: %v", o.Name, name, err)
			}
			query.Set(name, s)
		case InBody:
			if name == BodyParam && len(o.In) > 0 && !o.hasBodyFields() {
				body = v
				continue
			}
			if obj == nil {
				obj = map[string]any{}
			}
			obj[name] = v
		}
	}
	if strings.Contains(path, "{") {
		return "", nil, nil, fmt.Errorf("%s: missing path parameter in %s", o.Name, path)
	}
	if obj != nil {
		body = obj
	} else if body == nil && o.takesBody() && o.Method != "GET" && o.Method != "DELETE" {
		body = map[string]any{}
	}
	return path, query, body, nil
}

// PathParams returns the values of the operation's path parameters, each checked as one
// segment (workos.CheckPathSegment), for workos.Client.DoTemplate with the operation's Path.
// Errors name the parameter and the rule, never the value.
func (o *Operation) PathParams(params map[string]any) (map[string]string, error) {
	out := map[string]string{}
	for name, in := range o.In {
		if in != InPath {
			continue
		}
		v, ok := params[name]
		if !ok {
			return nil, fmt.Errorf("%s: missing path parameter %q", o.Name, name)
		}
		s, err := pathValue(o, name, v)
		if err != nil {
			return nil, err
		}
		out[name] = s
	}
	return out, nil
}

// pathValue is a path parameter's value as one checked segment.
func pathValue(o *Operation, name string, v any) (string, error) {
	s, err := scalarString(v)
	if err != nil || s == "" {
		return "", fmt.Errorf("%s: path parameter %q must be a non-empty string or number", o.Name, name)
	}
	if err := workos.CheckPathSegment(s); err != nil {
		// The rule, never the value: a path parameter may be a secret (an invitation token).
		var pe *workos.PathError
		rule := "is not a valid path segment"
		if errors.As(err, &pe) {
			rule = pe.Rule
		}
		return "", fmt.Errorf("%s: path parameter %q %s: it must be one ID, slug or name (no dot segments, slashes, backslashes, percent-encoding, whitespace, control or non-ASCII characters, ?, # or ;, at most %d bytes)",
			o.Name, name, rule, workos.MaxPathSegment)
	}
	return s, nil
}

// hasBodyFields reports whether the body is an object split into top-level parameters.
func (o *Operation) hasBodyFields() bool {
	for name, in := range o.In {
		if in == InBody && name != BodyParam {
			return true
		}
	}
	return false
}

func (o *Operation) takesBody() bool {
	for _, in := range o.In {
		if in == InBody {
			return true
		}
	}
	return false
}

func scalarString(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case bool:
		if x {
			return "true", nil
		}
		return "false", nil
	case json.Number:
		return x.String(), nil
	case float64:
		if x == float64(int64(x)) {
			return fmt.Sprintf("%d", int64(x)), nil
		}
		return fmt.Sprint(x), nil
	case int, int64, int32:
		return fmt.Sprint(x), nil
	}
	return "", fmt.Errorf("want a string, number or boolean, got %T", v)
}
