package interop

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// TestChromiumSignInConsent: a real browser signs in with email and
// password, chooses an organization, approves on the consent page and lands
// on the client's loopback redirect URI with a code.
func TestChromiumSignInConsent(t *testing.T) {
	bin := chromiumPath()
	requireTool(t, "chromium", bin != "")
	as := startAuthServer(t, nil)

	codes := make(chan url.Values, 1)
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/callback" {
			http.NotFound(w, r)
			return
		}
		select {
		case codes <- r.URL.Query():
		default:
		}
		fmt.Fprint(w, "<!doctype html><title>done</title><p id=done>Signed in. You can close this tab.</p>")
	}))
	defer cb.Close()
	redirect := cb.URL + "/callback"

	body, _ := json.Marshal(map[string]any{"redirect_uris": []string{redirect}, "token_endpoint_auth_method": "none", "client_name": "Chromium Test Client"})
	resp, err := http.Post(as.URL+"/oauth2/register", "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	var reg struct {
		ClientID string `json:"client_id"`
	}
	json.NewDecoder(resp.Body).Decode(&reg)
	resp.Body.Close()

	verifier := strings.Repeat("v", 20) + base64.RawURLEncoding.EncodeToString([]byte(time.Now().String()))
	sum := sha256.Sum256([]byte(verifier))
	authz := as.URL + "/oauth2/authorize?" + url.Values{
		"response_type": {"code"}, "client_id": {reg.ClientID}, "redirect_uri": {redirect}, "state": {"chromium-state"},
		"scope": {"openid profile email offline_access"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"}, "resource": {"https://mcp.example.com/mcp"},
	}.Encode()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	browser := startChromium(t, bin)
	p := browser.newPage(ctx, t)
	p.do("Page.navigate", map[string]any{"url": authz}, nil)

	p.waitFor("the sign-in page", `!!document.querySelector('#password-form')`)
	screenshot(t, p, "signin.png")
	p.typeInto("#email", "member@example.com")
	p.typeInto("#password", "battery staple")
	p.click("#signin")

	p.waitFor("the organization page", `!!document.querySelector('#organization-form')`)
	p.click(`input[value="org_team"]`)
	p.click("#continue")

	p.waitFor("the consent page", `!!document.querySelector('#consent-form')`)
	text, _ := p.eval(`document.body.innerText`)
	for _, want := range []string{"Chromium Test Client", "Example Team", "member@example.com", "Stay signed in"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("consent page lacks %q: %s", want, text)
		}
	}
	screenshot(t, p, "consent.png")
	p.click("#approve")

	var q url.Values
	select {
	case q = <-codes:
	case <-ctx.Done():
		t.Fatal("the code never reached the redirect URI")
	}
	if q.Get("state") != "chromium-state" || q.Get("iss") != as.URL || q.Get("code") == "" {
		t.Fatalf("callback query: %v", q)
	}
	p.waitFor("the callback page", `!!document.querySelector('#done')`)

	// The code works, once, with the verifier.
	form := url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")}, "code_verifier": {verifier}, "client_id": {reg.ClientID}, "redirect_uri": {redirect}}
	resp, err = http.PostForm(as.URL+"/oauth2/token", form)
	if err != nil {
		t.Fatal(err)
	}
	var tok map[string]any
	json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if resp.StatusCode != 200 || tok["access_token"] == nil || tok["refresh_token"] == nil {
		t.Fatalf("token: %d %v", resp.StatusCode, tok)
	}
}

// screenshot saves the page to $WORKOS_MCP_ARTIFACTS/name, when set.
func screenshot(t testing.TB, p *page, name string) {
	t.Helper()
	dir := os.Getenv("WORKOS_MCP_ARTIFACTS")
	if dir == "" {
		return
	}
	var shot struct{ Data string }
	p.do("Page.captureScreenshot", map[string]any{"format": "png"}, &shot)
	png, err := base64.StdEncoding.DecodeString(shot.Data)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
