package interop

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/workos-mcp/workos-mcp/internal/interop/harness"
	"github.com/workos-mcp/workos-mcp/internal/logtest"
)

// browserScript is what mcp-remote opens instead of a browser: it follows the authorization
// redirect (auto-approve answers it at once) to mcp-remote's local callback, as a browser would,
// and notes each URL it was asked to open in the file opened.
func browserScript(t *testing.T) (script, opened string) {
	t.Helper()
	curl, err := exec.LookPath("curl")
	if err != nil {
		curl = harness.Executable(t, "curl", "/usr/bin/curl")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "browser.sh")
	opened = filepath.Join(dir, "opened.txt")
	body := "#!/bin/sh\necho \"$1\" >> " + opened + "\nexec " + curl + " -sS -L --max-redirs 5 --max-time 60 -o /dev/null \"$1\"\n"
	if err := os.WriteFile(p, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p, opened
}

// mcpRemoteEnv is the environment for mcp-remote: its token store in a temporary directory, the
// browser script, and no desktop (so the bundled xdg-open uses $BROWSER). opened lists the URLs
// the browser was asked to open.
func mcpRemoteEnv(t *testing.T) (env []string, opened string) {
	for _, kv := range os.Environ() {
		switch k, _, _ := strings.Cut(kv, "="); k {
		case "DISPLAY", "WAYLAND_DISPLAY", "XDG_CURRENT_DESKTOP", "DESKTOP_SESSION", "BROWSER", "MCP_REMOTE_CONFIG_DIR":
			continue
		}
		env = append(env, kv)
	}
	script, opened := browserScript(t)
	return append(env, "BROWSER="+script, "MCP_REMOTE_CONFIG_DIR="+t.TempDir(), "NO_COLOR=1"), opened
}

// TestMCPRemoteClient runs mcp-remote's own client against the binary: discovery from the 401,
// dynamic client registration, the browser round trip (auto-approve), the token exchange, then
// tools/list.
func TestMCPRemoteClient(t *testing.T) {
	node := harness.Node22(t)
	client := harness.NPMBin(t, "mcp-remote-client")
	p := startDev(t, nil, "--auto-approve", "member@example.com")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, client, p.mcpURL(), "--host", "127.0.0.1")
	var opened string
	cmd.Env, opened = mcpRemoteEnv(t)
	// mcp-remote shuts down when its stdin closes: keep it open until the client exits.
	stdin, _ := cmd.StdinPipe()
	defer stdin.Close()
	out, err := cmd.CombinedOutput()
	os.WriteFile(filepath.Join(harness.OutDir(t, "mcp-remote"), "client.txt"), out, 0o644)
	if err != nil {
		t.Fatalf("mcp-remote-client: %v\n%s\nserver:\n%.3000s", err, out, p.stderr)
	}
	for _, want := range []string{`"name": "whoami"`, `"name": "mutate"`, "Exiting OK"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("mcp-remote-client output lacks %s:\n%s", want, out)
		}
	}
	// The code flow went through the browser: mcp-remote opened the binary's authorization
	// endpoint, after registering itself.
	urls, _ := os.ReadFile(opened)
	if !strings.Contains(string(urls), p.base+"/oauth2/authorize?") || !strings.Contains(string(urls), "code_challenge_method=S256") {
		t.Errorf("the browser was not sent to the authorization endpoint: %q", urls)
	}
	if !strings.Contains(p.stderr.String(), `"path":"/oauth2/register"`) || !strings.Contains(p.stderr.String(), `"path":"/oauth2/token"`) {
		t.Errorf("no registration or token exchange in the server log")
	}
}

// TestMCPRemoteProxy drives the mcp-remote stdio proxy (what Claude Desktop runs, see
// `workos-mcp connect claude-desktop`) like a desktop client would: initialize, then whoami.
func TestMCPRemoteProxy(t *testing.T) {
	node := harness.Node22(t)
	proxy := harness.NPMBin(t, "mcp-remote")
	p := startDev(t, nil, "--auto-approve", "support@example.com")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, proxy, p.mcpURL(), "--host", "127.0.0.1")
	cmd.Env, _ = mcpRemoteEnv(t)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	var stderr logtest.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close()
		cmd.Process.Kill()
		cmd.Wait()
		os.WriteFile(filepath.Join(harness.OutDir(t, "mcp-remote"), "proxy.txt"), []byte(stderr.String()), 0o644)
	}()
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	send := func(v any) {
		b, _ := json.Marshal(v)
		if _, err := io.WriteString(stdin, string(b)+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	await := func(id int) map[string]any {
		t.Helper()
		for {
			select {
			case line, ok := <-lines:
				if !ok {
					t.Fatalf("mcp-remote closed its output\n%s", stderr.String())
				}
				var msg map[string]any
				if json.Unmarshal([]byte(line), &msg) != nil {
					continue
				}
				if fmt.Sprint(msg["id"]) == fmt.Sprint(id) {
					return msg
				}
			case <-ctx.Done():
				t.Fatalf("no answer to request %d\n%s\nserver:\n%.3000s", id, stderr.String(), p.stderr)
			}
		}
	}
	send(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": map[string]any{
		"protocolVersion": "2025-06-18", "capabilities": map[string]any{},
		"clientInfo": map[string]any{"name": "interop-test", "version": "1"},
	}})
	if r := await(1); r["result"] == nil {
		t.Fatalf("initialize: %v", r)
	}
	send(map[string]any{"jsonrpc": "2.0", "method": "notifications/initialized"})
	send(map[string]any{"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": map[string]any{"name": "whoami", "arguments": map[string]any{}}})
	r := await(2)
	raw, _ := json.Marshal(r)
	if !strings.Contains(string(raw), `\"slug\":\"support\"`) && !strings.Contains(string(raw), `"slug":"support"`) {
		t.Fatalf("whoami through mcp-remote: %s", raw)
	}
}
