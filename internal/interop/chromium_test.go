package interop

import (
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/workos-mcp/workos-mcp/internal/interop/harness"
	"github.com/workos-mcp/workos-mcp/internal/mcptest"
)

// TestSignInPageScreenshot renders the sign-in pages of `workos-mcp dev` (no auto-approve) in
// headless Chromium: the page that lists the people, then the consent page a person reaches after
// choosing themselves. The screenshots are kept under .ci/out/screenshots/ as CI artifacts; the
// pages' content is asserted on the HTML.
func TestSignInPageScreenshot(t *testing.T) {
	browser := harness.Chromium(t)
	p := startDev(t, nil)

	// A client registers, then sends a person to the authorization endpoint.
	clientID := mcptest.RegisterClient(t, p.base, "Screenshot client", "http://127.0.0.1:9/callback")
	q := url.Values{
		"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {"http://127.0.0.1:9/callback"},
		"code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"},
		"state": {"s"}, "scope": {"openid profile email"}, "resource": {p.mcpURL()},
	}
	authorize := p.base + "/oauth2/authorize?" + q.Encode()

	// A browser-like client (cookies, redirects) walks the pages; Chromium renders them.
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: time.Minute}
	page := func(resp *http.Response, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d\n%.2000s", resp.Request.URL, resp.StatusCode, b)
		}
		return string(b)
	}
	signIn := page(hc.Get(authorize))
	for _, want := range []string{"admin@example.com", "support-viewer@example.com", "Screenshot client", `name="password"`} {
		if !strings.Contains(signIn, want) {
			t.Fatalf("sign-in page lacks %s:\n%.3000s", want, signIn)
		}
	}
	b := harness.OpenPage(t, browser)
	shots := harness.OutDir(t, "screenshots")
	b.Navigate(authorize)
	b.Screenshot(shots, "sign-in.png")

	// Choose the first person: the consent page follows.
	form := url.Values{}
	first := signIn[:strings.Index(signIn, "</form>")]
	for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`).FindAllStringSubmatch(first, -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	if form.Get("request") == "" || form.Get("user_id") == "" {
		t.Fatalf("no person form on the sign-in page:\n%.3000s", signIn)
	}
	consent := page(hc.PostForm(p.base+"/oauth2/login", form))
	for _, want := range []string{"Authorize Screenshot client", `value="approve"`, `value="deny"`} {
		if !strings.Contains(consent, want) {
			t.Fatalf("consent page lacks %s:\n%.3000s", want, consent)
		}
	}
	// The consent page belongs to this browser session (cookie), so Chromium renders its HTML
	// from a file; the pages carry their styles inline.
	file := filepath.Join(t.TempDir(), "consent.html")
	if err := os.WriteFile(file, []byte(consent), 0o644); err != nil {
		t.Fatal(err)
	}
	b.Navigate("file://" + file)
	b.Screenshot(shots, "consent.png")
}
