package workspace

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/workos-mcp/workos-mcp/workspace/catalog"
)

// Refusals by the policy. Each wraps one of these, so callers and tests can branch on the step
// that refused; the message says what to do instead.
var (
	ErrDisabled     = errors.New("MCP access is disabled for this team")
	ErrNoTeam       = errors.New("no team is configured for your organization")
	ErrEnvironment  = errors.New("environment not available")
	ErrRole         = errors.New("your role does not allow this")
	ErrWriteOff     = errors.New("writes are disabled for this team")
	ErrWrongClass   = errors.New("wrong tool for this operation")
	ErrInvalidInput = errors.New("invalid parameters")
	// ErrRefusedField refuses a field that no agent may set, whoever the person is (a password,
	// a user's email...): the catalog classifies it as a credential.
	ErrRefusedField = errors.New("refused to agents")
)

// gate is the first step of every tool but whoami: the team exists, and the policy admits the
// person at all (admit).
func (c *caller) gate() error {
	if c.team == nil {
		return fmt.Errorf("%w (organization %s): ask the server's operator to add it; whoami shows what the server knows about you", ErrNoTeam, c.session.OrganizationID)
	}
	return admit(c.principal())
}

// environment resolves the environment parameter: the team's first sandbox-kind environment
// unless the call names one. Naming an environment never widens access: access() still caps it.
func (c *caller) environment(name string) (*Environment, error) {
	envs := c.team.Environments
	if name == "" {
		for i := range envs {
			if envs[i].Kind == KindSandbox {
				return &envs[i], nil
			}
		}
		return nil, fmt.Errorf("%w: the team has no sandbox environment; name one of: %s", ErrEnvironment, envNames(envs))
	}
	for i := range envs {
		if envs[i].Name == name {
			return &envs[i], nil
		}
	}
	return nil, fmt.Errorf("%w: unknown environment %q; use one of: %s", ErrEnvironment, name, envNames(envs))
}

func envNames(envs []Environment) string {
	var n []string
	for _, e := range envs {
		n = append(n, e.Name)
	}
	if len(n) == 0 {
		return "(none configured)"
	}
	return strings.Join(n, ", ")
}

// access is what the caller may do in an environment: the role's access, capped by the team's
// settings. Settings are an upper bound; nothing widens them.
func (c *caller) access(env *Environment) (Access, string) {
	if c.team == nil || !on(c.settings.Enabled) || !c.roleKnown {
		return AccessNone, "MCP access is off or your role is unknown"
	}
	a := c.role.AccessIn(env.Kind)
	if a == "" {
		a = AccessNone
	}
	why := fmt.Sprintf("role %s", c.roleSlug)
	if env.Kind == KindProduction && !on(c.settings.AllowProduction) {
		return AccessNone, "the team does not allow production access"
	}
	if !on(c.settings.AllowWrite) && a == AccessWrite {
		return AccessRead, "the team allows reads only"
	}
	return a, why
}

// verdict is what the policy decides for one call.
type verdict string

// The verdicts (their names are testdata/policy's).
const (
	// allow: the call runs.
	allow verdict = "allow"
	// refuse: the call does not run; decision.err says why.
	refuse verdict = "refuse"
	// confirm: the call runs only after the person confirms it (an irreversible operation, or
	// an update that would remove what exists).
	confirm verdict = "confirm"
)

// decision is the policy's answer for one call.
type decision struct {
	verdict verdict
	// err says why a call is refused, wrapping one of the Err* refusals (ErrDisabled, ErrRole,
	// ErrEnvironment, ErrWriteOff, ErrRefusedField); nil otherwise.
	err error
}

// principal is the person as the policy sees them: their role and their team's settings.
type principal struct {
	roleSlug  string
	role      Role
	roleKnown bool  // the slug is mapped to a Role (an unknown role may use whoami only)
	roleErr   error // why the role could not be read, shown with an unknown role
	settings  Settings
}

// policyCall is one call as the policy sees it: who makes it, where, what it runs and which
// fields it sets. Nothing in it needs I/O, so decide is a pure function of it.
type policyCall struct {
	principal
	env environment
	op  *catalog.Operation
	// fields are the parameters the call sets, by name.
	fields []string
	// removes says that a replacing field the call sets would remove what exists, or that what
	// exists could not be read to tell: known only after reading it (Server.mustConfirm), so
	// false until then.
	removes bool
}

