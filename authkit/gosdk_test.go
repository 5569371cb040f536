package authkit_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/workos-mcp/workos-mcp/authkit"
	"github.com/workos-mcp/workos-mcp/authkit/authkittest"
	"github.com/workos-mcp/workos-mcp/mcpfast"
)

type bearerRT struct{ token string }

func (b bearerRT) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

// seen is what a tool handler saw of the person calling it.
type seen struct {
	tool, userID, scopes, sessionUser, ctxUser, email string
	exp                                               time.Time
}

// observe is a tool that sends what it saw to got: the TokenInfo, the Session in it and in the
// context, and (with kit) the person's email through kit.User.
func observe(got chan<- seen, tool string, kit *authkit.AuthKit) func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, any, error) {
	return func(ctx context.Context, req *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, any, error) {
		s := seen{tool: tool}
		if ti := req.Extra.TokenInfo; ti != nil {
			s.userID, s.scopes, s.exp = ti.UserID, strings.Join(ti.Scopes, " "), ti.Expiration
			if sess, ok := authkit.SessionFromTokenInfo(ti); ok {
				s.sessionUser = sess.UserID
			}
		}
		if sess, ok := authkit.SessionFromContext(ctx); ok {
			s.ctxUser = sess.UserID
		}
		if kit != nil {
			if u, err := kit.User(ctx); err == nil {
				s.email = u.Email
			}
		}
		got <- s
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "ok"}}}, nil, nil
	}
}

// The go-sdk adapter: a go-sdk tool handler behind Middleware sees the
// TokenInfo (UserID = sub, scopes, expiry, the Session in Extra) and the
// Session in its context, so User and Client work there; the SDK binds a
// stateful session to the user, so another person's token cannot use it.
func TestGoSDKToolHandlerSeesTokenInfo(t *testing.T) {
	as := newIssuer(t)
	api := authkittest.NewAPI(t, testAPIKey)
	api.AddUser(map[string]any{"id": "user_A", "email": "a@example.com"})
	kit := newKit(t, as, func(c *authkit.Config) { c.APIKey = testAPIKey; c.APIBaseURL = api.URL() })

	got := make(chan seen, 1)
	server := mcp.NewServer(&mcp.Implementation{Name: "t", Version: "1"}, nil)
	mcp.AddTool(server, &mcp.Tool{Name: "whoami"}, observe(got, "whoami", kit))
	srv := httptest.NewServer(kit.Middleware(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server }, nil)))
	t.Cleanup(srv.Close)

	exp := time.Now().Add(time.Hour).Truncate(time.Second)
	tokA := as.Token(map[string]any{"sub": "user_A", "scope": "openid email", "exp": exp.Unix()})
	c := mcp.NewClient(&mcp.Implementation{Name: "c", Version: "1"}, nil)
	cs, err := c.Connect(t.Context(), &mcp.StreamableClientTransport{Endpoint: srv.URL,
		HTTPClient: &http.Client{Transport: bearerRT{tokA}, Timeout: 60 * time.Second}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	if _, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "whoami", Arguments: map[string]any{}}); err != nil {
		t.Fatal(err)
	}
	s := <-got
	if s.userID != "user_A" || s.scopes != "openid email" || !s.exp.Equal(exp) || s.sessionUser != "user_A" ||
		s.ctxUser != "user_A" || s.email != "a@example.com" {
		t.Errorf("tool handler saw %+v", s)
	}

	// Another person's valid token cannot ride user_A's MCP session.
	tokB := as.Token(map[string]any{"sub": "user_B"})
	req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(`{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"whoami","arguments":{}}}`))
	req.Header.Set("Authorization", "Bearer "+tokB)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Mcp-Session-Id", cs.ID())
	req.Header.Set("Mcp-Protocol-Version", "2025-06-18")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("user_B on user_A's session: %d %s", resp.StatusCode, b)
	}
	select {
	case s := <-got:
		t.Errorf("tool ran for user_B on user_A's session: %+v", s)
	default:
	}
}

