package workspace

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/workos-mcp/workos-mcp/authkit"
	"github.com/workos-mcp/workos-mcp/workos"
	"github.com/workos-mcp/workos-mcp/workspace/catalog"
)

type whoamiIn struct{}

func (s *Server) whoami(ctx context.Context, c *caller, _ *mcp.CallToolRequest, _ whoamiIn) (*mcp.CallToolResult, error) {
	sess := c.session
	// AuthKit access tokens carry no email: the profile is read from WorkOS. An email that
	// cannot be found is said so, never shown as an empty string.
	user := map[string]any{"id": sess.UserID}
	email := claim(sess.Claims, "email")
	if u := s.person(ctx, c); u != nil {
		email = firstNonEmpty(email, u.Email)
		if name := strings.TrimSpace(u.FirstName + " " + u.LastName); name != "" {
			user["name"] = name
		}
	}
	if email != "" {
		user["email"] = email
	} else {
		user["profile"] = "unavailable: the person's profile could not be read from WorkOS (the user ID above is authoritative)"
	}
	out := map[string]any{"user": user}
	if c.team == nil {
		out["team"] = map[string]any{"organization_id": sess.OrganizationID, "configured": false}
		out["note"] = "No team is configured for your organization on this server, so every other tool refuses. " +
			"Ask the server's operator to add organization " + sess.OrganizationID + " to the configuration."
		return jsonResult(out)
	}
	t := c.team
	out["team"] = map[string]any{"organization_id": t.OrganizationID, "name": t.Name, "configured": true}
	out["settings"] = map[string]any{
		"enabled": on(c.settings.Enabled), "allow_production": on(c.settings.AllowProduction), "allow_write": on(c.settings.AllowWrite),
		"source": c.settingsSource, "pinned": t.PinSettings,
	}
	conf := map[string]any{"mode": t.confirmation()}
	if t.confirmation() == ConfirmHuman {
		conf["how"] = "irreversible operations run only after you approve them on the console (" + strings.TrimRight(s.cfg.ConsoleURL, "/") + "/approvals), signed in as yourself; the agent cannot approve them"
	} else {
		conf["how"] = "irreversible operations run when the agent returns the confirmation token of the first answer (an operator chose this for scripted use)"
	}
	out["confirmation"] = conf
	role := map[string]any{"slug": c.roleSlug, "source": c.roleSource, "known": c.roleKnown}
	if c.roleKnown {
		role["description"] = c.role.Description
		if len(c.role.Areas) > 0 {
			areas := map[string]string{}
			for _, a := range c.role.Areas {
				areas[a] = catalog.Area(a).Describe()
			}
			role["areas"] = areas
		}
	}
	if c.roleErr != nil {
		role["error"] = c.roleErr.Error()
	}
	out["role"] = role
	out["permissions"] = nonNil(sess.Permissions)
	var envs []map[string]any
	def, _ := c.environment("")
	for i := range t.Environments {
		e := &t.Environments[i]
		a, why := c.access(e)
		if a == AccessWrite && s.knownSignIn(t, e) {
			a, why = AccessRead, "the team's own sign-in environment: read-only through this server"
		}
		envs = append(envs, map[string]any{"name": e.Name, "kind": e.Kind, "access": a, "why": why, "default": def == e})
	}
	out["environments"] = envs
	switch {
	case !on(c.settings.Enabled):
		out["note"] = "MCP access is disabled for this team by a team admin: every tool but whoami refuses."
	case !c.roleKnown:
		out["note"] = "Your role is not mapped to any permissions: only whoami is available."
	}
	return jsonResult(out)
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

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

type listOperationsIn struct {
	Words     string `json:"words,omitempty" jsonschema:"words to look for in operation names, paths and descriptions, e.g. organization domains"`
	Class     string `json:"class,omitempty" jsonschema:"only operations of this class: read, write or destructive"`
	Operation string `json:"operation,omitempty" jsonschema:"an operation name, e.g. organizations.create: answer with its full parameter schema"`
}

const listLimit = 60

func (s *Server) listOperations(ctx context.Context, c *caller, _ *mcp.CallToolRequest, in listOperationsIn) (*mcp.CallToolResult, error) {
	if err := c.gate(); err != nil {
		return nil, err
	}
	if in.Operation != "" {
		op, err := c.lookup(in.Operation)
		if err != nil {
			return nil, err
		}
		if !c.mayRun(op) {
			return nil, fmt.Errorf("%w: you may not run %s in any of the team's environments (whoami shows your access)", ErrRole, op.Name)
		}
		out := map[string]any{
			"name": op.Name, "class": op.Class, "area": op.Area, "method": op.Method, "path": op.Path,
			"description": op.Description, "sends_email": op.SendsEmail, "idempotent": op.Idempotent,
			"params": json.RawMessage(op.Params), "required": nonNil(op.Required),
			"environments": c.runnableIn(op), "tool": toolFor(op),
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
			out["refused_fields"] = map[string]any{"fields": refused, "why": catalog.CredentialReason}
		}
		if len(replaces) > 0 {
			out["replacing_fields"] = map[string]any{"fields": replaces,
				"why": "these replace what exists: a call that would remove anything (or whose current value cannot be read) needs the person's confirmation first"}
		}
		return jsonResult(out)
	}
	var classes []catalog.Class
	if in.Class != "" {
		cl := catalog.Class(strings.ToLower(in.Class))
		if cl != classRead && cl != classWrite && cl != classDestructive {
			return nil, fmt.Errorf("%w: class %q: use read, write or destructive", ErrInvalidInput, in.Class)
		}
		classes = append(classes, cl)
	}
	var rows []map[string]any
	for _, op := range catalog.Search(in.Words, classes...) {
		if excluded(op.Name) || !c.mayRun(op) {
			continue
		}
		rows = append(rows, map[string]any{
			"name": op.Name, "class": op.Class, "area": op.Area, "description": op.Description,
			"sends_email": op.SendsEmail, "environments": c.runnableIn(op), "tool": toolFor(op),
		})
	}
	out := map[string]any{"count": len(rows)}
	if len(rows) > listLimit {
		rows = rows[:listLimit]
		out["truncated"] = true
		out["hint"] = "more matched: add words or a class to narrow the search"
	}
	if rows == nil {
		rows = []map[string]any{}
		out["hint"] = "nothing you may run matched; try fewer words"
	}
	out["operations"] = rows
	return jsonResult(out)
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
}

func (s *Server) query(ctx context.Context, c *caller, _ *mcp.CallToolRequest, in queryIn) (*mcp.CallToolResult, error) {
	if err := c.gate(); err != nil {
		return nil, err
	}
	op, err := c.lookup(in.Operation)
	if err != nil {
		return nil, err
	}
	if op.Class != classRead {
		return nil, fmt.Errorf("%w: %s is a %s operation; run it with mutate", ErrWrongClass, op.Name, op.Class)
	}
	oc, err := s.prepare(ctx, c, "query", in.Environment, op, in.Params)
	if err != nil {
		return nil, err
	}
	res, err := s.perform(ctx, oc)
	if err != nil {
		return nil, err
	}
	return operationResult(oc, res)
}

// operationResult wraps a redacted WorkOS answer.
func operationResult(oc *opCall, res *opResult) (*mcp.CallToolResult, error) {
	out := map[string]any{
		"operation": oc.op.Name, "environment": oc.env.Name, "status": res.Status,
		"result": res.Data,
	}
	if res.RequestID != "" {
		out["request_id"] = res.RequestID
	}
	if res.Redactions > 0 {
		out["redacted_fields"] = res.Redactions
	}
	if res.Hidden > 0 {
		out["hidden_outside_your_areas"] = res.Hidden
		out["note"] = "Some events were left out: they are about areas your role does not cover (whoami lists your areas)."
	}
	if res.Record != "" {
		out["record"] = res.Record
	}
	return jsonResult(out)
}

type mutateIn struct {
	Operation         string         `json:"operation" jsonschema:"the write operation to run, e.g. organizations.create (list_operations finds names)"`
	Params            map[string]any `json:"params,omitempty" jsonschema:"the operation's parameters (path, query and body fields by name)"`
	Environment       string         `json:"environment,omitempty" jsonschema:"environment name; default: the team's sandbox (whoami lists them)"`
	ConfirmationToken string         `json:"confirmation_token,omitempty" jsonschema:"for irreversible operations: the token from the confirmation_required answer, after the person agreed"`
}

func (s *Server) mutate(ctx context.Context, c *caller, req *mcp.CallToolRequest, in mutateIn) (*mcp.CallToolResult, error) {
	if err := c.gate(); err != nil {
		return nil, err
	}
	op, err := c.lookup(in.Operation)
	if err != nil {
		return nil, err
	}
	if op.Class == classRead {
		return nil, fmt.Errorf("%w: %s only reads; run it with query", ErrWrongClass, op.Name)
	}
	oc, err := s.prepare(ctx, c, "mutate", in.Environment, op, in.Params)
	if err != nil {
		return nil, err
	}
	// An irreversible operation, or an update that would remove what exists, is confirmed first.
	destructive, err := s.mustConfirm(ctx, oc)
	if err != nil {
		return nil, err
	}
	if !destructive {
		if in.ConfirmationToken != "" {
			return nil, fmt.Errorf("%w: %s is not irreversible and takes no confirmation_token; call again without it", ErrInvalidInput, op.Name)
		}
		res, err := s.perform(ctx, oc)
		if err != nil {
			return nil, err
		}
		return operationResult(oc, res)
	}
	return s.confirmThenRun(ctx, oc, req, in.ConfirmationToken)
}
