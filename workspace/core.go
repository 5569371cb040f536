package workspace

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/workos-mcp/workos-mcp/authkit"
	"github.com/workos-mcp/workos-mcp/workos"
	"github.com/workos-mcp/workos-mcp/workspace/catalog"
)

type whoamiIn struct{}

// whoamiOut is who the server thinks the caller is and what they may do where.
type whoamiOut struct {
	User whoamiUser `json:"user" jsonschema:"the signed-in person"`
	Team whoamiTeam `json:"team" jsonschema:"the team (the token's organization) and whether this server is configured for it"`
	// The rest is shown only for a configured team.
	Settings     *whoamiSettings     `json:"settings,omitempty" jsonschema:"the team's admin settings in effect"`
	Confirmation *whoamiConfirmation `json:"confirmation,omitempty" jsonschema:"how irreversible operations are confirmed for this team"`
	Role         *whoamiRole         `json:"role,omitempty" jsonschema:"the role in effect and where it came from"`
	Permissions  []string            `json:"permissions,omitzero" jsonschema:"the permissions in the person's token"`
	Environments []whoamiEnvironment `json:"environments,omitempty" jsonschema:"each of the team's environments with what the person may do in it"`
	Note         string              `json:"note,omitempty" jsonschema:"why most tools refuse, when they do"`
}

type whoamiUser struct {
	ID      string `json:"id" jsonschema:"the WorkOS user ID (authoritative)"`
	Name    string `json:"name,omitempty" jsonschema:"first and last name, from the WorkOS profile"`
	Email   string `json:"email,omitempty" jsonschema:"email, from the token or the WorkOS profile"`
	Profile string `json:"profile,omitempty" jsonschema:"set when the profile could not be read, saying so"`
}

type whoamiTeam struct {
	OrganizationID string `json:"organization_id" jsonschema:"the team's WorkOS organization ID"`
	Name           string `json:"name,omitempty" jsonschema:"the team's name"`
	Configured     bool   `json:"configured" jsonschema:"whether this server has a configuration for the team"`
}

type whoamiSettings struct {
	Enabled         bool   `json:"enabled" jsonschema:"MCP access is on for the team"`
	AllowProduction bool   `json:"allow_production" jsonschema:"production environments may be used"`
	AllowWrite      bool   `json:"allow_write" jsonschema:"write operations may run"`
	Source          string `json:"source" jsonschema:"where the settings were read from"`
	Pinned          bool   `json:"pinned" jsonschema:"the operator pinned the settings: team admins cannot change them"`
}

type whoamiConfirmation struct {
	Mode ConfirmationMode `json:"mode" jsonschema:"human (the person approves on the console) or agent (the agent returns the token)"`
	How  string           `json:"how" jsonschema:"what happens to an irreversible operation"`
}

type whoamiRole struct {
	Slug        string            `json:"slug" jsonschema:"the role's slug"`
	Source      string            `json:"source" jsonschema:"token or membership; empty when unknown"`
	Known       bool              `json:"known" jsonschema:"the role is mapped to permissions on this server"`
	Description string            `json:"description,omitempty" jsonschema:"what the role may do"`
	Areas       map[string]string `json:"areas,omitempty" jsonschema:"the areas the role is limited to, each with what it covers; absent: every area"`
	Error       string            `json:"error,omitempty" jsonschema:"why the role could not be read"`
}

type whoamiEnvironment struct {
	Name    string `json:"name" jsonschema:"the environment's name, for the environment parameter of other tools"`
	Kind    string `json:"kind" jsonschema:"sandbox or production"`
	Access  Access `json:"access" jsonschema:"none, read or write"`
	Why     string `json:"why" jsonschema:"what decided the access"`
	Default bool   `json:"default" jsonschema:"used when a call names no environment"`
}

