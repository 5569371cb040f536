package emulator

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
)

//go:embed seed/default.json
var defaultSeedJSON []byte

// Seed is the initial content of an emulator: its environments and their objects. The JSON
// format is described in the package documentation.
type Seed struct {
	Environments []SeedEnvironment `json:"environments"`
}

// SeedEnvironment is one environment of a seed and the objects it starts with.
type SeedEnvironment struct {
	Name     string `json:"name"`
	Kind     string `json:"kind"` // sandbox | production
	APIKey   string `json:"api_key"`
	ClientID string `json:"client_id"`

	Permissions      []SeedPermission   `json:"permissions,omitempty"`
	Roles            []SeedRole         `json:"roles,omitempty"`
	Organizations    []SeedOrganization `json:"organizations,omitempty"`
	Users            []SeedUser         `json:"users,omitempty"`
	Memberships      []SeedMembership   `json:"memberships,omitempty"`
	Invitations      []SeedInvitation   `json:"invitations,omitempty"`
	Connections      []SeedConnection   `json:"connections,omitempty"`
	Directories      []SeedDirectory    `json:"directories,omitempty"`
	Sessions         []SeedSession      `json:"sessions,omitempty"`
	AuditLogActions  []SeedAuditAction  `json:"audit_log_actions,omitempty"`
	AuditLogEvents   []SeedAuditEvent   `json:"audit_log_events,omitempty"`
	WebhookEndpoints []SeedWebhook      `json:"webhook_endpoints,omitempty"`
	APIKeys          []SeedAPIKey       `json:"api_keys,omitempty"`
	FeatureFlags     []SeedFlag         `json:"feature_flags,omitempty"`
	SeedExtras
}

// SeedRole is an environment role, or an organization's role when Organization is set.
type SeedRole struct {
	Slug         string   `json:"slug"`
	Name         string   `json:"name"`
	Description  string   `json:"description,omitempty"`
	Organization string   `json:"organization,omitempty"`
	Permissions  []string `json:"permissions,omitempty"`
}

// SeedOrganization is an organization with its domains.
type SeedOrganization struct {
	ID         string            `json:"id,omitempty"`
	Name       string            `json:"name"`
	ExternalID string            `json:"external_id,omitempty"`
	Metadata   map[string]string `json:"metadata,omitempty"`
	Domains    []SeedDomain      `json:"domains,omitempty"`
}

// SeedDomain is an organization domain, "verified" or "pending" (the default).
type SeedDomain struct {
	Domain string `json:"domain"`
	State  string `json:"state,omitempty"`
}

