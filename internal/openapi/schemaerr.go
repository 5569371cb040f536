package openapi

import (
	"errors"
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// maxSchemaErrors bounds how many violations DescribeSchemaError lists.
const maxSchemaErrors = 10

// DescribeSchemaError turns a JSON Schema validation error into one line per violation
// ("at '/data/0': missing property 'id'"), without echoing the offending values: a value that
// fails a pattern or format may be a secret. Other errors are returned as they are.
func DescribeSchemaError(err error) string {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return err.Error()
	}
	var lines []string
	seen := map[string]bool{}
	var walk func(e *jsonschema.ValidationError, depth int)
	walk = func(e *jsonschema.ValidationError, depth int) {
		if len(e.Causes) > 0 && depth < 64 {
			for _, c := range e.Causes {
				walk(c, depth+1)
			}
			return
		}
		line := fmt.Sprintf("at '%s': %s", pointer(e.InstanceLocation), describeKind(e.ErrorKind))
		if !seen[line] {
			seen[line] = true
			lines = append(lines, line)
		}
	}
	walk(ve, 0)
	if len(lines) == 0 {
		return "does not match the schema"
	}
	if len(lines) > maxSchemaErrors {
		lines = append(lines[:maxSchemaErrors], fmt.Sprintf("and %d more", len(lines)-maxSchemaErrors))
	}
	return strings.Join(lines, "; ")
}

func describeKind(k jsonschema.ErrorKind) string {
	switch k := k.(type) {
	case *kind.Pattern:
		return fmt.Sprintf("does not match pattern %q", k.Want)
	case *kind.Format:
		return fmt.Sprintf("is not a valid %s", k.Want)
	case *kind.ContentEncoding:
		return fmt.Sprintf("is not valid %s", k.Want)
	case *kind.ContentMediaType:
		return fmt.Sprintf("is not valid %s", k.Want)
	}
	// A lone leaf renders as "at '': <message>" with the library's English printer.
	return strings.TrimPrefix((&jsonschema.ValidationError{ErrorKind: k}).Error(), "at '': ")
}

func pointer(tokens []string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(strings.ReplaceAll(strings.ReplaceAll(t, "~", "~0"), "/", "~1"))
	}
	return b.String()
}
