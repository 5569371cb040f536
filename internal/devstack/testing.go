package devstack

import (
	"context"
	"net"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/workos-mcp/workos-mcp/internal/openapi/openapitest"
	"github.com/workos-mcp/workos-mcp/workspace"
)

// TestLimits are the per-person limits Start uses unless told otherwise: high enough that no
// test that is not about limits meets them.
var TestLimits = workspace.Limits{PerSecond: 1e6, Burst: 1e6}

// DefaultTestApprover is the person Start approves sign-ins as when Options.AutoApprove is empty.
const DefaultTestApprover = "admin@example.com"

// Start runs the whole stack on an httptest server at 127.0.0.1 (in memory unless
// Options.DataDir is set), waits until it is ready, and closes it when the test ends. Unless
// Options.AutoApprove is set to "-" (sign-in pages), sign-ins are approved automatically, so that
// AccessToken works for any person of the demo team. Unless Options.Limits is set, the per-person
// rate limits are lifted (TestLimits): tests sweep operations faster than a person would.
func Start(tb testing.TB, opts Options) *Stack {
	tb.Helper()
	// Every response of the emulator, called over the network or in-process by the stack's own
	// components, must conform to the WorkOS OpenAPI spec (a missing spec fails under CI=true).
	// Set up first, so that its cleanup runs last and reports from the shutdown still count.
	validate := openapitest.Middleware(tb)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("devstack: listen: %v", err)
	}
	opts.Addr = ln.Addr().String()
	if opts.BaseURL == "" {
		opts.BaseURL = "http://" + opts.Addr
	}
	if opts.Limits == nil {
		opts.Limits = &TestLimits
	}
	switch opts.AutoApprove {
	case "":
		opts.AutoApprove = DefaultTestApprover
	case "-":
		opts.AutoApprove = ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := New(ctx, opts)
	if err != nil {
		ln.Close()
		tb.Fatalf("devstack: %v", err)
	}
	s.emu.Wrap(validate)
	srv := httptest.NewUnstartedServer(s.Handler())
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	tb.Cleanup(func() {
		srv.Close()
		s.Close()
	})
	if err := s.Ready(ctx); err != nil {
		tb.Fatalf("devstack: not ready: %v", err)
	}
	return s
}

// AccessToken returns an access token for email (a person of the demo team, e.g.
// "member@example.com"), obtained through the real code flow with auto-approve.
func (s *Stack) AccessToken(tb testing.TB, email string, opts ...TokenOption) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tok, err := s.Token(ctx, email, opts...)
	if err != nil {
		tb.Fatalf("devstack: access token for %s: %v", email, err)
	}
	return tok.AccessToken
}

// DemoPeople are the demo team's people by role, as seeded by the emulator (their password is
// emulator.DemoPassword).
var DemoPeople = map[string]string{
	"admin":          "admin@example.com",
	"member":         "member@example.com",
	"member-sandbox": "member-sandbox@example.com",
	"support":        "support@example.com",
	"support-viewer": "support-viewer@example.com",
}
