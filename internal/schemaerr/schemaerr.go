// Package schemaerr describes JSON Schema validation errors (santhosh-tekuri/jsonschema) as
// violations located by RFC 6901 pointers, without quoting the values that broke the rules: a
// value that fails a pattern or a format may be a secret. The catalog reports parameter errors
// with it at run time, and the spec reader its validation errors in tests, so neither repeats
// the other and the catalog does not link the spec reader.
package schemaerr

import (
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// Violation is one rule a JSON value breaks. No field quotes a value the caller sent (it may be
// a secret being set) except Got, the measure of a value that broke a bound, which callers keep
// out of records.
type Violation struct {
	// Pointer locates the offending value in the instance (RFC 6901): "/limit", "/domains/0"; ""
	// is the instance itself.
	Pointer string
	// Message is the rule, as the caller needs it to fix the call: "missing property 'id'",
	// "value must be one of 'asc', 'desc'", "is not a valid email". For a bound it is the
	// bound's keyword ("maximum", "maxLength"), and Want and Got are its two sides.
	Message string
	// Want is the bound a value broke ("100"); empty for other rules.
	Want string
	// Got is what the value measured against the bound: the number itself, or a length or count
	// ("500"). It comes from the caller's value: a record keeps Rule, not String.
	Got string
}

// maxShown bounds how many violations Describe lists; the rest are counted.
const maxShown = 10

// Describe renders violations with render (String, or Rule where the text is recorded), joined
// by "; ": the first ten of them and a count of the others.
func Describe(vs []Violation, render func(Violation) string) string {
	if len(vs) == 0 {
		return "does not match the schema"
	}
	lines := make([]string, 0, min(len(vs), maxShown)+1)
	for i, v := range vs {
		if i == maxShown {
			lines = append(lines, fmt.Sprintf("and %d more", len(vs)-maxShown))
			break
		}
		lines = append(lines, render(v))
	}
	return strings.Join(lines, "; ")
}

// String renders the violation for the caller who sent the value: "at '/limit': maximum: got
// 500, want 100".
func (v Violation) String() string {
	if v.Want != "" || v.Got != "" {
		return fmt.Sprintf("at '%s': %s: got %s, want %s", v.Pointer, v.Message, v.Got, v.Want)
	}
	return fmt.Sprintf("at '%s': %s", v.Pointer, v.Message)
}

// Rule renders the violation without anything measured from the caller's value, for logs and
// audit records: "at '/limit': maximum: want 100".
func (v Violation) Rule() string {
	if v.Want != "" || v.Got != "" {
		return fmt.Sprintf("at '%s': %s: want %s", v.Pointer, v.Message, v.Want)
	}
	return v.String()
}

// Violations lists the rules a validation error says were broken: one per leaf of the error
// tree (the causes of anyOf/oneOf/allOf failures), repeats dropped, sorted by pointer and
// message (the validator's own order follows map iteration, so the same call would otherwise
// be described differently from one run to the next). ok is false when err is not a
// *jsonschema.ValidationError.
func Violations(err error) (vs []Violation, ok bool) {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return nil, false
	}
	seen := map[Violation]bool{}
	var walk func(e *jsonschema.ValidationError, depth int)
	walk = func(e *jsonschema.ValidationError, depth int) {
		if len(e.Causes) > 0 && depth < 64 {
			for _, c := range e.Causes {
				walk(c, depth+1)
			}
			return
		}
		v := violationOf(e.ErrorKind)
		v.Pointer = pointer(e.InstanceLocation)
		if !seen[v] {
			seen[v] = true
			vs = append(vs, v)
		}
	}
	walk(ve, 0)
	sort.Slice(vs, func(i, j int) bool {
		if vs[i].Pointer != vs[j].Pointer {
			return vs[i].Pointer < vs[j].Pointer
		}
		return vs[i].Message < vs[j].Message
	})
	return vs, true
}

// violationOf describes one broken rule. Pattern and format failures are worded here because the
// library's own wording quotes the value.
func violationOf(k jsonschema.ErrorKind) Violation {
	bound := func(keyword string, got, want any) Violation {
		return Violation{Message: keyword, Got: number(got), Want: number(want)}
	}
	switch k := k.(type) {
	case *kind.Pattern:
		return Violation{Message: fmt.Sprintf("does not match pattern %q", k.Want)}
	case *kind.Format:
		return Violation{Message: fmt.Sprintf("is not a valid %s", k.Want)}
	case *kind.ContentEncoding:
		return Violation{Message: fmt.Sprintf("is not valid %s", k.Want)}
	case *kind.ContentMediaType:
		return Violation{Message: fmt.Sprintf("is not valid %s", k.Want)}
	case *kind.Minimum:
		return bound("minimum", k.Got, k.Want)
	case *kind.Maximum:
		return bound("maximum", k.Got, k.Want)
	case *kind.ExclusiveMinimum:
		return bound("exclusiveMinimum", k.Got, k.Want)
	case *kind.ExclusiveMaximum:
		return bound("exclusiveMaximum", k.Got, k.Want)
	case *kind.MultipleOf:
		return bound("multipleOf", k.Got, k.Want)
	case *kind.MinLength:
		return bound("minLength", k.Got, k.Want)
	case *kind.MaxLength:
		return bound("maxLength", k.Got, k.Want)
	case *kind.MinItems:
		return bound("minItems", k.Got, k.Want)
	case *kind.MaxItems:
		return bound("maxItems", k.Got, k.Want)
	case *kind.MinProperties:
		return bound("minProperties", k.Got, k.Want)
	case *kind.MaxProperties:
		return bound("maxProperties", k.Got, k.Want)
	}
	// Every other kind the library words without the value ("missing property 'id'", "got
	// string, want integer", "value must be one of ..."); a lone leaf renders as "at '':
	// <message>" with its English printer.
	return Violation{Message: strings.TrimPrefix((&jsonschema.ValidationError{ErrorKind: k}).Error(), "at '': ")}
}

// number renders a bound's side as the library does (a float64's shortest form, an int as is).
func number(v any) string {
	if r, ok := v.(*big.Rat); ok {
		f, _ := r.Float64()
		return fmt.Sprint(f)
	}
	return fmt.Sprint(v)
}

// pointer is the RFC 6901 JSON pointer of a location in the instance.
func pointer(tokens []string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(strings.ReplaceAll(strings.ReplaceAll(t, "~", "~0"), "/", "~1"))
	}
	return b.String()
}
