package interop

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/workos-mcp/workos-mcp/internal/interop/harness"
	"github.com/workos-mcp/workos-mcp/localauth"
)

// conformanceExpectedFailures lists checks we knowingly fail, each with the
// reason. Empty: every check must pass.
var conformanceExpectedFailures = map[string]string{}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestConformanceAuthorizationServer runs the MCP conformance suite's
// authorization-server scenarios against localauth on a real listener. The
// suite prints an authorization URL and waits for its callback; with
// auto-approve, following the URL delivers the code.
func TestConformanceAuthorizationServer(t *testing.T) {
	suite := harness.Conformance(t)
	port := freePort(t)
	callback := "http://127.0.0.1:" + strconv.Itoa(port) + "/callback"
	as := startAuthServer(t, func(o *localauth.Options) {
		o.AutoApprove = "admin@example.com"
		o.Clients = []localauth.ClientConfig{{ClientID: "conformance-client", ClientName: "MCP conformance", RedirectURIs: []string{callback}}}
	})
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := suite.Command(ctx, "authorization", "--url", as.URL, "--client-id", "conformance-client",
		"--resource", "https://mcp.example.com/mcp", "--port", strconv.Itoa(port), "-o", out)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	followed := make(chan error, 1)
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		log.WriteString(line + "\n")
		if u := strings.TrimSpace(line); strings.HasPrefix(u, as.URL+"/oauth2/authorize?") {
			go func() { followed <- follow(ctx, u) }()
		}
	}
	io.Copy(io.Discard, stdout)
	waitErr := cmd.Wait()
	select {
	case err := <-followed:
		if err != nil {
			t.Errorf("following the authorization URL: %v", err)
		}
	default:
		t.Errorf("the suite printed no authorization URL")
	}

	type check struct{ ID, Name, Status, ErrorMessage string }
	var checks []check
	filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Name() == "checks.json" {
			b, _ := os.ReadFile(p)
			var cs []check
			if err := json.Unmarshal(b, &cs); err != nil {
				t.Errorf("%s: %v", p, err)
			}
			checks = append(checks, cs...)
		}
		return nil
	})
	if len(checks) == 0 {
		t.Fatalf("no results (exit: %v)\nstdout:\n%s\nstderr:\n%s", waitErr, log.String(), stderr.String())
	}
	passed := 0
	for _, c := range checks {
		switch c.Status {
		case "SUCCESS":
			passed++
		case "FAILURE":
			if reason, ok := conformanceExpectedFailures[c.ID]; ok {
				t.Logf("expected failure %s: %s", c.ID, reason)
				continue
			}
			t.Errorf("check %s (%s) failed: %s", c.ID, c.Name, c.ErrorMessage)
		default:
			t.Errorf("check %s (%s): %s %s", c.ID, c.Name, c.Status, c.ErrorMessage)
		}
	}
	for _, id := range []string{"authorization-server-metadata", "authorization-server-metadata-cimd", "authorization-code-grant"} {
		if !slices.ContainsFunc(checks, func(c check) bool { return c.ID == id }) {
			t.Errorf("check %s did not run", id)
		}
	}
	if waitErr != nil {
		t.Errorf("the suite exited with %v", waitErr)
	}
	if t.Failed() {
		t.Logf("stdout:\n%s\nstderr:\n%s", log.String(), stderr.String())
	}
	t.Logf("conformance: %d checks, %d passed", len(checks), passed)
}

// follow opens the authorization URL like a browser would and delivers the
// redirect to the suite's callback server, which may start only after the
// URL is printed: retried, bounded by ctx.
func follow(ctx context.Context, u string) error {
	c := &http.Client{Timeout: time.Minute, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		return fmt.Errorf("authorize answered %d without a redirect", resp.StatusCode)
	}
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, loc.String(), nil)
		resp, err := c.Do(req)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(200 * time.Millisecond):
		}
	}
}
