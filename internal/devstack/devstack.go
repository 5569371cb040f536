// Package devstack wires the whole product on one origin: the WorkOS API emulator under
// /workos, the AuthKit-compatible authorization server (localauth) at the root, and the
// workspace MCP server at /mcp behind authkit — plus /healthz, /readyz and /metrics. It is what
// `workos-mcp dev` serves, and what tests start with devstacktest.Start to drive the real code
// paths (a package of its own, so that the binary links no test code).
//
// The layout is described in docs/design.md ("The embedded default").
package devstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/workos-mcp/workos-mcp/authkit"
	"github.com/workos-mcp/workos-mcp/console"
	"github.com/workos-mcp/workos-mcp/emulator"
	"github.com/workos-mcp/workos-mcp/internal/server"
	"github.com/workos-mcp/workos-mcp/internal/telemetry"
	"github.com/workos-mcp/workos-mcp/localauth"
	"github.com/workos-mcp/workos-mcp/workos"
	"github.com/workos-mcp/workos-mcp/workspace"
)

// DefaultAddr is where `workos-mcp dev` listens.
const DefaultAddr = "127.0.0.1:8080"

// Unlimited are per-person limits so high that nothing meets them: `workos-mcp dev
// --person-limit 0` (load tests) and tests that are not about limits.
var Unlimited = workspace.Limits{PerSecond: 1e6, Burst: 1e6}

// EmulatorPath is where the stack mounts the WorkOS API emulator on its origin.
const EmulatorPath = "/workos"

// Options configure a Stack. The zero value is an in-memory stack for DefaultAddr.
type Options struct {
	// Addr is the listen address; it gives BaseURL when that is empty. Default DefaultAddr.
	Addr string
	// BaseURL is the public origin (scheme://host:port, no path): the issuer, the resource URL's
	// origin, the emulator's base URL prefix. Default "http://" + Addr.
	BaseURL string
	// DataDir holds the emulator's and the authorization server's SQLite databases; "" keeps
	// everything in memory.
	DataDir string
	// Reset wipes DataDir's databases and seeds the emulator again.
	Reset bool
	// AutoApprove approves every sign-in as this person (an email of the demo team); a token
	// request's login_hint picks another person. Empty shows the sign-in pages.
	AutoApprove string
	// Seed replaces the emulator's default seed.
	Seed *emulator.Seed
	// AllowedOrigins are browser origins, besides the stack's own, that may call /mcp.
	AllowedOrigins []string
	// AllowedHosts are Host names accepted besides loopback ones and BaseURL's host when the
	// stack is served on a loopback address (DNS-rebinding protection).
	AllowedHosts []string
	// MaxBodyBytes bounds request bodies; default telemetry.DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// AccessTokenTTL is the lifetime of access tokens; default localauth's.
	AccessTokenTTL time.Duration
	// ConfirmationKey seals confirmation tokens (32 bytes); empty means a random key per process.
	ConfirmationKey []byte
	// CIMDHTTPClient fetches Client ID Metadata Documents (its Transport's TLS settings are
	// kept); nil uses the system's roots. Tests serving documents over httptest TLS set it.
	CIMDHTTPClient *http.Client
	// RateLimit is the emulator's rate limit per API key; zero means none. `workos-mcp dev`
	// sets emulator.WorkOSRateLimit unless told otherwise.
	RateLimit emulator.RateLimit
	// Confirmation is how the demo team's destructive calls are confirmed: by the person on the
	// console (workspace.ConfirmHuman, the default) or by the agent's token (workspace.ConfirmAgent,
	// for scripts).
	Confirmation workspace.ConfirmationMode
	// SettingsTTL is how long the team's settings are cached (workspace.Config.SettingsTTL).
	SettingsTTL time.Duration
	// StrictIdempotency makes the emulator honour Idempotency-Key only where WorkOS documents
	// it (emulator.Options.StrictIdempotency).
	StrictIdempotency bool
	// Logger receives every component's logs; nil discards them.
	Logger *slog.Logger
	// Metrics receives the stack's metrics; nil creates a registry for this stack.
	Metrics *telemetry.Metrics
	// Limits replaces the demo team's per-person rate limits; nil keeps the workspace defaults.
	Limits *workspace.Limits
}

// Stack is the running product on one origin. Create it with New (or devstacktest.Start in
// tests).
type Stack struct {
	opts    Options
	base    string
	host    string // base's host[:port], which the in-process transport serves
	log     *slog.Logger
	metrics *telemetry.Metrics

	emu     *emulator.Emulator
	dir     localauth.Directory
	as      *localauth.Server
	auth    *authkit.AuthKit
	ws      *workspace.Server
	console *console.Console
	srv     *server.Server

	clientOnce sync.Once
	clientID   string
	clientErr  error

	closeOnce sync.Once
}

