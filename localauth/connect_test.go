package localauth

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

func TestStandaloneConnect(t *testing.T) {
	ts := startServer(t, func(o *Options) { o.LoginURI = "https://app.example.com/login?x=1" })
	redirect := "http://127.0.0.1:9/cb"
	cid := ts.register(t, redirect)
	b := &browser{t: t, c: noRedirect(), ts: ts}
	verifier, challenge := pkce()
	loc := redirectOf(t, b.c, authzReq{clientID: cid, redirectURI: redirect, challenge: challenge, state: "s1", resource: "https://mcp.example.com/mcp"}.url(ts.URL))
	ext := loc.Query().Get("external_auth_id")
	if loc.Host != "app.example.com" || loc.Query().Get("x") != "1" || ext == "" {
		t.Fatalf("login redirect: %s", loc)
	}
	complete := func(key string, body any) (int, map[string]any) {
		raw, _ := json.Marshal(body)
		return ts.postJSON(t, "/authkit/oauth2/complete", string(raw), key)
	}
	user := map[string]any{"id": "app-user-42", "email": "grace@app.example.com", "first_name": "Grace", "last_name": "Hopper"}
	for name, tc := range map[string]struct {
		key    string
		body   any
		status int
		code   string
	}{
		"no key":        {"", map[string]any{"external_auth_id": ext, "user": user}, 401, "unauthorized"},
		"wrong key":     {"sk_wrong", map[string]any{"external_auth_id": ext, "user": user}, 401, "unauthorized"},
		"no id":         {"sk_test_key", map[string]any{"user": user}, 422, "invalid_request_parameters"},
		"no user":       {"sk_test_key", map[string]any{"external_auth_id": ext}, 422, "invalid_request_parameters"},
		"bad email":     {"sk_test_key", map[string]any{"external_auth_id": ext, "user": map[string]any{"id": "u", "email": "nope"}}, 400, "invalid_email"},
		"unknown id":    {"sk_test_key", map[string]any{"external_auth_id": "req_nope", "user": user}, 404, "external_auth_session_not_found"},
		"not an object": {"sk_test_key", "text", 400, "invalid_request"},
	} {
		status, out := complete(tc.key, tc.body)
		if status != tc.status || out["code"] != tc.code || out["message"] == "" {
			t.Errorf("%s: %d %v", name, status, out)
		}
	}
	status, out := complete("sk_test_key", map[string]any{"external_auth_id": ext, "user": user})
	if status != 200 || !strings.HasPrefix(out["redirect_uri"].(string), ts.URL+"/oauth2/authorize/complete?") {
		t.Fatalf("complete: %d %v", status, out)
	}
	if status, again := complete("sk_test_key", map[string]any{"external_auth_id": ext, "user": user}); status != 400 || again["code"] != "external_auth_session_already_completed" {
		t.Fatalf("second completion: %d %v", status, again)
	}
	// The browser follows redirect_uri to the consent page.
	loc = redirectOf(t, b.c, out["redirect_uri"].(string))
	resp, page := b.get(loc.String())
	if resp.StatusCode != 200 || !strings.Contains(page, "grace@app.example.com") {
		t.Fatalf("consent: %d %s", resp.StatusCode, page)
	}
	// The link is single-use.
	if resp, _ := (&browser{t: t, c: noRedirect(), ts: ts}).get(out["redirect_uri"].(string)); resp.StatusCode != 400 {
		t.Fatalf("reused continue link: %d", resp.StatusCode)
	}
	csrf := csrfRE.FindStringSubmatch(page)[1]
	req := requestRE.FindStringSubmatch(page)[1]
	resp, _ = b.post("/oauth2/login", url.Values{"request": {req}, "csrf": {csrf}, "action": {"approve"}})
	cb, _ := resp.Location()
	status, tok := ts.post(t, "/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {cb.Query().Get("code")}, "code_verifier": {verifier}, "client_id": {cid}, "redirect_uri": {redirect}}, "", "")
	if status != 200 {
		t.Fatalf("token: %d %v", status, tok)
	}
	c := ts.verify(t, tok["access_token"].(string))
	if c["aud"] != "https://mcp.example.com/mcp" || !strings.HasPrefix(c["sub"].(string), "user_") || c["org_id"] != nil {
		t.Fatalf("claims: %v", c)
	}
	// The same application user maps to the same subject next time; another
	// user with that email is refused.
	_, challenge = pkce()
	loc = redirectOf(t, b.c, authzReq{clientID: cid, redirectURI: redirect, challenge: challenge}.url(ts.URL))
	status, out = complete("sk_test_key", map[string]any{"external_auth_id": loc.Query().Get("external_auth_id"), "user": map[string]any{"id": "someone-else", "email": "grace@app.example.com"}})
	if status != 400 || out["code"] != "email_not_available" {
		t.Fatalf("email conflict: %d %v", status, out)
	}
}

func TestStandaloneConnectDisablesBuiltInSignIn(t *testing.T) {
	ts := startServer(t, func(o *Options) { o.LoginURI = "https://app.example.com/login" })
	cid := ts.register(t, "http://127.0.0.1:9/cb")
	_, challenge := pkce()
	loc := redirectOf(t, noRedirect(), authzReq{clientID: cid, redirectURI: "http://127.0.0.1:9/cb", challenge: challenge}.url(ts.URL))
	b := &browser{t: t, c: noRedirect(), ts: ts}
	if resp, _ := b.get(ts.URL + "/oauth2/login?request=" + loc.Query().Get("external_auth_id")); resp.StatusCode != 400 {
		t.Fatalf("built-in sign-in reachable: %d", resp.StatusCode)
	}
}
