package emulator

import (
	"net/http"
)

// Email verifications: each verification code sent to a user is also an object WorkOS lets an
// application read (GET /user_management/email_verification/{id}), for example to send the code
// through its own email provider. Its ID is in the email_verification.created event.

type emailVerification struct {
	Object    string `json:"object"`
	ID        string `json:"id"`
	UserID    string `json:"user_id"`
	Email     string `json:"email"`
	ExpiresAt string `json:"expires_at"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
	Code      string `json:"code,omitempty"`
}

// recordEmailVerification keeps the code just sent to a user as an email verification object.
func (t *tx) recordEmailVerification(u *user, pc *pendingCode) error {
	ev := &emailVerification{Object: "email_verification", ID: t.newID("email_verification_"), UserID: u.ID, Email: u.Email,
		ExpiresAt: pc.ExpiresAt, CreatedAt: pc.CreatedAt, UpdatedAt: pc.CreatedAt, Code: pc.Code}
	if err := t.save("email_verification", ev.ID, "", ev); err != nil {
		return err
	}
	data := *ev
	data.Code = "" // events never carry the code
	return t.emit("email_verification.created", "", &data)
}

func getEmailVerification(c *call) (int, any, error) {
	id := c.param("id")
	ev, err := loadFound[emailVerification](c.t, "email_verification", "Email verification", id)
	return http.StatusOK, ev, err
}
