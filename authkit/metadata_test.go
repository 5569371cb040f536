package authkit_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/workos-mcp/workos-mcp/authkit"
	"github.com/workos-mcp/workos-mcp/authkit/authkittest"
)

func serveRegistered(t *testing.T, kit *authkit.AuthKit) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	kit.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func fetch(t *testing.T, method, url string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func TestProtectedResourceMetadata(t *testing.T) {
	as := authkittest.NewServer(t)
	kit := newKit(t, as, func(c *authkit.Config) {
		c.ScopesSupported = []string{"openid", "profile"}
		c.DocsURL = "https://docs.example.com/mcp"
	})
	srv := serveRegistered(t, kit)
	want := map[string]any{
		"resource":                 testResource,
		"authorization_servers":    []any{as.Issuer()},
		"bearer_methods_supported": []any{"header"},
		"scopes_supported":         []any{"openid", "profile"},
		"resource_documentation":   "https://docs.example.com/mcp",
	}
	for _, path := range []string{"/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"} {
		resp, body := fetch(t, http.MethodGet, srv.URL+path, map[string]string{"Origin": "https://inspector.example"})
		if resp.StatusCode != 200 {
			t.Fatalf("%s: status %d", path, resp.StatusCode)
		}
		var got map[string]any
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %v, want %v", path, got, want)
		}
		if resp.Header.Get("Access-Control-Allow-Origin") != "*" || resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s headers = %v", path, resp.Header)
		}
	}
	resp, _ := fetch(t, http.MethodOptions, srv.URL+"/.well-known/oauth-protected-resource/mcp",
		map[string]string{"Origin": "https://inspector.example", "Access-Control-Request-Method": "GET"})
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Methods") == "" {
		t.Errorf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
	resp, body := fetch(t, http.MethodPost, srv.URL+"/.well-known/oauth-protected-resource", nil)
	if resp.StatusCode != http.StatusMethodNotAllowed || !json.Valid(body) {
		t.Errorf("POST: %d %s", resp.StatusCode, body)
	}
	if kit.ProtectedResourceMetadataURL() != testPRM {
		t.Errorf("ProtectedResourceMetadataURL = %s", kit.ProtectedResourceMetadataURL())
	}
}

func TestProtectedResourceMetadataRootResource(t *testing.T) {
	as := authkittest.NewServer(t)
	kit := newKit(t, as, func(c *authkit.Config) { c.ResourceURL = "https://mcp.example.com" })
	if got := kit.ProtectedResourceMetadataPaths(); len(got) != 1 {
		t.Errorf("paths = %v, want only the root", got)
	}
	if got := kit.ProtectedResourceMetadataURL(); got != "https://mcp.example.com/.well-known/oauth-protected-resource" {
		t.Errorf("URL = %s", got)
	}
}

func TestAuthorizationServerMetadataPassThrough(t *testing.T) {
	as := authkittest.NewServer(t)
	as.SetMetadata(map[string]any{"x_vendor_field": map[string]any{"kept": true}})
	kit := newKit(t, as, func(c *authkit.Config) { c.MetadataTTL = time.Nanosecond })
	srv := serveRegistered(t, kit)

	_, upstream := fetch(t, http.MethodGet, as.Issuer()+"/.well-known/oauth-authorization-server", nil)
	resp, body := fetch(t, http.MethodGet, srv.URL+"/.well-known/oauth-authorization-server", map[string]string{"Origin": "https://inspector.example"})
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if resp.Header.Get("Access-Control-Allow-Origin") != "*" || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("headers = %v", resp.Header)
	}
	if pre, _ := fetch(t, http.MethodOptions, srv.URL+"/.well-known/oauth-authorization-server",
		map[string]string{"Origin": "https://inspector.example", "Access-Control-Request-Method": "GET"}); pre.StatusCode != http.StatusNoContent ||
		pre.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("preflight: %d %v", pre.StatusCode, pre.Header)
	}
	var up, got map[string]any
	_ = json.Unmarshal(upstream, &up)
	_ = json.Unmarshal(body, &got)
	if !reflect.DeepEqual(up, got) {
		t.Errorf("pass-through changed the document:\n got %v\nwant %v", got, up)
	}
	if got["client_id_metadata_document_supported"] != true || got["x_vendor_field"] == nil {
		t.Errorf("fields dropped: %v", got)
	}
	// Upstream down: the stale copy is served (TTL is a nanosecond, so it is stale).
	as.SetDown(true)
	for range 3 {
		resp, body2 := fetch(t, http.MethodGet, srv.URL+"/.well-known/oauth-authorization-server", nil)
		if resp.StatusCode != 200 || string(body2) != string(body) {
			t.Fatalf("stale copy not served: %d %s", resp.StatusCode, body2)
		}
	}
}

