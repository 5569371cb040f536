package localauth

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestRefreshErrors is the refresh grant's table of bad requests; each one
// leaves the refresh token usable.
func TestRefreshErrors(t *testing.T) {
	now := time.Now()
	clock := func() time.Time { return now }
	ts := startServer(t, func(o *Options) {
		o.AutoApprove = "admin@example.com"
		o.Now = func() time.Time { return clock() }
	})
	redirect := "http://127.0.0.1:9/cb"
	cid := ts.register(t, redirect)
	other := ts.register(t, redirect)
	code, verifier, _ := ts.autoCode(t, cid, redirect, func(a *authzReq) {
		a.scope = "openid offline_access"
		a.resource = "https://mcp.example.com/mcp"
	})
	status, tok := ts.post(t, "/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier},
		"client_id": {cid}, "redirect_uri": {redirect}}, "", "")
	if status != 200 {
		t.Fatalf("token: %d %v", status, tok)
	}
	rt := tok["refresh_token"].(string)
	for _, tc := range []struct {
		name   string
		form   url.Values
		status int
		err    string
	}{
		{"missing refresh_token", url.Values{"client_id": {cid}}, 400, "invalid_request"},
		{"unknown refresh_token", url.Values{"client_id": {cid}, "refresh_token": {"rt_nope"}}, 400, "invalid_grant"},
		{"another client's", url.Values{"client_id": {other}, "refresh_token": {rt}}, 400, "invalid_grant"},
		{"no client", url.Values{"refresh_token": {rt}}, 401, "invalid_client"},
		{"wider scope", url.Values{"client_id": {cid}, "refresh_token": {rt}, "scope": {"openid email"}}, 400, "invalid_scope"},
		{"other resource", url.Values{"client_id": {cid}, "refresh_token": {rt}, "resource": {"https://evil.example.com/mcp"}}, 400, "invalid_target"},
		{"repeated parameter", url.Values{"client_id": {cid}, "refresh_token": {rt, rt}}, 400, "invalid_request"},
	} {
		tc.form.Set("grant_type", "refresh_token")
		status, out := ts.post(t, "/oauth2/token", tc.form, "", "")
		if status != tc.status || out["error"] != tc.err || out["error_description"] == "" {
			t.Errorf("%s: %d %v, want %d %s", tc.name, status, out, tc.status, tc.err)
		}
	}
	// A narrower scope is fine, and the token still works after all of the above.
	status, out := ts.post(t, "/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "client_id": {cid}, "refresh_token": {rt}, "scope": {"openid"}}, "", "")
	if status != 200 || out["scope"] != "openid" {
		t.Fatalf("narrower refresh after the bad ones: %d %v", status, out)
	}
	if c := ts.verify(t, out["access_token"].(string)); c["aud"] != "https://mcp.example.com/mcp" {
		t.Fatalf("aud after refresh: %v", c["aud"])
	}
	// Past its lifetime, the (rotated) refresh token is refused.
	clock = func() time.Time { return now.Add(DefaultRefreshTokenTTL + time.Hour) }
	status, out = ts.post(t, "/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "client_id": {cid}, "refresh_token": {out["refresh_token"].(string)}}, "", "")
	if status != 400 || out["error"] != "invalid_grant" || !strings.Contains(out["error_description"].(string), "expired") {
		t.Fatalf("expired refresh token: %d %v", status, out)
	}
}

// TestEndpointErrors: bad requests to introspection, revocation, userinfo,
// registration and JWKS get their RFC's error (never a 500).
func TestEndpointErrors(t *testing.T) {
	ts := startServer(t, func(o *Options) { o.AutoApprove = "admin@example.com" })
	redirect := "http://127.0.0.1:9/cb"
	cid := ts.register(t, redirect)
	big := strings.Repeat("x", maxFormBytes+1)
	form := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return v
	}
	for _, tc := range []struct {
		name, path string
		form       url.Values
		user, pass string
		status     int
		err        string
	}{
		{"introspect: no caller", "/oauth2/introspection", form("token", "x"), "", "", 401, "invalid_client"},
		{"introspect: unknown client", "/oauth2/introspection", form("token", "x", "client_id", "client_nope"), "", "", 401, "invalid_client"},
		{"introspect: wrong API key", "/oauth2/introspection", form("token", "x"), "client_env", "sk_wrong", 401, "invalid_client"},
		{"introspect: no token", "/oauth2/introspection", form(), "client_env", "sk_test_key", 400, "invalid_request"},
		{"introspect: oversized", "/oauth2/introspection", form("token", big), "client_env", "sk_test_key", 400, "invalid_request"},
		{"revoke: no client", "/oauth2/revoke", form("token", "x"), "", "", 401, "invalid_client"},
		{"revoke: no token", "/oauth2/revoke", form("client_id", cid), "", "", 400, "invalid_request"},
		{"revoke: oversized", "/oauth2/revoke", form("client_id", cid, "token", big), "", "", 400, "invalid_request"},
		{"revoke: public client with a secret", "/oauth2/revoke", form("client_id", cid, "client_secret", "s", "token", "x"), "", "", 401, "invalid_client"},
	} {
		status, out := ts.post(t, tc.path, tc.form, tc.user, tc.pass)
		if status != tc.status || out["error"] != tc.err || out["error_description"] == "" {
			t.Errorf("%s: %d %v, want %d %s", tc.name, status, out, tc.status, tc.err)
		}
	}
	// RFC 7009 §2.2: an unknown token is not an error.
	if status, _ := ts.post(t, "/oauth2/revoke", form("client_id", cid, "token", "never-issued"), "", ""); status != 200 {
		t.Errorf("revoke an unknown token: %d", status)
	}
	// Userinfo: no token, not a bearer, garbage, a token from another issuer.
	for name, authz := range map[string]string{"none": "", "basic": "Basic eDp5", "garbage": "Bearer a.b.c", "empty bearer": "Bearer "} {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+"/oauth2/userinfo", nil)
		if authz != "" {
			req.Header.Set("Authorization", authz)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("userinfo %s: %d %q", name, resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}
	}
	// Wrong methods: 405 with Allow, everywhere.
	for path, method := range map[string]string{
		"/oauth2/token": http.MethodGet, "/oauth2/register": http.MethodGet, "/oauth2/introspection": http.MethodGet,
		"/oauth2/revoke": http.MethodGet, "/oauth2/jwks": http.MethodPost, "/oauth2/userinfo": http.MethodDelete,
		"/.well-known/oauth-authorization-server": http.MethodPost, "/oauth2/authorize": http.MethodPut,
		"/oauth2/login": http.MethodPut, "/authkit/oauth2/complete": http.MethodGet,
	} {
		req, _ := http.NewRequest(method, ts.URL+path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 405 || resp.Header.Get("Allow") == "" {
			t.Errorf("%s %s: %d allow=%q", method, path, resp.StatusCode, resp.Header.Get("Allow"))
		}
	}
	// Oversized bodies on the browser endpoints: an error page, not a 500.
	for _, path := range []string{"/oauth2/authorize", "/oauth2/login"} {
		resp, err := http.PostForm(ts.URL+path, form("pad", big))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Errorf("oversized POST %s: %d", path, resp.StatusCode)
		}
	}
}
