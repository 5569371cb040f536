package emulator

import (
	"encoding/json"
	"fmt"
)

// SeedExtras are the seed's objects for MFA, Connect consents, Radar, agents and data
// integrations; SeedEnvironment embeds it, so its fields sit beside the others in the JSON:
//
//	"connect_applications":    [{"name": "Acme CLI", "application_type": "oauth", "is_first_party": true, "scopes": ["openid"]}],
//	"authorized_applications": [{"user": "a@acme.test", "application": "Acme CLI", "scopes": ["openid"]}],
//	"auth_factors":            [{"user": "a@acme.test", "type": "totp", "totp_secret": "JBSWY3DPEHPK3PXP"}],
//	"email_verifications":     [{"user": "b@acme.test"}],
//	"radar_challenges":        [{"user": "a@acme.test"}],
//	"agent_registrations":     [{"organization": "Acme", "user": "a@acme.test", "credential": "agent_key_…"}],
//	"data_integrations":       [{"provider": "github", "scopes": ["repo"],
//	                             "connected_accounts": [{"user": "a@acme.test", "access_token": "gho_…"}]}]
type SeedExtras struct {
	ConnectApplications    []SeedConnectApplication `json:"connect_applications,omitempty"`
	AuthorizedApplications []SeedAuthorizedApp      `json:"authorized_applications,omitempty"`
	AuthFactors            []SeedAuthFactor         `json:"auth_factors,omitempty"`
	EmailVerifications     []SeedUserRef            `json:"email_verifications,omitempty"`
	RadarChallenges        []SeedUserRef            `json:"radar_challenges,omitempty"`
	AgentRegistrations     []SeedAgentRegistration  `json:"agent_registrations,omitempty"`
	DataIntegrations       []SeedDataIntegration    `json:"data_integrations,omitempty"`
}

// SeedConnectApplication is a Connect application: "oauth" (IsFirstParty required; a
// third-party one names its Organization) or "m2m" (with an Organization).
type SeedConnectApplication struct {
	Name            string   `json:"name"`
	ApplicationType string   `json:"application_type"`
	IsFirstParty    *bool    `json:"is_first_party,omitempty"`
	Organization    string   `json:"organization,omitempty"`
	Scopes          []string `json:"scopes,omitempty"`
	RedirectURIs    []string `json:"redirect_uris,omitempty"`
}

// SeedAuthorizedApp is a user's consent to a Connect application (named by its name); Scopes
// default to the application's.
type SeedAuthorizedApp struct {
	User         string   `json:"user"`
	Organization string   `json:"organization,omitempty"`
	Application  string   `json:"application"`
	Scopes       []string `json:"scopes,omitempty"`
}

// SeedAuthFactor is an MFA factor of a user: "totp" (TOTPSecret fixes the base32 secret, so
// scripts can compute codes) or "sms" (PhoneNumber in E.164).
type SeedAuthFactor struct {
	User        string `json:"user"`
	Type        string `json:"type"`
	TOTPIssuer  string `json:"totp_issuer,omitempty"`
	TOTPSecret  string `json:"totp_secret,omitempty"`
	PhoneNumber string `json:"phone_number,omitempty"`
}

// SeedUserRef names a user (ID or email) for whom something is sent: an email verification
// code, a Radar challenge (codes are generated and land in the outbox).
type SeedUserRef struct {
	User string `json:"user"`
}

// SeedAgentRegistration is an AI agent registered in an organization, acting for User when
// set; Credential is an API-key credential POST /agents/credentials/validate recognises.
type SeedAgentRegistration struct {
	Organization string `json:"organization"`
	User         string `json:"user,omitempty"`
	Kind         string `json:"kind,omitempty"`   // anonymous | service_auth (default) | identity_assertion
	Status       string `json:"status,omitempty"` // verified (default) | unverified | expired | revoked
	Credential   string `json:"credential,omitempty"`
}

// SeedDataIntegration is a data integration (Pipes provider) with accounts already connected.
type SeedDataIntegration struct {
	Provider          string                 `json:"provider"`
	Description       string                 `json:"description,omitempty"`
	Enabled           *bool                  `json:"enabled,omitempty"`
	Scopes            []string               `json:"scopes,omitempty"`
	AuthMethods       []string               `json:"auth_methods,omitempty"`
	ConnectedAccounts []SeedConnectedAccount `json:"connected_accounts,omitempty"`
}

// SeedConnectedAccount is a user's account connected to a data integration with OAuth;
// AccessToken is generated when empty.
type SeedConnectedAccount struct {
	User         string   `json:"user"`
	Organization string   `json:"organization,omitempty"`
	Scopes       []string `json:"scopes,omitempty"`
	AccessToken  string   `json:"access_token,omitempty"`
	State        string   `json:"state,omitempty"` // connected (default) | needs_reauthorization
}