// SeedPermission is a permission that roles can grant.
type SeedPermission struct {
	Slug        string `json:"slug"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// SeedConnection is an SSO connection of an organization; State "active" (default) or
// "inactive"; Domains default to all of the organization's domains.
type SeedConnection struct {
	ID             string   `json:"id,omitempty"`
	Organization   string   `json:"organization"`
	ConnectionType string   `json:"connection_type,omitempty"` // default GenericSAML
	Name           string   `json:"name"`
	State          string   `json:"state,omitempty"`
	Domains        []string `json:"domains,omitempty"`
}

// SeedDirectory is a directory (Directory Sync) of an organization with its groups and users.
type SeedDirectory struct {
	ID           string               `json:"id,omitempty"`
	Organization string               `json:"organization"`
	Name         string               `json:"name"`
	Type         string               `json:"type,omitempty"`  // default "generic scim v2.0"
	State        string               `json:"state,omitempty"` // default linked
	Domain       string               `json:"domain,omitempty"`
	Groups       []SeedDirectoryGroup `json:"groups,omitempty"`
	Users        []SeedDirectoryUser  `json:"users,omitempty"`
}

// SeedDirectoryGroup is a group of a directory.
type SeedDirectoryGroup struct {
	Name string `json:"name"`
}

// SeedDirectoryUser is a user of a directory; Groups names the directory's groups it is in.
type SeedDirectoryUser struct {
	Email     string   `json:"email"`
	FirstName string   `json:"first_name,omitempty"`
	LastName  string   `json:"last_name,omitempty"`
	JobTitle  string   `json:"job_title,omitempty"`
	State     string   `json:"state,omitempty"` // active (default) | inactive
	Groups    []string `json:"groups,omitempty"`
}

// SeedUser is a user; Password, when set, enables password sign-in.
type SeedUser struct {
	ID            string            `json:"id,omitempty"`
	Email         string            `json:"email"`
	FirstName     string            `json:"first_name,omitempty"`
	LastName      string            `json:"last_name,omitempty"`
	EmailVerified *bool             `json:"email_verified,omitempty"`
	ExternalID    string            `json:"external_id,omitempty"`
	Metadata      map[string]string `json:"metadata,omitempty"`
	Password      string            `json:"password,omitempty"`
}

// SeedMembership puts a user (ID or email) in an organization (ID, external ID or name).
type SeedMembership struct {
	User         string   `json:"user"`
	Organization string   `json:"organization"`
	Role         string   `json:"role,omitempty"`
	Roles        []string `json:"roles,omitempty"`
	Status       string   `json:"status,omitempty"` // active (default) | inactive | pending
}

// SeedInvitation is a pending invitation; Token is fixed so scripts can accept it.
type SeedInvitation struct {
	Email        string `json:"email"`
	Organization string `json:"organization,omitempty"`
	Role         string `json:"role,omitempty"`
	Inviter      string `json:"inviter,omitempty"`
	Token        string `json:"token,omitempty"`
	State        string `json:"state,omitempty"` // pending (default) | revoked
}

// SeedSession is a sign-in session of a user.
type SeedSession struct {
	User         string `json:"user"`
	Organization string `json:"organization,omitempty"`
	AuthMethod   string `json:"auth_method,omitempty"`
	IPAddress    string `json:"ip_address,omitempty"`
	UserAgent    string `json:"user_agent,omitempty"`
	Status       string `json:"status,omitempty"` // active (default) | revoked
}

// SeedAuditAction is an audit-log action with the target types of its schema.
type SeedAuditAction struct {
	Name    string   `json:"name"`
	Targets []string `json:"targets"`
}

// SeedAuditEvent is an audit-log event recorded for an organization; Event has the shape of
// the event of POST /audit_logs/events.
type SeedAuditEvent struct {
	Organization string          `json:"organization"`
	Event        json.RawMessage `json:"event"`
}

// SeedWebhook is a webhook endpoint with a fixed secret.
type SeedWebhook struct {
	EndpointURL string   `json:"endpoint_url"`
	Secret      string   `json:"secret,omitempty"`
	Events      []string `json:"events"`
	Status      string   `json:"status,omitempty"`
}

// SeedAPIKey is an organization API key with a fixed value.
type SeedAPIKey struct {
	Organization string   `json:"organization"`
	Name         string   `json:"name"`
	Value        string   `json:"value,omitempty"`
	Permissions  []string `json:"permissions,omitempty"`
}

// SeedFlag is a feature flag; Targets are organizations (ID, external ID or name) or users
// (ID or email) it is on for.
type SeedFlag struct {
	Slug         string   `json:"slug"`
	Name         string   `json:"name"`
	Description  string   `json:"description,omitempty"`
	Enabled      bool     `json:"enabled"`
	DefaultValue bool     `json:"default_value,omitempty"`
	Tags         []string `json:"tags,omitempty"`
	Targets      []string `json:"targets,omitempty"`
}

// DefaultSeed is the embedded demo seed: the team's sign-in environment ("team", one
// organization and one person per role, password DemoPassword), a managed "sandbox"
// environment (DemoSandboxAPIKey) rich enough to exercise every tool, and a smaller
// "production" one (DemoProductionAPIKey).
func DefaultSeed() *Seed {
	s, err := parseSeed(defaultSeedJSON)
	if err != nil {
		panic("emulator: embedded seed: " + err.Error()) // a build defect, caught by tests
	}
	return s
}

// LoadSeed reads a seed from a JSON file.
func LoadSeed(path string) (*Seed, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("emulator: read seed: %w", err)
	}
	s, err := parseSeed(data)
	if err != nil {
		return nil, fmt.Errorf("emulator: seed %s: %w", path, err)
	}
	return s, nil
}

func parseSeed(data []byte) (*Seed, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var s Seed
	if err := dec.Decode(&s); err != nil {
		return nil, err
	}
	if err := s.validate(); err != nil {
		return nil, err
	}
	return &s, nil
}

func (s *Seed) validate() error {
	if len(s.Environments) == 0 {
		return errors.New("no environments")
	}
	names, keys := map[string]bool{}, map[string]bool{}
	for i, env := range s.Environments {
		switch {
		case env.Name == "":
			return fmt.Errorf("environment %d: name is required", i)
		case env.Kind != "sandbox" && env.Kind != "production":
			return fmt.Errorf("environment %q: kind must be sandbox or production", env.Name)
		case env.APIKey == "":
			return fmt.Errorf("environment %q: api_key is required", env.Name)
		case env.ClientID == "":
			return fmt.Errorf("environment %q: client_id is required", env.Name)
		case names[env.Name]:
			return fmt.Errorf("environment %q: listed twice", env.Name)
		case keys[env.APIKey]:
			return fmt.Errorf("environment %q: api_key already used by another environment", env.Name)
		}
		names[env.Name], keys[env.APIKey] = true, true
	}
	return nil
}

// Secrets lists every secret value in the seed (API keys, passwords, webhook secrets,
// invitation tokens, organization API key values, TOTP secrets, agent credentials, connected
// accounts' access tokens), for redaction tests.
func (s *Seed) Secrets() []string {
	var out []string
	seen := map[string]bool{}
	add := func(v string) {
		if v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	for _, env := range s.Environments {
		add(env.APIKey)
		for _, u := range env.Users {
			add(u.Password)
		}
		for _, inv := range env.Invitations {
			add(inv.Token)
		}
		for _, w := range env.WebhookEndpoints {
			add(w.Secret)
		}
		for _, k := range env.APIKeys {
			add(k.Value)
		}
		for _, v := range env.SeedExtras.secrets() {
			add(v)
		}
	}
	return out
}

// applySeed wipes the database and creates the seed's objects through the same code the API
// uses, so seeded data looks exactly like data created through the API (events included).
func (e *Emulator) applySeed(ctx context.Context, s *Seed) error {
	if err := s.validate(); err != nil {
		return fmt.Errorf("emulator: seed: %w", err)
	}
	stx, err := e.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("emulator: seed: %w", err)
	}
	defer stx.Rollback()
	for _, q := range []string{`DELETE FROM objects`, `DELETE FROM environments`, `DELETE FROM idempotency`, `DELETE FROM meta`, `DELETE FROM webhook_deliveries`, `DELETE FROM signing_keys`} {
		if _, err := stx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("emulator: seed: %w", err)
		}
	}
	for _, env := range s.Environments {
		if _, err := stx.ExecContext(ctx, `INSERT INTO environments (name, kind, api_key, client_id) VALUES (?, ?, ?, ?)`,
			env.Name, env.Kind, env.APIKey, env.ClientID); err != nil {
			return fmt.Errorf("emulator: seed: %w", err)
		}
		t := &tx{e: e, sql: stx, ctx: ctx, env: env.Name, clientID: env.ClientID, now: e.now(), actor: eventActor{ID: "seed", Source: "system"}, seeding: true}
		if err := seedEnvironment(t, env); err != nil {
			return fmt.Errorf("emulator: seed environment %q: %w", env.Name, err)
		}
	}
	if _, err := stx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('seeded_at', ?)`, formatTime(e.now())); err != nil {
		return fmt.Errorf("emulator: seed: %w", err)
	}
	return stx.Commit()
}

