package localauth

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// client is a registered, pre-registered or CIMD client.
type client struct {
	ID           string
	Name         string
	RedirectURIs []string
	SecretHash   string // "" for public clients
	AuthMethod   string // none | client_secret_post | client_secret_basic
	GrantTypes   []string
	CIMD         bool
}

func (c *client) public() bool { return c.SecretHash == "" }

// canRefresh reports whether the client registered the refresh_token grant:
// only such clients get refresh tokens, and others are refused the grant
// with unauthorized_client.
func (c *client) canRefresh() bool { return slices.Contains(c.GrantTypes, "refresh_token") }

// defaultGrantTypes are given to clients that name none. RFC 7591's default
// is authorization_code alone, but an MCP client that omits the field still
// expects to stay signed in; the registration response says what was chosen.
var defaultGrantTypes = []string{"authorization_code", "refresh_token"}

// clientError is a client lookup failure a person or client can act on.
type clientError struct{ msg string }

func (e *clientError) Error() string { return e.msg }

// lookupClient resolves a client_id: pre-registered, then registered by DCR,
// then (https URLs) a Client ID Metadata Document.
func (s *Server) lookupClient(ctx context.Context, id string) (*client, error) {
	if id == "" {
		return nil, &clientError{"client_id is required"}
	}
	if c, ok := s.pre[id]; ok {
		cl := &client{ID: c.ClientID, Name: c.ClientName, RedirectURIs: c.RedirectURIs, AuthMethod: "none", GrantTypes: defaultGrantTypes}
		if c.ClientSecret != "" {
			cl.SecretHash = hashToken(c.ClientSecret)
			cl.AuthMethod = "client_secret_basic"
		}
		return cl, nil
	}
	if strings.HasPrefix(id, "https://") {
		return s.cimd.fetch(ctx, id)
	}
	var secretHash, meta string
	err := s.store.db.QueryRowContext(ctx, `SELECT secret_hash, metadata FROM clients WHERE client_id=?`, id).Scan(&secretHash, &meta)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &clientError{"unknown client_id"}
	}
	if err != nil {
		return nil, err
	}
	var m registration
	if err := json.Unmarshal([]byte(meta), &m); err != nil {
		return nil, err
	}
	return &client{ID: id, Name: m.ClientName, RedirectURIs: m.RedirectURIs, SecretHash: secretHash, AuthMethod: m.TokenEndpointAuthMethod, GrantTypes: m.GrantTypes}, nil
}

// authenticateClient checks a token-endpoint caller's credentials (RFC 6749
// §2.3): HTTP Basic or client_secret_post, or only client_id for public
// clients. Basic with an empty password is accepted for public clients
// because golang.org/x/oauth2's auto-detection sends exactly that.
func (s *Server) authenticateClient(r *http.Request) (*client, *oauthError) {
	id, secret, basic := r.BasicAuth()
	if basic {
		var err1, err2 error
		id, err1 = url.QueryUnescape(id)
		secret, err2 = url.QueryUnescape(secret)
		if err1 != nil || err2 != nil {
			return nil, &oauthError{"invalid_client", "malformed Authorization header"}
		}
		if f := r.PostForm.Get("client_id"); f != "" && f != id {
			return nil, &oauthError{"invalid_request", "client_id in the body differs from the Authorization header"}
		}
	} else {
		id = r.PostForm.Get("client_id")
		secret = r.PostForm.Get("client_secret")
	}
	if id == "" {
		return nil, &oauthError{"invalid_client", "client authentication is required (client_id missing)"}
	}
	c, err := s.lookupClient(r.Context(), id)
	if err != nil {
		var ce *clientError
		if errors.As(err, &ce) {
			return nil, &oauthError{"invalid_client", ce.msg}
		}
		s.log.ErrorContext(r.Context(), "localauth: client lookup failed", "err", err)
		return nil, &oauthError{"server_error", "client lookup failed"}
	}
	if c.public() {
		if secret != "" {
			return nil, &oauthError{"invalid_client", "this is a public client; it must not send a client_secret"}
		}
		return c, nil
	}
	if secret == "" {
		return nil, &oauthError{"invalid_client", "client_secret is required for this client"}
	}
	if subtle.ConstantTimeCompare([]byte(hashToken(secret)), []byte(c.SecretHash)) != 1 {
		return nil, &oauthError{"invalid_client", "client authentication failed"}
	}
	return c, nil
}

