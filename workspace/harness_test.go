package workspace

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/workos-mcp/workos-mcp/authkit"
)

const (
	teamOrg     = "org_team"
	sandboxKey  = "sk_test_fake_sandbox"
	prodKey     = "sk_live_fake_production"
	teamAuditKy = "sk_test_fake_team"
)

// harness runs the server behind a real HTTP listener and talks to it with the go-sdk client.
// Sessions come from a test header: authkit's own middleware is exercised by e2e_test.go.
type harness struct {
	t        testing.TB
	api      *fakeAPI
	srv      *Server
	url      string
	sessions map[string]*authkit.Session
}

func newHarness(t testing.TB, mod func(*Config)) *harness {
	t.Helper()
	api := newFakeAPI(t, sandboxKey, prodKey, teamAuditKy)
	cfg := Config{
		Teams: []Team{{
			OrganizationID: teamOrg, Name: "Test team",
			Environments: []Environment{
				{Name: "sandbox", Kind: KindSandbox, APIKey: sandboxKey, BaseURL: api.srv.URL},
				{Name: "production", Kind: KindProduction, APIKey: prodKey, BaseURL: api.srv.URL},
			},
			SignIn: &SignInEnvironment{APIKey: teamAuditKy, BaseURL: api.srv.URL, OrganizationID: teamOrg},
			// These tests drive the token mechanism itself; the person's approval on the console
			// (the default) is tested through the dev stack (approval_e2e_test.go).
			Confirmation: ConfirmAgent,
			// Tests sweep operations faster than a person; limits_test.go sets its own.
			Limits: Limits{PerSecond: 1e6, Burst: 1e6},
		}},
		ConsoleURL: "http://console.test/console",
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if mod != nil {
		mod(&cfg)
	}
	// Each team's organization lives in its sign-in environment, as in WorkOS: that is how the
	// server tells the sign-in environment apart from the managed ones.
	for _, t := range cfg.Teams {
		if t.SignIn != nil && api.envs[t.SignIn.APIKey] != nil {
			api.envs[t.SignIn.APIKey].orgs[t.OrganizationID] = map[string]any{"object": "organization", "id": t.OrganizationID, "name": t.Name, "domains": []any{}}
		}
	}
	srv, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, api: api, srv: srv, sessions: map[string]*authkit.Session{}}
	for _, role := range []string{"admin", "member", "member-sandbox", "support", "support-viewer", "intern"} {
		h.sessions[role] = &authkit.Session{UserID: "user_" + role, OrganizationID: teamOrg, Role: role}
	}
	h.sessions["lookup"] = &authkit.Session{UserID: "user_lookup", OrganizationID: teamOrg}
	h.sessions["stranger"] = &authkit.Session{UserID: "user_x", OrganizationID: "org_other", Role: "admin"}
	srv.sessionOf = func(_ context.Context, req *mcp.CallToolRequest) (*authkit.Session, bool) {
		s, ok := h.sessions[req.Extra.Header.Get("X-Test-User")]
		return s, ok
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	h.url = hs.URL
	return h
}

type userHeader struct {
	user string
	next http.RoundTripper
}

func (u userHeader) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Test-User", u.user)
	return u.next.RoundTrip(r)
}

// connect opens a client session as the given user; elicit, if non-nil, answers elicitations.
func (h *harness) connect(user string, elicit func(context.Context, *mcp.ElicitRequest) (*mcp.ElicitResult, error)) *mcp.ClientSession {
	h.t.Helper()
	opts := &mcp.ClientOptions{ElicitationHandler: elicit}
	client := mcp.NewClient(&mcp.Implementation{Name: "workspace-test", Version: "1"}, opts)
	tr := &mcp.StreamableClientTransport{Endpoint: h.url, HTTPClient: &http.Client{Transport: userHeader{user, http.DefaultTransport}}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cs, err := client.Connect(ctx, tr, nil)
	if err != nil {
		h.t.Fatalf("connect as %s: %v", user, err)
	}
	h.t.Cleanup(func() { cs.Close() })
	return cs
}

// call runs a tool and returns the result's text, parsed JSON (if any) and error flag.
func call(t *testing.T, cs *mcp.ClientSession, tool string, args map[string]any) (string, map[string]any, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Fatalf("call %s: %v", tool, err)
	}
	var text strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			text.WriteString(tc.Text)
		}
	}
	var m map[string]any
	_ = json.Unmarshal([]byte(text.String()), &m)
	return text.String(), m, res.IsError
}

// mustOK fails unless the call succeeded.
func mustOK(t *testing.T, cs *mcp.ClientSession, tool string, args map[string]any) map[string]any {
	t.Helper()
	text, m, isErr := call(t, cs, tool, args)
	if isErr {
		t.Fatalf("%s %v: unexpected error: %s", tool, args, text)
	}
	return m
}

// mustFail fails unless the call is a tool error containing want.
func mustFail(t *testing.T, cs *mcp.ClientSession, tool string, args map[string]any, want string) string {
	t.Helper()
	text, _, isErr := call(t, cs, tool, args)
	if !isErr {
		t.Fatalf("%s %v: want error containing %q, got success: %s", tool, args, want, text)
	}
	if !strings.Contains(text, want) {
		t.Fatalf("%s %v: error %q does not contain %q", tool, args, text, want)
	}
	return text
}
