package mcpfast

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

type greetIn struct {
	Name string `json:"name,omitempty" jsonschema:"who to greet"`
	Big  int64  `json:"big,omitempty"`
}

// sevenIn decodes itself: no arguments make N 7, not 0.
type sevenIn struct{ N int }

func (s *sevenIn) UnmarshalJSON(b []byte) error {
	var raw struct{ N *int }
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	s.N = 7
	if raw.N != nil {
		s.N = *raw.N
	}
	return nil
}

// embedsSeven has sevenIn's decoding through a pointer that is nil until decoding sets it.
type embedsSeven struct{ *sevenIn }

// needsIn has a required argument: no arguments at all is a schema error.
type needsIn struct {
	Who string `json:"who"`
}

type greetOut struct {
	Greeting string `json:"greeting"`
	Zebra    string `json:"zebra,omitempty"`
	Apple    string `json:"apple,omitempty"`
}

type countIn struct {
	Times int    `json:"times"`
	Word  string `json:"word"`
}

type pointerOut struct {
	A string `json:"a"`
	N int    `json:"n"`
}

// testServer has one tool for each way a tool can answer, and a middleware that hides a tool
// from people whose request says so, as the workspace's offer does.
func testServer(t testing.TB) (*Server, *atomic.Int64) {
	s := New(&mcp.Implementation{Name: "fast-test", Version: "1"}, nil)
	calls := &atomic.Int64{}
	AddTool(s, &mcp.Tool{Name: "greet", Description: "Greet <someone> & more."},
		func(ctx context.Context, req *mcp.CallToolRequest, in greetIn) (*mcp.CallToolResult, greetOut, error) {
			calls.Add(1)
			name := in.Name
			if name == "" {
				name = "you"
			}
			return nil, greetOut{Greeting: "Hello, " + name + " <3 & é", Zebra: "z", Apple: fmt.Sprint(in.Big)}, nil
		})
	countSchema := &jsonschema.Schema{Type: "object", Properties: map[string]*jsonschema.Schema{
		"times": {Type: "integer", Default: json.RawMessage("3")},
		"word":  {Type: "string", Default: json.RawMessage(`"hi"`)},
	}, AdditionalProperties: &jsonschema.Schema{Not: &jsonschema.Schema{}}}
	AddTool(s, &mcp.Tool{Name: "count", InputSchema: countSchema},
		func(ctx context.Context, req *mcp.CallToolRequest, in countIn) (*mcp.CallToolResult, map[string]any, error) {
			return nil, map[string]any{"said": strings.Repeat(in.Word, in.Times)}, nil
		})
	needsSchema := &jsonschema.Schema{Type: "object", Required: []string{"who"}, Properties: map[string]*jsonschema.Schema{"who": {Type: "string"}}}
	AddTool(s, &mcp.Tool{Name: "needs", InputSchema: needsSchema}, func(ctx context.Context, req *mcp.CallToolRequest, in needsIn) (*mcp.CallToolResult, map[string]any, error) {
		return nil, map[string]any{"who": in.Who}, nil
	})
	AddTool(s, &mcp.Tool{Name: "seven", InputSchema: &jsonschema.Schema{Type: "object"}}, func(ctx context.Context, req *mcp.CallToolRequest, in sevenIn) (*mcp.CallToolResult, map[string]any, error) {
		return nil, map[string]any{"n": in.N}, nil
	})
	// Adding it must not decode {} ahead of a call: that would run the promoted UnmarshalJSON on
	// the nil pointer (its calls are never made here).
	AddTool(s, &mcp.Tool{Name: "embeds", InputSchema: &jsonschema.Schema{Type: "object"}}, func(ctx context.Context, req *mcp.CallToolRequest, in embedsSeven) (*mcp.CallToolResult, map[string]any, error) {
		return nil, map[string]any{"set": in.sevenIn != nil}, nil
	})
	AddTool(s, &mcp.Tool{Name: "fail"}, func(ctx context.Context, req *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, any, error) {
		return nil, nil, errors.New("it broke <here> & there")
	})
	AddTool(s, &mcp.Tool{Name: "url"}, func(ctx context.Context, req *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, any, error) {
		return nil, nil, mcp.URLElicitationRequiredError([]*mcp.ElicitParams{{Mode: "url", ElicitationID: "e1", URL: "https://example.com/approve", Message: "approve"}})
	})
	AddTool(s, &mcp.Tool{Name: "nothing"}, func(ctx context.Context, req *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, *pointerOut, error) {
		return nil, nil, nil
	})
	AddTool(s, &mcp.Tool{Name: "text"}, func(ctx context.Context, req *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, any, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "plain"}}}, nil, nil
	})
	AddTool(s, &mcp.Tool{Name: "ask"}, func(ctx context.Context, req *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, *pointerOut, error) {
		return &mcp.CallToolResult{InputRequests: mcp.InputRequestMap{"confirm": &mcp.ElicitParams{Mode: "form", Message: "sure?",
			RequestedSchema: map[string]any{"type": "object", "properties": map[string]any{"ok": map[string]any{"type": "boolean"}}}}}, RequestState: "st"}, nil, nil
	})
	AddTool(s, &mcp.Tool{Name: "caps"}, func(ctx context.Context, req *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, map[string]any, error) {
		c := req.ClientCapabilities()
		return nil, map[string]any{"elicitation": c != nil && c.Elicitation != nil}, nil
	})
	AddSessionTool(s, &mcp.Tool{Name: "session"}, func(ctx context.Context, req *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, map[string]any, error) {
		return nil, map[string]any{"session": req.Session != nil}, nil
	})
	AddTool(s, &mcp.Tool{Name: "secret"}, func(ctx context.Context, req *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, map[string]any, error) {
		return nil, map[string]any{"secret": true}, nil
	})
	s.SDK().AddPrompt(&mcp.Prompt{Name: "p"}, func(context.Context, *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
		return &mcp.GetPromptResult{Messages: []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{Text: "x"}}}}, nil
	})
	s.AddReceivingMiddleware(func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			res, err := next(ctx, method, req)
			list, ok := res.(*mcp.ListToolsResult)
			if err != nil || !ok || req.GetExtra() == nil || req.GetExtra().Header.Get("X-Hide") == "" {
				return res, err
			}
			out := *list
			out.Tools = nil
			for _, t := range list.Tools {
				if t.Name != req.GetExtra().Header.Get("X-Hide") {
					out.Tools = append(out.Tools, t)
				}
			}
			out.CacheScope = "private"
			return &out, nil
		}
	})
	return s, calls
}

