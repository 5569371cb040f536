package emulator_test

import (
	"slices"
	"testing"

	"github.com/workos-mcp/workos-mcp/emulator"
	"github.com/workos-mcp/workos-mcp/internal/openapi/openapitest"
)

// TestIdempotentOperationsMatchSpec checks that strict mode honours Idempotency-Key exactly
// where the spec documents the header.
func TestIdempotentOperationsMatchSpec(t *testing.T) {
	documented := openapitest.IdempotentOperations(t)
	got := slices.Sorted(slices.Values(emulator.IdempotentOperations))
	if !slices.Equal(got, documented) {
		t.Fatalf("IdempotentOperations = %v, the spec documents Idempotency-Key on %v", got, documented)
	}
}
