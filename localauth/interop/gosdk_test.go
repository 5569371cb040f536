package interop

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"

	"github.com/workos-mcp/workos-mcp/internal/mcptest"
	"github.com/workos-mcp/workos-mcp/localauth"
)

// TestGoSDKClient drives the go-sdk OAuth client as a real MCP client:
// discovery, registration (DCR, then CIMD), the code flow with auto-approve,
// a tool call, a refresh, another call.
func TestGoSDKClient(t *testing.T) {
	const redirect = "http://127.0.0.1:8976/callback"
	cimd := httptest.NewTLSServer(nil)
	t.Cleanup(cimd.Close)
	cimdURL := cimd.URL + "/oauth/client.json"
	cimd.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"client_id": cimdURL, "client_name": "go-sdk via CIMD", "redirect_uris": []string{redirect},
			"grant_types": []string{"authorization_code", "refresh_token"}, "token_endpoint_auth_method": "none"})
	})

	for _, mode := range []string{"dcr", "cimd"} {
		t.Run(mode, func(t *testing.T) {
			as := startAuthServer(t, func(o *localauth.Options) {
				o.AutoApprove = "member@example.com"
				// Shorter than the oauth2 package's 10s expiry margin: every
				// Token() call refreshes, so the second tool call runs on a
				// refreshed token.
				o.AccessTokenTTL = 5 * time.Second
				o.HTTPClient = cimd.Client()
				o.AllowLoopbackCIMD = true
			})
			mcpURL, _ := startMCPServer(t, as.URL)
			cfg := &auth.AuthorizationCodeHandlerConfig{
				RedirectURL:              redirect,
				AuthorizationCodeFetcher: mcptest.FetchCode,
				RequestRefreshToken:      true,
			}
			if mode == "dcr" {
				cfg.DynamicClientRegistrationConfig = &auth.DynamicClientRegistrationConfig{Metadata: &oauthex.ClientRegistrationMetadata{
					ClientName: "go-sdk via DCR", RedirectURIs: []string{redirect}, TokenEndpointAuthMethod: "none",
					GrantTypes: []string{"authorization_code", "refresh_token"},
				}}
			} else {
				cfg.ClientIDMetadataDocumentConfig = &auth.ClientIDMetadataDocumentConfig{URL: cimdURL}
			}
			handler, err := auth.NewAuthorizationCodeHandler(cfg)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			client := mcp.NewClient(&mcp.Implementation{Name: "interop-client", Version: "0"}, nil)
			session, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: mcpURL, OAuthHandler: handler}, nil)
			if err != nil {
				t.Fatalf("connect: %v", err)
			}
			defer session.Close()
			call := func() whoami {
				t.Helper()
				res, err := session.CallTool(ctx, &mcp.CallToolParams{Name: "whoami"})
				if err != nil {
					t.Fatalf("call: %v", err)
				}
				if res.IsError {
					t.Fatalf("tool error: %+v", res.Content)
				}
				var w whoami
				b, _ := json.Marshal(res.StructuredContent)
				json.Unmarshal(b, &w)
				return w
			}
			w := call()
			if w.UserID != "user_member" || w.OrganizationID != "org_team" || w.Role != "member" || !slices.Contains(w.Permissions, "workspace:write") {
				t.Fatalf("whoami: %+v", w)
			}
			if mode == "cimd" && w.ClientID != cimdURL {
				t.Fatalf("client_id = %q, want the CIMD URL", w.ClientID)
			}
			before := as.refreshes.Load()
			w2 := call()
			if w2.UserID != w.UserID {
				t.Fatalf("second call: %+v", w2)
			}
			if after := as.refreshes.Load(); after <= before {
				t.Fatalf("the second call used no refresh grant (refreshes %d -> %d)", before, after)
			}
		})
	}
}
