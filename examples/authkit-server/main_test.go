package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/workos-mcp/workos-mcp/authkit"
	"github.com/workos-mcp/workos-mcp/authkit/authkittest"
	"github.com/workos-mcp/workos-mcp/internal/mcptest"
)

const apiKey = "sk_test_example_secret"

// start runs the example on 127.0.0.1 against a test issuer and API.
func start(t *testing.T) (base string, as *authkittest.Server) {
	t.Helper()
	as = authkittest.NewServer(t)
	api := authkittest.NewAPI(t, apiKey)
	api.AddUser(map[string]any{"id": "user_01TEST", "email": "ada@example.com", "first_name": "Ada"})
	api.AddMembership(map[string]any{"id": "om_1", "user_id": "user_01TEST", "organization_id": "org_01ACME",
		"status": "active", "role": map[string]any{"slug": "admin"}})

	base, _ = serveExample(t, as.Issuer(), api.URL(), apiKey, "client_01EXAMPLE")
	as.SetDefaults(map[string]any{"aud": base + "/mcp"})
	return base, as
}

// serveExample runs the example on 127.0.0.1 until the test ends, configured from the
// environment as its README says: AuthKit at issuer, the WorkOS API at apiURL with apiKey and
// clientID. It returns the example's base URL and its AuthKit.
func serveExample(t *testing.T, issuer, apiURL, apiKey, clientID string) (string, *authkit.AuthKit) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	t.Setenv("AUTHKIT_DOMAIN", issuer)
	t.Setenv("BASE_URL", base)
	t.Setenv("WORKOS_API_BASE_URL", apiURL)
	t.Setenv("WORKOS_API_KEY", apiKey)
	t.Setenv("WORKOS_CLIENT_ID", clientID)
	cfg, err := authkit.FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	kit, err := authkit.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kit.Close)
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: newHandler(kit), ReadHeaderTimeout: 30 * time.Second}}
	srv.Start()
	t.Cleanup(srv.Close)
	return base, kit
}

func connect(t *testing.T, base, token string) *mcp.ClientSession {
	t.Helper()
	return mcptest.Connect(t, base+"/mcp", mcptest.Bearer(token), nil)
}

func callTool(t *testing.T, cs *mcp.ClientSession, name string) (*mcp.CallToolResult, map[string]any) {
	t.Helper()
	res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: name, Arguments: map[string]any{}})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var out map[string]any
	if res.StructuredContent != nil {
		b, _ := json.Marshal(res.StructuredContent)
		_ = json.Unmarshal(b, &out)
	}
	return res, out
}

func text(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

func TestToolsWithToken(t *testing.T) {
	base, as := start(t)
	cs := connect(t, base, as.Token(map[string]any{"org_id": "org_01ACME"}))

	tools, err := cs.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(tools.Tools) != 4 {
		t.Errorf("tools = %d, want 4", len(tools.Tools))
	}

	res, out := callTool(t, cs, "greet")
	if res.IsError || out["greeting"] != "Hello, user_01TEST!" {
		t.Errorf("greet = %v %s", out, text(res))
	}
	res, out = callTool(t, cs, "get-user-info")
	if res.IsError || out["email"] != "ada@example.com" {
		t.Errorf("get-user-info = %v %s", out, text(res))
	}
	res, out = callTool(t, cs, "get-memberships")
	if ms, _ := out["memberships"].([]any); res.IsError || len(ms) != 1 {
		t.Errorf("get-memberships = %v %s", out, text(res))
	}
	res, out = callTool(t, cs, "get-documents")
	if docs, _ := out["documents"].([]any); res.IsError || len(docs) != 2 || out["organization_id"] != "org_01ACME" {
		t.Errorf("get-documents = %v %s", out, text(res))
	}
}

func TestDocumentsNeedOrganization(t *testing.T) {
	base, as := start(t)
	cs := connect(t, base, as.Token(nil)) // no org_id claim
	res, _ := callTool(t, cs, "get-documents")
	if !res.IsError || !strings.Contains(text(res), "Organization context required") {
		t.Errorf("get-documents without organization: isError=%v %q", res.IsError, text(res))
	}
}

func TestWithoutTokenChallengeIsFollowable(t *testing.T) {
	base, as := start(t)

	// The go-sdk client without a token cannot connect.
	c := mcp.NewClient(&mcp.Implementation{Name: "anon", Version: "1"}, nil)
	if cs, err := c.Connect(t.Context(), &mcp.StreamableClientTransport{Endpoint: base + "/mcp"}, nil); err == nil {
		_ = cs.Close()
		t.Fatal("connected without a token")
	}

	// GET and POST both answer 401 (not 405) with an absolute resource_metadata.
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		req, _ := http.NewRequest(method, base+"/mcp", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		ch := resp.Header.Get("WWW-Authenticate")
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(ch, `resource_metadata="`+base+`/.well-known/oauth-protected-resource/mcp"`) {
			t.Fatalf("%s /mcp: %d %q", method, resp.StatusCode, ch)
		}
	}
	// Follow it: resource metadata -> authorization server -> its metadata.
	var prm struct {
		Resource             string   `json:"resource"`
		AuthorizationServers []string `json:"authorization_servers"`
	}
	getJSON(t, base+"/.well-known/oauth-protected-resource/mcp", &prm)
	if prm.Resource != base+"/mcp" || len(prm.AuthorizationServers) != 1 || prm.AuthorizationServers[0] != as.Issuer() {
		t.Fatalf("prm = %+v", prm)
	}
	var asm struct {
		Issuer                string `json:"issuer"`
		AuthorizationEndpoint string `json:"authorization_endpoint"`
	}
	getJSON(t, base+"/.well-known/oauth-authorization-server", &asm)
	if asm.Issuer != prm.AuthorizationServers[0] || asm.AuthorizationEndpoint == "" {
		t.Fatalf("as metadata = %+v", asm)
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

func TestDefaultBaseURL(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1:3000": "http://127.0.0.1:3000",
		":3000":          "http://127.0.0.1:3000",
		"0.0.0.0:8080":   "http://127.0.0.1:8080",
		"[::]:8080":      "http://127.0.0.1:8080",
		"[::1]:8080":     "http://[::1]:8080",
		"localhost:9":    "http://localhost:9",
	} {
		if got := defaultBaseURL(addr); got != want {
			t.Errorf("defaultBaseURL(%q) = %q, want %q", addr, got, want)
		}
	}
}