func (s *Server) whoami(ctx context.Context, c *caller, _ *mcp.CallToolRequest, _ whoamiIn) (*mcp.CallToolResult, *whoamiOut, error) {
	sess := c.session
	// AuthKit access tokens carry no email: the profile is read from WorkOS. An email that
	// cannot be found is said so, never shown as an empty string.
	out := &whoamiOut{User: whoamiUser{ID: sess.UserID}}
	email := claim(sess.Claims, "email")
	if u := s.person(ctx, c); u != nil {
		email = firstNonEmpty(email, u.Email)
		out.User.Name = strings.TrimSpace(u.FirstName + " " + u.LastName)
	}
	out.User.Email = email
	if email == "" {
		out.User.Profile = "unavailable: the person's profile could not be read from WorkOS (the user ID above is authoritative)"
	}
	if c.team == nil {
		out.Team = whoamiTeam{OrganizationID: sess.OrganizationID}
		out.Note = "No team is configured for your organization on this server, so every other tool refuses. " +
			"Ask the server's operator to add organization " + sess.OrganizationID + " to the configuration."
		return nil, out, nil
	}
	t := c.team
	out.Team = whoamiTeam{OrganizationID: t.OrganizationID, Name: t.Name, Configured: true}
	out.Settings = &whoamiSettings{
		Enabled: on(c.settings.Enabled), AllowProduction: on(c.settings.AllowProduction), AllowWrite: on(c.settings.AllowWrite),
		Source: c.settingsSource, Pinned: t.PinSettings,
	}
	out.Confirmation = &whoamiConfirmation{Mode: t.confirmation()}
	if t.confirmation() == ConfirmHuman {
		out.Confirmation.How = "irreversible operations run only after you approve them on the console (" + strings.TrimRight(s.cfg.ConsoleURL, "/") + "/approvals), signed in as yourself; the agent cannot approve them"
	} else {
		out.Confirmation.How = "irreversible operations run when the agent returns the confirmation token of the first answer (an operator chose this for scripted use)"
	}
	role := &whoamiRole{Slug: c.roleSlug, Source: c.roleSource, Known: c.roleKnown}
	if c.roleKnown {
		role.Description = c.role.Description
		if len(c.role.Areas) > 0 {
			role.Areas = map[string]string{}
			for _, a := range c.role.Areas {
				role.Areas[a] = catalog.Area(a).Describe()
			}
		}
	}
	if c.roleErr != nil {
		role.Error = c.roleErr.Error()
	}
	out.Role = role
	out.Permissions = nonNil(sess.Permissions)
	def, _ := c.environment("")
	for i := range t.Environments {
		e := &t.Environments[i]
		a, why := c.access(e)
		if a == AccessWrite && s.knownSignIn(t, e) {
			a, why = AccessRead, "the team's own sign-in environment: read-only through this server"
		}
		out.Environments = append(out.Environments, whoamiEnvironment{Name: e.Name, Kind: e.Kind, Access: a, Why: why, Default: def == e})
	}
	switch {
	case !on(c.settings.Enabled):
		out.Note = "MCP access is disabled for this team by a team admin: every tool but whoami refuses."
	case !c.roleKnown:
		out.Note = "Your role is not mapped to any permissions: only whoami is available."
	}
	return nil, out, nil
}

// person reads the signed-in person's profile, best effort: through authkit when it has an API
// key, else from the team's sign-in environment.
func (s *Server) person(ctx context.Context, c *caller) *workos.User {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if s.auth != nil {
		if u, err := s.auth.User(authkit.ContextWithSession(ctx, c.session)); err == nil && u != nil {
			return u
		}
	}
	if t := c.team; t != nil && t.SignIn != nil && t.SignIn.APIKey != "" {
		if u, err := s.client(t.SignIn.BaseURL, t.SignIn.APIKey).GetUser(ctx, c.session.UserID); err == nil {
			return u
		}
	}
	return nil
}

