package authkit_test

import (
	"context"
	"fmt"
	"log"
	"net/http"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/workos-mcp/workos-mcp/authkit"
)

// Protect a go-sdk MCP server: the middleware in front of /mcp, the
// metadata on the same mux, and the Session in tool handlers.
func Example() {
	kit, err := authkit.New(authkit.Config{
		Issuer:      "https://example.authkit.app",
		ResourceURL: "https://mcp.example.com/mcp",
		ClientID:    "client_01EXAMPLE", // accepted as aud when the client sent no resource
	})
	if err != nil {
		log.Fatal(err)
	}
	defer kit.Close()

	server := mcp.NewServer(&mcp.Implementation{Name: "example", Version: "1"}, nil)
	mcp.AddTool(server, &mcp.Tool{Name: "whoami"},
		func(ctx context.Context, req *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, any, error) {
			s, _ := authkit.SessionFromTokenInfo(req.Extra.TokenInfo)
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: s.UserID}}}, nil, nil
		})

	mux := http.NewServeMux()
	mux.Handle("/mcp", kit.Middleware(mcp.NewStreamableHTTPHandler(
		func(*http.Request) *mcp.Server { return server }, &mcp.StreamableHTTPOptions{Stateless: true})))
	kit.Register(mux) // /.well-known/oauth-protected-resource{,/mcp}, /.well-known/oauth-authorization-server

	fmt.Println(kit.ProtectedResourceMetadataURL())
	// Output: https://mcp.example.com/.well-known/oauth-protected-resource/mcp
}

// Any net/http handler (and so any MCP library) reads the Session from the
// request context.
func ExampleSessionFromContext() {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, ok := authkit.SessionFromContext(r.Context())
		if !ok {
			http.Error(w, "unreachable behind Middleware", http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "hello %s of %s", s.UserID, s.OrganizationID)
	})
	_ = h
}
