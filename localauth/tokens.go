package localauth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

var verifierRE = regexp.MustCompile(`^[A-Za-z0-9\-._~]{43,128}$`)

// tokenResponse is RFC 6749 §5.1.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	Scope        string `json:"scope,omitempty"`
	RefreshToken string `json:"refresh_token,omitempty"`
	IDToken      string `json:"id_token,omitempty"`
}

func tokenError(w http.ResponseWriter, e *oauthError) {
	status := http.StatusBadRequest
	switch e.Error {
	case "invalid_client":
		status = http.StatusUnauthorized
		w.Header().Set("WWW-Authenticate", `Basic realm="oauth2"`)
	case "server_error":
		status = http.StatusInternalServerError
	}
	writeJSON(w, status, e)
}

// duplicateParam returns the name of a parameter sent more than once
// (RFC 6749 §3.1: parameters must not be repeated).
func duplicateParam(v url.Values) string {
	for k, vs := range v {
		if len(vs) > 1 {
			return k
		}
	}
	return ""
}

// repeatedParamError is the error code for a repeated parameter: RFC 8707
// allows several resources, and a server that takes one answers
// invalid_target; anything else is a malformed request.
func repeatedParamError(name string) string {
	if name == "resource" {
		return "invalid_target"
	}
	return "invalid_request"
}

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Pragma", "no-cache")
	if !browserEndpoint(w, r, http.MethodPost) {
		return
	}
	if err := parseForm(w, r); err != nil {
		tokenError(w, &oauthError{"invalid_request", err.Error()})
		return
	}
	if d := duplicateParam(r.PostForm); d != "" {
		tokenError(w, &oauthError{repeatedParamError(d), "parameter " + d + " is repeated"})
		return
	}
	gt := r.PostForm.Get("grant_type")
	if gt == "" {
		tokenError(w, &oauthError{"invalid_request", "grant_type is required"})
		return
	}
	if gt != "authorization_code" && gt != "refresh_token" {
		tokenError(w, &oauthError{"unsupported_grant_type", "grant_type must be authorization_code or refresh_token"})
		return
	}
	c, oerr := s.authenticateClient(r)
	if oerr != nil {
		tokenError(w, oerr)
		return
	}
	if gt == "refresh_token" && !c.canRefresh() {
		tokenError(w, &oauthError{"unauthorized_client", "this client did not register the refresh_token grant type (grant_types)"})
		return
	}
	var resp *tokenResponse
	if gt == "authorization_code" {
		resp, oerr = s.exchangeCode(r.Context(), c, r.PostForm)
	} else {
		resp, oerr = s.refresh(r.Context(), c, r.PostForm)
	}
	if oerr != nil {
		if oerr.Error == "server_error" {
			// The detail is for the operator's log, not the client.
			s.log.ErrorContext(r.Context(), "localauth: token request failed", "grant_type", gt, "client_id", c.ID, "reason", oerr.Description)
			oerr = &oauthError{"server_error", "the server could not complete the request; try again"}
		}
		tokenError(w, oerr)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) exchangeCode(ctx context.Context, c *client, f url.Values) (*tokenResponse, *oauthError) {
	code := f.Get("code")
	if code == "" {
		return nil, &oauthError{"invalid_request", "code is required"}
	}
	verifier := f.Get("code_verifier")
	if verifier == "" {
		return nil, &oauthError{"invalid_request", "code_verifier is required (PKCE)"}
	}
	g, exp, used, err := s.store.lookupCode(ctx, hashToken(code))
	if oe := lookupFailed(err, "the authorization code is unknown or expired"); oe != nil {
		return nil, oe
	}
	if used {
		// RFC 6749 §4.1.2: a second use revokes what the first one got.
		if err := s.store.revokeSession(ctx, g.SID); err != nil {
			return nil, &oauthError{"server_error", err.Error()}
		}
		return nil, s.codeReused(ctx, c)
	}
	if !s.now().Before(exp) {
		return nil, &oauthError{"invalid_grant", "the authorization code has expired"}
	}
	if g.ClientID != c.ID {
		return nil, &oauthError{"invalid_grant", "the authorization code was issued to another client"}
	}
	if ru := f.Get("redirect_uri"); ru != g.RedirectURI && (ru != "" || g.RedirectURI != "" && g.RedirectExplicit) {
		return nil, &oauthError{"invalid_grant", "redirect_uri does not match the authorization request"}
	}
	if !verifierRE.MatchString(verifier) {
		return nil, &oauthError{"invalid_grant", "code_verifier must be 43-128 characters of [A-Za-z0-9-._~]"}
	}
	sum := sha256.Sum256([]byte(verifier))
	if subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(g.Challenge)) != 1 {
		return nil, &oauthError{"invalid_grant", "code_verifier does not match the code_challenge"}
	}
	if res := f.Get("resource"); res != "" {
		if err := validateResource(res); err != nil {
			return nil, &oauthError{"invalid_target", err.Error()}
		}
		if g.Resource != "" && res != g.Resource {
			return nil, &oauthError{"invalid_target", "resource differs from the one in the authorization request"}
		}
		if g.Resource == "" {
			g.Resource, g.Audience = res, res
		}
	}
	// Every check passed: only now is the code spent, so that a request
	// with a wrong verifier, client or redirect URI changes nothing.
	if err := s.store.consumeCode(ctx, hashToken(code), g.SID); errors.Is(err, errReused) {
		return nil, s.codeReused(ctx, c)
	} else if err != nil {
		return nil, &oauthError{"server_error", err.Error()}
	}
	if !c.canRefresh() {
		g.Scope = withoutScope(g.Scope, "offline_access")
	}
	return s.mint(ctx, g, g.Scope)
}

