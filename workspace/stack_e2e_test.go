package workspace_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/workos-mcp/workos-mcp/authkit"
	"github.com/workos-mcp/workos-mcp/authkit/authkittest"
	"github.com/workos-mcp/workos-mcp/emulator"
	"github.com/workos-mcp/workos-mcp/internal/devstack"
	"github.com/workos-mcp/workos-mcp/internal/devstack/devstacktest"
	"github.com/workos-mcp/workos-mcp/internal/mcptest"
	"github.com/workos-mcp/workos-mcp/internal/openapi/openapitest"
	"github.com/workos-mcp/workos-mcp/localauth"
	"github.com/workos-mcp/workos-mcp/workos"
	"github.com/workos-mcp/workos-mcp/workspace"
)

// customStack is the dev stack's wiring (emulator, authorization server, authkit, workspace
// server on one origin) with two things the dev stack does not offer: a workspace
// configuration changed by the test (admin settings, role mapping, TTLs), and a record of
// every request that reaches the WorkOS API.
//
// newLocalStack signs people in through localauth, as `workos-mcp dev` does (as); newCustomStack
// verifies tokens from a test authorization server instead, for the tokens localauth never
// issues (no role claim, a person unknown to WorkOS) (connect).
type customStack struct {
	mcpURL string
	apiURL string
	emu    *emulator.Emulator
	// upstream records every request the server sent to the WorkOS API.
	upstream *upstreamLog

	base     string              // localauth stacks: the origin (the issuer)
	clientID string              // localauth stacks: the registered client
	synth    *authkittest.Server // synthetic stacks: the token signer
	ws       *workspace.Server
}

// upstreamLog records the requests that reach the WorkOS API (the emulator).
type upstreamLog struct {
	mu   sync.Mutex
	reqs []upstreamRequest
}

type upstreamRequest struct {
	Method, URL, Authorization string
	Header                     http.Header
	Body                       string
}

func (l *upstreamLog) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		l.mu.Lock()
		l.reqs = append(l.reqs, upstreamRequest{Method: r.Method, URL: r.URL.String(), Authorization: r.Header.Get("Authorization"), Header: r.Header.Clone(), Body: string(body)})
		l.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

// since returns the requests recorded after the first n.
func (l *upstreamLog) since(n int) []upstreamRequest {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]upstreamRequest(nil), l.reqs[n:]...)
}

func (l *upstreamLog) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.reqs)
}

// demoTeam is the demo team managing the emulator's sandbox and production environments.
func demoTeam(emu *emulator.Emulator, apiURL string) workspace.Team {
	team := workspace.Team{
		OrganizationID: emulator.DemoTeamOrganizationID, Name: emulator.DemoTeamOrganizationName,
		SignIn: &workspace.SignInEnvironment{APIKey: emulator.DemoTeamAPIKey, BaseURL: apiURL, ClientID: emulator.DemoTeamClientID},
		// These stacks drive the token mechanism; the person's approval is tested in approval_e2e_test.go.
		Confirmation: workspace.ConfirmAgent,
		Limits:       devstack.Unlimited,
	}
	for _, e := range emu.Environments() {
		if e.Name != emulator.DemoTeamEnvironment {
			team.Environments = append(team.Environments, workspace.Environment{Name: e.Name, Kind: e.Kind, APIKey: e.APIKey, BaseURL: apiURL})
		}
	}
	return team
}

