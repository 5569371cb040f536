package interop

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/workos-mcp/workos-mcp/internal/interop/harness"
	"github.com/workos-mcp/workos-mcp/internal/mcptest"
)

// TestChromiumSignInConsent: a real browser signs in with email and
// password, chooses an organization, approves on the consent page and lands
// on the client's loopback redirect URI with a code.
func TestChromiumSignInConsent(t *testing.T) {
	browser := harness.Chromium(t)
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

	clientID := mcptest.RegisterClient(t, as.URL, "Chromium Test Client", redirect)

	verifier := strings.Repeat("v", 20) + base64.RawURLEncoding.EncodeToString([]byte(time.Now().String()))
	sum := sha256.Sum256([]byte(verifier))
	authz := as.URL + "/oauth2/authorize?" + url.Values{
		"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirect}, "state": {"chromium-state"},
		"scope": {"openid profile email offline_access"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"}, "resource": {"https://mcp.example.com/mcp"},
	}.Encode()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p := harness.OpenPage(t, browser)
	p.Navigate(authz)

	p.WaitFor("the sign-in page", `!!document.querySelector('#password-form')`)
	screenshot(p, "signin.png")
	p.Type("#email", "member@example.com")
	p.Type("#password", "battery staple")
	p.Click("#signin")

	p.WaitFor("the organization page", `!!document.querySelector('#organization-form')`)
	p.Click(`input[value="org_team"]`)
	p.Click("#continue")

	p.WaitFor("the consent page", `!!document.querySelector('#consent-form')`)
	text := p.Text()
	for _, want := range []string{"Chromium Test Client", "Example Team", "member@example.com", "Stay signed in"} {
		if !strings.Contains(text, want) {
			t.Errorf("consent page lacks %q: %s", want, text)
		}
	}
	screenshot(p, "consent.png")
	p.Click("#approve")

	var q url.Values
	select {
	case q = <-codes:
	case <-ctx.Done():
		t.Fatal("the code never reached the redirect URI")
	}
	if q.Get("state") != "chromium-state" || q.Get("iss") != as.URL || q.Get("code") == "" {
		t.Fatalf("callback query: %v", q)
	}
	p.WaitFor("the callback page", `!!document.querySelector('#done')`)

	// The code works, once, with the verifier.
	if tok := exchange(t, as, clientID, redirect, q.Get("code"), verifier); tok["access_token"] == nil || tok["refresh_token"] == nil {
		t.Fatalf("token: %v", tok)
	}
}

// screenshot saves the whole page as $WORKOS_MCP_ARTIFACTS/name, when that is set.
func screenshot(p *harness.Page, name string) {
	if dir := os.Getenv("WORKOS_MCP_ARTIFACTS"); dir != "" {
		p.Screenshot(dir, name)
	}
}
