package main

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestBinaryLinksNoTestPackages: test helpers live in _test.go files and *test packages
// (internal/devstack/devstacktest), so the workos-mcp binary links neither the testing
// package nor httptest, nor the OpenAPI spec reader (the catalog is generated from the spec;
// nothing needs it at run time).
func TestBinaryLinksNoTestPackages(t *testing.T) {
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := exec.LookPath(goTool); err != nil {
		t.Skipf("no go tool at %s: %v", goTool, err)
	}
	out, err := exec.Command(goTool, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	forbidden := map[string]bool{
		"testing":           true,
		"net/http/httptest": true,
		"github.com/workos-mcp/workos-mcp/internal/openapi":               true,
		"github.com/workos-mcp/workos-mcp/internal/openapi/openapitest":   true,
		"github.com/workos-mcp/workos-mcp/internal/devstack/devstacktest": true,
	}
	for _, pkg := range strings.Fields(string(out)) {
		if forbidden[pkg] {
			t.Errorf("the binary links %s", pkg)
		}
	}
}
