package localauth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Defaults for Options' lifetimes.
const (
	DefaultAccessTokenTTL  = 5 * time.Minute
	DefaultRefreshTokenTTL = 30 * 24 * time.Hour
	DefaultCodeTTL         = time.Minute
	// pendingTTL bounds how long a person may take to sign in and consent.
	pendingTTL = 15 * time.Minute
)

// ClientConfig is a pre-registered OAuth client.
type ClientConfig struct {
	ClientID     string   `json:"client_id" yaml:"client_id"`
	ClientSecret string   `json:"client_secret,omitempty" yaml:"client_secret"` // "" = public client (PKCE only)
	ClientName   string   `json:"client_name,omitempty" yaml:"client_name"`
	RedirectURIs []string `json:"redirect_uris" yaml:"redirect_uris"`
}

// Options configure a Server. Zero values are useful except Issuer and Directory.
type Options struct {
	// Issuer is the exact issuer string, e.g. http://127.0.0.1:8080 (no trailing slash).
	Issuer string
	// DataDir holds localauth.db; "" keeps everything in memory.
	DataDir string
	// Directory is where people, memberships and passwords come from.
	Directory Directory
	// ClientID is the environment client ID: the token's aud when no resource was sent.
	ClientID string
	// APIKey authenticates POST /authkit/oauth2/complete (and introspection by a resource server).
	APIKey string
	// DevMode lists the team's people on the sign-in page and permits AutoApprove.
	DevMode bool
	// AutoApprove approves every authorization as this person (email); refused unless DevMode.
	AutoApprove string
	// Lifetimes; zero means DefaultAccessTokenTTL, DefaultRefreshTokenTTL, DefaultCodeTTL.
	AccessTokenTTL, RefreshTokenTTL, CodeTTL time.Duration
	// Clients are pre-registered clients.
	Clients []ClientConfig
	// LoginURI, when set, sends people to the application's own sign-in
	// (Standalone Connect) with external_auth_id instead of the built-in
	// pages. AutoApprove, when also set, wins.
	LoginURI string
	// HTTPClient fetches Client ID Metadata Documents; nil = a client that
	// refuses private-network, link-local and metadata addresses at dial time.
	HTTPClient *http.Client
	// AllowLoopbackCIMD lets client_id URLs resolve to loopback addresses (tests).
	AllowLoopbackCIMD bool
	// ExtraScopes are accepted beyond email, offline_access, openid and profile.
	ExtraScopes []string
	// Logger receives operational logs; nil = slog.Default().
	Logger *slog.Logger
	// Now is the clock; nil = time.Now. Tests use it to expire codes.
	Now func() time.Time
}

// Server is the authorization server. Create it with New; it is safe for
// concurrent use.
type Server struct {
	opts     Options
	issuer   string
	basePath string // the issuer's path, "" at the origin's root
	dir      Directory
	log      *slog.Logger
	store    *store
	keys     *keyring
	cimd     *cimdFetcher
	pre      map[string]ClientConfig
	scopes   map[string]bool
	mux      *http.ServeMux
	now      func() time.Time

	closeOnce sync.Once
}

// New opens (or creates) the server's storage and signing keys.
func New(ctx context.Context, opts Options) (*Server, error) {
	if err := validateIssuer(opts.Issuer); err != nil {
		return nil, err
	}
	if opts.Directory == nil {
		return nil, errors.New("localauth: Options.Directory is required")
	}
	if opts.AutoApprove != "" && !opts.DevMode {
		return nil, errors.New("localauth: AutoApprove is only allowed in dev mode (Options.DevMode)")
	}
	if opts.LoginURI != "" {
		u, err := url.Parse(opts.LoginURI)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fmt.Errorf("localauth: LoginURI %q is not an absolute http(s) URL", opts.LoginURI)
		}
	}
	if opts.AccessTokenTTL <= 0 {
		opts.AccessTokenTTL = DefaultAccessTokenTTL
	}
	if opts.RefreshTokenTTL <= 0 {
		opts.RefreshTokenTTL = DefaultRefreshTokenTTL
	}
	if opts.CodeTTL <= 0 {
		opts.CodeTTL = DefaultCodeTTL
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	s := &Server{
		opts:   opts,
		issuer: opts.Issuer,
		dir:    opts.Directory,
		log:    log,
		pre:    map[string]ClientConfig{},
		scopes: map[string]bool{},
		now:    now,
	}
	if u, err := url.Parse(opts.Issuer); err == nil {
		s.basePath = u.Path
	}
	for _, sc := range supportedScopes {
		s.scopes[sc] = true
	}
	for _, sc := range opts.ExtraScopes {
		if !validScopeToken(sc) {
			return nil, fmt.Errorf("localauth: ExtraScopes: %q is not a valid scope token", sc)
		}
		s.scopes[sc] = true
	}
	for _, c := range opts.Clients {
		if c.ClientID == "" {
			return nil, errors.New("localauth: a pre-registered client has no client_id")
		}
		if len(c.RedirectURIs) == 0 {
			return nil, fmt.Errorf("localauth: pre-registered client %q has no redirect_uris", c.ClientID)
		}
		for _, u := range c.RedirectURIs {
			if err := validateRedirectURI(u); err != nil {
				return nil, fmt.Errorf("localauth: pre-registered client %q: %v", c.ClientID, err)
			}
		}
		s.pre[c.ClientID] = c
	}
	st, err := openStore(ctx, opts.DataDir)
	if err != nil {
		return nil, err
	}
	s.store = st
	s.keys, err = loadKeyring(ctx, st, now)
	if err != nil {
		st.close()
		return nil, err
	}
	s.cimd = newCIMDFetcher(opts.HTTPClient, opts.AllowLoopbackCIMD)
	s.mux = s.routes()
	if opts.AutoApprove != "" {
		log.Warn("localauth: AUTO-APPROVE IS ON: every authorization is approved without sign-in or consent; dev mode only",
			"as", opts.AutoApprove, "issuer", s.issuer)
	}
	return s, nil
}