// TestMCPFastHandlerTakesTheToken: behind Middleware, an mcpfast handler gets the verified token
// handed over (no go-sdk auth middleware in between), and its tool handlers see the same
// TokenInfo and Session as go-sdk's would: on the fast path, and on the SDK's path (a tool only
// the SDK serves), including a token past its expiry but within authkit's leeway.
func TestMCPFastHandlerTakesTheToken(t *testing.T) {
	as := newIssuer(t)
	kit := newKit(t, as)
	got := make(chan seen, 1)
	fast := mcpfast.New(&mcp.Implementation{Name: "t", Version: "1"}, nil)
	mcpfast.AddTool(fast, &mcp.Tool{Name: "fast"}, observe(got, "fast", nil))
	mcp.AddTool(fast.SDK(), &mcp.Tool{Name: "sdk"}, observe(got, "sdk", nil)) // unknown to the fast path
	srv := httptest.NewServer(kit.Middleware(fast.Handler(&mcp.StreamableHTTPOptions{Stateless: true})))
	t.Cleanup(srv.Close)

	for _, tc := range []struct {
		name string
		exp  time.Time
	}{
		{"valid for an hour", time.Now().Add(time.Hour).Truncate(time.Second)},
		{"expired 10 s ago, within the leeway", time.Now().Add(-10 * time.Second).Truncate(time.Second)},
	} {
		tok := as.Token(map[string]any{"sub": "user_A", "scope": "openid email", "exp": tc.exp.Unix()})
		for _, tool := range []string{"fast", "sdk"} {
			if status, b := callTool(t, srv.URL, tok, tool); status != 200 || !strings.Contains(b, `"ok"`) {
				t.Fatalf("%s, %s: %d %s", tc.name, tool, status, b)
			}
			s := <-got
			if s.tool != tool || s.userID != "user_A" || s.scopes != "openid email" || !s.exp.Equal(tc.exp) ||
				s.sessionUser != "user_A" || s.ctxUser != "user_A" {
				t.Errorf("%s, %s: the tool saw %+v", tc.name, tool, s)
			}
		}
	}
	// A go-sdk TokenInfo bound further out (another verifier in front) is replaced by authkit's
	// on both paths, as go-sdk's own middleware in front of the handler would replace it.
	outer := auth.RequireBearerToken(func(context.Context, string, *http.Request) (*auth.TokenInfo, error) {
		return &auth.TokenInfo{UserID: "outer_user", Expiration: time.Now().Add(time.Hour)}, nil
	}, nil)
	stacked := httptest.NewServer(outer(kit.Middleware(fast.Handler(&mcp.StreamableHTTPOptions{Stateless: true}))))
	t.Cleanup(stacked.Close)
	tokA := as.Token(map[string]any{"sub": "user_A", "scope": "openid email"})
	for _, tool := range []string{"fast", "sdk"} {
		callTool(t, stacked.URL, tokA, tool)
		if s := <-got; s.userID != "user_A" || s.sessionUser != "user_A" || s.ctxUser != "user_A" {
			t.Errorf("behind another verifier, %s: the tool saw %+v", tool, s)
		}
	}
	// A token past the leeway never reaches either path.
	tok := as.Token(map[string]any{"sub": "user_A", "exp": time.Now().Add(-time.Hour).Unix()})
	if status, _ := callTool(t, srv.URL, tok, "sdk"); status != 401 {
		t.Errorf("expired token: %d", status)
	}
	select {
	case s := <-got:
		t.Errorf("a tool ran with an expired token: %+v", s)
	default:
	}
}

// callTool sends one stateless tools/call of tool (no arguments) with a bearer token, and
// returns the answer's status and body.
func callTool(t *testing.T, url, token, tool string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"`+tool+`","arguments":{}}}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Mcp-Protocol-Version", "2025-06-18")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
