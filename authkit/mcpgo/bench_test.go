package mcpgo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	mcpg "github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/workos-mcp/workos-mcp/authkit"
	"github.com/workos-mcp/workos-mcp/authkit/authkittest"
	"github.com/workos-mcp/workos-mcp/authkit/mcpgo"
	"github.com/workos-mcp/workos-mcp/mcpfast"
)

// These benchmarks put the MCP engines side by side on one tool (greet),
// one stateless tools/call per iteration, in process (httptest recorder,
// no network), with and without authkit in front. See docs/benchmarks.md.

const callBody = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"greet","arguments":{"name":"Ada"}}}`

type greetArgs struct {
	Name string `json:"name"`
}

func goSDKHandler() http.Handler {
	s := mcp.NewServer(&mcp.Implementation{Name: "bench", Version: "1"}, nil)
	mcp.AddTool(s, &mcp.Tool{Name: "greet", Description: "greet"},
		func(_ context.Context, _ *mcp.CallToolRequest, in greetArgs) (*mcp.CallToolResult, any, error) {
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "Hello, " + in.Name + "!"}}}, nil, nil
		})
	return mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s },
		&mcp.StreamableHTTPOptions{Stateless: true, JSONResponse: true})
}

// fastHandler is the same tool on go-sdk behind mcpfast's stateless fast path.
func fastHandler() http.Handler {
	s := mcpfast.New(&mcp.Implementation{Name: "bench", Version: "1"}, nil)
	mcpfast.AddTool(s, &mcp.Tool{Name: "greet", Description: "greet"},
		func(_ context.Context, _ *mcp.CallToolRequest, in greetArgs) (*mcp.CallToolResult, any, error) {
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "Hello, " + in.Name + "!"}}}, nil, nil
		})
	return s.Handler(&mcp.StreamableHTTPOptions{Stateless: true, JSONResponse: true})
}

func mcpGoHandler(opts ...server.StreamableHTTPOption) http.Handler {
	s := server.NewMCPServer("bench", "1")
	s.AddTool(mcpg.NewTool("greet", mcpg.WithString("name")),
		func(_ context.Context, req mcpg.CallToolRequest) (*mcpg.CallToolResult, error) {
			return mcpg.NewToolResultText("Hello, " + req.GetString("name", "") + "!"), nil
		})
	return server.NewStreamableHTTPServer(s, append([]server.StreamableHTTPOption{server.WithStateLess(true)}, opts...)...)
}

// bareHandler is the floor of any JSON-RPC over HTTP: decode, answer, encode.
func bareHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			ID     json.RawMessage `json:"id"`
			Params struct {
				Name      string    `json:"name"`
				Arguments greetArgs `json:"arguments"`
			} `json:"params"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": req.ID, "result": map[string]any{
			"content": []any{map[string]any{"type": "text", "text": "Hello, " + req.Params.Arguments.Name + "!"}}}})
	})
}

type benchEnv struct {
	token    string
	handlers []struct {
		name string
		h    http.Handler
	}
}

func newBenchEnv(b *testing.B) *benchEnv {
	as := authkittest.NewServer(b)
	kit, err := authkit.New(authkit.Config{Issuer: as.Issuer(), ResourceURL: resource})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(kit.Close)
	env := &benchEnv{token: as.Token(map[string]any{"aud": resource})}
	add := func(name string, h http.Handler) {
		env.handlers = append(env.handlers, struct {
			name string
			h    http.Handler
		}{name, h})
	}
	add("nethttp-json", bareHandler())
	add("gosdk", goSDKHandler())
	add("gosdk+authkit", kit.Middleware(goSDKHandler()))
	add("mcpfast", fastHandler())
	add("mcpfast+authkit", kit.Middleware(fastHandler()))
	add("mcpgo", mcpGoHandler())
	add("mcpgo+authkit", kit.Middleware(mcpGoHandler(mcpgo.Option())))
	for _, h := range env.handlers {
		if w := env.call(h.h); w.Code != 200 || !strings.Contains(w.Body.String(), "Hello, Ada!") {
			b.Fatalf("%s: %d %s", h.name, w.Code, w.Body.String())
		}
	}
	return env
}

func (e *benchEnv) call(h http.Handler) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/mcp", bytes.NewReader([]byte(callBody)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Mcp-Protocol-Version", "2025-06-18")
	req.Header.Set("Authorization", "Bearer "+e.token)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// BenchmarkToolsCall is one stateless tools/call per engine.
func BenchmarkToolsCall(b *testing.B) {
	env := newBenchEnv(b)
	for _, h := range env.handlers {
		b.Run(h.name, func(b *testing.B) {
			b.ReportAllocs()
			c0 := processCPU()
			for b.Loop() {
				env.call(h.h)
			}
			if d := processCPU() - c0; d > 0 {
				b.ReportMetric(float64(d.Nanoseconds())/float64(b.N), "cpu-ns/op")
			}
		})
	}
}

// BenchmarkAuthOverhead interleaves each engine with and without authkit
// in every iteration and reports the difference, so that load from other
// processes hits both alike.
func BenchmarkAuthOverhead(b *testing.B) {
	env := newBenchEnv(b)
	pairs := map[string][2]http.Handler{}
	for _, h := range env.handlers {
		base, withAuth := strings.CutSuffix(h.name, "+authkit")
		p := pairs[base]
		if withAuth {
			p[1] = h.h
		} else {
			p[0] = h.h
		}
		pairs[base] = p
	}
	for _, name := range []string{"gosdk", "mcpfast", "mcpgo"} {
		p := pairs[name]
		b.Run(name, func(b *testing.B) {
			var plain, authed time.Duration
			for b.Loop() {
				t0 := time.Now()
				env.call(p[0])
				t1 := time.Now()
				env.call(p[1])
				plain += t1.Sub(t0)
				authed += time.Since(t1)
			}
			n := float64(b.N)
			b.ReportMetric(float64(plain.Nanoseconds())/n, "engine-ns/op")
			b.ReportMetric(float64((authed-plain).Nanoseconds())/n, "authkit-ns/op")
			b.ReportMetric(float64(authed)/float64(plain), "ratio")
		})
	}
}
