package telemetry

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/workos-mcp/workos-mcp/workspace"
)

func get(t *testing.T, url string, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestMetricsExposition(t *testing.T) {
	m := NewMetrics()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /things/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
	})
	mux.Handle("GET /metrics", m.Handler())
	srv := httptest.NewServer(m.Instrument(nil, mux))
	defer srv.Close()

	get(t, srv.URL+"/things/1", nil)
	get(t, srv.URL+"/things/2", nil)
	get(t, srv.URL+"/nowhere", nil)
	m.AuthFailure("expired")
	m.JWKSFetch("ok")
	m.WorkOSResponse("GET", "/organizations/org_1", 200, 10*time.Millisecond)
	m.WorkOSResponse("GET", "/organizations/org_1", 0, time.Millisecond)
	m.ToolCall("organizations.delete", "destructive", "confirmation_required")
	m.Confirmation("issued")
	m.ToolDuration("whoami", "ok", time.Millisecond)
	m.Confirmation("used")
	m.Confirmation("refused")
	m.AuditRecord(workspace.RecordDropped)
	m.AuditRecord(workspace.RecordDropped)
	m.AuditRecord(workspace.RecordSent)

	_, body := get(t, srv.URL+"/metrics", nil)
	for _, want := range []string{
		`workos_mcp_http_requests_total{code="418",method="GET",route="/things/{id}"} 2`,
		`workos_mcp_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
		`workos_mcp_http_request_duration_seconds_count{route="/things/{id}"} 2`,
		`workos_mcp_auth_failures_total{reason="expired"} 1`,
		`workos_mcp_jwks_fetches_total{outcome="ok"} 1`,
		`workos_mcp_workos_api_calls_total{method="GET",status="200"} 1`,
		`workos_mcp_workos_api_calls_total{method="GET",status="0"} 1`,
		`workos_mcp_tool_calls_total{class="destructive",operation="organizations.delete",outcome="confirmation_required"} 1`,
		`workos_mcp_confirmations_total{event="issued"} 1`,
		`workos_mcp_confirmations_total{event="used"} 1`,
		`workos_mcp_confirmations_total{event="refused"} 1`,
		`workos_mcp_tool_duration_seconds_count{outcome="ok",tool="whoami"} 1`,
		`workos_mcp_audit_records_total{result="dropped"} 2`,
		`workos_mcp_audit_records_total{result="sent"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(body, "org_1") {
		t.Error("a concrete WorkOS path leaked into a label")
	}
}

func TestRequestIDAndLogging(t *testing.T) {
	var buf bytes.Buffer
	logger := NewLogger(&buf, LogJSON, slog.LevelInfo)
	h := (*Metrics)(nil).Instrument(logger, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		logger.InfoContext(r.Context(), "inside", "api_key", "sk_test_abc", "note", "Bearer eyJabc.def.ghi")
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()

	resp, _ := get(t, srv.URL+"/x?code=secretcode", map[string]string{RequestIDHeader: "abc-123"})
	if got := resp.Header.Get(RequestIDHeader); got != "abc-123" {
		t.Fatalf("request ID not echoed: %q", got)
	}
	resp, _ = get(t, srv.URL+"/x", map[string]string{RequestIDHeader: "bad id <script>"})
	fresh := resp.Header.Get(RequestIDHeader)
	if fresh == "" || strings.ContainsAny(fresh, " <>") {
		t.Fatalf("malformed incoming ID should be replaced, got %q", fresh)
	}

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("want 4 log lines, got %d:\n%s", len(lines), buf.String())
	}
	for i, line := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("line %d is not JSON: %v", i, err)
		}
		want := "abc-123"
		if i >= 2 {
			want = fresh
		}
		if rec["request_id"] != want {
			t.Errorf("line %d: request_id = %v, want %s", i, rec["request_id"], want)
		}
	}
	out := buf.String()
	for _, secret := range []string{"sk_test_abc", "eyJabc", "secretcode"} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains %q:\n%s", secret, out)
		}
	}
}

func TestTextLogFormat(t *testing.T) {
	var buf bytes.Buffer
	f, err := ParseLogFormat("text")
	if err != nil {
		t.Fatal(err)
	}
	NewLogger(&buf, f, slog.LevelInfo).InfoContext(WithRequestID(context.Background(), "r1"), "hello", "password", "hunter2")
	if got := buf.String(); !strings.Contains(got, "request_id=r1") || strings.Contains(got, "hunter2") || !strings.Contains(got, "msg=hello") {
		t.Fatalf("text line: %s", got)
	}
	if _, err := ParseLogFormat("xml"); err == nil {
		t.Fatal("xml accepted")
	}
	if _, err := ParseLogLevel("loud"); err == nil {
		t.Fatal("bad level accepted")
	}
	if l, err := ParseLogLevel("debug"); err != nil || l != slog.LevelDebug {
		t.Fatalf("debug: %v %v", l, err)
	}
}

