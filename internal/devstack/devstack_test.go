package devstack_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"

	"github.com/workos-mcp/workos-mcp/emulator"
	"github.com/workos-mcp/workos-mcp/internal/devstack"
	"github.com/workos-mcp/workos-mcp/internal/devstack/devstacktest"
)

// bearer adds a fixed access token to every request.
type bearer struct {
	token string
	base  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.base.RoundTrip(r)
}

func connect(t *testing.T, s *devstack.Stack, transport *mcp.StreamableClientTransport) *mcp.ClientSession {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := mcp.NewClient(&mcp.Implementation{Name: "devstack-test", Version: "1"}, nil)
	cs, err := c.Connect(ctx, transport, nil)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

func withToken(s *devstack.Stack, token string) *mcp.StreamableClientTransport {
	return &mcp.StreamableClientTransport{
		Endpoint:             s.MCPURL(),
		HTTPClient:           &http.Client{Transport: bearer{token, http.DefaultTransport}, Timeout: time.Minute},
		DisableStandaloneSSE: true,
	}
}

func text(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	if res.StructuredContent != nil {
		raw, _ := json.Marshal(res.StructuredContent)
		b.Write(raw)
	}
	return b.String()
}

func TestEveryDemoPersonSignsInAndCallsWhoami(t *testing.T) {
	s := devstacktest.Start(t, devstack.Options{})
	for role, email := range devstacktest.DemoPeople {
		t.Run(role, func(t *testing.T) {
			cs := connect(t, s, withToken(s, devstacktest.AccessToken(t, s, email)))
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			tools, err := cs.ListTools(ctx, nil)
			if err != nil || len(tools.Tools) == 0 {
				t.Fatalf("tools/list: %v (%d tools)", err, len(tools.Tools))
			}
			res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "whoami", Arguments: map[string]any{}})
			if err != nil {
				t.Fatal(err)
			}
			out := text(res)
			// Access tokens carry no email (as AuthKit's do not): the role proves who signed in.
			if res.IsError || !strings.Contains(out, `"slug":"`+role+`"`) {
				t.Fatalf("whoami for %s: %s", email, out)
			}
		})
	}

	// The calls above show in the metrics.
	resp, err := http.Get(s.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`workos_mcp_tool_duration_seconds_count{outcome="ok",tool="whoami"}`,
		`workos_mcp_http_requests_total{code="200",method="POST",route="/mcp"}`,
		`workos_mcp_jwks_fetches_total{outcome="ok"}`,
		`workos_mcp_workos_api_calls_total{method="GET",status="200"}`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestHardening(t *testing.T) {
	s := devstacktest.Start(t, devstack.Options{})
	tok := devstacktest.AccessToken(t, s, "admin@example.com")
	do := func(method, path string, hdr map[string]string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, s.URL()+path, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"ping"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		for k, v := range hdr {
			if k == "Host" {
				req.Host = v
			} else {
				req.Header.Set(k, v)
			}
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	auth := "Bearer " + tok
	if code, body := do("POST", "/mcp", map[string]string{"Authorization": auth, "Origin": "https://evil.example"}); code != 403 || !strings.Contains(body, "forbidden_origin") {
		t.Errorf("foreign Origin: %d %s", code, body)
	}
	if code, _ := do("POST", "/mcp", map[string]string{"Authorization": auth, "Host": "evil.example"}); code != 403 {
		t.Errorf("foreign Host: %d", code)
	}
	if code, body := do("POST", "/mcp", map[string]string{"Authorization": auth, "Origin": s.URL()}); code == 403 {
		t.Errorf("same origin refused: %s", body)
	}
	if code, _ := do("POST", "/mcp", nil); code != 401 {
		t.Errorf("no token: %d", code)
	}
	if code, body := do("GET", "/readyz", nil); code != 200 || !strings.Contains(body, `"status":"ready"`) {
		t.Errorf("readyz: %d %s", code, body)
	}
	// Standalone Connect's completion is localauth's, also under the emulator's prefix (where
	// WorkOS SDKs send it); without the API key it is refused, not unknown.
	if code, body := do("POST", "/workos/authkit/oauth2/complete", nil); code == 404 || code < 400 {
		t.Errorf("completion endpoint: %d %s", code, body)
	}
	if code, body := do("GET", "/workos/organizations", map[string]string{"Authorization": "Bearer sk_test_default"}); code != 200 || !strings.Contains(body, `"object":"list"`) {
		t.Errorf("emulator under /workos: %d %.200s", code, body)
	}
	if code, _ := do("GET", "/healthz", nil); code != 200 {
		t.Errorf("healthz: %d", code)
	}
	big := strings.Repeat("x", 5<<20)
	req, _ := http.NewRequest("POST", s.MCPURL(), strings.NewReader(big))
	req.Header.Set("Authorization", auth)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("5 MiB body: %d", resp.StatusCode)
	}
}

func TestDataSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s1 := devstacktest.Start(t, devstack.Options{DataDir: dir})
	tok := devstacktest.AccessToken(t, s1, "member@example.com")
	base := s1.URL()
	s1.Close()

	// A new stack on the same data and origin accepts the token the first one issued (same
	// signing keys) and still has the people.
	s2, err := devstack.New(ctx, devstack.Options{BaseURL: base, DataDir: dir, AutoApprove: devstacktest.DefaultApprover})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if _, err := s2.AuthKit().Verify(ctx, tok); err != nil {
		t.Errorf("token from before the restart: %v", err)
	}
	people, err := s2.People(ctx)
	if err != nil || len(people) < 5 {
		t.Fatalf("people: %v %v", people, err)
	}
	s2.Close()

	// Reset forgets the signing keys.
	s3, err := devstack.New(ctx, devstack.Options{BaseURL: base, DataDir: dir, Reset: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s3.Close()
	if _, err := s3.AuthKit().Verify(ctx, tok); err == nil {
		t.Error("token verified after --reset")
	}
}

func TestSignInPagesWithoutAutoApprove(t *testing.T) {
	s := devstacktest.Start(t, devstack.Options{AutoApprove: "-"})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := s.Token(ctx, "admin@example.com"); err == nil || !strings.Contains(err.Error(), "auto-approve") {
		t.Fatalf("token without auto-approve: %v", err)
	}
}

// TestGoSDKClientOAuth runs the go-sdk client's own OAuth handler against the stack: it finds
// the metadata from the 401 challenge, registers (DCR, then CIMD), and completes the code flow.
func TestGoSDKClientOAuth(t *testing.T) {
	// CIMD documents are https URLs: a TLS test server on loopback serves one, and the stack
	// trusts its certificate.
	var docURL string
	doc := http.NewServeMux()
	doc.HandleFunc("/client.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"client_id": docURL, "client_name": "go-sdk CIMD test", "redirect_uris": []string{"http://127.0.0.1:33333/callback"},
			"grant_types": []string{"authorization_code"}, "response_types": []string{"code"},
			"token_endpoint_auth_method": "none",
		})
	})
	tlsSrv := httptest.NewTLSServer(doc)
	defer tlsSrv.Close()
	docURL = tlsSrv.URL + "/client.json"
	s := devstacktest.Start(t, devstack.Options{CIMDHTTPClient: tlsSrv.Client()})
	fetcher := func(ctx context.Context, args *auth.AuthorizationArgs) (*auth.AuthorizationResult, error) {
		hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, args.URL, nil)
		resp, err := hc.Do(req)
		if err != nil {
			return nil, err
		}
		resp.Body.Close()
		loc, err := resp.Location()
		if err != nil {
			return nil, err
		}
		q := loc.Query()
		return &auth.AuthorizationResult{Code: q.Get("code"), State: q.Get("state"), Iss: q.Get("iss")}, nil
	}
	const redirect = "http://127.0.0.1:33333/callback"
	t.Run("dcr", func(t *testing.T) {
		h, err := auth.NewAuthorizationCodeHandler(&auth.AuthorizationCodeHandlerConfig{
			DynamicClientRegistrationConfig: &auth.DynamicClientRegistrationConfig{Metadata: &oauthex.ClientRegistrationMetadata{
				ClientName: "go-sdk test", RedirectURIs: []string{redirect},
				GrantTypes: []string{"authorization_code", "refresh_token"}, TokenEndpointAuthMethod: "none",
			}},
			RedirectURL: redirect, AuthorizationCodeFetcher: fetcher, RequestRefreshToken: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		cs := connect(t, s, &mcp.StreamableClientTransport{Endpoint: s.MCPURL(), OAuthHandler: h, DisableStandaloneSSE: true})
		res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "whoami", Arguments: map[string]any{}})
		if err != nil || res.IsError || !strings.Contains(text(res), `"slug":"admin"`) {
			t.Fatalf("whoami: %v %+v", err, res)
		}
	})
	t.Run("cimd", func(t *testing.T) {
		h, err := auth.NewAuthorizationCodeHandler(&auth.AuthorizationCodeHandlerConfig{
			ClientIDMetadataDocumentConfig: &auth.ClientIDMetadataDocumentConfig{URL: docURL},
			RedirectURL:                    redirect, AuthorizationCodeFetcher: fetcher,
		})
		if err != nil {
			t.Fatal(err)
		}
		cs := connect(t, s, &mcp.StreamableClientTransport{Endpoint: s.MCPURL(), OAuthHandler: h, DisableStandaloneSSE: true})
		res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "whoami", Arguments: map[string]any{}})
		if err != nil || res.IsError {
			t.Fatalf("whoami: %v %+v", err, res)
		}
	})
}