// exchange is one HTTP request of the corpus.
type exchange struct {
	name    string
	version string // MCP-Protocol-Version header; "" for none
	header  map[string]string
	body    string
	// fast says whether the fast path must answer it (else the SDK must).
	fast bool
}

// answer is what a client sees: the status, and the JSON-RPC message (from a JSON body or the
// SSE event) or else the body's text.
type answer struct {
	status  int
	message any
	text    string
	json    bool // answered as application/json (the fast path, or an SDK error)
}

func send(t *testing.T, url string, ex exchange) answer {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(ex.body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if ex.version != "" {
		req.Header.Set("Mcp-Protocol-Version", ex.version)
	}
	for k, v := range ex.header {
		if k == "Host" {
			req.Host = v
			continue
		}
		if v == "" {
			req.Header.Del(k)
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", ex.name, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, json: strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json")}
	data := body
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		data = nil
		sc := bufio.NewScanner(bytes.NewReader(body))
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok && strings.TrimSpace(d) != "" {
				data = []byte(d)
			}
		}
	}
	if err := json.Unmarshal(data, &a.message); err != nil {
		a.message, a.text = nil, strings.TrimSpace(string(body))
	}
	return a
}

// corpus is every request the differential test sends, for one protocol version.
func corpus(version string) []exchange {
	old := version < newProtocol
	call := func(id, params string) string {
		return `{"jsonrpc":"2.0","id":` + id + `,"method":"tools/call","params":` + params + `}`
	}
	meta := ""
	if !old {
		meta = `,"_meta":{"io.modelcontextprotocol/protocolVersion":"` + version + `","io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}`
	}
	ex := []exchange{
		{name: "list", body: `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`, fast: old},
		{name: "list empty params", body: `{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{` + strings.TrimPrefix(meta, ",") + `}}`, fast: true},
		{name: "list filtered", header: map[string]string{"X-Hide": "secret"}, body: `{"jsonrpc":"2.0","id":"l-3","method":"tools/list","params":{` + strings.TrimPrefix(meta, ",") + `}}`, fast: true},
		{name: "list filtered again (cached)", header: map[string]string{"X-Hide": "secret"}, body: `{"jsonrpc":"2.0","id":"l-4","method":"tools/list","params":{` + strings.TrimPrefix(meta, ",") + `}}`, fast: true},
		{name: "list with a cursor", body: `{"jsonrpc":"2.0","id":5,"method":"tools/list","params":{"cursor":"bm9wZQ"` + meta + `}}`},
		{name: "greet", body: call("10", `{"name":"greet","arguments":{"name":"Ann"}`+meta+`}`), fast: true},
		{name: "greet string id", body: call(`"abc\u00e9<"`, `{"name":"greet","arguments":{"name":"Ann"}`+meta+`}`), fast: true},
		{name: "greet negative id", body: call("-7", `{"name":"greet","arguments":{}`+meta+`}`), fast: true},
		{name: "greet big id", body: call("9007199254740993", `{"name":"greet","arguments":{}`+meta+`}`)},
		{name: "greet fractional id", body: call("1.5", `{"name":"greet"`+meta+`}`)},
		{name: "greet no arguments", body: call("11", `{"name":"greet"`+meta+`}`), fast: true},
		{name: "greet null arguments", body: call("12", `{"name":"greet","arguments":null`+meta+`}`), fast: true},
		{name: "greet spaced empty arguments", body: call("12", `{"name":"greet","arguments": {`+" \n\t\r "+`} `+meta+`}`), fast: true},
		{name: "needs no arguments", body: call("12", `{"name":"needs"`+meta+`}`), fast: true},
		{name: "needs null arguments", body: call("12", `{"name":"needs","arguments":null`+meta+`}`), fast: true},
		{name: "needs empty arguments", body: call("12", `{"name":"needs","arguments":{ }`+meta+`}`), fast: true},
		{name: "needs given", body: call("12", `{"name":"needs","arguments":{"who":"Bo"}`+meta+`}`), fast: true},
		{name: "greet big integer", body: call("13", `{"name":"greet","arguments":{"big":123456789012}`+meta+`}`), fast: true},
		{name: "greet wrong case", body: call("14", `{"name":"greet","arguments":{"Name":"x"}`+meta+`}`), fast: true},
		{name: "greet wrong type", body: call("15", `{"name":"greet","arguments":{"name":5}`+meta+`}`), fast: true},
		{name: "greet arguments not an object", body: call("16", `{"name":"greet","arguments":"x"`+meta+`}`), fast: true},
		{name: "greet arguments too deep", body: call("17", `{"name":"greet","arguments":{"name":`+strings.Repeat("[", 1001)+strings.Repeat("]", 1001)+`}`+meta+`}`)},
		{name: "greet arguments deep", body: call("19", `{"name":"greet","arguments":{"name":`+strings.Repeat("[", 900)+strings.Repeat("]", 900)+`}`+meta+`}`), fast: true},
		{name: "greet progress token", body: call("18", `{"name":"greet","arguments":{},"_meta":{"progressToken":"p1"`+strings.Replace(meta, `,"_meta":{`, ",", 1)+map[bool]string{true: "}", false: ""}[old]+`}`), fast: true},
		{name: "count defaults", body: call("20", `{"name":"count","arguments":{}`+meta+`}`), fast: true},
		{name: "count given", body: call("21", `{"name":"count","arguments":{"times":2,"word":"ab"}`+meta+`}`), fast: true},
		{name: "count extra field", body: call("22", `{"name":"count","arguments":{"times":2,"other":1}`+meta+`}`), fast: true},
		{name: "tool error", body: call("30", `{"name":"fail","arguments":{}`+meta+`}`), fast: true},
		{name: "url elicitation error", body: call("31", `{"name":"url","arguments":{}`+meta+`}`), fast: true},
		{name: "nil pointer output", body: call("32", `{"name":"nothing","arguments":{}`+meta+`}`), fast: true},
		{name: "own content", body: call("33", `{"name":"text","arguments":{}`+meta+`}`), fast: true},
		{name: "input requests", body: call("34", `{"name":"ask","arguments":{}`+meta+`}`), fast: true},
		{name: "capabilities", body: call("35", `{"name":"caps","arguments":{}`+meta+`}`), fast: true},
		{name: "capabilities in _meta", body: call("36", `{"name":"caps","arguments":{},"_meta":{"io.modelcontextprotocol/clientCapabilities":{"elicitation":{"form":{}}}}}`)},
		{name: "session tool", body: call("37", `{"name":"session","arguments":{}`+meta+`}`)},
		{name: "unknown tool", body: call("38", `{"name":"nope","arguments":{}`+meta+`}`)},
		{name: "retry with request state", body: call("39", `{"name":"ask","arguments":{},"requestState":"st","inputResponses":{"confirm":{"action":"accept","content":{"ok":true}}}`+meta+`}`)},
		{name: "missing params", body: `{"jsonrpc":"2.0","id":40,"method":"tools/call"}`},
		{name: "params not an object", body: `{"jsonrpc":"2.0","id":41,"method":"tools/call","params":[1]}`},
		{name: "wrong jsonrpc version", body: `{"jsonrpc":"1.0","id":42,"method":"tools/list"}`},
		{name: "trailing garbage", body: `{"jsonrpc":"2.0","id":43,"method":"tools/list"} x`},
		{name: "malformed", body: `{"jsonrpc":"2.0","id":44,"method":`},
		{name: "batch", body: `[{"jsonrpc":"2.0","id":45,"method":"tools/list"}]`},
		{name: "notification", body: `{"jsonrpc":"2.0","method":"notifications/initialized"}`},
		{name: "ping", body: `{"jsonrpc":"2.0","id":46,"method":"ping"}`},
		{name: "prompts", body: `{"jsonrpc":"2.0","id":47,"method":"prompts/list"` + strings.Replace(meta, ",", `,"params":{`, 1) + map[bool]string{true: "", false: "}"}[old] + `}`},
		{name: "method case", body: `{"jsonrpc":"2.0","id":48,"METHOD":"tools/list","method":"tools/list"}`, fast: old},
		{name: "accept json only", header: map[string]string{"Accept": "application/json"}, body: call("50", `{"name":"greet"}`)},
		{name: "accept wildcard", header: map[string]string{"Accept": "*/*"}, body: call("51", `{"name":"greet"`+meta+`}`), fast: true},
		{name: "content type text", header: map[string]string{"Content-Type": "text/plain"}, body: call("52", `{"name":"greet"}`)},
		{name: "content type with charset", header: map[string]string{"Content-Type": "application/json; charset=utf-8"}, body: call("53", `{"name":"greet"`+meta+`}`), fast: true},
	}
	if !old {
		call := func(id, meta string) string {
			return `{"jsonrpc":"2.0","id":` + id + `,"method":"tools/call","params":{"name":"greet","arguments":{},"_meta":` + meta + `}}`
		}
		good := `{"io.modelcontextprotocol/protocolVersion":"` + version + `","io.modelcontextprotocol/clientCapabilities":{}}`
		ex = append(ex,
			exchange{name: "no standard headers", header: map[string]string{"Mcp-Method": "", "Mcp-Name": ""}, body: call("60", good)},
			exchange{name: "wrong Mcp-Name", header: map[string]string{"Mcp-Name": "count"}, body: call("61", good)},
			exchange{name: "wrong Mcp-Method", header: map[string]string{"Mcp-Method": "tools/list"}, body: call("62", good)},
			exchange{name: "version mismatch", body: call("63", `{"io.modelcontextprotocol/protocolVersion":"2025-06-18","io.modelcontextprotocol/clientCapabilities":{}}`)},
			exchange{name: "no capabilities", body: call("64", `{"io.modelcontextprotocol/protocolVersion":"`+version+`"}`)},
			exchange{name: "capabilities not an object", body: call("65", `{"io.modelcontextprotocol/protocolVersion":"`+version+`","io.modelcontextprotocol/clientCapabilities":[]}`)},
			exchange{name: "capabilities of the wrong shape", body: call("66", `{"io.modelcontextprotocol/protocolVersion":"`+version+`","io.modelcontextprotocol/clientCapabilities":{"elicitation":5}}`)},
			exchange{name: "client info of the wrong shape", body: call("67", `{"io.modelcontextprotocol/protocolVersion":"`+version+`","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":5}}`)},
			exchange{name: "form capability", body: `{"jsonrpc":"2.0","id":68,"method":"tools/call","params":{"name":"caps","arguments":{},"_meta":{"io.modelcontextprotocol/protocolVersion":"` + version + `","io.modelcontextprotocol/clientCapabilities":{"elicitation":{"form":{}}}}}}`, fast: true},
			exchange{name: "own serverInfo kept", body: `{"jsonrpc":"2.0","id":69,"method":"tools/list","params":{"_meta":` + good + `}}`, fast: true},
		)
	}
	for i := range ex {
		if ex[i].version == "" {
			ex[i].version = version
		}
		if !old {
			// The standard headers a 2026-07-28 client sends, unless the case sets its own.
			var m struct {
				Method string `json:"method"`
				Params struct {
					Name string `json:"name"`
				} `json:"params"`
			}
			_ = json.Unmarshal([]byte(ex[i].body), &m)
			h := map[string]string{"Mcp-Method": m.Method}
			if m.Params.Name != "" {
				h["Mcp-Name"] = m.Params.Name
			}
			for k, v := range ex[i].header {
				h[k] = v
			}
			ex[i].header = h
		}
	}
	return ex
}

