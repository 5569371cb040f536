package emulator

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// AuthKit sessions: POST /user_management/authenticate answers RS256 JWT access tokens with
// WorkOS's claims, signed by a key per environment (kept in SQLite, published at
// GET /sso/jwks/{clientId}), and one-use refresh tokens that rotate.

// AccessTokenTTL is the lifetime of the access tokens the emulator issues (WorkOS's: 5 minutes).
const AccessTokenTTL = 5 * time.Minute

const sessionSchema = `
CREATE TABLE IF NOT EXISTS signing_keys (
	env TEXT PRIMARY KEY, kid TEXT NOT NULL, key_der BLOB NOT NULL, cert_der BLOB NOT NULL, created_at TEXT NOT NULL);
`

type signingKey struct {
	kid  string
	priv *rsa.PrivateKey
	cert []byte // self-signed certificate (DER) for the JWKS's x5c
}

// signingKey returns the environment's key, creating it on first use in the request's
// transaction. Only keys read back from the database are cached, so a key whose transaction rolls
// back is never used again.
func (t *tx) signingKey() (*signingKey, error) {
	if k, ok := t.e.keys.Load(t.env); ok {
		return k.(*signingKey), nil
	}
	var kid string
	var der, cert []byte
	err := t.sql.QueryRowContext(t.ctx, `SELECT kid, key_der, cert_der FROM signing_keys WHERE env = ?`, t.env).Scan(&kid, &der, &cert)
	if err == nil {
		priv, err := x509.ParsePKCS1PrivateKey(der)
		if err != nil {
			return nil, err
		}
		k := &signingKey{kid: kid, priv: priv, cert: cert}
		t.e.keys.Store(t.env, k)
		return k, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(t.now.UnixNano()), Subject: pkix.Name{CommonName: "WorkOS emulator " + t.env},
		NotBefore: t.now.Add(-time.Hour), NotAfter: t.now.Add(10 * 365 * 24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	cert, err = x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		return nil, err
	}
	k := &signingKey{kid: "sso_oidc_key_pair_" + t.e.ids.next(t.now), priv: priv, cert: cert}
	if _, err := t.sql.ExecContext(t.ctx, `INSERT INTO signing_keys (env, kid, key_der, cert_der, created_at) VALUES (?, ?, ?, ?, ?)`,
		t.env, k.kid, x509.MarshalPKCS1PrivateKey(priv), cert, formatTime(t.now)); err != nil {
		return nil, err
	}
	return k, nil
}

// getJWKS publishes the public key of the environment a client ID belongs to.
func getJWKS(c *call) (int, any, error) {
	env, ok := c.e.environmentByClientID(c.param("clientId"))
	if !ok {
		return 0, nil, &apiError{Status: http.StatusNotFound, Message: "Client not found: '" + c.param("clientId") + "'."}
	}
	c.env, c.t.env, c.t.clientID = env, env.Name, env.ClientID
	k, err := c.t.signingKey()
	if err != nil {
		return 0, nil, err
	}
	b64 := base64.RawURLEncoding.EncodeToString
	thumb := sha256.Sum256(k.cert)
	return http.StatusOK, map[string]any{"keys": []map[string]any{{
		"alg": "RS256", "kty": "RSA", "use": "sig", "kid": k.kid,
		"n": b64(k.priv.N.Bytes()), "e": b64(big.NewInt(int64(k.priv.E)).Bytes()),
		"x5c": []string{base64.StdEncoding.EncodeToString(k.cert)}, "x5t#S256": b64(thumb[:]),
	}}}, nil
}

// authInput is the body of POST /user_management/authenticate, JSON or form-encoded.
type authInput struct {
	ClientID                   string `json:"client_id"`
	ClientSecret               string `json:"client_secret"`
	GrantType                  string `json:"grant_type"`
	Email                      string `json:"email"`
	Password                   string `json:"password"`
	Code                       string `json:"code"`
	RefreshToken               string `json:"refresh_token"`
	PendingAuthenticationToken string `json:"pending_authentication_token"`
	OrganizationID             string `json:"organization_id"`
	IPAddress                  string `json:"ip_address"`
	UserAgent                  string `json:"user_agent"`
}

// The grant types of the spec.
const (
	grantPassword       = "password"
	grantRefresh        = "refresh_token"
	grantMagicAuth      = "urn:workos:oauth:grant-type:magic-auth:code"
	grantEmailVerify    = "urn:workos:oauth:grant-type:email-verification:code"
	grantOrgSelection   = "urn:workos:oauth:grant-type:organization-selection"
	pendingTokenTTL     = 10 * time.Minute
	refreshTokenObjType = "refresh_token"
	pendingObjType      = "pending_authentication"
)

// oauthError is the spec's OAuth-style error body ({error, error_description}).
func oauthError(code, desc string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Text: code, Description: desc, Message: desc}
}

func tokenKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// storedRefresh is a refresh token, kept by the hash of its value; using it removes it.
type storedRefresh struct {
	SessionID      string `json:"session_id"`
	UserID         string `json:"user_id"`
	OrganizationID string `json:"organization_id"`
	CreatedAt      string `json:"created_at"`
}

// pendingAuth is what a pending_authentication_token stands for: a person who proved who they
// are but must still verify their email or pick an organization.
type pendingAuth struct {
	UserID    string `json:"user_id"`
	Kind      string `json:"kind"`   // email_verification | organization_selection
	Method    string `json:"method"` // the authentication method so far (Password, MagicAuth)
	ExpiresAt string `json:"expires_at"`
}

func authenticate(c *call) (int, any, error) {
	var in authInput
	if strings.HasPrefix(c.r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		form, err := url.ParseQuery(string(c.body))
		if err != nil {
			return 0, nil, invalidField("body", "invalid_form", "The request body is not a valid form.")
		}
		in = authInput{ClientID: form.Get("client_id"), ClientSecret: form.Get("client_secret"), GrantType: form.Get("grant_type"),
			Email: form.Get("email"), Password: form.Get("password"), Code: form.Get("code"), RefreshToken: form.Get("refresh_token"),
			PendingAuthenticationToken: form.Get("pending_authentication_token"), OrganizationID: form.Get("organization_id"),
			IPAddress: form.Get("ip_address"), UserAgent: form.Get("user_agent")}
	} else if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	env, ok := c.e.environmentByClientID(in.ClientID)
	secret := in.ClientSecret
	if secret == "" {
		secret = bearer(c.r)
	}
	// A refresh may come from a public client (no secret); a secret given must still be right.
	publicOK := in.GrantType == grantRefresh && secret == ""
	if !ok || (!publicOK && subtle.ConstantTimeCompare([]byte(secret), []byte(env.APIKey)) != 1) {
		return 0, nil, &apiError{Status: http.StatusUnauthorized, Code: "invalid_client", Message: "Invalid client ID or client secret."}
	}
	// The environment is known only now: switch the transaction to it.
	c.env, c.t.env, c.t.clientID = env, env.Name, env.ClientID
	a := &authn{c: c, in: in}
	if in.IPAddress != "" {
		a.ip = &in.IPAddress
	}
	if in.UserAgent != "" {
		a.ua = &in.UserAgent
	}
	switch in.GrantType {
	case grantPassword:
		return a.password()
	case grantRefresh:
		return a.refresh()
	case grantMagicAuth:
		return a.magicAuth()
	case grantEmailVerify:
		return a.emailVerification()
	case grantOrgSelection:
		return a.organizationSelection()
	case "":
		return 0, nil, oauthError("invalid_request", "grant_type is required.")
	default:
		return 0, nil, oauthError("invalid_request", "The emulator does not support grant_type "+in.GrantType+
			"; it supports password, refresh_token, magic auth, email verification and organization selection.")
	}
}

// authn is one authenticate request.
type authn struct {
	c      *call
	in     authInput
	ip, ua *string
}

func (a *authn) password() (int, any, error) {
	t := a.c.t
	u, err := t.userByEmail(a.in.Email)
	// A failed sign-in answers 400 but is recorded as an event, as WorkOS does, so that
	// "why can't they sign in" can be answered from GET /events.
	fail := func(userID *string) (int, any, error) {
		ae := badRequest("invalid_credentials", "Invalid credentials.")
		email := strings.ToLower(strings.TrimSpace(a.in.Email))
		if err := t.emit("authentication.password_failed", "", map[string]any{"type": "password", "status": "failed", "user_id": userID,
			"email": email, "ip_address": a.ip, "user_agent": a.ua, "error": map[string]any{"code": ae.Code, "message": ae.Message}}); err != nil {
			return 0, nil, err
		}
		return 0, nil, recordedFailure{ae}
	}
	if errors.Is(err, errNotFound) {
		return fail(nil)
	}
	if err != nil {
		return 0, nil, err
	}
	p, err := load[password](t, "password", u.ID)
	if errors.Is(err, errNotFound) || (err == nil && !p.matches(a.in.Password)) {
		return fail(&u.ID)
	}
	if err != nil {
		return 0, nil, err
	}
	if !u.EmailVerified {
		// WorkOS's default: an unverified email gets a code, and the sign-in continues with the
		// email verification grant.
		pc := &pendingCode{UserID: u.ID, Kind: "email_verification", Code: sixDigits(), ExpiresAt: formatTime(t.now.Add(24 * time.Hour)), CreatedAt: formatTime(t.now)}
		if err := t.save("code", codeKey(pc.Kind, u.ID), "", pc); err != nil {
			return 0, nil, err
		}
		if err := t.sendEmail(sentEmail{To: u.Email, Kind: pc.Kind, UserID: u.ID, Code: pc.Code}); err != nil {
			return 0, nil, err
		}
		tok, err := a.pending(u.ID, "email_verification", "Password")
		if err != nil {
			return 0, nil, err
		}
		return http.StatusForbidden, map[string]any{"code": "email_verification_required", "message": "The user's email must be verified before they sign in.",
			"email": u.Email, "pending_authentication_token": tok}, nil
	}
	return a.signIn(u, a.in.OrganizationID, "Password", "authentication.password_succeeded", "password")
}

