// Package devstacktest starts the whole product (internal/devstack) in tests: on an httptest
// server at 127.0.0.1, with the emulator's answers checked against the WorkOS OpenAPI spec,
// sign-ins approved automatically and the per-person limits lifted. It lives apart from
// devstack so that `testing`, `net/http/httptest` and the spec checker are never linked into
// the workos-mcp binary (cmd/workos-mcp's TestBinaryLinksNoTestPackages keeps it so).
package devstacktest

import (
	"context"
	"net"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/workos-mcp/workos-mcp/internal/devstack"
	"github.com/workos-mcp/workos-mcp/internal/openapi/openapitest"
)

// DefaultApprover is the person Start approves sign-ins as when Options.AutoApprove is empty.
const DefaultApprover = "admin@example.com"

// DemoPeople are the demo team's people by role, as seeded by the emulator (their password is
// emulator.DemoPassword).
var DemoPeople = map[string]string{
	"admin":          "admin@example.com",
	"member":         "member@example.com",
	"member-sandbox": "member-sandbox@example.com",
	"support":        "support@example.com",
	"support-viewer": "support-viewer@example.com",
}

// Start runs the whole stack on an httptest server at 127.0.0.1 (in memory unless
// Options.DataDir is set), waits until it is ready, and closes it when the test ends. Unless
// Options.AutoApprove is set to "-" (sign-in pages), sign-ins are approved automatically as
// DefaultApprover, so that AccessToken works for any person of the demo team. Unless
// Options.Limits is set, the per-person rate limits are lifted (devstack.Unlimited): tests sweep
// operations faster than a person would.
func Start(tb testing.TB, opts devstack.Options) *devstack.Stack {
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
		opts.Limits = &devstack.Unlimited
	}
	switch opts.AutoApprove {
	case "":
		opts.AutoApprove = DefaultApprover
	case "-":
		opts.AutoApprove = ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := devstack.New(ctx, opts)
	if err != nil {
		ln.Close()
		tb.Fatalf("devstack: %v", err)
	}
	s.Emulator().Wrap(validate)
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
// "member@example.com"), obtained from s through the real code flow with auto-approve; it fails
// the test when there is none.
func AccessToken(tb testing.TB, s *devstack.Stack, email string, opts ...devstack.TokenOption) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tok, err := s.Token(ctx, email, opts...)
	if err != nil {
		tb.Fatalf("devstack: access token for %s: %v", email, err)
	}
	return tok.AccessToken
}