// TestFastAndFullPathsAnswerAlike sends the same corpus, for every protocol version, to the fast
// handler and to the SDK's handler alone (SSE, as the workspace's full path is), and requires the
// same status and the same JSON-RPC message — and that the fast path answered exactly the
// requests it should (its answers are application/json, the SDK's here an event stream).
func TestFastAndFullPathsAnswerAlike(t *testing.T) {
	s, _ := testServer(t)
	h := s.Handler(&mcp.StreamableHTTPOptions{Stateless: true}).(*handler)
	fast := httptest.NewServer(h)
	defer fast.Close()
	full := httptest.NewServer(h.full)
	defer full.Close()

	versions := append([]string{""}, mcp.SupportedProtocolVersions()...)
	for _, v := range versions {
		for _, ex := range corpus(v) {
			name := fmt.Sprintf("%s/%s", v, ex.name)
			if v == "" {
				name = "no-version/" + ex.name
			}
			t.Run(name, func(t *testing.T) {
				got, want := send(t, fast.URL, ex), send(t, full.URL, ex)
				if got.status != want.status || !reflect.DeepEqual(got.message, want.message) || got.text != want.text {
					t.Errorf("fast path: %d %s %s\nSDK:       %d %s %s", got.status, js(got.message), got.text, want.status, js(want.message), want.text)
				}
				// The SDK (SSE) answers a JSON-RPC result as an event stream; the fast path as JSON.
				tookFast := got.json && !want.json && got.status == http.StatusOK
				if tookFast != ex.fast {
					t.Errorf("answered by the fast path: %v, want %v (status %d, %s)", tookFast, ex.fast, got.status, js(got.message))
				}
			})
		}
	}
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestFastPathCallsTheHandlerOnce checks that a fast tools/call runs the tool once and publishes
// its output in struct order, as marshalled, with the same text as structuredContent.
func TestFastPathCallsTheHandlerOnce(t *testing.T) {
	s, calls := testServer(t)
	srv := httptest.NewServer(s.Handler(&mcp.StreamableHTTPOptions{Stateless: true}))
	defer srv.Close()
	a := send(t, srv.URL, exchange{name: "greet", version: "2025-06-18", body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"greet","arguments":{"name":"Bo"}}}`})
	if calls.Load() != 1 {
		t.Fatalf("handler ran %d times", calls.Load())
	}
	res := a.message.(map[string]any)["result"].(map[string]any)
	text := res["content"].([]any)[0].(map[string]any)["text"].(string)
	if text != `{"greeting":"Hello, Bo \u003c3 \u0026 é","zebra":"z","apple":"0"}` {
		t.Fatalf("text = %s", text)
	}
	var sc any
	_ = json.Unmarshal([]byte(text), &sc)
	if !reflect.DeepEqual(sc, res["structuredContent"]) {
		t.Fatalf("structuredContent %v differs from the text %s", res["structuredContent"], text)
	}
}

// TestNoArguments checks the answers to a call without arguments (none, null, {}), which the fast
// path does not decode: a required argument is still missing, and a tool that needs none runs.
func TestNoArguments(t *testing.T) {
	s, _ := testServer(t)
	srv := httptest.NewServer(s.Handler(&mcp.StreamableHTTPOptions{Stateless: true}))
	defer srv.Close()
	for _, args := range []string{``, `,"arguments":null`, `,"arguments":{}`, `,"arguments": { } `} {
		for _, tc := range []struct {
			tool, text string
			isError    bool
		}{
			{"needs", `validating "arguments": validating root: required: missing properties: ["who"]`, true},
			{"greet", `{"greeting":"Hello, you \u003c3 \u0026 é","zebra":"z","apple":"0"}`, false},
			{"seven", `{"n":7}`, false},
		} {
			a := send(t, srv.URL, exchange{version: "2025-06-18", body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"` + tc.tool + `"` + args + `}}`})
			res, _ := a.message.(map[string]any)["result"].(map[string]any)
			if res == nil {
				t.Fatalf("%s%s: %s", tc.tool, args, js(a.message))
			}
			isErr, _ := res["isError"].(bool)
			text := res["content"].([]any)[0].(map[string]any)["text"]
			if isErr != tc.isError || text != tc.text {
				t.Errorf("%s%s: isError %v, text %s; want %v, %s", tc.tool, args, isErr, text, tc.isError, tc.text)
			}
		}
	}
}