func TestAuthorizationServerMetadataNeverFetched(t *testing.T) {
	as := authkittest.NewServer(t)
	as.SetDown(true)
	kit := newKit(t, as)
	srv := serveRegistered(t, kit)
	resp, body := fetch(t, http.MethodGet, srv.URL+"/.well-known/oauth-authorization-server", nil)
	var e map[string]any
	if resp.StatusCode != http.StatusBadGateway || json.Unmarshal(body, &e) != nil || e["error"] == nil ||
		resp.Header.Get("Content-Type") != "application/json" || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("status %d body %s headers %v, want 502 with a JSON error readable cross-origin", resp.StatusCode, body, resp.Header)
	}
	// Once the issuer is back (after the short failure backoff) it recovers.
	as.SetDown(false)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, _ := fetch(t, http.MethodGet, srv.URL+"/.well-known/oauth-authorization-server", nil)
		if resp.StatusCode == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("never recovered: %d", resp.StatusCode)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestMetadataCachedWithinTTL(t *testing.T) {
	as := authkittest.NewServer(t)
	kit := newKit(t, as)
	srv := serveRegistered(t, kit)
	for range 5 {
		fetch(t, http.MethodGet, srv.URL+"/.well-known/oauth-authorization-server", nil)
	}
	if n := as.MetadataFetches(); n != 1 {
		t.Errorf("metadata fetched %d times within the TTL, want 1", n)
	}
}

func TestOpenIDConfigurationFallback(t *testing.T) {
	as := authkittest.NewServer(t) // used only to sign; the issuer below publishes its key
	var issuer string
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"issuer": issuer, "jwks_uri": issuer + "/keys"})
	})
	mux.HandleFunc("/keys", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": []any{authkittest.JWK(as.Key())}})
	})
	oidc := httptest.NewServer(mux)
	t.Cleanup(oidc.Close)
	issuer = oidc.URL

	kit, err := authkit.New(authkit.Config{Issuer: issuer, ResourceURL: testResource})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kit.Close)
	if err := kit.Ready(t.Context()); err != nil {
		t.Fatalf("Ready: %v", err)
	}
	if _, err := kit.Verify(t.Context(), as.Token(map[string]any{"iss": issuer, "aud": testResource})); err != nil {
		t.Errorf("token from an OIDC-only issuer: %v", err)
	}
}

func TestProtectedResourceMetadataDefaultScopes(t *testing.T) {
	as := authkittest.NewServer(t)
	for _, tc := range []struct {
		name   string
		scopes []string
		want   any
	}{
		{"nil publishes AuthKit's scopes", nil, []any{"openid", "profile", "email", "offline_access"}},
		{"empty publishes none", []string{}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kit := newKit(t, as, func(c *authkit.Config) { c.ScopesSupported = tc.scopes })
			srv := serveRegistered(t, kit)
			_, body := fetch(t, http.MethodGet, srv.URL+"/.well-known/oauth-protected-resource/mcp", nil)
			var got map[string]any
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got["scopes_supported"], tc.want) {
				t.Errorf("scopes_supported = %v, want %v", got["scopes_supported"], tc.want)
			}
		})
	}
}
