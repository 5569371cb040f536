package authkit_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/workos-mcp/workos-mcp/authkit"
	"github.com/workos-mcp/workos-mcp/authkit/authkittest"
	"github.com/workos-mcp/workos-mcp/workos"
)

const testAPIKey = "sk_test_authkit_secret"

func TestUserCachedAndDeduplicated(t *testing.T) {
	as := authkittest.NewServer(t)
	api := authkittest.NewAPI(t, testAPIKey)
	api.AddUser(map[string]any{"id": "user_01TEST", "email": "ada@example.com", "first_name": "Ada"})
	kit := newKit(t, as, func(c *authkit.Config) { c.APIKey = testAPIKey; c.APIBaseURL = api.URL() })
	s, err := kit.Verify(t.Context(), as.Token(map[string]any{"aud": testResource}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := authkit.ContextWithSession(t.Context(), s)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			u, err := kit.User(ctx)
			if err != nil || u.Email != "ada@example.com" || u.FirstName != "Ada" {
				t.Errorf("User = %+v, %v", u, err)
			}
		})
	}
	wg.Wait()
	if _, err := kit.User(ctx); err != nil {
		t.Fatal(err)
	}
	if n := api.UserFetches(); n != 1 {
		t.Errorf("user fetched %d times, want 1 (cached, de-duplicated)", n)
	}
	c, err := kit.Client(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetUser(ctx, "user_missing"); !errors.Is(err, workos.ErrNotFound) {
		t.Errorf("client GetUser(missing) = %v", err)
	}
}

func TestUserAndClientOutsideRequest(t *testing.T) {
	as := authkittest.NewServer(t)
	kit := newKit(t, as, func(c *authkit.Config) { c.APIKey = testAPIKey })
	if _, err := kit.User(context.Background()); !errors.Is(err, authkit.ErrNoSession) {
		t.Errorf("User = %v, want ErrNoSession", err)
	}
	if _, err := kit.Client(context.Background()); !errors.Is(err, authkit.ErrNoSession) {
		t.Errorf("Client = %v, want ErrNoSession", err)
	}
	if !strings.Contains(authkit.ErrNoSession.Error(), "no authenticated session") {
		t.Errorf("message %q does not say what happened", authkit.ErrNoSession)
	}
	noKey := newKit(t, as)
	ctx := authkit.ContextWithSession(context.Background(), &authkit.Session{UserID: "u"})
	if _, err := noKey.User(ctx); !errors.Is(err, authkit.ErrNoAPIKey) {
		t.Errorf("User without API key = %v", err)
	}
}

func TestLoginHandler(t *testing.T) {
	as := authkittest.NewServer(t)
	api := authkittest.NewAPI(t, testAPIKey)
	// The completion redirects to the API's host in this test; allow it as the
	// issuer's custom domain would be.
	kit := newKit(t, as, func(c *authkit.Config) { c.APIKey = testAPIKey; c.APIBaseURL = api.URL() })
	var authErr error
	h := kit.LoginHandler(func(w http.ResponseWriter, r *http.Request) (*authkit.ConnectUser, error) {
		if authErr != nil {
			return nil, authErr
		}
		if r.FormValue("password") == "" {
			_, _ = io.WriteString(w, "<form>sign in</form>")
			return nil, nil
		}
		return &authkit.ConnectUser{ID: "app_user_7", Email: "ada@example.com", FirstName: "Ada"}, nil
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	post := func(form url.Values) (*http.Response, string) {
		resp, err := noRedirect.PostForm(srv.URL+"/login", form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}

	// The application shows its own form first.
	resp, body := post(url.Values{"external_auth_id": {"ext_1"}})
	if resp.StatusCode != 200 || !strings.Contains(body, "<form>") {
		t.Fatalf("form: %d %s", resp.StatusCode, body)
	}
	// Signed in: completion, then a redirect to AuthKit's URI.
	resp, _ = post(url.Values{"external_auth_id": {"ext_1"}, "password": {"pw"}})
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), api.URL()+"/oauth2/authorize/complete") {
		t.Fatalf("complete: %d Location=%q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if c := api.Completions(); len(c) != 1 || !strings.Contains(string(c[0]), `"external_auth_id":"ext_1"`) || !strings.Contains(string(c[0]), `"id":"app_user_7"`) {
		t.Errorf("completion bodies = %s", c)
	}

	// Missing external_auth_id: a page, no redirect, no API call.
	resp, body = post(url.Values{"password": {"pw"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "external_auth_id") {
		t.Errorf("missing id: %d %s", resp.StatusCode, body)
	}
	// AuthKit refuses (expired session): a page that says so.
	resp, body = post(url.Values{"external_auth_id": {"expired_1"}, "password": {"pw"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "expired") || resp.Header.Get("Location") != "" {
		t.Errorf("expired: %d %s", resp.StatusCode, body)
	}
	// A redirect_uri to a foreign host is never followed (no open redirect).
	api.SetCompletion(0, "https://evil.example/steal")
	resp, body = post(url.Values{"external_auth_id": {"ext_2"}, "password": {"pw"}})
	if resp.StatusCode == http.StatusFound || resp.Header.Get("Location") != "" || strings.Contains(body, "evil.example") ||
		!strings.Contains(body, "does not trust") {
		t.Errorf("foreign redirect followed: %d %q %s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	// The same for look-alikes of WorkOS's domains, plain http, and user info.
	for _, target := range []string{"https://x.authkit.app.evil.example/c", "https://evilauthkit.app/c", "http://x.authkit.app/c",
		"https://x.authkit.app@evil.example/c", "https://u@x.authkit.app/c", "//evil.example/c", "javascript:alert(1)"} {
		api.SetCompletion(0, target)
		resp, body = post(url.Values{"external_auth_id": {"ext_2"}, "password": {"pw"}})
		if resp.StatusCode == http.StatusFound || resp.Header.Get("Location") != "" {
			t.Errorf("redirect to %q followed: %d", target, resp.StatusCode)
		}
	}
	// AuthKit's own domains are followed even when they are not the issuer's
	// host (the spec's example answers a workos.com subdomain).
	for _, target := range []string{"https://your-domain.workos.com/oauth/authorize/complete?state=s", "https://acme.authkit.app/oauth2/authorize/complete?state=s"} {
		api.SetCompletion(0, target)
		resp, _ = post(url.Values{"external_auth_id": {"ext_4"}, "password": {"pw"}})
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != target {
			t.Errorf("AuthKit redirect %q: %d Location=%q", target, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	// The application's authentication fails: a page with its reason, escaped.
	authErr = errors.New("wrong <password>")
	resp, body = post(url.Values{"external_auth_id": {"ext_3"}, "password": {"pw"}})
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "wrong &lt;password&gt;") {
		t.Errorf("auth failure: %d %s", resp.StatusCode, body)
	}
	if strings.Contains(body, testAPIKey) {
		t.Error("API key leaked into the page")
	}
}
