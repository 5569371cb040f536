package authkit_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/workos-mcp/workos-mcp/authkit"
	"github.com/workos-mcp/workos-mcp/authkit/authkittest"
)

var (
	foreignOnce sync.Once
	foreignKey  *rsa.PrivateKey
)

// foreign is an RSA key the issuer never published.
func foreign(t testing.TB) *rsa.PrivateKey {
	foreignOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		foreignKey = k
	})
	return foreignKey
}

func TestMiddlewareHostileTokens(t *testing.T) {
	as := authkittest.NewServer(t)
	as.SetDefaults(map[string]any{"aud": testResource, "org_id": "org_01TEST"})
	var failures sync.Map
	kit := newKit(t, as, func(c *authkit.Config) {
		c.Hooks.AuthFailure = func(reason string) {
			n, _ := failures.LoadOrStore(reason, new(atomic.Int64))
			n.(*atomic.Int64).Add(1)
		}
	})
	api := protected(t, kit)

	// An attacker's key server, to prove jku/x5u are never fetched.
	var attackerHits atomic.Int64
	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		attackerHits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"keys":[]}`))
	}))
	t.Cleanup(attacker.Close)

	key := as.Key()
	evil := foreign(t)
	now := time.Now()
	signed := func(claims map[string]any) string { return as.Token(claims) }
	withHeader := func(priv *rsa.PrivateKey, header map[string]any, claims map[string]any) string {
		return as.SignWith(jwt.SigningMethodRS256, priv, header, as.Claims(claims))
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: must(x509.MarshalPKIXPublicKey(&key.Private.PublicKey))})
	valid := signed(nil)
	parts := strings.Split(valid, ".")
	tamperedPayload := base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"` + as.Issuer() + `","aud":"` + testResource + `","sub":"user_admin","exp":` + itoa(now.Add(time.Hour).Unix()) + `}`))

	type want struct {
		status int
		code   string // error attribute in the challenge ("" = none) and body error
		desc   string // substring of error_description
	}
	ok := want{status: 200}
	bad := func(desc string) want { return want{401, "invalid_token", desc} }
	badReq := func(desc string) want { return want{401, "invalid_request", desc} }

	cases := []struct {
		name  string
		query string
		auth  []string
		want  want
	}{
		{"valid", "", []string{"Bearer " + valid}, ok},
		{"scheme lower case", "", []string{"bearer " + valid}, ok},
		{"scheme upper case", "", []string{"BEARER " + valid}, ok},
		{"aud is the client ID (no resource sent)", "", []string{"Bearer " + signed(map[string]any{"aud": testClientID})}, ok},
		{"aud canonical: host case, trailing slash", "", []string{"Bearer " + signed(map[string]any{"aud": "HTTPS://MCP.Example.com/mcp/"})}, ok},
		{"aud array holding the resource", "", []string{"Bearer " + signed(map[string]any{"aud": []string{"https://other.example", testResource}})}, ok},
		{"aud canonical: default port", "", []string{"Bearer " + signed(map[string]any{"aud": "https://mcp.example.com:443/mcp"})}, ok},
		{"nbf and iat within the leeway", "", []string{"Bearer " + signed(map[string]any{"nbf": now.Add(10 * time.Second).Unix(), "iat": now.Add(10 * time.Second).Unix()})}, ok},
		{"expired within the leeway", "", []string{"Bearer " + signed(map[string]any{"exp": now.Add(-10 * time.Second).Unix()})}, ok},
		{"no kid, single published key", "", []string{"Bearer " + withHeader(key.Private, map[string]any{"kid": nil}, nil)}, ok},

		{"no Authorization header", "", nil, want{401, "", "requires a bearer token"}},
		{"empty bearer", "", []string{"Bearer "}, badReq("empty")},
		{"bearer without credentials", "", []string{"Bearer"}, badReq("empty")},
		{"other scheme", "", []string{"Basic dXNlcjpwYXNz"}, badReq("Bearer scheme")},
		{"token in the query string", "access_token=" + valid, nil, badReq("query")},
		{"token in query and header", "access_token=" + valid, []string{"Bearer " + valid}, badReq("query")},
		{"two Authorization headers", "", []string{"Bearer " + valid, "Bearer " + valid}, badReq("more than one")},
		{"alg none", "", []string{"Bearer " + as.SignWith(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, map[string]any{"kid": key.ID}, as.Claims(nil))}, bad("")},
		{"HS256 keyed with the RSA public key", "", []string{"Bearer " + as.SignWith(jwt.SigningMethodHS256, pubPEM, map[string]any{"kid": key.ID}, as.Claims(nil))}, bad("")},
		{"PS256 not on the allow-list", "", []string{"Bearer " + as.SignWith(jwt.SigningMethodPS256, key.Private, map[string]any{"kid": key.ID}, as.Claims(nil))}, bad("")},
		{"wrong iss", "", []string{"Bearer " + signed(map[string]any{"iss": "https://evil.authkit.app"})}, bad("issuer")},
		{"missing iss", "", []string{"Bearer " + signed(map[string]any{"iss": nil})}, bad("")},
		{"iss with a trailing slash", "", []string{"Bearer " + signed(map[string]any{"iss": as.Issuer() + "/"})}, bad("issuer")},
		{"wrong aud", "", []string{"Bearer " + signed(map[string]any{"aud": "https://other.example.com/mcp"})}, bad("audience")},
		{"missing aud", "", []string{"Bearer " + signed(map[string]any{"aud": nil})}, bad("audience")},
		{"aud differs in path case", "", []string{"Bearer " + signed(map[string]any{"aud": "https://mcp.example.com/MCP"})}, bad("audience")},
		{"aud with user info", "", []string{"Bearer " + signed(map[string]any{"aud": "https://evil@mcp.example.com/mcp"})}, bad("audience")},
		{"aud on another port", "", []string{"Bearer " + signed(map[string]any{"aud": "https://mcp.example.com:8443/mcp"})}, bad("audience")},
		{"aud over http", "", []string{"Bearer " + signed(map[string]any{"aud": "http://mcp.example.com/mcp"})}, bad("audience")},
		{"aud is a path prefix of the resource", "", []string{"Bearer " + signed(map[string]any{"aud": "https://mcp.example.com"})}, bad("audience")},
		{"expired", "", []string{"Bearer " + signed(map[string]any{"exp": now.Add(-time.Hour).Unix(), "iat": now.Add(-2 * time.Hour).Unix()})}, bad("expired")},
		{"nbf in the future", "", []string{"Bearer " + signed(map[string]any{"nbf": now.Add(time.Hour).Unix()})}, bad("not valid yet")},
		{"iat in the future", "", []string{"Bearer " + signed(map[string]any{"iat": now.Add(time.Hour).Unix()})}, bad("not valid yet")},
		{"no exp", "", []string{"Bearer " + signed(map[string]any{"exp": nil})}, bad("")},
		{"no sub", "", []string{"Bearer " + signed(map[string]any{"sub": nil})}, bad("subject")},
		{"tampered payload", "", []string{"Bearer " + parts[0] + "." + tamperedPayload + "." + parts[2]}, bad("signature")},
		{"right kid, wrong key", "", []string{"Bearer " + withHeader(evil, map[string]any{"kid": key.ID}, nil)}, bad("signature")},
		{"unknown kid", "", []string{"Bearer " + withHeader(evil, map[string]any{"kid": "key_unknown"}, nil)}, bad("not signed by a key")},
		{"jku injection", "", []string{"Bearer " + withHeader(evil, map[string]any{"kid": "attacker", "jku": attacker.URL + "/jwks"}, nil)}, bad("")},
		{"x5u injection", "", []string{"Bearer " + withHeader(evil, map[string]any{"kid": "attacker", "x5u": attacker.URL + "/cert.pem"}, nil)}, bad("")},
		{"jwk injection", "", []string{"Bearer " + withHeader(evil, map[string]any{"kid": "attacker", "jwk": authkittest.JWK(authkittest.Key{ID: "attacker", Private: evil})}, nil)}, bad("")},
		{"jwk injection under a known kid", "", []string{"Bearer " + withHeader(evil, map[string]any{"kid": key.ID, "jwk": authkittest.JWK(authkittest.Key{ID: key.ID, Private: evil})}, nil)}, bad("signature")},
		{"crit header", "", []string{"Bearer " + withHeader(key.Private, map[string]any{"kid": key.ID, "crit": []string{"exp"}}, nil)}, bad("critical")},
		{"two segments", "", []string{"Bearer " + parts[0] + "." + parts[1]}, bad("three")},
		{"four segments", "", []string{"Bearer " + valid + ".AAAA"}, bad("three")},
		{"bad base64 in the signature", "", []string{"Bearer " + parts[0] + "." + parts[1] + ".A"}, bad("malformed")},
		{"bad base64", "", []string{"Bearer " + "e~~~." + parts[1] + "." + parts[2]}, bad("malformed")},
		{"not token68", "", []string{"Bearer " + valid + " extra"}, bad("malformed")},
		{"oversized and not token68", "", []string{"Bearer " + parts[0] + "." + strings.Repeat("A", 20<<10) + "," + parts[2]}, bad("malformed")},
		{"oversized token", "", []string{"Bearer " + parts[0] + "." + strings.Repeat("A", 20<<10) + "." + parts[2]}, bad("larger than")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			url := api.URL + "/mcp"
			if tc.query != "" {
				url += "?" + tc.query
			}
			r := get(t, url, tc.auth...)
			if r.status != tc.want.status {
				t.Fatalf("status = %d, want %d (body %s)", r.status, tc.want.status, r.raw)
			}
			if tc.want.status == 200 {
				if r.challenge != nil {
					t.Errorf("challenge on success: %v", r.challenge)
				}
				if r.body["user_id"] != "user_01TEST" {
					t.Errorf("session user = %v", r.body["user_id"])
				}
				return
			}
			if r.scheme != "Bearer" {
				t.Fatalf("challenge scheme = %q, want Bearer", r.scheme)
			}
			if got := r.challenge["resource_metadata"]; got != testPRM {
				t.Errorf("resource_metadata = %q, want %q", got, testPRM)
			}
			if got := r.challenge["error"]; got != tc.want.code {
				t.Errorf("challenge error = %q, want %q", got, tc.want.code)
			}
			wantBody := tc.want.code
			if wantBody == "" {
				wantBody = "unauthorized"
			}
			if r.body["error"] != wantBody {
				t.Errorf("body error = %v, want %q (body %s)", r.body["error"], wantBody, r.raw)
			}
			desc, _ := r.body["error_description"].(string)
			if !strings.Contains(desc, tc.want.desc) {
				t.Errorf("error_description = %q, want it to mention %q", desc, tc.want.desc)
			}
			if tc.want.code != "" && r.challenge["error_description"] != desc {
				t.Errorf("challenge description %q differs from body %q", r.challenge["error_description"], desc)
			}
		})
	}
	if len(cases) < 25 {
		t.Fatalf("only %d cases", len(cases))
	}
	if n := attackerHits.Load(); n != 0 {
		t.Errorf("attacker key server was fetched %d times", n)
	}
	// One fetch for the first token; the unknown and injected kids fall in
	// the one-hour rate-limit window and cause none.
	if n := as.JWKSFetches(); n != 1 {
		t.Errorf("JWKS fetched %d times, want 1", n)
	}
	if n, ok := failures.Load("expired"); !ok || n.(*atomic.Int64).Load() < 1 {
		t.Errorf("AuthFailure hook did not see the expired token")
	}
}

