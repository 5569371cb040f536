package authkit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/workos-mcp/workos-mcp/internal/memo"
	"github.com/workos-mcp/workos-mcp/workos"
)

// AuthKit is a configured resource server: verifier, key cache, metadata
// and middleware. It is safe for concurrent use; call Close when done.
type AuthKit struct {
	cfg         Config
	issuerURL   *url.URL
	resourceURL *url.URL
	audiences   map[string]struct{} // canonical forms
	prmURL      string
	prmJSON     []byte
	challenge   string // the resource_metadata (and scope) part of every challenge
	required    []string

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	keys   keyCache
	meta   metadataCache
	tokens tokenCache
	users  *memo.Cache[string, *workos.User]
	now    func() time.Time // the user cache's clock; tests move it

	methods    map[string]jwt.SigningMethod // the allow-list
	validator  *jwt.Validator
	lastHeader atomic.Pointer[parsedHeader]

	sdkBind func(http.Handler) http.Handler
	api     apiClient
}

// New validates cfg and returns an AuthKit. It does no I/O: metadata and
// keys are fetched on first use (or by Ready) and refreshed in the
// background until Close.
func New(cfg Config) (*AuthKit, error) {
	if err := cfg.withDefaults(); err != nil {
		return nil, err
	}
	iu, _ := parseIssuer(cfg.Issuer)
	ru, _ := url.Parse(cfg.ResourceURL)
	a := &AuthKit{
		cfg:         cfg,
		issuerURL:   iu,
		resourceURL: ru,
		audiences:   map[string]struct{}{canonicalURI(cfg.ResourceURL): {}},
		prmURL:      prmLocation(ru),
		required:    cfg.RequiredScopes,
	}
	for _, aud := range cfg.Audiences {
		if aud != "" {
			a.audiences[canonicalURI(aud)] = struct{}{}
		}
	}
	if cfg.ClientID != "" {
		a.audiences[cfg.ClientID] = struct{}{}
	}
	prm := protectedResourceMetadata{
		Resource:               cfg.ResourceURL,
		AuthorizationServers:   []string{cfg.Issuer},
		BearerMethodsSupported: []string{"header"},
		ScopesSupported:        cfg.ScopesSupported,
		ResourceDocumentation:  cfg.DocsURL,
	}
	var err error
	if a.prmJSON, err = json.Marshal(prm); err != nil {
		return nil, fmt.Errorf("authkit: encode metadata: %w", err)
	}
	a.challenge = "resource_metadata=" + quote(a.prmURL)
	if len(cfg.RequiredScopes) > 0 {
		a.challenge += ", scope=" + quote(strings.Join(cfg.RequiredScopes, " "))
	}
	a.methods = map[string]jwt.SigningMethod{}
	for _, alg := range cfg.Algorithms {
		a.methods[alg] = jwt.GetSigningMethod(alg)
	}
	a.validator = jwt.NewValidator(
		jwt.WithLeeway(cfg.Leeway),
		jwt.WithIssuer(cfg.Issuer),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
	)
	a.keys.a = a
	a.tokens.init(cfg.TokenCacheSize)
	a.now = time.Now
	a.users = memo.New[string, *workos.User](memo.Options{TTL: cfg.UserCacheTTL, Now: func() time.Time { return a.now() }})
	a.ctx, a.cancel = context.WithCancel(context.Background())
	a.sdkBind = bindTokenInfo(cfg.Leeway, a.prmURL)
	a.initAPI()
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		a.keys.refreshLoop()
	}()
	return a, nil
}

// Config returns the effective configuration (defaults applied).
func (a *AuthKit) Config() Config { return a.cfg }

// Close stops background refreshes and aborts fetches in flight.
func (a *AuthKit) Close() {
	a.cancel()
	a.wg.Wait()
}

// Ready fetches the authorization server metadata and the JWKS if they are
// not loaded yet, and reports whether both are available.
func (a *AuthKit) Ready(ctx context.Context) error {
	if _, err := a.metadata(ctx); err != nil {
		return fmt.Errorf("authkit: authorization server metadata: %w", err)
	}
	a.keys.mu.RLock()
	loaded := a.keys.loaded
	a.keys.mu.RUnlock()
	if loaded {
		return nil
	}
	if err := a.keys.fetch(ctx, true); err != nil {
		return fmt.Errorf("authkit: jwks: %w", err)
	}
	return nil
}

// ErrNoSession is returned by User and Client outside an authenticated
// request (no Session in the context).
var ErrNoSession = errors.New("authkit: no authenticated session in context (call from a handler behind Middleware)")

// ErrNoAPIKey is returned by User, Client and LoginHandler when Config.APIKey is empty.
var ErrNoAPIKey = errors.New("authkit: Config.APIKey (WORKOS_API_KEY) is required for WorkOS API calls")

func quote(s string) string {
	// RFC 7230 quoted-string; our values never hold control characters.
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, `"`, `\"`)
	return `"` + s + `"`
}
