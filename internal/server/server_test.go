package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/workos-mcp/workos-mcp/authkit"
	"github.com/workos-mcp/workos-mcp/console"
	"github.com/workos-mcp/workos-mcp/internal/telemetry"
	"github.com/workos-mcp/workos-mcp/workspace"
)

// start serves New(cfg) on an httptest server at 127.0.0.1, with real components that need no
// network until a token is verified (no request here carries one).
func start(t *testing.T, cfg Config) *httptest.Server {
	t.Helper()
	ak, err := authkit.New(authkit.Config{Issuer: "https://auth.example.test", ResourceURL: cfg.PublicURL + MCPPath, Logger: telemetry.Discard()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ak.Close)
	ws, err := workspace.New(workspace.Config{Logger: telemetry.Discard()}, ak)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close(t.Context()) })
	con, err := console.New(console.Config{Workspace: ws, AuthKit: ak, Issuer: "https://auth.example.test",
		PublicURL: cfg.PublicURL, ResourceURL: cfg.PublicURL + MCPPath, Logger: telemetry.Discard()})
	if err != nil {
		t.Fatal(err)
	}
	cfg.AuthKit, cfg.Workspace, cfg.Console, cfg.Metrics = ak, ws, con, telemetry.NewMetrics()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv
}

// TestOriginAndHostRules is the one rule set, Host × Origin × mode: every mode a person runs the
// server in, and the requests a browser, an agent and an attacker send it. A request /mcp lets
// through is answered by authkit (401: no token); a refused one gets 403 and the reason.
func TestOriginAndHostRules(t *testing.T) {
	modes := map[string]Config{
		// workos-mcp dev, default: loopback listener, loopback origin.
		"dev": {PublicURL: "http://127.0.0.1:8080", Listen: "127.0.0.1:8080"},
		// dev behind a tunnel (--base-url), still listening on loopback.
		"dev-tunnel": {PublicURL: "https://abc.tunnel.example", Listen: "127.0.0.1:8080"},
		// serve behind a reverse proxy on the same machine.
		"serve-loopback": {PublicURL: "https://mcp.example.com", Listen: "127.0.0.1:8080",
			AllowedHosts: []string{"proxy.internal"}, AllowedOrigins: []string{"https://app.example.com"}},
		// serve on every interface for its public URL (a container behind a load balancer).
		"serve-public": {PublicURL: "https://mcp.example.com", Listen: ":8080",
			AllowedOrigins: []string{"https://app.example.com"}},
		// serve on every interface for a loopback URL: still reachable by a rebound name.
		"serve-any-loopback-url": {PublicURL: "http://localhost:8080", Listen: "0.0.0.0:8080"},
	}
	const ok, badHost, badOrigin = 401, "forbidden_host", "forbidden_origin"
	cases := []struct {
		mode, host, origin string
		want               any // ok, or the 403's error code
	}{
		// An agent (no Origin) on loopback names.
		{"dev", "127.0.0.1:8080", "", ok},
		{"dev", "localhost:8080", "", ok},
		{"dev", "[::1]:8080", "", ok},
		// The stack's own pages under each loopback name (the console, an inspector on the origin).
		{"dev", "127.0.0.1:8080", "http://127.0.0.1:8080", ok},
		{"dev", "localhost:8080", "http://localhost:8080", ok},
		{"dev", "127.0.0.1:8080", "http://[::1]:8080", ok},
		// Another local port is another server: not this one's page.
		{"dev", "127.0.0.1:8080", "http://localhost:3000", badOrigin},
		{"dev", "127.0.0.1:8080", "https://127.0.0.1:8080", badOrigin},
		{"dev", "127.0.0.1:8080", "null", badOrigin},
		{"dev", "127.0.0.1:8080", "https://evil.example", badOrigin},
		// DNS rebinding: the page's host name reaches the loopback listener.
		{"dev", "evil.example:8080", "", badHost},
		{"dev", "evil.example:8080", "http://evil.example:8080", badHost},

		{"dev-tunnel", "abc.tunnel.example", "https://abc.tunnel.example", ok},
		{"dev-tunnel", "127.0.0.1:8080", "", ok},
		{"dev-tunnel", "evil.example", "", badHost},
		// A tunnel's public origin is not a loopback one: no loopback aliases.
		{"dev-tunnel", "127.0.0.1:8080", "http://localhost:8080", badOrigin},

		{"serve-loopback", "mcp.example.com", "https://mcp.example.com", ok},
		{"serve-loopback", "proxy.internal:8080", "", ok},
		{"serve-loopback", "127.0.0.1:8080", "https://app.example.com", ok},
		{"serve-loopback", "127.0.0.1:8080", "https://evil.example", badOrigin},
		{"serve-loopback", "evil.example", "", badHost},

		{"serve-public", "mcp.example.com", "https://mcp.example.com", ok},
		{"serve-public", "mcp.example.com", "https://app.example.com", ok},
		{"serve-public", "10.0.0.7:8080", "", ok}, // a probe or a proxy by IP
		{"serve-public", "mcp.example.com", "https://evil.example", badOrigin},
		{"serve-public", "mcp.example.com", "http://localhost:8080", badOrigin},

		{"serve-any-loopback-url", "localhost:8080", "http://localhost:8080", ok},
		{"serve-any-loopback-url", "127.0.0.1:8080", "http://127.0.0.1:8080", ok},
		{"serve-any-loopback-url", "evil.example:8080", "", badHost},
		{"serve-any-loopback-url", "localhost:8080", "http://evil.example:8080", badOrigin},
	}
	servers := map[string]*httptest.Server{}
	for name, cfg := range modes {
		servers[name] = start(t, cfg)
	}
	for _, tc := range cases {
		req, err := http.NewRequest(http.MethodPost, servers[tc.mode].URL+MCPPath, strings.NewReader(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Host = tc.host
		req.Header.Set("Content-Type", "application/json")
		if tc.origin != "" {
			req.Header.Set("Origin", tc.origin)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Error string `json:"error"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		switch want := tc.want.(type) {
		case int:
			if resp.StatusCode != want {
				t.Errorf("%s: Host %s, Origin %q: %d %q, want %d (through to authkit)", tc.mode, tc.host, tc.origin, resp.StatusCode, body.Error, want)
			}
		case string:
			if resp.StatusCode != http.StatusForbidden || body.Error != want {
				t.Errorf("%s: Host %s, Origin %q: %d %q, want 403 %s", tc.mode, tc.host, tc.origin, resp.StatusCode, body.Error, want)
			}
		}
	}
}

// TestHostRuleCoversEveryPath: the Host rule is not only /mcp's: a rebound page must not read
// the metadata, the console or the metrics either. The Origin rule is /mcp's: metadata is
// public (CORS *).
func TestHostRuleCoversEveryPath(t *testing.T) {
	srv := start(t, Config{PublicURL: "http://127.0.0.1:8080", Listen: "127.0.0.1:8080"})
	for _, path := range []string{"/healthz", "/metrics", "/.well-known/oauth-protected-resource/mcp", console.Path + "/"} {
		for host, refused := range map[string]bool{"evil.example:8080": true, "localhost:8080": false} {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
			req.Host = host
			req.Header.Set("Origin", "https://evil.example")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			// Let through, the console answers what it can without an authorization server (502).
			if (resp.StatusCode == http.StatusForbidden) != refused {
				t.Errorf("GET %s, Host %s: %d, refused %v", path, host, resp.StatusCode, refused)
			}
		}
	}
}

// TestNewRefusesIncompleteConfig: a missing component or a public URL that is not an origin is
// an error at start, not a nil dereference at the first request.
func TestNewRefusesIncompleteConfig(t *testing.T) {
	if _, err := New(Config{PublicURL: "https://mcp.example.com"}); err == nil || !strings.Contains(err.Error(), "required") {
		t.Errorf("no components: %v", err)
	}
}
