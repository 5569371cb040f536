package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/workos-mcp/workos-mcp/emulator"
	"github.com/workos-mcp/workos-mcp/internal/devstack"
	"github.com/workos-mcp/workos-mcp/internal/devstack/devstacktest"
	"github.com/workos-mcp/workos-mcp/internal/logtest"
	"github.com/workos-mcp/workos-mcp/internal/mcptest"
)

// serveYAMLHead is the start of a serve configuration file against a dev stack standing in for
// AuthKit (localauth) and WorkOS (the emulator): a loopback listener, the public URL the tests
// expect, and the authkit block. The test appends its teams and the rest.
func serveYAMLHead(stack *devstack.Stack) string {
	return `
listen: 127.0.0.1:0
public_url: http://127.0.0.1:8099
authkit:
  domain: ` + stack.URL() + `
  client_id: ` + emulator.DemoTeamClientID + `
  api_base_url: ` + stack.EmulatorURL() + `
`
}

// startCommand runs a long-running command in-process until the test ends (the context is
// cancelled, as SIGTERM does), and returns its base URL once it listens.
func startCommand(t *testing.T, vars map[string]string, args ...string) (base string, stdout, stderr *logtest.Buffer, wait func() int) {
	t.Helper()
	stdout, stderr = &logtest.Buffer{}, &logtest.Buffer{}
	ready := make(chan string, 1)
	ctx, cancel := context.WithCancel(context.Background())
	e := &env{
		stdin: strings.NewReader(""), stdout: stdout, stderr: stderr, goos: "linux",
		getenv: func(k string) string { return vars[k] },
		ready:  func(u string) { ready <- u },
	}
	done := make(chan int, 1)
	go func() { done <- run(ctx, args, e) }()
	var once sync.Once
	code := 0
	wait = func() int {
		once.Do(func() {
			cancel()
			select {
			case code = <-done:
			case <-time.After(time.Minute):
				t.Errorf("%v did not stop within a minute of the signal", args)
			}
		})
		return code
	}
	t.Cleanup(func() { wait() })
	select {
	case base = <-ready:
	case code := <-done:
		t.Fatalf("%v exited with %d before listening\nstdout: %s\nstderr: %s", args, code, stdout, stderr)
	case <-time.After(2 * time.Minute):
		t.Fatalf("%v did not listen within 2 minutes", args)
	}
	return base, stdout, stderr, wait
}

func getBody(t *testing.T, u string, hdr ...string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestDevCommand(t *testing.T) {
	dir := t.TempDir()
	base, stdout, stderr, wait := startCommand(t, nil, "dev", "--addr", "127.0.0.1:0", "--data", dir, "--auto-approve", "member@example.com")
	for _, want := range []string{
		"MCP server      " + base + "/mcp",
		"claude mcp add --transport http workos " + base + "/mcp",
		"member-sandbox@example.com", "support-viewer",
		emulator.DemoPassword,
		"AUTO-APPROVE is on",
		"Data            " + dir + "\n",
		"Rate limit      100 requests/s per API key", // WorkOS's 6,000 a minute, on by default
	} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("banner lacks %q:\n%s", want, stdout)
		}
	}
	// Each person of the demo team with their role.
	for role, email := range devstacktest.DemoPeople {
		if !regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(email) + `\s+` + regexp.QuoteMeta(role) + `\s`).MatchString(stdout.String()) {
			t.Errorf("banner does not show %s with the role %s:\n%s", email, role, stdout)
		}
	}
	if code, body := getBody(t, base+"/readyz"); code != 200 {
		t.Fatalf("readyz: %d %s", code, body)
	}
	tok, err := devstack.FetchToken(context.Background(), base, base+"/mcp", "member@example.com", nil)
	if err != nil {
		t.Fatal(err)
	}
	if code, body := getBody(t, base+"/mcp", "Authorization", "Bearer "+tok.AccessToken, "Accept", "text/event-stream"); code == 401 || code == 403 {
		t.Fatalf("GET /mcp with a token: %d %s", code, body)
	}
	if code := wait(); code != exitOK {
		t.Fatalf("exit %d after the signal\n%s", code, stderr)
	}
	// JSON logs, with request IDs, and never the token.
	logs := stderr.String()
	if !strings.Contains(logs, `"request_id":"`) || !strings.Contains(logs, `"msg":"workos-mcp dev stopped"`) {
		t.Errorf("logs:\n%s", logs)
	}
	if strings.Contains(logs, tok.AccessToken) || strings.Contains(logs, tok.AccessToken[len(tok.AccessToken)-20:]) {
		t.Error("a token is in the logs")
	}
	if _, err := os.Stat(filepath.Join(dir, "emulator.db")); err != nil {
		t.Errorf("no data kept under --data: %v", err)
	}
}

