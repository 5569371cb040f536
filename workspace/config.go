package workspace

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/workos-mcp/workos-mcp/workspace/catalog"
)

// Config configures the workspace server.
type Config struct {
	// Teams maps a WorkOS organization (the team a person signs in to) to the environments its
	// people manage and to its admin settings.
	Teams []Team
	// Roles maps a role slug to what it allows; nil means [DefaultRoles]. A role that is not in
	// the map allows nothing but whoami.
	Roles map[string]Role
	// ConfirmationKey is the 32-byte AES-256-GCM key that seals confirmation tokens. Empty means
	// a random key, which only works with a single replica.
	ConfirmationKey []byte
	// ConfirmationTTL is how long a confirmation token is valid; default 5 minutes.
	ConfirmationTTL time.Duration
	// UsedTokens remembers used confirmation tokens; nil means an in-process store.
	UsedTokens UsedTokens
	// Approvals keeps the approval requests of teams whose destructive calls the person confirms
	// on the console (ConfirmHuman); nil means an in-process store, which only works with a
	// single replica.
	Approvals ApprovalStore
	// SettingsTTL is how long a replica keeps a team's settings before reading them again, so
	// that a change on the console reaches every replica within it; default DefaultSettingsTTL.
	SettingsTTL time.Duration
	// ConsoleURL is the console's base URL (https://mcp.example.com/console), where people
	// approve destructive calls: /approvals/{id} below it. Required by teams in ConfirmHuman
	// mode (the default).
	ConsoleURL string
	// RoleCacheTTL is how long a role looked up through the WorkOS API is kept; default 1 minute.
	RoleCacheTTL time.Duration
	// ProtectionRetry is how often the server tries again to establish an environment's
	// identity (is it the team's sign-in environment?) while writes there are refused; default
	// DefaultProtectionRetry.
	ProtectionRetry time.Duration
	// HTTPClient sends every WorkOS API call; nil means the workos package's default client.
	HTTPClient *http.Client
	// Hooks observe calls (metrics); every hook is optional.
	Hooks Hooks
	// Logger receives one line per operation; nil means slog.Default().
	Logger *slog.Logger
	// Limiter keeps the per-person rate limits (Team.Limits); nil means an in-process one. Use
	// a RedisLimiter for replicas to share them.
	Limiter Limiter
	// RecordQueue holds team audit events the audit log did not accept at once, until a
	// background sender delivers them; nil means an in-process queue (lost on restart, so Close
	// logs what is left). Use a FileRecordQueue or a RedisRecordQueue in production.
	RecordQueue RecordQueue
	// MaxQueuedRecords bounds RecordQueue; default DefaultMaxQueuedRecords. When it is full,
	// writes are refused (ErrRecordBacklog) until records are delivered.
	MaxQueuedRecords int
}

// Hooks are called as the server works, so that metrics stay outside this package.
type Hooks struct {
	// ToolCall is called once per WorkOS operation the pipeline considered (one per query or
	// mutate, one per read of a task tool), with the operation's class and its Outcome: ok,
	// error, denied, invalid, limited, confirmation_required, declined or refused. It feeds
	// telemetry's tool-call metric (workos_mcp_tool_calls_total).
	ToolCall func(operation, environment string, class catalog.Class, outcome Outcome)
	// ToolDuration is called once per MCP tool call with its Outcome (ok, error, denied, limited
	// or confirmation_required) and how long it took. It feeds telemetry's tool-duration metric
	// (workos_mcp_tool_duration_seconds).
	ToolDuration func(tool string, outcome Outcome, d time.Duration)
	// Record is called once per team audit event with what became of it (RecordResults). It
	// feeds telemetry's audit-record metric (workos_mcp_audit_records_total).
	Record func(result RecordResult)
	// WorkOSResponse is called once per WorkOS API attempt (workos.Options.OnResponse); status 0
	// is a transport error.
	WorkOSResponse func(method, path string, status int, d time.Duration)
}

// Team is one team: the WorkOS organization people sign in to, and what they manage.
type Team struct {
	// OrganizationID is the organization in the team's sign-in environment (the token's org_id).
	OrganizationID string
	// Name is shown to people (whoami).
	Name string
	// Settings are the team's admin settings.
	Settings Settings
	// Environments are the WorkOS environments the team manages; the first sandbox-kind one is
	// the default.
	Environments []Environment
	// SignIn is the team's sign-in environment (its AuthKit environment), required: where the
	// team's organization and people's roles live, where actions are recorded as audit-log
	// events, and where roles and profiles are read. Nothing in it is ever writable through the
	// server, whatever key or name reaches it: the server establishes by observation which
	// managed environment is the sign-in one (see [Server.EstablishProtection]).
	SignIn *SignInEnvironment
	// Confirmation is how the team's destructive calls are confirmed: ConfirmHuman (the
	// default, empty) or ConfirmAgent (the agent returns the token itself; for scripts).
	Confirmation ConfirmationMode
	// PinSettings keeps Settings as configured: team admins cannot change them on the console.
	// Otherwise Settings only seed the values the console stores (settings.go).
	PinSettings bool
	// Limits is each person's rate limit of WorkOS API calls, per environment; the zero value
	// means the defaults (DefaultLimitPerSecond, DefaultLimitBurst).
	Limits Limits
}

