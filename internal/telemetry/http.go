package telemetry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/workos-mcp/workos-mcp/internal/reply"
)

// Server timeouts. WriteTimeout is long because a tool call answered as an SSE stream may take a
// while; the slow-client protection is the header and idle timeouts.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 60 * time.Second
	DefaultWriteTimeout      = 5 * time.Minute
	DefaultIdleTimeout       = 2 * time.Minute
	DefaultMaxHeaderBytes    = 64 << 10
	// DefaultMaxBodyBytes bounds request bodies (MCP messages, OAuth forms, API calls).
	DefaultMaxBodyBytes = 4 << 20
	// DefaultShutdownGrace bounds the drain of in-flight requests on shutdown.
	DefaultShutdownGrace = 20 * time.Second
)

// NewServer returns an http.Server with the timeouts above; logger (may be nil) receives the
// server's own errors (TLS handshakes, panics in handlers).
func NewServer(addr string, h http.Handler, logger *slog.Logger) *http.Server {
	srv := &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: DefaultReadHeaderTimeout,
		ReadTimeout:       DefaultReadTimeout,
		WriteTimeout:      DefaultWriteTimeout,
		IdleTimeout:       DefaultIdleTimeout,
		MaxHeaderBytes:    DefaultMaxHeaderBytes,
	}
	if logger != nil {
		srv.ErrorLog = slog.NewLogLogger(logger.Handler(), slog.LevelWarn)
	}
	return srv
}

// Serve serves srv on ln until ctx is done, then stops accepting and waits up to grace for
// in-flight requests (Shutdown), closing what is left after that. It returns nil after a clean
// shutdown, else the serve or shutdown error.
func Serve(ctx context.Context, srv *http.Server, ln net.Listener, grace time.Duration) error {
	if grace <= 0 {
		grace = DefaultShutdownGrace
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := srv.Shutdown(sctx)
	if err != nil {
		_ = srv.Close()
		err = fmt.Errorf("shutdown: in-flight requests did not finish within %s: %w", grace, err)
	}
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}

// LimitBody refuses bodies larger than max bytes: 413 up front when Content-Length says so,
// else the read fails once the limit is passed (http.MaxBytesReader).
func LimitBody(max int64, next http.Handler) http.Handler {
	if max <= 0 {
		max = DefaultMaxBodyBytes
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > max {
			writeError(w, http.StatusRequestEntityTooLarge, "request_too_large",
				fmt.Sprintf("request body larger than %d bytes", max))
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, max)
		}
		next.ServeHTTP(w, r)
	})
}

// OriginPolicy decides which browser origins may call an endpoint.
type OriginPolicy struct {
	// Self is the server's own public origin (scheme://host[:port]); same-origin requests pass.
	Self string
	// Allowed are further origins that pass, exactly as browsers send them.
	Allowed []string
}

// CheckOrigin enforces p on requests that carry an Origin header: a foreign origin (or the
// opaque "null") gets 403. Requests without Origin pass: they come from non-browser clients,
// which a DNS-rebinding or cross-site attack cannot produce.
func CheckOrigin(p OriginPolicy, next http.Handler) http.Handler {
	allowed := map[string]bool{}
	if o := normalizeOrigin(p.Self); o != "" {
		allowed[o] = true
	}
	for _, a := range p.Allowed {
		if o := normalizeOrigin(a); o != "" {
			allowed[o] = true
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" {
			next.ServeHTTP(w, r)
			return
		}
		if !allowed[normalizeOrigin(origin)] {
			writeError(w, http.StatusForbidden, "forbidden_origin", "requests from this Origin are not allowed")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// normalizeOrigin lower-cases scheme and host and drops default ports; "" when s is not an
// http(s) origin.
func normalizeOrigin(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	return u.Scheme + "://" + host
}

// CheckHost protects a server bound to a loopback address from DNS rebinding: a request whose
// Host is not a loopback name (localhost, 127.0.0.1, [::1]) nor one of extra gets 403. A page on
// evil.example whose name was rebound to 127.0.0.1 still sends Host: evil.example.
func CheckHost(extra []string, next http.Handler) http.Handler {
	ok := map[string]bool{}
	for _, h := range extra {
		if h = strings.ToLower(strings.TrimSpace(h)); h != "" {
			ok[hostOnly(h)] = true
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := hostOnly(strings.ToLower(r.Host))
		if !IsLoopbackHost(h) && !ok[h] {
			writeError(w, http.StatusForbidden, "forbidden_host", "this server only answers to a loopback Host")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// hostOnly strips the port and IPv6 brackets from a Host header value.
func hostOnly(h string) string {
	if host, _, err := net.SplitHostPort(h); err == nil {
		return host
	}
	return strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
}

// IsLoopbackHost reports whether host (no port) names the loopback interface. Names are
// compared as DNS compares them: case-insensitively, with or without the root's trailing dot
// (LOCALHOST and localhost. are localhost), so that a public URL spelled in capitals does not
// turn the Host rule off.
func IsLoopbackHost(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(hostOnly(host)), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// IsLoopbackAddr reports whether a listen address (host:port) binds only the loopback interface.
func IsLoopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return false
	}
	return IsLoopbackHost(host)
}

// Instrument is the outermost middleware: it gives the request an ID, counts and times it by the
// route pattern the inner ServeMux matched (bounded cardinality: never the raw path), and logs
// one access line (method, path without the query, status, duration) — the query is left out
// because OAuth redirects carry codes there.
func (m *Metrics) Instrument(logger *slog.Logger, next http.Handler) http.Handler {
	if logger == nil {
		logger = Discard()
	}
	return RequestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &reply.Recorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		code := rec.Status()
		route := routeLabel(r.Pattern)
		d := time.Since(start)
		if m != nil {
			m.observe(route, method(r.Method), code, d)
		}
		level := slog.LevelInfo
		if code >= 500 {
			level = slog.LevelError
		}
		logger.LogAttrs(r.Context(), level, "http request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.String("route", route), slog.Int("status", code),
			slog.Float64("duration_ms", Millis(d)), slog.String("remote", r.RemoteAddr))
	}))
}

// routeLabel is the matched pattern without its method ("GET /readyz" → "/readyz"): the method
// has its own label, and one route's series must not split on how it was registered.
func routeLabel(pattern string) string {
	if pattern == "" {
		return "unmatched"
	}
	if _, path, ok := strings.Cut(pattern, " "); ok {
		return strings.TrimSpace(path)
	}
	return pattern
}

// Millis is a duration in milliseconds with microsecond precision, the unit of every
// duration_ms log field.
func Millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// method bounds the method label to the standard methods.
func method(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "other"
}

// writeError writes the module's small JSON error body.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": msg})
}
