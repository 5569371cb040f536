package emulator

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Multi-factor authentication: factors (TOTP, SMS, generic one-time codes), their challenges and
// the verification of a code. TOTP codes follow RFC 6238 (SHA-1, 30-second steps, 6 digits), so
// an authenticator app, or any TOTP library, given the enrolment's secret produces codes the
// emulator accepts. SMS codes are not sent: they go to the outbox (GET /_emulator/emails, kind
// "sms", to the phone number).

type authFactor struct {
	Object    string      `json:"object"`
	ID        string      `json:"id"`
	Type      string      `json:"type"`
	UserID    string      `json:"user_id,omitempty"`
	SMS       *factorSMS  `json:"sms,omitempty"`
	TOTP      *factorTOTP `json:"totp,omitempty"`
	CreatedAt string      `json:"created_at"`
	UpdatedAt string      `json:"updated_at"`
}

type factorSMS struct {
	PhoneNumber string `json:"phone_number"`
}

type factorTOTP struct {
	Issuer string `json:"issuer"`
	User   string `json:"user"`
	// Secret, QRCode and URI are answered once, on enrolment.
	Secret string `json:"secret,omitempty"`
	QRCode string `json:"qr_code,omitempty"`
	URI    string `json:"uri,omitempty"`
}

// storedFactor keeps the TOTP secret beside the factor; reads never show it.
type storedFactor struct {
	authFactor
	TOTPSecret string `json:"totp_secret,omitempty"`
}

func (f *storedFactor) render() *authFactor {
	cp := f.authFactor
	if cp.TOTP != nil {
		tp := *cp.TOTP
		tp.Secret, tp.QRCode, tp.URI = "", "", ""
		cp.TOTP = &tp
	}
	return &cp
}

