package localauth

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/workos-mcp/workos-mcp/internal/logtest"
)

func TestMetadata(t *testing.T) {
	ts := startServer(t, nil)
	for _, path := range []string{"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"} {
		resp, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		resp.Body.Close()
		if resp.StatusCode != 200 || m["issuer"] != ts.URL {
			t.Fatalf("%s: %d issuer=%v", path, resp.StatusCode, m["issuer"])
		}
		want := map[string]any{
			"authorization_endpoint":                         ts.URL + "/oauth2/authorize",
			"token_endpoint":                                 ts.URL + "/oauth2/token",
			"registration_endpoint":                          ts.URL + "/oauth2/register",
			"jwks_uri":                                       ts.URL + "/oauth2/jwks",
			"introspection_endpoint":                         ts.URL + "/oauth2/introspection",
			"revocation_endpoint":                            ts.URL + "/oauth2/revoke",
			"userinfo_endpoint":                              ts.URL + "/oauth2/userinfo",
			"client_id_metadata_document_supported":          true,
			"authorization_response_iss_parameter_supported": true,
		}
		for k, v := range want {
			if m[k] != v {
				t.Errorf("%s: %s = %v, want %v", path, k, m[k], v)
			}
		}
		for k, v := range map[string][]string{
			"scopes_supported":                      {"email", "offline_access", "openid", "profile"},
			"response_types_supported":              {"code"},
			"code_challenge_methods_supported":      {"S256"},
			"token_endpoint_auth_methods_supported": {"none", "client_secret_post", "client_secret_basic"},
			"grant_types_supported":                 {"authorization_code", "refresh_token"},
		} {
			got := toStrings(m[k])
			if !slices.Equal(got, v) {
				t.Errorf("%s: %s = %v, want %v", path, k, got, v)
			}
		}
	}
}