// lookupFailed maps the error of a code or refresh token lookup to the OAuth answer: a token
// the store does not know is invalid_grant, with unknown as its description; any other failure
// is a server_error. It is nil when err is.
func lookupFailed(err error, unknown string) *oauthError {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrNotFound):
		return &oauthError{"invalid_grant", unknown}
	default:
		return &oauthError{"server_error", err.Error()}
	}
}

func (s *Server) codeReused(ctx context.Context, c *client) *oauthError {
	s.log.WarnContext(ctx, "localauth: authorization code reused; its session is revoked", "client_id", c.ID)
	return &oauthError{"invalid_grant", "the authorization code was already used; every token issued from it is revoked"}
}

func (s *Server) refresh(ctx context.Context, c *client, f url.Values) (*tokenResponse, *oauthError) {
	rt := f.Get("refresh_token")
	if rt == "" {
		return nil, &oauthError{"invalid_request", "refresh_token is required"}
	}
	g, used, exp, err := s.store.lookupRefresh(ctx, hashToken(rt))
	if oe := lookupFailed(err, "the refresh token is unknown"); oe != nil {
		return nil, oe
	}
	if g.ClientID != c.ID {
		return nil, &oauthError{"invalid_grant", "the refresh token was issued to another client"}
	}
	if used {
		if err := s.store.revokeSession(ctx, g.SID); err != nil {
			return nil, &oauthError{"server_error", err.Error()}
		}
		s.log.WarnContext(ctx, "localauth: refresh token reused; its session is revoked", "client_id", c.ID, "sid", g.SID)
		return nil, &oauthError{"invalid_grant", "the refresh token was already used; the session is revoked"}
	}
	if !s.now().Before(exp) {
		return nil, &oauthError{"invalid_grant", "the refresh token has expired"}
	}
	if ok, err := s.store.sessionActive(ctx, g.SID); err != nil {
		return nil, &oauthError{"server_error", err.Error()}
	} else if !ok {
		return nil, &oauthError{"invalid_grant", "the session was revoked"}
	}
	scope := g.Scope
	if sc := f.Get("scope"); sc != "" {
		granted := strings.Fields(g.Scope)
		for _, x := range strings.Fields(sc) {
			if !slices.Contains(granted, x) {
				return nil, &oauthError{"invalid_scope", "scope " + strconv.Quote(x) + " was not granted originally"}
			}
		}
		scope = strings.Join(strings.Fields(sc), " ")
	}
	if res := f.Get("resource"); res != "" && res != g.Audience {
		return nil, &oauthError{"invalid_target", "a refresh may not change the resource; it keeps the original audience"}
	}
	next := *g
	resp, oerr := s.mintAccess(ctx, &next, scope, "")
	if oerr != nil {
		return nil, oerr
	}
	newRT := "rt_" + randomToken(32)
	err = s.store.rotateRefresh(ctx, hashToken(rt), hashToken(newRT), &next, s.now().Add(s.opts.RefreshTokenTTL), s.now())
	if errors.Is(err, errReused) {
		s.store.revokeSession(ctx, g.SID)
		return nil, &oauthError{"invalid_grant", "the refresh token was already used; the session is revoked"}
	}
	if err != nil {
		return nil, &oauthError{"server_error", err.Error()}
	}
	resp.RefreshToken = newRT
	return resp, nil
}

