package workspace

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/workos-mcp/workos-mcp/mcpfast"
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

// BenchmarkToolsList is tools/list as a person sees it: the tools filtered by the policy
// (offer.go). support-viewer is the costly case: no write runs for them, so the mutate check
// walks the whole catalog. BenchmarkToolsListUnfiltered serves the same tools from a server
// without the filter, over the same transport: the ratio is the filter's cost.
func BenchmarkToolsList(b *testing.B) {
	for _, user := range []string{"admin", "support-viewer"} {
		b.Run(user, func(b *testing.B) {
			h := newHarness(b, nil)
			benchList(b, h.connect(user, nil))
		})
	}
}

func BenchmarkToolsListUnfiltered(b *testing.B) {
	h := newHarness(b, nil)
	plain := mcpfast.New(&mcp.Implementation{Name: "unfiltered", Version: "1"}, nil)
	for _, t := range h.srv.tools() {
		t.add(plain, t.definition())
	}
	hs := httptest.NewServer(plain.Handler(&mcp.StreamableHTTPOptions{Stateless: true}))
	b.Cleanup(hs.Close)
	h.url = hs.URL
	benchList(b, h.connect("admin", nil))
}

func benchList(b *testing.B, cs *mcp.ClientSession) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := cs.ListTools(ctx, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOffer is the filter alone, in-process: one person's caller resolved (role from the
// token, settings cached) and every tool asked about, as tools/list does.
func BenchmarkOffer(b *testing.B) {
	h := newHarness(b, nil)
	ctx := context.Background()
	for _, user := range []string{"admin", "support-viewer"} {
		b.Run(user, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c := h.srv.callerOf(ctx, h.sessions[user])
				for _, t := range h.srv.tools() {
					h.srv.offers(c, t.name)
				}
			}
		})
	}
}
