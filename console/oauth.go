package console

import (
	"context"
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

// The console signs people in as an OAuth 2.1 public client of the team's authorization server
// (AuthKit; localauth in dev): authorization code with PKCE S256, registered once per process by
// dynamic client registration (which MCP clients need enabled anyway), asking for a token for the
// MCP resource, which authkit then verifies like any MCP client's token.

type asMetadata struct {
	Issuer                string `json:"issuer"`
	AuthorizationEndpoint string `json:"authorization_endpoint"`
	TokenEndpoint         string `json:"token_endpoint"`
	RegistrationEndpoint  string `json:"registration_endpoint"`
}

// login is the state of one sign-in, sealed in a short-lived cookie.
type login struct {
	State    string `json:"s"`
	Verifier string `json:"v"`
	Next     string `json:"next"`
	Exp      int64  `json:"exp"`
}

func (c *Console) metadata(ctx context.Context) (*asMetadata, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.meta != nil {
		return c.meta, nil
	}
	var m asMetadata
	if err := c.getJSON(ctx, strings.TrimRight(c.cfg.Issuer, "/")+"/.well-known/oauth-authorization-server", &m); err != nil {
		return nil, err
	}
	if m.AuthorizationEndpoint == "" || m.TokenEndpoint == "" {
		return nil, errors.New("the authorization server's metadata names no authorize or token endpoint")
	}
	c.meta = &m
	return c.meta, nil
}

func (c *Console) redirectURI() string { return c.cfg.PublicURL + Path + "/callback" }

// client registers the console with the authorization server on first use.
func (c *Console) client(ctx context.Context, m *asMetadata) (string, error) {
	c.mu.Lock()
	id := c.clientID
	c.mu.Unlock()
	if id != "" {
		return id, nil
	}
	if m.RegistrationEndpoint == "" {
		return "", errors.New("the authorization server offers no dynamic client registration; enable it in the WorkOS dashboard (Connect, Configuration)")
	}
	body, _ := json.Marshal(map[string]any{
		"client_name": "workos-mcp console", "redirect_uris": []string{c.redirectURI()},
		"grant_types": []string{"authorization_code"}, "response_types": []string{"code"},
		"token_endpoint_auth_method": "none",
	})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, m.RegistrationEndpoint, strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	var out struct {
		ClientID string `json:"client_id"`
	}
	if err := c.doJSON(req, &out); err != nil {
		return "", fmt.Errorf("register the console: %w", err)
	}
	if out.ClientID == "" {
		return "", errors.New("register the console: no client_id in the answer")
	}
	c.mu.Lock()
	if c.clientID == "" {
		c.clientID = out.ClientID
	}
	id = c.clientID
	c.mu.Unlock()
	return id, nil
}

func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	next := r.URL.Query().Get("next")
	if !localPath(next) {
		next = Path + "/approvals"
	}
	m, err := c.metadata(r.Context())
	if err == nil {
		var id string
		if id, err = c.client(r.Context(), m); err == nil {
			l := login{State: randomString(24), Verifier: randomString(48), Next: next, Exp: c.now().Add(10 * time.Minute).Unix()}
			c.setCookie(w, loginCookie, c.seal("login", l), 600)
			sum := sha256.Sum256([]byte(l.Verifier))
			q := url.Values{
				"response_type": {"code"}, "client_id": {id}, "redirect_uri": {c.redirectURI()},
				"state": {l.State}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])},
				"code_challenge_method": {"S256"}, "resource": {c.cfg.ResourceURL}, "scope": {"openid"},
			}
			// Passed through as AuthKit takes it: it pre-fills (or, in dev, picks) the person.
			if h := r.URL.Query().Get("login_hint"); h != "" && len(h) <= 320 && !strings.ContainsAny(h, "\r\n") {
				q.Set("login_hint", h)
			}
			http.Redirect(w, r, m.AuthorizationEndpoint+"?"+q.Encode(), http.StatusSeeOther)
			return
		}
	}
	c.log.ErrorContext(r.Context(), "console: sign-in unavailable", "error", err.Error())
	c.render(w, r, http.StatusBadGateway, "error", nil, map[string]any{"Title": "Sign-in unavailable",
		"Message": "The team's sign-in service could not be reached: " + err.Error()})
}