// registration is RFC 7591 client metadata, as stored and returned.
type registration struct {
	RedirectURIs            []string `json:"redirect_uris"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
	GrantTypes              []string `json:"grant_types"`
	ResponseTypes           []string `json:"response_types"`
	ClientName              string   `json:"client_name,omitempty"`
	ClientURI               string   `json:"client_uri,omitempty"`
	LogoURI                 string   `json:"logo_uri,omitempty"`
	Scope                   string   `json:"scope,omitempty"`
	Contacts                []string `json:"contacts,omitempty"`
	TOSURI                  string   `json:"tos_uri,omitempty"`
	PolicyURI               string   `json:"policy_uri,omitempty"`
	SoftwareID              string   `json:"software_id,omitempty"`
	SoftwareVersion         string   `json:"software_version,omitempty"`
	ApplicationType         string   `json:"application_type,omitempty"`
}

const maxRedirectURIs = 20

// validate normalises defaults and returns an RFC 7591 error code and description.
func (m *registration) validate() (string, string) {
	if len(m.RedirectURIs) == 0 {
		return "invalid_redirect_uri", "redirect_uris is required and must not be empty"
	}
	if len(m.RedirectURIs) > maxRedirectURIs {
		return "invalid_redirect_uri", fmt.Sprintf("at most %d redirect_uris", maxRedirectURIs)
	}
	for _, u := range m.RedirectURIs {
		if err := validateRedirectURI(u); err != nil {
			return "invalid_redirect_uri", err.Error()
		}
	}
	switch m.TokenEndpointAuthMethod {
	case "":
		// RFC 7591's default is client_secret_basic, but a client that omits
		// the method and then ignores the secret would be locked out; a
		// public client (PKCE) is what MCP clients are, and the response
		// says which method was chosen.
		m.TokenEndpointAuthMethod = "none"
	case "none", "client_secret_post", "client_secret_basic":
	default:
		return "invalid_client_metadata", fmt.Sprintf("token_endpoint_auth_method %q is not supported (none, client_secret_post, client_secret_basic)", m.TokenEndpointAuthMethod)
	}
	if len(m.GrantTypes) == 0 {
		m.GrantTypes = slices.Clone(defaultGrantTypes)
	}
	for _, g := range m.GrantTypes {
		if g != "authorization_code" && g != "refresh_token" {
			return "invalid_client_metadata", fmt.Sprintf("grant_type %q is not supported (authorization_code, refresh_token)", g)
		}
	}
	if !slices.Contains(m.GrantTypes, "authorization_code") {
		return "invalid_client_metadata", "grant_types must include authorization_code"
	}
	if len(m.ResponseTypes) == 0 {
		m.ResponseTypes = []string{"code"}
	}
	for _, rt := range m.ResponseTypes {
		if rt != "code" {
			return "invalid_client_metadata", fmt.Sprintf("response_type %q is not supported (code)", rt)
		}
	}
	if len(m.ClientName) > 200 {
		return "invalid_client_metadata", "client_name is longer than 200 characters"
	}
	for name, v := range map[string]string{"client_uri": m.ClientURI, "logo_uri": m.LogoURI, "tos_uri": m.TOSURI, "policy_uri": m.PolicyURI} {
		if v == "" {
			continue
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return "invalid_client_metadata", name + " must be an absolute http(s) URL"
		}
	}
	if m.Scope != "" {
		for _, sc := range strings.Fields(m.Scope) {
			if !validScopeToken(sc) {
				return "invalid_client_metadata", fmt.Sprintf("scope %q is not a valid scope token", sc)
			}
		}
	}
	switch m.ApplicationType {
	case "", "web", "native":
	default:
		return "invalid_client_metadata", fmt.Sprintf("application_type %q is not supported (web, native)", m.ApplicationType)
	}
	return "", ""
}

// handleRegister is RFC 7591 dynamic client registration.
func (s *Server) handleRegister(w http.ResponseWriter, r *http.Request) {
	if !browserEndpoint(w, r, http.MethodPost) {
		return
	}
	body, err := readBody(w, r)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_client_metadata", err.Error()})
		return
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil || raw == nil {
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_client_metadata", "the body must be a JSON object of client metadata"})
		return
	}
	var m registration
	if err := json.Unmarshal(body, &m); err != nil {
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_client_metadata", "client metadata has a field of the wrong type: " + jsonFieldError(err)})
		return
	}
	if code, desc := m.validate(); code != "" {
		writeJSON(w, http.StatusBadRequest, oauthError{code, desc})
		return
	}
	id := "client_" + randomToken(16)
	var secret, secretHash string
	if m.TokenEndpointAuthMethod != "none" {
		secret = "secret_" + randomToken(32)
		secretHash = hashToken(secret)
	}
	meta, _ := json.Marshal(m)
	now := s.now()
	if _, err := s.store.db.ExecContext(r.Context(), `INSERT INTO clients(client_id, secret_hash, metadata, created_at) VALUES(?,?,?,?)`,
		id, secretHash, string(meta), now.Unix()); err != nil {
		s.log.ErrorContext(r.Context(), "localauth: store client", "err", err)
		writeJSON(w, http.StatusInternalServerError, oauthError{"server_error", "could not store the client"})
		return
	}
	resp := map[string]any{}
	json.Unmarshal(meta, &resp)
	resp["client_id"] = id
	resp["client_id_issued_at"] = now.Unix()
	if secret != "" {
		resp["client_secret"] = secret
		resp["client_secret_expires_at"] = 0
	}
	s.log.InfoContext(r.Context(), "localauth: client registered", "client_id", id, "client_name", m.ClientName, "auth_method", m.TokenEndpointAuthMethod)
	writeJSON(w, http.StatusCreated, resp)
}

func jsonFieldError(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return te.Field
	}
	return "malformed JSON"
}

var schemeRE = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.\-]*$`)

