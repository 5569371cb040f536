package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/workos-mcp/workos-mcp/authkit"
)

const healthAbout = `Ask a running workos-mcp whether it is alive (/healthz) or ready (/readyz, with --ready), and
exit 0 if so, 1 if not. For container health checks and scripts, where no curl is installed:
the image's HEALTHCHECK runs "workos-mcp health". The server is found at --url, else at the
listen address in WORKOS_MCP_ADDR (a wildcard host means this machine), else 127.0.0.1:8080.`

// healthTimeout bounds one probe, below the image's HEALTHCHECK timeout.
const healthTimeout = 2500 * time.Millisecond

func runHealth(ctx context.Context, args []string, e *env) error {
	fs := newFlags(e, "health", "health [--ready] [--url URL]", healthAbout)
	ready := fs.Bool("ready", false, "ask /readyz (every dependency) instead of /healthz (the process)")
	base := fs.String("url", "", "the server's base URL (default from WORKOS_MCP_ADDR, else http://127.0.0.1:8080)")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	u := *base
	if u == "" {
		u = "http://" + probeAddr(listenEnv(e.getenv))
	} else if _, err := authkit.CheckURL(u, false); err != nil {
		return usagef("--url: %s", err)
	}
	path := "/healthz"
	if *ready {
		path = "/readyz"
	}
	ctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(u, "/")+path, nil)
	if err != nil {
		return usagef("--url: %s", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	fmt.Fprintf(e.stdout, "%s %d %s\n", req.URL, resp.StatusCode, strings.TrimSpace(string(body)))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %d", req.URL, resp.StatusCode)
	}
	return nil
}

// listenEnv is the listen address from the environment: WORKOS_MCP_ADDR, or the name serve
// used before, WORKOS_MCP_LISTEN.
func listenEnv(getenv func(string) string) string {
	for _, n := range []string{envAddr, envListenOld} {
		if v := strings.TrimSpace(getenv(n)); v != "" {
			return v
		}
	}
	return ""
}

// probeAddr turns a listen address into one to connect to: a wildcard or missing host is this
// machine's loopback.
func probeAddr(listen string) string {
	if listen == "" {
		return "127.0.0.1:8080"
	}
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return listen
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
