package authkit_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/workos-mcp/workos-mcp/authkit"
	"github.com/workos-mcp/workos-mcp/authkit/authkittest"
)

func TestIntrospectionOfOpaqueTokens(t *testing.T) {
	as := newIssuer(t)
	kit := introspectingKit(t, as)
	api := protected(t, kit)

	tok := as.OpaqueToken(map[string]any{"sub": "user_opaque", "org_id": "org_1", "scope": "openid"})
	for range 3 {
		r := get(t, api.URL, "Bearer "+tok)
		if r.status != 200 || r.body["user_id"] != "user_opaque" || r.body["org_id"] != "org_1" {
			t.Fatalf("opaque token: %d %s", r.status, r.raw)
		}
	}
	if n := as.Introspections(); n != 1 {
		t.Errorf("introspected %d times, want 1 (cached)", n)
	}
	// JWTs are still verified locally.
	if r := get(t, api.URL, "Bearer "+as.Token(nil)); r.status != 200 || as.Introspections() != 1 {
		t.Errorf("JWT: %d, introspections %d", r.status, as.Introspections())
	}
	for name, tc := range map[string]struct {
		token  string
		status int
		desc   string
	}{
		"unknown":    {"opaque_unknown", 401, "not active"},
		"wrong aud":  {as.OpaqueToken(map[string]any{"aud": "https://other.example/mcp"}), 401, "audience"},
		"wrong iss":  {as.OpaqueToken(map[string]any{"iss": "https://evil.example"}), 401, "issuer"},
		"expired":    {as.OpaqueToken(map[string]any{"exp": time.Now().Add(-time.Hour).Unix()}), 401, "expired"},
		"no subject": {as.OpaqueToken(map[string]any{"sub": nil}), 401, "subject"},
	} {
		r := get(t, api.URL, "Bearer "+tc.token)
		if r.status != tc.status || r.challenge["error"] != "invalid_token" {
			t.Errorf("%s: %d %v", name, r.status, r.challenge)
		}
		if d, _ := r.body["error_description"].(string); !strings.Contains(d, tc.desc) {
			t.Errorf("%s: description %q", name, d)
		}
	}
	// The authorization server down: 503, not a 401 that would send the
	// client back through sign-in.
	as.SetDown(true)
	r := get(t, api.URL, "Bearer "+as.OpaqueToken(nil))
	if r.status != http.StatusServiceUnavailable {
		t.Errorf("introspection down: %d %s", r.status, r.raw)
	}
}

// TestVerifiedTokenStillMalformedAsBearer: a token Verify accepted (opaque, introspected, and
// cached) that lacks RFC 6750's b64token syntax is still refused in an Authorization header,
// on the first request and on every later one (the cache remembers the syntax check).
func TestVerifiedTokenStillMalformedAsBearer(t *testing.T) {
	as := newIssuer(t)
	kit := introspectingKit(t, as)
	api := protected(t, kit)
	tok := as.AddOpaqueToken("opaque_not,token68", map[string]any{"sub": "user_opaque"})
	if s, err := kit.Verify(t.Context(), tok); err != nil || s.UserID != "user_opaque" {
		t.Fatalf("Verify: %v %v", s, err)
	}
	for i := range 2 {
		r := get(t, api.URL, "Bearer "+tok)
		if r.status != 401 || r.challenge["error"] != "invalid_token" {
			t.Fatalf("request %d: %d %v", i, r.status, r.challenge)
		}
		if d, _ := r.body["error_description"].(string); !strings.Contains(d, "malformed") {
			t.Errorf("request %d: description %q", i, d)
		}
	}
	if n := as.Introspections(); n != 1 {
		t.Errorf("introspected %d times, want 1 (Verify's)", n)
	}
}

func TestOpaqueTokenWithoutIntrospection(t *testing.T) {
	as := authkittest.NewServer(t)
	kit := newKit(t, as)
	api := protected(t, kit)
	if r := get(t, api.URL, "Bearer "+as.OpaqueToken(nil)); r.status != 401 || as.Introspections() != 0 {
		t.Errorf("status %d, introspections %d", r.status, as.Introspections())
	}
}

// introspectingKit is a kit that introspects opaque tokens at as, caching answers for an hour.
func introspectingKit(t *testing.T, as *authkittest.Server) *authkit.AuthKit {
	return newKit(t, as, func(c *authkit.Config) {
		c.Introspection = &authkit.Introspection{ClientID: authkittest.IntrospectionClientID,
			ClientSecret: authkittest.IntrospectionClientSecret, CacheTTL: time.Hour}
	})
}