// localPath accepts only a path of the console itself (no scheme, host or //).
func localPath(p string) bool {
	return (p == Path || strings.HasPrefix(p, Path+"/")) && !strings.Contains(p, "//") && !strings.ContainsAny(p, "\\\r\n")
}

func (c *Console) callback(w http.ResponseWriter, r *http.Request) {
	fail := func(status int, msg string) {
		c.render(w, r, status, "error", nil, map[string]any{"Title": "Sign-in failed", "Message": msg, "Retry": true})
	}
	ck, err := r.Cookie(loginCookie)
	var l login
	if err != nil || !c.open(ck.Value, "login", &l) || c.now().Unix() >= l.Exp {
		fail(http.StatusBadRequest, "The sign-in took too long or did not start here. Try again.")
		return
	}
	c.setCookie(w, loginCookie, "", -1)
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		fail(http.StatusForbidden, "The sign-in was not completed ("+e+").")
		return
	}
	if q.Get("state") == "" || q.Get("state") != l.State {
		fail(http.StatusBadRequest, "The sign-in answer does not match this sign-in. Try again.")
		return
	}
	m, err := c.metadata(r.Context())
	if err != nil {
		fail(http.StatusBadGateway, "The team's sign-in service could not be reached.")
		return
	}
	if iss := q.Get("iss"); iss != "" && iss != m.Issuer {
		fail(http.StatusBadRequest, "The sign-in answer came from another issuer.")
		return
	}
	id, err := c.client(r.Context(), m)
	if err != nil {
		fail(http.StatusBadGateway, "The console is not registered with the sign-in service.")
		return
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")}, "redirect_uri": {c.redirectURI()},
		"client_id": {id}, "code_verifier": {l.Verifier}, "resource": {c.cfg.ResourceURL}}
	req, _ := http.NewRequestWithContext(r.Context(), http.MethodPost, m.TokenEndpoint, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := c.doJSON(req, &tok); err != nil || tok.AccessToken == "" {
		c.log.WarnContext(r.Context(), "console: code exchange failed", "error", fmt.Sprint(err))
		fail(http.StatusBadGateway, "The sign-in could not be completed. Try again.")
		return
	}
	sess, err := c.cfg.AuthKit.Verify(r.Context(), tok.AccessToken)
	if err != nil {
		fail(http.StatusForbidden, "The sign-in was refused: "+err.Error())
		return
	}
	exp := c.now().Add(8 * time.Hour)
	if !sess.ExpiresAt.IsZero() && sess.ExpiresAt.Before(exp) {
		exp = sess.ExpiresAt
	}
	s := session{UserID: sess.UserID, Org: sess.OrganizationID, Role: sess.Role, Exp: exp.Unix(), Nonce: randomString(16)}
	c.setCookie(w, sessionCookie, c.seal("session", s), int(time.Until(exp).Seconds()))
	c.log.InfoContext(r.Context(), "console: signed in", "user", s.UserID, "team", s.Org)
	http.Redirect(w, r, l.Next, http.StatusSeeOther)
}

func (c *Console) logout(w http.ResponseWriter, r *http.Request) {
	s := c.sessionOf(r)
	if s != nil && r.PostFormValue("csrf") != c.csrf(s) {
		c.render(w, r, http.StatusForbidden, "error", s, map[string]any{"Title": "Refused", "Message": "Reload the page and try again."})
		return
	}
	c.setCookie(w, sessionCookie, "", -1)
	c.render(w, r, http.StatusOK, "error", nil, map[string]any{"Title": "Signed out", "Message": "You are signed out of the console.", "Retry": true})
}

func (c *Console) getJSON(ctx context.Context, u string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	return c.doJSON(req, out)
}

func (c *Console) doJSON(req *http.Request, out any) error {
	req.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return errors.New("the authorization server could not be reached")
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		_ = json.Unmarshal(b, &e)
		return fmt.Errorf("the authorization server answered %d %s", resp.StatusCode, e.Error)
	}
	return json.Unmarshal(b, out)
}