func claim(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

// nonNil answers an empty list as [], not null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

type listOperationsIn struct {
	Words     string `json:"words,omitempty" jsonschema:"words to look for in operation names, paths and descriptions, e.g. organization domains"`
	Class     string `json:"class,omitempty" jsonschema:"only operations of this class: read, write or destructive"`
	Operation string `json:"operation,omitempty" jsonschema:"an operation name, e.g. organizations.create: answer with its full parameter schema"`
}

// listOperationsOut is one operation in full (operation named) or a search's matches.
type listOperationsOut struct {
	*operationDetail
	*operationSearch
}

// operationDetail is one operation with its parameters, for a call to query or mutate.
type operationDetail struct {
	Name            string          `json:"name" jsonschema:"the operation's name, for query or mutate"`
	Class           catalog.Class   `json:"class" jsonschema:"read, write or destructive"`
	Area            catalog.Area    `json:"area" jsonschema:"the area of the workspace it acts on"`
	Method          string          `json:"method" jsonschema:"the HTTP method WorkOS is called with"`
	Path            string          `json:"path" jsonschema:"the WorkOS API path template"`
	Description     string          `json:"description" jsonschema:"what it does"`
	SendsEmail      bool            `json:"sends_email" jsonschema:"it emails someone"`
	Idempotent      bool            `json:"idempotent" jsonschema:"running it twice does what running it once does"`
	Params          json.RawMessage `json:"params" jsonschema:"the JSON Schema of its parameters"`
	Required        []string        `json:"required" jsonschema:"the parameters it requires"`
	Environments    []string        `json:"environments" jsonschema:"the environments you may run it in"`
	Tool            string          `json:"tool" jsonschema:"the tool that runs it: query or mutate"`
	RefusedFields   *fieldsWhy      `json:"refused_fields,omitempty" jsonschema:"fields no agent may set, and why"`
	ReplacingFields *fieldsWhy      `json:"replacing_fields,omitempty" jsonschema:"fields that replace what exists, and what that means"`
}

// fieldsWhy names some of an operation's fields and why they are set apart.
type fieldsWhy struct {
	Fields []string `json:"fields" jsonschema:"the fields"`
	Why    string   `json:"why" jsonschema:"why they are set apart"`
}

// operationSearch is what a search of the catalog found, filtered to what the person may run.
type operationSearch struct {
	Count      int            `json:"count" jsonschema:"how many operations you may run matched"`
	Truncated  bool           `json:"truncated,omitempty" jsonschema:"only the first matches are listed"`
	Hint       string         `json:"hint,omitempty" jsonschema:"why nothing (or too much) matched and what to do"`
	Operations []operationRow `json:"operations" jsonschema:"the matches, best first"`
}

// operationRow is one operation in a search's answer.
type operationRow struct {
	Name         string        `json:"name" jsonschema:"the operation's name"`
	Class        catalog.Class `json:"class" jsonschema:"read, write or destructive"`
	Area         catalog.Area  `json:"area" jsonschema:"the area of the workspace it acts on"`
	Description  string        `json:"description" jsonschema:"what it does"`
	SendsEmail   bool          `json:"sends_email" jsonschema:"it emails someone"`
	Environments []string      `json:"environments" jsonschema:"the environments you may run it in"`
	Tool         string        `json:"tool" jsonschema:"the tool that runs it: query or mutate"`
}

// shapeListOperations says that an answer is one of its two shapes.
func shapeListOperations(in, out *jsonschema.Schema) {
	enum(in, "class", string(classRead), string(classWrite), string(classDestructive))
	oneShapeOf(out, schemaFor[operationDetail](), schemaFor[operationSearch]())
}

const listLimit = 60

func (s *Server) listOperations(ctx context.Context, c *caller, _ *mcp.CallToolRequest, in listOperationsIn) (*mcp.CallToolResult, *listOperationsOut, error) {
	if err := c.gate(); err != nil {
		return nil, nil, err
	}
	if in.Operation != "" {
		op, err := c.lookup(in.Operation)
		if err != nil {
			return nil, nil, err
		}
		if !c.mayRun(op) {
			return nil, nil, fmt.Errorf("%w: you may not run %s in any of the team's environments (whoami shows your access)", ErrRole, op.Name)
		}
		d := &operationDetail{
			Name: op.Name, Class: op.Class, Area: op.Area, Method: op.Method, Path: op.Path,
			Description: op.Description, SendsEmail: op.SendsEmail, Idempotent: op.Idempotent,
			Params: json.RawMessage(op.Params), Required: nonNil(op.Required),
			Environments: c.runnableIn(op), Tool: toolFor(op),
		}
		var refused, replaces []string
		for _, f := range sortedKeys(op.Effects) {
			switch op.Effects[f] {
			case catalog.Credential:
				refused = append(refused, f)
			case catalog.Replaces:
				replaces = append(replaces, f)
			}
		}
		if len(refused) > 0 {
			d.RefusedFields = &fieldsWhy{Fields: refused, Why: catalog.CredentialReason}
		}
		if len(replaces) > 0 {
			d.ReplacingFields = &fieldsWhy{Fields: replaces,
				Why: "these replace what exists: a call that would remove anything (or whose current value cannot be read) needs the person's confirmation first"}
		}
		return nil, &listOperationsOut{operationDetail: d}, nil
	}
	var classes []catalog.Class
	if in.Class != "" { // one of the input schema's enum, checked before the call gets here
		classes = append(classes, catalog.Class(in.Class))
	}
	out := &operationSearch{Operations: []operationRow{}}
	var refused []*catalog.Operation // matched, but the policy refuses them everywhere
	for _, op := range catalog.Search(in.Words, classes...) {
		if excluded(op.Name) {
			continue
		}
		if !c.mayRun(op) {
			refused = append(refused, op)
			continue
		}
		out.Operations = append(out.Operations, operationRow{
			Name: op.Name, Class: op.Class, Area: op.Area, Description: op.Description,
			SendsEmail: op.SendsEmail, Environments: c.runnableIn(op), Tool: toolFor(op),
		})
	}
	out.Count = len(out.Operations)
	switch {
	case len(out.Operations) > listLimit:
		out.Operations = out.Operations[:listLimit]
		out.Truncated = true
		out.Hint = "more matched: add words or a class to narrow the search"
	case len(out.Operations) == 0 && len(refused) > 0:
		out.Hint = c.whyNone(refused)
	case len(out.Operations) == 0:
		out.Hint = "nothing you may run matched; try fewer words"
	}
	return nil, &listOperationsOut{operationSearch: out}, nil
}

// whyNone says why the person may run none of the operations a search matched, from the policy
// that refuses them: a read-only role asking for writes is told so, not to search differently.
func (c *caller) whyNone(ops []*catalog.Operation) string {
	writes := true
	for _, op := range ops {
		writes = writes && op.Class != classRead
	}
	mayWrite := false
	for i := range c.team.Environments {
		a, _ := c.access(&c.team.Environments[i])
		mayWrite = mayWrite || a == AccessWrite
	}
	n := fmt.Sprintf("%d %s matched, but you may run none of them: ", len(ops), plural(len(ops), "operation", "operations"))
	switch {
	case writes && !mayWrite && !on(c.settings.AllowWrite):
		return n + "a team admin made MCP access read-only, so no write operation runs for anyone; reads work (class read)"
	case writes && !mayWrite:
		return n + "your role " + c.roleSlug + " may only read in the team's environments, so no write operation is offered; reads work (class read), and whoami shows your access"
	}
	// The policy's own refusal of the best match, in the environment a call would use.
	env, err := c.environment("")
	if err == nil {
		err = c.authorize(env, ops[0])
	}
	if err == nil {
		return n + "whoami shows your access in each environment"
	}
	return n + err.Error() + " (whoami shows your access)"
}

func toolFor(op *catalog.Operation) string {
	if op.Class == classRead {
		return "query"
	}
	return "mutate"
}

func (c *caller) runnableIn(op *catalog.Operation) []string {
	envs := []string{}
	for i := range c.team.Environments {
		if c.authorize(&c.team.Environments[i], op) == nil {
			envs = append(envs, c.team.Environments[i].Name)
		}
	}
	return envs
}

type queryIn struct {
	Operation   string         `json:"operation" jsonschema:"the read operation to run, e.g. organizations.list (list_operations finds names)"`
	Params      map[string]any `json:"params,omitempty" jsonschema:"the operation's parameters (path, query and body fields by name)"`
	Environment string         `json:"environment,omitempty" jsonschema:"environment name; default: the team's sandbox (whoami lists them)"`
	Fields      []string       `json:"fields,omitempty" jsonschema:"only these top-level fields of each item of a list (or of the object), e.g. [\"id\",\"name\",\"domains\"]; default: every field"`
}

// queryOut is a read operation's redacted answer.
type queryOut struct {
	Operation   string `json:"operation" jsonschema:"the operation that ran"`
	Environment string `json:"environment" jsonschema:"the environment it ran in"`
	Status      int    `json:"status" jsonschema:"the HTTP status WorkOS answered"`
	operationAnswer
}

// operationAnswer is what WorkOS answered to one operation, as the agent may see it.
type operationAnswer struct {
	Result                 json.RawMessage `json:"result" jsonschema:"WorkOS's answer, secrets redacted"`
	RequestID              string          `json:"request_id,omitempty" jsonschema:"WorkOS's request ID, for support"`
	RedactedFields         int             `json:"redacted_fields,omitempty" jsonschema:"how many secret values were redacted"`
	HiddenOutsideYourAreas int             `json:"hidden_outside_your_areas,omitempty" jsonschema:"how many events were left out because they are about areas your role does not cover"`
	Note                   string          `json:"note,omitempty" jsonschema:"what to know about this answer"`
	Record                 string          `json:"record,omitempty" jsonschema:"what became of the action's audit record when it was not written at once"`
	UnknownFields          []string        `json:"unknown_fields,omitempty" jsonschema:"requested fields that no item of the answer has"`
}

func (s *Server) query(ctx context.Context, c *caller, _ *mcp.CallToolRequest, in queryIn) (*mcp.CallToolResult, *queryOut, error) {
	if err := c.gate(); err != nil {
		return nil, nil, err
	}
	op, err := c.lookup(in.Operation)
	if err != nil {
		return nil, nil, err
	}
	if op.Class != classRead {
		return nil, nil, fmt.Errorf("%w: %s is a %s operation; run it with mutate", ErrWrongClass, op.Name, op.Class)
	}
	if err := checkFields(in.Fields); err != nil {
		return nil, nil, err
	}
	oc, err := s.prepare(ctx, c, "query", in.Environment, op, in.Params)
	if err != nil {
		return nil, nil, err
	}
	res, err := s.perform(ctx, oc)
	if err != nil {
		return nil, nil, err
	}
	a := answerOf(res)
	if len(in.Fields) > 0 {
		if a.Result, a.UnknownFields, err = selectFields(a.Result, in.Fields); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", op.Name, err)
		}
	}
	return nil, &queryOut{Operation: op.Name, Environment: oc.env.Name, Status: res.Status, operationAnswer: a}, nil
}

