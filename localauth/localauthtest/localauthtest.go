// Package localauthtest starts a localauth authorization server for tests,
// like net/http/httptest for OAuth: a real listener on 127.0.0.1, a small
// team, auto-approve, and a helper that returns a real access token through
// the authorization code flow.
package localauthtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/workos-mcp/workos-mcp/localauth"
)

// The default team's organization and people (see DefaultDirectory).
const (
	OrganizationID = "org_test"
	AdminEmail     = "admin@example.com"
	MemberEmail    = "member@example.com"
	Password       = "localauthtest-password"
)

// DefaultDirectory is one organization with an admin and a member, both
// with password Password.
func DefaultDirectory() localauth.Directory {
	d, err := localauth.NewStaticDirectory(localauth.SeedFile{
		Organizations: []localauth.SeedOrganization{{ID: OrganizationID, Name: "Test Team"}},
		Roles: []localauth.SeedRole{
			{Slug: "admin", Permissions: []string{"widgets:read", "widgets:write"}},
			{Slug: "member", Permissions: []string{"widgets:read"}},
		},
		People: []localauth.SeedPerson{
			{Person: localauth.Person{ID: "user_admin", Email: AdminEmail, FirstName: "Ada"}, Password: Password,
				Memberships: []localauth.SeedMembership{{OrganizationID: OrganizationID, Role: "admin"}}},
			{Person: localauth.Person{ID: "user_member", Email: MemberEmail, FirstName: "Mo"}, Password: Password,
				Memberships: []localauth.SeedMembership{{OrganizationID: OrganizationID, Role: "member"}}},
		},
	})
	if err != nil {
		panic(err) // a constant seed
	}
	return d
}

// Server is a running authorization server; URL is its issuer.
type Server struct {
	*localauth.Server
	URL  string
	HTTP *httptest.Server

	mu       sync.Mutex
	clientID string
}

// Start starts a server on 127.0.0.1, closed by tb.Cleanup. Zero options
// are filled in: Issuer (the listener), Directory (DefaultDirectory),
// DevMode and AutoApprove (AdminEmail), ClientID ("client_test"), a quiet
// Logger.
func Start(tb testing.TB, opts localauth.Options) *Server {
	tb.Helper()
	hs := httptest.NewUnstartedServer(nil)
	s := &Server{URL: "http://" + hs.Listener.Addr().String(), HTTP: hs}
	if opts.Issuer == "" {
		opts.Issuer = s.URL
	}
	if opts.Directory == nil {
		opts.Directory = DefaultDirectory()
	}
	if opts.AutoApprove == "" {
		opts.AutoApprove = AdminEmail
	}
	opts.DevMode = true
	if opts.ClientID == "" {
		opts.ClientID = "client_test"
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	srv, err := localauth.New(context.Background(), opts)
	if err != nil {
		tb.Fatalf("localauthtest: %v", err)
	}
	s.Server = srv
	hs.Config.Handler = srv.Handler()
	hs.Start()
	tb.Cleanup(func() {
		hs.Close()
		srv.Close()
	})
	return s
}

const redirectURI = "http://127.0.0.1/localauthtest/callback"

// Token returns a real access token for the person with this email (in
// their first organization), for resource ("" = the environment client
// ID as audience), through registration, /oauth2/authorize and
// /oauth2/token. scopes default to "openid profile email".
func (s *Server) Token(tb testing.TB, email, resource string, scopes ...string) string {
	tb.Helper()
	tok, err := s.TokenResponse(context.Background(), email, resource, scopes...)
	if err != nil {
		tb.Fatalf("localauthtest: %v", err)
	}
	return tok["access_token"].(string)
}

// TokenResponse is Token's error-returning form; it returns the whole token
// response (access_token, refresh_token when offline_access is asked, …).
func (s *Server) TokenResponse(ctx context.Context, email, resource string, scopes ...string) (map[string]any, error) {
	cid, err := s.client(ctx)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 32)
	rand.Read(b)
	verifier := base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{"response_type": {"code"}, "client_id": {cid}, "redirect_uri": {redirectURI}, "state": {"localauthtest"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}, "login_hint": {email}}
	if resource != "" {
		q.Set("resource", resource)
	}
	if len(scopes) > 0 {
		q.Set("scope", strings.Join(scopes, " "))
	}
	hc := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/oauth2/authorize?"+q.Encode(), nil)
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		return nil, fmt.Errorf("authorize answered %d without a redirect", resp.StatusCode)
	}
	if e := loc.Query().Get("error"); e != "" {
		return nil, fmt.Errorf("authorize: %s: %s", e, loc.Query().Get("error_description"))
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")}, "code_verifier": {verifier},
		"client_id": {cid}, "redirect_uri": {redirectURI}}
	req, _ = http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err = hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, fmt.Errorf("token response: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("token: %d %v: %v", resp.StatusCode, out["error"], out["error_description"])
	}
	return out, nil
}

// client registers (once) the public client Token uses.
func (s *Server) client(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.clientID != "" {
		return s.clientID, nil
	}
	body := `{"client_name":"localauthtest","redirect_uris":["` + redirectURI + `"],"token_endpoint_auth_method":"none","grant_types":["authorization_code","refresh_token"]}`
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/oauth2/register", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct {
		ClientID string `json:"client_id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.ClientID == "" {
		return "", fmt.Errorf("register: HTTP %d", resp.StatusCode)
	}
	s.clientID = out.ClientID
	return s.clientID, nil
}