// New builds the stack; it does not listen. Serve Handler() on Options.Addr (or let
// devstacktest.Start do it).
func New(ctx context.Context, opts Options) (*Stack, error) {
	if opts.Addr == "" {
		opts.Addr = DefaultAddr
	}
	base := strings.TrimSuffix(opts.BaseURL, "/")
	if base == "" {
		base = "http://" + opts.Addr
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return nil, fmt.Errorf("devstack: base URL %q must be an origin such as http://127.0.0.1:8080", base)
	}
	if u.Hostname() == "" || u.Hostname() == "0.0.0.0" || u.Hostname() == "::" {
		return nil, fmt.Errorf("devstack: base URL %q: clients need a host they can reach; set the base URL explicitly", base)
	}
	log := opts.Logger
	if log == nil {
		log = telemetry.Discard()
	}
	m := opts.Metrics
	if m == nil {
		m = telemetry.NewMetrics()
	}
	s := &Stack{opts: opts, base: base, host: u.Host, log: log, metrics: m}
	ok := false
	defer func() {
		if !ok {
			s.Close()
		}
	}()

	if opts.Reset && opts.DataDir != "" {
		// The emulator re-seeds itself on Reset; the authorization server's clients, grants and
		// keys go with the data they were issued against.
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Remove(filepath.Join(opts.DataDir, "localauth.db"+suffix)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("devstack: reset: %w", err)
			}
		}
	}

	s.emu, err = emulator.New(ctx, emulator.Options{
		DataDir: opts.DataDir, Seed: opts.Seed, Reset: opts.Reset,
		BaseURL: base + EmulatorPath, Logger: log.With("component", "emulator"),
		StrictIdempotency: opts.StrictIdempotency, RateLimit: opts.RateLimit,
	})
	if err != nil {
		return nil, fmt.Errorf("devstack: %w", err)
	}

	// Components that call the stack's own endpoints (the directory reading the team
	// environment, authkit fetching metadata and keys) do it in-process: no listener needed, and
	// no request counted twice.
	// The transport bounds each call itself (an http.Client's Timeout costs a goroutine, a timer
	// and a channel per call with a transport it does not know).
	self := &http.Client{Transport: inProcess{s: s, timeout: inProcessTimeout}}
	team := workos.New(workos.Options{
		BaseURL: base + EmulatorPath, APIKey: emulator.DemoTeamAPIKey, HTTPClient: self,
		UserAgent: "workos-mcp-dev", OnResponse: m.WorkOSResponse,
	})
	s.dir = localauth.WorkOSDirectory(team, emulator.DemoTeamClientID)
	s.as, err = localauth.New(ctx, localauth.Options{
		Issuer:            base,
		DataDir:           opts.DataDir,
		Directory:         s.dir,
		ClientID:          emulator.DemoTeamClientID,
		APIKey:            emulator.DemoTeamAPIKey,
		DevMode:           true,
		AutoApprove:       opts.AutoApprove,
		AccessTokenTTL:    opts.AccessTokenTTL,
		AllowLoopbackCIMD: true,
		HTTPClient:        opts.CIMDHTTPClient,
		Logger:            log.With("component", "localauth"),
	})
	if err != nil {
		return nil, fmt.Errorf("devstack: %w", err)
	}

	s.auth, err = authkit.New(authkit.Config{
		Issuer:      base,
		ResourceURL: base + server.MCPPath,
		APIKey:      emulator.DemoTeamAPIKey,
		ClientID:    emulator.DemoTeamClientID,
		APIBaseURL:  base + EmulatorPath,
		HTTPClient:  self,
		Hooks:       authkit.Hooks{AuthFailure: m.AuthFailure, JWKSFetch: m.JWKSFetch, WorkOSResponse: m.WorkOSResponse},
		Logger:      log.With("component", "authkit"),
	})
	if err != nil {
		return nil, fmt.Errorf("devstack: %w", err)
	}

	// The workspace reaches the emulator in-process too: its calls then survive the listener
	// closing during a graceful shutdown (an in-flight tool call drains), and each is counted
	// once, as a WorkOS API call.
	demo := s.demoTeam()
	if opts.Limits != nil {
		demo.Limits = *opts.Limits
	}
	// Team audit events the emulator did not accept wait in the data directory, if any.
	var records workspace.RecordQueue
	if opts.DataDir != "" {
		if records, err = workspace.OpenFileRecordQueue(filepath.Join(opts.DataDir, "records")); err != nil {
			return nil, fmt.Errorf("devstack: %w", err)
		}
	}
	s.ws, err = workspace.New(workspace.Config{
		Teams:           []workspace.Team{demo},
		HTTPClient:      self,
		ConfirmationKey: opts.ConfirmationKey,
		ConsoleURL:      base + console.Path,
		SettingsTTL:     opts.SettingsTTL,
		Hooks:           m.WorkspaceHooks(),
		Logger:          log.With("component", "workspace"),
		RecordQueue:     records,
	}, s.auth)
	if err != nil {
		return nil, fmt.Errorf("devstack: %w", err)
	}
	// The console signs people in through the stack's own authorization server, in-process.
	s.console, err = console.New(console.Config{
		Workspace: s.ws, AuthKit: s.auth, Issuer: base, PublicURL: base, ResourceURL: base + server.MCPPath,
		Key: opts.ConfirmationKey, HTTPClient: self, Logger: log.With("component", "console"),
	})
	if err != nil {
		return nil, fmt.Errorf("devstack: %w", err)
	}

	if err := s.routes(); err != nil {
		return nil, fmt.Errorf("devstack: %w", err)
	}
	// Establish now, through the in-process emulator, which environment is the team's sign-in
	// one (the emulator's team environment, never managed): the first write then has nothing to
	// wait for, and a broken stack fails here rather than at a person's call.
	if _, err := s.ws.EstablishProtection(ctx); err != nil {
		return nil, fmt.Errorf("devstack: %w", err)
	}
	ok = true
	return s, nil
}

