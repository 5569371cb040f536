package workspace

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
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
	user := map[string]any{"id": sess.UserID, "email": claim(sess.Claims, "email")}
	if user["email"] == "" {
		if u := s.person(ctx, c); u != nil {
			user["email"] = u.Email
			if name := strings.TrimSpace(u.FirstName + " " + u.LastName); name != "" {
				user["name"] = name
			}
		}
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
		"enabled": on(t.Settings.Enabled), "allow_production": on(t.Settings.AllowProduction), "allow_write": on(t.Settings.AllowWrite),
	}
	role := map[string]any{"slug": c.roleSlug, "source": c.roleSource, "known": c.roleKnown}
	if c.roleKnown {
		role["description"] = c.role.Description
		if len(c.role.Areas) > 0 {
			role["areas"] = c.role.Areas
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
		envs = append(envs, map[string]any{"name": e.Name, "kind": e.Kind, "access": a, "why": why, "default": def == e})
	}
	out["environments"] = envs
	switch {
	case !on(t.Settings.Enabled):
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
	if al := c.team; al != nil && al.AuditLog != nil && al.AuditLog.APIKey != "" {
		if u, err := s.client(al.AuditLog.BaseURL, al.AuditLog.APIKey).GetUser(ctx, c.session.UserID); err == nil {
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
		op, err := lookup(in.Operation)
		if err != nil {
			return nil, err
		}
		if !c.mayRun(op) {
			return nil, fmt.Errorf("%w: you may not run %s in any of the team's environments (whoami shows your access)", ErrRole, op.Name)
		}
		return jsonResult(map[string]any{
			"name": op.Name, "class": op.Class, "method": op.Method, "path": op.Path,
			"description": op.Description, "sends_email": op.SendsEmail, "idempotent": op.Idempotent,
			"params": json.RawMessage(op.Params), "required": nonNil(op.Required),
			"environments": c.runnableIn(op), "tool": toolFor(op),
		})
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
			"name": op.Name, "class": op.Class, "description": op.Description,
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
	op, err := lookup(in.Operation)
	if err != nil {
		return nil, err
	}
	if op.Class != classRead {
		return nil, fmt.Errorf("%w: %s is a %s operation; run it with mutate", ErrWrongClass, op.Name, op.Class)
	}
	oc, err := s.prepare(c, "query", in.Environment, op, in.Params)
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
	op, err := lookup(in.Operation)
	if err != nil {
		return nil, err
	}
	if op.Class == classRead {
		return nil, fmt.Errorf("%w: %s only reads; run it with query", ErrWrongClass, op.Name)
	}
	oc, err := s.prepare(c, "mutate", in.Environment, op, in.Params)
	if err != nil {
		return nil, err
	}
	if op.Class != classDestructive {
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

// confirmThenRun is the class/confirmation step for irreversible operations.
func (s *Server) confirmThenRun(ctx context.Context, oc *opCall, req *mcp.CallToolRequest, token string) (*mcp.CallToolResult, error) {
	// A retry after form elicitation carries the token as request state and the typed name.
	if req != nil && req.Params != nil && req.Params.RequestState != "" && token == "" {
		return s.confirmByElicitation(ctx, oc, req)
	}
	if token != "" {
		if _, err := s.redeem(ctx, oc, token); err != nil {
			s.refused(oc, err)
			return nil, err
		}
		res, err := s.perform(ctx, oc)
		if err != nil {
			return nil, err
		}
		return operationResult(oc, res)
	}
	t, tok, exp, err := s.issue(ctx, oc)
	if err != nil {
		return nil, err
	}
	s.recordOutcome(oc, "confirmation_required")
	if elicitForm(req) {
		return &mcp.CallToolResult{
			InputRequests: mcp.InputRequestMap{"confirm": &mcp.ElicitParams{
				Mode: "form",
				Message: fmt.Sprintf("%s in %s cannot be undone. It would destroy: %s. Type %q to confirm.",
					oc.op.Name, oc.env.Name, summaryLine(t.WouldDelete), t.Name),
				RequestedSchema: map[string]any{
					"type": "object",
					"properties": map[string]any{
						"name": map[string]any{"type": "string", "title": "Type the name to confirm", "description": "Exactly: " + t.Name},
					},
					"required": []string{"name"},
				},
			}},
			RequestState: tok,
		}, nil
	}
	return jsonResult(map[string]any{
		"status":             "confirmation_required",
		"operation":          oc.op.Name,
		"environment":        oc.env.Name,
		"target":             t.Name,
		"would_destroy":      t.WouldDelete,
		"confirmation_token": tok,
		"expires_at":         exp.UTC().Format(time.RFC3339),
		"expires_in_minutes": int(s.ttl.Round(time.Minute) / time.Minute),
		"next":               "Show the person what would be destroyed. Only if they agree, call mutate again with the same operation, params and environment, plus this confirmation_token.",
	})
}

func summaryLine(m map[string]any) string {
	var parts []string
	for _, k := range sortedKeys(m) {
		switch v := m[k].(type) {
		case map[string]any:
			if n, ok := v["count"]; ok {
				parts = append(parts, fmt.Sprintf("%v %s", n, k))
				continue
			}
			parts = append(parts, fmt.Sprintf("%s %v", k, displayName(v)))
		default:
			parts = append(parts, k)
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// elicitForm reports whether the client declared form elicitation on this request.
func elicitForm(req *mcp.CallToolRequest) bool {
	if req == nil {
		return false
	}
	caps := req.ClientCapabilities()
	if caps == nil || caps.Elicitation == nil {
		return false
	}
	// An empty elicitation capability means form (the only mode before URL mode existed).
	return caps.Elicitation.Form != nil || caps.Elicitation.URL == nil
}

// issue reads the target and seals a token bound to this exact call.
func (s *Server) issue(ctx context.Context, oc *opCall) (*target, string, time.Time, error) {
	t, err := s.describeTarget(ctx, oc)
	if err != nil {
		return nil, "", time.Time{}, err
	}
	exp := s.now().Add(s.ttl)
	tok, err := s.sealer.seal(ConfirmationToken{
		ID: newTokenID(), Subject: oc.c.session.UserID, Team: oc.c.team.OrganizationID,
		Environment: oc.env.Name, Operation: oc.op.Name, ParamsHash: hashJSON(oc.params),
		Target: t.Fingerprint, TargetName: t.Name, ExpiresAt: exp.Unix(),
	})
	if err != nil {
		return nil, "", time.Time{}, err
	}
	return t, tok, exp, nil
}

// redeem checks a token against this call, marks it used (atomically), then checks that the
// target did not change since the token was issued.
func (s *Server) redeem(ctx context.Context, oc *opCall, token string) (ConfirmationToken, error) {
	t, err := s.sealer.open(token)
	if err != nil {
		return t, fmt.Errorf("%w; nothing was done. Call mutate without a token to get a new one", err)
	}
	if s.now().Unix() >= t.ExpiresAt {
		return t, fmt.Errorf("%w; nothing was done. Call mutate without a token to get a new one", ErrTokenExpired)
	}
	var why []string
	if t.Subject != oc.c.session.UserID || t.Team != oc.c.team.OrganizationID {
		why = append(why, "it was issued to another person")
	}
	if t.Environment != oc.env.Name {
		why = append(why, fmt.Sprintf("it was issued for environment %q", t.Environment))
	}
	if t.Operation != oc.op.Name {
		why = append(why, fmt.Sprintf("it was issued for operation %q", t.Operation))
	}
	if t.ParamsHash != hashJSON(oc.params) {
		why = append(why, "the parameters differ from the confirmed call")
	}
	if len(why) > 0 {
		return t, fmt.Errorf("%w (%s); nothing was done", ErrTokenMismatch, strings.Join(why, "; "))
	}
	// Mark before re-reading the target: of two concurrent confirmations exactly one gets past
	// here. A token whose target then turns out changed is spent; the person confirms again.
	first, err := s.used.MarkUsed(ctx, t.ID, time.Unix(t.ExpiresAt, 0))
	if err != nil {
		return t, fmt.Errorf("confirmation store unavailable (%v); nothing was done, retry", err)
	}
	if !first {
		return t, fmt.Errorf("%w; nothing was done", ErrTokenUsed)
	}
	cur, err := s.describeTarget(ctx, oc)
	if err != nil {
		return t, fmt.Errorf("%w; nothing was done", err)
	}
	if cur.Fingerprint != t.Target {
		return t, fmt.Errorf("%w; nothing was done. Review it and call mutate without a token to confirm again", ErrTargetChanged)
	}
	return t, nil
}

func (s *Server) confirmByElicitation(ctx context.Context, oc *opCall, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	resp, _ := req.Params.InputResponses["confirm"].(*mcp.ElicitResult)
	if resp == nil || resp.Action != "accept" {
		s.recordOutcome(oc, "declined")
		return jsonResult(map[string]any{"status": "cancelled", "operation": oc.op.Name, "environment": oc.env.Name,
			"message": "The person did not confirm; nothing was done."})
	}
	t, err := s.sealer.open(req.Params.RequestState)
	if err != nil {
		s.refused(oc, err)
		return nil, fmt.Errorf("%w; nothing was done", err)
	}
	typed, _ := resp.Content["name"].(string)
	if strings.TrimSpace(typed) != t.TargetName {
		err := fmt.Errorf("the typed name %q does not match %q; nothing was done", typed, t.TargetName)
		s.refused(oc, err)
		return nil, err
	}
	if _, err := s.redeem(ctx, oc, req.Params.RequestState); err != nil {
		s.refused(oc, err)
		return nil, err
	}
	res, err := s.perform(ctx, oc)
	if err != nil {
		return nil, err
	}
	return operationResult(oc, res)
}

func (s *Server) refused(oc *opCall, err error) {
	s.record(context.Background(), oc, "refused", nil, err)
}

func (s *Server) recordOutcome(oc *opCall, outcome string) {
	s.record(context.Background(), oc, outcome, nil, nil)
}
