package interop

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// chromium finds the browser; without it the test skips, or fails under CI.
func chromium(t *testing.T) string {
	for _, name := range []string{os.Getenv("WORKOS_MCP_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "chromium not found (apt-get install chromium, or set WORKOS_MCP_CHROMIUM)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// TestSignInPageScreenshot renders the sign-in page of `workos-mcp dev` (no auto-approve) in
// headless Chromium and keeps the screenshot under .ci/out/ as a CI artifact. The page's content
// is asserted on the HTML; the screenshot is for people.
func TestSignInPageScreenshot(t *testing.T) {
	browser := chromium(t)
	p := startDev(t, nil)

	// A client registers, then sends a person to the authorization endpoint.
	body := `{"client_name":"Screenshot client","redirect_uris":["http://127.0.0.1:9/callback"],"token_endpoint_auth_method":"none"}`
	resp, err := http.Post(p.base+"/oauth2/register", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var reg struct {
		ClientID string `json:"client_id"`
	}
	json.NewDecoder(resp.Body).Decode(&reg)
	resp.Body.Close()
	if reg.ClientID == "" {
		t.Fatalf("registration: %d", resp.StatusCode)
	}
	q := url.Values{
		"response_type": {"code"}, "client_id": {reg.ClientID}, "redirect_uri": {"http://127.0.0.1:9/callback"},
		"code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"},
		"state": {"s"}, "scope": {"openid profile email"}, "resource": {p.mcpURL()},
	}
	authorize := p.base + "/oauth2/authorize?" + q.Encode()

	page, err := http.Get(authorize)
	if err != nil {
		t.Fatal(err)
	}
	html, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if page.StatusCode != 200 || !strings.Contains(string(html), "admin@example.com") {
		t.Fatalf("sign-in page: %d\n%.2000s", page.StatusCode, html)
	}

	shot := filepath.Join(outDir(t, "screenshots"), "sign-in.png")
	os.Remove(shot)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--hide-scrollbars", "--window-size=1280,900", "--user-data-dir="+t.TempDir(), "--screenshot="+shot, authorize)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	st, err := os.Stat(shot)
	if err != nil || st.Size() < 1000 {
		t.Fatalf("no screenshot at %s: %v\n%s", shot, err, out)
	}
	t.Logf("screenshot: %s (%d bytes)", shot, st.Size())
}