// demoTeam is the emulator's demo team managing the sandbox and production environments.
func (s *Stack) demoTeam() workspace.Team {
	t := workspace.Team{
		OrganizationID: emulator.DemoTeamOrganizationID,
		Name:           emulator.DemoTeamOrganizationName,
		Confirmation:   s.opts.Confirmation,
		// The emulator's team environment is where people sign in: never managed, never
		// writable (the server also establishes that by observation).
		SignIn: &workspace.SignInEnvironment{
			APIKey: emulator.DemoTeamAPIKey, BaseURL: s.base + EmulatorPath,
			ClientID: emulator.DemoTeamClientID,
		},
	}
	for _, e := range s.emu.Environments() {
		if e.Name == emulator.DemoTeamEnvironment {
			continue
		}
		t.Environments = append(t.Environments, workspace.Environment{
			Name: e.Name, Kind: e.Kind, APIKey: e.APIKey, BaseURL: s.base + EmulatorPath,
		})
	}
	return t
}

// routes assembles the stack's handler with the server constructor: the product's routes, plus
// the emulator under EmulatorPath and the authorization server at the root.
func (s *Stack) routes() error {
	srv, err := server.New(server.Config{
		PublicURL: s.base, Listen: s.opts.Addr,
		AllowedOrigins: s.opts.AllowedOrigins, AllowedHosts: s.opts.AllowedHosts, MaxBodyBytes: s.opts.MaxBodyBytes,
		AuthKit: s.auth, Workspace: s.ws, Console: s.console, Metrics: s.metrics, Logger: s.log,
		Readiness:           s.ReadinessChecks(),
		AuthorizationServer: s.as.Handler(),
		Routes: map[string]http.Handler{
			EmulatorPath + "/":                        http.StripPrefix(EmulatorPath, s.emu.Handler()),
			EmulatorPath + "/authkit/oauth2/complete": s.as.CompletionHandler(),
		},
	})
	if err != nil {
		return err
	}
	s.srv = srv
	return nil
}

// ReadinessChecks are what /readyz checks: the authorization server's metadata and keys as the
// resource server sees them, the authorization server's storage, the emulator's storage.
func (s *Stack) ReadinessChecks() []telemetry.Check {
	return []telemetry.Check{
		{Name: "authkit", Fn: s.auth.Ready},
		{Name: "authorization_server", Fn: s.as.Ready},
		{Name: "emulator", Fn: s.emu.Ping},
	}
}

// Handler serves the whole stack.
func (s *Stack) Handler() http.Handler { return s.srv.Handler() }

// URL is the stack's origin (the issuer), without a trailing slash.
func (s *Stack) URL() string { return s.base }

// MCPURL is the MCP endpoint (the resource URL).
func (s *Stack) MCPURL() string { return s.base + server.MCPPath }

// EmulatorURL is the base URL of the WorkOS API emulator.
func (s *Stack) EmulatorURL() string { return s.base + EmulatorPath }

// Emulator is the stack's WorkOS API emulator (fault injection, environments).
func (s *Stack) Emulator() *emulator.Emulator { return s.emu }

// AuthorizationServer is the stack's localauth server (key rotation).
func (s *Stack) AuthorizationServer() *localauth.Server { return s.as }

