package localauth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// testServer is a Server on a real 127.0.0.1 listener.
type testServer struct {
	*Server
	URL string
	hs  *httptest.Server
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func seedDir(t testing.TB) Directory {
	t.Helper()
	d, err := SeedDirectory("testdata/team.json")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// startServer starts a server; mutate adjusts the options (Issuer is set to
// the listener's URL before mutate runs).
func startServer(t testing.TB, mutate func(*Options)) *testServer {
	t.Helper()
	hs := httptest.NewUnstartedServer(nil)
	url := "http://" + hs.Listener.Addr().String()
	opts := Options{Issuer: url, Directory: seedDir(t), ClientID: "client_env", APIKey: "sk_test_key", DevMode: true, Logger: quietLogger()}
	if mutate != nil {
		mutate(&opts)
	}
	s, err := New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	hs.Config.Handler = s.Handler()
	hs.Start()
	t.Cleanup(func() {
		hs.Close()
		s.Close()
	})
	return &testServer{Server: s, URL: url, hs: hs}
}

// noRedirect is an HTTP client that shows redirects instead of following them.
func noRedirect() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func pkce() (verifier, challenge string) {
	verifier = randomToken(32)
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// register registers a public client by DCR.
func (ts *testServer) register(t testing.TB, redirectURIs ...string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"redirect_uris": redirectURIs, "token_endpoint_auth_method": "none", "client_name": "Test Client"})
	status, out := ts.postJSON(t, "/oauth2/register", string(body), "")
	if status != http.StatusCreated {
		t.Fatalf("register: %d %v", status, out)
	}
	return out["client_id"].(string)
}

// postJSON posts a JSON body to path (with a bearer token when not empty) and decodes the JSON
// answer (an empty object when there is none).
func (ts *testServer) postJSON(t testing.TB, path, body, bearer string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, ts.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]any{}
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

type authzReq struct {
	clientID, redirectURI, scope, resource, state, challenge string
	extra                                                    url.Values
}

func (a authzReq) url(base string) string {
	q := url.Values{"response_type": {"code"}, "client_id": {a.clientID}, "redirect_uri": {a.redirectURI},
		"code_challenge": {a.challenge}, "code_challenge_method": {"S256"}}
	if a.state != "" {
		q.Set("state", a.state)
	}
	if a.scope != "" {
		q.Set("scope", a.scope)
	}
	if a.resource != "" {
		q.Set("resource", a.resource)
	}
	for k, v := range a.extra {
		q[k] = v
	}
	return base + "/oauth2/authorize?" + q.Encode()
}

// redirectOf does GET u and returns the Location it redirects to.
func redirectOf(t testing.TB, c *http.Client, u string) *url.URL {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: want a redirect, got %d: %.300s", u, resp.StatusCode, b)
	}
	loc, err := resp.Location()
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// post posts form to path (with HTTP Basic credentials when basicUser is set) and decodes the
// JSON answer.
func (ts *testServer) post(t testing.TB, path string, form url.Values, basicUser, basicPass string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basicUser != "" {
		req.SetBasicAuth(url.QueryEscape(basicUser), url.QueryEscape(basicPass))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]any{}
	b, _ := io.ReadAll(resp.Body)
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("%s: not JSON (%d): %.300s", path, resp.StatusCode, b)
		}
	}
	return resp.StatusCode, out
}

// codeFlow runs an auto-approved authorization and returns the code and verifier.
func (ts *testServer) autoCode(t testing.TB, clientID, redirectURI string, mutate func(*authzReq)) (code, verifier string, loc *url.URL) {
	t.Helper()
	verifier, challenge := pkce()
	a := authzReq{clientID: clientID, redirectURI: redirectURI, scope: "openid profile email offline_access", state: "st4te", challenge: challenge}
	if mutate != nil {
		mutate(&a)
	}
	loc = redirectOf(t, noRedirect(), a.url(ts.URL))
	return loc.Query().Get("code"), verifier, loc
}

func decodeClaims(t testing.TB, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", jwt)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	return m
}
