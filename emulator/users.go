package emulator

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"
	"net/mail"
	"strings"
	"time"
)

type user struct {
	Object            string            `json:"object"`
	ID                string            `json:"id"`
	FirstName         *string           `json:"first_name"`
	LastName          *string           `json:"last_name"`
	ProfilePictureURL *string           `json:"profile_picture_url"`
	Email             string            `json:"email"`
	EmailVerified     bool              `json:"email_verified"`
	ExternalID        *string           `json:"external_id"`
	Metadata          map[string]string `json:"metadata"`
	LastSignInAt      *string           `json:"last_sign_in_at"`
	Locale            *string           `json:"locale"`
	CreatedAt         string            `json:"created_at"`
	UpdatedAt         string            `json:"updated_at"`
}

// password is a user's password hash, kept apart from the user so it is never rendered.
type password struct {
	UserID string `json:"user_id"`
	Salt   string `json:"salt"`
	Hash   string `json:"hash"`
}

const pbkdf2Iterations = 4096

func hashPassword(userID, pw string) (*password, error) {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	key, err := pbkdf2.Key(sha256.New, pw, salt, pbkdf2Iterations, 32)
	if err != nil {
		return nil, err
	}
	return &password{UserID: userID, Salt: hex.EncodeToString(salt), Hash: hex.EncodeToString(key)}, nil
}

func (p *password) matches(pw string) bool {
	salt, err := hex.DecodeString(p.Salt)
	if err != nil {
		return false
	}
	key, err := pbkdf2.Key(sha256.New, pw, salt, pbkdf2Iterations, 32)
	if err != nil {
		return false
	}
	want, _ := hex.DecodeString(p.Hash)
	return subtle.ConstantTimeCompare(key, want) == 1
}

func (t *tx) user(id string) (*user, error) {
	u, err := loadFound[user](t, "user", "User", id)
	if err != nil {
		return nil, err
	}
	if u.Metadata == nil {
		u.Metadata = map[string]string{}
	}
	return u, nil
}

func (t *tx) userByEmail(email string) (*user, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	return find(t, "user", "", func(u *user) bool { return u.Email == email })
}

type userInput struct {
	ID            string             `json:"id"` // seeds only
	Email         *string            `json:"email"`
	FirstName     *string            `json:"first_name"`
	LastName      *string            `json:"last_name"`
	EmailVerified *bool              `json:"email_verified"`
	Metadata      *map[string]string `json:"metadata"`
	ExternalID    *string            `json:"external_id"`
	Locale        *string            `json:"locale"`
	Password      *string            `json:"password"`
	PasswordHash  *string            `json:"password_hash"`
	PasswordType  *string            `json:"password_hash_type"`
}

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s, "@")
}

func (t *tx) setPassword(userID, pw string) error {
	if len(pw) < 8 {
		return &apiError{Status: http.StatusBadRequest, Code: "password_strength_error", Message: "The password is too weak.",
			Errors: []fieldError{{Field: "password", Code: "password_too_short", Message: "password must be at least 8 characters."}}}
	}
	p, err := hashPassword(userID, pw)
	if err != nil {
		return err
	}
	return t.save("password", userID, "", p)
}

func (t *tx) createUser(in userInput) (*user, error) {
	if in.Email == nil || !validEmail(strings.ToLower(strings.TrimSpace(*in.Email))) {
		return nil, invalidField("email", "invalid_email", "email must be a valid email address.")
	}
	if in.PasswordHash != nil {
		return nil, badRequest("invalid_password_hash", "The emulator does not import password hashes; send password instead.")
	}
	email := strings.ToLower(strings.TrimSpace(*in.Email))
	if _, err := t.userByEmail(email); err == nil {
		return nil, invalidField("email", "email_not_available", "A user with this email already exists.")
	} else if !errors.Is(err, errNotFound) {
		return nil, err
	}
	u := &user{Object: "user", ID: in.ID, Email: email, FirstName: in.FirstName, LastName: in.LastName, Metadata: map[string]string{},
		Locale: in.Locale, CreatedAt: formatTime(t.now), UpdatedAt: formatTime(t.now)}
	if u.ID == "" {
		u.ID = t.newID("user_")
	}
	if in.EmailVerified != nil {
		u.EmailVerified = *in.EmailVerified
	}
	if in.Metadata != nil && *in.Metadata != nil {
		if err := validateMetadata(*in.Metadata); err != nil {
			return nil, err
		}
		u.Metadata = *in.Metadata
	}
	if in.ExternalID != nil && *in.ExternalID != "" {
		if err := t.checkExternalID("user", *in.ExternalID, ""); err != nil {
			return nil, err
		}
		u.ExternalID = in.ExternalID
	}
	if err := t.save("user", u.ID, "", u); err != nil {
		return nil, err
	}
	if in.Password != nil && *in.Password != "" {
		if err := t.setPassword(u.ID, *in.Password); err != nil {
			return nil, err
		}
	}
	return u, t.emit("user.created", "", u)
}

