package interop

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/workos-mcp/workos-mcp/internal/devstack"
	"github.com/workos-mcp/workos-mcp/internal/interop/harness"
	"github.com/workos-mcp/workos-mcp/internal/logtest"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	buildDir  string
)

// binary builds cmd/workos-mcp once per test run.
func binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "workos-mcp-interop-")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(buildDir, "workos-mcp")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/workos-mcp")
		cmd.Dir = harness.RepoRoot(t)
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// process is a running workos-mcp.
type process struct {
	cmd    *exec.Cmd
	base   string
	stdout *logtest.Buffer
	stderr *logtest.Buffer
	done   chan error
}

// startDev runs `workos-mcp dev` on a free loopback port, in memory, and waits until it is
// ready. extra are more flags; env are more environment variables.
func startDev(t *testing.T, env []string, extra ...string) *process {
	t.Helper()
	args := append([]string{"dev", "--addr", "127.0.0.1:0", "--data", ""}, extra...)
	cmd := exec.Command(binary(t), args...)
	cmd.Env = append(os.Environ(), env...)
	p := &process{cmd: cmd, stdout: &logtest.Buffer{}, stderr: &logtest.Buffer{}, done: make(chan error, 1)}
	pr, pw := io.Pipe()
	cmd.Stdout = io.MultiWriter(p.stdout, pw)
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- cmd.Wait(); pw.Close() }()
	t.Cleanup(func() { p.stop(t) })
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) == 3 && f[0] == "MCP" && f[1] == "server" {
				found <- strings.TrimSuffix(f[2], "/mcp")
			}
		}
		io.Copy(io.Discard, pr)
	}()
	select {
	case p.base = <-found:
	case err := <-p.done:
		t.Fatalf("workos-mcp dev exited: %v\n%s", err, p.stderr)
	case <-time.After(2 * time.Minute):
		t.Fatalf("workos-mcp dev did not start within 2 minutes\n%s", p.stderr)
	}
	waitReady(t, p.base)
	return p
}

func waitReady(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s/readyz not ready after a minute: %v", base, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop sends SIGTERM and waits for a graceful exit; it returns the exit error.
func (p *process) stop(t *testing.T) error {
	select {
	case err := <-p.done: // already exited
		p.done <- err
		return err
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		p.done <- err
		return err
	case <-time.After(time.Minute):
		_ = p.cmd.Process.Kill()
		t.Errorf("workos-mcp did not stop within a minute of SIGTERM")
		return errors.New("killed")
	}
}

func (p *process) mcpURL() string { return p.base + "/mcp" }

// token gets an access token from the running binary through the code flow (auto-approve).
// It may run on a proxy's goroutine, so it reports a failure with t.Error.
func (p *process) token(t *testing.T, email string, opts ...devstack.TokenOption) string {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tok, err := devstack.FetchToken(ctx, p.base, p.mcpURL(), email, nil, opts...)
	if err != nil {
		t.Errorf("access token for %s: %v", email, err)
		return ""
	}
	return tok.AccessToken
}

// tokenProxy is a reverse proxy in front of target that adds a bearer token, for clients (the
// conformance suite) that send none. token is called for a fresh one every minute, so that a
// long run outlives no access token. It presents itself as the target: a request addressed to
// the proxy (Host and Origin) is rewritten to the target's origin, while any other Host or
// Origin passes through untouched, so that the server's own DNS-rebinding and Origin checks are
// what the suite tests.
func tokenProxy(t *testing.T, target string, token func() string) string {
	t.Helper()
	var mu sync.Mutex
	current, issued := token(), time.Now()
	bearer := func() string {
		mu.Lock()
		defer mu.Unlock()
		if time.Since(issued) > time.Minute {
			current, issued = token(), time.Now()
		}
		return current
	}
	tu, _ := url.Parse(target)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	self := ln.Addr().String()
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(tu)
			r.Out.URL.Path = r.In.URL.Path
			r.Out.URL.RawPath = r.In.URL.RawPath
			if r.In.Host == self || r.In.Host == "localhost:"+port(self) {
				r.Out.Host = tu.Host
			} else {
				r.Out.Host = r.In.Host
			}
			if o := r.In.Header.Get("Origin"); o == "http://"+self || o == "http://localhost:"+port(self) {
				r.Out.Header.Set("Origin", tu.Scheme+"://"+tu.Host)
			}
			r.Out.Header.Del("X-Forwarded-For")
			r.Out.Header.Set("Authorization", "Bearer "+bearer())
		},
		FlushInterval: -1,
	}
	// No keep-alive towards the suite: its Node agent reusing a connection the proxy is closing
	// would fail a request for reasons that are the harness's, not the server's.
	srv := &http.Server{Handler: rp, ReadHeaderTimeout: 10 * time.Second}
	srv.SetKeepAlivesEnabled(false)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + self
}

func port(hostport string) string {
	_, p, _ := net.SplitHostPort(hostport)
	return p
}