// environment is an environment as the policy sees it.
type environment struct{ name, kind string }

// decide is the policy: whether a call may run, must be confirmed first, or is refused and why.
// The steps, in order (the first refusal wins): MCP access on and the role known (admit);
// production allowed by the team; the operation's area inside the role's areas; the role's
// access in this kind of environment enough for the operation's class; writes allowed by the
// team; no field that sets a credential; then an irreversible operation, or an update that
// would remove what exists, is confirmed. Every call path decides here (prepare for every tool,
// mustConfirm for mutate, mayRun for list_operations); testdata/policy pins it as a table.
//
// What it leaves to the steps around it, because they need the parameters' values or I/O:
// parameter validation, event types outside the role's areas (checkEventTypes), limits, the
// team's own organization and sign-in environment (protectTeam), and the record backlog.
func decide(call policyCall) decision {
	refused := func(err error) decision { return decision{verdict: refuse, err: err} }
	p, env, op := call.principal, call.env, call.op
	if err := admit(p); err != nil {
		return refused(err)
	}
	if env.kind == KindProduction && !on(p.settings.AllowProduction) {
		return refused(fmt.Errorf("%w: environment %q is production and a team admin does not allow production access; use the sandbox", ErrEnvironment, env.name))
	}
	if !p.role.Covers(op) {
		return refused(fmt.Errorf("%w: role %s covers only the areas %s; %s acts on %s (%s)", ErrRole, p.roleSlug, strings.Join(p.role.Areas, ", "), op.Name, op.Area, op.Area.Describe()))
	}
	roleAccess := p.role.AccessIn(env.kind)
	need := AccessRead
	if op.Class != catalog.Read {
		need = AccessWrite
	}
	if roleAccess.rank() < need.rank() {
		if roleAccess.rank() == 0 {
			return refused(fmt.Errorf("%w: role %s has no access to %s environments", ErrRole, p.roleSlug, env.kind))
		}
		return refused(fmt.Errorf("%w: role %s is read-only in %s environments; %s changes data", ErrRole, p.roleSlug, env.kind, op.Name))
	}
	if need == AccessWrite && !on(p.settings.AllowWrite) {
		return refused(fmt.Errorf("%w: a team admin made MCP access read-only; %s changes data", ErrWriteOff, op.Name))
	}
	if err := refuseCredentials(op, call.fields); err != nil {
		return refused(err)
	}
	if op.Class == catalog.Destructive || call.removes {
		return decision{verdict: confirm}
	}
	return decision{verdict: allow}
}

// admit is the policy's first step, for every tool but whoami: MCP access is on for the team
// and the person's role is mapped to permissions.
func admit(p principal) error {
	if !on(p.settings.Enabled) {
		return fmt.Errorf("%w: a team admin has turned it off", ErrDisabled)
	}
	if !p.roleKnown {
		role := p.roleSlug
		if role == "" {
			role = "(none)"
		}
		detail := ""
		if p.roleErr != nil {
			detail = " (" + p.roleErr.Error() + ")"
		}
		return fmt.Errorf("%w: your role %s is not mapped to any permissions, so only whoami is available%s", ErrRole, role, detail)
	}
	return nil
}

// principal is the caller as the policy sees them.
func (c *caller) principal() principal {
	return principal{roleSlug: c.roleSlug, role: c.role, roleKnown: c.roleKnown, roleErr: c.roleErr, settings: c.settings}
}

// decide runs the policy for the caller's call of op in env with these parameters (nil: before
// any parameter is known, as list_operations asks).
func (c *caller) decide(env *Environment, op *catalog.Operation, params map[string]any) decision {
	return decide(c.policyCall(env, op, params))
}

// policyCall is the caller's call of op in env with these parameters.
func (c *caller) policyCall(env *Environment, op *catalog.Operation, params map[string]any) policyCall {
	return policyCall{principal: c.principal(), env: environment{name: env.Name, kind: env.Kind}, op: op, fields: sortedKeys(params)}
}

// authorize is the policy's refusal, if any, for running op in env (a call that must be
// confirmed is not refused).
func (c *caller) authorize(env *Environment, op *catalog.Operation) error {
	return c.decide(env, op, nil).err
}