// mint issues an access token (and, for the code grant, a refresh token when
// offline_access was granted, and an ID token when openid was).
func (s *Server) mint(ctx context.Context, g *grant, scope string) (*tokenResponse, *oauthError) {
	resp, oerr := s.mintAccess(ctx, g, scope, g.Nonce)
	if oerr != nil {
		return nil, oerr
	}
	if slices.Contains(strings.Fields(scope), "offline_access") {
		rt := "rt_" + randomToken(32)
		err := s.store.tx(ctx, func(tx *sql.Tx) error {
			return s.store.putRefresh(ctx, tx, hashToken(rt), g, s.now().Add(s.opts.RefreshTokenTTL))
		})
		if err != nil {
			return nil, &oauthError{"server_error", err.Error()}
		}
		resp.RefreshToken = rt
	}
	return resp, nil
}

// subject resolves the person and membership a grant stands for, freshly, so
// that a refresh picks up role changes and a removed person loses access.
func (s *Server) subject(ctx context.Context, g *grant) (Person, *Membership, *oauthError) {
	if g.External != nil {
		return *g.External, nil, nil
	}
	p, err := s.dir.PersonByID(ctx, g.UserID)
	if errors.Is(err, ErrNotFound) {
		return Person{}, nil, &oauthError{"invalid_grant", "the person no longer exists"}
	}
	if err != nil {
		return Person{}, nil, &oauthError{"server_error", "directory: " + err.Error()}
	}
	if g.OrgID == "" {
		return p, nil, nil
	}
	ms, err := s.dir.Memberships(ctx, g.UserID)
	if err != nil {
		return Person{}, nil, &oauthError{"server_error", "directory: " + err.Error()}
	}
	for i := range ms {
		if ms[i].OrganizationID == g.OrgID {
			return p, &ms[i], nil
		}
	}
	return Person{}, nil, &oauthError{"invalid_grant", "the person is no longer a member of the organization"}
}

// mintAccess signs an access token and, with openid, an ID token carrying
// nonce when one is given (OIDC Core §3.1.3.6; a refresh sends none, §12.2).
func (s *Server) mintAccess(ctx context.Context, g *grant, scope, nonce string) (*tokenResponse, *oauthError) {
	person, m, oerr := s.subject(ctx, g)
	if oerr != nil {
		return nil, oerr
	}
	if ok, err := s.store.sessionActive(ctx, g.SID); err != nil {
		return nil, &oauthError{"server_error", err.Error()}
	} else if !ok {
		return nil, &oauthError{"invalid_grant", "the session was revoked"}
	}
	now := s.now()
	exp := now.Add(s.opts.AccessTokenTTL)
	claims := jwt.MapClaims{
		"iss":       s.issuer,
		"sub":       person.ID,
		"aud":       g.Audience,
		"client_id": g.ClientID,
		"sid":       g.SID,
		"jti":       "jti_" + randomToken(16),
		"iat":       now.Unix(),
		"exp":       exp.Unix(),
		"scope":     scope,
	}
	if m != nil {
		claims["org_id"] = m.OrganizationID
		role := m.Role
		roles := m.Roles
		if len(roles) == 0 && role != "" {
			roles = []string{role}
		}
		if role == "" && len(roles) > 0 {
			role = roles[0]
		}
		if role != "" {
			claims["role"] = role
			claims["roles"] = roles
		}
		perms := m.Permissions
		if perms == nil {
			perms = []string{}
		}
		claims["permissions"] = perms
	}
	at, err := s.sign(claims)
	if err != nil {
		return nil, &oauthError{"server_error", err.Error()}
	}
	resp := &tokenResponse{AccessToken: at, TokenType: "Bearer", ExpiresIn: int64(s.opts.AccessTokenTTL / time.Second), Scope: scope}
	if slices.Contains(strings.Fields(scope), "openid") {
		idc := jwt.MapClaims{
			"iss": s.issuer, "sub": person.ID, "aud": g.ClientID, "iat": now.Unix(), "exp": exp.Unix(),
			"auth_time": g.AuthTime.Unix(), "sid": g.SID,
		}
		if nonce != "" {
			idc["nonce"] = nonce
		}
		if slices.Contains(strings.Fields(scope), "email") {
			idc["email"] = person.Email
			idc["email_verified"] = true
		}
		if slices.Contains(strings.Fields(scope), "profile") {
			addProfile(idc, person)
		}
		if resp.IDToken, err = s.sign(idc); err != nil {
			return nil, &oauthError{"server_error", err.Error()}
		}
	}
	return resp, nil
}