func TestMiddlewareInsufficientScope(t *testing.T) {
	as := newIssuer(t)
	kit := newKit(t, as, func(c *authkit.Config) {
		c.RequiredScopes = []string{"mcp:read", "mcp:write", "openid"}
	})
	api := protected(t, kit)

	r := get(t, api.URL, "Bearer "+as.Token(map[string]any{"scope": "openid profile"}))
	if r.status != http.StatusForbidden {
		t.Fatalf("status = %d, want 403 (%s)", r.status, r.raw)
	}
	if r.challenge["error"] != "insufficient_scope" || r.challenge["scope"] != "mcp:read mcp:write openid" || r.challenge["resource_metadata"] != testPRM {
		t.Errorf("challenge = %v", r.challenge)
	}
	if d := r.challenge["error_description"]; !strings.Contains(d, "mcp:read mcp:write") || strings.Contains(d, "openid") {
		t.Errorf("description %q should name exactly the missing scopes", d)
	}

	// scp as an array, every scope present.
	r = get(t, api.URL, "Bearer "+as.Token(map[string]any{"scp": []string{"openid", "mcp:read", "mcp:write"}}))
	if r.status != 200 {
		t.Fatalf("status = %d with every scope (%s)", r.status, r.raw)
	}
	// The 401 challenge advertises the required scopes too.
	r = get(t, api.URL)
	if r.status != 401 || r.challenge["scope"] != "mcp:read mcp:write openid" {
		t.Errorf("401 challenge = %v", r.challenge)
	}
}

