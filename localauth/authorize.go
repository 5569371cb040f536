package localauth

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

var challengeRE = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

const csrfCookie = "localauth_csrf"

// handleAuthorize is the authorization endpoint (OAuth 2.1 §4.1.1). Until the
// client and redirect URI are known to be good, errors are shown as a page:
// redirecting to an unverified URI would make us an open redirector.
func (s *Server) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		s.errorPage(w, http.StatusMethodNotAllowed, "Method not allowed", "Use GET (or POST) for the authorization endpoint.")
		return
	}
	q := r.URL.Query()
	if r.Method == http.MethodPost {
		if err := parseForm(w, r); err != nil {
			s.errorPage(w, http.StatusBadRequest, "Invalid request", err.Error())
			return
		}
		q = r.PostForm
	}
	ctx := r.Context()
	c, err := s.lookupClient(ctx, q.Get("client_id"))
	if err != nil {
		var ce *clientError
		if errors.As(err, &ce) {
			s.errorPage(w, http.StatusBadRequest, "Unknown application", "The application that sent you here is not registered: "+ce.msg+".")
			return
		}
		s.log.ErrorContext(r.Context(), "localauth: client lookup failed", "err", err)
		s.errorPage(w, http.StatusInternalServerError, "Something went wrong", "The client could not be looked up. Try again.")
		return
	}
	if len(q["client_id"]) > 1 || len(q["redirect_uri"]) > 1 {
		s.errorPage(w, http.StatusBadRequest, "Invalid request", "client_id and redirect_uri must each be sent once.")
		return
	}
	redirectURI := q.Get("redirect_uri")
	explicit := redirectURI != ""
	if !explicit {
		if len(c.RedirectURIs) != 1 {
			s.errorPage(w, http.StatusBadRequest, "Invalid redirect URI", "redirect_uri is required because the application registered more than one.")
			return
		}
		redirectURI = c.RedirectURIs[0]
	}
	if !c.redirectAllowed(redirectURI) {
		s.errorPage(w, http.StatusBadRequest, "Invalid redirect URI", "The redirect URI "+redirectURI+" is not registered for this application, so you won't be sent there.")
		return
	}
	state := q.Get("state")
	fail := func(code, desc string) {
		http.Redirect(w, r, s.redirectWith(redirectURI, url.Values{"error": {code}, "error_description": {desc}, "state": optional(state)}), http.StatusFound)
	}
	if d := duplicateParam(q); d != "" {
		fail(repeatedParamError(d), "parameter "+d+" is repeated")
		return
	}
	if rt := q.Get("response_type"); rt != "code" {
		if rt == "" {
			fail("invalid_request", "response_type is required (code)")
		} else {
			fail("unsupported_response_type", "only response_type=code is supported")
		}
		return
	}
	challenge, method := q.Get("code_challenge"), q.Get("code_challenge_method")
	switch {
	case challenge == "":
		fail("invalid_request", "code_challenge is required: PKCE with S256")
		return
	case method != "S256":
		fail("invalid_request", "code_challenge_method must be S256")
		return
	case !challengeRE.MatchString(challenge):
		fail("invalid_request", "code_challenge must be the 43-character base64url SHA-256 of the verifier")
		return
	}
	scope, desc := s.checkScope(q.Get("scope"))
	if desc != "" {
		fail("invalid_scope", desc)
		return
	}
	if !c.canRefresh() {
		// Refresh tokens go only to clients registered for the refresh_token
		// grant; the consent page must not promise one (RFC 6749 §3.3 lets
		// the granted scope be narrower than the requested one).
		scope = withoutScope(scope, "offline_access")
	}
	resource := q.Get("resource")
	if resource != "" {
		if err := validateResource(resource); err != nil {
			fail("invalid_target", err.Error())
			return
		}
	}
	p := &pendingAuth{
		ID: "req_" + randomToken(16), ClientID: c.ID, ClientName: c.Name, RedirectURI: redirectURI, RedirectExplicit: explicit,
		State: state, Scope: scope, Resource: resource, Challenge: challenge,
		LoginHint: q.Get("login_hint"), OrgHint: q.Get("organization_id"), Nonce: q.Get("nonce"),
	}
	if p.ClientName == "" {
		p.ClientName = c.ID
	}
	if s.opts.AutoApprove != "" {
		s.autoApprove(w, r, p)
		return
	}
	if q.Get("prompt") == "none" {
		fail("login_required", "the person must sign in, and prompt=none forbids asking")
		return
	}
	if err := s.store.putPending(ctx, p, s.now().Add(pendingTTL)); err != nil {
		s.log.ErrorContext(r.Context(), "localauth: store authorization request", "err", err)
		s.errorPage(w, http.StatusInternalServerError, "Something went wrong", "The authorization request could not be stored. Try again.")
		return
	}
	if s.opts.LoginURI != "" {
		u, _ := url.Parse(s.opts.LoginURI)
		v := u.Query()
		v.Set("external_auth_id", p.ID)
		u.RawQuery = v.Encode()
		http.Redirect(w, r, u.String(), http.StatusFound)
		return
	}
	http.Redirect(w, r, s.endpoint("/oauth2/login?request="+url.QueryEscape(p.ID)), http.StatusFound)
}

