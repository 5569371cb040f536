package workspace

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/workos-mcp/workos-mcp/authkit"
)

// A team's admin settings (enabled, allow production, allow write) change at run time from the
// console, and every replica sees a change within SettingsTTL. They are stored where the team
// already is: as metadata of the team's organization in its sign-in environment, which every
// replica reads with the sign-in key it already has. serve needs no new infrastructure, and in
// dev the emulator holds them like any organization's metadata. The configuration's values seed
// them (a key not in the metadata keeps the file's value); an operator may pin them to the file.

// The metadata keys of the settings.
const (
	metaEnabled         = "workos_mcp_enabled"
	metaAllowProduction = "workos_mcp_allow_production"
	metaAllowWrite      = "workos_mcp_allow_write"
)

// DefaultSettingsTTL is how long a replica keeps the settings it read.
const DefaultSettingsTTL = 2 * time.Second

// ErrSettingsPinned refuses a change to settings an operator pinned to the configuration file.
var ErrSettingsPinned = errors.New("the settings are pinned to the configuration file by the operator")

// ErrNotAdmin refuses a settings change, or the team's activity, to a person who is not a team admin.
var ErrNotAdmin = errors.New("only team admins may do this")

type cachedSettings struct {
	mu      sync.Mutex
	val     Settings
	source  string // "console" (the organization's metadata) or "file"
	expires time.Time
	known   bool
}

// settingsOf returns the team's settings in effect, and where they come from. A failed read keeps
// the last known values (or the file's, before any read succeeded) and is logged: a WorkOS hiccup
// must not flip a team's switches.
func (s *Server) settingsOf(ctx context.Context, t *Team) (Settings, string) {
	if t.PinSettings || t.SignIn == nil {
		return t.Settings, "file"
	}
	s.mu.Lock()
	cs, ok := s.settings[t.OrganizationID]
	if !ok {
		cs = &cachedSettings{}
		s.settings[t.OrganizationID] = cs
	}
	s.mu.Unlock()
	cs.mu.Lock() // one read per team at a time; the others wait for its answer
	defer cs.mu.Unlock()
	now := s.now()
	if cs.known && now.Before(cs.expires) {
		return cs.val, cs.source
	}
	meta, err := s.teamMetadata(ctx, t)
	if err != nil {
		s.log.WarnContext(ctx, "team settings not read; keeping the last known ones", "team", t.OrganizationID, "error", s.redactor.Text(err.Error()))
		cs.expires = now.Add(s.settingsTTL) // retry after the TTL, not on every call
		if cs.known {
			return cs.val, cs.source
		}
		return t.Settings, "file"
	}
	val, source := mergeSettings(t.Settings, meta)
	cs.val, cs.source, cs.known, cs.expires = val, source, true, now.Add(s.settingsTTL)
	return val, source
}

// mergeSettings overlays the metadata's values on the file's.
func mergeSettings(file Settings, meta map[string]any) (Settings, string) {
	out, source := file, "file"
	for key, dst := range map[string]**bool{metaEnabled: &out.Enabled, metaAllowProduction: &out.AllowProduction, metaAllowWrite: &out.AllowWrite} {
		v, ok := meta[key].(string)
		if !ok {
			continue
		}
		if b, err := strconv.ParseBool(v); err == nil {
			*dst = &b
			source = "console"
		}
	}
	return out, source
}

