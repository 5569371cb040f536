package mcpgo_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	mcpg "github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/workos-mcp/workos-mcp/authkit"
	"github.com/workos-mcp/workos-mcp/authkit/authkittest"
	"github.com/workos-mcp/workos-mcp/authkit/mcpgo"
)

const resource = "https://mcp.example.com/mcp"

func newMCPGoServer() *server.MCPServer {
	s := server.NewMCPServer("mcpgo-test", "1")
	s.AddTool(mcpg.NewTool("whoami", mcpg.WithDescription("who is calling")),
		func(ctx context.Context, _ mcpg.CallToolRequest) (*mcpg.CallToolResult, error) {
			sess, ok := authkit.SessionFromContext(ctx)
			if !ok {
				return mcpg.NewToolResultError("no session"), nil
			}
			return mcpg.NewToolResultText(sess.UserID + "@" + sess.OrganizationID), nil
		})
	return s
}

func TestMCPGoToolSeesSession(t *testing.T) {
	for _, stateless := range []bool{true, false} {
		t.Run(map[bool]string{true: "stateless", false: "stateful"}[stateless], func(t *testing.T) {
			testMCPGoToolSeesSession(t, stateless)
		})
	}
}

func testMCPGoToolSeesSession(t *testing.T, stateless bool) {
	as := authkittest.NewServer(t)
	kit, err := authkit.New(authkit.Config{Issuer: as.Issuer(), ResourceURL: resource})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kit.Close)
	h := mcpgo.Handler(kit, server.NewStreamableHTTPServer(newMCPGoServer(), server.WithStateLess(stateless), mcpgo.Option()))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	token := as.Token(map[string]any{"aud": resource, "sub": "user_9", "org_id": "org_9"})
	c, err := client.NewStreamableHttpClient(srv.URL, transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + token}),
		transport.WithHTTPBasicClient(&http.Client{Timeout: 60 * time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	ctx := t.Context()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	init := mcpg.InitializeRequest{}
	init.Params.ProtocolVersion = mcpg.LATEST_PROTOCOL_VERSION
	init.Params.ClientInfo = mcpg.Implementation{Name: "t", Version: "1"}
	if _, err := c.Initialize(ctx, init); err != nil {
		t.Fatalf("initialize: %v", err)
	}
	req := mcpg.CallToolRequest{}
	req.Params.Name = "whoami"
	res, err := c.CallTool(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if res.IsError || len(res.Content) == 0 {
		t.Fatalf("whoami = %+v", res)
	}
	if tc, ok := res.Content[0].(mcpg.TextContent); !ok || tc.Text != "user_9@org_9" {
		t.Errorf("whoami = %+v", res.Content[0])
	}

	// Without a token the same endpoint answers the challenge.
	resp, err := http.Post(srv.URL, "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 || !strings.Contains(resp.Header.Get("WWW-Authenticate"), "resource_metadata=") {
		t.Errorf("no token: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
}

func TestContextFuncCopiesSession(t *testing.T) {
	s := &authkit.Session{UserID: "u"}
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	r = r.WithContext(authkit.ContextWithSession(r.Context(), s))
	ctx := mcpgo.ContextFunc(context.Background(), r)
	if got, ok := authkit.SessionFromContext(ctx); !ok || got != s {
		t.Errorf("session not carried: %v %v", got, ok)
	}
	if _, ok := authkit.SessionFromContext(mcpgo.ContextFunc(context.Background(), httptest.NewRequest("GET", "/", nil))); ok {
		t.Error("session invented for an unauthenticated request")
	}
}