// mayRun reports whether the caller may run the operation in at least one environment, for
// list_operations.
func (c *caller) mayRun(op *catalog.Operation) bool {
	for i := range c.team.Environments {
		if c.authorize(&c.team.Environments[i], op) == nil {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	k := make([]string, 0, len(m))
	for n := range m {
		k = append(k, n)
	}
	sort.Strings(k)
	return k
}

// protectTeam is the one place that keeps the team safe from its own people's agents, for
// every tool (task tools too): it refuses any change in the team's sign-in environment (where
// people's roles, and so their MCP access, live) or in an environment whose identity is not
// established; any change whose parameters mention the team's organization anywhere; and, in
// every environment, changes to memberships, users, invitations, roles and sign-in settings
// that belong to the team's organization (read before the write). The MCP server must not be
// able to widen its own access or delete the team.
func (s *Server) protectTeam(ctx context.Context, c *caller, env *Environment, op *catalog.Operation, params map[string]any) error {
	if op.Class == classRead && op.Method == http.MethodGet {
		return nil
	}
	if err := s.writable(ctx, c.team, env); err != nil {
		return err
	}
	if at, ok := referencesTeam(c.team, params); ok {
		return fmt.Errorf("%w: %s would change the team's own organization (parameter %s names it), which this server never does; use the WorkOS dashboard", ErrProtection, op.Name, at)
	}
	return s.ownedByTeam(ctx, c, env, op, params)
}

// refuseCredentials refuses a call that sets a field the catalog classifies as a credential, under
// whatever operation carries it. A null or empty value is refused too: clearing a password hash or
// an email is as much a change of how someone signs in.
func refuseCredentials(op *catalog.Operation, fields []string) error {
	var refused []string
	for _, name := range fields {
		if op.Effect(name) == catalog.Credential {
			refused = append(refused, name)
		}
	}
	if len(refused) == 0 {
		return nil
	}
	sort.Strings(refused)
	return fmt.Errorf("%w: %s: setting %s %s; send the call without it (list_operations shows the refused fields)",
		ErrRefusedField, op.Name, strings.Join(refused, ", "), catalog.CredentialReason)
}

// checkEventTypes refuses an events query that names an event type outside the caller's areas.
// Events the query does not name are filtered from the answer instead (filterEvents).
func (c *caller) checkEventTypes(op *catalog.Operation, params map[string]any) error {
	if op.Area != catalog.AreaEvents || len(c.role.Areas) == 0 {
		return nil
	}
	var outside []string
	add := func(v any) {
		for _, t := range strings.Split(fmt.Sprint(v), ",") {
			if t = strings.TrimSpace(t); t != "" && !c.role.CoversEvent(t) {
				outside = append(outside, t)
			}
		}
	}
	switch v := params["events"].(type) {
	case nil:
	case []any:
		for _, x := range v {
			add(x)
		}
	default:
		add(v)
	}
	if len(outside) == 0 {
		return nil
	}
	return fmt.Errorf("%w: role %s reads only events about %s; %s %s outside them",
		ErrRole, c.roleSlug, strings.Join(c.role.Areas, ", "), strings.Join(outside, ", "), plural(len(outside), "is", "are"))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// filterEvents drops, from an events answer, the events about areas outside the caller's; it
// returns the answer and how many it dropped. An answer it cannot read is dropped whole: an
// unfiltered list would show what the role may not read.
func (c *caller) filterEvents(op *catalog.Operation, data json.RawMessage) (json.RawMessage, int, error) {
	if op.Area != catalog.AreaEvents || len(c.role.Areas) == 0 {
		return data, 0, nil
	}
	var page map[string]json.RawMessage
	if err := json.Unmarshal(data, &page); err != nil {
		return nil, 0, fmt.Errorf("%s: the answer could not be filtered to your role's areas, so it is not shown", op.Name)
	}
	var items []json.RawMessage
	if raw, ok := page["data"]; ok {
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, 0, fmt.Errorf("%s: the answer could not be filtered to your role's areas, so it is not shown", op.Name)
		}
	}
	kept := make([]json.RawMessage, 0, len(items))
	for _, it := range items {
		var ev struct {
			Event string `json:"event"`
		}
		if json.Unmarshal(it, &ev) == nil && c.role.CoversEvent(ev.Event) {
			kept = append(kept, it)
		}
	}
	dropped := len(items) - len(kept)
	b, err := json.Marshal(kept)
	if err != nil {
		return nil, 0, err
	}
	page["data"] = b
	out, err := json.Marshal(page)
	if err != nil {
		return nil, 0, err
	}
	return out, dropped, nil
}