func addProfile(c jwt.MapClaims, p Person) {
	if p.FirstName != "" {
		c["given_name"] = p.FirstName
	}
	if p.LastName != "" {
		c["family_name"] = p.LastName
	}
	c["name"] = p.Name()
}

func (s *Server) sign(claims jwt.MapClaims) (string, error) {
	k := s.keys.current()
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	t.Header["kid"] = k.kid
	return t.SignedString(k.key)
}

// parseAccessToken verifies one of our access tokens: signature, issuer,
// expiry, and that neither the token nor its session was revoked.
func (s *Server) parseAccessToken(ctx context.Context, raw string) (jwt.MapClaims, error) {
	if len(raw) > 16<<10 {
		return nil, errors.New("token too large")
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		if k := s.keys.byKID(kid); k != nil {
			return k, nil
		}
		return nil, errNoKey
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(s.issuer), jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(s.now))
	if err != nil {
		return nil, err
	}
	if _, ok := claims["client_id"].(string); !ok {
		return nil, errors.New("not an access token") // ID tokens carry no client_id
	}
	if jti, _ := claims["jti"].(string); jti != "" {
		if revoked, err := s.store.jtiRevoked(ctx, jti); err != nil || revoked {
			return nil, errors.New("token revoked")
		}
	}
	if sid, _ := claims["sid"].(string); sid != "" {
		if ok, err := s.store.sessionActive(ctx, sid); err != nil || !ok {
			return nil, errors.New("session revoked")
		}
	}
	return claims, nil
}

// introspectionCaller decides what a caller may introspect: everything with
// the API key (as a bearer token, or as the environment client's secret),
// otherwise only its own tokens.
func (s *Server) introspectionCaller(r *http.Request) (all bool, c *client, oerr *oauthError) {
	if s.opts.APIKey != "" {
		if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			if subtle.ConstantTimeCompare([]byte(tok), []byte(s.opts.APIKey)) == 1 {
				return true, nil, nil
			}
			return false, nil, &oauthError{"invalid_client", "invalid API key"}
		}
		id, secret, basic := r.BasicAuth()
		if !basic {
			id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		}
		if id != "" && id == s.opts.ClientID && subtle.ConstantTimeCompare([]byte(secret), []byte(s.opts.APIKey)) == 1 {
			return true, nil, nil
		}
	}
	c, oerr = s.authenticateClient(r)
	return false, c, oerr
}