func optional(v string) []string {
	if v == "" {
		return nil
	}
	return []string{v}
}

// redirectWith adds parameters (and iss, RFC 9207) to a redirect URI,
// keeping its own query.
func (s *Server) redirectWith(redirectURI string, params url.Values) string {
	u, _ := url.Parse(redirectURI)
	q := u.Query()
	for k, vs := range params {
		for _, v := range vs {
			q.Add(k, v)
		}
	}
	q.Set("iss", s.issuer)
	u.RawQuery = q.Encode()
	return u.String()
}

// checkScope validates a requested scope; no scope means openid profile email.
func (s *Server) checkScope(raw string) (string, string) {
	fields := strings.Fields(raw)
	if len(fields) == 0 {
		return "openid profile email", ""
	}
	var out []string
	for _, f := range fields {
		if !s.scopes[f] {
			return "", "scope " + f + " is not supported"
		}
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return strings.Join(out, " "), ""
}

// withoutScope removes one scope from a space-separated list.
func withoutScope(scope, drop string) string {
	return strings.Join(slices.DeleteFunc(strings.Fields(scope), func(s string) bool { return s == drop }), " ")
}

// autoApprove issues a code at once, as Options.AutoApprove or login_hint,
// in organization_id or the person's first organization.
func (s *Server) autoApprove(w http.ResponseWriter, r *http.Request, p *pendingAuth) {
	ctx := r.Context()
	fail := func(code, desc string) {
		http.Redirect(w, r, s.redirectWith(p.RedirectURI, url.Values{"error": {code}, "error_description": {desc}, "state": optional(p.State)}), http.StatusFound)
	}
	email := s.opts.AutoApprove
	if p.LoginHint != "" {
		email = p.LoginHint
	}
	person, err := s.dir.PersonByEmail(ctx, email)
	if errors.Is(err, ErrNotFound) {
		fail("access_denied", "auto-approve: nobody with email "+email+" in the directory")
		return
	}
	if err != nil {
		s.log.ErrorContext(r.Context(), "localauth: directory lookup failed", "err", err)
		fail("server_error", "the directory could not be read")
		return
	}
	orgID, oerr := s.pickOrganization(ctx, person.ID, p.OrgHint, true)
	if oerr != nil {
		fail(oerr.Error, oerr.Description)
		return
	}
	p.UserID, p.OrgID = person.ID, orgID
	p.ID = "" // never stored: nothing to consume
	s.finish(w, r, p, nil)
}

// pickOrganization chooses the organization for a person: the hint, the only
// membership, or (when first is set) the first membership. It returns "" when
// a choice is still needed or the person has no membership.
func (s *Server) pickOrganization(ctx context.Context, userID, hint string, first bool) (string, *oauthError) {
	ms, err := s.dir.Memberships(ctx, userID)
	if err != nil {
		s.log.ErrorContext(ctx, "localauth: directory memberships failed", "err", err)
		return "", &oauthError{"server_error", "the directory could not be read"}
	}
	if hint != "" {
		for _, m := range ms {
			if m.OrganizationID == hint {
				return hint, nil
			}
		}
		return "", &oauthError{"access_denied", "the person is not a member of organization " + hint}
	}
	if len(ms) == 1 || (first && len(ms) > 0) {
		return ms[0].OrganizationID, nil
	}
	return "", nil
}

// finish issues a code for an approved request and redirects to the client.
func (s *Server) finish(w http.ResponseWriter, r *http.Request, p *pendingAuth, external *Person) {
	code := "code_" + randomToken(32)
	aud := p.Resource
	if aud == "" {
		aud = s.opts.ClientID
	}
	if aud == "" {
		aud = p.ClientID
	}
	now := s.now()
	g := &grant{
		ClientID: p.ClientID, RedirectURI: p.RedirectURI, RedirectExplicit: p.RedirectExplicit, Challenge: p.Challenge,
		Scope: p.Scope, Audience: aud, Resource: p.Resource, SID: "session_" + randomToken(16),
		UserID: p.UserID, OrgID: p.OrgID, External: external, AuthTime: now, Nonce: p.Nonce,
	}
	err := s.store.issueCode(r.Context(), hashToken(code), g, now.Add(s.opts.CodeTTL), now, p.ID)
	if errors.Is(err, errPendingGone) {
		s.errorPage(w, http.StatusBadRequest, "Sign-in request expired", "This sign-in request was already completed or has expired. Go back to your application and connect again.")
		return
	}
	if err != nil {
		s.log.ErrorContext(r.Context(), "localauth: issue code", "err", err)
		s.errorPage(w, http.StatusInternalServerError, "Something went wrong", "The authorization could not be stored. Try again.")
		return
	}
	s.log.InfoContext(r.Context(), "localauth: authorization approved", "client_id", p.ClientID, "user_id", p.UserID, "org_id", p.OrgID, "sid", g.SID)
	status := http.StatusFound
	if r.Method == http.MethodPost {
		status = http.StatusSeeOther // the browser must not re-POST to the client
	}
	http.Redirect(w, r, s.redirectWith(p.RedirectURI, url.Values{"code": {code}, "state": optional(p.State)}), status)
}

// browserBinding returns the CSRF cookie (setting one if absent) so that a
// pending request is tied to the browser that first showed it.
func (s *Server) browserBinding(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 20 {
		return c.Value
	}
	v := randomToken(24)
	http.SetCookie(w, &http.Cookie{
		Name: csrfCookie, Value: v, Path: s.basePath + "/oauth2/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: strings.HasPrefix(s.issuer, "https://"),
	})
	return v
}

// handleLogin serves the sign-in, organization and consent steps of a
// pending request (GET shows the current step; POST acts on it).
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		s.errorPage(w, http.StatusMethodNotAllowed, "Method not allowed", "Use the form.")
		return
	}
	var id string
	if r.Method == http.MethodPost {
		if err := parseForm(w, r); err != nil {
			s.errorPage(w, http.StatusBadRequest, "Invalid request", err.Error())
			return
		}
		id = r.PostForm.Get("request")
	} else {
		id = r.URL.Query().Get("request")
	}
	p, err := s.store.getPending(ctx, id, s.now())
	if err != nil {
		s.errorPage(w, http.StatusBadRequest, "Sign-in request expired", "This sign-in request is unknown or has expired. Go back to your application and connect again.")
		return
	}
	if s.opts.LoginURI != "" && p.External == nil {
		// With Standalone Connect, the application signs people in, not us.
		s.errorPage(w, http.StatusBadRequest, "Sign in through the application", "This server signs people in through the application's own login page. Go back to your application and connect again.")
		return
	}
	binding := s.browserBinding(w, r)
	if p.Binding == "" {
		if r.Method == http.MethodPost {
			s.errorPage(w, http.StatusForbidden, "Invalid form", "The form was not shown by this server. Reload the page and try again.")
			return
		}
		p.Binding = hashToken(binding)
		if err := s.store.putPending(ctx, p, s.now().Add(pendingTTL)); err != nil {
			s.errorPage(w, http.StatusInternalServerError, "Something went wrong", "Try again.")
			return
		}
	} else if subtle.ConstantTimeCompare([]byte(hashToken(binding)), []byte(p.Binding)) != 1 {
		s.errorPage(w, http.StatusForbidden, "Different browser", "This sign-in request was started in another browser. Go back to your application and connect again from here.")
		return
	}
	if r.Method == http.MethodGet {
		s.renderStep(w, r, p, binding, "", http.StatusOK)
		return
	}
	if subtle.ConstantTimeCompare([]byte(r.PostForm.Get("csrf")), []byte(binding)) != 1 {
		s.errorPage(w, http.StatusForbidden, "Invalid form", "The form's security token doesn't match. Reload the page and try again.")
		return
	}
	again := func() {
		http.Redirect(w, r, s.endpoint("/oauth2/login?request="+url.QueryEscape(p.ID)), http.StatusSeeOther)
	}
	save := func() bool {
		if err := s.store.putPending(ctx, p, s.now().Add(pendingTTL)); err != nil {
			s.errorPage(w, http.StatusInternalServerError, "Something went wrong", "Try again.")
			return false
		}
		return true
	}
	switch r.PostForm.Get("action") {
	case "person":
		if !s.opts.DevMode {
			s.errorPage(w, http.StatusForbidden, "Not allowed", "Choosing a person without a password is only possible in dev mode.")
			return
		}
		person, err := s.dir.PersonByID(ctx, r.PostForm.Get("user_id"))
		if err != nil {
			s.renderStep(w, r, p, binding, "That person is not in the directory.", http.StatusBadRequest)
			return
		}
		if !s.signedIn(w, r, p, person, binding) || !save() {
			return
		}
		again()
	case "password":
		person, err := s.dir.Authenticate(ctx, strings.TrimSpace(r.PostForm.Get("email")), r.PostForm.Get("password"))
		if errors.Is(err, ErrBadCredentials) || errors.Is(err, ErrNotFound) {
			s.renderStep(w, r, p, binding, "The email or password is incorrect.", http.StatusUnauthorized)
			return
		}
		if err != nil {
			s.log.ErrorContext(r.Context(), "localauth: password sign-in failed", "err", err)
			s.renderStep(w, r, p, binding, "Sign-in is unavailable right now. Try again.", http.StatusServiceUnavailable)
			return
		}
		if !s.signedIn(w, r, p, person, binding) || !save() {
			return
		}
		again()
	case "organization":
		if p.UserID == "" || p.External != nil {
			again()
			return
		}
		org := r.PostForm.Get("organization_id")
		if _, oerr := s.pickOrganization(ctx, p.UserID, org, false); oerr != nil || org == "" {
			s.renderStep(w, r, p, binding, "Choose one of your organizations.", http.StatusBadRequest)
			return
		}
		p.OrgID, p.OrgChosen = org, true
		if !save() {
			return
		}
		again()
	case "approve":
		if p.UserID == "" || !p.OrgChosen {
			again()
			return
		}
		s.finish(w, r, p, p.External)
	case "deny":
		s.store.deletePending(ctx, p.ID)
		s.log.InfoContext(r.Context(), "localauth: authorization denied", "client_id", p.ClientID, "user_id", p.UserID)
		http.Redirect(w, r, s.redirectWith(p.RedirectURI, url.Values{"error": {"access_denied"}, "error_description": {"the person denied access"}, "state": optional(p.State)}), http.StatusSeeOther)
	default:
		s.renderStep(w, r, p, binding, "Unknown action.", http.StatusBadRequest)
	}
}