// answerOf is the part of a redacted WorkOS answer that the agent sees.
func answerOf(res *opResult) operationAnswer {
	a := operationAnswer{Result: res.Data, RequestID: res.RequestID, RedactedFields: res.Redactions,
		HiddenOutsideYourAreas: res.Hidden, Record: res.Record}
	if res.Hidden > 0 {
		a.Note = "Some events were left out: they are about areas your role does not cover (whoami lists your areas)."
	}
	return a
}

type mutateIn struct {
	Operation         string         `json:"operation" jsonschema:"the write operation to run, e.g. organizations.create (list_operations finds names)"`
	Params            map[string]any `json:"params,omitempty" jsonschema:"the operation's parameters (path, query and body fields by name)"`
	Environment       string         `json:"environment,omitempty" jsonschema:"environment name; default: the team's sandbox (whoami lists them)"`
	ConfirmationToken string         `json:"confirmation_token,omitempty" jsonschema:"for irreversible operations: the token from the confirmation_required answer, after the person agreed"`
}

// mutateOut is a write operation's answer: WorkOS's (it ran), a confirmation or approval to ask
// the person for (it waits), or the person's refusal (it will not run).
type mutateOut struct {
	Operation   string `json:"operation" jsonschema:"the operation"`
	Environment string `json:"environment" jsonschema:"the environment"`
	// Status is WorkOS's HTTP status (a number) when the operation ran, else a word.
	Status any `json:"status"`
	*operationAnswer
	*confirmationOut
	Message string `json:"message,omitempty" jsonschema:"why nothing was done (cancelled or denied)"`
}