// secrets lists the fixed secret values of the extras.
func (x *SeedExtras) secrets() []string {
	var out []string
	for _, f := range x.AuthFactors {
		out = append(out, f.TOTPSecret)
	}
	for _, a := range x.AgentRegistrations {
		out = append(out, a.Credential)
	}
	for _, d := range x.DataIntegrations {
		for _, a := range d.ConnectedAccounts {
			out = append(out, a.AccessToken)
		}
	}
	return out
}

// seedExtras creates the extras, after every other object of the environment.
func seedExtras(t *tx, x SeedExtras, refs *seedRefs) error {
	orgOrNone := func(ref string) (string, error) {
		if ref == "" {
			return "", nil
		}
		return refs.org(ref)
	}
	apps := map[string]string{}
	for _, a := range x.ConnectApplications {
		org, err := orgOrNone(a.Organization)
		if err != nil {
			return err
		}
		in := map[string]any{"name": a.Name, "application_type": a.ApplicationType, "scopes": a.Scopes}
		if a.IsFirstParty != nil {
			in["is_first_party"] = *a.IsFirstParty
		}
		if org != "" {
			in["organization_id"] = org
		}
		var uris []map[string]any
		for i, u := range a.RedirectURIs {
			uris = append(uris, map[string]any{"uri": u, "default": i == 0})
		}
		if uris != nil {
			in["redirect_uris"] = uris
		}
		body, err := json.Marshal(in)
		if err != nil {
			return err
		}
		_, created, err := createApp(&call{t: t, body: body})
		if err != nil {
			return fmt.Errorf("connect application %q: %w", a.Name, err)
		}
		apps[a.Name] = created.(*connectApp).ID
	}
	for _, g := range x.AuthorizedApplications {
		uid, err := refs.user(g.User)
		if err != nil {
			return err
		}
		org, err := orgOrNone(g.Organization)
		if err != nil {
			return err
		}
		app, ok := apps[g.Application]
		if !ok {
			return fmt.Errorf("authorized application: unknown connect application %q", g.Application)
		}
		if _, err := t.grant(uid, org, app, g.Scopes); err != nil {
			return fmt.Errorf("authorized application %q: %w", g.Application, err)
		}
	}
	for _, f := range x.AuthFactors {
		uid, err := refs.user(f.User)
		if err != nil {
			return err
		}
		u, err := t.user(uid)
		if err != nil {
			return err
		}
		issuer := f.TOTPIssuer
		if issuer == "" {
			issuer = "WorkOS"
		}
		if _, err := t.enrollFactor(factorInput{Type: f.Type, UserID: uid, TOTPIssuer: issuer, TOTPUser: u.Email, TOTPSecret: f.TOTPSecret, PhoneNumber: f.PhoneNumber}); err != nil {
			return fmt.Errorf("auth factor of %s: %w", f.User, err)
		}
	}
	for _, v := range x.EmailVerifications {
		uid, err := refs.user(v.User)
		if err != nil {
			return err
		}
		if _, _, err := sendVerificationEmail(&call{t: t, params: map[string]string{"id": uid}}); err != nil {
			return fmt.Errorf("email verification of %s: %w", v.User, err)
		}
	}
	for _, r := range x.RadarChallenges {
		uid, err := refs.user(r.User)
		if err != nil {
			return err
		}
		if _, err := t.createRadarChallenge(uid); err != nil {
			return fmt.Errorf("radar challenge of %s: %w", r.User, err)
		}
	}
	for _, a := range x.AgentRegistrations {
		org, err := refs.org(a.Organization)
		if err != nil {
			return err
		}
		uid := ""
		if a.User != "" {
			if uid, err = refs.user(a.User); err != nil {
				return err
			}
		}
		if _, err := t.createAgentRegistration(org, uid, a.Kind, a.Status, a.Credential); err != nil {
			return fmt.Errorf("agent registration in %s: %w", a.Organization, err)
		}
	}
	for _, d := range x.DataIntegrations {
		in := integrationInput{Provider: d.Provider, Enabled: d.Enabled}
		if d.Description != "" {
			in.Description = &d.Description
		}
		if d.Scopes != nil {
			in.Scopes = &d.Scopes
		}
		if d.AuthMethods != nil {
			in.AuthMethods = &d.AuthMethods
		}
		created, err := t.createIntegration(in, "http://localhost")
		if err != nil {
			return fmt.Errorf("data integration %q: %w", d.Provider, err)
		}
		for _, a := range d.ConnectedAccounts {
			uid, err := refs.user(a.User)
			if err != nil {
				return err
			}
			org, err := orgOrNone(a.Organization)
			if err != nil {
				return err
			}
			token := a.AccessToken
			if token == "" {
				token = "emulator_pipes_at_" + randomToken(24)
			}
			s := accountSecret{method: "oauth", accessToken: token, scopes: a.Scopes, needsReauthorization: a.State == "needs_reauthorization"}
			if _, err := t.upsertAccount(created, uid, org, s); err != nil {
				return fmt.Errorf("connected account of %s to %q: %w", a.User, d.Provider, err)
			}
		}
	}
	return nil
}