func createUserHandler(c *call) (int, any, error) {
	var in userInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	in.ID = ""
	u, err := c.t.createUser(in)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, u, nil
}

func listUsers(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	org := c.query.Get("organization_id")
	if org == "" {
		org = c.query.Get("organization")
	}
	email := strings.ToLower(c.query.Get("email"))
	var members map[string]bool
	if org != "" {
		ms, err := loadAll[membership](c.t, "organization_membership", org)
		if err != nil {
			return 0, nil, err
		}
		members = map[string]bool{}
		for _, m := range ms {
			members[m.UserID] = true
		}
	}
	us, err := filter(c.t, "user", "", func(u *user) bool {
		return (email == "" || u.Email == email) && (members == nil || members[u.ID])
	})
	if err != nil {
		return 0, nil, err
	}
	for _, u := range us {
		if u.Metadata == nil {
			u.Metadata = map[string]string{}
		}
	}
	return http.StatusOK, paginate(us, func(u *user) string { return u.ID }, p), nil
}

func getUser(c *call) (int, any, error) {
	u, err := c.t.user(c.param("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, u, nil
}

func getUserByExternalID(c *call) (int, any, error) {
	ext := c.param("external_id")
	u, err := find(c.t, "user", "", func(u *user) bool { return u.ExternalID != nil && *u.ExternalID == ext })
	if errors.Is(err, errNotFound) {
		return 0, nil, notFound("User", ext)
	}
	if err != nil {
		return 0, nil, err
	}
	if u.Metadata == nil {
		u.Metadata = map[string]string{}
	}
	return http.StatusOK, u, nil
}

func updateUser(c *call) (int, any, error) {
	var in userInput
	u, err := decodeForUser(c, &in)
	if err != nil {
		return 0, nil, err
	}
	t := c.t
	if in.Email != nil {
		email := strings.ToLower(strings.TrimSpace(*in.Email))
		if !validEmail(email) {
			return 0, nil, badRequest("invalid_email", "email must be a valid email address.")
		}
		if other, err := t.userByEmail(email); err == nil && other.ID != u.ID {
			return 0, nil, badRequest("email_not_available", "A user with this email already exists.")
		}
		if email != u.Email {
			u.Email, u.EmailVerified = email, false
		}
	}
	if in.FirstName != nil {
		u.FirstName = in.FirstName
	}
	if in.LastName != nil {
		u.LastName = in.LastName
	}
	if in.EmailVerified != nil {
		u.EmailVerified = *in.EmailVerified
	}
	if in.Locale != nil {
		u.Locale = in.Locale
	}
	if in.Metadata != nil {
		if *in.Metadata == nil {
			u.Metadata = map[string]string{}
		} else {
			if err := validateMetadata(*in.Metadata); err != nil {
				return 0, nil, err
			}
			for k, v := range *in.Metadata {
				if v == "" {
					delete(u.Metadata, k)
				} else {
					u.Metadata[k] = v
				}
			}
		}
	}
	if in.ExternalID != nil {
		if *in.ExternalID == "" {
			u.ExternalID = nil
		} else {
			if err := t.checkExternalID("user", *in.ExternalID, u.ID); err != nil {
				return 0, nil, err
			}
			u.ExternalID = in.ExternalID
		}
	}
	if in.PasswordHash != nil {
		return 0, nil, badRequest("invalid_password_hash", "The emulator does not import password hashes; send password instead.")
	}
	if in.Password != nil {
		if err := t.setPassword(u.ID, *in.Password); err != nil {
			return 0, nil, err
		}
	}
	u.UpdatedAt = formatTime(t.now)
	if err := t.save("user", u.ID, "", u); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, u, t.emit("user.updated", "", u)
}

func deleteUserHandler(c *call) (int, any, error) {
	t := c.t
	u, err := t.user(c.param("id"))
	if err != nil {
		return 0, nil, err
	}
	ms, err := filter(t, "organization_membership", "", func(m *membership) bool { return m.UserID == u.ID })
	if err != nil {
		return 0, nil, err
	}
	for _, m := range ms {
		if err := t.deleteMembership(m); err != nil {
			return 0, nil, err
		}
	}
	ss, err := filter(t, "session", "", func(s *session) bool { return s.UserID == u.ID })
	if err != nil {
		return 0, nil, err
	}
	for _, s := range ss {
		if err := t.remove("session", s.ID); err != nil {
			return 0, nil, err
		}
	}
	keys, err := filter(t, "api_key", "", func(k *storedAPIKey) bool { return k.Owner.Type == "user" && k.Owner.ID == u.ID })
	if err != nil {
		return 0, nil, err
	}
	for _, k := range keys {
		if err := t.remove("api_key", k.ID); err != nil {
			return 0, nil, err
		}
	}
	if err := t.forgetUser(u.ID); err != nil {
		return 0, nil, err
	}
	if err := t.remove("password", u.ID); err != nil {
		return 0, nil, err
	}
	if err := t.remove("user", u.ID); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, nil, t.emit("user.deleted", "", u)
}

// Sessions.

type session struct {
	Object         string  `json:"object"`
	ID             string  `json:"id"`
	IPAddress      *string `json:"ip_address"`
	OrganizationID string  `json:"organization_id,omitempty"`
	UserAgent      *string `json:"user_agent"`
	UserID         string  `json:"user_id"`
	AuthMethod     string  `json:"auth_method"`
	Status         string  `json:"status"`
	ExpiresAt      string  `json:"expires_at"`
	EndedAt        *string `json:"ended_at"`
	CreatedAt      string  `json:"created_at"`
	UpdatedAt      string  `json:"updated_at"`
}

func (t *tx) createSession(userID, orgID, method string, ip, ua *string) (*session, error) {
	s := &session{Object: "session", ID: t.newID("session_"), IPAddress: ip, UserAgent: ua, OrganizationID: orgID, UserID: userID,
		AuthMethod: method, Status: "active", ExpiresAt: formatTime(t.now.Add(30 * 24 * time.Hour)),
		CreatedAt: formatTime(t.now), UpdatedAt: formatTime(t.now)}
	if err := t.save("session", s.ID, orgID, s); err != nil {
		return nil, err
	}
	return s, t.emit("session.created", orgID, s)
}

func listUserSessions(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	u, err := c.t.user(c.param("id"))
	if err != nil {
		return 0, nil, err
	}
	now := formatTime(c.t.now)
	ss, err := filter(c.t, "session", "", func(s *session) bool { return s.UserID == u.ID })
	if err != nil {
		return 0, nil, err
	}
	for _, s := range ss {
		if s.Status == "active" && s.ExpiresAt < now {
			s.Status = "expired"
		}
	}
	return http.StatusOK, paginate(ss, func(s *session) string { return s.ID }, p), nil
}

func revokeSession(c *call) (int, any, error) {
	var in struct {
		SessionID string `json:"session_id"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if in.SessionID == "" {
		return 0, nil, invalidField("session_id", "session_id_required", "session_id is required.")
	}
	t := c.t
	s, err := loadFound[session](t, "session", "Session", in.SessionID)
	if err != nil {
		return 0, nil, err
	}
	if s.Status != "revoked" {
		s.Status = "revoked"
		ended := formatTime(t.now)
		s.EndedAt, s.UpdatedAt = &ended, ended
		if err := t.save("session", s.ID, s.OrganizationID, s); err != nil {
			return 0, nil, err
		}
		if err := t.emit("session.revoked", s.OrganizationID, s); err != nil {
			return 0, nil, err
		}
	}
	return http.StatusOK, nil, nil
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