// signedIn records the person and, when possible, the organization.
func (s *Server) signedIn(w http.ResponseWriter, r *http.Request, p *pendingAuth, person Person, binding string) bool {
	org, oerr := s.pickOrganization(r.Context(), person.ID, p.OrgHint, false)
	if oerr != nil {
		p.OrgHint = ""
		if org, oerr = s.pickOrganization(r.Context(), person.ID, "", false); oerr != nil {
			s.renderStep(w, r, p, binding, "Your organizations could not be read. Try again.", http.StatusServiceUnavailable)
			return false
		}
	}
	p.UserID = person.ID
	p.OrgID = org
	if org != "" {
		p.OrgChosen = true
	} else {
		ms, err := s.dir.Memberships(r.Context(), person.ID)
		p.OrgChosen = err == nil && len(ms) == 0
	}
	return true
}

func (s *Server) renderStep(w http.ResponseWriter, r *http.Request, p *pendingAuth, csrf, msg string, status int) {
	ctx := r.Context()
	d := pageData{Request: p.ID, CSRF: csrf, Error: msg, ClientName: p.ClientName, LoginHint: p.LoginHint}
	if u, err := url.Parse(p.RedirectURI); err == nil {
		d.RedirectHost = u.Host
		if d.RedirectHost == "" {
			d.RedirectHost = u.Scheme + ":"
		}
	}
	switch {
	case p.UserID == "":
		d.Title = "Sign in"
		if s.opts.DevMode {
			people, err := s.dir.People(ctx)
			if err != nil {
				s.log.ErrorContext(r.Context(), "localauth: directory people failed", "err", err)
			}
			d.People = people
		}
		s.page(w, status, "signin", d)
	case !p.OrgChosen:
		ms, err := s.dir.Memberships(ctx, p.UserID)
		if err != nil {
			s.errorPage(w, http.StatusServiceUnavailable, "Directory unavailable", "Your organizations could not be read. Try again.")
			return
		}
		d.Title = "Choose an organization"
		d.Memberships = ms
		s.page(w, status, "organization", d)
	default:
		d.Title = "Authorize " + p.ClientName
		d.Scopes = strings.Fields(p.Scope)
		d.Resource = p.Resource
		if p.External != nil {
			d.Person = *p.External
		} else if person, err := s.dir.PersonByID(ctx, p.UserID); err == nil {
			d.Person = person
		}
		if p.OrgID != "" {
			if ms, err := s.dir.Memberships(ctx, p.UserID); err == nil {
				for _, m := range ms {
					if m.OrganizationID == p.OrgID {
						d.Organization = m.OrganizationName
						if d.Organization == "" {
							d.Organization = m.OrganizationID
						}
					}
				}
			}
		}
		s.page(w, status, "consent", d)
	}
}
