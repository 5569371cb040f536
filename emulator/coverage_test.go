package emulator_test

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/workos-mcp/workos-mcp/emulator"
	"github.com/workos-mcp/workos-mcp/internal/cmd/gencoverage/coverage"
	"github.com/workos-mcp/workos-mcp/internal/openapi/openapitest"
)

// TestCoverageDocIsCurrent fails when docs/emulator.md does not match the routes the emulator
// serves, the spec and the catalog (regenerate: go generate ./internal/cmd/gencoverage).
func TestCoverageDocIsCurrent(t *testing.T) {
	spec := openapitest.Spec(t)
	emu, err := emulator.New(context.Background(), emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	var routes []coverage.Route
	for _, r := range emu.Routes() {
		routes = append(routes, coverage.Route{Method: r.Method, Pattern: r.Pattern})
	}
	rep := coverage.Build(spec, routes)
	for _, extra := range rep.Extra {
		t.Errorf("the emulator serves %s %s, which is not in the spec", extra.Method, extra.Pattern)
	}
	for _, row := range rep.Unexplained {
		t.Errorf("%s %s is not emulated and has no reason: emulate it or say why in internal/cmd/gencoverage/coverage/reasons.go", row.Method, row.Path)
	}
	for _, key := range rep.StaleReasons {
		t.Errorf("reasons.go explains why %s is not emulated, but it is emulated (or not in the spec): remove the reason", key)
	}
	if rep.Emulated != len(routes)-len(rep.Extra) {
		t.Errorf("%d routes but %d spec operations emulated: two routes serve one operation", len(routes), rep.Emulated)
	}
	want := rep.Markdown()
	got, err := os.ReadFile("../docs/emulator.md")
	if err != nil {
		t.Fatalf("%v: run go generate ./internal/cmd/gencoverage", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("docs/emulator.md is stale: run go generate ./internal/cmd/gencoverage")
	}
	t.Logf("emulated %d of %d spec operations", rep.Emulated, len(rep.Rows))
}
