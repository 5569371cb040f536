package emulator_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/workos-mcp/workos-mcp/emulator"
	"github.com/workos-mcp/workos-mcp/internal/openapi/openapitest"
)

// TestIdempotentOperationsMatchSpec checks that strict mode honours Idempotency-Key exactly
// where the spec documents the header.
func TestIdempotentOperationsMatchSpec(t *testing.T) {
	spec := openapitest.Spec(t)
	var documented []string
	for _, op := range spec.Operations {
		for _, p := range op.Parameters {
			if p.In == "header" && strings.EqualFold(p.Name, "Idempotency-Key") {
				documented = append(documented, op.Key())
			}
		}
	}
	slices.Sort(documented)
	got := slices.Sorted(slices.Values(emulator.IdempotentOperations))
	if !slices.Equal(got, documented) {
		t.Fatalf("IdempotentOperations = %v, the spec documents Idempotency-Key on %v", got, documented)
	}
}
