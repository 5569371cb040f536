// Command gen writes workspace/catalog/catalog_gen.go from the WorkOS OpenAPI spec and the
// editorial table in table.go. Output is deterministic (sorted, gofmt'ed): running it twice on
// the same spec gives the same bytes.
//
// Usage (from workspace/catalog, via go generate): go run ./internal/gen [-spec path] [-out file]
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/format"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/workos-mcp/workos-mcp/internal/openapi"
)

func main() {
	specPath := flag.String("spec", "", "WorkOS OpenAPI spec (default: openapi.SpecPath())")
	out := flag.String("out", "catalog_gen.go", "output file")
	flag.Parse()
	if *specPath == "" {
		p, err := openapi.SpecPath()
		if err != nil {
			fatal(err)
		}
		*specPath = p
	}
	spec, err := openapi.Load(*specPath)
	if err != nil {
		fatal(err)
	}
	src, err := Generate(spec)
	if err != nil {
		fatal(err)
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "catalog gen:", err)
	os.Exit(1)
}

// maxRefDepth bounds how many $refs deep a parameter schema is inlined; deeper, any value is
// accepted (the API itself still validates).
const maxRefDepth = 6

type genOp struct {
	name, resource, action, method, path string
	class                                string
	sendsEmail, idempotent               bool
	desc                                 string
	params                               []byte
	in                                   map[string]string
	required, joined                     []string
	area                                 string
	effects                              map[string]string
	compare                              []replacement
}

type genExcl struct{ name, method, path, reason string }

// Generate returns the source of catalog_gen.go.
func Generate(spec *openapi.Spec) ([]byte, error) {
	entries := map[string]entry{}
	names := map[string]string{}
	var errs []error
	for _, e := range table {
		if _, dup := entries[e.key]; dup {
			errs = append(errs, fmt.Errorf("table: %s listed twice", e.key))
		}
		entries[e.key] = e
		if other, dup := names[e.name]; dup {
			errs = append(errs, fmt.Errorf("table: name %s used by %s and %s", e.name, other, e.key))
		}
		names[e.name] = e.key
		if !validName.MatchString(e.name) {
			errs = append(errs, fmt.Errorf("table: name %q is not <resource>.<action> in snake_case", e.name))
		}
		if e.exclude == "" && e.class != R && e.class != W && e.class != D {
			errs = append(errs, fmt.Errorf("table: %s has no class", e.key))
		}
	}
	var ops []genOp
	var excls []genExcl
	seen := map[string]bool{}
	for _, sop := range spec.Operations {
		e, ok := entries[sop.Key()]
		if !ok {
			errs = append(errs, fmt.Errorf("spec operation %s (%s) is not in table.go: name it, class it or exclude it", sop.Key(), sop.ID))
			continue
		}
		seen[sop.Key()] = true
		if e.exclude != "" {
			excls = append(excls, genExcl{e.name, sop.Method, sop.Path, e.exclude})
			continue
		}
		g, err := buildOp(spec, sop, e)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ops = append(ops, g)
	}
	for _, e := range table {
		if !seen[e.key] {
			errs = append(errs, fmt.Errorf("table: %s is not in the spec (remove it, or rename with care: names are stable)", e.key))
		}
	}
	built := map[string]bool{}
	for _, o := range ops {
		built[o.name] = true
	}
	for name := range fieldEffects {
		if !built[name] {
			errs = append(errs, fmt.Errorf("effects.go: %s is not a write operation of the catalog", name))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].name < ops[j].name })
	sort.Slice(excls, func(i, j int) bool { return excls[i].name < excls[j].name })
	return render(ops, excls, len(spec.Operations))
}

var validName = regexp.MustCompile(`^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$`)