type seedRefs struct {
	orgs  map[string]string // id, external id, name -> id
	users map[string]string // id, email -> id
}

func (r *seedRefs) org(ref string) (string, error) {
	if id, ok := r.orgs[ref]; ok {
		return id, nil
	}
	return "", fmt.Errorf("unknown organization %q", ref)
}

func (r *seedRefs) user(ref string) (string, error) {
	if id, ok := r.users[strings.ToLower(ref)]; ok {
		return id, nil
	}
	return "", fmt.Errorf("unknown user %q", ref)
}

func seedEnvironment(t *tx, env SeedEnvironment) error {
	refs := &seedRefs{orgs: map[string]string{}, users: map[string]string{}}
	for _, p := range env.Permissions {
		in := permissionInput{Slug: p.Slug, Name: p.Name}
		if p.Description != "" {
			in.Description = &p.Description
		}
		if _, err := t.createPermission(in); err != nil {
			return fmt.Errorf("permission %q: %w", p.Slug, err)
		}
	}
	for _, o := range env.Organizations {
		name := o.Name
		in := orgInput{ID: o.ID, Name: &name}
		for _, d := range o.Domains {
			in.DomainData = append(in.DomainData, domainData{Domain: d.Domain, State: d.State})
		}
		if o.ExternalID != "" {
			in.ExternalID = &o.ExternalID
		}
		if o.Metadata != nil {
			in.Metadata = &o.Metadata
		}
		created, err := t.createOrganization(in)
		if err != nil {
			return fmt.Errorf("organization %q: %w", o.Name, err)
		}
		refs.orgs[created.ID], refs.orgs[o.Name] = created.ID, created.ID
		if o.ExternalID != "" {
			refs.orgs[o.ExternalID] = created.ID
		}
	}
	for _, r := range env.Roles {
		org := ""
		if r.Organization != "" {
			var err error
			if org, err = refs.org(r.Organization); err != nil {
				return err
			}
		}
		name := r.Name
		in := roleInput{Slug: r.Slug, Name: &name, Permissions: r.Permissions}
		if r.Description != "" {
			in.Description = &r.Description
		}
		if _, err := t.createRole(org, in); err != nil {
			return fmt.Errorf("role %q: %w", r.Slug, err)
		}
	}
	for _, u := range env.Users {
		email, first, last := u.Email, u.FirstName, u.LastName
		verified := true
		if u.EmailVerified != nil {
			verified = *u.EmailVerified
		}
		in := userInput{ID: u.ID, Email: &email, FirstName: strPtr(first), LastName: strPtr(last), EmailVerified: &verified}
		if u.ExternalID != "" {
			in.ExternalID = &u.ExternalID
		}
		if u.Metadata != nil {
			in.Metadata = &u.Metadata
		}
		if u.Password != "" {
			in.Password = &u.Password
		}
		created, err := t.createUser(in)
		if err != nil {
			return fmt.Errorf("user %q: %w", u.Email, err)
		}
		refs.users[created.ID], refs.users[created.Email] = created.ID, created.ID
	}
	for _, m := range env.Memberships {
		uid, err := refs.user(m.User)
		if err != nil {
			return err
		}
		oid, err := refs.org(m.Organization)
		if err != nil {
			return err
		}
		if _, err := t.createMembership(membershipInput{UserID: uid, OrganizationID: oid, RoleSlug: m.Role, RoleSlugs: m.Roles, Status: m.Status}); err != nil {
			return fmt.Errorf("membership %s in %s: %w", m.User, m.Organization, err)
		}
	}
	for _, inv := range env.Invitations {
		in := invitationInput{Email: inv.Email, RoleSlug: inv.Role, Token: inv.Token}
		if inv.Organization != "" {
			oid, err := refs.org(inv.Organization)
			if err != nil {
				return err
			}
			in.OrganizationID = oid
		}
		if inv.Inviter != "" {
			uid, err := refs.user(inv.Inviter)
			if err != nil {
				return err
			}
			in.InviterUserID = uid
		}
		created, err := t.createInvitation(in, "http://localhost")
		if err != nil {
			return fmt.Errorf("invitation %s: %w", inv.Email, err)
		}
		if inv.State == "revoked" {
			now := formatTime(t.now)
			created.State, created.RevokedAt = "revoked", &now
			if err := t.saveInvitation(created); err != nil {
				return err
			}
		}
	}
	for _, cn := range env.Connections {
		oid, err := refs.org(cn.Organization)
		if err != nil {
			return err
		}
		in := connectionInput{ID: cn.ID, ConnectionType: cn.ConnectionType, Name: cn.Name, State: cn.State, Domains: cn.Domains}
		if _, err := t.createConnection(oid, in); err != nil {
			return fmt.Errorf("connection %q: %w", cn.Name, err)
		}
	}
	for _, d := range env.Directories {
		oid, err := refs.org(d.Organization)
		if err != nil {
			return err
		}
		in := directoryInput{ID: d.ID, Name: d.Name, Type: d.Type, State: d.State, Domain: d.Domain}
		for _, g := range d.Groups {
			in.Groups = append(in.Groups, directoryGroupInput{Name: g.Name})
		}
		for _, u := range d.Users {
			in.Users = append(in.Users, directoryUserInput{Email: u.Email, FirstName: u.FirstName, LastName: u.LastName, JobTitle: u.JobTitle, State: u.State, Groups: u.Groups})
		}
		if _, err := t.createDirectory(oid, in); err != nil {
			return fmt.Errorf("directory %q: %w", d.Name, err)
		}
	}
	for _, s := range env.Sessions {
		uid, err := refs.user(s.User)
		if err != nil {
			return err
		}
		oid := ""
		if s.Organization != "" {
			if oid, err = refs.org(s.Organization); err != nil {
				return err
			}
		}
		method := s.AuthMethod
		if method == "" {
			method = "password"
		}
		created, err := t.createSession(uid, oid, method, strPtr(s.IPAddress), strPtr(s.UserAgent))
		if err != nil {
			return err
		}
		if s.Status == "revoked" {
			now := formatTime(t.now)
			created.Status, created.EndedAt = "revoked", &now
			if err := t.save("session", created.ID, oid, created); err != nil {
				return err
			}
		}
	}
	for _, a := range env.AuditLogActions {
		var targets []auditTarget
		for _, tt := range a.Targets {
			targets = append(targets, auditTarget{Type: tt})
		}
		if _, err := t.createAuditSchema(a.Name, auditSchema{Targets: targets}); err != nil {
			return fmt.Errorf("audit log action %q: %w", a.Name, err)
		}
	}
	for _, ev := range env.AuditLogEvents {
		oid, err := refs.org(ev.Organization)
		if err != nil {
			return err
		}
		var in auditEventInput
		if err := json.Unmarshal(ev.Event, &in); err != nil {
			return fmt.Errorf("audit log event: %w", err)
		}
		if err := t.createAuditEvent(oid, in); err != nil {
			return fmt.Errorf("audit log event %q: %w", in.Action, err)
		}
	}
	for _, w := range env.WebhookEndpoints {
		url, events := w.EndpointURL, w.Events
		created, err := t.createWebhook(webhookInput{EndpointURL: &url, Events: &events, Secret: w.Secret})
		if err != nil {
			return fmt.Errorf("webhook endpoint %q: %w", w.EndpointURL, err)
		}
		if w.Status == "disabled" {
			created.Status = "disabled"
			if err := t.save("webhook_endpoint", created.ID, "", created); err != nil {
				return err
			}
		}
	}
	for _, k := range env.APIKeys {
		oid, err := refs.org(k.Organization)
		if err != nil {
			return err
		}
		if _, err := t.createAPIKey(oid, apiKeyInput{Name: k.Name, Permissions: k.Permissions, Value: k.Value}, apiKeyOwner{Type: "organization", ID: oid}); err != nil {
			return fmt.Errorf("api key %q: %w", k.Name, err)
		}
	}
	for _, f := range env.FeatureFlags {
		sf := &storedFlag{featureFlag: featureFlag{Object: "feature_flag", ID: t.newID("flag_"), Slug: f.Slug, Name: f.Name, Enabled: f.Enabled,
			DefaultValue: f.DefaultValue, Tags: f.Tags, CreatedAt: formatTime(t.now), UpdatedAt: formatTime(t.now)}}
		if f.Description != "" {
			sf.Description = &f.Description
		}
		if sf.Tags == nil {
			sf.Tags = []string{}
		}
		for _, target := range f.Targets {
			if id, err := refs.org(target); err == nil {
				sf.Targets = append(sf.Targets, id)
			} else if id, err := refs.user(target); err == nil {
				sf.Targets = append(sf.Targets, id)
			} else {
				return fmt.Errorf("feature flag %q: unknown target %q", f.Slug, target)
			}
		}
		if err := t.save("feature_flag", sf.ID, "", sf); err != nil {
			return err
		}
		if err := t.emit("flag.created", "", sf.eventData(env.Name)); err != nil {
			return err
		}
	}
	return seedExtras(t, env.SeedExtras, refs)
}