// confirmation returns the team's confirmation mode, ConfirmHuman unless an operator chose
// otherwise.
func (t *Team) confirmation() ConfirmationMode {
	if t.Confirmation == "" {
		return ConfirmHuman
	}
	return t.Confirmation
}

// Settings are a team's admin settings. The MCP server reads them and can never change them.
type Settings struct {
	// Enabled turns MCP access on for the team; nil means true.
	Enabled *bool
	// AllowProduction lets people reach production-kind environments; nil means true.
	AllowProduction *bool
	// AllowWrite lets people change anything at all; off means read-only for everyone. Nil means
	// true.
	AllowWrite *bool
}

// Environment is one WorkOS environment a team manages.
type Environment struct {
	// Name is the value of the tools' environment parameter ("sandbox", "production", ...).
	Name string
	// Kind is KindSandbox or KindProduction.
	Kind string
	// APIKey is the environment's secret key; it never leaves the server.
	APIKey string
	// BaseURL is the WorkOS API base URL; empty means the WorkOS API.
	BaseURL string
}

// Environment kinds.
const (
	KindSandbox    = "sandbox"
	KindProduction = "production"
)

// SignInEnvironment is the team's sign-in environment (its AuthKit environment): where actions
// are recorded as audit-log events, and where a person's role and profile are read when the
// token carries none.
type SignInEnvironment struct {
	// APIKey is the sign-in environment's secret key (required); it never leaves the server.
	APIKey string
	// BaseURL is the WorkOS API base URL; empty means the WorkOS API.
	BaseURL string
	// OrganizationID is the organization audit events are written to; empty means the team's
	// organization. It is protected like the team's organization.
	OrganizationID string
	// ClientID is the sign-in environment's client ID (client_...), informational.
	ClientID string
}

// auditOrganization is the organization the team's audit events go to.
func (t *Team) auditOrganization() string {
	if t.SignIn != nil && t.SignIn.OrganizationID != "" {
		return t.SignIn.OrganizationID
	}
	return t.OrganizationID
}

// Access is what a person may do in one environment.
type Access string

// Access levels, in increasing order.
const (
	AccessNone  Access = "none"
	AccessRead  Access = "read"
	AccessWrite Access = "write"
)

func (a Access) rank() int {
	switch a {
	case AccessRead:
		return 1
	case AccessWrite:
		return 2
	}
	return 0
}

// Role is what one role slug allows.
type Role struct {
	// Description is shown to people (whoami).
	Description string
	// Sandbox and Production are the role's access in environments of each kind.
	Sandbox, Production Access
	// Areas limits the role to operations in these areas of an environment (catalog.Areas():
	// "users", "organizations", "domains", "sso", ...), and the events it reads to events about
	// them. Each operation has one area, recorded in the catalog, so that a path under
	// /organizations that acts on API keys or audit-log retention is not "organizations". Empty
	// means every area.
	Areas []string
}

// AccessIn reports the role's access in an environment of the given kind.
func (r Role) AccessIn(kind string) Access {
	if kind == KindProduction {
		return r.Production
	}
	return r.Sandbox
}

// CoversArea reports whether an area is inside the role's areas.
func (r Role) CoversArea(a catalog.Area) bool {
	if len(r.Areas) == 0 {
		return true
	}
	for _, x := range r.Areas {
		if catalog.Area(x) == a {
			return true
		}
	}
	return false
}

// Covers reports whether an operation is inside the role's areas.
func (r Role) Covers(op *catalog.Operation) bool { return r.CoversArea(op.Area) }

// CoversEvent reports whether an event type is about an area inside the role's areas. An event
// type of no known area is covered only by a role without area limits.
func (r Role) CoversEvent(eventType string) bool {
	if len(r.Areas) == 0 {
		return true
	}
	a, ok := catalog.EventArea(eventType)
	return ok && r.CoversArea(a)
}

// usersAndOrganizations are the areas of the support roles: organizations, their domains, the
// people in them, and the events about those.
var usersAndOrganizations = []string{
	string(catalog.AreaUsers),
	string(catalog.AreaOrganizations),
	string(catalog.AreaDomains),
	string(catalog.AreaEvents),
}

// DefaultRoles mirrors the WorkOS dashboard roles.
func DefaultRoles() map[string]Role {
	return map[string]Role{
		"admin": {Description: "administrator: everything, in every environment",
			Sandbox: AccessWrite, Production: AccessWrite},
		"member": {Description: "developer: read and write in every environment",
			Sandbox: AccessWrite, Production: AccessWrite},
		"member-sandbox": {Description: "developer: read and write in sandbox, read-only in production",
			Sandbox: AccessWrite, Production: AccessRead},
		"support": {Description: "support: users and organizations only, read and write",
			Sandbox: AccessWrite, Production: AccessWrite, Areas: usersAndOrganizations},
		"support-viewer": {Description: "support: users and organizations only, read-only",
			Sandbox: AccessRead, Production: AccessRead, Areas: usersAndOrganizations},
	}
}

func on(b *bool) bool { return b == nil || *b }
