package interop

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"

	"github.com/workos-mcp/workos-mcp/internal/mcptest"
)

const goSDKRedirect = "http://127.0.0.1:38765/callback"

// whoamiThrough connects the go-sdk client with the OAuth handler and calls whoami.
func whoamiThrough(t *testing.T, endpoint string, h auth.OAuthHandler) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := mcp.NewClient(&mcp.Implementation{Name: "interop-go-sdk", Version: "1"}, nil)
	cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: endpoint, OAuthHandler: h, DisableStandaloneSSE: true}, nil)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer cs.Close()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "whoami", Arguments: map[string]any{}})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(res.StructuredContent)
	if res.IsError {
		t.Fatalf("whoami is an error: %s", raw)
	}
	return string(raw)
}

// TestGoSDKClientDCR: the go-sdk client discovers everything from the 401 challenge, registers
// dynamically, and completes the code flow against the binary; the binary then stops cleanly on
// SIGTERM.
func TestGoSDKClientDCR(t *testing.T) {
	p := startDev(t, nil, "--auto-approve", "member-sandbox@example.com")
	h, err := auth.NewAuthorizationCodeHandler(&auth.AuthorizationCodeHandlerConfig{
		DynamicClientRegistrationConfig: &auth.DynamicClientRegistrationConfig{Metadata: &oauthex.ClientRegistrationMetadata{
			ClientName: "interop go-sdk", RedirectURIs: []string{goSDKRedirect},
			GrantTypes: []string{"authorization_code", "refresh_token"}, TokenEndpointAuthMethod: "none",
		}},
		RedirectURL: goSDKRedirect, AuthorizationCodeFetcher: mcptest.FetchCode, RequestRefreshToken: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if out := whoamiThrough(t, p.mcpURL(), h); !strings.Contains(out, `"slug":"member-sandbox"`) {
		t.Fatalf("whoami: %s", out)
	}
	if err := p.stop(t); err != nil {
		t.Fatalf("SIGTERM: %v\n%s", err, p.stderr)
	}
	if !strings.Contains(p.stderr.String(), "workos-mcp dev stopped") {
		t.Errorf("no clean stop in the log:\n%s", p.stderr)
	}
}

// TestGoSDKClientCIMD: the client's identity is a Client ID Metadata Document served over https
// (a TLS test server whose certificate the binary trusts through SSL_CERT_FILE).
func TestGoSDKClientCIMD(t *testing.T) {
	var docURL string
	mux := http.NewServeMux()
	mux.HandleFunc("/oauth/client.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"client_id": docURL, "client_name": "interop go-sdk (CIMD)", "redirect_uris": []string{goSDKRedirect},
			"grant_types": []string{"authorization_code"}, "response_types": []string{"code"},
			"token_endpoint_auth_method": "none",
		})
	})
	doc := httptest.NewTLSServer(mux)
	defer doc.Close()
	docURL = doc.URL + "/oauth/client.json"
	certFile := filepath.Join(t.TempDir(), "cert.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: doc.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	p := startDev(t, []string{"SSL_CERT_FILE=" + certFile}, "--auto-approve", "support-viewer@example.com")
	h, err := auth.NewAuthorizationCodeHandler(&auth.AuthorizationCodeHandlerConfig{
		ClientIDMetadataDocumentConfig: &auth.ClientIDMetadataDocumentConfig{URL: docURL},
		RedirectURL:                    goSDKRedirect, AuthorizationCodeFetcher: mcptest.FetchCode,
	})
	if err != nil {
		t.Fatal(err)
	}
	if out := whoamiThrough(t, p.mcpURL(), h); !strings.Contains(out, `"slug":"support-viewer"`) {
		t.Fatalf("whoami: %s", out)
	}
	if !strings.Contains(p.stderr.String(), "client.json") && !strings.Contains(p.stderr.String(), "authorization approved") {
		t.Logf("server log:\n%s", p.stderr)
	}
}
