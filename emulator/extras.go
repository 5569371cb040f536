package emulator

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"time"
)

// The outbox: emails the emulator would have sent (invitations, verification codes, magic
// auth codes, password resets), readable at GET /_emulator/emails with the environment's API key,
// so that scripts can finish the flows a real inbox would.

type sentEmail struct {
	Object    string `json:"object"`
	ID        string `json:"id"`
	To        string `json:"to"`
	Kind      string `json:"kind"` // invitation | email_verification | email_change | magic_auth | password_reset
	UserID    string `json:"user_id,omitempty"`
	Code      string `json:"code,omitempty"`
	Token     string `json:"token,omitempty"`
	URL       string `json:"url,omitempty"`
	CreatedAt string `json:"created_at"`
}

func (t *tx) sendEmail(m sentEmail) error {
	m.Object, m.ID, m.CreatedAt = "email", t.newID("email_"), formatTime(t.now)
	return t.save("email", m.ID, "", &m)
}

func listEmails(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	to, kind := strings.ToLower(c.query.Get("to")), c.query.Get("kind")
	ms, err := filter(c.t, "email", "", func(m *sentEmail) bool { return (to == "" || m.To == to) && (kind == "" || m.Kind == kind) })
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, paginate(ms, func(m *sentEmail) string { return m.ID }, p), nil
}

func sixDigits() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(1_000_000))
	return fmt.Sprintf("%06d", n.Int64())
}

// pendingCode is a one-time code sent to a user (email verification, email change).
type pendingCode struct {
	UserID    string `json:"user_id"`
	Kind      string `json:"kind"`
	Code      string `json:"code"`
	NewEmail  string `json:"new_email,omitempty"`
	ExpiresAt string `json:"expires_at"`
	CreatedAt string `json:"created_at"`
}

func codeKey(kind, userID string) string { return kind + ":" + userID }

func sendVerificationEmail(c *call) (int, any, error) {
	t := c.t
	u, err := t.user(c.param("id"))
	if err != nil {
		return 0, nil, err
	}
	if u.EmailVerified {
		return 0, nil, badRequest("email_already_verified", "The user's email is already verified.")
	}
	pc := &pendingCode{UserID: u.ID, Kind: "email_verification", Code: sixDigits(), ExpiresAt: formatTime(t.now.Add(24 * time.Hour)), CreatedAt: formatTime(t.now)}
	if err := t.save("code", codeKey(pc.Kind, u.ID), "", pc); err != nil {
		return 0, nil, err
	}
	if err := t.sendEmail(sentEmail{To: u.Email, Kind: pc.Kind, UserID: u.ID, Code: pc.Code}); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"user": u}, nil
}

func (t *tx) takeCode(kind, userID, code string) (*pendingCode, error) {
	pc, err := load[pendingCode](t, "code", codeKey(kind, userID))
	if errors.Is(err, errNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(pc.Code), []byte(code)) != 1 {
		return nil, nil
	}
	return pc, t.remove("code", codeKey(kind, userID))
}

func confirmEmailVerification(c *call) (int, any, error) {
	var in struct {
		Code string `json:"code"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	t := c.t
	u, err := t.user(c.param("id"))
	if err != nil {
		return 0, nil, err
	}
	if u.EmailVerified {
		return 0, nil, badRequest("email_previously_verified", "The user's email is already verified.")
	}
	if in.Code == "" {
		return 0, nil, invalidField("code", "code_required", "code is required.")
	}
	pc, err := t.takeCode("email_verification", u.ID, in.Code)
	if err != nil {
		return 0, nil, err
	}
	if pc == nil {
		return 0, nil, badRequest("email_verification_code_incorrect", "The code is incorrect.")
	}
	if pc.ExpiresAt < formatTime(t.now) {
		return 0, nil, badRequest("email_verification_code_expired", "The code has expired.")
	}
	u.EmailVerified, u.UpdatedAt = true, formatTime(t.now)
	if err := t.save("user", u.ID, "", u); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"user": u}, t.emit("user.updated", "", u)
}

func sendEmailChange(c *call) (int, any, error) {
	var in struct {
		NewEmail string `json:"new_email"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	t := c.t
	u, err := t.user(c.param("id"))
	if err != nil {
		return 0, nil, err
	}
	email := strings.ToLower(strings.TrimSpace(in.NewEmail))
	if !validEmail(email) {
		return 0, nil, &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid_email", Message: "new_email must be a valid email address."}
	}
	if email == u.Email {
		return 0, nil, conflict("email_change_not_needed", "The user already has this email.")
	}
	if _, err := t.userByEmail(email); err == nil {
		return 0, nil, conflict("email_not_available", "Another user has this email.")
	}
	pc := &pendingCode{UserID: u.ID, Kind: "email_change", Code: sixDigits(), NewEmail: email, ExpiresAt: formatTime(t.now.Add(24 * time.Hour)), CreatedAt: formatTime(t.now)}
	if err := t.save("code", codeKey(pc.Kind, u.ID), "", pc); err != nil {
		return 0, nil, err
	}
	if err := t.sendEmail(sentEmail{To: email, Kind: pc.Kind, UserID: u.ID, Code: pc.Code}); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"object": "email_change", "user": u, "new_email": email, "expires_at": pc.ExpiresAt, "created_at": pc.CreatedAt}, nil
}