func TestMiddlewarePreflightPassesThrough(t *testing.T) {
	as := authkittest.NewServer(t)
	kit := newKit(t, as)
	h := kit.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	req, _ := http.NewRequest(http.MethodOptions, srv.URL, nil)
	req.Header.Set("Origin", "https://app.example")
	req.Header.Set("Access-Control-Request-Method", "POST")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Errorf("preflight status = %d, want the handler's 204", resp.StatusCode)
	}
}

func TestSessionClaims(t *testing.T) {
	as := authkittest.NewServer(t)
	kit := newKit(t, as)
	tok := as.Token(map[string]any{
		"aud": testResource, "sub": "user_1", "sid": "session_1", "org_id": "org_1", "client_id": "client_x",
		"role": "admin", "roles": []string{"admin", "member"}, "permissions": []string{"widgets:read"},
		"entitlements": []string{"audit-logs"}, "feature_flags": []string{"beta"}, "scope": "openid email",
		"custom": "kept",
	})
	s, err := kit.Verify(t.Context(), tok)
	if err != nil {
		t.Fatal(err)
	}
	if s.UserID != "user_1" || s.SessionID != "session_1" || s.OrganizationID != "org_1" || s.ClientID != "client_x" ||
		s.Role != "admin" || strings.Join(s.Roles, ",") != "admin,member" || !s.HasPermission("widgets:read") ||
		s.Entitlements[0] != "audit-logs" || s.FeatureFlags[0] != "beta" || !s.HasScope("email") ||
		s.Claims["custom"] != "kept" || s.ExpiresAt.IsZero() || s.IssuedAt.IsZero() || s.Audience[0] != testResource {
		t.Errorf("session = %+v", s)
	}
	// Verify's errors carry the status and code.
	_, err = kit.Verify(t.Context(), "nope")
	var aerr *authkit.AuthError
	if !errors.As(err, &aerr) || aerr.Status != 401 || aerr.Code != "invalid_token" {
		t.Errorf("Verify(garbage) = %v", err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestMiddlewareKeepsRequestHeaders(t *testing.T) {
	as := newIssuer(t)
	kit := newKit(t, as)
	var gotAuth, gotCustom string
	srv := httptest.NewServer(kit.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth, gotCustom = r.Header.Get("Authorization"), r.Header.Get("X-Custom")
	})))
	t.Cleanup(srv.Close)
	tok := as.Token(nil)
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("X-Custom", "kept")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || gotAuth != "Bearer "+tok || gotCustom != "kept" {
		t.Errorf("handler saw Authorization=%.20q X-Custom=%q (status %d)", gotAuth, gotCustom, resp.StatusCode)
	}
}

func TestRefusalReadableCrossOrigin(t *testing.T) {
	as := authkittest.NewServer(t)
	api := protected(t, newKit(t, as))
	req, _ := http.NewRequest(http.MethodPost, api.URL, nil)
	req.Header.Set("Origin", "https://inspector.example")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 || resp.Header.Get("Access-Control-Allow-Origin") != "*" ||
		!strings.Contains(resp.Header.Get("Access-Control-Expose-Headers"), "WWW-Authenticate") {
		t.Errorf("cross-origin 401: %d %v", resp.StatusCode, resp.Header)
	}
}