// AuthKit is the resource server in front of /mcp.
func (s *Stack) AuthKit() *authkit.AuthKit { return s.auth }

// Metrics is the stack's metrics registry.
func (s *Stack) Metrics() *telemetry.Metrics { return s.metrics }

// Person is one person of the demo team and their role in it.
type Person struct{ Email, Name, Role string }

// People lists the demo team's people and their roles, as the sign-in page shows them.
func (s *Stack) People(ctx context.Context) ([]Person, error) {
	people, err := s.dir.People(ctx)
	if err != nil {
		return nil, err
	}
	var out []Person
	for _, p := range people {
		role := ""
		ms, err := s.dir.Memberships(ctx, p.ID)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			if m.OrganizationID == emulator.DemoTeamOrganizationID || role == "" {
				role = m.Role
			}
		}
		out = append(out, Person{Email: p.Email, Name: strings.TrimSpace(p.FirstName + " " + p.LastName), Role: role})
	}
	return out, nil
}

// Ready waits until every readiness check passes or ctx ends.
func (s *Stack) Ready(ctx context.Context) error {
	for {
		var errs []error
		for _, c := range s.ReadinessChecks() {
			if err := c.Fn(ctx); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", c.Name, err))
			}
		}
		if len(errs) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return errors.Join(append(errs, ctx.Err())...)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// recordsCloseLimit bounds how long Close waits for the workspace's queued records.
const recordsCloseLimit = 10 * time.Second

// Close releases every component, delivering the workspace's queued records first. It is safe
// to call more than once.
func (s *Stack) Close() error {
	var errs []error
	s.closeOnce.Do(func() {
		if s.ws != nil {
			// Records go to the emulator: delivered before it closes.
			ctx, cancel := context.WithTimeout(context.Background(), recordsCloseLimit)
			errs = append(errs, s.ws.Close(ctx))
			cancel()
		}
		if s.auth != nil {
			s.auth.Close()
		}
		if s.as != nil {
			errs = append(errs, s.as.Close())
		}
		if s.emu != nil {
			errs = append(errs, s.emu.Close())
		}
	})
	return errors.Join(errs...)
}

// inProcess is an http.RoundTripper that serves requests for the stack's own origin with the
// stack's router directly; requests for any other host go over the network. Each call is bounded
// by timeout, as an http.Client's Timeout would bound it: its context ends then, and a response
// from the network must be read by then.
type inProcess struct {
	s       *Stack
	timeout time.Duration
}

// inProcessTimeout bounds one call of the stack's own clients (the workspace's, authkit's and the
// console's WorkOS calls).
const inProcessTimeout = 30 * time.Second

// cancelBody ends a call's context once its body is closed.
type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// RoundTrip serves r with the stack's router, without the network. The router runs on the
// caller's goroutine: a fresh goroutine per call would grow its stack anew for every emulator
// request (SQLite runs deep): dev's CPU per query was about 10 % higher (927–939 against
// 1 040 µs at c=1, `go run ./bench -c 1 -only 'dev alone|direct'`, alternated). Handlers see r's
// context, so a cancelled call stops them as it would over the network; the contract is that
// every handler of the stack returns once its context ends (all of them do: the emulator's
// faults and transactions, localauth's locks and fetches). One that did not would hold its
// caller past the transport's bound, where a goroutine would have let the caller go.
func (t inProcess) RoundTrip(r *http.Request) (resp *http.Response, err error) {
	ctx, cancel := context.WithTimeout(r.Context(), t.timeout)
	if !strings.EqualFold(r.URL.Host, t.s.host) {
		resp, err := http.DefaultTransport.RoundTrip(r.WithContext(ctx))
		if err != nil {
			cancel()
			return nil, err
		}
		resp.Body = cancelBody{resp.Body, cancel}
		return resp, nil
	}
	defer cancel() // the whole answer is recorded by the time the router returns
	if t.s.srv == nil {
		return nil, errors.New("devstack: the stack's routes are not assembled yet")
	}
	rec := newRecorder()
	func() {
		defer func() {
			if p := recover(); p != nil {
				rec.WriteHeader(http.StatusInternalServerError)
			}
		}()
		r2 := r.Clone(ctx)
		if r2.Body == nil {
			r2.Body = http.NoBody
		}
		r2.RemoteAddr = "127.0.0.1:0"
		r2.RequestURI = r.URL.RequestURI()
		r2.Host = r.URL.Host
		t.s.srv.Routes().ServeHTTP(rec, r2)
	}()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return recorded(rec, r), nil
}

// Listen opens a TCP listener on addr, saying clearly when the port is taken.
func Listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w (is another workos-mcp running? use --addr)", addr, err)
	}
	return ln, nil
}
