package devstack

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Tokens comes back from the authorization server's token endpoint.
type Tokens struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	Scope        string `json:"scope"`
}

// TokenOption adjusts a token request.
type TokenOption func(*tokenRequest)

type tokenRequest struct {
	resource   string
	noResource bool
}

// WithResource asks for a token for another resource (RFC 8707) than the stack's MCP URL.
func WithResource(resource string) TokenOption {
	return func(r *tokenRequest) { r.resource = resource }
}

// WithoutResource sends no resource parameter: the token's audience is then the client ID.
func WithoutResource() TokenOption { return func(r *tokenRequest) { r.noResource = true } }

// tokenScope is what every token request asks for.
const tokenScope = "openid profile email offline_access"

// redirectURI is where the test client says it listens; nobody needs to: the redirect is read
// from the authorization response's Location header.
const redirectURI = "http://127.0.0.1/callback"

// Token runs the real authorization-code flow against the stack's listening URL — dynamic client
// registration (once per stack), PKCE S256, the authorize redirect (approved automatically as
// email through login_hint; the stack needs Options.AutoApprove) and the code exchange — and
// returns the tokens.
func (s *Stack) Token(ctx context.Context, email string, opts ...TokenOption) (*Tokens, error) {
	s.clientOnce.Do(func() {
		hc := &http.Client{Timeout: 30 * time.Second}
		s.clientID, s.clientErr = register(ctx, hc, s.base)
	})
	if s.clientErr != nil {
		return nil, s.clientErr
	}
	cid := s.clientID
	return FetchToken(ctx, s.base, s.MCPURL(), email, &cid, opts...)
}

// FetchToken is Token against any running stack (another process: the interoperability tests
// run the binary). clientID caches the registered client; it may be nil.
func FetchToken(ctx context.Context, baseURL, resource, email string, clientID *string, opts ...TokenOption) (*Tokens, error) {
	req := tokenRequest{resource: resource}
	for _, o := range opts {
		o(&req)
	}
	hc := &http.Client{
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	var cid string
	if clientID != nil {
		cid = *clientID
	}
	if cid == "" {
		var err error
		cid, err = register(ctx, hc, baseURL)
		if err != nil {
			return nil, err
		}
		if clientID != nil {
			*clientID = cid
		}
	}
	verifier := random(32)
	sum := sha256.Sum256([]byte(verifier))
	state := random(16)
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {cid},
		"redirect_uri":          {redirectURI},
		"code_challenge":        {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"},
		"state":                 {state},
		"scope":                 {tokenScope},
		"login_hint":            {email},
	}
	if !req.noResource {
		q.Set("resource", req.resource)
	}
	r, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/oauth2/authorize?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(r)
	if err != nil {
		return nil, fmt.Errorf("authorize: %w", err)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		return nil, fmt.Errorf("authorize: status %d without a redirect (is auto-approve on?): %.300s", resp.StatusCode, body)
	}
	if !strings.HasPrefix(loc.String(), redirectURI) {
		return nil, fmt.Errorf("authorize: redirected to %s, not to the client (is auto-approve on?)", loc.Redacted())
	}
	lq := loc.Query()
	if e := lq.Get("error"); e != "" {
		return nil, fmt.Errorf("authorize: %s: %s", e, lq.Get("error_description"))
	}
	if lq.Get("state") != state {
		return nil, errors.New("authorize: state mismatch")
	}
	form := url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {lq.Get("code")},
		"redirect_uri":  {redirectURI},
		"client_id":     {cid},
		"code_verifier": {verifier},
	}
	if !req.noResource {
		form.Set("resource", req.resource)
	}
	var tok Tokens
	if err := postForm(ctx, hc, baseURL+"/oauth2/token", form, &tok); err != nil {
		return nil, fmt.Errorf("token: %w", err)
	}
	if tok.AccessToken == "" {
		return nil, errors.New("token: no access_token in the answer")
	}
	return &tok, nil
}

// Refresh exchanges a refresh token.
func (s *Stack) Refresh(ctx context.Context, refreshToken string) (*Tokens, error) {
	hc := &http.Client{Timeout: 30 * time.Second}
	var tok Tokens
	err := postForm(ctx, hc, s.base+"/oauth2/token", url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}, "client_id": {s.clientID},
	}, &tok)
	return &tok, err
}

func register(ctx context.Context, hc *http.Client, base string) (string, error) {
	body, _ := json.Marshal(map[string]any{
		"client_name":                "workos-mcp devstack",
		"redirect_uris":              []string{redirectURI},
		"grant_types":                []string{"authorization_code", "refresh_token"},
		"response_types":             []string{"code"},
		"token_endpoint_auth_method": "none",
	})
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/oauth2/register", strings.NewReader(string(body)))
	if err != nil {
		return "", err
	}
	r.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(r)
	if err != nil {
		return "", fmt.Errorf("register: %w", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("register: status %d: %.300s", resp.StatusCode, raw)
	}
	var out struct {
		ClientID string `json:"client_id"`
	}
	if err := json.Unmarshal(raw, &out); err != nil || out.ClientID == "" {
		return "", fmt.Errorf("register: no client_id in %.300s", raw)
	}
	return out.ClientID, nil
}

func postForm(ctx context.Context, hc *http.Client, u string, form url.Values, out any) error {
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := hc.Do(r)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d: %.300s", resp.StatusCode, raw)
	}
	return json.Unmarshal(raw, out)
}

func random(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
