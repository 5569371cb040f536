package authkit

import (
	"context"
	"sync"
	"time"

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

type userCache struct {
	mu      sync.Mutex
	entries map[string]*userEntry
}

type userEntry struct {
	done    chan struct{} // closed when user/err are set
	user    *workos.User
	err     error
	fetched time.Time
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
	c := &a.users
	c.mu.Lock()
	e := c.entries[s.UserID]
	if e != nil {
		select {
		case <-e.done:
			if e.err == nil && time.Since(e.fetched) < a.cfg.UserCacheTTL {
				c.mu.Unlock()
				u := *e.user
				return &u, nil
			}
			delete(c.entries, s.UserID) // stale or failed: fetch again
			e = nil
		default:
		}
	}
	if e != nil { // in flight: wait for it
		c.mu.Unlock()
		select {
		case <-e.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if e.err != nil {
			return nil, e.err
		}
		u := *e.user
		return &u, nil
	}
	if len(c.entries) >= 10000 {
		clear(c.entries) // bounded; refills on demand
	}
	e = &userEntry{done: make(chan struct{})}
	c.entries[s.UserID] = e
	c.mu.Unlock()

	// The request is shared, so it must not die with one caller's context.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	e.user, e.err = a.api.client.GetUser(fctx, s.UserID)
	cancel()
	e.fetched = time.Now()
	close(e.done)
	if e.err != nil {
		return nil, e.err
	}
	u := *e.user
	return &u, nil
}
