package workspace

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/workos-mcp/workos-mcp/internal/mcptest"
)

var update = flag.Bool("update", false, "rewrite testdata/toolsnaps/*.snap from the current tools")

// TestToolAnnotationsExplicit fails if any tool leaves a hint to the protocol's defaults; an
// unset readOnlyHint would read as "may change things" to some clients and as nothing to others.
func TestToolAnnotationsExplicit(t *testing.T) {
	s := &Server{}
	for _, tool := range s.tools() {
		if tool.readOnly == nil {
			t.Errorf("tool %s: readOnlyHint is not set", tool.name)
		}
		if tool.destructive == nil || tool.idempotent == nil || tool.openWorld == nil {
			t.Errorf("tool %s: destructiveHint, idempotentHint and openWorldHint must all be set", tool.name)
		}
		if tool.readOnly != nil && *tool.readOnly && tool.destructive != nil && *tool.destructive {
			t.Errorf("tool %s: read-only and destructive", tool.name)
		}
		if tool.title == "" || tool.description == "" {
			t.Errorf("tool %s: no title or description", tool.name)
		}
	}
}

// TestToolSnapshots pins every tool's input and output schemas and annotations as served to a client: a changed
// schema is a reviewed diff. Run with -update to accept a change.
func TestToolSnapshots(t *testing.T) {
	h := newHarness(t, nil)
	cs := h.connect("admin", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Tools) != len(h.srv.tools()) {
		t.Fatalf("listed %d tools, inventory has %d", len(res.Tools), len(h.srv.tools()))
	}
	dir := filepath.Join("testdata", "toolsnaps")
	seen := map[string]bool{}
	for _, tool := range res.Tools {
		seen[tool.Name+".snap"] = true
		// On the wire, as clients read them: every hint present, none left to a default.
		ann, _ := json.Marshal(tool.Annotations)
		for _, hint := range []string{"readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"} {
			if !strings.Contains(string(ann), `"`+hint+`":`) {
				t.Errorf("tool %s is served without %s: %s", tool.Name, hint, ann)
			}
		}
		got, err := json.MarshalIndent(snapshotOf(tool), "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, '\n')
		path := filepath.Join(dir, tool.Name+".snap")
		if *update {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("tool %s has no snapshot (run go test ./workspace -run TestToolSnapshots -update): %v", tool.Name, err)
			continue
		}
		if string(want) != string(got) {
			t.Errorf("tool %s changed; review and run with -update if intended.\n--- want\n%s\n--- got\n%s", tool.Name, want, got)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !seen[e.Name()] && !*update {
			t.Errorf("snapshot %s has no tool", e.Name())
		}
	}
}

func snapshotOf(tool *mcp.Tool) any {
	return map[string]any{
		"name":         tool.Name,
		"title":        tool.Title,
		"description":  tool.Description,
		"annotations":  tool.Annotations,
		"inputSchema":  tool.InputSchema,
		"outputSchema": tool.OutputSchema,
	}
}

// TestEveryToolAnswersTyped: every tool's answer carries structured content matching its output
// schema (the SDK checks it), and mcptest.Call checks that the text is that content as JSON.
func TestEveryToolAnswersTyped(t *testing.T) {
	h := newHarness(t, nil)
	cs := h.connect("admin", nil)
	calls := map[string]map[string]any{
		"whoami":                nil,
		"list_operations":       {"words": "organizations"},
		"query":                 {"operation": "organizations.list"},
		"mutate":                {"operation": "organizations.create", "params": map[string]any{"name": "Typed"}},
		"describe_organization": {"organization_id": "org_acme"},
		"onboard_customer":      {"name": "Typed Co", "domains": []any{"typed.test"}, "admin_email": "it@typed.test"},
		"debug_sign_in":         {"email": "bob@acme.test"},
		"audit_configuration":   nil,
	}
	for _, tool := range h.srv.tools() {
		if tool.name == "audit_logs" {
			continue // this fake API has no exports: the e2e tests call it on the emulator
		}
		args, ok := calls[tool.name]
		if !ok {
			t.Errorf("no call of %s in this test", tool.name)
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: tool.name, Arguments: args})
		cancel()
		if err != nil || res.IsError {
			t.Errorf("%s: %v %v", tool.name, err, res)
			continue
		}
		if res.StructuredContent == nil {
			t.Errorf("%s: no structured content", tool.name)
		}
		text := res.Content[0].(*mcp.TextContent).Text
		mcptest.Faithful(t, tool.name, res, text)
	}
}