func buildOp(spec *openapi.Spec, sop *openapi.Operation, e entry) (genOp, error) {
	resource, action, _ := strings.Cut(e.name, ".")
	words, ok := resources[resource]
	if !ok {
		return genOp{}, fmt.Errorf("table: resource %q of %s has no words in resources", resource, e.name)
	}
	g := genOp{
		name: e.name, resource: resource, action: action,
		method: sop.Method, path: sop.Path, class: string(e.class),
		sendsEmail: sop.SendsEmail || e.email,
		in:         map[string]string{},
	}
	switch sop.Method {
	case "GET", "PUT", "DELETE", "HEAD":
		g.idempotent = true
	}
	if e.idem != nil {
		g.idempotent = *e.idem
	}
	g.desc = e.desc
	if g.desc == "" {
		d, err := describe(action, words)
		if err != nil {
			return genOp{}, fmt.Errorf("%s: %w", e.name, err)
		}
		g.desc = d
	}

	props := map[string]any{}
	var required []string
	for _, p := range sop.Parameters {
		if p.In == "header" {
			continue // headers (e.g. Idempotency-Key) are the client's business
		}
		if p.In != "path" && p.In != "query" {
			return genOp{}, fmt.Errorf("%s: parameter %s in %q not supported", e.name, p.Name, p.In)
		}
		name := p.Name
		if to, ok := e.rename[name]; ok && p.In == "path" {
			name = to
			g.path = strings.ReplaceAll(g.path, "{"+p.Name+"}", "{"+to+"}")
		}
		sch := inline(spec, p.Schema, 0, nil)
		if d := paramDescription(p.Name, p.In, words[0]); d != "" {
			sch["description"] = d
		}
		props[name] = sch
		g.in[name] = p.In
		if p.In == "path" || p.Required {
			required = append(required, name)
		}
		if p.In == "query" && p.Explode != nil && !*p.Explode && isArray(sch) {
			g.joined = append(g.joined, name)
		}
	}
	var bodyRules map[string]any
	if rb := sop.RequestBody; rb != nil && rb.Schema != nil {
		body := inline(spec, rb.Schema, 0, nil)
		if fields, ok := objectFields(body); ok {
			for _, name := range sortedKeys(fields) {
				if _, clash := props[name]; clash {
					return genOp{}, fmt.Errorf("%s: body field %q clashes with a path or query parameter", e.name, name)
				}
				props[name] = fields[name]
				g.in[name] = "body"
			}
			if rb.Required {
				required = append(required, unconditionalRequired(body)...)
				// Rules beyond plain fields (one-of variants, fields that exclude each other)
				// apply to the parameters object as they are: body fields are top-level.
				if hasCombinators(body) {
					bodyRules = withoutClosedObjects(body)
				}
			}
		} else {
			if _, clash := props["body"]; clash {
				return genOp{}, fmt.Errorf("%s: body parameter clashes with a parameter named body", e.name)
			}
			props["body"] = body
			g.in["body"] = "body"
			if rb.Required {
				required = append(required, "body")
			}
		}
	}
	sort.Strings(required)
	required = dedupe(required)
	sort.Strings(g.joined)
	g.required = required
	if err := classify(&g); err != nil {
		return genOp{}, err
	}
	schema := map[string]any{
		"type":                 "object",
		"properties":           props,
		"additionalProperties": false,
	}
	if len(required) > 0 {
		schema["required"] = required
	}
	if bodyRules != nil {
		schema["allOf"] = []any{bodyRules}
	}
	b, err := json.Marshal(schema)
	if err != nil {
		return genOp{}, fmt.Errorf("%s: %w", e.name, err)
	}
	g.params = b
	return g, nil
}

func isArray(s map[string]any) bool {
	switch t := s["type"].(type) {
	case string:
		return t == "array"
	case []any:
		for _, x := range t {
			if x == "array" {
				return true
			}
		}
	}
	return false
}