// newLocalStack runs the product on one origin with people signing in through localauth.
func newLocalStack(t *testing.T, mod func(*workspace.Config)) *customStack {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	apiURL := base + "/workos"
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	emu, err := emulator.New(ctx, emulator.Options{BaseURL: apiURL, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	upstream := &upstreamLog{}
	teamAPI := workos.New(workos.Options{BaseURL: apiURL, APIKey: emulator.DemoTeamAPIKey})
	as, err := localauth.New(ctx, localauth.Options{
		Issuer: base, Directory: localauth.WorkOSDirectory(teamAPI, emulator.DemoTeamClientID),
		ClientID: emulator.DemoTeamClientID, APIKey: emulator.DemoTeamAPIKey,
		DevMode: true, AutoApprove: devstacktest.DefaultApprover, Logger: quiet,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { as.Close() })
	ak, err := authkit.New(authkit.Config{Issuer: base, ResourceURL: base + "/mcp", APIKey: emulator.DemoTeamAPIKey,
		ClientID: emulator.DemoTeamClientID, APIBaseURL: apiURL, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ak.Close)
	cfg := workspace.Config{Teams: []workspace.Team{demoTeam(emu, apiURL)}, Logger: quiet}
	if mod != nil {
		mod(&cfg)
	}
	ws, err := workspace.New(cfg, ak)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/mcp", ak.Middleware(ws.Handler()))
	ak.RegisterProtectedResourceMetadata(mux)
	mux.Handle("/workos/", http.StripPrefix("/workos", upstream.wrap(openapitest.Middleware(t)(emu.Handler()))))
	mux.Handle("/workos/authkit/oauth2/complete", as.CompletionHandler())
	mux.Handle("/", as.Handler())
	srv := httptest.NewUnstartedServer(mux)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	// As serve does at start: which environment is the team's sign-in one is established before
	// any call, so that the calls under test send only their own requests.
	if _, err := ws.EstablishProtection(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ws.Close(context.Background()) })
	return &customStack{mcpURL: base + "/mcp", apiURL: apiURL, emu: emu, upstream: upstream, base: base, ws: ws}
}

// token signs a demo person (by role) in through localauth's code flow.
func (c *customStack) token(t *testing.T, role string) string {
	t.Helper()
	email, ok := devstacktest.DemoPeople[role]
	if !ok || c.base == "" {
		t.Fatalf("no demo person %q, or not a localauth stack", role)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tok, err := devstack.FetchToken(ctx, c.base, c.mcpURL, email, &c.clientID)
	if err != nil {
		t.Fatalf("sign in as %s: %v", email, err)
	}
	return tok.AccessToken
}

// as connects as the demo person with this role.
func (c *customStack) as(t *testing.T, role string) *mcp.ClientSession {
	t.Helper()
	return mcptest.Connect(t, c.mcpURL, mcptest.Bearer(c.token(t, role)), nil)
}

// newCustomStack runs the emulator, authkit (verifying tokens from a test authorization
// server) and a workspace server with the given config changes.
func newCustomStack(t *testing.T, mod func(*workspace.Config)) *customStack {
	t.Helper()
	ctx := context.Background()
	emu, err := emulator.New(ctx, emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	upstream := &upstreamLog{}
	api := httptest.NewServer(upstream.wrap(openapitest.Middleware(t)(emu.Handler())))
	t.Cleanup(api.Close)
	cfg := workspace.Config{Teams: []workspace.Team{demoTeam(emu, api.URL)}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if mod != nil {
		mod(&cfg)
	}
	synth := authkittest.NewServer(t)
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	resource := srv.URL + "/mcp"
	ak, err := authkit.New(authkit.Config{Issuer: synth.Issuer(), ResourceURL: resource, Logger: cfg.Logger})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ak.Close)
	ws, err := workspace.New(cfg, ak)
	if err != nil {
		t.Fatal(err)
	}
	h = ak.Middleware(ws.Handler())
	synth.SetDefaults(map[string]any{"aud": resource})
	t.Cleanup(func() { _ = ws.Close(context.Background()) })
	return &customStack{mcpURL: resource, synth: synth, apiURL: api.URL, emu: emu, upstream: upstream, ws: ws}
}

// connect signs a synthetic token for a person of the team with a role claim ("" for none).
func (c *customStack) connect(t *testing.T, user, role string) *mcp.ClientSession {
	t.Helper()
	claims := map[string]any{"sub": user, "org_id": emulator.DemoTeamOrganizationID}
	if role != "" {
		claims["role"] = role
	}
	return mcptest.Connect(t, c.mcpURL, mcptest.Bearer(c.synth.Token(claims)), nil)
}
