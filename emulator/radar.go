package emulator

import (
	"errors"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Radar: the environment's allow and block lists, the verdicts of POST /radar/attempts (from
// those lists only: the emulator has none of Radar's behavioural controls), and the email
// challenges Radar sends when a sign-in looks risky. The emulator's own sign-ins
// (POST /user_management/authenticate) are not assessed; challenges come from the seed
// ("radar_challenges"), with a code generated when it is applied.

type radarListEntry struct {
	ID        string `json:"id"`
	Type      string `json:"type"`
	Action    string `json:"action"`
	Entry     string `json:"entry"`
	CreatedAt string `json:"created_at"`
}

var radarListTypes = map[string]func(string) bool{
	"ip_address":         func(s string) bool { return net.ParseIP(s) != nil || validCIDR(s) },
	"domain":             domainRE.MatchString,
	"email":              validEmail,
	"device":             nonBlank,
	"user_agent":         nonBlank,
	"device_fingerprint": nonBlank,
	"country": func(s string) bool {
		return len(s) == 2 && strings.ToUpper(s) == s && strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == ""
	},
}

func nonBlank(s string) bool { return strings.TrimSpace(s) != "" }

func validCIDR(s string) bool { _, _, err := net.ParseCIDR(s); return err == nil }

// radarEntry reads and checks a list request: its type and action from the path, its entry
// from the body (normalised: emails and domains compare case-insensitively).
func radarEntry(c *call) (*radarListEntry, error) {
	typ, action := c.param("type"), c.param("action")
	valid, ok := radarListTypes[typ]
	if !ok {
		return nil, badRequest("invalid_radar_list_type", "type must be one of ip_address, domain, email, device, user_agent, device_fingerprint, country.")
	}
	if action != "block" && action != "allow" {
		return nil, badRequest("invalid_radar_list_action", "action must be block or allow.")
	}
	var in struct {
		Entry string `json:"entry"`
	}
	if err := c.decode(&in); err != nil {
		return nil, badRequest("invalid_request", "The request body is not valid JSON.")
	}
	entry := strings.TrimSpace(in.Entry)
	if typ == "email" || typ == "domain" {
		entry = strings.ToLower(entry)
	}
	if entry == "" || !valid(entry) {
		return nil, badRequest("invalid_radar_list_entry", "entry is not a valid "+strings.ReplaceAll(typ, "_", " ")+".")
	}
	return &radarListEntry{ID: typ + ":" + action + ":" + entry, Type: typ, Action: action, Entry: entry, CreatedAt: formatTime(c.t.now)}, nil
}

func addRadarListEntry(c *call) (int, any, error) {
	e, err := radarEntry(c)
	if err != nil {
		return 0, nil, err
	}
	if _, err := load[radarListEntry](c.t, "radar_list_entry", e.ID); err == nil {
		return http.StatusOK, map[string]any{"message": "The entry is already on the " + e.Action + " list."}, nil
	} else if !errors.Is(err, errNotFound) {
		return 0, nil, err
	}
	if err := c.t.save("radar_list_entry", e.ID, "", e); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"message": "Added to the " + e.Action + " list."}, nil
}

func removeRadarListEntry(c *call) (int, any, error) {
	e, err := radarEntry(c)
	if err != nil {
		return 0, nil, err
	}
	if _, err := load[radarListEntry](c.t, "radar_list_entry", e.ID); errors.Is(err, errNotFound) {
		return 0, nil, notFound("Radar list entry", e.Entry)
	} else if err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, c.t.remove("radar_list_entry", e.ID)
}