// objectFields collects the fields of an object body from its properties and from every branch of
// its allOf/oneOf/anyOf; ok is false when the body is not an object (array, scalar, free-form
// map). A field that differs between branches accepts any value here; the branches still decide.
func objectFields(s map[string]any) (map[string]any, bool) {
	if !objectish(s) {
		return nil, false
	}
	fields := map[string]any{}
	conflict := map[string]bool{}
	var walk func(m map[string]any)
	walk = func(m map[string]any) {
		if ps, ok := m["properties"].(map[string]any); ok {
			for k, v := range ps {
				if isEmpty(v) {
					continue // {"properties":{"x":{}}} inside not/required tests
				}
				if old, seen := fields[k]; seen && !sameJSON(old, v) {
					conflict[k] = true
				}
				fields[k] = v
			}
		}
		for _, comb := range []string{"allOf", "oneOf", "anyOf"} {
			if parts, ok := m[comb].([]any); ok {
				for _, p := range parts {
					if pm, ok := p.(map[string]any); ok {
						walk(pm)
					}
				}
			}
		}
	}
	walk(s)
	for k := range conflict {
		fields[k] = map[string]any{}
	}
	if len(fields) == 0 {
		return nil, false
	}
	return fields, true
}

// objectish reports whether a schema describes an object with named fields.
func objectish(s map[string]any) bool {
	if t, has := s["type"]; has && t != "object" {
		return false
	}
	_, hasProps := s["properties"]
	if ap, has := s["additionalProperties"]; has && ap != false && !hasProps {
		return false // a free-form map stays one parameter
	}
	if hasProps || s["type"] == "object" {
		return true
	}
	for _, comb := range []string{"allOf", "oneOf", "anyOf"} {
		if parts, ok := s[comb].([]any); ok && len(parts) > 0 {
			for _, p := range parts {
				pm, ok := p.(map[string]any)
				if !ok || !objectish(pm) {
					return false
				}
			}
			return true
		}
	}
	return false
}

func isEmpty(v any) bool {
	m, ok := v.(map[string]any)
	return ok && len(m) == 0
}

func sameJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// unconditionalRequired lists the fields required by the body and its allOf parts (not those
// required by only one of several variants).
func unconditionalRequired(s map[string]any) []string {
	req := stringList(s["required"])
	if parts, ok := s["allOf"].([]any); ok {
		for _, p := range parts {
			if pm, ok := p.(map[string]any); ok {
				req = append(req, unconditionalRequired(pm)...)
			}
		}
	}
	return req
}

// withoutClosedObjects drops additionalProperties from the body and its combinator branches, so
// that the body's rules can apply to a parameters object that also holds path and query fields.
func withoutClosedObjects(s map[string]any) map[string]any {
	out := make(map[string]any, len(s))
	for k, v := range s {
		switch k {
		case "additionalProperties", "unevaluatedProperties":
			continue
		case "allOf", "oneOf", "anyOf":
			parts, _ := v.([]any)
			np := make([]any, len(parts))
			for i, p := range parts {
				if pm, ok := p.(map[string]any); ok {
					np[i] = withoutClosedObjects(pm)
				} else {
					np[i] = p
				}
			}
			out[k] = np
		default:
			out[k] = v
		}
	}
	return out
}