// TestInProcessTransport: the stack's own origin is served without the network (and without
// counting the request as an HTTP request), while another host is reached over the network.
func TestInProcessTransport(t *testing.T) {
	s := devstacktest.Start(t, devstack.Options{})
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "elsewhere")
	}))
	defer other.Close()
	hc := &http.Client{Transport: devstack.InProcess(s, 0)}
	get := func(u string) string {
		t.Helper()
		resp, err := hc.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if got := get(other.URL); got != "elsewhere" {
		t.Errorf("another host: %q", got)
	}
	if got := get(s.URL() + "/healthz"); !strings.Contains(got, `"ok"`) {
		t.Errorf("own origin: %q", got)
	}
	rec := httptest.NewRecorder()
	s.Metrics().Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if strings.Contains(rec.Body.String(), `route="/healthz"`) {
		t.Error("an in-process request went through the network (it was counted)")
	}
	// A call whose context has ended gets that error, not an answer, as over the network.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL()+"/healthz", nil)
	if resp, err := hc.Do(req); !errors.Is(err, context.Canceled) {
		if resp != nil {
			resp.Body.Close()
		}
		t.Errorf("cancelled call: %v, want context.Canceled", err)
	}
	// The transport bounds a call itself (its client has no Timeout): an emulator call held up
	// past the bound ends with a timeout, as does a slow answer from another host.
	s.Emulator().InjectFault(emulator.Fault{Method: "GET", Path: "/organizations", Latency: time.Minute})
	slow := &http.Client{Transport: devstack.InProcess(s, 200*time.Millisecond)}
	start := time.Now()
	req, _ = http.NewRequest(http.MethodGet, s.EmulatorURL()+"/organizations", nil)
	req.Header.Set("Authorization", "Bearer "+emulator.DemoSandboxAPIKey)
	if resp, err := slow.Do(req); !errors.Is(err, context.DeadlineExceeded) {
		if resp != nil {
			resp.Body.Close()
		}
		t.Errorf("held-up call: %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("held-up call returned after %s", d)
	}
	stall := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer stall.Close()
	resp, err := slow.Get(stall.URL)
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("reading a stalled body from another host: %v, want context.DeadlineExceeded", err)
	}
}

// TestHostCheckBehindATunnel: a stack listening on loopback behind a tunnel (its public origin
// is the tunnel's) still refuses a foreign Host, and accepts the tunnel's and loopback names.
func TestHostCheckBehindATunnel(t *testing.T) {
	s := devstacktest.Start(t, devstack.Options{BaseURL: "https://tunnel.example.net"})
	addr := strings.TrimPrefix(devstack.Addr(s), "http://")
	for host, want := range map[string]int{
		"tunnel.example.net": 200,
		addr:                 200,
		"localhost":          200,
		"evil.example":       403,
	} {
		req, _ := http.NewRequest("GET", "http://"+addr+"/healthz", nil)
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("Host %s: %d, want %d", host, resp.StatusCode, want)
		}
	}
	if s.MCPURL() != "https://tunnel.example.net/mcp" {
		t.Errorf("MCP URL %s", s.MCPURL())
	}
}