// forbiddenSchemes can run code or read local data in a browser.
var forbiddenSchemes = map[string]bool{"javascript": true, "data": true, "vbscript": true, "file": true, "about": true, "blob": true, "filesystem": true}

// validateRedirectURI accepts https URLs, http URLs on loopback hosts, and
// private-use schemes (RFC 8252 §7.1) such as cursor://; never a fragment.
func validateRedirectURI(raw string) error {
	if raw == "" {
		return errors.New("redirect URI is empty")
	}
	if len(raw) > 2000 {
		return errors.New("redirect URI is too long")
	}
	if strings.Contains(raw, "#") {
		return fmt.Errorf("redirect URI %q must not contain a fragment", raw)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return fmt.Errorf("redirect URI %q is not an absolute URI", raw)
	}
	if !schemeRE.MatchString(u.Scheme) {
		return fmt.Errorf("redirect URI %q has an invalid scheme", raw)
	}
	scheme := strings.ToLower(u.Scheme)
	if u.User != nil {
		return fmt.Errorf("redirect URI %q must not contain user information", raw)
	}
	switch {
	case scheme == "https":
		if u.Host == "" {
			return fmt.Errorf("redirect URI %q has no host", raw)
		}
	case scheme == "http":
		if !isLoopbackHost(u.Hostname()) {
			return fmt.Errorf("redirect URI %q: plain http is only allowed for loopback hosts (127.0.0.1, [::1], localhost)", raw)
		}
	case forbiddenSchemes[scheme]:
		return fmt.Errorf("redirect URI %q uses the forbidden scheme %q", raw, scheme)
	}
	return nil
}

// redirectMatches compares a requested redirect URI with a registered one:
// exactly, except that a loopback http URI may use any port (RFC 8252 §7.3).
func redirectMatches(registered, requested string) bool {
	if registered == requested {
		return true
	}
	a, err1 := url.Parse(registered)
	b, err2 := url.Parse(requested)
	if err1 != nil || err2 != nil {
		return false
	}
	if a.Scheme != "http" || b.Scheme != "http" || !isLoopbackHost(a.Hostname()) {
		return false
	}
	return strings.EqualFold(a.Hostname(), b.Hostname()) && a.Path == b.Path && a.RawQuery == b.RawQuery &&
		a.User == nil && b.User == nil && b.Fragment == ""
}

func (c *client) redirectAllowed(uri string) bool {
	for _, reg := range c.RedirectURIs {
		if redirectMatches(reg, uri) {
			return true
		}
	}
	return false
}

func isLoopbackHost(h string) bool {
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// validScopeToken is RFC 6749 §3.3's scope-token syntax.
func validScopeToken(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < 0x21 || c == 0x22 || c == 0x5c || c > 0x7e {
			return false
		}
	}
	return true
}