// TestToolListCache checks that tools/list answers are cached per distinct list, that a list the
// middleware filtered differently is not served from another's entry, and that adding a tool
// empties the cache.
func TestToolListCache(t *testing.T) {
	s, _ := testServer(t)
	srv := httptest.NewServer(s.Handler(&mcp.StreamableHTTPOptions{Stateless: true}))
	defer srv.Close()
	list := func(hide string) []string {
		a := send(t, srv.URL, exchange{name: "list", version: "2025-06-18", header: map[string]string{"X-Hide": hide},
			body: `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`})
		var names []string
		for _, tl := range a.message.(map[string]any)["result"].(map[string]any)["tools"].([]any) {
			names = append(names, tl.(map[string]any)["name"].(string))
		}
		return names
	}
	all := list("")
	hidden := list("secret")
	if len(all) != len(hidden)+1 || strings.Contains(strings.Join(hidden, ","), "secret") {
		t.Fatalf("all %v, hidden %v", all, hidden)
	}
	if again := list(""); !reflect.DeepEqual(again, all) {
		t.Fatalf("cached list %v, want %v", again, all)
	}
	if n := len(s.lists); n != 2 {
		t.Fatalf("%d cached lists, want 2", n)
	}
	AddTool(s, &mcp.Tool{Name: "aaa"}, func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, any, error) {
		return nil, nil, nil
	})
	if got := list(""); got[0] != "aaa" || len(got) != len(all)+1 {
		t.Fatalf("after AddTool: %v", got)
	}
}

