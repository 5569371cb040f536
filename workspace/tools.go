package workspace

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/workos-mcp/workos-mcp/mcpfast"
)

// toolDef is one tool: its definition and annotations as values, so that one test can check
// every tool's hints and snapshot its schemas.
type toolDef struct {
	name, title, description string
	// Annotations, all set explicitly on every tool; a nil readOnly fails the inventory test.
	readOnly, destructive, idempotent, openWorld *bool
	// add registers the tool's typed handler (typed), on the SDK and on the fast path alike.
	add func(srv *mcpfast.Server, t *mcp.Tool)
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

// toolBody is a tool's own work, after identity: it answers with its output struct, or with a
// result of its own (form elicitation's input requests), or with an error the agent reads.
type toolBody[In, Out any] func(ctx context.Context, c *caller, req *mcp.CallToolRequest, in In) (*mcp.CallToolResult, *Out, error)

// typed registers a tool whose input and output schemas are inferred from In and Out, so that
// an outputSchema is published and every answer checked against it. shape, if set, adds what
// struct tags cannot say (enums of closed sets, a field of two types). No tool uses the SDK's
// session (elicitation is answered as input requests or a URL error), so every call of every
// tool can take the fast path (mcpfast).
func typed[In, Out any](s *Server, body toolBody[In, Out], shape func(in, out *jsonschema.Schema)) func(*mcpfast.Server, *mcp.Tool) {
	return func(srv *mcpfast.Server, t *mcp.Tool) {
		in, out := schemaFor[In](), schemaFor[Out]()
		nullableMaps(out)
		if shape != nil {
			shape(in, out)
		}
		t.InputSchema, t.OutputSchema = in, out
		mcpfast.AddTool(srv, t, handler(s, t.Name, body))
	}
}

// schemaFor infers T's schema as the SDK would, except that a json.RawMessage (a redacted WorkOS
// object carried as is) is any JSON value rather than an array of bytes.
func schemaFor[T any]() *jsonschema.Schema {
	s, err := jsonschema.For[T](&jsonschema.ForOptions{TypeSchemas: map[reflect.Type]*jsonschema.Schema{
		reflect.TypeFor[json.RawMessage](): {Description: "a WorkOS object as WorkOS answered it, secrets redacted"},
	}})
	if err != nil {
		// A type that has no schema is a programming error that every test run meets first.
		panic(fmt.Sprintf("workspace: schema of %T: %v", *new(T), err))
	}
	return s
}

// nullableMaps lets every map in an output schema be null, as the inference already lets
// slices: a nil map marshals as null, and an answer must never fail its own schema.
func nullableMaps(s *jsonschema.Schema) {
	if s == nil {
		return
	}
	if s.Type == "object" && s.Properties == nil && s.AdditionalProperties != nil && s.AdditionalProperties.Not == nil { // a map; a struct allows no additional properties
		s.Type, s.Types = "", []string{"null", "object"}
	}
	for _, p := range s.Properties {
		nullableMaps(p)
	}
	nullableMaps(s.Items)
	nullableMaps(s.AdditionalProperties)
}

// oneShapeOf says that an answer whose type embeds several shapes (pointers, one of them set)
// has the properties of all of them but the required ones of one.
func oneShapeOf(s *jsonschema.Schema, shapes ...*jsonschema.Schema) {
	s.Required = nil
	for _, sh := range shapes {
		s.AnyOf = append(s.AnyOf, &jsonschema.Schema{Required: sh.Required})
	}
}

// enum makes a string property (or the items of a string array) a closed set; s may be an
// object's schema or an array of objects'.
func enum(s *jsonschema.Schema, prop string, values ...string) {
	if s.Items != nil {
		s = s.Items
	}
	p := s.Properties[prop]
	if p.Items != nil {
		p = p.Items
	}
	for _, v := range values {
		p.Enum = append(p.Enum, v)
	}
}

// pending is implemented by answers that leave the call waiting on the person (a confirmation or
// an approval), so that the call's outcome says so.
type pending interface{ confirmationPending() bool }

// handler adapts a tool body to go-sdk: identity first, then the body; the body's error becomes
// a tool error (isError) that the agent can read and act on, its text passed through the
// redactor: an error may quote an upstream message or URL from any step (task tools, lookups).
func handler[In, Out any](s *Server, name string, body toolBody[In, Out]) mcp.ToolHandlerFor[In, *Out] {
	return func(ctx context.Context, req *mcp.CallToolRequest, in In) (*mcp.CallToolResult, *Out, error) {
		start := time.Now()
		outcome := OutcomeOK
		defer func() {
			if s.cfg.Hooks.ToolDuration != nil {
				s.cfg.Hooks.ToolDuration(name, outcome, time.Since(start))
			}
		}()
		c, err := s.identify(ctx, req)
		if err != nil {
			outcome = OutcomeError
			s.log.ErrorContext(ctx, "workspace tool call without a person", "tool", name, "error", s.redactor.Text(err.Error()))
			return nil, nil, s.toolError(err)
		}
		res, out, err := body(ctx, c, req, in)
		var wire *jsonrpc.Error
		if errors.As(err, &wire) {
			// A protocol answer (URL elicitation required): the client acts on it, then
			// repeats the call.
			outcome = OutcomeConfirmationRequired
			return nil, nil, wire
		}
		// A task tool's reads were logged one by one; the call is one record.
		tasked := s.taskRecord(context.WithoutCancel(ctx), c, name, err)
		if err != nil {
			outcome = OutcomeError
			switch {
			case isDenial(err):
				outcome = OutcomeDenied
			case errors.Is(err, ErrLimited):
				outcome = OutcomeLimited
			}
			if !tasked && !c.recorded.Load() {
				s.recordToolError(context.WithoutCancel(ctx), c, name, err)
			}
			return nil, nil, s.toolError(err)
		}
		if p, ok := any(out).(pending); ok && out != nil && p.confirmationPending() {
			outcome = OutcomeConfirmationRequired
		}
		if res != nil && res.InputRequests != nil {
			outcome = OutcomeConfirmationRequired
		}
		return res, out, nil
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

// toolError is the error the SDK turns into the tool error the agent reads (isError, the text
// as the only content): the redacted text only, never the error chain.
func (s *Server) toolError(err error) error {
	return errors.New(s.redactor.Text(err.Error()))
}

// tools is the server's inventory, in the order clients list them.
func (s *Server) tools() []toolDef {
	return []toolDef{
		{
			name: "whoami", title: "Who am I",
			description: "Show the signed-in person, their team, the role and permissions in effect, each environment " +
				"with what they may do in it (none, read or write), and the team's admin settings. Call this first.",
			readOnly: ptr(true), destructive: ptr(false), idempotent: ptr(true), openWorld: ptr(false),
			add: typed(s, s.whoami, nil),
		},
		{
			name: "list_operations", title: "List WorkOS operations",
			description: "Search the WorkOS API operations you may run, by words (e.g. \"organization domains\") and " +
				"class (read, write, destructive). Name one operation to get its full parameter schema. Run read " +
				"operations with query and the others with mutate.",
			readOnly: ptr(true), destructive: ptr(false), idempotent: ptr(true), openWorld: ptr(false),
			add: typed(s, s.listOperations, shapeListOperations),
		},
		{
			name: "query", title: "Run a read operation",
			description: "Run one read operation of the WorkOS API (e.g. organizations.list, users.get) in an " +
				"environment (sandbox unless you name another). Parameters are validated against the operation's " +
				"schema before anything is sent; secrets in answers are redacted.",
			readOnly: ptr(true), destructive: ptr(false), idempotent: ptr(true), openWorld: ptr(true),
			add: typed(s, s.query, nil),
		},
		{
			name: "mutate", title: "Run a write operation",
			description: "Run one write operation of the WorkOS API (create, update, delete, send, ...) in an " +
				"environment (sandbox unless you name another). Irreversible operations first answer " +
				"status=confirmation_required with what would be destroyed and a confirmation_token: show it to the " +
				"person and, only if they agree, repeat the same call with the token.",
			readOnly: ptr(false), destructive: ptr(true), idempotent: ptr(false), openWorld: ptr(true),
			add: typed(s, s.mutate, shapeMutate),
		},
		{
			name: "describe_organization", title: "Describe an organization",
			description: "One answer about an organization, found by organization_id, external_id or domain: its " +
				"domains and their verification state, SSO connections and their state, directories, member count " +
				"and pending invitations. A domain held by several organizations is answered with their list: then " +
				"ask again by organization_id.",
			readOnly: ptr(true), destructive: ptr(false), idempotent: ptr(true), openWorld: ptr(true),
			add: typed(s, s.describeOrganization, nil),
		},
		{
			name: "onboard_customer", title: "Onboard a customer",
			description: "Create an organization with its domains, return an Admin Portal link for setting up SSO or " +
				"Directory Sync, and invite its first admin by email. Every input, the domains' current holders and the " +
				"whole plan are checked before anything changes; running it again with the same name and domains " +
				"reuses what exists (reused=true) instead of creating a second organization. Needs write access.",
			readOnly: ptr(false), destructive: ptr(false), idempotent: ptr(false), openWorld: ptr(true),
			add: typed(s, s.onboardCustomer, shapeOnboardCustomer),
		},
		{
			name: "debug_sign_in", title: "Debug a sign-in problem",
			description: "For a user (by email or user_id): the user, their memberships, recent sessions, recent " +
				"authentication events, the state of the SSO connection that serves their email domain, and what " +
				"looks wrong.",
			readOnly: ptr(true), destructive: ptr(false), idempotent: ptr(true), openWorld: ptr(true),
			add: typed(s, s.debugSignIn, shapeFindings),
		},
		{
			name: "audit_configuration", title: "Audit the configuration",
			description: "Findings across an environment: unverified domains, inactive connections, directories in " +
				"error, expired or stale invitations, webhook endpoints that are disabled, organizations without " +
				"SSO, ... each with a severity and what to do.",
			readOnly: ptr(true), destructive: ptr(false), idempotent: ptr(true), openWorld: ptr(true),
			add: typed(s, s.auditConfiguration, shapeFindings),
		},
		{
			name: "audit_logs", title: "Read audit logs",
			description: "Read an organization's audit-log events over a date range, through an export that WorkOS " +
				"prepares (this changes nothing in the workspace). Filters: actions, actor names, targets.",
			readOnly: ptr(true), destructive: ptr(false), idempotent: ptr(true), openWorld: ptr(true),
			add: typed(s, s.auditLogs, nil),
		},
	}
}