func validateIssuer(iss string) error {
	if iss == "" {
		return errors.New("localauth: Options.Issuer is required")
	}
	u, err := url.Parse(iss)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("localauth: Issuer %q is not an absolute http(s) URL", iss)
	}
	if strings.HasSuffix(iss, "/") || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("localauth: Issuer %q must have no trailing slash, query or fragment", iss)
	}
	if u.Scheme == "http" && !isLoopbackHost(u.Hostname()) {
		return fmt.Errorf("localauth: Issuer %q: plain http is only allowed for loopback hosts", iss)
	}
	return nil
}

func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/oauth-authorization-server", s.handleMetadata)
	mux.HandleFunc("/.well-known/openid-configuration", s.handleMetadata)
	mux.HandleFunc("/oauth2/authorize", s.handleAuthorize)
	mux.HandleFunc("/oauth2/authorize/complete", s.handleConnectContinue)
	mux.HandleFunc("/oauth2/login", s.handleLogin)
	mux.HandleFunc("/oauth2/token", s.handleToken)
	mux.HandleFunc("/oauth2/register", s.handleRegister)
	mux.HandleFunc("/oauth2/jwks", s.handleJWKS)
	mux.HandleFunc("/oauth2/introspection", s.handleIntrospect)
	mux.HandleFunc("/oauth2/userinfo", s.handleUserinfo)
	mux.HandleFunc("/oauth2/revoke", s.handleRevoke)
	mux.Handle("/authkit/oauth2/complete", s.CompletionHandler())
	return mux
}

// Paths are the path patterns Handler serves, for a caller that mounts it
// beside other handlers on one origin.
func Paths() []string {
	return []string{"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration", "/oauth2/", "/authkit/oauth2/complete"}
}

// Handler serves every authorization-server path at the root of the origin.
// When the issuer has a path (https://example.com/auth), mount it with
// http.StripPrefix: links and redirects already carry the prefix.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		s.mux.ServeHTTP(w, r)
	})
}

// CompletionHandler serves POST /authkit/oauth2/complete (Standalone
// Connect). It matches any path, so it can be mounted anywhere (dev mounts
// it under /workos too).
func (s *Server) CompletionHandler() http.Handler {
	return http.HandlerFunc(s.handleComplete)
}

// RotateKeys makes a new signing key current; the previous key stays in the
// JWKS so that tokens it signed still verify.
func (s *Server) RotateKeys(ctx context.Context) error {
	return s.keys.rotate(ctx)
}

// Ready reports whether storage answers and a signing key is loaded.
func (s *Server) Ready(ctx context.Context) error {
	if err := s.store.db.PingContext(ctx); err != nil {
		return fmt.Errorf("localauth: storage: %w", err)
	}
	if s.keys.current() == nil {
		return errors.New("localauth: no signing key")
	}
	return nil
}

// Close releases storage. It is safe to call more than once.
func (s *Server) Close() error {
	var err error
	s.closeOnce.Do(func() { err = s.store.close() })
	return err
}

// Issuer returns the issuer string.
func (s *Server) Issuer() string { return s.issuer }

func (s *Server) endpoint(path string) string { return s.issuer + path }

// maxFormBytes bounds request bodies of every endpoint.
const maxFormBytes = 64 << 10

// parseForm reads a bounded application/x-www-form-urlencoded body.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errors.New("request body too large")
		}
		return errors.New("malformed form body")
	}
	return nil
}

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxFormBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errors.New("request body too large")
		}
		return nil, errors.New("could not read the request body")
	}
	return b, nil
}
