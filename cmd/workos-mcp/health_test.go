package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHealthCommand(t *testing.T) {
	ready := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/healthz":
			w.Write([]byte(`{"status":"ok"}`))
		case r.URL.Path == "/readyz" && ready:
			w.Write([]byte(`{"status":"ready"}`))
		default:
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(`{"status":"not_ready","checks":{"redis":"redis: connection refused"}}`))
		}
	}))
	defer srv.Close()
	if code, out, errOut := runCLI(t, nil, "health", "--url", srv.URL); code != exitOK || !strings.Contains(out, "/healthz 200") {
		t.Errorf("alive: %d %q %q", code, out, errOut)
	}
	code, out, errOut := runCLI(t, nil, "health", "--ready", "--url", srv.URL)
	if code != exitRuntime || !strings.Contains(out, `"redis":"redis: connection refused"`) || !strings.Contains(errOut, "answered 503") {
		t.Errorf("not ready: %d %q %q", code, out, errOut)
	}
	ready = true
	// The address comes from WORKOS_MCP_ADDR when --url is not given.
	hostport := strings.TrimPrefix(srv.URL, "http://")
	if code, out, _ := runCLI(t, map[string]string{"WORKOS_MCP_ADDR": hostport}, "health", "--ready"); code != exitOK || !strings.Contains(out, "/readyz 200") {
		t.Errorf("ready via WORKOS_MCP_ADDR: %d %q", code, out)
	}
	if code, _, errOut := runCLI(t, nil, "health", "--url", "ftp://x"); code != exitUsage || !strings.Contains(errOut, "--url") {
		t.Errorf("bad --url: %d %q", code, errOut)
	}
	for listen, want := range map[string]string{":8080": "127.0.0.1:8080", "0.0.0.0:9000": "127.0.0.1:9000", "[::]:9000": "127.0.0.1:9000", "10.0.0.5:80": "10.0.0.5:80", "": "127.0.0.1:8080"} {
		if got := probeAddr(listen); got != want {
			t.Errorf("probeAddr(%q) = %q, want %q", listen, got, want)
		}
	}
}

// TestConnectHonoursAddr: connect points clients where dev listens, read from the same
// variable; WORKOS_MCP_URL and --url still win.
func TestConnectHonoursAddr(t *testing.T) {
	vars := map[string]string{"WORKOS_MCP_ADDR": "127.0.0.1:9090"}
	if code, out, _ := runCLI(t, vars, "connect", "cursor"); code != exitOK || !strings.Contains(out, `"url": "http://127.0.0.1:9090/mcp"`) {
		t.Errorf("WORKOS_MCP_ADDR: %d %s", code, out)
	}
	vars["WORKOS_MCP_URL"] = "https://mcp.acme.dev/mcp"
	if code, out, _ := runCLI(t, vars, "connect", "cursor"); code != exitOK || !strings.Contains(out, `"url": "https://mcp.acme.dev/mcp"`) {
		t.Errorf("WORKOS_MCP_URL: %d %s", code, out)
	}
	if code, out, _ := runCLI(t, vars, "connect", "cursor", "--url", "http://127.0.0.1:7070/mcp"); code != exitOK || !strings.Contains(out, `"url": "http://127.0.0.1:7070/mcp"`) {
		t.Errorf("--url: %d %s", code, out)
	}
}