func stringList(v any) []string {
	var out []string
	if l, ok := v.([]any); ok {
		for _, x := range l {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
	}
	if l, ok := v.([]string); ok {
		out = append(out, l...)
	}
	return out
}

// keep lists the JSON Schema keywords carried into parameter schemas. Prose (description,
// title, examples) is dropped: descriptions are ours.
var keep = map[string]bool{
	"type": true, "enum": true, "const": true, "format": true, "items": true, "prefixItems": true,
	"properties": true, "patternProperties": true, "additionalProperties": true, "required": true,
	"oneOf": true, "anyOf": true, "allOf": true, "not": true,
	"minimum": true, "maximum": true, "exclusiveMinimum": true, "exclusiveMaximum": true, "multipleOf": true,
	"minLength": true, "maxLength": true, "pattern": true,
	"minItems": true, "maxItems": true, "uniqueItems": true, "minProperties": true, "maxProperties": true,
	"default": true, "dependentRequired": true, "propertyNames": true,
}

// inline copies a schema with its $refs replaced by what they point to, keeping only validation
// keywords. Cycles and depth beyond maxRefDepth become {} (any value).
func inline(spec *openapi.Spec, v any, depth int, stack []string) map[string]any {
	m, ok := v.(map[string]any)
	if !ok {
		if b, ok := v.(bool); ok && !b {
			return map[string]any{"not": map[string]any{}}
		}
		return map[string]any{}
	}
	if ref, ok := m["$ref"].(string); ok {
		for _, s := range stack {
			if s == ref {
				return map[string]any{}
			}
		}
		if depth >= maxRefDepth {
			return map[string]any{}
		}
		target, err := spec.Resolve(ref)
		if err != nil {
			return map[string]any{}
		}
		out := inline(spec, target, depth+1, append(append([]string(nil), stack...), ref))
		for k, sib := range m { // OpenAPI 3.1 allows keywords beside $ref
			if k != "$ref" && keep[k] {
				out[k] = copyKeyword(spec, k, sib, depth, stack)
			}
		}
		return out
	}
	out := map[string]any{}
	for k, val := range m {
		if !keep[k] {
			continue
		}
		if k == "pattern" {
			if s, ok := val.(string); !ok || !goRegexp(s) {
				continue // ECMA-only syntax: leave the check to the API
			}
		}
		out[k] = copyKeyword(spec, k, val, depth, stack)
	}
	return out
}

func goRegexp(s string) bool {
	_, err := regexp.Compile(s)
	return err == nil
}

func copyKeyword(spec *openapi.Spec, k string, val any, depth int, stack []string) any {
	switch k {
	case "properties", "patternProperties":
		src, _ := val.(map[string]any)
		dst := make(map[string]any, len(src))
		for name, s := range src {
			dst[name] = inline(spec, s, depth, stack)
		}
		return dst
	case "items", "not", "propertyNames":
		return inline(spec, val, depth, stack)
	case "additionalProperties":
		if b, ok := val.(bool); ok {
			return b
		}
		return inline(spec, val, depth, stack)
	case "oneOf", "anyOf", "allOf", "prefixItems":
		src, _ := val.([]any)
		dst := make([]any, len(src))
		for i, s := range src {
			dst[i] = inline(spec, s, depth, stack)
		}
		return dst
	case "required":
		return dedupe(stringList(val))
	}
	return val
}

func dedupe(s []string) []string {
	out := s[:0:0]
	seen := map[string]bool{}
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// paramDescription gives the well-known parameters a description in our words.
func paramDescription(name, in, singular string) string {
	switch in {
	case "query":
		switch name {
		case "limit":
			return "Page size, 1 to 100."
		case "before":
			return "Cursor: return the page before this object ID (from list_metadata.before)."
		case "after":
			return "Cursor: return the page after this object ID (from list_metadata.after)."
		case "order":
			return "Sort order by creation time."
		}
	case "path":
		switch name {
		case "id":
			return "ID of the " + singular + "."
		case "slug":
			return "Slug of the " + singular + "."
		case "external_id":
			return "Your external ID of the " + singular + "."
		}
		return "Path parameter: " + humanize(name) + "."
	}
	return ""
}

// humanize turns organizationId or organization_id into "organization ID".
func humanize(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r == '_' || r == '-' {
			b.WriteByte(' ')
			continue
		}
		if unicode.IsUpper(r) && i > 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	out := " " + b.String() + " "
	out = strings.ReplaceAll(out, " id ", " ID ")
	out = strings.ReplaceAll(out, " om ", " organization membership ")
	return strings.TrimSpace(out)
}

func describe(action string, words [2]string) (string, error) {
	single, plural := words[0], words[1]
	switch action {
	case "list":
		return "List the " + plural + ", a page at a time.", nil
	case "get":
		return "Get one " + single + " by its identifier.", nil
	case "create":
		return "Create a new " + single + ".", nil
	case "update":
		return "Change the fields of " + article(single) + " " + single + ".", nil
	case "delete":
		return "Delete " + article(single) + " " + single + " for good.", nil
	}
	return "", fmt.Errorf("action %q needs a hand-written description in table.go", action)
}

func article(noun string) string {
	first, _, _ := strings.Cut(noun, " ")
	if first == strings.ToUpper(first) && len(first) > 1 { // an acronym: by how its letter sounds
		if strings.ContainsRune("AEFHILMNORSX", rune(first[0])) {
			return "an"
		}
		return "a"
	}
	if strings.ContainsRune("aeioAEIO", rune(noun[0])) { // "u" nouns here sound like "you": a user
		return "an"
	}
	return "a"
}

func render(ops []genOp, excls []genExcl, specOps int) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("// Code generated by workspace/catalog/internal/gen from the WorkOS OpenAPI spec and table.go; DO NOT EDIT.\n\n")
	b.WriteString("package catalog\n\nimport \"encoding/json\"\n\n")
	fmt.Fprintf(&b, "const specOperations = %d\n\n", specOps)
	b.WriteString("var operations = []*Operation{\n")
	for _, o := range ops {
		b.WriteString("{\n")
		fmt.Fprintf(&b, "Name: %q, Resource: %q, Action: %q,\n", o.name, o.resource, o.action)
		fmt.Fprintf(&b, "Method: %q, Path: %q,\n", o.method, o.path)
		fmt.Fprintf(&b, "Class: %s, Area: %q, SendsEmail: %t, Idempotent: %t,\n", classIdent(o.class), o.area, o.sendsEmail, o.idempotent)
		fmt.Fprintf(&b, "Description: %q,\n", o.desc)
		fmt.Fprintf(&b, "Params: json.RawMessage(%s),\n", goString(string(o.params)))
		b.WriteString("In: map[string]ParamIn{")
		for i, k := range sortedStringKeys(o.in) {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%q: %s", k, inIdent(o.in[k]))
		}
		b.WriteString("},\n")
		if len(o.required) > 0 {
			fmt.Fprintf(&b, "Required: %s,\n", stringSlice(o.required))
		}
		if len(o.joined) > 0 {
			fmt.Fprintf(&b, "Joined: %s,\n", stringSlice(o.joined))
		}
		if len(o.effects) > 0 {
			b.WriteString("Effects: map[string]Effect{")
			for i, k := range sortedStringKeys(o.effects) {
				if i > 0 {
					b.WriteString(", ")
				}
				fmt.Fprintf(&b, "%q: %q", k, o.effects[k])
			}
			b.WriteString("},\n")
		}
		if len(o.compare) > 0 {
			b.WriteString("Replacements: []Replacement{\n")
			for _, r := range o.compare {
				fmt.Fprintf(&b, "{Field: %q, Read: %q, Current: %q, CurrentKey: %q, NewKey: %q},\n", r.field, r.read, r.current, r.currentKey, r.newKey)
			}
			b.WriteString("},\n")
		}
		b.WriteString("},\n")
	}
	b.WriteString("}\n\nvar exclusions = []Exclusion{\n")
	for _, x := range excls {
		fmt.Fprintf(&b, "{Name: %q, Method: %q, Path: %q, Reason: %q},\n", x.name, x.method, x.path, x.reason)
	}
	b.WriteString("}\n")
	src, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("gofmt generated code: %w", err)
	}
	return src, nil
}

func classIdent(c string) string {
	switch c {
	case "read":
		return "Read"
	case "write":
		return "Write"
	}
	return "Destructive"
}

func inIdent(in string) string {
	switch in {
	case "path":
		return "InPath"
	case "query":
		return "InQuery"
	}
	return "InBody"
}

func sortedStringKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func stringSlice(s []string) string {
	q := make([]string, len(s))
	for i, x := range s {
		q[i] = strconv.Quote(x)
	}
	return "[]string{" + strings.Join(q, ", ") + "}"
}

// goString quotes s as a raw string literal when it can, for readable diffs.
func goString(s string) string {
	if !strings.ContainsAny(s, "`\r") {
		return "`" + s + "`"
	}
	return strconv.Quote(s)
}

// hasCombinators reports whether a body schema constrains more than its fields' own schemas and
// its required list.
func hasCombinators(s map[string]any) bool {
	for _, k := range []string{"allOf", "oneOf", "anyOf", "not", "dependentRequired", "minProperties", "maxProperties"} {
		if _, ok := s[k]; ok {
			return true
		}
	}
	return false
}