type authChallenge struct {
	Object    string `json:"object"`
	ID        string `json:"id"`
	ExpiresAt string `json:"expires_at,omitempty"`
	Code      string `json:"code,omitempty"`
	FactorID  string `json:"authentication_factor_id"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

type storedChallenge struct {
	authChallenge
	Secret   string `json:"secret,omitempty"` // the one-time code of SMS and generic challenges
	Attempts int    `json:"attempts"`
	Verified bool   `json:"verified"`
}

const maxChallengeAttempts = 5

func (t *tx) factor(id string) (*storedFactor, error) {
	f, err := loadFound[storedFactor](t, "auth_factor", "Authentication factor", id)
	return f, err
}

type factorInput struct {
	Type        string `json:"type"`
	PhoneNumber string `json:"phone_number"`
	TOTPIssuer  string `json:"totp_issuer"`
	TOTPUser    string `json:"totp_user"`
	TOTPSecret  string `json:"totp_secret"`
	UserID      string `json:"user_id"`
}

func validPhone(s string) bool {
	if !strings.HasPrefix(s, "+") || len(s) < 8 || len(s) > 16 {
		return false
	}
	for _, r := range s[1:] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// enrollFactor creates a factor; the answer carries the TOTP secret and URI, once.
func (t *tx) enrollFactor(in factorInput) (*authFactor, error) {
	f := &storedFactor{authFactor: authFactor{Object: "authentication_factor", ID: t.newID("auth_factor_"), Type: in.Type, UserID: in.UserID,
		CreatedAt: formatTime(t.now), UpdatedAt: formatTime(t.now)}}
	if in.UserID != "" {
		if _, err := t.user(in.UserID); err != nil {
			return nil, err
		}
	}
	switch in.Type {
	case "totp":
		if strings.TrimSpace(in.TOTPIssuer) == "" || strings.TrimSpace(in.TOTPUser) == "" {
			return nil, invalidField("totp_issuer", "totp_issuer_and_user_required", "totp_issuer and totp_user are required for a totp factor.")
		}
		secret := strings.ToUpper(strings.TrimRight(strings.ReplaceAll(in.TOTPSecret, " ", ""), "="))
		if secret == "" {
			raw := make([]byte, 20)
			_, _ = rand.Read(raw)
			secret = base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw)
		} else if _, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret); err != nil {
			return nil, invalidField("totp_secret", "invalid_totp_secret", "totp_secret must be base32.")
		}
		f.TOTPSecret = secret
		f.TOTP = &factorTOTP{Issuer: in.TOTPIssuer, User: in.TOTPUser}
	case "sms":
		if !validPhone(in.PhoneNumber) {
			return nil, invalidField("phone_number", "invalid_phone_number", "phone_number must be in E.164 format (+15555550123).")
		}
		f.SMS = &factorSMS{PhoneNumber: in.PhoneNumber}
	case "generic_otp":
	default:
		return nil, invalidField("type", "invalid_type", "type must be one of generic_otp, sms, totp.")
	}
	if err := t.save("auth_factor", f.ID, "", f); err != nil {
		return nil, err
	}
	out := f.render()
	if f.TOTP != nil {
		uri := "otpauth://totp/" + url.PathEscape(f.TOTP.Issuer) + ":" + url.PathEscape(f.TOTP.User) +
			"?secret=" + f.TOTPSecret + "&issuer=" + url.QueryEscape(f.TOTP.Issuer)
		// Not a QR image: the emulator has no QR encoder, so the data URL holds the URI as text.
		out.TOTP = &factorTOTP{Issuer: f.TOTP.Issuer, User: f.TOTP.User, Secret: f.TOTPSecret, URI: uri,
			QRCode: "data:text/plain;charset=utf-8," + url.PathEscape(uri)}
	}
	return out, nil
}

func enrollFactorHandler(c *call) (int, any, error) {
	var in factorInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	in.TOTPSecret = "" // only the User Management route imports a secret
	f, err := c.t.enrollFactor(in)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, f, nil
}

// enrollUserFactor enrols a TOTP factor for a user and starts its first challenge.
func enrollUserFactor(c *call) (int, any, error) {
	var in factorInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if in.Type != "totp" {
		return 0, nil, invalidField("type", "invalid_type", "type must be totp.")
	}
	t := c.t
	u, err := t.user(c.param("userlandUserId"))
	if err != nil {
		return 0, nil, err
	}
	in.UserID, in.PhoneNumber = u.ID, ""
	if in.TOTPIssuer == "" {
		in.TOTPIssuer = "WorkOS"
	}
	if in.TOTPUser == "" {
		in.TOTPUser = u.Email
	}
	f, err := t.enrollFactor(in)
	if err != nil {
		return 0, nil, err
	}
	ch, err := t.challenge(f.ID)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, map[string]any{"authentication_factor": f, "authentication_challenge": ch}, nil
}

func getFactor(c *call) (int, any, error) {
	f, err := c.t.factor(c.param("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, f.render(), nil
}

func deleteFactor(c *call) (int, any, error) {
	t := c.t
	f, err := t.factor(c.param("id"))
	if err != nil {
		return 0, nil, err
	}
	chs, err := filter(t, "auth_challenge", "", func(ch *storedChallenge) bool { return ch.FactorID == f.ID })
	if err != nil {
		return 0, nil, err
	}
	for _, ch := range chs {
		if err := t.remove("auth_challenge", ch.ID); err != nil {
			return 0, nil, err
		}
	}
	return http.StatusNoContent, nil, t.remove("auth_factor", f.ID)
}

func listAuthFactors(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	u, err := c.t.user(c.param("userlandUserId"))
	if err != nil {
		return 0, nil, err
	}
	fs, err := filter(c.t, "auth_factor", "", func(f *storedFactor) bool { return f.UserID == u.ID })
	if err != nil {
		return 0, nil, err
	}
	out := make([]*authFactor, 0, len(fs))
	for _, f := range fs {
		out = append(out, f.render())
	}
	return http.StatusOK, paginate(out, func(f *authFactor) string { return f.ID }, p), nil
}

// challenge starts a challenge of a factor. TOTP challenges carry no code (the app has it); SMS
// codes go to the outbox; generic codes are answered for the caller to deliver.
func (t *tx) challenge(factorID string) (*authChallenge, error) {
	f, err := t.factor(factorID)
	if err != nil {
		return nil, err
	}
	ch := &storedChallenge{authChallenge: authChallenge{Object: "authentication_challenge", ID: t.newID("auth_challenge_"), FactorID: f.ID,
		CreatedAt: formatTime(t.now), UpdatedAt: formatTime(t.now)}}
	if f.Type != "totp" {
		ch.Secret = sixDigits()
		ch.ExpiresAt = formatTime(t.now.Add(10 * time.Minute))
	}
	if err := t.save("auth_challenge", ch.ID, "", ch); err != nil {
		return nil, err
	}
	out := ch.authChallenge
	switch f.Type {
	case "generic_otp":
		out.Code = ch.Secret
	case "sms":
		if err := t.sendEmail(sentEmail{To: f.SMS.PhoneNumber, Kind: "sms", UserID: f.UserID, Code: ch.Secret}); err != nil {
			return nil, err
		}
	}
	return &out, nil
}

func challengeFactor(c *call) (int, any, error) {
	var in struct {
		SMSTemplate string `json:"sms_template"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if in.SMSTemplate != "" && !strings.Contains(in.SMSTemplate, "{{code}}") {
		return 0, nil, invalidField("sms_template", "invalid_sms_template", "sms_template must contain {{code}}.")
	}
	ch, err := c.t.challenge(c.param("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, ch, nil
}

// totpCode is the RFC 6238 code of a base32 secret at a time step.
func totpCode(secret string, step int64) (string, error) {
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil {
		return "", err
	}
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(step))
	mac := hmac.New(sha1.New, key)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	n := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%06d", n%1_000_000), nil
}

// verifyChallenge checks a code. A wrong code answers valid=false and counts an attempt; after
// five, the challenge is locked. One step of clock drift either way is accepted for TOTP.
func verifyChallenge(c *call) (int, any, error) {
	var in struct {
		Code string `json:"code"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if in.Code == "" {
		return 0, nil, invalidField("code", "code_required", "code is required.")
	}
	t := c.t
	id := c.param("id")
	ch, err := loadFound[storedChallenge](t, "auth_challenge", "Authentication challenge", id)
	if err != nil {
		return 0, nil, err
	}
	if ch.Verified {
		return 0, nil, &apiError{Status: http.StatusUnprocessableEntity, Code: "authentication_challenge_previously_verified", Message: "The challenge was already verified."}
	}
	if ch.ExpiresAt != "" && ch.ExpiresAt < formatTime(t.now) {
		return 0, nil, &apiError{Status: http.StatusUnprocessableEntity, Code: "authentication_challenge_expired", Message: "The challenge has expired."}
	}
	if ch.Attempts >= maxChallengeAttempts {
		return 0, nil, badRequest("one_time_code_too_many_attempts", "Too many attempts: start a new challenge.")
	}
	f, err := t.factor(ch.FactorID)
	if err != nil {
		return 0, nil, err
	}
	valid := false
	if f.Type == "totp" {
		step := t.now.Unix() / 30
		for d := int64(-1); d <= 1 && !valid; d++ {
			want, err := totpCode(f.TOTPSecret, step+d)
			if err != nil {
				return 0, nil, err
			}
			valid = subtle.ConstantTimeCompare([]byte(want), []byte(in.Code)) == 1
		}
	} else {
		valid = subtle.ConstantTimeCompare([]byte(ch.Secret), []byte(in.Code)) == 1
	}
	ch.UpdatedAt = formatTime(t.now)
	if valid {
		ch.Verified = true
	} else {
		ch.Attempts++
	}
	if err := t.save("auth_challenge", ch.ID, "", ch); err != nil {
		return 0, nil, err
	}
	if f.UserID != "" {
		email := ""
		if u, err := t.user(f.UserID); err == nil {
			email = u.Email
		}
		data := map[string]any{"type": "mfa", "status": "succeeded", "ip_address": nil, "user_agent": nil, "user_id": f.UserID, "email": email}
		name := "authentication.mfa_succeeded"
		if !valid {
			name, data["status"] = "authentication.mfa_failed", "failed"
			data["error"] = map[string]any{"code": "authentication_challenge_code_incorrect", "message": "The code is incorrect."}
		}
		if err := t.emit(name, "", data); err != nil {
			return 0, nil, err
		}
	}
	return http.StatusCreated, map[string]any{"challenge": ch.authChallenge, "valid": valid}, nil
}