// pending stores a pending authentication token and returns its value.
func (a *authn) pending(userID, kind, method string) (string, error) {
	tok := randomToken(32)
	t := a.c.t
	return tok, t.save(pendingObjType, tokenKey(tok), "", &pendingAuth{UserID: userID, Kind: kind, Method: method, ExpiresAt: formatTime(t.now.Add(pendingTokenTTL))})
}

// takePending reads and consumes a pending authentication token of a kind.
func (a *authn) takePending(kind string) (*pendingAuth, error) {
	t := a.c.t
	if a.in.PendingAuthenticationToken == "" {
		return nil, invalidField("pending_authentication_token", "required", "pending_authentication_token is required.")
	}
	key := tokenKey(a.in.PendingAuthenticationToken)
	p, err := load[pendingAuth](t, pendingObjType, key)
	if errors.Is(err, errNotFound) || (err == nil && (p.Kind != kind || p.ExpiresAt < formatTime(t.now))) {
		return nil, badRequest("invalid_pending_authentication_token", "The pending authentication token is invalid or expired.")
	}
	if err != nil {
		return nil, err
	}
	return p, t.remove(pendingObjType, key)
}

// signIn finishes a sign-in: it picks the organization (or asks to pick one), creates the session
// and issues the tokens.
func (a *authn) signIn(u *user, orgID, method, event, eventType string) (int, any, error) {
	t := a.c.t
	ms, err := filter(t, "organization_membership", "", func(m *membership) bool { return m.UserID == u.ID && m.Status == "active" })
	if err != nil {
		return 0, nil, err
	}
	switch {
	case orgID != "":
		if !slices.ContainsFunc(ms, func(m *membership) bool { return m.OrganizationID == orgID }) {
			return 0, nil, badRequest("invalid_organization_id", "The user is not an active member of organization '"+orgID+"'.")
		}
	case len(ms) == 1:
		orgID = ms[0].OrganizationID
	case len(ms) > 1:
		// Like WorkOS: the person is who they say, but must pick an organization first.
		orgs := []map[string]string{}
		for _, m := range ms {
			name := ""
			if o, err := load[organization](t, "organization", m.OrganizationID); err == nil {
				name = o.Name
			}
			orgs = append(orgs, map[string]string{"id": m.OrganizationID, "name": name})
		}
		tok, err := a.pending(u.ID, "organization_selection", method)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusForbidden, map[string]any{"code": "organization_selection_required",
			"message": "The user must choose an organization to sign in to.", "user": u, "organizations": orgs,
			"pending_authentication_token": tok}, nil
	}
	now := formatTime(t.now)
	u.LastSignInAt, u.UpdatedAt = &now, now
	if err := t.save("user", u.ID, "", u); err != nil {
		return 0, nil, err
	}
	s, err := t.createSession(u.ID, orgID, eventType, a.ip, a.ua)
	if err != nil {
		return 0, nil, err
	}
	if err := t.emit(event, orgID, map[string]any{
		"type": eventType, "status": "succeeded", "user_id": u.ID, "email": u.Email, "ip_address": a.ip, "user_agent": a.ua,
	}); err != nil {
		return 0, nil, err
	}
	return a.issue(u, s, orgID, method)
}