// TestDNSRebindingGoesToTheSDK checks that a request reaching a loopback listener under another
// name is left to the SDK, which refuses it.
func TestDNSRebindingGoesToTheSDK(t *testing.T) {
	s, calls := testServer(t)
	srv := httptest.NewServer(s.Handler(&mcp.StreamableHTTPOptions{Stateless: true}))
	defer srv.Close()
	for _, host := range []string{"evil.example", "localhost.evil.example", "LOCALHOST", "127.0.0.1.nip.io"} {
		a := send(t, srv.URL, exchange{name: "rebound", version: "2025-06-18", header: map[string]string{"Host": host},
			body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"greet"}}`})
		if a.status != http.StatusForbidden || calls.Load() != 0 {
			t.Fatalf("Host %s: status %d, %d calls: %s", host, a.status, calls.Load(), a.text)
		}
	}
}

// TestBodyLimit checks that a body over MaxRequestBodyBytes is refused as the SDK refuses it.
func TestBodyLimit(t *testing.T) {
	s, calls := testServer(t)
	srv := httptest.NewServer(s.Handler(&mcp.StreamableHTTPOptions{Stateless: true, MaxRequestBodyBytes: 100}))
	defer srv.Close()
	a := send(t, srv.URL, exchange{name: "big", version: "2025-06-18",
		body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"greet","arguments":{"name":"` + strings.Repeat("x", 200) + `"}}}`})
	if a.status != http.StatusRequestEntityTooLarge || calls.Load() != 0 {
		t.Fatalf("status %d, %d calls: %s", a.status, calls.Load(), a.text)
	}
}

