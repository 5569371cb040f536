package workspace

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// toolDef is one tool: its definition and annotations as values, so that one test can check
// every tool's hints and snapshot its schema.
type toolDef struct {
	name, title, description string
	// Annotations, all set explicitly on every tool; a nil readOnly fails the inventory test.
	readOnly, destructive, idempotent, openWorld *bool
	// add registers the tool's typed handler.
	add func(srv *mcp.Server, t *mcp.Tool)
}

func ptr[T any](v T) *T { return &v }

func (t toolDef) definition() *mcp.Tool {
	ann := &mcp.ToolAnnotations{Title: t.title, DestructiveHint: t.destructive, OpenWorldHint: t.openWorld}
	if t.readOnly != nil {
		ann.ReadOnlyHint = *t.readOnly
	}
	if t.idempotent != nil {
		ann.IdempotentHint = *t.idempotent
	}
	return &mcp.Tool{Name: t.name, Title: t.title, Description: t.description, Annotations: ann}
}

// handler adapts a tool body to go-sdk: identity first, then the body; the body's error becomes
// a tool error (isError) that the agent can read and act on.
func handler[In any](s *Server, name string, body func(ctx context.Context, c *caller, req *mcp.CallToolRequest, in In) (*mcp.CallToolResult, error)) mcp.ToolHandlerFor[In, any] {
	return func(ctx context.Context, req *mcp.CallToolRequest, in In) (*mcp.CallToolResult, any, error) {
		start := time.Now()
		outcome := "ok"
		defer func() {
			if s.cfg.Hooks.ToolCall != nil {
				s.cfg.Hooks.ToolCall(name, outcome, time.Since(start))
			}
		}()
		c, err := s.identify(ctx, req)
		if err != nil {
			outcome = "error"
			s.log.ErrorContext(ctx, "workspace tool call without a person", "tool", name, "error", s.redactor.Text(err.Error()))
			return s.errorResult(err), nil, nil
		}
		res, err := body(ctx, c, req, in)
		var wire *jsonrpc.Error
		if errors.As(err, &wire) {
			// A protocol answer (URL elicitation required): the client acts on it, then
			// repeats the call.
			outcome = "confirmation_required"
			return nil, nil, wire
		}
		// A task tool's reads were logged one by one; the call is one record.
		tasked := s.taskRecord(context.WithoutCancel(ctx), c, name, err)
		if err != nil {
			outcome = "error"
			switch {
			case isDenial(err):
				outcome = "denied"
			case errors.Is(err, ErrLimited):
				outcome = "limited"
			}
			if !tasked && !c.recorded.Load() {
				s.recordToolError(context.WithoutCancel(ctx), c, name, err)
			}
			return s.errorResult(err), nil, nil
		}
		if st, ok := res.StructuredContent.(map[string]any); ok && st["status"] == "confirmation_required" {
			outcome = "confirmation_required"
		}
		if res.InputRequests != nil {
			outcome = "confirmation_required"
		}
		return res, nil, nil
	}
}

func isDenial(err error) bool {
	for _, e := range []error{ErrDisabled, ErrNoTeam, ErrEnvironment, ErrRole, ErrWriteOff, ErrProtection, ErrRefusedField} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// errorResult is the tool error the agent reads. Its text passes the redactor: an error may
// quote an upstream message or URL from any step (task tools, lookups), not only apiError's.
func (s *Server) errorResult(err error) *mcp.CallToolResult {
	return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: s.redactor.Text(err.Error())}}}
}

// jsonResult answers with the value as JSON text and as structured content.
func jsonResult(v any) (*mcp.CallToolResult, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var structured any
	_ = json.Unmarshal(b, &structured)
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: string(b)}}, StructuredContent: structured}, nil
}

