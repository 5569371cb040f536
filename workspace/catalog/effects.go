package catalog

import (
	"sort"
	"strings"
)

// Area is the part of a WorkOS environment an operation acts on. Roles are limited to areas, so a
// role that manages users and organizations does not reach API keys or SSO through a path that
// happens to start with /organizations. Every operation has exactly one area (table.go).
type Area string

// The areas.
const (
	AreaUsers            Area = "users"             // users, their sessions, MFA factors, invitations, sign-in emails
	AreaOrganizations    Area = "organizations"     // organizations and their memberships
	AreaDomains          Area = "domains"           // organization domains and their verification
	AreaSSO              Area = "sso"               // SSO connections
	AreaDirectories      Area = "directories"       // Directory Sync: directories, their users and groups
	AreaRoles            Area = "roles"             // roles, permissions, groups, role assignments, FGA resources
	AreaAPIKeys          Area = "api_keys"          // API keys of the environment, organizations and users
	AreaApplications     Area = "applications"      // Connect applications, their secrets and grants
	AreaWebhooks         Area = "webhooks"          // webhook endpoints
	AreaRedirectURIs     Area = "redirect_uris"     // redirect URIs and CORS origins of sign-in flows
	AreaAuditLogs        Area = "audit_logs"        // audit-log events, schemas, exports, retention
	AreaEvents           Area = "events"            // the events API (each event is further limited by its own area)
	AreaSettings         Area = "settings"          // environment settings: JWT template, session keys
	AreaAdminPortal      Area = "admin_portal"      // Admin Portal links for an organization's IT admin
	AreaFeatureFlags     Area = "feature_flags"     // feature flags and their targets
	AreaDataIntegrations Area = "data_integrations" // Pipes: data integrations, connected accounts
	AreaVault            Area = "vault"             // Vault objects
	AreaRadar            Area = "radar"             // Radar lists and challenges
	AreaAgents           Area = "agents"            // agent credentials and registrations
)

var areaDescriptions = map[Area]string{
	AreaUsers:            "users, their sessions, MFA factors, invitations and sign-in emails",
	AreaOrganizations:    "organizations and their memberships",
	AreaDomains:          "organization domains and their verification",
	AreaSSO:              "SSO connections",
	AreaDirectories:      "Directory Sync: directories, directory users and groups",
	AreaRoles:            "roles, permissions, groups and role assignments (fine-grained authorization)",
	AreaAPIKeys:          "API keys of the environment, its organizations and users",
	AreaApplications:     "Connect applications, their client secrets and the grants made to them",
	AreaWebhooks:         "webhook endpoints",
	AreaRedirectURIs:     "redirect URIs and CORS origins of the environment's sign-in flows",
	AreaAuditLogs:        "audit-log events, schemas, exports and retention",
	AreaEvents:           "the events API; each event is shown only if its own area is in the role",
	AreaSettings:         "environment settings: the JWT template and session signing keys",
	AreaAdminPortal:      "Admin Portal links for an organization's IT admin",
	AreaFeatureFlags:     "feature flags and their targets",
	AreaDataIntegrations: "Pipes: data integrations, their configurations and connected accounts",
	AreaVault:            "Vault objects",
	AreaRadar:            "Radar lists and challenges",
	AreaAgents:           "agent credentials and registrations",
}

// Areas returns every area, sorted.
func Areas() []Area {
	out := make([]Area, 0, len(areaDescriptions))
	for a := range areaDescriptions {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Describe says what the area covers, in a few words.
func (a Area) Describe() string { return areaDescriptions[a] }

// Valid reports whether a is one of Areas().
func (a Area) Valid() bool {
	_, ok := areaDescriptions[a]
	return ok
}

// eventAreas maps the first segment of an event type ("dsync" in "dsync.user.created") to the
// area of the object the event is about. An event type whose prefix is not here belongs to no
// area: only roles without area limits see it.
var eventAreas = map[string]Area{
	"authentication":          AreaUsers,
	"user":                    AreaUsers,
	"session":                 AreaUsers,
	"password_reset":          AreaUsers,
	"magic_auth":              AreaUsers,
	"email_verification":      AreaUsers,
	"invitation":              AreaUsers,
	"waitlist_user":           AreaUsers,
	"organization":            AreaOrganizations,
	"organization_membership": AreaOrganizations,
	"organization_domain":     AreaDomains,
	"connection":              AreaSSO,
	"dsync":                   AreaDirectories,
	"role":                    AreaRoles,
	"permission":              AreaRoles,
	"organization_role":       AreaRoles,
	"group":                   AreaRoles,
	"api_key":                 AreaAPIKeys,
	"vault":                   AreaVault,
	"agent":                   AreaAgents,
	"pipes":                   AreaDataIntegrations,
	"flag":                    AreaFeatureFlags,
	"action":                  AreaSettings,
	"radar":                   AreaRadar,
}

// EventArea returns the area of an event type, and false when the type belongs to no known area.
func EventArea(eventType string) (Area, bool) {
	prefix, _, _ := strings.Cut(strings.TrimSpace(eventType), ".")
	a, ok := eventAreas[prefix]
	return a, ok
}

// Effect is what setting one body field of a write operation does. Safety is decided from
// effects, not from operation names: the same effect is treated the same under every operation.
type Effect string

// The effects.
const (
	// Plain sets a value that another call can set back.
	Plain Effect = "plain"
	// Secret stores a secret the person supplies (a provider token, a client secret, a Vault
	// value). Allowed; never echoed or logged.
	Secret Effect = "secret"
	// Credential sets or resets a way to sign in as someone (a password, a password hash, a
	// user's email or its verification). Refused to agents under every operation.
	Credential Effect = "credential"
	// Replaces replaces a collection (or a single value) that exists. The call is irreversible,
	// and so confirmed first, when the new value drops something the current one has.
	Replaces Effect = "replaces"
)

// Replacement says how to compare a Replaces field with what exists: the current value is read
// with GET Read (a path template whose parameters are the operation's), at Current (a dotted path
// into the answer, "domains" or "role.slug"); items on both sides are compared by key
// (CurrentKey for the current items, NewKey for the new ones; empty means the item is a string).
type Replacement struct {
	Field      string
	Read       string // path template of the GET that returns the current value; "" = none
	Current    string
	CurrentKey string
	NewKey     string
}

// FieldExclusion is a body field an agent may never set, under the named operation, and why.
type FieldExclusion struct {
	Operation, Field, Reason string
}

// CredentialReason is why Credential fields are refused.
const CredentialReason = "sets or resets a way to sign in as someone: the agent could take over that person's account; the person does it themselves through the sign-in flow, or an admin in the WorkOS dashboard"

// ExcludedFields returns every field an agent may never set, sorted by operation and field.
func ExcludedFields() []FieldExclusion {
	var out []FieldExclusion
	for _, op := range operations {
		for _, f := range sortedFieldNames(op.Effects) {
			if op.Effects[f] == Credential {
				out = append(out, FieldExclusion{Operation: op.Name, Field: f, Reason: CredentialReason})
			}
		}
	}
	return out
}

// Effect returns the effect of setting a body field; Plain for fields the operation does not
// classify (path and query parameters, read operations).
func (o *Operation) Effect(field string) Effect {
	if e, ok := o.Effects[field]; ok {
		return e
	}
	return Plain
}

// Replacement returns how to compare a Replaces field with what exists.
func (o *Operation) Replacement(field string) (Replacement, bool) {
	for _, r := range o.Replacements {
		if r.Field == field {
			return r, true
		}
	}
	return Replacement{}, false
}

func sortedFieldNames(m map[string]Effect) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
