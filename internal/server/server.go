// Package server assembles the HTTP face of workos-mcp: the workspace MCP server at /mcp behind
// authkit, the RFC 9728 metadata, the console, /healthz, /readyz and /metrics, wrapped in the
// body limit, the DNS-rebinding check and the access log. `workos-mcp serve` and the embedded
// stack of `workos-mcp dev` (internal/devstack) both build their handler with New, so the two
// differ only in what they mount beside the product (the authorization server and the emulator
// in dev), never in how /mcp is protected.
//
// # Origin and Host rules (one set, every mode)
//
// A browser page can reach a server it has no business calling in two ways: cross-site (a page
// on evil.example posts to the server's URL) and by DNS rebinding (evil.example's name is
// rebound to 127.0.0.1, so the page's own origin now points at a server on the victim's
// loopback). The rules below close both for every way the server is run.
//
//   - Origin, on /mcp: a request without Origin passes, since non-browser clients (the agents)
//     send none and a browser always sends one on the cross-origin requests an attack needs. A
//     request with an Origin passes only when it is the public origin (Config.PublicURL), one of
//     Config.AllowedOrigins, or — when the public origin's host is a loopback name — the same
//     scheme and port under another loopback name (localhost, 127.0.0.1, [::1]): those reach the
//     same listener, so a page they serve is this server's own. Anything else, the opaque "null"
//     included, gets 403 forbidden_origin.
//   - Host, on every path: checked whenever the server is reachable on loopback by its own
//     account — Config.Listen is a loopback address or the public origin's host is a loopback
//     name. A request whose Host is not a loopback name, the public origin's host (a tunnel's
//     name) or one of Config.AllowedHosts then gets 403 forbidden_host: a rebound page still
//     sends Host: evil.example. A server listening on a public interface for a public URL is
//     reached through names its proxy and probes choose (a Kubernetes probe sends the pod's
//     IP), so Host is not checked there; the Origin rule and the bearer token protect /mcp.
//
// docs/design.md ("One server constructor") explains the choice.
package server

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/workos-mcp/workos-mcp/authkit"
	"github.com/workos-mcp/workos-mcp/console"
	"github.com/workos-mcp/workos-mcp/internal/telemetry"
	"github.com/workos-mcp/workos-mcp/workspace"
)

// MCPPath is where the workspace MCP server is mounted.
const MCPPath = "/mcp"

// Config is what New assembles. AuthKit, Workspace, Console and Metrics are required.
type Config struct {
	// PublicURL is the origin clients use (scheme://host[:port], no path): same-origin browser
	// requests pass the Origin rule, and its host passes the Host rule.
	PublicURL string
	// Listen is the listen address (host:port); a loopback one turns the Host rule on.
	Listen string
	// AllowedOrigins are browser origins, besides the public one, that may call /mcp.
	AllowedOrigins []string
	// AllowedHosts are Host names accepted besides loopback ones and PublicURL's host while the
	// Host rule is on (a proxy's name).
	AllowedHosts []string
	// MaxBodyBytes bounds request bodies; zero means telemetry.DefaultMaxBodyBytes.
	MaxBodyBytes int64

	// AuthKit authenticates every /mcp request and serves the protected resource metadata.
	AuthKit *authkit.AuthKit
	// Workspace is the MCP server behind AuthKit.
	Workspace *workspace.Server
	// Console is mounted at console.Path.
	Console *console.Console
	// Metrics counts and times every request and is served at /metrics.
	Metrics *telemetry.Metrics
	// Logger receives one access line per request; nil discards them.
	Logger *slog.Logger
	// Readiness are the checks of /readyz.
	Readiness []telemetry.Check

	// AuthorizationServer, when set, serves every path nothing else claims, its own
	// authorization server metadata included (dev's localauth). When nil, AuthKit passes the
	// real AuthKit's metadata through at /.well-known/oauth-authorization-server, for clients
	// that look for it on the resource's origin.
	AuthorizationServer http.Handler
	// Routes are further handlers by ServeMux pattern (dev mounts the emulator under /workos).
	Routes map[string]http.Handler
}

// Server is the assembled handler. It does not listen: serve Handler with telemetry.Serve.
type Server struct {
	mux     *http.ServeMux
	handler http.Handler
}

// New assembles the routes and wraps them in the body limit, the Host rule and the access log.
// It refuses a Config without its components or with a PublicURL that is not an http(s) origin.
func New(cfg Config) (*Server, error) {
	if cfg.AuthKit == nil || cfg.Workspace == nil || cfg.Console == nil || cfg.Metrics == nil {
		return nil, errors.New("server: AuthKit, Workspace, Console and Metrics are required")
	}
	pub, err := url.Parse(cfg.PublicURL)
	if err != nil || (pub.Scheme != "http" && pub.Scheme != "https") || pub.Host == "" {
		return nil, errors.New("server: the public URL must be an http(s) origin such as https://mcp.example.com")
	}
	mux := http.NewServeMux()
	mcp := telemetry.CheckOrigin(telemetry.OriginPolicy{Self: cfg.PublicURL, Allowed: origins(pub, cfg.AllowedOrigins)},
		cfg.AuthKit.Middleware(cfg.Workspace.Handler()))
	mux.Handle(MCPPath, mcp)
	mux.Handle(MCPPath+"/", mcp)
	if cfg.AuthorizationServer != nil {
		cfg.AuthKit.RegisterProtectedResourceMetadata(mux)
		mux.Handle("/", cfg.AuthorizationServer)
	} else {
		cfg.AuthKit.Register(mux)
	}
	mux.Handle(console.Path, cfg.Console.Handler())
	mux.Handle(console.Path+"/", cfg.Console.Handler())
	mux.Handle("GET /healthz", telemetry.Healthz())
	mux.Handle("GET /readyz", telemetry.Readyz(cfg.Readiness...))
	mux.Handle("GET /metrics", cfg.Metrics.Handler())
	for pattern, h := range cfg.Routes {
		mux.Handle(pattern, h)
	}

	h := telemetry.LimitBody(cfg.MaxBodyBytes, mux)
	if telemetry.IsLoopbackHost(pub.Hostname()) || telemetry.IsLoopbackAddr(cfg.Listen) {
		h = telemetry.CheckHost(append([]string{pub.Hostname()}, cfg.AllowedHosts...), h)
	}
	return &Server{mux: mux, handler: cfg.Metrics.Instrument(cfg.Logger, h)}, nil
}

// origins are the origins besides the public one that the Origin rule admits: the configured
// ones and, for a loopback public origin, its other loopback names on the same scheme and port.
func origins(pub *url.URL, allowed []string) []string {
	out := append([]string{}, allowed...)
	if telemetry.IsLoopbackHost(pub.Hostname()) {
		port := pub.Port()
		for _, h := range []string{"localhost", "127.0.0.1", "[::1]"} {
			o := pub.Scheme + "://" + h
			if port != "" {
				o += ":" + port
			}
			out = append(out, o)
		}
	}
	return out
}

// Handler serves everything: the routes behind the access log, the Host rule and the body limit.
func (s *Server) Handler() http.Handler { return s.handler }

// Routes serves the routes alone, for the server's own components calling it in-process (the
// embedded stack's authkit reading localauth's keys): such a call is neither a browser's nor
// counted as a request.
func (s *Server) Routes() http.Handler { return s.mux }