// issue answers a successful authentication: an access token for the session and a new
// refresh token.
func (a *authn) issue(u *user, s *session, orgID, method string) (int, any, error) {
	t := a.c.t
	k, err := t.signingKey()
	if err != nil {
		return 0, nil, err
	}
	claims := jwt.MapClaims{
		"iss": a.c.baseURL(), "sub": u.ID, "sid": s.ID, "jti": t.e.ids.next(t.now), "aud": t.clientID,
		"iat": t.now.Unix(), "exp": t.now.Add(AccessTokenTTL).Unix(),
		"entitlements": []string{}, "feature_flags": []string{},
	}
	if orgID != "" {
		claims["org_id"] = orgID
		if err := t.orgClaims(claims, u.ID, orgID); err != nil {
			return 0, nil, err
		}
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = k.kid
	access, err := tok.SignedString(k.priv)
	if err != nil {
		return 0, nil, err
	}
	refresh := randomToken(40)
	if err := t.save(refreshTokenObjType, tokenKey(refresh), "", &storedRefresh{SessionID: s.ID, UserID: u.ID, OrganizationID: orgID, CreatedAt: formatTime(t.now)}); err != nil {
		return 0, nil, err
	}
	out := map[string]any{"user": u, "access_token": access, "refresh_token": refresh, "authentication_method": method}
	if orgID != "" {
		out["organization_id"] = orgID
	}
	return http.StatusOK, out, nil
}

// orgClaims adds the membership's role, roles and permissions and the organization's feature
// flags to the claims.
func (t *tx) orgClaims(claims jwt.MapClaims, userID, orgID string) error {
	m, err := find(t, "organization_membership", "", func(m *membership) bool {
		return m.UserID == userID && m.OrganizationID == orgID && m.Status == "active"
	})
	if err != nil && !errors.Is(err, errNotFound) {
		return err
	}
	roles, perms := []string{}, []string{}
	if m != nil {
		claims["role"] = m.Role.Slug
		slugs := []string{m.Role.Slug}
		for _, r := range m.Roles {
			if !slices.Contains(slugs, r.Slug) {
				slugs = append(slugs, r.Slug)
			}
		}
		for _, slug := range slugs {
			roles = append(roles, slug)
			r, err := t.roleFor(orgID, slug)
			if errors.Is(err, errNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			for _, p := range r.Permissions {
				if !slices.Contains(perms, p) {
					perms = append(perms, p)
				}
			}
		}
	}
	claims["roles"], claims["permissions"] = roles, perms
	flags, err := loadAll[storedFlag](t, "feature_flag", "")
	if err != nil {
		return err
	}
	on := []string{}
	for _, f := range flags {
		if f.Enabled && (f.DefaultValue || slices.Contains(f.Targets, orgID) || slices.Contains(f.Targets, userID)) {
			on = append(on, f.Slug)
		}
	}
	claims["feature_flags"] = on
	return nil
}

// refresh rotates a refresh token: the old one is spent, the session must still be active.
func (a *authn) refresh() (int, any, error) {
	t := a.c.t
	if a.in.RefreshToken == "" {
		return 0, nil, oauthError("invalid_request", "refresh_token is required.")
	}
	key := tokenKey(a.in.RefreshToken)
	rt, err := load[storedRefresh](t, refreshTokenObjType, key)
	if errors.Is(err, errNotFound) {
		return 0, nil, oauthError("invalid_grant", "The refresh token is invalid, expired or already used.")
	}
	if err != nil {
		return 0, nil, err
	}
	if err := t.remove(refreshTokenObjType, key); err != nil {
		return 0, nil, err
	}
	s, err := load[session](t, "session", rt.SessionID)
	if errors.Is(err, errNotFound) || (err == nil && (s.Status != "active" || s.ExpiresAt < formatTime(t.now))) {
		// The spent token stays spent: commit its removal, then refuse.
		return 0, nil, recordedFailure{oauthError("invalid_grant", "The session of this refresh token has ended.")}
	}
	if err != nil {
		return 0, nil, err
	}
	u, err := t.user(rt.UserID)
	if err != nil {
		return 0, nil, recordedFailure{oauthError("invalid_grant", "The user of this refresh token no longer exists.")}
	}
	orgID := rt.OrganizationID
	if a.in.OrganizationID != "" && a.in.OrganizationID != orgID {
		if _, err := find(t, "organization_membership", "", func(m *membership) bool {
			return m.UserID == u.ID && m.OrganizationID == a.in.OrganizationID && m.Status == "active"
		}); err != nil {
			if errors.Is(err, errNotFound) {
				return 0, nil, oauthError("organization_membership_not_found", "The user is not an active member of organization '"+a.in.OrganizationID+"'.")
			}
			return 0, nil, err
		}
		orgID = a.in.OrganizationID
	}
	return a.issue(u, s, orgID, authMethodName(s.AuthMethod))
}

// authMethodName is the spec's authentication_method for a session's method.
func authMethodName(m string) string {
	switch m {
	case "magic_auth":
		return "MagicAuth"
	case "password":
		return "Password"
	}
	return m
}

// magicAuth signs in with the code of POST /user_management/magic_auth.
func (a *authn) magicAuth() (int, any, error) {
	t := a.c.t
	email := strings.ToLower(strings.TrimSpace(a.in.Email))
	if a.in.Code == "" || email == "" {
		return 0, nil, invalidField("code", "required", "code and email are required.")
	}
	mas, err := filter(t, "magic_auth", "", func(m *magicAuth) bool { return m.Email == email })
	if err != nil {
		return 0, nil, err
	}
	var found *magicAuth
	for _, m := range slices.Backward(mas) { // newest first
		if subtle.ConstantTimeCompare([]byte(m.Code), []byte(a.in.Code)) == 1 {
			found = m
			break
		}
	}
	fail := func(ae *apiError, userID *string) (int, any, error) {
		if err := t.emit("authentication.magic_auth_failed", "", map[string]any{"type": "magic_auth", "status": "failed", "user_id": userID,
			"email": email, "ip_address": a.ip, "user_agent": a.ua, "error": map[string]any{"code": ae.Code, "message": ae.Message}}); err != nil {
			return 0, nil, err
		}
		return 0, nil, recordedFailure{ae}
	}
	if found == nil {
		return fail(badRequest("invalid_one_time_code", "The code is incorrect."), nil)
	}
	if _, err := load[struct{}](t, "magic_auth_used", found.ID); err == nil {
		return fail(badRequest("one_time_code_previously_used", "The code was already used."), &found.UserID)
	} else if !errors.Is(err, errNotFound) {
		return 0, nil, err
	}
	if found.ExpiresAt < formatTime(t.now) {
		return fail(badRequest("one_time_code_expired", "The code has expired."), &found.UserID)
	}
	if err := t.save("magic_auth_used", found.ID, "", struct{}{}); err != nil {
		return 0, nil, err
	}
	u, err := t.user(found.UserID)
	if err != nil {
		return 0, nil, err
	}
	if !u.EmailVerified { // receiving the code proves the address
		u.EmailVerified = true
	}
	return a.signIn(u, a.in.OrganizationID, "MagicAuth", "authentication.magic_auth_succeeded", "magic_auth")
}

// emailVerification completes a sign-in held for email verification.
func (a *authn) emailVerification() (int, any, error) {
	t := a.c.t
	if a.in.Code == "" {
		return 0, nil, invalidField("code", "required", "code is required.")
	}
	p, err := a.takePending("email_verification")
	if err != nil {
		return 0, nil, err
	}
	pc, err := load[pendingCode](t, "code", codeKey("email_verification", p.UserID))
	switch {
	case errors.Is(err, errNotFound), err == nil && subtle.ConstantTimeCompare([]byte(pc.Code), []byte(a.in.Code)) != 1:
		// The pending token stays usable for another try.
		if err := t.save(pendingObjType, tokenKey(a.in.PendingAuthenticationToken), "", p); err != nil {
			return 0, nil, err
		}
		return 0, nil, recordedFailure{badRequest("invalid_one_time_code", "The code is incorrect.")}
	case err != nil:
		return 0, nil, err
	case pc.ExpiresAt < formatTime(t.now):
		return 0, nil, badRequest("one_time_code_expired", "The code has expired.")
	}
	if err := t.remove("code", codeKey("email_verification", p.UserID)); err != nil {
		return 0, nil, err
	}
	u, err := t.user(p.UserID)
	if err != nil {
		return 0, nil, err
	}
	u.EmailVerified = true
	return a.signIn(u, a.in.OrganizationID, p.Method, "authentication.email_verification_succeeded", "email_verification")
}

// organizationSelection completes a sign-in held for the choice of an organization.
func (a *authn) organizationSelection() (int, any, error) {
	t := a.c.t
	if a.in.OrganizationID == "" {
		return 0, nil, invalidField("organization_id", "required", "organization_id is required.")
	}
	p, err := a.takePending("organization_selection")
	if err != nil {
		return 0, nil, err
	}
	u, err := t.user(p.UserID)
	if err != nil {
		return 0, nil, err
	}
	method := p.Method
	eventType := strings.ToLower(method)
	if method == "MagicAuth" {
		eventType = "magic_auth"
	}
	return a.signIn(u, a.in.OrganizationID, method, "authentication."+eventType+"_succeeded", eventType)
}