// tools is the server's inventory, in the order clients list them.
func (s *Server) tools() []toolDef {
	return []toolDef{
		{
			name: "whoami", title: "Who am I",
			description: "Show the signed-in person, their team, the role and permissions in effect, each environment " +
				"with what they may do in it (none, read or write), and the team's admin settings. Call this first.",
			readOnly: ptr(true), destructive: ptr(false), idempotent: ptr(true), openWorld: ptr(false),
			add: func(srv *mcp.Server, t *mcp.Tool) { mcp.AddTool(srv, t, handler(s, t.Name, s.whoami)) },
		},
		{
			name: "list_operations", title: "List WorkOS operations",
			description: "Search the WorkOS API operations you may run, by words (e.g. \"organization domains\") and " +
				"class (read, write, destructive). Name one operation to get its full parameter schema. Run read " +
				"operations with query and the others with mutate.",
			readOnly: ptr(true), destructive: ptr(false), idempotent: ptr(true), openWorld: ptr(false),
			add: func(srv *mcp.Server, t *mcp.Tool) { mcp.AddTool(srv, t, handler(s, t.Name, s.listOperations)) },
		},
		{
			name: "query", title: "Run a read operation",
			description: "Run one read operation of the WorkOS API (e.g. organizations.list, users.get) in an " +
				"environment (sandbox unless you name another). Parameters are validated against the operation's " +
				"schema before anything is sent; secrets in answers are redacted.",
			readOnly: ptr(true), destructive: ptr(false), idempotent: ptr(true), openWorld: ptr(true),
			add: func(srv *mcp.Server, t *mcp.Tool) { mcp.AddTool(srv, t, handler(s, t.Name, s.query)) },
		},
		{
			name: "mutate", title: "Run a write operation",
			description: "Run one write operation of the WorkOS API (create, update, delete, send, ...) in an " +
				"environment (sandbox unless you name another). Irreversible operations first answer " +
				"status=confirmation_required with what would be destroyed and a confirmation_token: show it to the " +
				"person and, only if they agree, repeat the same call with the token.",
			readOnly: ptr(false), destructive: ptr(true), idempotent: ptr(false), openWorld: ptr(true),
			add: func(srv *mcp.Server, t *mcp.Tool) { mcp.AddTool(srv, t, handler(s, t.Name, s.mutate)) },
		},
		{
			name: "describe_organization", title: "Describe an organization",
			description: "One answer about an organization, found by organization_id, external_id or domain: its " +
				"domains and their verification state, SSO connections and their state, directories, member count " +
				"and pending invitations. A domain held by several organizations is answered with their list: then " +
				"ask again by organization_id.",
			readOnly: ptr(true), destructive: ptr(false), idempotent: ptr(true), openWorld: ptr(true),
			add: func(srv *mcp.Server, t *mcp.Tool) { mcp.AddTool(srv, t, handler(s, t.Name, s.describeOrganization)) },
		},
		{
			name: "onboard_customer", title: "Onboard a customer",
			description: "Create an organization with its domains, return an Admin Portal link for setting up SSO or " +
				"Directory Sync, and invite its first admin by email. Every input, the domains' current holders and the " +
				"whole plan are checked before anything changes; running it again with the same name and domains " +
				"reuses what exists (reused=true) instead of creating a second organization. Needs write access.",
			readOnly: ptr(false), destructive: ptr(false), idempotent: ptr(false), openWorld: ptr(true),
			add: func(srv *mcp.Server, t *mcp.Tool) { mcp.AddTool(srv, t, handler(s, t.Name, s.onboardCustomer)) },
		},
		{
			name: "debug_sign_in", title: "Debug a sign-in problem",
			description: "For a user (by email or user_id): the user, their memberships, recent sessions, recent " +
				"authentication events, the state of the SSO connection that serves their email domain, and what " +
				"looks wrong.",
			readOnly: ptr(true), destructive: ptr(false), idempotent: ptr(true), openWorld: ptr(true),
			add: func(srv *mcp.Server, t *mcp.Tool) { mcp.AddTool(srv, t, handler(s, t.Name, s.debugSignIn)) },
		},
		{
			name: "audit_configuration", title: "Audit the configuration",
			description: "Findings across an environment: unverified domains, inactive connections, directories in " +
				"error, expired or stale invitations, webhook endpoints that are disabled, organizations without " +
				"SSO, ... each with a severity and what to do.",
			readOnly: ptr(true), destructive: ptr(false), idempotent: ptr(true), openWorld: ptr(true),
			add: func(srv *mcp.Server, t *mcp.Tool) { mcp.AddTool(srv, t, handler(s, t.Name, s.auditConfiguration)) },
		},
		{
			name: "audit_logs", title: "Read audit logs",
			description: "Read an organization's audit-log events over a date range, through an export that WorkOS " +
				"prepares (this changes nothing in the workspace). Filters: actions, actor names, targets.",
			readOnly: ptr(true), destructive: ptr(false), idempotent: ptr(true), openWorld: ptr(true),
			add: func(srv *mcp.Server, t *mcp.Tool) { mcp.AddTool(srv, t, handler(s, t.Name, s.auditLogs)) },
		},
	}
}
