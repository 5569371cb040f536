package workspace

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/workos-mcp/workos-mcp/authkit"
	"github.com/workos-mcp/workos-mcp/internal/mcptest"
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
	srv.sessionOf = func(_ context.Context, extra *mcp.RequestExtra) (*authkit.Session, bool) {
		if extra == nil {
			return nil, false
		}
		s, ok := h.sessions[extra.Header.Get("X-Test-User")]
		return s, ok
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	h.url = hs.URL
	return h
}

// connect opens a client session as the given user (a key of h.sessions); elicit, if non-nil,
// answers elicitations.
func (h *harness) connect(user string, elicit mcptest.Elicit) *mcp.ClientSession {
	h.t.Helper()
	return mcptest.Connect(h.t, h.url, http.Header{"X-Test-User": {user}}, elicit)
}
