package interop

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/workos-mcp/workos-mcp/emulator"
)

// mcpCall posts one JSON-RPC request to the binary's /mcp and returns the HTTP status, the
// response's request ID and the JSON-RPC message (from a JSON or an SSE answer).
func mcpCall(t *testing.T, endpoint, bearer, body string) (int, string, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("MCP-Protocol-Version", "2025-06-18")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := (&http.Client{Timeout: time.Minute}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var msg map[string]any
	for _, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimPrefix(strings.TrimSpace(line), "data:")
		if json.Unmarshal([]byte(line), &msg) == nil {
			break
		}
	}
	return resp.StatusCode, resp.Header.Get("X-Request-Id"), msg
}

// toolCall calls a tool and returns its structured content (nil when the call is an error).
func toolCall(t *testing.T, endpoint, bearer, name string, args map[string]any) (map[string]any, string) {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "tools/call",
		"params": map[string]any{"name": name, "arguments": args}})
	code, _, msg := mcpCall(t, endpoint, bearer, string(b))
	if code != http.StatusOK {
		t.Fatalf("%s: HTTP %d %v", name, code, msg)
	}
	res, _ := msg["result"].(map[string]any)
	raw, _ := json.Marshal(res)
	if res == nil || res["isError"] == true {
		return nil, string(raw)
	}
	sc, _ := res["structuredContent"].(map[string]any)
	return sc, string(raw)
}

// metricValue sums the samples of a metric whose labels include every label given.
func metricValue(exposition, name string, labels map[string]string) float64 {
	var sum float64
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `\{([^}]*)\} (\S+)$`)
	for _, m := range re.FindAllStringSubmatch(exposition, -1) {
		ok := true
		for k, v := range labels {
			if !strings.Contains(","+m[1]+",", ","+k+`="`+v+`",`) {
				ok = false
				break
			}
		}
		if ok {
			f, _ := strconv.ParseFloat(m[2], 64)
			sum += f
		}
	}
	return sum
}

func scrape(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics: %d", resp.StatusCode)
	}
	return string(b)
}