// The emulator inside dev answers 429 with Retry-After past --rate-limit, as WorkOS does.
func TestDevRateLimit(t *testing.T) {
	base, _, _, _ := startCommand(t, nil, "dev", "--addr", "127.0.0.1:0", "--data", "", "--rate-limit", "0.1")
	statuses := map[int]int{}
	for range 3 { // a burst of 1 (10 times the rate, at least 1): the second request is over
		code, _ := getBody(t, base+"/workos/organizations", "Authorization", "Bearer "+emulator.DemoSandboxAPIKey)
		statuses[code]++
	}
	if statuses[200] != 1 || statuses[429] != 2 {
		t.Fatalf("statuses %v, want one 200 then 429s", statuses)
	}
}

func TestDevCommandUsage(t *testing.T) {
	for _, args := range [][]string{
		{"dev", "--log-format", "xml"},
		{"dev", "--auto-approve", "nobody"},
		{"dev", "extra"},
		{"dev", "--base-url", "not a url"},
		{"emulate", "--rate-limit", "-1"},
		{"dev", "--rate-limit", "-1"},
		{"dev", "--person-limit", "-1"},
		{"dev", "--person-limit", "NaN"},
		{"serve", "--auto-approve", "admin@example.com"},
		{"serve", "--reset"},
	} {
		if code, _, stderr := runCLI(t, nil, args...); code != exitUsage {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, stderr)
		}
	}
	// An email that is nobody of the demo team is refused at start, naming who is.
	code, stdout, stderr := runCLI(t, nil, "dev", "--addr", "127.0.0.1:0", "--data", "", "--auto-approve", "nobody@example.com")
	if code != exitUsage || !strings.Contains(stderr, `"nobody@example.com" is not a person of the demo team`) ||
		!strings.Contains(stderr, "member@example.com") || strings.Contains(stdout, "is running") {
		t.Errorf("unknown auto-approve person: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	// A port in use is a runtime error that says what to do.
	base, _, _, _ := startCommand(t, nil, "emulate", "--addr", "127.0.0.1:0", "--data", "")
	addr := strings.TrimPrefix(base, "http://")
	code, _, stderr = runCLI(t, nil, "dev", "--addr", addr, "--data", "")
	if code != exitRuntime || !strings.Contains(stderr, "--addr") {
		t.Errorf("port in use: exit %d: %s", code, stderr)
	}
}

// A second dev or emulate on a data directory in use fails at start, naming the first's address,
// and leaves the first one's data alone (even with --reset).
func TestDataDirectoryLock(t *testing.T) {
	dir := t.TempDir()
	base, _, _, wait := startCommand(t, nil, "emulate", "--addr", "127.0.0.1:0", "--data", dir)
	for _, args := range [][]string{
		{"emulate", "--addr", "127.0.0.1:0", "--data", dir, "--reset"},
		{"dev", "--addr", "127.0.0.1:0", "--data", dir},
	} {
		code, stdout, stderr := runCLI(t, nil, args...)
		if code != exitRuntime || !strings.Contains(stderr, "is in use by another workos-mcp serving at "+base) || strings.Contains(stdout, "running") {
			t.Errorf("%v: exit %d\nstdout: %s\nstderr: %s", args, code, stdout, stderr)
		}
	}
	if code, body := getBody(t, base+"/organizations", "Authorization", "Bearer "+emulator.DemoSandboxAPIKey); code != 200 {
		t.Fatalf("the first server after the refused second: %d %s", code, body)
	}
	if code := wait(); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	// Released on exit: the directory can be served again.
	_, _, _, wait = startCommand(t, nil, "dev", "--addr", "127.0.0.1:0", "--data", dir)
	if code := wait(); code != exitOK {
		t.Fatalf("dev after the first stopped: exit %d", code)
	}
}

func TestEmulateCommand(t *testing.T) {
	base, stdout, _, wait := startCommand(t, nil, "emulate", "--addr", "127.0.0.1:0", "--data", "", "--log-format", "text")
	if !strings.Contains(stdout.String(), emulator.DemoSandboxAPIKey) {
		t.Errorf("banner: %s", stdout)
	}
	code, body := getBody(t, base+"/organizations", "Authorization", "Bearer "+emulator.DemoSandboxAPIKey)
	if code != 200 || !strings.Contains(body, `"object":"list"`) {
		t.Fatalf("GET /organizations: %d %s", code, body)
	}
	if code, _ := getBody(t, base+"/organizations"); code != 401 {
		t.Errorf("no key: %d", code)
	}
	if code, _ := getBody(t, base+"/healthz"); code != 200 {
		t.Errorf("healthz: %d", code)
	}
	if code := wait(); code != exitOK {
		t.Errorf("exit %d", code)
	}
}

// TestServeCommand runs serve against a dev stack standing in for AuthKit (localauth is
// AuthKit-compatible) and WorkOS (the emulator).
func TestServeCommand(t *testing.T) {
	stack := devstacktest.Start(t, devstack.Options{})
	dir := t.TempDir()
	cfg := serveYAMLHead(stack) + `teams:
  - organization_id: ` + emulator.DemoTeamOrganizationID + `
    name: Demo
    settings: {allow_write: false}
    environments:
      - {name: sandbox, kind: sandbox, api_key_env: SANDBOX_KEY, base_url: ` + stack.EmulatorURL() + `}
      - {name: production, kind: production, api_key_file: prod.key, base_url: ` + stack.EmulatorURL() + `}
log: {format: json}
`
	path := filepath.Join(dir, "workos-mcp.yaml")
	os.WriteFile(path, []byte(cfg), 0o600)
	os.WriteFile(filepath.Join(dir, "prod.key"), []byte(emulator.DemoProductionAPIKey+"\n"), 0o600)
	vars := map[string]string{"SANDBOX_KEY": emulator.DemoSandboxAPIKey, "WORKOS_API_KEY": emulator.DemoTeamAPIKey, "WORKOS_MCP_CONFIG": path}

	code, stdout, stderr := runCLI(t, vars, "serve", "--check")
	if code != exitOK || !strings.Contains(stdout, "configuration OK: 1 team(s), MCP at http://127.0.0.1:8099/mcp") {
		t.Fatalf("--check: %d %s %s", code, stdout, stderr)
	}

	base, _, logs, wait := startCommand(t, vars, "serve")
	code, body := getBody(t, base+"/.well-known/oauth-protected-resource/mcp")
	if code != 200 || !strings.Contains(body, `"authorization_servers":["`+stack.URL()+`"]`) {
		t.Fatalf("protected resource metadata: %d %s", code, body)
	}
	if code, body := getBody(t, base+"/mcp"); code != 401 {
		t.Fatalf("no token: %d %s", code, body)
	}
	// The token's audience is the client ID (no resource sent), which serve accepts.
	tok, err := stack.Token(context.Background(), "admin@example.com", devstack.WithoutResource())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := mcp.NewClient(&mcp.Implementation{Name: "serve-test", Version: "1"}, nil)
	cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{
		Endpoint: base + "/mcp", DisableStandaloneSSE: true,
		HTTPClient: mcptest.HTTPClient(mcptest.Bearer(tok.AccessToken)),
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "whoami", Arguments: map[string]any{}})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(res.StructuredContent)
	if res.IsError || !strings.Contains(string(raw), `"allow_write":false`) || !strings.Contains(string(raw), `"slug":"admin"`) {
		t.Fatalf("whoami: %s", raw)
	}
	cs.Close()
	if code, body := getBody(t, base+"/readyz"); code != 200 {
		t.Errorf("readyz: %d %s", code, body)
	}
	if code := wait(); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, secret := range []string{emulator.DemoSandboxAPIKey, emulator.DemoProductionAPIKey, emulator.DemoTeamAPIKey, tok.AccessToken} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("logs contain a secret:\n%s", logs)
		}
	}
}