type radarChallenge struct {
	Object    string `json:"object"`
	ID        string `json:"id"`
	Type      string `json:"type"`
	UserID    string `json:"user_id"`
	Email     string `json:"email"`
	ExpiresAt string `json:"expires_at"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
	Code      string `json:"code"`
}

// createRadarChallenge sends an email challenge to a user, as Radar does on a risky sign-in.
func (t *tx) createRadarChallenge(userID string) (*radarChallenge, error) {
	u, err := t.user(userID)
	if err != nil {
		return nil, err
	}
	rc := &radarChallenge{Object: "radar_challenge", ID: t.newID("radar_challenge_"), Type: "email", UserID: u.ID, Email: u.Email,
		ExpiresAt: formatTime(t.now.Add(10 * time.Minute)), CreatedAt: formatTime(t.now), UpdatedAt: formatTime(t.now), Code: sixDigits()}
	if err := t.save("radar_challenge", rc.ID, "", rc); err != nil {
		return nil, err
	}
	if err := t.sendEmail(sentEmail{To: u.Email, Kind: "radar_challenge", UserID: u.ID, Code: rc.Code}); err != nil {
		return nil, err
	}
	return rc, t.emit("radar.challenge_created", "", map[string]any{"type": "email", "radar_challenge_id": rc.ID, "user_id": u.ID, "email": u.Email})
}

func getRadarChallenge(c *call) (int, any, error) {
	id := c.param("id")
	rc, err := loadFound[radarChallenge](c.t, "radar_challenge", "Radar challenge", id)
	return http.StatusOK, rc, err
}

// radarAttempt is one assessed sign-in or sign-up (POST /radar/attempts).
type radarAttempt struct {
	ID              string `json:"id"`
	Verdict         string `json:"verdict"`
	Email           string `json:"email"`
	IPAddress       string `json:"ip_address"`
	Action          string `json:"action"`
	AttemptStatus   string `json:"attempt_status,omitempty"`
	ChallengeStatus string `json:"challenge_status,omitempty"`
	CreatedAt       string `json:"created_at"`
}

var radarAuthMethods = []string{"Password", "Passkey", "Authenticator", "SMS_OTP", "Email_OTP", "Social", "SSO", "Other"}

// assessRadarAttempt gives a verdict from the environment's lists only: an entry on a block
// list blocks (naming the list), an entry on an allow list allows, anything else is allowed.
// The emulator has none of Radar's behavioural controls (bot detection, impossible travel, …).
func assessRadarAttempt(c *call) (int, any, error) {
	var in struct {
		IPAddress  string `json:"ip_address"`
		UserAgent  string `json:"user_agent"`
		Email      string `json:"email"`
		AuthMethod string `json:"auth_method"`
		Action     string `json:"action"`
		SignalsID  string `json:"signals_id"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, badRequest("invalid_request", "The request body is not valid JSON.")
	}
	email := strings.ToLower(strings.TrimSpace(in.Email))
	switch {
	case net.ParseIP(in.IPAddress) == nil:
		return 0, nil, badRequest("invalid_request", "ip_address must be an IP address.")
	case strings.TrimSpace(in.UserAgent) == "":
		return 0, nil, badRequest("invalid_request", "user_agent is required.")
	case !validEmail(email):
		return 0, nil, badRequest("invalid_request", "email must be an email address.")
	case !slices.Contains(radarAuthMethods, in.AuthMethod):
		return 0, nil, badRequest("invalid_request", "auth_method must be one of "+strings.Join(radarAuthMethods, ", ")+".")
	case in.Action != "sign-in" && in.Action != "sign-up":
		return 0, nil, badRequest("invalid_request", "action must be sign-in or sign-up.")
	}
	t := c.t
	entries, err := loadAll[radarListEntry](t, "radar_list_entry", "")
	if err != nil {
		return 0, nil, err
	}
	domain := email[strings.LastIndexByte(email, '@')+1:]
	ip := net.ParseIP(in.IPAddress)
	matches := func(e *radarListEntry) bool {
		switch e.Type {
		case "ip_address":
			if _, n, err := net.ParseCIDR(e.Entry); err == nil {
				return n.Contains(ip)
			}
			return net.ParseIP(e.Entry).Equal(ip)
		case "email":
			return e.Entry == email
		case "domain":
			return e.Entry == domain
		case "user_agent":
			return e.Entry == in.UserAgent
		case "device", "device_fingerprint":
			return in.SignalsID != "" && e.Entry == in.SignalsID
		}
		return false // country: the emulator has no geolocation
	}
	out := map[string]any{"verdict": "allow", "reason": "No Radar rule matched."}
	for _, action := range []string{"block", "allow"} {
		if i := slices.IndexFunc(entries, func(e *radarListEntry) bool { return e.Action == action && matches(e) }); i >= 0 {
			e := entries[i]
			if action == "block" {
				out = map[string]any{"verdict": "block", "reason": "The " + strings.ReplaceAll(e.Type, "_", " ") + " is on the block list.",
					"control": "restriction", "blocklist_type": e.Type}
			} else {
				out = map[string]any{"verdict": "allow", "reason": "The " + strings.ReplaceAll(e.Type, "_", " ") + " is on the allow list."}
			}
			break
		}
	}
	a := &radarAttempt{ID: t.newID("radar_attempt_"), Verdict: out["verdict"].(string), Email: email, IPAddress: in.IPAddress, Action: in.Action, CreatedAt: formatTime(t.now)}
	if err := t.save("radar_attempt", a.ID, "", a); err != nil {
		return 0, nil, err
	}
	out["attempt_id"] = a.ID
	return http.StatusOK, out, nil
}

// updateRadarAttempt records that an attempt (or its challenge) succeeded.
func updateRadarAttempt(c *call) (int, any, error) {
	var in struct {
		ChallengeStatus string `json:"challenge_status"`
		AttemptStatus   string `json:"attempt_status"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, badRequest("invalid_request", "The request body is not valid JSON.")
	}
	if (in.ChallengeStatus != "" && in.ChallengeStatus != "success") || (in.AttemptStatus != "" && in.AttemptStatus != "success") {
		return 0, nil, badRequest("invalid_request", "challenge_status and attempt_status can only be success.")
	}
	if in.ChallengeStatus == "" && in.AttemptStatus == "" {
		return 0, nil, badRequest("invalid_request", "Give challenge_status or attempt_status.")
	}
	id := c.param("id")
	a, err := loadFound[radarAttempt](c.t, "radar_attempt", "Radar attempt", id)
	if err != nil {
		return 0, nil, err
	}
	if in.ChallengeStatus != "" {
		a.ChallengeStatus = in.ChallengeStatus
	}
	if in.AttemptStatus != "" {
		a.AttemptStatus = in.AttemptStatus
	}
	return http.StatusNoContent, nil, c.t.save("radar_attempt", a.ID, "", a)
}
