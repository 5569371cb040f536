package authkit

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Defaults for the zero values of [Config].
const (
	DefaultLeeway                 = 30 * time.Second
	DefaultMaxTokenBytes          = 16 << 10
	DefaultTokenCacheSize         = 10000
	DefaultJWKSRefreshInterval    = time.Hour
	DefaultJWKSMinRefetchInterval = 30 * time.Second
	DefaultMetadataTTL            = time.Hour
	DefaultUserCacheTTL           = 5 * time.Minute
	DefaultMCPPath                = "/mcp"
	DefaultAPIBaseURL             = "https://api.workos.com"
)

// DefaultScopesSupported are the scopes AuthKit supports, published in the
// protected resource metadata when Config.ScopesSupported is nil.
var DefaultScopesSupported = []string{"openid", "profile", "email", "offline_access"}

// Config configures an [AuthKit]. Only Issuer and ResourceURL are required.
type Config struct {
	// Issuer is the AuthKit domain (https://x.authkit.app) or any OAuth
	// issuer. It must be https, except for loopback hosts. It is compared
	// with the token's iss exactly and listed as is in authorization_servers.
	Issuer string
	// ResourceURL is the canonical URL of the MCP endpoint
	// (https://mcp.example.com/mcp). Its path decides the path-suffixed
	// protected resource metadata URL.
	ResourceURL string
	// Audiences are extra accepted aud values; ClientID is added to them.
	Audiences []string
	// APIKey and ClientID identify the WorkOS environment; APIKey is needed
	// by User, Client and LoginHandler only.
	APIKey, ClientID string
	// APIBaseURL is the WorkOS API (default DefaultAPIBaseURL).
	APIBaseURL string
	// DocsURL is published as resource_documentation.
	DocsURL string
	// ScopesSupported is published in the metadata (nil = DefaultScopesSupported,
	// AuthKit's scopes; an empty non-nil slice publishes none). Clients request
	// these, so offline_access there gets them refresh tokens. RequiredScopes
	// must all be in a token's scope claim (403 otherwise).
	ScopesSupported, RequiredScopes []string
	// ToolScopes maps an MCP tool name to the scopes a tools/call of it
	// requires, on top of RequiredScopes. A token without them gets 403
	// insufficient_scope naming them, so that the client can step up. The
	// middleware reads the request body (up to 4 MiB) to find the tool.
	ToolScopes map[string][]string
	// Leeway is the clock skew allowed on exp, nbf and iat (default 30s;
	// negative means none).
	Leeway time.Duration
	// Algorithms is the allow-list of JWS algorithms (default RS256). none
	// and the HMAC algorithms are refused.
	Algorithms []string
	// HTTPClient fetches metadata and keys (default: 10s timeout).
	HTTPClient *http.Client
	// Hooks observe failures, key fetches and WorkOS API calls (metrics).
	Hooks Hooks
	// Logger receives warnings (default: slog.Default()). Tokens are never logged.
	Logger *slog.Logger

	// MaxTokenBytes bounds the accepted token length (default 16 KiB).
	MaxTokenBytes int
	// TokenCacheSize bounds the verified-token cache (default 10000;
	// negative disables the cache).
	TokenCacheSize int
	// JWKSRefreshInterval is how often keys are refreshed in the background
	// (default 1h).
	JWKSRefreshInterval time.Duration
	// JWKSMinRefetchInterval is the rate-limit window for refetches caused by
	// an unknown kid (default 30s).
	JWKSMinRefetchInterval time.Duration
	// MetadataTTL is how long the authorization server metadata is cached
	// (default 1h).
	MetadataTTL time.Duration
	// UserCacheTTL is how long User results are cached (default 5m).
	UserCacheTTL time.Duration
	// Introspection, when set, accepts opaque access tokens through RFC 7662
	// introspection (JWTs are still verified locally).
	Introspection *Introspection
	// ConnectRedirectHosts are extra hosts LoginHandler may redirect to,
	// beyond the issuer's, the API's and subdomains of authkit.app and
	// workos.com (e.g. an AuthKit custom domain).
	ConnectRedirectHosts []string
}

// Hooks are optional observers, called synchronously; keep them cheap.
type Hooks struct {
	// AuthFailure is called with a short reason ("missing_token",
	// "invalid_request", "invalid_token", "expired", "insufficient_scope", ...).
	AuthFailure func(reason string)
	// JWKSFetch is called after each key fetch: "ok" or "error".
	JWKSFetch func(outcome string)
	// WorkOSResponse is called once per attempt of every WorkOS API call
	// authkit makes (User, the Client it hands out, Standalone Connect
	// completion), exactly as workos.Options.OnResponse: path is the
	// workos.PathPattern of the request path, so that it is safe as a metric
	// label, and status 0 means a transport error.
	WorkOSResponse func(method, path string, status int, d time.Duration)
}