// TestOperationsOfTheBinary runs `workos-mcp dev` as an operator would and checks what the
// issue's Operations section promises, on the real binary: each metric family moves when its
// event happens; the JSON logs carry a request ID on every request line and never a token,
// key, password or confirmation token (at debug level); a slow client is cut off by the header
// timeout; SIGTERM stops accepting, drains an in-flight MCP call, and exits 0.
func TestOperationsOfTheBinary(t *testing.T) {
	// The agent-token mode: this test drives the token flow itself; the person's approval on the
	// console is tested in workspace/approval_e2e_test.go.
	p := startDev(t, nil, "--auto-approve", "admin@example.com", "--log-level", "debug", "--confirmation", "agent")
	u, _ := url.Parse(p.base)

	// A client that never finishes its headers is cut off by the header timeout (10s); checked
	// before the shutdown, which would close it anyway.
	slow, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	fmt.Fprintf(slow, "POST /mcp HTTP/1.1\r\nHost: %s\r\n", u.Host)

	before := scrape(t, p.base)
	tok := p.token(t, "admin@example.com")
	if tok == "" {
		t.FailNow()
	}
	var requestIDs []string

	// Authentication failures by reason.
	code, rid, _ := mcpCall(t, p.mcpURL(), "", `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`)
	if code != http.StatusUnauthorized || rid == "" {
		t.Fatalf("no token: %d, request ID %q", code, rid)
	}
	requestIDs = append(requestIDs, rid)
	if code, _, _ := mcpCall(t, p.mcpURL(), "not-a-jwt", `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`); code != http.StatusUnauthorized {
		t.Fatalf("malformed token: %d", code)
	}

	// Tool calls, and the confirmation flow: issued, used, refused.
	if who, raw := toolCall(t, p.mcpURL(), tok, "whoami", map[string]any{}); who == nil {
		t.Fatalf("whoami: %s", raw)
	}
	if list, raw := toolCall(t, p.mcpURL(), tok, "query", map[string]any{"operation": "organizations.list", "params": map[string]any{}}); list == nil {
		t.Fatalf("query: %s", raw)
	}
	created, raw := toolCall(t, p.mcpURL(), tok, "mutate", map[string]any{"operation": "organizations.create", "params": map[string]any{"name": "Operations Test"}})
	org, _ := created["result"].(map[string]any)
	orgID, _ := org["id"].(string)
	if orgID == "" {
		t.Fatalf("create: %s", raw)
	}
	del := map[string]any{"operation": "organizations.delete", "params": map[string]any{"id": orgID}}
	asked, raw := toolCall(t, p.mcpURL(), tok, "mutate", del)
	confirmation, _ := asked["confirmation_token"].(string)
	if confirmation == "" {
		t.Fatalf("delete did not ask for confirmation: %s", raw)
	}
	del["confirmation_token"] = confirmation
	if done, raw := toolCall(t, p.mcpURL(), tok, "mutate", del); done == nil {
		t.Fatalf("confirmed delete: %s", raw)
	}
	if again, raw := toolCall(t, p.mcpURL(), tok, "mutate", del); again != nil || !strings.Contains(raw, "already used") {
		t.Fatalf("reused confirmation: %s", raw)
	}

	// Hardening on the binary: a foreign Origin gets 403 before anything else, a body over the
	// limit gets 413.
	req, _ := http.NewRequest(http.MethodPost, p.mcpURL(), strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", "https://evil.example")
	if resp, err := http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	} else {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(b), "forbidden_origin") {
			t.Errorf("foreign Origin: %d %s", resp.StatusCode, b)
		}
	}
	big := strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"pad":"` + strings.Repeat("x", 5<<20) + `"}}`)
	req, _ = http.NewRequest(http.MethodPost, p.mcpURL(), big)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("5 MiB body: %d", resp.StatusCode)
		}
	}

	after := scrape(t, p.base)
	for _, m := range []struct {
		name   string
		labels map[string]string
		min    float64
	}{
		{"workos_mcp_http_requests_total", map[string]string{"route": "/mcp", "method": "POST", "code": "200"}, 6},
		{"workos_mcp_http_requests_total", map[string]string{"route": "/mcp", "code": "401"}, 2},
		{"workos_mcp_http_request_duration_seconds_count", map[string]string{"route": "/mcp"}, 8},
		{"workos_mcp_auth_failures_total", map[string]string{"reason": "missing_token"}, 1},
		{"workos_mcp_auth_failures_total", map[string]string{"reason": "malformed"}, 1},
		{"workos_mcp_tool_calls_total", map[string]string{"operation": "organizations.list", "class": "read", "outcome": "ok"}, 1},
		{"workos_mcp_tool_calls_total", map[string]string{"operation": "organizations.create", "class": "write", "outcome": "ok"}, 1},
		{"workos_mcp_tool_calls_total", map[string]string{"operation": "organizations.delete", "class": "destructive", "outcome": "confirmation_required"}, 1},
		{"workos_mcp_tool_duration_seconds_count", map[string]string{"tool": "whoami", "outcome": "ok"}, 1},
		{"workos_mcp_confirmations_total", map[string]string{"event": "issued"}, 1},
		{"workos_mcp_confirmations_total", map[string]string{"event": "used"}, 1},
		{"workos_mcp_confirmations_total", map[string]string{"event": "refused"}, 1},
		{"workos_mcp_workos_api_calls_total", map[string]string{"method": "GET", "status": "200"}, 1},
		{"workos_mcp_workos_api_calls_total", map[string]string{"method": "POST", "status": "201"}, 1},
		{"workos_mcp_workos_api_calls_total", map[string]string{"method": "DELETE"}, 1},
	} {
		if d := metricValue(after, m.name, m.labels) - metricValue(before, m.name, m.labels); d < m.min {
			t.Errorf("%s%v moved by %v, want at least %v", m.name, m.labels, d, m.min)
		}
	}
	// The keys are fetched once at start (readiness), before the first scrape.
	if v := metricValue(after, "workos_mcp_jwks_fetches_total", map[string]string{"outcome": "ok"}); v < 1 {
		t.Errorf("workos_mcp_jwks_fetches_total{outcome=ok} is %v", v)
	}

	// The slow client has been cut off: its connection ends (EOF, or a 408 then EOF) well within
	// a minute, instead of being held open.
	slow.SetReadDeadline(time.Now().Add(time.Minute))
	if _, err := io.Copy(io.Discard, slow); err != nil {
		t.Errorf("a client that never finished its headers still holds its connection: %v", err)
	}

	// Graceful shutdown: an MCP call whose body is still arriving when SIGTERM comes is served
	// in full; new connections are refused meanwhile. "Expect: 100-continue" tells us the handler
	// is running (the server answers 100 when the handler first reads the body).
	body := `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"query","arguments":{"operation":"organizations.list","params":{}}}}`
	inflight, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer inflight.Close()
	fmt.Fprintf(inflight, "POST /mcp HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\n"+
		"Accept: application/json, text/event-stream\r\nMCP-Protocol-Version: 2025-06-18\r\nX-Request-Id: inflight-call\r\n"+
		"Expect: 100-continue\r\nContent-Length: %d\r\nConnection: close\r\n\r\n", u.Host, tok, len(body))
	inflight.SetDeadline(time.Now().Add(2 * time.Minute))
	br := bufio.NewReader(inflight)
	if line, err := br.ReadString('\n'); err != nil || !strings.Contains(line, "100 Continue") {
		t.Fatalf("in-flight call: want 100 Continue, got %q %v", line, err)
	}
	br.ReadString('\n') // the blank line after the interim response
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		c, err := net.DialTimeout("tcp", u.Host, time.Second)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("still accepting connections a minute after SIGTERM")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := io.WriteString(inflight, body); err != nil {
		t.Fatalf("finishing the in-flight body: %v", err)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("in-flight call after SIGTERM: %v", err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(answer), `"id":7`) || !strings.Contains(string(answer), `\"object\":\"organization\"`) {
		t.Fatalf("in-flight call after SIGTERM: %d %s", resp.StatusCode, answer)
	}
	select {
	case err := <-p.done:
		p.done <- err
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, p.stderr)
		}
	case <-time.After(time.Minute):
		t.Fatal("no exit within a minute of SIGTERM")
	}

	// Logs: JSON, a request ID on every request line, the in-flight call's ID kept, no secret.
	logs := p.stderr.String()
	requestIDs = append(requestIDs, "inflight-call")
	var requestLines int
	for i, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %d is not JSON: %q", i, line)
		}
		if rec["msg"] == "http request" || rec["msg"] == "workspace operation" {
			requestLines++
			if id, _ := rec["request_id"].(string); id == "" {
				t.Errorf("request log line without request_id: %s", line)
			}
		}
	}
	if requestLines < 10 {
		t.Errorf("only %d request log lines", requestLines)
	}
	for _, id := range requestIDs {
		if !strings.Contains(logs, `"request_id":"`+id+`"`) {
			t.Errorf("request ID %s not in the logs", id)
		}
	}
	parts := strings.Split(tok, ".")
	secrets := map[string]string{
		"access token": tok, "access token signature": parts[len(parts)-1],
		"confirmation token": confirmation, "password": emulator.DemoPassword,
		"team API key": emulator.DemoTeamAPIKey, "sandbox API key": emulator.DemoSandboxAPIKey,
		"production API key": emulator.DemoProductionAPIKey,
	}
	for what, s := range secrets {
		if s != "" && strings.Contains(logs, s) {
			t.Errorf("the logs contain the %s", what)
		}
	}
}