// TestHandlerNeedsStateless checks that a stateful handler is refused at construction.
func TestHandlerNeedsStateless(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("a stateful handler was accepted")
		}
	}()
	s, _ := testServer(t)
	s.Handler(&mcp.StreamableHTTPOptions{})
}

var _ = jsonrpc.CodeInvalidParams

// TestTextResultIsMarshal checks that the hand-written encoding of the common tool result is byte
// for byte what encoding the result gives, before and from 2026-07-28.
func TestTextResultIsMarshal(t *testing.T) {
	s, _ := testServer(t)
	out, _ := json.Marshal(map[string]any{"greeting": "Hello <b> & \"you\" \u2028 é", "n": []any{1, 2.5, nil}, "deep": map[string]any{"a": map[string]any{}}})
	// Texts written by hand: compact ones (quotes and backslashes to escape) are taken and come
	// out as the SDK encodes them; the pretty one is left to the SDK's encoding, which compacts
	// structuredContent; the invalid-UTF-8 one is taken (its text through encoding/json) and must match too.
	for _, tc := range []struct {
		raw  string
		take bool
	}{
		{`{"path":"C:\\dir\\x","q":"say \"hi\"","e":"é 日本","emoji":"😀"}`, true},
		{`{"del":""}`, true},
		{"{\n\t\"pretty\": [1,\n 2]\n}", false},
		{"{\"bad\":\"\xff\"}", true},
	} {
		res := &mcp.CallToolResult{StructuredContent: json.RawMessage(tc.raw), Content: []mcp.Content{&mcp.TextContent{Text: tc.raw}}}
		got, ok := textResult(res, false)
		if ok != tc.take {
			t.Errorf("%q: taken %v, want %v", tc.raw, ok, tc.take)
		}
		if !ok {
			continue
		}
		if want, err := marshal(res); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%q:\n got %s\nwant %s (%v)", tc.raw, got, want, err)
		}
	}
	// An empty, non-nil _meta: the SDK's omitempty leaves it out.
	empty := &mcp.CallToolResult{Meta: mcp.Meta{}, StructuredContent: json.RawMessage(out), Content: []mcp.Content{&mcp.TextContent{Text: string(out)}}}
	if got, ok := textResult(empty, false); ok {
		if want, _ := marshal(empty); !bytes.Equal(got, want) {
			t.Errorf("empty _meta:\n got %s\nwant %s", got, want)
		}
	}
	// sameAsMarshal checks that textResult takes res and writes what the SDK's encoding writes.
	sameAsMarshal := func(what string, res *mcp.CallToolResult, modern bool) {
		t.Helper()
		got, ok := textResult(res, modern)
		if !ok {
			t.Fatalf("%s: textResult declined it", what)
		}
		want, err := marshal(res)
		if err != nil {
			t.Fatal(err)
		}
		if modern {
			want = withResultType(want, "complete")
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s, modern=%v:\n got %s\nwant %s", what, modern, got, want)
		}
	}
	for _, modern := range []bool{false, true} {
		res := &mcp.CallToolResult{StructuredContent: json.RawMessage(out), Content: []mcp.Content{&mcp.TextContent{Text: string(out)}}}
		if modern {
			// _meta is HTML-escaped by the SDK's encoding (a server named "A & <B>", say).
			res.Meta = s.withServerInfo(mcp.Meta{"note": "A & <B>"})
		}
		sameAsMarshal("a plain result", res, modern)
	}
	// Outputs as wrap publishes them (marshalled: encoding/json's own output, not checked
	// again), including characters encoding/json escapes and a raw member with invalid UTF-8,
	// which encoding/json passes through: the text must still come out as the SDK encodes it.
	for _, v := range []any{
		map[string]any{"html": "<script>a && b</script>", "seps": "x\u2028y\u2029z", "path": `C:\dir\"q"`},
		struct {
			R json.RawMessage `json:"r"`
			S string          `json:"s"`
		}{json.RawMessage("{\"bad\":\"\xff\",\"lt\":\"<\"}"), "😀 日本"},
		[]any{"", nil, 1e21, map[string]any{}},
	} {
		data, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		for _, modern := range []bool{false, true} {
			res := &mcp.CallToolResult{StructuredContent: marshalled(data), Content: []mcp.Content{&mcp.TextContent{Text: string(data)}}}
			sameAsMarshal("marshalled "+string(data), res, modern)
		}
	}
	for _, res := range []*mcp.CallToolResult{
		{StructuredContent: json.RawMessage(out), Content: []mcp.Content{&mcp.TextContent{Text: "other"}}},
		{StructuredContent: json.RawMessage(out), Content: []mcp.Content{&mcp.TextContent{Text: string(out)}}, IsError: true},
		{StructuredContent: map[string]any{"a": 1}, Content: []mcp.Content{&mcp.TextContent{Text: `{"a":1}`}}},
		{StructuredContent: json.RawMessage(`{"a":`), Content: []mcp.Content{&mcp.TextContent{Text: `{"a":`}}},
		{StructuredContent: json.RawMessage(`{"a":"<"}`), Content: []mcp.Content{&mcp.TextContent{Text: `{"a":"<"}`}}},
	} {
		if _, ok := textResult(res, false); ok {
			t.Errorf("textResult took %+v", res)
		}
	}
}