// FromEnv reads the variable names users already have from the TypeScript
// peers: AUTHKIT_DOMAIN (or WORKOS_AUTHKIT_DOMAIN, or the subdomain in
// MCP_USE_OAUTH_WORKOS_SUBDOMAIN), BASE_URL (the resource URL is BASE_URL +
// MCP_PATH, default /mcp), WORKOS_API_KEY, WORKOS_CLIENT_ID, WORKOS_API_BASE_URL
// and DOCS_URL. A missing or malformed value is an error naming it.
func FromEnv() (Config, error) {
	var cfg Config
	domain, name := "", ""
	for _, n := range []string{"AUTHKIT_DOMAIN", "WORKOS_AUTHKIT_DOMAIN"} {
		if v := strings.TrimSpace(os.Getenv(n)); v != "" {
			domain, name = v, n
			break
		}
	}
	if domain == "" {
		if sub := strings.TrimSpace(os.Getenv("MCP_USE_OAUTH_WORKOS_SUBDOMAIN")); sub != "" {
			if strings.ContainsAny(sub, "/:.@ ") {
				return cfg, errors.New("authkit: MCP_USE_OAUTH_WORKOS_SUBDOMAIN must be a bare subdomain (the x in x.authkit.app)")
			}
			domain, name = "https://"+sub+".authkit.app", "MCP_USE_OAUTH_WORKOS_SUBDOMAIN"
		}
	}
	if domain == "" {
		return cfg, errors.New("authkit: AUTHKIT_DOMAIN is not set (also read: WORKOS_AUTHKIT_DOMAIN, MCP_USE_OAUTH_WORKOS_SUBDOMAIN)")
	}
	if !strings.Contains(domain, "://") {
		domain = "https://" + domain
	}
	if _, err := parseIssuer(domain); err != nil {
		return cfg, fmt.Errorf("authkit: %s: %w", name, err)
	}
	cfg.Issuer = strings.TrimSuffix(domain, "/")

	base := strings.TrimSpace(os.Getenv("BASE_URL"))
	if base == "" {
		return cfg, errors.New("authkit: BASE_URL is not set (the public URL of this server, e.g. https://mcp.example.com)")
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Hostname() == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return cfg, errors.New("authkit: BASE_URL must be an absolute http(s) URL without user info, query or fragment")
	}
	mcpPath := DefaultMCPPath
	if p := strings.TrimSpace(os.Getenv("MCP_PATH")); p != "" {
		if !strings.HasPrefix(p, "/") {
			return cfg, errors.New("authkit: MCP_PATH must start with /")
		}
		mcpPath = p
	}
	cfg.ResourceURL = strings.TrimSuffix(base, "/") + mcpPath

	cfg.APIKey = strings.TrimSpace(os.Getenv("WORKOS_API_KEY"))
	cfg.ClientID = strings.TrimSpace(os.Getenv("WORKOS_CLIENT_ID"))
	// The values are never quoted back: an API key is a secret.
	if strings.ContainsFunc(cfg.APIKey, badCredentialRune) {
		return cfg, errors.New("authkit: WORKOS_API_KEY contains spaces or control characters (a WorkOS API key looks like sk_test_...)")
	}
	if strings.ContainsFunc(cfg.ClientID, badCredentialRune) {
		return cfg, errors.New("authkit: WORKOS_CLIENT_ID contains spaces or control characters (a WorkOS client ID looks like client_...)")
	}
	cfg.DocsURL = strings.TrimSpace(os.Getenv("DOCS_URL"))
	if v := strings.TrimSpace(os.Getenv("WORKOS_API_BASE_URL")); v != "" {
		cfg.APIBaseURL = v
	}
	if cfg.DocsURL != "" {
		if u, err := url.Parse(cfg.DocsURL); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			return cfg, errors.New("authkit: DOCS_URL must be an absolute http(s) URL")
		}
	}
	if cfg.APIBaseURL != "" {
		if u, err := url.Parse(cfg.APIBaseURL); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			return cfg, errors.New("authkit: WORKOS_API_BASE_URL must be an absolute http(s) URL")
		}
	}
	return cfg, nil
}

// badCredentialRune reports characters no API key or client ID holds.
func badCredentialRune(r rune) bool { return r <= ' ' || r == 0x7f || unicode.IsSpace(r) }

// parseIssuer checks the https-except-loopback rule.
func parseIssuer(s string) (*url.URL, error) { return CheckURL(s, true) }