// Mutate statuses other than WorkOS's HTTP status.
const (
	statusConfirmationRequired = "confirmation_required"
	statusApprovalRequired     = "approval_required"
	statusCancelled            = "cancelled"
	statusDenied               = "denied"
)

// confirmationOut is what an irreversible operation waits for before it runs.
type confirmationOut struct {
	Target            string         `json:"target" jsonschema:"the name of what the operation acts on"`
	WouldDestroy      map[string]any `json:"would_destroy" jsonschema:"what would be destroyed: counts and names of what hangs off the target"`
	ApprovalURL       string         `json:"approval_url,omitempty" jsonschema:"where the person approves or denies it, signed in as themselves"`
	ConfirmationToken string         `json:"confirmation_token" jsonschema:"the token (or approval handle) to send with the repeated call"`
	ExpiresAt         string         `json:"expires_at" jsonschema:"RFC 3339 time after which the token is refused"`
	ExpiresInMinutes  int            `json:"expires_in_minutes,omitempty" jsonschema:"the same, in minutes from now"`
	Next              string         `json:"next" jsonschema:"what to do next"`
}

// confirmationPending: the operation waits for the person, whether for a token the agent returns
// (agent mode) or for their approval on the console (human mode); either way nothing ran.
func (m *mutateOut) confirmationPending() bool {
	return m.Status == statusConfirmationRequired || m.Status == statusApprovalRequired
}