func (s *Server) handleIntrospect(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if r.Method != http.MethodPost {
		methodNotAllowed(w, "POST")
		return
	}
	if err := parseForm(w, r); err != nil {
		tokenError(w, &oauthError{"invalid_request", err.Error()})
		return
	}
	all, c, oerr := s.introspectionCaller(r)
	if oerr != nil {
		tokenError(w, oerr)
		return
	}
	tok := r.PostForm.Get("token")
	if tok == "" {
		tokenError(w, &oauthError{"invalid_request", "token is required"})
		return
	}
	inactive := map[string]any{"active": false}
	ctx := r.Context()
	if g, used, exp, err := s.store.lookupRefresh(ctx, hashToken(tok)); err == nil {
		active, _ := s.store.sessionActive(ctx, g.SID)
		if used || !active || !s.now().Before(exp) || (!all && g.ClientID != c.ID) {
			writeJSON(w, http.StatusOK, inactive)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"active": true, "token_type": "refresh_token", "client_id": g.ClientID, "sub": g.UserID,
			"scope": g.Scope, "exp": exp.Unix(), "sid": g.SID, "iss": s.issuer, "aud": g.Audience,
		})
		return
	}
	claims, err := s.parseAccessToken(ctx, tok)
	if err != nil || (!all && claims["client_id"] != c.ID) {
		writeJSON(w, http.StatusOK, inactive)
		return
	}
	out := map[string]any{"active": true, "token_type": "Bearer"}
	for k, v := range claims {
		out[k] = v
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleUserinfo(w http.ResponseWriter, r *http.Request) {
	if !browserEndpoint(w, r, http.MethodGet, http.MethodPost) {
		return
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="userinfo"`)
		writeJSON(w, http.StatusUnauthorized, oauthError{"invalid_request", "a bearer access token is required"})
		return
	}
	claims, err := s.parseAccessToken(r.Context(), tok)
	if err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="the access token is invalid, expired or revoked"`)
		writeJSON(w, http.StatusUnauthorized, oauthError{"invalid_token", "the access token is invalid, expired or revoked"})
		return
	}
	sub, _ := claims["sub"].(string)
	scopes := strings.Fields(claimString(claims, "scope"))
	out := jwt.MapClaims{"sub": sub}
	g := grant{UserID: sub}
	if p, _, oerr := s.subjectForUserinfo(r.Context(), &g, claims); oerr == nil {
		if slices.Contains(scopes, "email") {
			out["email"] = p.Email
			out["email_verified"] = true
		}
		if slices.Contains(scopes, "profile") {
			addProfile(out, p)
		}
	}
	if org := claimString(claims, "org_id"); org != "" {
		out["org_id"] = org
	}
	writeJSON(w, http.StatusOK, out)
}

// subjectForUserinfo finds the person behind a token: in the Directory, or
// among Standalone Connect people.
func (s *Server) subjectForUserinfo(ctx context.Context, g *grant, _ jwt.MapClaims) (Person, *Membership, *oauthError) {
	if p, err := s.store.externalPersonByID(ctx, g.UserID); err == nil {
		return p, nil, nil
	}
	return s.subject(ctx, g)
}

func claimString(c jwt.MapClaims, k string) string {
	v, _ := c[k].(string)
	return v
}

func (s *Server) handleRevoke(w http.ResponseWriter, r *http.Request) {
	if !browserEndpoint(w, r, http.MethodPost) {
		return
	}
	if err := parseForm(w, r); err != nil {
		tokenError(w, &oauthError{"invalid_request", err.Error()})
		return
	}
	c, oerr := s.authenticateClient(r)
	if oerr != nil {
		tokenError(w, oerr)
		return
	}
	tok := r.PostForm.Get("token")
	if tok == "" {
		tokenError(w, &oauthError{"invalid_request", "token is required"})
		return
	}
	ctx := r.Context()
	// RFC 7009 §2.2: unknown or foreign tokens still get 200, so that the
	// answer reveals nothing.
	if g, _, _, err := s.store.lookupRefresh(ctx, hashToken(tok)); err == nil {
		if g.ClientID == c.ID {
			if err := s.store.revokeSession(ctx, g.SID); err != nil {
				tokenError(w, &oauthError{"server_error", "could not revoke"})
				return
			}
		}
		w.WriteHeader(http.StatusOK)
		return
	}
	if claims, err := s.parseAccessToken(ctx, tok); err == nil && claims["client_id"] == c.ID {
		exp, _ := claims.GetExpirationTime()
		if jti := claimString(claims, "jti"); jti != "" && exp != nil {
			if err := s.store.revokeJTI(ctx, jti, exp.Time, s.now()); err != nil {
				tokenError(w, &oauthError{"server_error", "could not revoke"})
				return
			}
		}
		if sid := claimString(claims, "sid"); sid != "" {
			if err := s.store.revokeSession(ctx, sid); err != nil {
				tokenError(w, &oauthError{"server_error", "could not revoke"})
				return
			}
		}
	}
	w.WriteHeader(http.StatusOK)
}

// validateResource checks an RFC 8707 resource indicator.
func validateResource(res string) error {
	u, err := url.Parse(res)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return errors.New("resource must be an absolute URI")
	}
	if u.Fragment != "" || strings.Contains(res, "#") {
		return errors.New("resource must not contain a fragment")
	}
	return nil
}