// CheckURL checks an absolute http(s) URL without user info, query or fragment; with httpsOnly,
// plain http is accepted for loopback hosts only, the rule for every URL a token or an API key
// travels to (OAuth 2.1 §1.5, RFC 8252 §8.3). Its errors quote s: never pass a secret.
func CheckURL(s string, httpsOnly bool) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("%q is not an absolute http(s) URL", s)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%q must not carry user info, a query or a fragment", s)
	}
	if httpsOnly && u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("%q: use https (plain http is accepted for loopback hosts only)", s)
	}
	return u, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// canonicalURI normalises a URI for audience comparison: scheme and host
// lower-cased, default port dropped, trailing slash ignored. A URI with user
// info or a fragment is left as is, so it never matches a resource URL.
func canonicalURI(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" || u.User != nil || u.Fragment != "" {
		return s
	}
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Host)
	if (scheme == "https" && strings.HasSuffix(host, ":443")) || (scheme == "http" && strings.HasSuffix(host, ":80")) {
		host = host[:strings.LastIndexByte(host, ':')]
	}
	p := strings.TrimSuffix(u.EscapedPath(), "/")
	out := scheme + "://" + host + p
	if u.RawQuery != "" {
		out += "?" + u.RawQuery
	}
	return out
}

// ConfigError is one problem of a Config. Field names the field (Issuer, ResourceURL, ...), so
// that a caller that read the value from somewhere else (a file, a variable) can say where.
type ConfigError struct {
	Field   string
	Problem string
}

// Error returns "authkit: Config.<Field>: <Problem>".
func (e *ConfigError) Error() string { return "authkit: Config." + e.Field + ": " + e.Problem }

// Validate reports every problem that makes New refuse c, each a *ConfigError (joined with
// errors.Join), or nil. It applies no default.
func (c *Config) Validate() error {
	var errs []error
	add := func(field, format string, a ...any) {
		errs = append(errs, &ConfigError{Field: field, Problem: fmt.Sprintf(format, a...)})
	}
	if c.Issuer == "" {
		add("Issuer", "required (the AuthKit domain, e.g. https://x.authkit.app)")
	} else if _, err := parseIssuer(c.Issuer); err != nil {
		add("Issuer", "%s", err)
	}
	if c.ResourceURL == "" {
		add("ResourceURL", "required (the MCP endpoint, e.g. https://mcp.example.com/mcp)")
	} else if ru, err := url.Parse(c.ResourceURL); err != nil || ru.Host == "" || (ru.Scheme != "https" && ru.Scheme != "http") || ru.Fragment != "" {
		add("ResourceURL", "%q is not an absolute http(s) URL without fragment", c.ResourceURL)
	}
	// The API key travels to the API: https, except on loopback hosts.
	if c.APIBaseURL != "" {
		if _, err := CheckURL(c.APIBaseURL, true); err != nil {
			add("APIBaseURL", "%s", err)
		}
	}
	if c.DocsURL != "" {
		if _, err := CheckURL(c.DocsURL, false); err != nil {
			add("DocsURL", "%s", err)
		}
	}
	for _, alg := range c.Algorithms {
		if _, ok := supportedAlgs[alg]; !ok {
			add("Algorithms", "%q is not allowed (none and HMAC never are); use RS*, PS* or ES*", alg)
		}
	}
	return errors.Join(errs...)
}

func (c *Config) withDefaults() error {
	if err := c.Validate(); err != nil {
		return err
	}
	if c.APIBaseURL == "" {
		c.APIBaseURL = DefaultAPIBaseURL
	}
	if c.Leeway == 0 {
		c.Leeway = DefaultLeeway
	} else if c.Leeway < 0 {
		c.Leeway = 0
	}
	if len(c.Algorithms) == 0 {
		c.Algorithms = []string{"RS256"}
	}
	if c.ScopesSupported == nil {
		c.ScopesSupported = slices.Clone(DefaultScopesSupported)
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.MaxTokenBytes <= 0 {
		c.MaxTokenBytes = DefaultMaxTokenBytes
	}
	if c.TokenCacheSize == 0 {
		c.TokenCacheSize = DefaultTokenCacheSize
	}
	if c.JWKSRefreshInterval <= 0 {
		c.JWKSRefreshInterval = DefaultJWKSRefreshInterval
	}
	if c.JWKSMinRefetchInterval <= 0 {
		c.JWKSMinRefetchInterval = DefaultJWKSMinRefetchInterval
	}
	if c.MetadataTTL <= 0 {
		c.MetadataTTL = DefaultMetadataTTL
	}
	if c.UserCacheTTL <= 0 {
		c.UserCacheTTL = DefaultUserCacheTTL
	}
	return nil
}

var supportedAlgs = map[string]struct{}{
	"RS256": {}, "RS384": {}, "RS512": {},
	"PS256": {}, "PS384": {}, "PS512": {},
	"ES256": {}, "ES384": {}, "ES512": {},
}