func toStrings(v any) []string {
	var out []string
	arr, _ := v.([]any)
	for _, x := range arr {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

func TestNewRefusesAutoApproveOutsideDevMode(t *testing.T) {
	_, err := New(context.Background(), Options{Issuer: "http://127.0.0.1:1", Directory: seedDir(t), AutoApprove: "admin@example.com"})
	if err == nil || !strings.Contains(err.Error(), "dev mode") {
		t.Fatalf("want a dev-mode error, got %v", err)
	}
	for _, iss := range []string{"", "http://127.0.0.1:1/", "http://example.com", "ftp://x", "https://x.example.com?q=1"} {
		if _, err := New(context.Background(), Options{Issuer: iss, Directory: seedDir(t)}); err == nil {
			t.Errorf("issuer %q accepted", iss)
		}
	}
}

// TestAutoApproveFlow runs the code flow end to end: claims, refresh
// rotation, reuse detection, audience rules.
func TestAutoApproveFlow(t *testing.T) {
	ts := startServer(t, func(o *Options) { o.AutoApprove = "admin@example.com" })
	redirect := "http://127.0.0.1:9/callback"
	cid := ts.register(t, redirect)

	// Loopback redirect URIs match on any port (RFC 8252 §7.3).
	otherPort := "http://127.0.0.1:54321/callback"
	code, verifier, loc := ts.autoCode(t, cid, otherPort, func(a *authzReq) { a.resource = "https://mcp.example.com/mcp" })
	if loc.Host != "127.0.0.1:54321" || loc.Query().Get("state") != "st4te" || loc.Query().Get("iss") != ts.URL || code == "" {
		t.Fatalf("redirect = %s", loc)
	}
	status, tok := ts.post(t, "/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier},
		"redirect_uri": {otherPort}, "client_id": {cid}, "resource": {"https://mcp.example.com/mcp"}}, "", "")
	if status != 200 {
		t.Fatalf("token: %d %v", status, tok)
	}
	at := tok["access_token"].(string)
	c := ts.verify(t, at)
	for k, v := range map[string]any{"iss": ts.URL, "sub": "user_admin", "aud": "https://mcp.example.com/mcp", "client_id": cid,
		"org_id": "org_team", "role": "admin", "scope": "openid profile email offline_access"} {
		if c[k] != v {
			t.Errorf("claim %s = %v, want %v", k, c[k], v)
		}
	}
	if !slices.Equal(toStrings(c["permissions"]), []string{"workspace:read", "workspace:write", "workspace:destroy"}) ||
		!slices.Equal(toStrings(c["roles"]), []string{"admin"}) {
		t.Errorf("permissions/roles = %v %v", c["permissions"], c["roles"])
	}
	for _, k := range []string{"sid", "jti", "exp", "iat"} {
		if c[k] == nil {
			t.Errorf("claim %s missing", k)
		}
	}
	if tok["token_type"] != "Bearer" || tok["refresh_token"] == nil || tok["id_token"] == nil {
		t.Fatalf("token response: %v", tok)
	}

	// Refresh without resource keeps the audience; rotation on every use.
	rt1 := tok["refresh_token"].(string)
	status, tok2 := ts.post(t, "/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt1}, "client_id": {cid}}, "", "")
	if status != 200 {
		t.Fatalf("refresh: %d %v", status, tok2)
	}
	if c2 := ts.verify(t, tok2["access_token"].(string)); c2["aud"] != "https://mcp.example.com/mcp" || c2["sid"] != c["sid"] {
		t.Fatalf("refreshed claims: %v", c2)
	}
	rt2 := tok2["refresh_token"].(string)
	if rt2 == rt1 {
		t.Fatal("refresh token not rotated")
	}
	// Reusing rt1 revokes the family: rt2 stops working too.
	status, e := ts.post(t, "/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt1}, "client_id": {cid}}, "", "")
	if status != 400 || e["error"] != "invalid_grant" {
		t.Fatalf("reuse: %d %v", status, e)
	}
	status, e = ts.post(t, "/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt2}, "client_id": {cid}}, "", "")
	if status != 400 || e["error"] != "invalid_grant" {
		t.Fatalf("after reuse, rt2: %d %v", status, e)
	}
	// And the session's access tokens are inactive.
	status, in := ts.post(t, "/oauth2/introspection", url.Values{"token": {at}}, "client_env", "sk_test_key")
	if status != 200 || in["active"] != false {
		t.Fatalf("introspection after family revocation: %d %v", status, in)
	}

	// Without resource, aud is the environment client ID; login_hint and
	// organization_id pick the person and organization.
	code, verifier, _ = ts.autoCode(t, cid, redirect, func(a *authzReq) {
		a.extra = url.Values{"login_hint": {"member@example.com"}, "organization_id": {"org_other"}}
		a.scope = "openid"
	})
	status, tok = ts.post(t, "/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier},
		"redirect_uri": {redirect}, "client_id": {cid}}, "", "")
	if status != 200 {
		t.Fatalf("token: %d %v", status, tok)
	}
	c = ts.verify(t, tok["access_token"].(string))
	if c["aud"] != "client_env" || c["sub"] != "user_member" || c["org_id"] != "org_other" || c["role"] != "support-viewer" {
		t.Fatalf("claims: %v", c)
	}
	if tok["refresh_token"] != nil {
		t.Fatal("refresh token issued without offline_access")
	}
	// Unknown login_hint / foreign organization: an error back to the client.
	_, _, loc = ts.autoCode(t, cid, redirect, func(a *authzReq) { a.extra = url.Values{"login_hint": {"nobody@example.com"}} })
	if loc.Query().Get("error") != "access_denied" {
		t.Fatalf("unknown login_hint: %s", loc)
	}
	_, _, loc = ts.autoCode(t, cid, redirect, func(a *authzReq) { a.extra = url.Values{"organization_id": {"org_other"}} })
	if loc.Query().Get("error") != "access_denied" {
		t.Fatalf("foreign organization: %s", loc)
	}
}

// verify checks a token's signature against the served JWKS.
func (ts *testServer) verify(t testing.TB, raw string) jwt.MapClaims {
	t.Helper()
	resp, err := http.Get(ts.URL + "/oauth2/jwks")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set struct{ Keys []jwk }
	json.NewDecoder(resp.Body).Decode(&set)
	claims := jwt.MapClaims{}
	_, err = jwt.ParseWithClaims(raw, claims, func(tok *jwt.Token) (any, error) {
		for _, k := range set.Keys {
			if k.Kid == tok.Header["kid"] {
				return jwkPublic(t, k), nil
			}
		}
		return nil, errNoKey
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(ts.URL))
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	return claims
}

func TestCodeBinding(t *testing.T) {
	now := time.Now()
	clock := func() time.Time { return now }
	ts := startServer(t, func(o *Options) {
		o.AutoApprove = "admin@example.com"
		o.Now = func() time.Time { return clock() }
	})
	redirect := "http://127.0.0.1:9/cb"
	cid := ts.register(t, redirect)
	other := ts.register(t, redirect)
	exchange := func(code string, f url.Values) (int, map[string]any) {
		form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {cid}, "redirect_uri": {redirect}}
		for k, v := range f {
			form[k] = v
		}
		return ts.post(t, "/oauth2/token", form, "", "")
	}
	cases := []struct {
		name   string
		mutate func(code, verifier string) url.Values
		status int
		err    string
	}{
		{"wrong verifier", func(c, v string) url.Values { return url.Values{"code_verifier": {strings.Repeat("a", 43)}} }, 400, "invalid_grant"},
		{"short verifier", func(c, v string) url.Values { return url.Values{"code_verifier": {"short"}} }, 400, "invalid_grant"},
		{"missing verifier", func(c, v string) url.Values { return url.Values{"code_verifier": {""}} }, 400, "invalid_request"},
		{"wrong client", func(c, v string) url.Values { return url.Values{"code_verifier": {v}, "client_id": {other}} }, 400, "invalid_grant"},
		{"unknown client", func(c, v string) url.Values { return url.Values{"code_verifier": {v}, "client_id": {"client_nope"}} }, 401, "invalid_client"},
		{"wrong redirect", func(c, v string) url.Values {
			return url.Values{"code_verifier": {v}, "redirect_uri": {"http://127.0.0.1:9/other"}}
		}, 400, "invalid_grant"},
		{"wrong resource", func(c, v string) url.Values {
			return url.Values{"code_verifier": {v}, "resource": {"https://evil.example.com/mcp"}}
		}, 400, "invalid_target"},
		{"unknown code", func(c, v string) url.Values { return url.Values{"code_verifier": {v}, "code": {"code_nope"}} }, 400, "invalid_grant"},
		{"missing code", func(c, v string) url.Values { return url.Values{"code_verifier": {v}, "code": {""}} }, 400, "invalid_request"},
		{"unknown grant", func(c, v string) url.Values { return url.Values{"code_verifier": {v}, "grant_type": {"password"}} }, 400, "unsupported_grant_type"},
		{"missing grant", func(c, v string) url.Values { return url.Values{"code_verifier": {v}, "grant_type": {""}} }, 400, "invalid_request"},
		{"repeated param", func(c, v string) url.Values { return url.Values{"code_verifier": {v, v}} }, 400, "invalid_request"},
		{"secret from public client", func(c, v string) url.Values { return url.Values{"code_verifier": {v}, "client_secret": {"x"}} }, 401, "invalid_client"},
		{"oversized body", func(c, v string) url.Values {
			return url.Values{"code_verifier": {v}, "pad": {strings.Repeat("x", 70<<10)}}
		}, 400, "invalid_request"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, verifier, _ := ts.autoCode(t, cid, redirect, func(a *authzReq) { a.resource = "https://mcp.example.com/mcp" })
			status, out := exchange(code, tc.mutate(code, verifier))
			if status != tc.status || out["error"] != tc.err || out["error_description"] == "" {
				t.Fatalf("got %d %v, want %d %s", status, out, tc.status, tc.err)
			}
		})
	}
	t.Run("reused code revokes its tokens", func(t *testing.T) {
		code, verifier, _ := ts.autoCode(t, cid, redirect, nil)
		status, tok := exchange(code, url.Values{"code_verifier": {verifier}})
		if status != 200 {
			t.Fatalf("first use: %d %v", status, tok)
		}
		status, out := exchange(code, url.Values{"code_verifier": {verifier}})
		if status != 400 || out["error"] != "invalid_grant" {
			t.Fatalf("second use: %d %v", status, out)
		}
		status, out = ts.post(t, "/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}, "client_id": {cid}}, "", "")
		if status != 400 || out["error"] != "invalid_grant" {
			t.Fatalf("refresh after code reuse: %d %v", status, out)
		}
		_, in := ts.post(t, "/oauth2/introspection", url.Values{"token": {tok["access_token"].(string)}}, "client_env", "sk_test_key")
		if in["active"] != false {
			t.Fatalf("access token still active: %v", in)
		}
	})
	t.Run("a failed exchange leaves the code usable", func(t *testing.T) {
		code, verifier, _ := ts.autoCode(t, cid, redirect, nil)
		for _, bad := range []url.Values{
			{"code_verifier": {strings.Repeat("a", 43)}},
			{"code_verifier": {verifier}, "client_id": {other}},
			{"code_verifier": {verifier}, "redirect_uri": {"http://127.0.0.1:9/other"}},
		} {
			if status, out := exchange(code, bad); status != 400 || out["error"] != "invalid_grant" {
				t.Fatalf("%v: %d %v", bad, status, out)
			}
		}
		if status, out := exchange(code, url.Values{"code_verifier": {verifier}}); status != 200 {
			t.Fatalf("the right request after wrong ones: %d %v", status, out)
		}
	})
	t.Run("expired code", func(t *testing.T) {
		code, verifier, _ := ts.autoCode(t, cid, redirect, nil)
		clock = func() time.Time { return now.Add(DefaultCodeTTL + time.Second) }
		defer func() { clock = func() time.Time { return now } }()
		status, out := exchange(code, url.Values{"code_verifier": {verifier}})
		if status != 400 || out["error"] != "invalid_grant" || !strings.Contains(out["error_description"].(string), "expired") {
			t.Fatalf("expired: %d %v", status, out)
		}
	})
}

func TestAuthorizeErrors(t *testing.T) {
	ts := startServer(t, func(o *Options) { o.AutoApprove = "admin@example.com" })
	redirect := "http://127.0.0.1:9/cb"
	cid := ts.register(t, redirect)
	_, challenge := pkce()
	base := func() url.Values {
		return url.Values{"response_type": {"code"}, "client_id": {cid}, "redirect_uri": {redirect}, "code_challenge": {challenge},
			"code_challenge_method": {"S256"}, "state": {"s"}}
	}
	c := noRedirect()
	// Bad client or redirect URI: an error page, never a redirect.
	for name, mutate := range map[string]func(url.Values){
		"unknown client":      func(q url.Values) { q.Set("client_id", "client_nope") },
		"missing client":      func(q url.Values) { q.Del("client_id") },
		"unregistered uri":    func(q url.Values) { q.Set("redirect_uri", "https://evil.example.com/cb") },
		"other loopback path": func(q url.Values) { q.Set("redirect_uri", "http://127.0.0.1:9/evil") },
		"loopback other host": func(q url.Values) { q.Set("redirect_uri", "http://localhost:9/cb") },
		"CIMD to link-local":  func(q url.Values) { q.Set("client_id", "https://169.254.169.254/latest/meta-data") },
	} {
		q := base()
		mutate(q)
		resp, err := c.Get(ts.URL + "/oauth2/authorize?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 || resp.Header.Get("Location") != "" || resp.Header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: %d location=%q", name, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	// Everything else: an error redirect with state and iss.
	for name, tc := range map[string]struct {
		mutate func(url.Values)
		err    string
	}{
		"plain PKCE":        {func(q url.Values) { q.Set("code_challenge_method", "plain") }, "invalid_request"},
		"missing method":    {func(q url.Values) { q.Del("code_challenge_method") }, "invalid_request"},
		"missing challenge": {func(q url.Values) { q.Del("code_challenge") }, "invalid_request"},
		"bad challenge":     {func(q url.Values) { q.Set("code_challenge", "abc") }, "invalid_request"},
		"token response":    {func(q url.Values) { q.Set("response_type", "token") }, "unsupported_response_type"},
		"unknown scope":     {func(q url.Values) { q.Set("scope", "openid admin:everything") }, "invalid_scope"},
		"bad resource":      {func(q url.Values) { q.Set("resource", "not-a-uri") }, "invalid_target"},
		"fragment resource": {func(q url.Values) { q.Set("resource", "https://x.example.com/mcp#frag") }, "invalid_target"},
		"repeated state":    {func(q url.Values) { q["state"] = []string{"a", "b"} }, "invalid_request"},
		"two resources": {func(q url.Values) {
			q["resource"] = []string{"https://a.example.com/mcp", "https://b.example.com/mcp"}
		}, "invalid_target"},
	} {
		q := base()
		tc.mutate(q)
		loc := redirectOf(t, c, ts.URL+"/oauth2/authorize?"+q.Encode())
		if got := loc.Query().Get("error"); got != tc.err || loc.Query().Get("iss") != ts.URL || loc.Query().Get("error_description") == "" {
			t.Errorf("%s: redirect %s, want error %s", name, loc, tc.err)
		}
		if name != "repeated state" && loc.Query().Get("state") != "s" {
			t.Errorf("%s: state lost: %s", name, loc)
		}
	}
}

func TestRegistration(t *testing.T) {
	ts := startServer(t, nil)
	post := func(body string) (int, map[string]any) {
		t.Helper()
		return ts.postJSON(t, "/oauth2/register", body, "")
	}
	for _, ok := range []string{
		`{"redirect_uris":["cursor://anysphere.cursor-retrieval/oauth/callback"],"token_endpoint_auth_method":"none"}`,
		`{"redirect_uris":["http://localhost:33418/callback","http://[::1]/cb"],"token_endpoint_auth_method":"none","grant_types":["authorization_code","refresh_token"]}`,
		`{"redirect_uris":["https://app.example.com/cb"],"client_name":"Web"}`,
		`{"redirect_uris":["https://app.example.com/cb"],"token_endpoint_auth_method":"client_secret_post"}`,
	} {
		status, out := post(ok)
		if status != 201 || out["client_id"] == nil {
			t.Errorf("%s: %d %v", ok, status, out)
		}
		if strings.Contains(ok, `client_secret_post`) != (out["client_secret"] != nil) {
			t.Errorf("%s: client_secret presence wrong: %v", ok, out)
		}
	}
	for body, code := range map[string]string{
		`{}`:                   "invalid_redirect_uri",
		`{"redirect_uris":[]}`: "invalid_redirect_uri",
		`{"redirect_uris":["http://example.com/cb"]}`:                                                   "invalid_redirect_uri",
		`{"redirect_uris":["https://example.com/cb#frag"]}`:                                             "invalid_redirect_uri",
		`{"redirect_uris":["javascript:alert(1)"]}`:                                                     "invalid_redirect_uri",
		`{"redirect_uris":["/relative"]}`:                                                               "invalid_redirect_uri",
		`{"redirect_uris":["https://u:p@example.com/cb"]}`:                                              "invalid_redirect_uri",
		`{"redirect_uris":"https://example.com/cb"}`:                                                    "invalid_client_metadata",
		`{"redirect_uris":["https://a.example.com/cb"],"token_endpoint_auth_method":"private_key_jwt"}`: "invalid_client_metadata",
		`{"redirect_uris":["https://a.example.com/cb"],"grant_types":["client_credentials"]}`:           "invalid_client_metadata",
		`{"redirect_uris":["https://a.example.com/cb"],"response_types":["token"]}`:                     "invalid_client_metadata",
		`{"redirect_uris":["https://a.example.com/cb"],"logo_uri":"javascript:x"}`:                      "invalid_client_metadata",
		`not json`: "invalid_client_metadata",
		`[]`:       "invalid_client_metadata",
		`{"redirect_uris":["https://a.example.com/cb"],"client_name":"` + strings.Repeat("x", 70<<10) + `"}`: "invalid_client_metadata",
	} {
		status, out := post(body)
		if status != 400 || out["error"] != code || out["error_description"] == "" {
			t.Errorf("%.80s: %d %v, want %s", body, status, out, code)
		}
	}
	resp, _ := http.Get(ts.URL + "/oauth2/register")
	resp.Body.Close()
	if resp.StatusCode != 405 {
		t.Errorf("GET register: %d", resp.StatusCode)
	}
}

func TestConfidentialClient(t *testing.T) {
	ts := startServer(t, func(o *Options) {
		o.AutoApprove = "admin@example.com"
		o.Clients = []ClientConfig{{ClientID: "client_pre", ClientSecret: "s3cret", RedirectURIs: []string{"https://app.example.com/cb"}}}
	})
	for _, style := range []string{"basic", "post"} {
		code, verifier, _ := ts.autoCode(t, "client_pre", "https://app.example.com/cb", nil)
		form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier}, "redirect_uri": {"https://app.example.com/cb"}}
		var status int
		var out map[string]any
		if style == "basic" {
			status, out = ts.post(t, "/oauth2/token", form, "client_pre", "s3cret")
		} else {
			form.Set("client_id", "client_pre")
			form.Set("client_secret", "s3cret")
			status, out = ts.post(t, "/oauth2/token", form, "", "")
		}
		if status != 200 {
			t.Fatalf("%s: %d %v", style, status, out)
		}
	}
	code, verifier, _ := ts.autoCode(t, "client_pre", "https://app.example.com/cb", nil)
	for _, secret := range []string{"", "wrong"} {
		form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier}, "client_id": {"client_pre"}, "client_secret": {secret}}
		if status, out := ts.post(t, "/oauth2/token", form, "", ""); status != 401 || out["error"] != "invalid_client" {
			t.Fatalf("secret %q: %d %v", secret, status, out)
		}
	}
}

func TestDynamicConfidentialClient(t *testing.T) {
	ts := startServer(t, func(o *Options) { o.AutoApprove = "admin@example.com" })
	_, reg := ts.postJSON(t, "/oauth2/register", `{"redirect_uris":["https://app.example.com/cb"],"token_endpoint_auth_method":"client_secret_basic"}`, "")
	cid, secret := reg["client_id"].(string), reg["client_secret"].(string)
	code, verifier, _ := ts.autoCode(t, cid, "https://app.example.com/cb", nil)
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier}, "redirect_uri": {"https://app.example.com/cb"}}
	if status, out := ts.post(t, "/oauth2/token", form, cid, "wrong"); status != 401 || out["error"] != "invalid_client" {
		t.Fatalf("wrong secret: %d %v", status, out)
	}
	code, verifier, _ = ts.autoCode(t, cid, "https://app.example.com/cb", nil)
	form.Set("code", code)
	form.Set("code_verifier", verifier)
	if status, out := ts.post(t, "/oauth2/token", form, cid, secret); status != 200 {
		t.Fatalf("right secret: %d %v", status, out)
	}
}

