package workspace

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/workos-mcp/workos-mcp/workos"
	"github.com/workos-mcp/workos-mcp/workspace/catalog"
	"github.com/workos-mcp/workos-mcp/workspace/redact"
)

// opCall is one operation that passed the policy and whose parameters are valid: ready to run.
type opCall struct {
	c      *caller
	env    *Environment
	op     *catalog.Operation
	params map[string]any
	tool   string
	// targetName is the target's name as the confirmation step read it, for the record.
	targetName string
}

// opResult is a redacted WorkOS answer.
type opResult struct {
	Status     int
	RequestID  string
	Data       json.RawMessage
	Redactions int
	// Hidden counts the items dropped because they are outside the person's areas.
	Hidden int
	// Record says what became of a write's record when it was not accepted at once ("queued:
	// ..."); the answer shows it.
	Record string
	// raw is the unredacted answer, for the server's own use (an export's pre-signed download
	// link); it never reaches a tool result.
	raw json.RawMessage
}

// Classes the tools accept.
const (
	classRead        = catalog.Class("read")
	classWrite       = catalog.Class("write")
	classDestructive = catalog.Class("destructive")
)

// excluded reports whether the catalog lists the operation as excluded; such an operation never
// runs even if a catalog bug listed it among All().
func excluded(name string) bool {
	_, ok := exclusion(name)
	return ok
}

// exclusion is why the catalog leaves an operation out.
func exclusion(name string) (string, bool) {
	excludedOnce.Do(func() {
		excludedReasons = map[string]string{}
		for _, e := range catalog.Excluded() {
			excludedReasons[e.Name] = e.Reason
		}
	})
	r, ok := excludedReasons[name]
	return r, ok
}

var (
	excludedOnce    sync.Once
	excludedReasons map[string]string
)

// lookup finds a runnable operation by name. An unknown name is answered with the closest names
// (catalog.Suggest): among the operations the person may run, as list_operations would show
// them, so that a suggestion is something to try; when the only close ones are outside the
// person's access, the answer names them and says so, which is the real reason (the catalog is
// public: naming an operation reveals nothing, and list_operations with its name says the same).
func (c *caller) lookup(name string) (*catalog.Operation, error) {
	if op, ok := catalog.Lookup(name); ok && !excluded(name) {
		return op, nil
	}
	if why, ok := exclusion(name); ok {
		return nil, fmt.Errorf("%w: unknown operation %q: this server never runs it (%s)", ErrInvalidInput, name, why)
	}
	runnable := func(op *catalog.Operation) bool { return !excluded(op.Name) && (c.team == nil || c.mayRun(op)) }
	hint := "search with list_operations"
	if near := catalog.Suggest(name, runnable); len(near) > 0 {
		hint = "did you mean " + orList(near) + "? Otherwise " + hint
	} else if near := catalog.Suggest(name, func(op *catalog.Operation) bool { return !excluded(op.Name) }); len(near) > 0 {
		hint = fmt.Sprintf("the closest, %s, %s outside what you may run in the team's environments (whoami shows your access); %s",
			orList(near), plural(len(near), "is", "are"), hint)
	}
	return nil, fmt.Errorf("%w: unknown operation %q; %s", ErrInvalidInput, name, hint)
}

