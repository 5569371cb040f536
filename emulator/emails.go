package emulator

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"math/big"
	"net/http"
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
	if err := t.recordEmailVerification(u, pc); err != nil {
		return 0, nil, err
	}
	if err := t.sendEmail(sentEmail{To: u.Email, Kind: pc.Kind, UserID: u.ID, Code: pc.Code}); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"user": u}, nil
}

// takeCode spends the user's pending code of this kind when code matches it. A missing or wrong
// code is <kind>_code_incorrect; a matching but expired one is <kind>_code_expired (checked
// after the match, as WorkOS does, so an expiry says nothing about a wrong guess).
func (t *tx) takeCode(kind, userID, code string) (*pendingCode, error) {
	pc, err := load[pendingCode](t, "code", codeKey(kind, userID))
	if errors.Is(err, errNotFound) {
		return nil, badRequest(kind+"_code_incorrect", "The code is incorrect.")
	}
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(pc.Code), []byte(code)) != 1 {
		return nil, badRequest(kind+"_code_incorrect", "The code is incorrect.")
	}
	if err := t.remove("code", codeKey(kind, userID)); err != nil {
		return nil, err
	}
	if pc.ExpiresAt < formatTime(t.now) {
		return nil, badRequest(kind+"_code_expired", "The code has expired.")
	}
	return pc, nil
}

// decodeForUser decodes the body into in, then finds the user the path names ({id}): a bad body
// is reported before an unknown user.
func decodeForUser(c *call, in any) (*user, error) {
	if err := c.decode(in); err != nil {
		return nil, err
	}
	return c.t.user(c.param("id"))
}

func confirmEmailVerification(c *call) (int, any, error) {
	var in struct {
		Code string `json:"code"`
	}
	u, err := decodeForUser(c, &in)
	if err != nil {
		return 0, nil, err
	}
	t := c.t
	if u.EmailVerified {
		return 0, nil, badRequest("email_previously_verified", "The user's email is already verified.")
	}
	if in.Code == "" {
		return 0, nil, invalidField("code", "code_required", "code is required.")
	}
	if _, err := t.takeCode("email_verification", u.ID, in.Code); err != nil {
		return 0, nil, err
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
	u, err := decodeForUser(c, &in)
	if err != nil {
		return 0, nil, err
	}
	t := c.t
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
	u, err := decodeForUser(c, &in)
	if err != nil {
		return 0, nil, err
	}
	t := c.t
	if _, err := load[pendingCode](t, "code", codeKey("email_change", u.ID)); errors.Is(err, errNotFound) {
		return 0, nil, conflict("no_pending_email_change", "The user has no pending email change.")
	}
	pc, err := t.takeCode("email_change", u.ID, in.Code)
	if err != nil {
		return 0, nil, err
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
	pr, err := loadFound[passwordReset](c.t, "password_reset", "Password reset", id)
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
	ma, err := loadFound[magicAuth](c.t, "magic_auth", "Magic auth", id)
	return http.StatusOK, ma, err
}
