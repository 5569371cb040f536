package authkit_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/workos-mcp/workos-mcp/authkit"
	"github.com/workos-mcp/workos-mcp/authkit/authkittest"
	"github.com/workos-mcp/workos-mcp/workos"
)

// TestWorkOSResponseHook: every WorkOS API call authkit makes (User, the
// Client it hands out, the Standalone Connect completion) reaches
// Hooks.WorkOSResponse with the method, the path pattern and the status.
func TestWorkOSResponseHook(t *testing.T) {
	as := authkittest.NewServer(t)
	api := authkittest.NewAPI(t, testAPIKey)
	api.AddUser(map[string]any{"id": "user_01TEST", "email": "ada@example.com"})
	type call struct {
		method, path string
		status       int
	}
	var (
		mu    sync.Mutex
		calls []call
	)
	kit := newKit(t, as, func(c *authkit.Config) {
		c.APIKey = testAPIKey
		c.APIBaseURL = api.URL()
		c.Hooks.WorkOSResponse = func(method, path string, status int, d time.Duration) {
			if d < 0 {
				t.Errorf("negative duration %v", d)
			}
			mu.Lock()
			calls = append(calls, call{method, path, status})
			mu.Unlock()
		}
	})
	s, err := kit.Verify(t.Context(), as.Token(map[string]any{"aud": testResource, "sub": "user_01TEST"}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := authkit.ContextWithSession(t.Context(), s)
	if _, err := kit.User(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := kit.User(ctx); err != nil { // cached: no second call
		t.Fatal(err)
	}
	c, err := kit.Client(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetUser(ctx, "user_01MISSING"); err == nil {
		t.Fatal("GetUser(missing) succeeded")
	}

	srv := httptest.NewServer(kit.LoginHandler(func(http.ResponseWriter, *http.Request) (*authkit.ConnectUser, error) {
		return &authkit.ConnectUser{ID: "app_user_7", Email: "ada@example.com"}, nil
	}))
	t.Cleanup(srv.Close)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.PostForm(srv.URL, url.Values{"external_auth_id": {"ext_1"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("login: %d", resp.StatusCode)
	}

	want := []call{
		{"GET", "/user_management/users/{id}", 200},
		{"GET", "/user_management/users/{id}", 404},
		{"POST", workos.PathPattern(authkit.CompletionPath), 200},
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(calls, want) {
		t.Errorf("hook calls = %v, want %v", calls, want)
	}
}
