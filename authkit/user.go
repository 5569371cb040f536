package authkit

import (
	"context"

	"github.com/workos-mcp/workos-mcp/workos"
)

// apiClient is the seam to the WorkOS API: authkit needs only a user lookup
// and the completion call, and hands the full client to callers.
type apiClient struct {
	client *workos.Client // nil without an API key
}

func (a *AuthKit) initAPI() {
	if a.cfg.APIKey == "" {
		return
	}
	a.api.client = workos.New(workos.Options{
		BaseURL:    a.cfg.APIBaseURL,
		APIKey:     a.cfg.APIKey,
		HTTPClient: a.cfg.HTTPClient,
		UserAgent:  "workos-mcp-authkit",
		OnResponse: a.cfg.Hooks.WorkOSResponse,
	})
}

// Client returns the WorkOS API client (authenticated with Config.APIKey,
// never with the person's token) for a handler behind Middleware.
func (a *AuthKit) Client(ctx context.Context) (*workos.Client, error) {
	if _, ok := SessionFromContext(ctx); !ok {
		return nil, ErrNoSession
	}
	if a.api.client == nil {
		return nil, ErrNoAPIKey
	}
	return a.api.client, nil
}

// User returns the WorkOS user of the session in ctx (GET
// /user_management/users/{id}). Results are cached for UserCacheTTL and
// concurrent lookups of the same user share one request.
func (a *AuthKit) User(ctx context.Context) (*workos.User, error) {
	s, ok := SessionFromContext(ctx)
	if !ok {
		return nil, ErrNoSession
	}
	if a.api.client == nil {
		return nil, ErrNoAPIKey
	}
	u, err := a.users.Get(ctx, s.UserID, func(ctx context.Context) (*workos.User, error) {
		return a.api.client.GetUser(ctx, s.UserID)
	})
	if err != nil {
		return nil, err
	}
	cp := *u // the cached user is shared: callers get their own copy
	return &cp, nil
}
