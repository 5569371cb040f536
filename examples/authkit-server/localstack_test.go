package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"

	"github.com/workos-mcp/workos-mcp/emulator"
	"github.com/workos-mcp/workos-mcp/internal/devstack"
	"github.com/workos-mcp/workos-mcp/internal/devstack/devstacktest"
	"github.com/workos-mcp/workos-mcp/internal/mcptest"
)

// TestAgainstLocalStack runs the example against the real local stack
// (localauth + the WorkOS API emulator), as the README's second recipe
// does: a token from the real code flow, bound to the example's resource
// URL, and the WorkOS API calls answered by the emulator.
func TestAgainstLocalStack(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole local stack; skipped with -short")
	}
	stack, base := startAgainstStack(t)

	token := devstacktest.AccessToken(t, stack, "admin@example.com", devstack.WithResource(base+"/mcp"))
	cs := connect(t, base, token)
	res, out := callTool(t, cs, "greet")
	if res.IsError || !strings.HasPrefix(out["greeting"].(string), "Hello, user_") {
		t.Errorf("greet = %v %s", out, text(res))
	}
	res, out = callTool(t, cs, "get-user-info")
	if res.IsError || out["email"] != "admin@example.com" {
		t.Errorf("get-user-info = %v %s", out, text(res))
	}
	res, out = callTool(t, cs, "get-memberships")
	if ms, _ := out["memberships"].([]any); res.IsError || len(ms) == 0 {
		t.Errorf("get-memberships = %v %s", out, text(res))
	}
	res, out = callTool(t, cs, "get-documents")
	if res.IsError || out["organization_id"] != emulator.DemoTeamOrganizationID {
		t.Errorf("get-documents = %v %s", out, text(res))
	}

	// A token for the stack's own MCP URL is not for this server.
	other := devstacktest.AccessToken(t, stack, "admin@example.com")
	req, _ := http.NewRequest(http.MethodPost, base+"/mcp", strings.NewReader(`{}`))
	req.Header.Set("Authorization", "Bearer "+other)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 || !strings.Contains(resp.Header.Get("WWW-Authenticate"), "audience") {
		t.Errorf("token for another resource: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
}

// startAgainstStack starts the local stack and the example configured
// against it, as the README's second recipe does.
func startAgainstStack(t *testing.T) (*devstack.Stack, string) {
	t.Helper()
	stack := devstacktest.Start(t, devstack.Options{})
	base, kit := serveExample(t, stack.URL(), stack.URL()+devstack.EmulatorPath, emulator.DemoTeamAPIKey, emulator.DemoTeamClientID)
	if err := kit.Ready(t.Context()); err != nil {
		t.Fatalf("Ready against the local stack: %v", err)
	}

	return stack, base
}

// TestGoSDKClientFollowsChallenge: the go-sdk client, given no token,
// follows the 401 challenge by itself: protected resource metadata, the
// authorization server's metadata, dynamic client registration, PKCE
// authorization (approved automatically by the dev stack), token exchange
// bound to this resource, then the tool call.
func TestGoSDKClientFollowsChallenge(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole local stack; skipped with -short")
	}
	_, base := startAgainstStack(t)
	const redirect = "http://127.0.0.1:1/callback" // never contacted: the fetcher reads the redirect
	handler, err := auth.NewAuthorizationCodeHandler(&auth.AuthorizationCodeHandlerConfig{
		DynamicClientRegistrationConfig: &auth.DynamicClientRegistrationConfig{Metadata: &oauthex.ClientRegistrationMetadata{
			RedirectURIs: []string{redirect}, ClientName: "authkit example test",
			GrantTypes: []string{"authorization_code", "refresh_token"}, ResponseTypes: []string{"code"},
			TokenEndpointAuthMethod: "none",
		}},
		RedirectURL:              redirect,
		AuthorizationCodeFetcher: mcptest.FetchCode,
	})
	if err != nil {
		t.Fatal(err)
	}
	c := mcp.NewClient(&mcp.Implementation{Name: "oauth-test", Version: "1"}, nil)
	cs, err := c.Connect(t.Context(), &mcp.StreamableClientTransport{Endpoint: base + "/mcp", OAuthHandler: handler,
		HTTPClient: &http.Client{Timeout: 60 * time.Second}}, nil)
	if err != nil {
		t.Fatalf("connect with OAuth: %v", err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	res, out := callTool(t, cs, "get-user-info")
	if res.IsError || out["email"] == nil {
		t.Errorf("get-user-info after sign-in = %v %s", out, text(res))
	}
}
