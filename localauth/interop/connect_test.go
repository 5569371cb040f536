package interop

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/workos-mcp/workos-mcp/authkit"
	"github.com/workos-mcp/workos-mcp/internal/mcptest"
	"github.com/workos-mcp/workos-mcp/localauth"
)

// pkcePair returns a verifier and its S256 challenge.
func pkcePair() (string, string) {
	v := base64.RawURLEncoding.EncodeToString([]byte(time.Now().String() + "-interop-verifier-padding"))
	sum := sha256.Sum256([]byte(v))
	return v, base64.RawURLEncoding.EncodeToString(sum[:])
}

func exchange(t testing.TB, as *authServer, cid, redirect, code, verifier string) map[string]any {
	t.Helper()
	resp, err := http.PostForm(as.URL+"/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier}, "client_id": {cid}, "redirect_uri": {redirect}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok map[string]any
	json.NewDecoder(resp.Body).Decode(&tok)
	if resp.StatusCode != 200 {
		t.Fatalf("token: %d %v", resp.StatusCode, tok)
	}
	return tok
}

// autoToken runs an auto-approved flow and returns the access token.
func autoToken(t testing.TB, as *authServer, resource string) string {
	t.Helper()
	redirect := "http://127.0.0.1:9/cb"
	cid := mcptest.RegisterClient(t, as.URL, "Interop", redirect)
	verifier, challenge := pkcePair()
	q := url.Values{"response_type": {"code"}, "client_id": {cid}, "redirect_uri": {redirect}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}}
	if resource != "" {
		q.Set("resource", resource)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(as.URL + "/oauth2/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("authorize: %d %v", resp.StatusCode, loc)
	}
	return exchange(t, as, cid, redirect, loc.Query().Get("code"), verifier)["access_token"].(string)
}

func decode(t testing.TB, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	return m
}

// TestAuthKitLoginHandler: Standalone Connect with authkit's Login URI
// handler as the application, completing against localauth.
func TestAuthKitLoginHandler(t *testing.T) {
	app := httptest.NewUnstartedServer(nil)
	appURL := "http://" + app.Listener.Addr().String()
	as := startAuthServer(t, func(o *localauth.Options) { o.LoginURI = appURL + "/login" })
	kit, err := authkit.New(authkit.Config{Issuer: as.URL, ResourceURL: appURL + "/mcp", ClientID: envClientID, APIKey: envAPIKey, APIBaseURL: as.URL, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kit.Close)
	app.Config.Handler = kit.LoginHandler(func(w http.ResponseWriter, r *http.Request) (*authkit.ConnectUser, error) {
		return &authkit.ConnectUser{ID: "app-user-7", Email: "lin@app.example.com", FirstName: "Lin"}, nil
	})
	app.Start()
	t.Cleanup(app.Close)

	redirect := "http://127.0.0.1:9/cb"
	cid := mcptest.RegisterClient(t, as.URL, "Interop", redirect)
	verifier, challenge := pkcePair()
	jar, _ := cookiejar.New(nil)
	var landed *url.URL
	browser := &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if req.URL.Host == "127.0.0.1:9" {
			landed = req.URL
			return http.ErrUseLastResponse
		}
		if len(via) > 10 {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err := browser.Get(as.URL + "/oauth2/authorize?" + url.Values{"response_type": {"code"}, "client_id": {cid}, "redirect_uri": {redirect},
		"code_challenge": {challenge}, "code_challenge_method": {"S256"}, "state": {"st"}, "resource": {appURL + "/mcp"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	// authorize -> app login -> completion -> continue link -> consent page.
	if resp.StatusCode != 200 || !strings.Contains(string(page), "lin@app.example.com") {
		t.Fatalf("consent page: %d %s", resp.StatusCode, page)
	}
	field := func(name string) string {
		m := regexp.MustCompile(`name="` + name + `" value="([^"]+)"`).FindSubmatch(page)
		if m == nil {
			t.Fatalf("no %s field", name)
		}
		return string(m[1])
	}
	resp, err = browser.PostForm(as.URL+"/oauth2/login", url.Values{"request": {field("request")}, "csrf": {field("csrf")}, "action": {"approve"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if landed == nil || landed.Query().Get("code") == "" || landed.Query().Get("state") != "st" {
		t.Fatalf("no code at the redirect URI (%d, %v)", resp.StatusCode, landed)
	}
	tok := exchange(t, as, cid, redirect, landed.Query().Get("code"), verifier)
	sess, err := kit.Verify(t.Context(), tok["access_token"].(string))
	if err != nil {
		t.Fatalf("authkit rejects the token: %v", err)
	}
	if !strings.HasPrefix(sess.UserID, "user_") {
		t.Fatalf("session: %+v", sess)
	}
}
