package emulator

import (
	"errors"
	"net/http"
	"strings"
	"time"
)

type roleSlug struct {
	Slug string `json:"slug"`
}

type membership struct {
	Object           string         `json:"object"`
	ID               string         `json:"id"`
	UserID           string         `json:"user_id"`
	OrganizationID   string         `json:"organization_id"`
	OrganizationName string         `json:"organization_name,omitempty"`
	Status           string         `json:"status"`
	DirectoryManaged bool           `json:"directory_managed"`
	CustomAttributes map[string]any `json:"custom_attributes"`
	Role             roleSlug       `json:"role"`
	Roles            []roleSlug     `json:"roles"`
	User             *user          `json:"user,omitempty"`
	CreatedAt        string         `json:"created_at"`
	UpdatedAt        string         `json:"updated_at"`
}

// eventData is the membership as events carry it (without the embedded user).
func (m *membership) eventData() *membership {
	cp := *m
	cp.User = nil
	return &cp
}

func (t *tx) membership(id string) (*membership, error) {
	m, err := loadFound[membership](t, "organization_membership", "Organization membership", id)
	if err != nil {
		return nil, err
	}
	return t.renderMembership(m)
}

// renderMembership fills what WorkOS computes on read: the organization's name and the user.
func (t *tx) renderMembership(m *membership) (*membership, error) {
	if o, err := load[organization](t, "organization", m.OrganizationID); err == nil {
		m.OrganizationName = o.Name
	}
	u, err := t.user(m.UserID)
	if err != nil {
		return nil, err
	}
	m.User = u
	if m.CustomAttributes == nil {
		m.CustomAttributes = map[string]any{}
	}
	if m.Roles == nil {
		m.Roles = []roleSlug{m.Role}
	}
	return m, nil
}

func (t *tx) saveMembership(m *membership) error {
	cp := *m
	cp.User, cp.OrganizationName = nil, ""
	return t.save("organization_membership", m.ID, m.OrganizationID, &cp)
}

// resolveRoles checks role slugs against the environment's and the organization's roles; no
// slug means the environment's default role.
func (t *tx) resolveRoles(orgID string, slugs []string) ([]roleSlug, error) {
	if len(slugs) == 0 {
		def, err := t.defaultRole()
		if err != nil {
			return nil, err
		}
		slugs = []string{def}
	}
	var out []roleSlug
	for _, s := range slugs {
		if _, err := t.roleFor(orgID, s); err != nil {
			if errors.Is(err, errNotFound) {
				return nil, &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid_role", Message: "Role '" + s + "' does not exist."}
			}
			return nil, err
		}
		out = append(out, roleSlug{Slug: s})
	}
	return out, nil
}

type membershipInput struct {
	UserID         string   `json:"user_id"`
	OrganizationID string   `json:"organization_id"`
	RoleSlug       string   `json:"role_slug"`
	RoleSlugs      []string `json:"role_slugs"`
	Status         string   `json:"status"` // seeds only
}

func (in *membershipInput) slugs() []string {
	if in.RoleSlug != "" {
		return append([]string{in.RoleSlug}, in.RoleSlugs...)
	}
	return in.RoleSlugs
}

func (t *tx) createMembership(in membershipInput) (*membership, error) {
	var errs []fieldError
	if in.UserID == "" {
		errs = append(errs, fieldError{Field: "user_id", Code: "user_id_required", Message: "user_id is required."})
	}
	if in.OrganizationID == "" {
		errs = append(errs, fieldError{Field: "organization_id", Code: "organization_id_required", Message: "organization_id is required."})
	}
	if len(errs) > 0 {
		return nil, invalidParams(errs...)
	}
	if _, err := t.user(in.UserID); err != nil {
		return nil, err
	}
	if _, err := t.organization(in.OrganizationID); err != nil {
		return nil, err
	}
	if _, err := find(t, "organization_membership", in.OrganizationID, func(m *membership) bool { return m.UserID == in.UserID }); err == nil {
		return nil, invalidField("user_id", "organization_membership_already_exists", "The user is already a member of the organization.")
	}
	roles, err := t.resolveRoles(in.OrganizationID, in.slugs())
	if err != nil {
		return nil, err
	}
	status := in.Status
	if status == "" {
		status = "active"
	}
	m := &membership{Object: "organization_membership", ID: t.newID("om_"), UserID: in.UserID, OrganizationID: in.OrganizationID,
		Status: status, CustomAttributes: map[string]any{}, Role: roles[0], Roles: roles, CreatedAt: formatTime(t.now), UpdatedAt: formatTime(t.now)}
	if err := t.saveMembership(m); err != nil {
		return nil, err
	}
	if err := t.emit("organization_membership.created", m.OrganizationID, m.eventData()); err != nil {
		return nil, err
	}
	return t.renderMembership(m)
}

