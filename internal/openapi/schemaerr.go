package openapi

import (
	"github.com/workos-mcp/workos-mcp/internal/schemaerr"
)

// DescribeSchemaError turns a JSON Schema validation error into one line per violation
// ("at '/data/0': missing property 'id'"), without echoing the offending values: a value that
// fails a pattern or format may be a secret. Other errors are returned as they are.
func DescribeSchemaError(err error) string {
	vs, ok := schemaerr.Violations(err)
	if !ok {
		return err.Error()
	}
	return schemaerr.Describe(vs, schemaerr.Violation.String)
}
