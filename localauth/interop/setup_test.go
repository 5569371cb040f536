package interop

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/workos-mcp/workos-mcp/authkit"
	"github.com/workos-mcp/workos-mcp/localauth"
)

const (
	envClientID = "client_env"
	envAPIKey   = "sk_test_interop"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func seed(t testing.TB) localauth.Directory {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	d, err := localauth.SeedDirectory(filepath.Join(filepath.Dir(file), "..", "testdata", "team.json"))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// authServer is a localauth server on a real 127.0.0.1 listener that counts
// refresh grants.
type authServer struct {
	*localauth.Server
	URL       string
	refreshes atomic.Int32
}

func startAuthServer(t testing.TB, mutate func(*localauth.Options)) *authServer {
	t.Helper()
	hs := httptest.NewUnstartedServer(nil)
	as := &authServer{URL: "http://" + hs.Listener.Addr().String()}
	opts := localauth.Options{Issuer: as.URL, Directory: seed(t), ClientID: envClientID, APIKey: envAPIKey, DevMode: true, Logger: quiet()}
	if mutate != nil {
		mutate(&opts)
	}
	s, err := localauth.New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	as.Server = s
	h := s.Handler()
	hs.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth2/token" && r.Method == http.MethodPost {
			r.ParseForm()
			if r.PostForm.Get("grant_type") == "refresh_token" {
				as.refreshes.Add(1)
			}
		}
		h.ServeHTTP(w, r)
	})
	hs.Start()
	t.Cleanup(func() { hs.Close(); s.Close() })
	return as
}

type whoami struct {
	UserID         string   `json:"user_id"`
	OrganizationID string   `json:"organization_id"`
	Role           string   `json:"role"`
	Permissions    []string `json:"permissions"`
	ClientID       string   `json:"client_id"`
}

// startMCPServer is a small authkit-protected MCP server (the shape of
// examples/authkit-server) trusting the given issuer.
func startMCPServer(t testing.TB, issuer string) (mcpURL string, kit *authkit.AuthKit) {
	t.Helper()
	hs := httptest.NewUnstartedServer(nil)
	base := "http://" + hs.Listener.Addr().String()
	kit, err := authkit.New(authkit.Config{Issuer: issuer, ResourceURL: base + "/mcp", ClientID: envClientID, APIKey: envAPIKey, APIBaseURL: issuer,
		ScopesSupported: []string{"openid", "profile", "email"}, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	server := mcp.NewServer(&mcp.Implementation{Name: "interop", Version: "0.0.1"}, nil)
	mcp.AddTool(server, &mcp.Tool{Name: "whoami", Description: "Who is calling.", Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true}},
		func(ctx context.Context, req *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, whoami, error) {
			s, ok := authkit.SessionFromTokenInfo(req.Extra.TokenInfo)
			if !ok {
				return nil, whoami{}, fmt.Errorf("no session")
			}
			return nil, whoami{UserID: s.UserID, OrganizationID: s.OrganizationID, Role: s.Role, Permissions: s.Permissions, ClientID: s.ClientID}, nil
		})
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server }, &mcp.StreamableHTTPOptions{Stateless: true, JSONResponse: true})
	mux := http.NewServeMux()
	mux.Handle("/mcp", kit.Middleware(h))
	kit.Register(mux)
	hs.Config.Handler = mux
	hs.Start()
	t.Cleanup(func() { hs.Close(); kit.Close() })
	return base + "/mcp", kit
}