func confirmEmailChange(c *call) (int, any, error) {
	var in struct {
		Code string `json:"code"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	t := c.t
	u, err := t.user(c.param("id"))
	if err != nil {
		return 0, nil, err
	}
	if _, err := load[pendingCode](t, "code", codeKey("email_change", u.ID)); errors.Is(err, errNotFound) {
		return 0, nil, conflict("no_pending_email_change", "The user has no pending email change.")
	}
	pc, err := t.takeCode("email_change", u.ID, in.Code)
	if err != nil {
		return 0, nil, err
	}
	if pc == nil {
		return 0, nil, badRequest("email_change_code_incorrect", "The code is incorrect.")
	}
	if pc.ExpiresAt < formatTime(t.now) {
		return 0, nil, badRequest("email_change_code_expired", "The code has expired.")
	}
	if other, err := t.userByEmail(pc.NewEmail); err == nil && other.ID != u.ID {
		return 0, nil, conflict("email_not_available", "Another user has this email.")
	}
	u.Email, u.EmailVerified, u.UpdatedAt = pc.NewEmail, true, formatTime(t.now)
	if err := t.save("user", u.ID, "", u); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"object": "email_change_confirmation", "user": u}, t.emit("user.updated", "", u)
}

func listIdentities(c *call) (int, any, error) {
	if _, err := c.t.user(c.param("id")); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, []any{}, nil // the emulator has no OAuth providers to link
}

type passwordReset struct {
	Object             string `json:"object"`
	ID                 string `json:"id"`
	UserID             string `json:"user_id"`
	Email              string `json:"email"`
	ExpiresAt          string `json:"expires_at"`
	CreatedAt          string `json:"created_at"`
	PasswordResetToken string `json:"password_reset_token"`
	PasswordResetURL   string `json:"password_reset_url"`
	Used               bool   `json:"used,omitempty"`
}

func (p *passwordReset) render() *passwordReset {
	cp := *p
	cp.Used = false
	return &cp
}

func createPasswordReset(c *call) (int, any, error) {
	var in struct {
		Email string `json:"email"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	t := c.t
	u, err := t.userByEmail(in.Email)
	if errors.Is(err, errNotFound) {
		return 0, nil, notFound("User", in.Email)
	}
	if err != nil {
		return 0, nil, err
	}
	tok := randomToken(25)
	pr := &passwordReset{Object: "password_reset", ID: t.newID("password_reset_"), UserID: u.ID, Email: u.Email,
		ExpiresAt: formatTime(t.now.Add(time.Hour)), CreatedAt: formatTime(t.now), PasswordResetToken: tok,
		PasswordResetURL: c.baseURL() + "/reset-password?token=" + tok}
	if err := t.save("password_reset", pr.ID, "", pr); err != nil {
		return 0, nil, err
	}
	if err := t.sendEmail(sentEmail{To: u.Email, Kind: "password_reset", UserID: u.ID, Token: tok, URL: pr.PasswordResetURL}); err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, pr.render(), nil
}

func getPasswordReset(c *call) (int, any, error) {
	id := c.param("id")
	pr, err := load[passwordReset](c.t, "password_reset", id)
	if errors.Is(err, errNotFound) {
		return 0, nil, notFound("Password reset", id)
	}
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, pr.render(), nil
}

func confirmPasswordReset(c *call) (int, any, error) {
	var in struct {
		Token       string `json:"token"`
		NewPassword string `json:"new_password"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if in.Token == "" || in.NewPassword == "" {
		return 0, nil, invalidField("token", "required", "token and new_password are required.")
	}
	t := c.t
	pr, err := find(t, "password_reset", "", func(p *passwordReset) bool {
		return subtle.ConstantTimeCompare([]byte(p.PasswordResetToken), []byte(in.Token)) == 1
	})
	if errors.Is(err, errNotFound) || (err == nil && (pr.Used || pr.ExpiresAt < formatTime(t.now))) {
		return 0, nil, &apiError{Status: http.StatusBadRequest, Code: "password_reset_error", Message: "The password reset token is invalid, used or expired.",
			Errors: []fieldError{{Field: "token", Code: "invalid_token", Message: "The token is invalid, used or expired."}}}
	}
	if err != nil {
		return 0, nil, err
	}
	u, err := t.user(pr.UserID)
	if err != nil {
		return 0, nil, err
	}
	if len(in.NewPassword) < 8 {
		return 0, nil, invalidField("new_password", "password_too_short", "new_password must be at least 8 characters.")
	}
	if err := t.setPassword(u.ID, in.NewPassword); err != nil {
		return 0, nil, err
	}
	pr.Used = true
	if err := t.save("password_reset", pr.ID, "", pr); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"user": u}, nil
}

type magicAuth struct {
	Object    string `json:"object"`
	ID        string `json:"id"`
	UserID    string `json:"user_id"`
	Email     string `json:"email"`
	ExpiresAt string `json:"expires_at"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
	Code      string `json:"code"`
}

// createMagicAuth sends a sign-in code, creating the user on first use as WorkOS does.
func createMagicAuth(c *call) (int, any, error) {
	var in struct {
		Email string `json:"email"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	t := c.t
	email := strings.ToLower(strings.TrimSpace(in.Email))
	if !validEmail(email) {
		return 0, nil, invalidField("email", "invalid_email", "email must be a valid email address.")
	}
	u, err := t.userByEmail(email)
	if errors.Is(err, errNotFound) {
		u, err = t.createUser(userInput{Email: &email})
	}
	if err != nil {
		return 0, nil, err
	}
	ma := &magicAuth{Object: "magic_auth", ID: t.newID("magic_auth_"), UserID: u.ID, Email: u.Email, ExpiresAt: formatTime(t.now.Add(10 * time.Minute)),
		CreatedAt: formatTime(t.now), UpdatedAt: formatTime(t.now), Code: sixDigits()}
	if err := t.save("magic_auth", ma.ID, "", ma); err != nil {
		return 0, nil, err
	}
	if err := t.sendEmail(sentEmail{To: u.Email, Kind: "magic_auth", UserID: u.ID, Code: ma.Code}); err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, ma, nil
}

func getMagicAuth(c *call) (int, any, error) {
	id := c.param("id")
	ma, err := load[magicAuth](c.t, "magic_auth", id)
	if errors.Is(err, errNotFound) {
		return 0, nil, notFound("Magic auth", id)
	}
	return http.StatusOK, ma, err
}

// Audit log retention and configuration.

type auditRetention struct {
	Days int `json:"retention_period_in_days"`
}

func (t *tx) retention(orgID string) (int, error) {
	r, err := load[auditRetention](t, "audit_log_retention", orgID)
	if errors.Is(err, errNotFound) {
		return 365, nil // WorkOS's default
	}
	if err != nil {
		return 0, err
	}
	return r.Days, nil
}

func getAuditRetention(c *call) (int, any, error) {
	o, err := c.t.organization(c.param("id"))
	if err != nil {
		return 0, nil, err
	}
	days, err := c.t.retention(o.ID)
	return http.StatusOK, map[string]any{"retention_period_in_days": days}, err
}

func setAuditRetention(c *call) (int, any, error) {
	var in struct {
		Days *int `json:"retention_period_in_days"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	o, err := c.t.organization(c.param("id"))
	if err != nil {
		return 0, nil, err
	}
	if in.Days == nil || (*in.Days != 30 && *in.Days != 365) {
		return 0, nil, invalidField("retention_period_in_days", "invalid_retention_period", "retention_period_in_days must be 30 or 365.")
	}
	if err := c.t.save("audit_log_retention", o.ID, o.ID, &auditRetention{Days: *in.Days}); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"retention_period_in_days": *in.Days}, nil
}

func getAuditConfiguration(c *call) (int, any, error) {
	o, err := c.t.organization(c.param("id"))
	if err != nil {
		return 0, nil, err
	}
	days, err := c.t.retention(o.ID)
	return http.StatusOK, map[string]any{"organization_id": o.ID, "retention_period_in_days": days, "state": "active"}, err
}

// Authorization checks: does a membership's roles grant a permission?

func checkPermission(c *call) (int, any, error) {
	var in struct {
		PermissionSlug     string `json:"permission_slug"`
		ResourceID         string `json:"resource_id"`
		ResourceExternalID string `json:"resource_external_id"`
		ResourceTypeSlug   string `json:"resource_type_slug"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if in.PermissionSlug == "" {
		return 0, nil, invalidField("permission_slug", "required", "permission_slug is required.")
	}
	t := c.t
	m, err := t.membership(c.param("organization_membership_id"))
	if err != nil {
		return 0, nil, err
	}
	var r *authzResource
	// The organization itself is the root resource: checking on it is checking the membership's
	// organization roles.
	orgItself := in.ResourceID == m.OrganizationID
	if in.ResourceTypeSlug == "organization" && in.ResourceExternalID != "" {
		o, err := t.organization(m.OrganizationID)
		if err != nil {
			return 0, nil, err
		}
		orgItself = in.ResourceExternalID == o.ID || (o.ExternalID != nil && *o.ExternalID == in.ResourceExternalID)
		if !orgItself {
			return 0, nil, notFound("Resource", "organization/"+in.ResourceExternalID)
		}
	}
	if !orgItself && (in.ResourceID != "" || in.ResourceExternalID != "") {
		if r, err = t.refResource(m.OrganizationID, in.ResourceID, in.ResourceExternalID, in.ResourceTypeSlug, "resource_id"); err != nil {
			return 0, nil, err
		}
	}
	perms, err := t.effectivePermissions(m, r)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"authorized": perms[in.PermissionSlug]}, nil
}

// Organization groups (user management groups, not directory groups).

type group struct {
	Object         string   `json:"object"`
	ID             string   `json:"id"`
	OrganizationID string   `json:"organization_id"`
	Name           string   `json:"name"`
	Description    *string  `json:"description"`
	Members        []string `json:"members,omitempty"`
	CreatedAt      string   `json:"created_at"`
	UpdatedAt      string   `json:"updated_at"`
}

func (g *group) render() *group {
	cp := *g
	cp.Members = nil
	return &cp
}

func (t *tx) group(orgID, id string) (*group, error) {
	g, err := load[group](t, "group", id)
	if errors.Is(err, errNotFound) || (err == nil && g.OrganizationID != orgID) {
		return nil, notFound("Group", id)
	}
	return g, err
}

func groupScope(c *call) (string, error) {
	o, err := c.t.organization(c.param("organizationId"))
	if err != nil {
		return "", err
	}
	return o.ID, nil
}

func createGroup(c *call) (int, any, error) {
	org, err := groupScope(c)
	if err != nil {
		return 0, nil, err
	}
	var in struct {
		Name        string  `json:"name"`
		Description *string `json:"description"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if strings.TrimSpace(in.Name) == "" {
		return 0, nil, invalidField("name", "name_required", "name is required.")
	}
	t := c.t
	g := &group{Object: "group", ID: t.newID("group_"), OrganizationID: org, Name: strings.TrimSpace(in.Name), Description: in.Description,
		CreatedAt: formatTime(t.now), UpdatedAt: formatTime(t.now)}
	if err := t.save("group", g.ID, org, g); err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, g.render(), t.emit("group.created", org, g.render())
}

func listGroups(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	org, err := groupScope(c)
	if err != nil {
		return 0, nil, err
	}
	gs, err := loadAll[group](c.t, "group", org)
	if err != nil {
		return 0, nil, err
	}
	out := make([]*group, 0, len(gs))
	for _, g := range gs {
		out = append(out, g.render())
	}
	return http.StatusOK, paginate(out, func(g *group) string { return g.ID }, p), nil
}

func getGroup(c *call) (int, any, error) {
	org, err := groupScope(c)
	if err != nil {
		return 0, nil, err
	}
	g, err := c.t.group(org, c.param("groupId"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, g.render(), nil
}

func updateGroup(c *call) (int, any, error) {
	org, err := groupScope(c)
	if err != nil {
		return 0, nil, err
	}
	var in struct {
		Name        *string `json:"name"`
		Description *string `json:"description"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	g, err := c.t.group(org, c.param("groupId"))
	if err != nil {
		return 0, nil, err
	}
	if in.Name != nil {
		if strings.TrimSpace(*in.Name) == "" {
			return 0, nil, invalidField("name", "name_required", "name cannot be empty.")
		}
		g.Name = strings.TrimSpace(*in.Name)
	}
	if in.Description != nil {
		g.Description = in.Description
	}
	g.UpdatedAt = formatTime(c.t.now)
	if err := c.t.save("group", g.ID, org, g); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, g.render(), c.t.emit("group.updated", org, g.render())
}

func deleteGroup(c *call) (int, any, error) {
	org, err := groupScope(c)
	if err != nil {
		return 0, nil, err
	}
	g, err := c.t.group(org, c.param("groupId"))
	if err != nil {
		return 0, nil, err
	}
	if err := c.t.remove("group", g.ID); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, c.t.emit("group.deleted", org, g.render())
}

func addGroupMember(c *call) (int, any, error) {
	org, err := groupScope(c)
	if err != nil {
		return 0, nil, err
	}
	var in struct {
		MembershipID string `json:"organization_membership_id"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if in.MembershipID == "" {
		return 0, nil, invalidField("organization_membership_id", "required", "organization_membership_id is required.")
	}
	t := c.t
	g, err := t.group(org, c.param("groupId"))
	if err != nil {
		return 0, nil, err
	}
	m, err := t.membership(in.MembershipID)
	if err != nil {
		return 0, nil, err
	}
	if m.OrganizationID != org {
		return 0, nil, invalidField("organization_membership_id", "wrong_organization", "The membership belongs to another organization.")
	}
	if !slices.Contains(g.Members, m.ID) {
		g.Members = append(g.Members, m.ID)
		g.UpdatedAt = formatTime(t.now)
		if err := t.save("group", g.ID, org, g); err != nil {
			return 0, nil, err
		}
	}
	return http.StatusOK, g.render(), nil
}

func removeGroupMember(c *call) (int, any, error) {
	org, err := groupScope(c)
	if err != nil {
		return 0, nil, err
	}
	g, err := c.t.group(org, c.param("groupId"))
	if err != nil {
		return 0, nil, err
	}
	om := c.param("omId")
	if !slices.Contains(g.Members, om) {
		return 0, nil, notFound("Group membership", om)
	}
	g.Members = slices.DeleteFunc(g.Members, func(s string) bool { return s == om })
	g.UpdatedAt = formatTime(c.t.now)
	return http.StatusNoContent, nil, c.t.save("group", g.ID, org, g)
}

func listGroupMembers(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	org, err := groupScope(c)
	if err != nil {
		return 0, nil, err
	}
	g, err := c.t.group(org, c.param("groupId"))
	if err != nil {
		return 0, nil, err
	}
	var ms []*membership
	for _, id := range g.Members {
		m, err := c.t.membership(id)
		var ae *apiError
		if errors.As(err, &ae) {
			continue // the membership was deleted since
		}
		if err != nil {
			return 0, nil, err
		}
		ms = append(ms, m)
	}
	return http.StatusOK, paginate(ms, func(m *membership) string { return m.ID }, p), nil
}

func listMembershipGroups(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	m, err := c.t.membership(c.param("omId"))
	if err != nil {
		return 0, nil, err
	}
	gs, err := filter(c.t, "group", m.OrganizationID, func(g *group) bool { return slices.Contains(g.Members, m.ID) })
	if err != nil {
		return 0, nil, err
	}
	out := make([]*group, 0, len(gs))
	for _, g := range gs {
		out = append(out, g.render())
	}
	return http.StatusOK, paginate(out, func(g *group) string { return g.ID }, p), nil
}

// Lists the emulator keeps empty: it has no MFA factors, Connect applications or OAuth grants.

func listAuthFactors(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	if _, err := c.t.user(c.param("userlandUserId")); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, paginate([]*struct{ ID string }{}, func(x *struct{ ID string }) string { return x.ID }, p), nil
}

func listAuthorizedApplications(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	if id := c.param("user_id"); id != "" {
		if _, err := c.t.user(id); err != nil {
			return 0, nil, err
		}
	} else if _, err := c.t.organization(c.param("organization_id")); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, paginate([]*struct{ ID string }{}, func(x *struct{ ID string }) string { return x.ID }, p), nil
}

// logout ends a session from the browser (no API key) and sends it to return_to.
func logout(c *call) (int, any, error) {
	id := c.query.Get("session_id")
	if id == "" {
		return 0, nil, invalidField("session_id", "session_id_required", "session_id is required.")
	}
	var found *session
	for _, env := range c.e.Environments() {
		c.t.env, c.t.clientID = env.Name, env.ClientID
		s, err := load[session](c.t, "session", id)
		if err == nil {
			found = s
			break
		}
		if !errors.Is(err, errNotFound) {
			return 0, nil, err
		}
	}
	if found == nil {
		return 0, nil, notFound("Session", id)
	}
	if found.Status == "active" {
		now := formatTime(c.t.now)
		found.Status, found.EndedAt, found.UpdatedAt = "revoked", &now, now
		if err := c.t.save("session", found.ID, found.OrganizationID, found); err != nil {
			return 0, nil, err
		}
		if err := c.t.emit("session.revoked", found.OrganizationID, found); err != nil {
			return 0, nil, err
		}
	}
	if rt := c.query.Get("return_to"); rt != "" {
		if !validURL(rt) {
			return 0, nil, invalidField("return_to", "invalid_url", "return_to must be an http(s) URL.")
		}
		return http.StatusFound, rawBody{header: http.Header{"Location": {rt}}}, nil
	}
	return http.StatusOK, nil, nil
}

// User API keys: like organization API keys, owned by a user within an organization.

func listUserAPIKeys(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	u, err := c.t.user(c.param("userId"))
	if err != nil {
		return 0, nil, err
	}
	org := c.query.Get("organization_id")
	ks, err := filter(c.t, "api_key", org, func(k *storedAPIKey) bool { return k.Owner.Type == "user" && k.Owner.ID == u.ID })
	if err != nil {
		return 0, nil, err
	}
	out := make([]*apiKey, 0, len(ks))
	for _, k := range ks {
		out = append(out, &k.apiKey)
	}
	return http.StatusOK, paginate(out, func(k *apiKey) string { return k.ID }, p), nil
}

func createUserAPIKey(c *call) (int, any, error) {
	u, err := c.t.user(c.param("userId"))
	if err != nil {
		return 0, nil, err
	}
	var in struct {
		apiKeyInput
		OrganizationID string `json:"organization_id"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if in.OrganizationID == "" {
		return 0, nil, invalidField("organization_id", "organization_id_required", "organization_id is required.")
	}
	if _, err := find(c.t, "organization_membership", in.OrganizationID, func(m *membership) bool { return m.UserID == u.ID && m.Status == "active" }); errors.Is(err, errNotFound) {
		return 0, nil, invalidField("organization_id", "not_a_member", "The user has no active membership in the organization.")
	} else if err != nil {
		return 0, nil, err
	}
	k, err := c.t.createAPIKey(in.OrganizationID, in.apiKeyInput, apiKeyOwner{Type: "user", ID: u.ID, OrganizationID: in.OrganizationID})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, k, nil
}

func expireAPIKey(c *call) (int, any, error) {
	var in struct {
		ExpiresAt *string `json:"expires_at"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	t := c.t
	id := c.param("id")
	k, err := load[storedAPIKey](t, "api_key", id)
	if errors.Is(err, errNotFound) {
		return 0, nil, notFound("API key", id)
	}
	if err != nil {
		return 0, nil, err
	}
	at := formatTime(t.now)
	if in.ExpiresAt != nil {
		parsed, err := time.Parse(time.RFC3339, *in.ExpiresAt)
		if err != nil {
			return 0, nil, invalidField("expires_at", "invalid_date", "expires_at must be an RFC 3339 timestamp.")
		}
		at = formatTime(parsed)
	}
	previous := map[string]any{"expires_at": k.ExpiresAt}
	k.ExpiresAt, k.UpdatedAt = &at, formatTime(t.now)
	if err := t.update("api_key", k.ID, k); err != nil {
		return 0, nil, err
	}
	data := map[string]any{"object": k.Object, "id": k.ID, "owner": k.Owner, "name": k.Name, "obfuscated_value": k.ObfuscatedValue,
		"last_used_at": k.LastUsedAt, "expires_at": k.ExpiresAt, "permissions": k.Permissions, "created_at": k.CreatedAt, "updated_at": k.UpdatedAt,
		"previous_attributes": previous}
	return http.StatusOK, &k.apiKey, t.emit("api_key.updated", k.orgID(), data)
}