func TestCheckOrigin(t *testing.T) {
	h := CheckOrigin(OriginPolicy{Self: "http://127.0.0.1:8080", Allowed: []string{"https://app.example.com"}},
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	for _, tc := range []struct {
		origin string
		want   int
	}{
		{"", 200},
		{"http://127.0.0.1:8080", 200},
		{"HTTP://127.0.0.1:8080", 200},
		{"https://app.example.com:443", 200},
		{"https://evil.example.com", 403},
		{"http://127.0.0.1:9999", 403},
		{"null", 403},
	} {
		hdr := map[string]string{}
		if tc.origin != "" {
			hdr["Origin"] = tc.origin
		}
		resp, body := get(t, srv.URL, hdr)
		if resp.StatusCode != tc.want {
			t.Errorf("Origin %q: status %d, want %d", tc.origin, resp.StatusCode, tc.want)
		}
		if tc.want == 403 && !strings.Contains(body, "forbidden_origin") {
			t.Errorf("Origin %q: body %s", tc.origin, body)
		}
	}
}

func TestCheckHost(t *testing.T) {
	srv := httptest.NewServer(CheckHost([]string{"mcp.internal:8080"}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})))
	defer srv.Close()
	for host, want := range map[string]int{
		"127.0.0.1:1234":  200,
		"localhost":       200,
		"[::1]:80":        200,
		"mcp.internal":    200,
		"evil.example":    403,
		"evil.example:80": 403,
	} {
		if resp, _ := get(t, srv.URL, map[string]string{"Host": host}); resp.StatusCode != want {
			t.Errorf("Host %q: %d, want %d", host, resp.StatusCode, want)
		}
	}
	if !IsLoopbackAddr("127.0.0.1:8080") || IsLoopbackAddr(":8080") || IsLoopbackAddr("0.0.0.0:80") {
		t.Error("IsLoopbackAddr")
	}
}

func TestLimitBody(t *testing.T) {
	srv := httptest.NewServer(LimitBody(10, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			http.Error(w, "too big", http.StatusRequestEntityTooLarge)
		}
	})))
	defer srv.Close()
	for body, want := range map[string]int{"small": 200, "this is far too large": 413} {
		resp, err := http.Post(srv.URL, "text/plain", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%q: %d, want %d", body, resp.StatusCode, want)
		}
	}
	// Chunked (no Content-Length): refused while reading.
	req, _ := http.NewRequest(http.MethodPost, srv.URL, io.MultiReader(strings.NewReader("0123456789"), strings.NewReader("abc")))
	req.ContentLength = -1
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 413 {
		t.Errorf("chunked: %d", resp.StatusCode)
	}
}

func TestHealthAndReadiness(t *testing.T) {
	var fail error
	mux := http.NewServeMux()
	mux.Handle("/healthz", Healthz())
	mux.Handle("/readyz", Readyz(
		Check{Name: "store", Fn: func(context.Context) error { return nil }},
		Check{Name: "jwks", Fn: func(context.Context) error { return fail }},
	))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	if resp, _ := get(t, srv.URL+"/healthz", nil); resp.StatusCode != 200 {
		t.Fatal(resp.Status)
	}
	resp, body := get(t, srv.URL+"/readyz", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `"jwks":"ok"`) {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	fail = errors.New("jwks not loaded (key sk_test_zzz)")
	resp, body = get(t, srv.URL+"/readyz", nil)
	if resp.StatusCode != 503 || !strings.Contains(body, `"status":"not_ready"`) || !strings.Contains(body, `"store":"ok"`) || strings.Contains(body, "sk_test_zzz") {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
}

func TestServeDrainsInFlight(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	release := make(chan struct{})
	srv := NewServer("", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		_, _ = w.Write([]byte("done"))
	}), nil)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- Serve(ctx, srv, ln, time.Minute) }()

	got := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String())
		if err != nil {
			got <- "error: " + err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- string(b)
	}()
	<-started
	cancel()
	// New connections are refused once shutdown has begun.
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("listener still accepting after shutdown began")
		}
		time.Sleep(20 * time.Millisecond)
	}
	close(release)
	if b := <-got; b != "done" {
		t.Fatalf("in-flight request: %s", b)
	}
	if err := <-served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
}

// TestServeBoundsTheDrain: a request still running when the grace ends is cut off, and Serve
// says so (the command then exits 1) instead of waiting for it.
func TestServeBoundsTheDrain(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	release := make(chan struct{})
	defer close(release)
	srv := NewServer("", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}), nil)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- Serve(ctx, srv, ln, 50*time.Millisecond) }()
	go func() {
		if resp, err := http.Get("http://" + ln.Addr().String()); err == nil {
			resp.Body.Close()
		}
	}()
	<-started
	cancel()
	select {
	case err := <-served:
		if err == nil || !strings.Contains(err.Error(), "did not finish within") {
			t.Fatalf("Serve after the grace: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("Serve waited for a request past its grace")
	}
}