// shapeMutate says what struct tags cannot: status is a number or one of a few words, and only
// the fields every answer has are required.
func shapeMutate(_, out *jsonschema.Schema) {
	out.Properties["status"] = &jsonschema.Schema{
		Types:       []string{"integer", "string"},
		Description: "WorkOS's HTTP status when the operation ran; else " + statusConfirmationRequired + ", " + statusApprovalRequired + ", " + statusCancelled + " or " + statusDenied,
	}
	out.Required = []string{"operation", "environment", "status"}
}

// ranOut is the answer of a write that ran.
func ranOut(oc *opCall, res *opResult) *mutateOut {
	a := answerOf(res)
	return &mutateOut{Operation: oc.op.Name, Environment: oc.env.Name, Status: res.Status, operationAnswer: &a}
}

func (s *Server) mutate(ctx context.Context, c *caller, req *mcp.CallToolRequest, in mutateIn) (*mcp.CallToolResult, *mutateOut, error) {
	if err := c.gate(); err != nil {
		return nil, nil, err
	}
	op, err := c.lookup(in.Operation)
	if err != nil {
		return nil, nil, err
	}
	if op.Class == classRead {
		return nil, nil, fmt.Errorf("%w: %s only reads; run it with query", ErrWrongClass, op.Name)
	}
	oc, err := s.prepare(ctx, c, "mutate", in.Environment, op, in.Params)
	if err != nil {
		return nil, nil, err
	}
	// An irreversible operation, or an update that would remove what exists, is confirmed first.
	destructive, err := s.mustConfirm(ctx, oc)
	if err != nil {
		return nil, nil, err
	}
	if !destructive {
		if in.ConfirmationToken != "" {
			return nil, nil, fmt.Errorf("%w: %s is not irreversible and takes no confirmation_token; call again without it", ErrInvalidInput, op.Name)
		}
		return s.performAnswer(ctx, oc)
	}
	return s.confirmThenRun(ctx, oc, req, in.ConfirmationToken)
}