func TestAutoApproveWarnsAndReady(t *testing.T) {
	var logs logtest.Buffer
	dir := t.TempDir()
	s, err := New(context.Background(), Options{Issuer: "http://127.0.0.1:1", Directory: seedDir(t), DevMode: true, AutoApprove: "admin@example.com",
		DataDir: dir, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "AUTO-APPROVE") {
		t.Fatalf("no loud warning: %s", logs.String())
	}
	if err := s.Ready(context.Background()); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "localauth.db")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("data file: %v %v", fi.Mode(), err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if s.Ready(context.Background()) == nil {
		t.Fatal("ready after Close")
	}
}

func TestExtraScopes(t *testing.T) {
	ts := startServer(t, func(o *Options) { o.AutoApprove = "admin@example.com"; o.ExtraScopes = []string{"workspace:read"} })
	cid := ts.register(t, "http://127.0.0.1:9/cb")
	code, verifier, loc := ts.autoCode(t, cid, "http://127.0.0.1:9/cb", func(a *authzReq) { a.scope = "openid workspace:read workspace:read" })
	if code == "" {
		t.Fatalf("authorize: %s", loc)
	}
	_, tok := ts.post(t, "/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier}, "client_id": {cid}, "redirect_uri": {"http://127.0.0.1:9/cb"}}, "", "")
	if tok["scope"] != "openid workspace:read" {
		t.Fatalf("scope: %v", tok["scope"])
	}
	if _, err := New(context.Background(), Options{Issuer: "http://127.0.0.1:1", Directory: seedDir(t), ExtraScopes: []string{"bad scope"}}); err == nil {
		t.Fatal("invalid extra scope accepted")
	}
}

// TestRefreshNeedsTheGrantType: refresh tokens go only to clients that
// registered the refresh_token grant; others get unauthorized_client.
func TestRefreshNeedsTheGrantType(t *testing.T) {
	ts := startServer(t, func(o *Options) { o.AutoApprove = "admin@example.com" })
	redirect := "http://127.0.0.1:9/cb"
	reg := func(body string) map[string]any {
		t.Helper()
		status, out := ts.postJSON(t, "/oauth2/register", body, "")
		if status != 201 {
			t.Fatalf("register: %d %v", status, out)
		}
		return out
	}
	// Omitted grant_types: both, and the response says so.
	def := reg(`{"redirect_uris":["` + redirect + `"],"token_endpoint_auth_method":"none"}`)
	if got := toStrings(def["grant_types"]); !slices.Equal(got, []string{"authorization_code", "refresh_token"}) {
		t.Fatalf("default grant_types = %v", got)
	}
	codeOnly := reg(`{"redirect_uris":["` + redirect + `"],"token_endpoint_auth_method":"none","grant_types":["authorization_code"]}`)["client_id"].(string)

	code, verifier, _ := ts.autoCode(t, codeOnly, redirect, nil) // asks for offline_access
	status, tok := ts.post(t, "/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier},
		"client_id": {codeOnly}, "redirect_uri": {redirect}}, "", "")
	if status != 200 {
		t.Fatalf("token: %d %v", status, tok)
	}
	if tok["refresh_token"] != nil || strings.Contains(tok["scope"].(string), "offline_access") {
		t.Fatalf("a client without the refresh_token grant got offline access: %v", tok)
	}
	if c := ts.verify(t, tok["access_token"].(string)); strings.Contains(c["scope"].(string), "offline_access") {
		t.Fatalf("scope claim: %v", c["scope"])
	}
	// A refresh token of another client, presented by this one: refused
	// before it is even looked at, so the family stays intact.
	code, verifier, _ = ts.autoCode(t, def["client_id"].(string), redirect, nil)
	_, tok = ts.post(t, "/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier},
		"client_id": {def["client_id"].(string)}, "redirect_uri": {redirect}}, "", "")
	rt, _ := tok["refresh_token"].(string)
	if rt == "" {
		t.Fatalf("no refresh token for a client with the default grant types: %v", tok)
	}
	status, out := ts.post(t, "/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {codeOnly}}, "", "")
	if status != 400 || out["error"] != "unauthorized_client" || out["error_description"] == "" {
		t.Fatalf("refresh by a code-only client: %d %v", status, out)
	}
	if status, out = ts.post(t, "/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {def["client_id"].(string)}}, "", ""); status != 200 {
		t.Fatalf("the owner's refresh after the refused one: %d %v", status, out)
	}
}
