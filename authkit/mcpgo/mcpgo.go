// Package mcpgo adapts authkit to github.com/mark3labs/mcp-go, kept apart
// so that authkit itself does not depend on mcp-go.
//
// Put authkit's Middleware in front of mcp-go's StreamableHTTPServer and
// pass ContextFunc to server.WithHTTPContextFunc; tool handlers then call
// authkit.SessionFromContext(ctx).
package mcpgo

import (
	"context"
	"net/http"

	"github.com/mark3labs/mcp-go/server"

	"github.com/workos-mcp/workos-mcp/authkit"
)

// ContextFunc carries the Session from the HTTP request into the context
// mcp-go gives tool handlers, whatever context mcp-go derives them from.
func ContextFunc(ctx context.Context, r *http.Request) context.Context {
	if s, ok := authkit.SessionFromContext(r.Context()); ok {
		if _, already := authkit.SessionFromContext(ctx); !already {
			return authkit.ContextWithSession(ctx, s)
		}
	}
	return ctx
}

// Option is ContextFunc as a StreamableHTTPServer option.
func Option() server.StreamableHTTPOption {
	return server.WithHTTPContextFunc(ContextFunc)
}

// Handler returns srv behind a's Middleware, ready to mount at the MCP path.
func Handler(a *authkit.AuthKit, srv *server.StreamableHTTPServer) http.Handler {
	return a.Middleware(srv)
}