// teamMetadata reads the team organization's metadata in its sign-in environment.
func (s *Server) teamMetadata(ctx context.Context, t *Team) (map[string]any, error) {
	var org struct {
		Metadata map[string]any `json:"metadata"`
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := s.client(t.SignIn.BaseURL, t.SignIn.APIKey).DoTemplate(ctx, "GET", "/organizations/{id}", map[string]string{"id": t.OrganizationID}, nil, nil, &org); err != nil {
		return nil, err
	}
	if org.Metadata == nil {
		org.Metadata = map[string]any{}
	}
	return org.Metadata, nil
}

// TeamSettings is a team's settings as the console shows them.
type TeamSettings struct {
	Team                                 string
	Name                                 string
	Enabled, AllowProduction, AllowWrite bool
	Source                               string // "console" or "file"
	Pinned                               bool
}

// SettingsFor returns the signed-in person's team settings (any member may see them).
func (s *Server) SettingsFor(ctx context.Context, sess *authkit.Session) (*TeamSettings, error) {
	t := s.teams[sess.OrganizationID]
	if t == nil {
		return nil, ErrNoTeam
	}
	v, src := s.settingsOf(ctx, t)
	return &TeamSettings{Team: t.OrganizationID, Name: t.Name, Enabled: on(v.Enabled), AllowProduction: on(v.AllowProduction),
		AllowWrite: on(v.AllowWrite), Source: src, Pinned: t.PinSettings}, nil
}

// IsAdmin reports whether the signed-in person is a team admin (role admin).
func (s *Server) IsAdmin(ctx context.Context, sess *authkit.Session) bool {
	c := s.callerOf(ctx, sess)
	return c.team != nil && c.roleKnown && c.roleSlug == "admin"
}

// SetSettings changes the team's settings at run time, as a team admin, and records the change
// with its author. Other replicas see it within their settings TTL; this one at once.
func (s *Server) SetSettings(ctx context.Context, sess *authkit.Session, enabled, allowProduction, allowWrite bool) error {
	c := s.callerOf(ctx, sess)
	t := c.team
	if t == nil {
		return ErrNoTeam
	}
	rec := func(outcome Outcome, err error) {
		s.write(context.WithoutCancel(ctx), entry{c: c, tool: "console", operation: "settings.update", outcome: outcome, err: err})
	}
	if !c.roleKnown || c.roleSlug != "admin" {
		rec(OutcomeDenied, ErrNotAdmin)
		return ErrNotAdmin
	}
	if t.PinSettings || t.SignIn == nil {
		rec(OutcomeDenied, ErrSettingsPinned)
		return ErrSettingsPinned
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	meta, err := s.teamMetadata(ctx, t)
	if err != nil {
		rec(OutcomeError, err)
		return fmt.Errorf("read the team's settings: %s", s.redactor.Text(err.Error()))
	}
	meta[metaEnabled] = strconv.FormatBool(enabled)
	meta[metaAllowProduction] = strconv.FormatBool(allowProduction)
	meta[metaAllowWrite] = strconv.FormatBool(allowWrite)
	body := map[string]any{"metadata": meta}
	var raw json.RawMessage
	if _, err := s.client(t.SignIn.BaseURL, t.SignIn.APIKey).DoTemplate(ctx, "PUT", "/organizations/{id}", map[string]string{"id": t.OrganizationID}, nil, body, &raw); err != nil {
		rec(OutcomeError, err)
		return fmt.Errorf("save the team's settings: %s", s.redactor.Text(err.Error()))
	}
	s.mu.Lock()
	delete(s.settings, t.OrganizationID) // this replica: at once
	s.mu.Unlock()
	rec(OutcomeOK, nil)
	s.log.InfoContext(ctx, "team settings changed", "team", t.OrganizationID, "user", sess.UserID,
		"enabled", enabled, "allow_production", allowProduction, "allow_write", allowWrite)
	return nil
}

// Person is the signed-in person as the console shows them.
type Person struct {
	UserID, Email, Name, Role, Team, TeamName string
	Admin                                     bool
}

// PersonOf describes the signed-in person: profile (best effort), role and team.
func (s *Server) PersonOf(ctx context.Context, sess *authkit.Session) Person {
	c := s.callerOf(ctx, sess)
	p := Person{UserID: sess.UserID, Role: c.roleSlug, Team: sess.OrganizationID, Email: claim(sess.Claims, "email")}
	if c.team != nil {
		p.TeamName = c.team.Name
		p.Admin = c.roleKnown && c.roleSlug == "admin"
		if u := s.person(ctx, c); u != nil {
			p.Email = firstNonEmpty(p.Email, u.Email)
			p.Name = strings.TrimSpace(u.FirstName + " " + u.LastName)
		}
	}
	return p
}
