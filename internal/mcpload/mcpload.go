// Package mcpload drives a running workos-mcp over plain HTTP, one JSON-RPC tools/call per
// request (the server is stateless: no initialize, no session), for the fault test of the
// replicated deployment (deploy/) and the soak benchmark (internal/cmd/soak). It keeps the
// HTTP status, the JSON-RPC error and the tool's own error apart, so that callers can classify
// every outcome instead of counting "failures".
package mcpload

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/workos-mcp/workos-mcp/internal/devstack"
)

// Outcome kinds (Result.Kind).
const (
	// OK: the tool ran and answered without error.
	OK = "ok"
	// ToolError: the tool answered with isError (a refusal, a WorkOS error); the text says why.
	ToolError = "tool_error"
	// Retryable: the request may not have reached a replica, or the replica died with it:
	// a 502/503/504 from the load balancer, a 429, or a connection reset. Safe to retry for
	// reads; for a confirmation, retrying is safe because the token is single-use.
	Retryable = "retryable"
	// Unclean: anything else (a 500, a malformed answer, a JSON-RPC error): a bug.
	Unclean = "unclean"
)

// Result is one tool call's outcome.
type Result struct {
	Status     int            // HTTP status; 0 when no response came
	Err        error          // transport error or unreadable answer
	RPCError   string         // JSON-RPC error message, if any
	IsError    bool           // the tool's isError
	Text       string         // the tool's text content, joined
	Structured map[string]any // the tool's structured content
	Kind       string         // OK, ToolError, Retryable or Unclean
	Duration   time.Duration
}

// Client calls tools on one MCP endpoint (a replica or the load balancer).
type Client struct {
	HTTP  *http.Client
	Token func(ctx context.Context) (string, error)
	id    atomic.Int64
}

// Call runs one tools/call.
func (c *Client) Call(ctx context.Context, endpoint, tool string, args map[string]any) Result {
	start := time.Now()
	r := c.call(ctx, endpoint, tool, args)
	r.Duration = time.Since(start)
	r.Kind = classify(r)
	return r
}

func (c *Client) call(ctx context.Context, endpoint, tool string, args map[string]any) Result {
	if args == nil {
		args = map[string]any{}
	}
	body, _ := json.Marshal(map[string]any{
		"jsonrpc": "2.0", "id": c.id.Add(1), "method": "tools/call",
		"params": map[string]any{"name": tool, "arguments": args},
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return Result{Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("MCP-Protocol-Version", "2025-06-18")
	if c.Token != nil {
		tok, err := c.Token(ctx)
		if err != nil {
			return Result{Err: fmt.Errorf("token: %w", err)}
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return Result{Err: err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	r := Result{Status: resp.StatusCode}
	if err != nil {
		r.Err = err
		return r
	}
	if resp.StatusCode != http.StatusOK {
		r.Text = strings.TrimSpace(string(raw))
		return r
	}
	msg := raw
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		msg = nil
		sc := bufio.NewScanner(bytes.NewReader(raw))
		sc.Buffer(make([]byte, 1<<20), 8<<20)
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data:"); ok && strings.Contains(d, `"id"`) {
				msg = []byte(strings.TrimSpace(d))
			}
		}
	}
	var rpc struct {
		Error *struct {
			Message string `json:"message"`
		} `json:"error"`
		Result *struct {
			IsError           bool             `json:"isError"`
			Content           []map[string]any `json:"content"`
			StructuredContent map[string]any   `json:"structuredContent"`
		} `json:"result"`
	}
	if err := json.Unmarshal(msg, &rpc); err != nil || (rpc.Error == nil && rpc.Result == nil) {
		r.Err = fmt.Errorf("unreadable answer: %.200q", raw)
		return r
	}
	if rpc.Error != nil {
		r.RPCError = rpc.Error.Message
		return r
	}
	r.IsError = rpc.Result.IsError
	r.Structured = rpc.Result.StructuredContent
	var texts []string
	for _, c := range rpc.Result.Content {
		if t, ok := c["text"].(string); ok {
			texts = append(texts, t)
		}
	}
	r.Text = strings.Join(texts, "\n")
	return r
}

func classify(r Result) string {
	switch {
	case r.Err != nil:
		if isConnectionError(r.Err) {
			return Retryable
		}
		return Unclean
	case r.Status == http.StatusBadGateway, r.Status == http.StatusServiceUnavailable,
		r.Status == http.StatusGatewayTimeout, r.Status == http.StatusTooManyRequests:
		return Retryable
	case r.Status != http.StatusOK, r.RPCError != "":
		return Unclean
	case r.IsError:
		return ToolError
	}
	return OK
}

// isConnectionError: the connection was refused, reset or closed before an answer (the replica
// or the load balancer went away).
func isConnectionError(err error) bool {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	s := err.Error()
	for _, m := range []string{"connection refused", "connection reset", "broken pipe", "EOF", "server closed idle connection"} {
		if strings.Contains(s, m) {
			return true
		}
	}
	return false
}

// TokenSource gets access tokens for one person from `workos-mcp dev`'s authorization server
// (started with --auto-approve) through the real code flow, and gets a new one before the
// current one expires.
type TokenSource struct {
	// AuthURL is dev's origin; Resource the MCP URL the token is for (the load balancer's).
	AuthURL, Resource, Email string

	mu       sync.Mutex
	clientID string
	token    string
	until    time.Time
}

// Token returns a valid access token.
func (s *TokenSource) Token(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token != "" && time.Now().Before(s.until) {
		return s.token, nil
	}
	t, err := devstack.FetchToken(ctx, s.AuthURL, s.Resource, s.Email, &s.clientID)
	if err != nil {
		return "", err
	}
	life := time.Duration(t.ExpiresIn) * time.Second
	if life <= 0 {
		life = time.Minute
	}
	s.token, s.until = t.AccessToken, time.Now().Add(life*3/4)
	return s.token, nil
}

// Scrape reads the named samples (exact series text before the value, e.g. "go_goroutines" or
// `workos_mcp_build_info{...}`) from a Prometheus text endpoint. Missing names are absent from
// the map.
func Scrape(ctx context.Context, metricsURL string, names ...string) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, metricsURL, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", metricsURL, resp.Status)
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		i := strings.LastIndexByte(line, ' ')
		if i < 0 || strings.HasPrefix(line, "#") || !want[line[:i]] {
			continue
		}
		var v float64
		if _, err := fmt.Sscanf(line[i+1:], "%g", &v); err == nil {
			out[line[:i]] = v
		}
	}
	return out, sc.Err()
}
