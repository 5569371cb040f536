package emulator

import (
	"errors"
	"net"
	"net/http"
	"strings"
	"time"
)

// Radar: the environment's allow and block lists, and the email challenges Radar sends when a
// sign-in looks risky. The emulator keeps the lists but does not score sign-ins against them;
// challenges come from the seed ("radar_challenges"), with a code generated when it is applied.

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
	rc, err := load[radarChallenge](c.t, "radar_challenge", id)
	if errors.Is(err, errNotFound) {
		return 0, nil, notFound("Radar challenge", id)
	}
	return http.StatusOK, rc, err
}