// orList joins operation names as "a", "a or b", "a, b or c".
func orList(ops []*catalog.Operation) string {
	names := make([]string, len(ops))
	for i, op := range ops {
		names[i] = op.Name
	}
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// findByPath finds a runnable operation by method and path template, so that task tools do not
// depend on operation names.
func findByPath(method, path string) (*catalog.Operation, bool) {
	for _, op := range catalog.ByRoute(method, path) {
		if !excluded(op.Name) {
			return op, true
		}
	}
	return nil, false
}

// prepare runs the policy for one operation (decide: enabled, environment, role, write switch,
// refused fields), validates its parameters and protects the team. Only the team's protection may read from
// WorkOS (protect.go); nothing is changed.
func (s *Server) prepare(ctx context.Context, c *caller, tool, envName string, op *catalog.Operation, params map[string]any) (*opCall, error) {
	if err := c.gate(); err != nil {
		return nil, err
	}
	env, err := c.environment(envName)
	if err != nil {
		return nil, err
	}
	if params == nil {
		params = map[string]any{}
	}
	// Whether it must be confirmed is decided once what it would remove is known (mustConfirm).
	if d := c.decide(env, op, params); d.verdict == refuse {
		s.record(context.WithoutCancel(ctx), &opCall{c: c, env: env, op: op, tool: tool}, OutcomeDenied, nil, d.err)
		return nil, d.err
	}
	if err := validateParams(op, params); err != nil {
		s.record(context.WithoutCancel(ctx), &opCall{c: c, env: env, op: op, tool: tool}, OutcomeInvalid, nil, err)
		return nil, err
	}
	if err := c.checkEventTypes(op, params); err != nil {
		s.record(context.WithoutCancel(ctx), &opCall{c: c, env: env, op: op, tool: tool}, OutcomeDenied, nil, err)
		return nil, err
	}
	oc := &opCall{c: c, env: env, op: op, params: params, tool: tool}
	// A call over the person's limit sends nothing (protecting the team may read from WorkOS).
	if err := s.limit(ctx, oc); err != nil {
		s.record(context.WithoutCancel(ctx), oc, OutcomeLimited, nil, err)
		return nil, err
	}
	// After validation, so that an invalid call sends nothing at all: protecting the team may
	// read from WorkOS.
	if err := s.protectTeam(ctx, c, env, op, params); err != nil {
		s.record(context.WithoutCancel(ctx), oc, OutcomeDenied, nil, err)
		return nil, err
	}
	// A write must not run when its record could not be kept.
	if err := s.backlog(ctx, oc); err != nil {
		s.record(context.WithoutCancel(ctx), oc, OutcomeRefused, nil, err)
		return nil, err
	}
	return oc, nil
}

// mustConfirm reports whether a prepared call must be confirmed by the person before it runs:
// the policy's verdict, once what its replacing fields would remove is known. What exists is read
// only for a call that is not irreversible anyway.
func (s *Server) mustConfirm(ctx context.Context, oc *opCall) (bool, error) {
	call := oc.c.policyCall(oc.env, oc.op, oc.params)
	if decide(call).verdict != confirm {
		rms, err := s.removals(ctx, oc)
		if err != nil {
			s.record(context.WithoutCancel(ctx), oc, OutcomeError, nil, err)
			return false, err
		}
		call.removes = removes(rms)
	}
	return decide(call).verdict == confirm, nil
}

var pathParam = regexp.MustCompile(`\{([^}]+)\}`)

// validateParams checks the parameters against the operation before anything is sent; errors
// say how to fix the call. Unknown and missing parameters are named first (with what the
// operation takes), then the catalog's schema checks types, formats and enums.
func validateParams(op *catalog.Operation, params map[string]any) error {
	hint := fmt.Sprintf("list_operations with operation=%q shows the schema", op.Name)
	var unknown []string
	for k := range params {
		if _, ok := op.In[k]; !ok {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Errorf("%w for %s: unknown parameter(s) %s; it takes: %s (%s)",
			ErrInvalidInput, op.Name, strings.Join(unknown, ", "), strings.Join(sortedKeys(op.In), ", "), hint)
	}
	var missing []string
	for _, r := range op.Required {
		if v, ok := params[r]; !ok || v == nil {
			missing = append(missing, r)
		}
	}
	for _, m := range pathParam.FindAllStringSubmatch(op.Path, -1) {
		if v, ok := params[m[1]]; (!ok || v == nil || v == "") && !slices.Contains(missing, m[1]) {
			missing = append(missing, m[1])
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return fmt.Errorf("%w for %s: missing required parameter(s) %s (%s)", ErrInvalidInput, op.Name, strings.Join(missing, ", "), hint)
	}
	if err := op.ValidateParams(params); err != nil {
		var pe *catalog.ParamError
		if !errors.As(err, &pe) {
			return fmt.Errorf("%w for %s: %v (%s)", ErrInvalidInput, op.Name, err, hint)
		}
		return &paramsError{pe: pe, hint: hint}
	}
	// Path parameters are single ID-like segments ("..", "a/b" would address another endpoint).
	if _, err := op.PathParams(params); err != nil {
		return fmt.Errorf("%w for %s: %s", ErrInvalidInput, op.Name, strings.TrimPrefix(err.Error(), op.Name+": "))
	}
	return nil
}

// paramsError is a call whose parameters break the operation's schema. The agent is told every
// violation in full (what a value measured is the agent's own input); a record keeps the rules
// only (recorded), since a number the person sent may be anything, a secret included.
type paramsError struct {
	pe   *catalog.ParamError
	hint string
}

func (e *paramsError) Error() string { return e.render(catalog.Violation.String) }

// recorded is the text logs and records keep.
func (e *paramsError) recorded() string { return e.render(catalog.Violation.Rule) }

func (e *paramsError) render(v func(catalog.Violation) string) string {
	return fmt.Sprintf("%v for %s: %s (%s)", ErrInvalidInput, e.pe.Operation, e.pe.Describe(v), e.hint)
}

// Unwrap makes the error both ErrInvalidInput (the policy step, for records and outcomes) and
// the catalog's *ParamError (the violations).
func (e *paramsError) Unwrap() []error { return []error{ErrInvalidInput, e.pe} }

// request builds the path, query and body of a prepared call (the catalog knows where each
// parameter goes and how arrays are encoded), and the checked path parameters for
// workos.Client.DoTemplate with the operation's path template.
func (oc *opCall) request() (path string, pathParams map[string]string, query url.Values, body any, err error) {
	path, query, body, err = oc.op.Request(oc.params)
	if err == nil {
		pathParams, err = oc.op.PathParams(oc.params)
	}
	if err != nil {
		return "", nil, nil, nil, fmt.Errorf("%w: %v", ErrInvalidInput, err)
	}
	return path, pathParams, query, body, nil
}

// perform executes a prepared call with the environment's API key, redacts the answer and
// records the outcome. The error, if any, is safe to show the person. The request goes by
// the operation's path template: the client refuses to send a URL whose path is not that
// template with one checked segment per parameter, and never follows a redirect.
func (s *Server) perform(ctx context.Context, oc *opCall) (*opResult, error) {
	_, pathParams, query, body, err := oc.request()
	if err != nil {
		s.record(ctx, oc, OutcomeInvalid, nil, err)
		return nil, err
	}
	cl := s.client(oc.env.BaseURL, oc.env.APIKey)
	var raw json.RawMessage
	resp, err := cl.DoTemplate(ctx, oc.op.Method, oc.op.Path, pathParams, query, body, &raw)
	res := &opResult{}
	if resp != nil {
		res.Status, res.RequestID = resp.StatusCode, resp.RequestID
		if len(raw) == 0 && len(resp.Body) > 0 {
			raw = resp.Body
		}
	}
	if err != nil {
		err = s.apiError(oc, err)
		s.record(ctx, oc, OutcomeError, res, err)
		return nil, err
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		raw = json.RawMessage(`{}`)
	}
	var opts []redact.Option
	if oc.op.Name == portalLinkOperation {
		// Handing the Admin Portal link to the customer's IT admin is the point of this one
		// operation: its own top-level link keeps its URL parameters, nothing else does.
		opts = append(opts, redact.PortalLink())
	}
	var ok bool
	if res.Data, res.Redactions, ok = s.redactor.ValidJSON(raw, opts...); !ok {
		// Not JSON: the agent gets it as one (redacted) JSON string.
		b, _ := json.Marshal(string(raw))
		raw = b
		res.Data, res.Redactions = s.redactor.JSON(raw, opts...)
	}
	res.raw = raw
	// Events about areas outside the person's role are dropped, whatever asked for them.
	data, dropped, ferr := oc.c.filterEvents(oc.op, res.Data)
	if ferr != nil {
		s.record(ctx, oc, OutcomeError, res, ferr)
		return nil, ferr
	}
	res.Data, res.Hidden = data, dropped
	if dropped > 0 {
		res.raw = nil // the unfiltered answer must not be used by anyone
	}
	s.record(ctx, oc, OutcomeOK, res, nil)
	return res, nil
}

// portalLinkOperation generates an Admin Portal link: the one answer whose link is shown whole.
const portalLinkOperation = "portal_links.create"

// apiError turns a WorkOS error into a message the agent can act on, without secrets: every
// upstream text (message, field errors, transport errors that quote URLs) passes the same
// redactor as answers, so pre-signed URL credentials and tokens never reach the agent or the
// log.
func (s *Server) apiError(oc *opCall, err error) error {
	if errors.Is(err, workos.ErrOutcomeUnknown) {
		return fmt.Errorf("%s: outcome unknown: WorkOS may or may not have applied this change (%s); check the current state with a read before retrying, or it may be applied twice", oc.op.Name, s.redactor.Text(err.Error()))
	}
	var we *workos.Error
	if errors.As(err, &we) {
		var b strings.Builder
		fmt.Fprintf(&b, "WorkOS answered %d", we.StatusCode)
		if we.Code != "" {
			fmt.Fprintf(&b, " %s", we.Code)
		}
		if we.Message != "" {
			fmt.Fprintf(&b, ": %s", we.Message)
		}
		for _, fe := range we.Errors {
			fmt.Fprintf(&b, "; %s: %s", fe.Field, strings.TrimSpace(fe.Code+" "+fe.Message))
		}
		switch {
		case we.StatusCode == http.StatusNotFound:
			b.WriteString(" (check the ID, and the environment: " + oc.env.Name + ")")
		case we.StatusCode == http.StatusTooManyRequests:
			fmt.Fprintf(&b, " (rate limited; retry after %s)", we.RetryAfter.Round(time.Second))
		case we.StatusCode == http.StatusBadRequest || we.StatusCode == http.StatusUnprocessableEntity:
			b.WriteString(" (fix the parameters; list_operations with operation=\"" + oc.op.Name + "\" shows the schema)")
		}
		if we.RequestID != "" {
			fmt.Fprintf(&b, " [request %s]", we.RequestID)
		}
		return fmt.Errorf("%s: %s", oc.op.Name, s.redactor.Text(b.String()))
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: the call was cancelled or timed out: %w", oc.op.Name, err)
	}
	return fmt.Errorf("%s: the WorkOS API could not be reached (%s); nothing is known to have changed for reads, retry later", oc.op.Name, s.redactor.Text(err.Error()))
}

// record writes the log line and the team audit event for one operation. A write's event
// (ok or error: something may have changed) is accepted or durably queued before this returns,
// and what the answer must say about it goes into res.Record; every other event is sent in the
// background. The reads of a task tool are logged only: the tool call gets one event.
func (s *Server) record(ctx context.Context, oc *opCall, outcome Outcome, res *opResult, err error) {
	if s.cfg.Hooks.ToolCall != nil {
		s.cfg.Hooks.ToolCall(oc.op.Name, oc.env.Name, oc.op.Class, outcome)
	}
	e := entry{
		c: oc.c, tool: oc.tool, operation: oc.op.Name, class: string(oc.op.Class), environment: oc.env.Name,
		outcome: outcome, res: res, err: err,
	}
	e.target, e.related = targetsOf(oc.op, oc.params, res, oc.targetName)
	if oc.op.Class == classRead && oc.tool != "query" {
		oc.c.task.add(oc.env.Name, outcome)
		e.logOnly = true
	}
	e.durable = oc.op.Class != classRead && (outcome == OutcomeOK || outcome == OutcomeError)
	note := s.write(ctx, e)
	if res != nil {
		res.Record = note
	}
}

// outcomeOf is the outcome of a tool call that failed with err.
func outcomeOf(err error) Outcome {
	switch {
	case err == nil:
		return OutcomeOK
	case isDenial(err):
		return OutcomeDenied
	case errors.Is(err, ErrLimited):
		return OutcomeLimited
	case errors.Is(err, ErrInvalidInput) || errors.Is(err, ErrWrongClass):
		return OutcomeInvalid
	case errors.Is(err, ErrRecordBacklog):
		return OutcomeRefused
	}
	return OutcomeError
}

// recordToolError records a tool call that failed before any operation's outcome was recorded:
// MCP access disabled, an unknown role, no team, an unknown operation or environment, a bad
// argument. Without it such refusals would leave no trace but a metric.
func (s *Server) recordToolError(ctx context.Context, c *caller, tool string, err error) {
	s.write(ctx, entry{c: c, tool: tool, outcome: outcomeOf(err), err: err})
}

// taskReads counts the reads a task tool ran (logged, not sent one by one).
type taskReads struct {
	mu       sync.Mutex
	n        int
	env      string
	outcomes map[Outcome]int
}

func (t *taskReads) add(env string, outcome Outcome) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.n++
	t.env = env
	if t.outcomes == nil {
		t.outcomes = map[Outcome]int{}
	}
	t.outcomes[outcome]++
}

// taskRecord is the one record of a task tool call that read: its outcome, environment and
// how many reads it ran with which outcomes. It reports false when the call read nothing.
func (s *Server) taskRecord(ctx context.Context, c *caller, tool string, err error) bool {
	c.task.mu.Lock()
	n, env := c.task.n, c.task.env
	reads := map[string]any{}
	for k, v := range c.task.outcomes {
		reads["reads_"+string(k)] = v
	}
	c.task.mu.Unlock()
	if n == 0 {
		return false
	}
	s.write(ctx, entry{c: c, tool: tool, environment: env, outcome: outcomeOf(err), err: err, extra: reads})
	return true
}

// entry is one record: an operation's outcome, or (operation empty) a tool call.
type entry struct {
	c                                   *caller
	tool, operation, class, environment string
	outcome                             Outcome
	res                                 *opResult
	err                                 error
	target                              *recordTarget
	related                             []recordTarget
	extra                               map[string]any // more metadata (a task tool's read counts)
	logOnly                             bool           // a task tool's read: the log line only
	durable                             bool           // a write's event: accepted or queued before the answer
}

// reasonOf names the policy step that refused, from the error's sentinel: never the call's
// values, which may be secrets the person sets.
func reasonOf(err error) string {
	for _, e := range []error{ErrDisabled, ErrNoTeam, ErrEnvironment, ErrRole, ErrWriteOff, ErrProtection, ErrRefusedField, ErrWrongClass, ErrInvalidInput, ErrLimited, ErrRecordBacklog,
		ErrTokenInvalid, ErrTokenExpired, ErrTokenUsed, ErrTokenMismatch, ErrTargetChanged,
		ErrApprovalNotFound, ErrApprovalExpired, ErrApprovalDecided, ErrApprovalOther, ErrApprovalNotReady} {
		if errors.Is(err, e) {
			return e.Error()
		}
	}
	return ""
}

// write logs one record and adds it to the team's audit log. Error texts name parameters and
// rules, never parameter values (validateParams, the catalog and paramsError.recorded see to
// that), and are redacted.
// It returns what the answer must say about the record ("" when nothing).
func (s *Server) write(ctx context.Context, e entry) string {
	e.c.recorded.Store(true)
	reqID := ""
	status := 0
	if e.res != nil {
		reqID, status = e.res.RequestID, e.res.Status
	}
	team := e.c.session.OrganizationID
	if e.c.team != nil {
		team = e.c.team.OrganizationID
	}
	email := ""
	if e.c.team != nil {
		email = s.emailOf(ctx, e.c)
	}
	reason := reasonOf(e.err)
	if reason == "" && e.outcome == OutcomeRefused && e.err != nil {
		// A confirmation refused without a sentinel (the typed name differs, the store failed).
		reason = "confirmation refused"
	}
	level := slog.LevelInfo
	if e.outcome == OutcomeError {
		level = slog.LevelWarn
	}
	// The log line is built only when its level is on (serve and dev at --log-level warn drop
	// every successful operation's line).
	if s.log.Enabled(ctx, level) {
		attrs := []any{
			slog.String("user", e.c.session.UserID),
		}
		if email != "" {
			attrs = append(attrs, slog.String("email", email))
		}
		attrs = append(attrs, slog.String("team", team), slog.String("role", e.c.roleSlug))
		if e.environment != "" {
			attrs = append(attrs, slog.String("environment", e.environment))
		}
		attrs = append(attrs, slog.String("tool", e.tool))
		if e.operation != "" {
			attrs = append(attrs, slog.String("operation", e.operation), slog.String("class", e.class))
		}
		if t := e.target; t != nil {
			attrs = append(attrs, slog.String("target_type", t.Type), slog.String("target_id", t.ID))
			if t.Name != "" {
				attrs = append(attrs, slog.String("target_name", t.Name))
			}
		}
		for _, r := range e.related {
			attrs = append(attrs, slog.String(r.Type+"_id", r.ID))
		}
		attrs = append(attrs, slog.String("outcome", string(e.outcome)))
		if reqID != "" {
			attrs = append(attrs, slog.String("workos_request_id", reqID))
		}
		if status != 0 {
			attrs = append(attrs, slog.Int("status", status))
		}
		if reason != "" {
			attrs = append(attrs, slog.String("reason", reason))
		}
		for _, k := range sortedKeys(e.extra) {
			attrs = append(attrs, slog.Any(k, e.extra[k]))
		}
		if e.err != nil {
			text := e.err.Error()
			if pe := (*paramsError)(nil); errors.As(e.err, &pe) {
				text = pe.recorded() // the rules, not what the person's values measured
			}
			attrs = append(attrs, slog.String("error", s.redactor.Text(text)))
		}
		msg := "workspace operation"
		if e.operation == "" {
			msg = "workspace tool call"
		}
		s.log.Log(ctx, level, msg, attrs...)
	}

	if e.c.team == nil || e.logOnly {
		return ""
	}
	al := e.c.team.SignIn
	if al == nil || al.APIKey == "" {
		return ""
	}
	action := "workos_mcp." + e.operation
	if e.operation == "" {
		action = "workos_mcp." + e.tool
	}
	targets := []workos.AuditLogTarget{{ID: e.environment, Type: "environment"}}
	if e.environment == "" {
		targets = []workos.AuditLogTarget{{ID: team, Type: "team"}}
	}
	meta := map[string]any{
		"environment": e.environment, "operation": e.operation, "outcome": string(e.outcome),
		"tool": e.tool, "workos_request_id": reqID, "role": e.c.roleSlug,
	}
	if t := e.target; t != nil {
		targets = append(targets, workos.AuditLogTarget{ID: t.ID, Type: t.Type, Name: t.Name})
		meta["target_type"], meta["target_id"] = t.Type, t.ID
		if t.Name != "" {
			meta["target_name"] = t.Name
		}
	}
	for _, r := range e.related {
		targets = append(targets, workos.AuditLogTarget{ID: r.ID, Type: r.Type})
	}
	if reason != "" {
		meta["reason"] = reason
	}
	for k, v := range e.extra {
		meta[k] = v
	}
	actor := workos.AuditLogActor{ID: e.c.session.UserID, Type: "user", Metadata: map[string]any{"role": e.c.roleSlug}}
	if email != "" {
		actor.Name = email
		actor.Metadata["email"] = email
		meta["email"] = email
	}
	qr := &queuedRecord{Team: e.c.team.OrganizationID, Key: newTokenID(), Event: workos.AuditLogEvent{
		Action:     action,
		OccurredAt: s.now().UTC().Format(time.RFC3339),
		Version:    1,
		Actor:      actor,
		Targets:    targets,
		Context:    workos.AuditLogContext{Location: "workos-mcp", UserAgent: "workos-mcp/" + Version},
		Metadata:   meta,
	}}
	if e.durable {
		return s.sendNow(ctx, qr)
	}
	s.sendLater(ctx, qr)
	return ""
}

// auditClient does not retry: a failed event is queued and retried by the record queue's
// sender, and must not hold the answer.
func (s *Server) auditClient(al *SignInEnvironment) *workos.Client {
	key := "audit\x00" + al.BaseURL + "\x00" + al.APIKey
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.clients[key]; ok {
		return c
	}
	c := workos.New(workos.Options{BaseURL: al.BaseURL, APIKey: al.APIKey, HTTPClient: s.httpClient, MaxRetries: -1, UserAgent: "workos-mcp/" + Version, OnResponse: s.cfg.Hooks.WorkOSResponse})
	s.clients[key] = c
	return c
}
