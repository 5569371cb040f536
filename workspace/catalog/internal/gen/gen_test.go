package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/workos-mcp/workos-mcp/internal/openapi/openapitest"
)

// TestGeneratedCodeIsCurrent fails when catalog_gen.go is not what the generator makes from the
// spec and the table now (run go generate ./workspace/catalog). Running it twice gives the same
// bytes, so the output is deterministic.
func TestGeneratedCodeIsCurrent(t *testing.T) {
	spec := openapitest.Spec(t)
	a, err := Generate(spec)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Generate(spec)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatal("two runs of the generator differ")
	}
	committed, err := os.ReadFile("../../catalog_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, committed) {
		t.Fatal("catalog_gen.go is stale: run go generate ./workspace/catalog and review the diff")
	}
}

func TestEveryResourceHasWordsAndIsUsed(t *testing.T) {
	used := map[string]bool{}
	for _, e := range table {
		r, _, _ := strings.Cut(e.name, ".")
		used[r] = true
		if _, ok := resources[r]; !ok && e.exclude == "" {
			t.Errorf("resource %s (%s) has no words", r, e.name)
		}
	}
	for r := range resources {
		if !used[r] {
			t.Errorf("resources has unused entry %s", r)
		}
	}
}

func TestDescribeAndArticle(t *testing.T) {
	cases := map[string]string{"API key": "an", "SSO connection": "an", "user": "a", "organization": "an", "JWT template": "a", "MFA factor": "an"}
	for noun, want := range cases {
		if got := article(noun); got != want {
			t.Errorf("article(%q) = %q, want %q", noun, got, want)
		}
	}
	if _, err := describe("frobnicate", [2]string{"x", "xs"}); err == nil {
		t.Error("an unusual action got a generated description")
	}
	if got := humanize("organizationId"); got != "organization ID" {
		t.Errorf("humanize = %q", got)
	}
}
