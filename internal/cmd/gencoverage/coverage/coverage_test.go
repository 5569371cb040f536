package coverage_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/workos-mcp/workos-mcp/internal/cmd/gencoverage/coverage"
	"github.com/workos-mcp/workos-mcp/internal/openapi/openapitest"
)

func TestBuildAndMarkdown(t *testing.T) {
	spec := openapitest.Spec(t)
	routes := []coverage.Route{
		{Method: "GET", Pattern: "/organizations"},
		{Method: "delete", Pattern: "/organizations/{organization_id}"}, // other placeholder name, lower-case method
		{Method: "GET", Pattern: "/not/in/spec"},
	}
	rep := coverage.Build(spec, routes)
	if rep.Emulated != 2 {
		t.Errorf("Emulated = %d, want 2", rep.Emulated)
	}
	if len(rep.Extra) != 1 || rep.Extra[0].Pattern != "/not/in/spec" {
		t.Errorf("Extra = %v", rep.Extra)
	}
	if len(rep.Rows) != len(spec.Operations) {
		t.Errorf("%d rows for %d operations", len(rep.Rows), len(spec.Operations))
	}
	md := rep.Markdown()
	for _, want := range []string{
		"| GET | `/organizations` | `organizations.list` | read | yes |",
		"| DELETE | `/organizations/{id}` | `organizations.delete` | destructive | yes |",
		"| POST | `/organizations` | `organizations.create` | write | no |",
		"| POST | `/organizations/{organizationId}/api_keys` | excluded |  | no |",
		"| implemented by the emulator | 2 (1%) |",
		"| GET | `/not/in/spec` |",
		"## Not emulated, and why",
		"| POST | `/organizations` | (no reason given",
		"| GET | `/sso/authorize` | Starts SSO",
	} {
		if !strings.Contains(string(md), want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	if len(rep.Unexplained) == 0 || len(rep.StaleReasons) != 0 {
		t.Errorf("Unexplained = %d rows, StaleReasons = %v; want some and none", len(rep.Unexplained), rep.StaleReasons)
	}
	// A reason kept for an operation that is emulated is reported as stale.
	stale := coverage.Build(spec, append(routes, coverage.Route{Method: "GET", Pattern: "/sso/authorize"}))
	if len(stale.StaleReasons) != 1 || stale.StaleReasons[0] != "GET /sso/authorize" {
		t.Errorf("StaleReasons = %v, want [GET /sso/authorize]", stale.StaleReasons)
	}
	// Deterministic: the same inputs in another order give the same bytes.
	rev := []coverage.Route{routes[2], routes[1], routes[0]}
	if !bytes.Equal(md, coverage.Build(spec, rev).Markdown()) {
		t.Error("output depends on route order")
	}
	if got := coverage.Shape("/a/{x}/b/{y_z}"); got != "/a/{}/b/{}" {
		t.Errorf("Shape = %q", got)
	}
}