func (t *tx) deleteMembership(m *membership) error {
	as, err := filter(t, "role_assignment", m.OrganizationID, func(a *roleAssignment) bool { return a.MembershipID == m.ID })
	if err != nil {
		return err
	}
	for _, a := range as {
		if err := t.remove("role_assignment", a.ID); err != nil {
			return err
		}
	}
	if err := t.remove("organization_membership", m.ID); err != nil {
		return err
	}
	return t.emit("organization_membership.deleted", m.OrganizationID, m.eventData())
}

func createMembershipHandler(c *call) (int, any, error) {
	var in membershipInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	in.Status = ""
	m, err := c.t.createMembership(in)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, m, nil
}

func listMemberships(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	userID, orgID := c.query.Get("user_id"), c.query.Get("organization_id")
	if userID == "" && orgID == "" {
		return 0, nil, badRequest("missing_user_id_or_organization_id", "Either user_id or organization_id is required.")
	}
	statuses := map[string]bool{}
	for _, s := range c.queryList("statuses") {
		if s != "active" && s != "inactive" && s != "pending" {
			return 0, nil, invalidField("statuses", "invalid_status", "statuses must be active, inactive or pending.")
		}
		statuses[s] = true
	}
	ms, err := filter(c.t, "organization_membership", orgID, func(m *membership) bool {
		return (userID == "" || m.UserID == userID) && (len(statuses) == 0 || statuses[m.Status])
	})
	if err != nil {
		return 0, nil, err
	}
	out := paginate(ms, func(m *membership) string { return m.ID }, p)
	for _, m := range out.Data.([]*membership) {
		if _, err := c.t.renderMembership(m); err != nil {
			return 0, nil, err
		}
	}
	return http.StatusOK, out, nil
}

