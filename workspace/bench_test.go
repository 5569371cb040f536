package workspace

import (
	"context"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// BenchmarkQuery is one query tool call through the whole path: go-sdk client, stateless
// Streamable HTTP, policy, parameter validation, the WorkOS client against a local API,
// redaction and the record (log line and audit event). BenchmarkDirect is the same WorkOS call
// without MCP or the pipeline: the ratio is the cost of the server.
func BenchmarkQuery(b *testing.B) {
	h := newHarness(b, nil)
	cs := h.connect("admin", nil)
	args := &mcp.CallToolParams{Name: "query", Arguments: map[string]any{"operation": "organizations.get", "params": map[string]any{"id": "org_acme"}}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		res, err := cs.CallTool(ctx, args)
		if err != nil || res.IsError {
			b.Fatal(err, res)
		}
	}
}

func BenchmarkDirect(b *testing.B) {
	h := newHarness(b, nil)
	cl := h.srv.client(h.api.srv.URL, sandboxKey)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		var out map[string]any
		if _, err := cl.Do(ctx, "GET", "/organizations/org_acme", nil, nil, &out); err != nil {
			b.Fatal(err)
		}
	}
}