func getMembership(c *call) (int, any, error) {
	m, err := c.t.membership(c.param("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, m, nil
}

func updateMembership(c *call) (int, any, error) {
	var in membershipInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	t := c.t
	m, err := t.membership(c.param("id"))
	if err != nil {
		return 0, nil, err
	}
	if slugs := in.slugs(); len(slugs) > 0 {
		roles, err := t.resolveRoles(m.OrganizationID, slugs)
		if err != nil {
			return 0, nil, err
		}
		m.Role, m.Roles = roles[0], roles
	}
	m.UpdatedAt = formatTime(t.now)
	if err := t.saveMembership(m); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, m, t.emit("organization_membership.updated", m.OrganizationID, m.eventData())
}

func deleteMembershipHandler(c *call) (int, any, error) {
	m, err := c.t.membership(c.param("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, nil, c.t.deleteMembership(m)
}

func setMembershipStatus(status string) handlerFunc {
	return func(c *call) (int, any, error) {
		t := c.t
		m, err := t.membership(c.param("id"))
		if err != nil {
			return 0, nil, err
		}
		if m.Status == "pending" {
			if status == "active" {
				return 0, nil, badRequest("cannot_reactivate_pending_organization_membership", "A pending membership becomes active when its invitation is accepted.")
			}
			return 0, nil, badRequest("cannot_deactivate_pending_organization_membership", "A pending membership cannot be deactivated.")
		}
		if m.Status == status {
			return http.StatusOK, m, nil
		}
		m.Status, m.UpdatedAt = status, formatTime(t.now)
		if err := t.saveMembership(m); err != nil {
			return 0, nil, err
		}
		return http.StatusOK, m, t.emit("organization_membership.updated", m.OrganizationID, m.eventData())
	}
}

// Invitations.

type invitation struct {
	Object              string  `json:"object"`
	ID                  string  `json:"id"`
	Email               string  `json:"email"`
	State               string  `json:"state"`
	AcceptedAt          *string `json:"accepted_at"`
	RevokedAt           *string `json:"revoked_at"`
	ExpiresAt           string  `json:"expires_at"`
	OrganizationID      *string `json:"organization_id"`
	InviterUserID       *string `json:"inviter_user_id"`
	AcceptedUserID      *string `json:"accepted_user_id"`
	RoleSlug            *string `json:"role_slug"`
	CreatedAt           string  `json:"created_at"`
	UpdatedAt           string  `json:"updated_at"`
	Token               string  `json:"token"`
	AcceptInvitationURL string  `json:"accept_invitation_url"`
}

func (inv *invitation) org() string {
	if inv.OrganizationID == nil {
		return ""
	}
	return *inv.OrganizationID
}

// eventData is the invitation as events carry it (no token).
func (inv *invitation) eventData() map[string]any {
	return map[string]any{"object": inv.Object, "id": inv.ID, "email": inv.Email, "state": inv.State, "accepted_at": inv.AcceptedAt,
		"revoked_at": inv.RevokedAt, "expires_at": inv.ExpiresAt, "organization_id": inv.OrganizationID, "inviter_user_id": inv.InviterUserID,
		"accepted_user_id": inv.AcceptedUserID, "role_slug": inv.RoleSlug, "created_at": inv.CreatedAt, "updated_at": inv.UpdatedAt}
}

// render marks an invitation past its expiry as expired, as WorkOS reports it.
func (inv *invitation) render(now time.Time) *invitation {
	if inv.State == "pending" && inv.ExpiresAt < formatTime(now) {
		inv.State = "expired"
	}
	return inv
}

func (t *tx) invitation(id string) (*invitation, error) {
	inv, err := loadFound[invitation](t, "invitation", "Invitation", id)
	if err != nil {
		return nil, err
	}
	return inv.render(t.now), nil
}

type invitationInput struct {
	Email          string `json:"email"`
	OrganizationID string `json:"organization_id"`
	RoleSlug       string `json:"role_slug"`
	ExpiresInDays  *int   `json:"expires_in_days"`
	InviterUserID  string `json:"inviter_user_id"`
	Locale         string `json:"locale"`
	Token          string `json:"-"` // seeds only
}

func (t *tx) createInvitation(in invitationInput, baseURL string) (*invitation, error) {
	email := strings.ToLower(strings.TrimSpace(in.Email))
	if !validEmail(email) {
		return nil, invalidField("email", "invalid_email", "email must be a valid email address.")
	}
	days := 7
	if in.ExpiresInDays != nil {
		if *in.ExpiresInDays < 1 {
			return nil, badRequest("expires_in_days_too_short", "expires_in_days must be at least 1.")
		}
		if *in.ExpiresInDays > 30 {
			return nil, badRequest("expires_in_days_too_long", "expires_in_days must be at most 30.")
		}
		days = *in.ExpiresInDays
	}
	inv := &invitation{Object: "invitation", ID: t.newID("invitation_"), Email: email, State: "pending",
		ExpiresAt: formatTime(t.now.Add(time.Duration(days) * 24 * time.Hour)), CreatedAt: formatTime(t.now), UpdatedAt: formatTime(t.now)}
	if in.OrganizationID != "" {
		if _, err := t.organization(in.OrganizationID); err != nil {
			return nil, err
		}
		inv.OrganizationID = &in.OrganizationID
		if u, err := t.userByEmail(email); err == nil {
			if _, err := find(t, "organization_membership", in.OrganizationID, func(m *membership) bool { return m.UserID == u.ID }); err == nil {
				return nil, badRequest("user_already_organization_member", "The user is already a member of the organization.")
			}
		}
	}
	pending, err := filter(t, "invitation", "", func(x *invitation) bool {
		return x.Email == email && x.org() == in.OrganizationID && x.render(t.now).State == "pending"
	})
	if err != nil {
		return nil, err
	}
	if len(pending) > 0 {
		return nil, badRequest("email_already_invited_to_organization", "An invitation for this email is already pending.")
	}
	if in.RoleSlug != "" {
		if in.OrganizationID == "" {
			return nil, invalidField("role_slug", "organization_id_required", "role_slug requires organization_id.")
		}
		if _, err := t.resolveRoles(in.OrganizationID, []string{in.RoleSlug}); err != nil {
			var ae *apiError
			if errors.As(err, &ae) && ae.Code == "invalid_role" {
				return nil, badRequest("invalid_role", ae.Message)
			}
			return nil, err
		}
		inv.RoleSlug = &in.RoleSlug
	}
	if in.InviterUserID != "" {
		if _, err := t.user(in.InviterUserID); err != nil {
			return nil, err
		}
		inv.InviterUserID = &in.InviterUserID
	}
	inv.Token = in.Token
	if inv.Token == "" {
		inv.Token = randomToken(25)
	}
	inv.AcceptInvitationURL = baseURL + "/invite?invitation_token=" + inv.Token
	if err := t.save("invitation", inv.ID, in.OrganizationID, inv); err != nil {
		return nil, err
	}
	if err := t.sendEmail(sentEmail{To: inv.Email, Kind: "invitation", Token: inv.Token, URL: inv.AcceptInvitationURL}); err != nil {
		return nil, err
	}
	return inv, t.emit("invitation.created", in.OrganizationID, inv.eventData())
}

func createInvitationHandler(c *call) (int, any, error) {
	var in invitationInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	inv, err := c.t.createInvitation(in, c.baseURL())
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, inv, nil
}

func listInvitations(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	org, email := c.query.Get("organization_id"), strings.ToLower(c.query.Get("email"))
	invs, err := filter(c.t, "invitation", org, func(inv *invitation) bool { return email == "" || inv.Email == email })
	if err != nil {
		return 0, nil, err
	}
	for _, inv := range invs {
		inv.render(c.t.now)
	}
	return http.StatusOK, paginate(invs, func(i *invitation) string { return i.ID }, p), nil
}

func getInvitation(c *call) (int, any, error) {
	inv, err := c.t.invitation(c.param("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, inv, nil
}

func getInvitationByToken(c *call) (int, any, error) {
	tok := c.param("token")
	inv, err := find(c.t, "invitation", "", func(i *invitation) bool { return i.Token == tok })
	if errors.Is(err, errNotFound) {
		return 0, nil, notFound("Invitation", "token")
	}
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, inv.render(c.t.now), nil
}

func (t *tx) saveInvitation(inv *invitation) error {
	inv.UpdatedAt = formatTime(t.now)
	return t.save("invitation", inv.ID, inv.org(), inv)
}

func revokeInvitation(c *call) (int, any, error) {
	t := c.t
	inv, err := t.invitation(c.param("id"))
	if err != nil {
		return 0, nil, err
	}
	if inv.State != "pending" {
		return 0, nil, badRequest("invite_not_pending", "Only a pending invitation can be revoked; this one is "+inv.State+".")
	}
	now := formatTime(t.now)
	inv.State, inv.RevokedAt = "revoked", &now
	if err := t.saveInvitation(inv); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, inv, t.emit("invitation.revoked", inv.org(), inv.eventData())
}

func resendInvitation(c *call) (int, any, error) {
	t := c.t
	inv, err := t.invitation(c.param("id"))
	if err != nil {
		return 0, nil, err
	}
	switch inv.State {
	case "accepted":
		return 0, nil, badRequest("invite_accepted", "The invitation was already accepted.")
	case "revoked":
		return 0, nil, badRequest("invite_revoked", "The invitation was revoked.")
	}
	// Resending an expired invitation renews it, as WorkOS does.
	inv.State = "pending"
	inv.ExpiresAt = formatTime(t.now.Add(7 * 24 * time.Hour))
	if err := t.saveInvitation(inv); err != nil {
		return 0, nil, err
	}
	if err := t.sendEmail(sentEmail{To: inv.Email, Kind: "invitation", Token: inv.Token, URL: inv.AcceptInvitationURL}); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, inv, t.emit("invitation.resent", inv.org(), inv.eventData())
}

// acceptInvitation accepts on behalf of the invitee: it creates the user if needed and the
// organization membership with the invitation's role.
func acceptInvitation(c *call) (int, any, error) {
	t := c.t
	inv, err := t.invitation(c.param("id"))
	if err != nil {
		return 0, nil, err
	}
	if inv.State != "pending" {
		return 0, nil, badRequest("invite_not_pending", "Only a pending invitation can be accepted; this one is "+inv.State+".")
	}
	u, err := t.userByEmail(inv.Email)
	if errors.Is(err, errNotFound) {
		verified := true
		u, err = t.createUser(userInput{Email: &inv.Email, EmailVerified: &verified})
	}
	if err != nil {
		return 0, nil, err
	}
	if org := inv.org(); org != "" {
		if _, err := find(t, "organization_membership", org, func(m *membership) bool { return m.UserID == u.ID }); errors.Is(err, errNotFound) {
			in := membershipInput{UserID: u.ID, OrganizationID: org}
			if inv.RoleSlug != nil {
				in.RoleSlug = *inv.RoleSlug
			}
			if _, err := t.createMembership(in); err != nil {
				return 0, nil, err
			}
		} else if err != nil {
			return 0, nil, err
		}
	}
	now := formatTime(t.now)
	inv.State, inv.AcceptedAt, inv.AcceptedUserID = "accepted", &now, &u.ID
	if err := t.saveInvitation(inv); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, inv, t.emit("invitation.accepted", inv.org(), inv.eventData())
}
