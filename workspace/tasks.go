package workspace

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/workos-mcp/workos-mcp/workos"
	"github.com/workos-mcp/workos-mcp/workspace/catalog"
)

// Task tools compose catalog operations. Each underlying operation goes through prepare and
// perform, so that the policy, redaction and record apply to every one of them.

// run finds the operation by method and path and runs it through the pipeline; the answer is
// redacted.
func (s *Server) run(ctx context.Context, c *caller, tool, env, method, path string, params map[string]any) (json.RawMessage, error) {
	res, err := s.runResult(ctx, c, tool, env, method, path, params)
	if err != nil {
		return nil, err
	}
	return res.Data, nil
}

func (s *Server) runResult(ctx context.Context, c *caller, tool, env, method, path string, params map[string]any) (*opResult, error) {
	op, ok := findByPath(method, path)
	if !ok {
		return nil, fmt.Errorf("this server's catalog has no operation %s %s", method, path)
	}
	oc, err := s.prepare(ctx, c, tool, env, op, params)
	if err != nil {
		return nil, err
	}
	return s.perform(ctx, oc)
}

// list reads up to maxPages pages of a list through the pipeline.
func (s *Server) list(ctx context.Context, c *caller, tool, env, path string, params map[string]any, maxPages int) ([]map[string]any, bool, error) {
	var all []map[string]any
	p := map[string]any{"limit": float64(100)}
	for k, v := range params {
		p[k] = v
	}
	more, err := workos.Paginate(ctx, maxPages, func(ctx context.Context, cursor string) ([]map[string]any, string, error) {
		if cursor != "" {
			p["after"] = cursor
		}
		raw, err := s.run(ctx, c, tool, env, "GET", path, p)
		if err != nil {
			return nil, "", err
		}
		var lp workos.List[map[string]any]
		if err := json.Unmarshal(raw, &lp); err != nil {
			return nil, "", fmt.Errorf("unexpected answer from %s: %w", path, err)
		}
		return lp.Data, lp.ListMetadata.After, nil
	}, func(items []map[string]any) bool {
		all = append(all, items...)
		return true
	})
	if errors.Is(err, workos.ErrCursorRepeated) {
		err = fmt.Errorf("unexpected answer from %s: %w", path, err)
	}
	return all, more, err
}

// sections collects the parts of a composed answer; a part the person may not read, or that
// failed, is reported instead of failing the whole answer.
type sections struct {
	out         map[string]any
	unavailable map[string]string
}

func newSections() *sections {
	return &sections{out: map[string]any{}, unavailable: map[string]string{}}
}

func (s *sections) fail(key string, err error) { s.unavailable[key] = err.Error() }

func (s *sections) result() (*mcp.CallToolResult, error) {
	if len(s.unavailable) > 0 {
		s.out["unavailable"] = s.unavailable
	}
	return jsonResult(s.out)
}

func str(m map[string]any, k string) string {
	v, _ := m[k].(string)
	return v
}

func pick(m map[string]any, keys ...string) map[string]any {
	out := map[string]any{}
	for _, k := range keys {
		if v, ok := m[k]; ok && v != nil {
			out[k] = v
		}
	}
	return out
}

func pickAll(items []map[string]any, keys ...string) []map[string]any {
	out := make([]map[string]any, 0, len(items))
	for _, it := range items {
		out = append(out, pick(it, keys...))
	}
	return out
}

// ---- describe_organization

type describeOrganizationIn struct {
	OrganizationID string `json:"organization_id,omitempty" jsonschema:"the organization's ID (org_...)"`
	ExternalID     string `json:"external_id,omitempty" jsonschema:"the organization's external ID, as set by your application"`
	Domain         string `json:"domain,omitempty" jsonschema:"one of the organization's domains, e.g. example.com"`
	Environment    string `json:"environment,omitempty" jsonschema:"environment name; default: the team's sandbox"`
}

func (s *Server) describeOrganization(ctx context.Context, c *caller, _ *mcp.CallToolRequest, in describeOrganizationIn) (*mcp.CallToolResult, error) {
	if err := c.gate(); err != nil {
		return nil, err
	}
	org, err := s.findOrganization(ctx, c, "describe_organization", in.Environment, in.OrganizationID, in.ExternalID, in.Domain)
	if err != nil {
		return nil, err
	}
	id := str(org, "id")
	sec := newSections()
	sec.out["organization"] = pick(org, "id", "name", "external_id", "created_at", "updated_at", "metadata", "allow_profiles_outside_organization")
	var domains []map[string]any
	if ds, ok := org["domains"].([]any); ok {
		for _, d := range ds {
			if m, ok := d.(map[string]any); ok {
				domains = append(domains, pick(m, "id", "domain", "state", "verification_strategy"))
			}
		}
	}
	if domains == nil {
		domains = []map[string]any{}
	}
	sec.out["domains"] = domains
	byOrg := map[string]any{"organization_id": id}
	if conns, _, err := s.list(ctx, c, "describe_organization", in.Environment, "/connections", byOrg, 3); err != nil {
		sec.fail("connections", err)
	} else {
		sec.out["connections"] = pickAll(conns, "id", "name", "connection_type", "state", "domains")
	}
	if dirs, _, err := s.list(ctx, c, "describe_organization", in.Environment, "/directories", byOrg, 3); err != nil {
		sec.fail("directories", err)
	} else {
		sec.out["directories"] = pickAll(dirs, "id", "name", "type", "state", "domain")
	}
	if members, more, err := s.list(ctx, c, "describe_organization", in.Environment, "/user_management/organization_memberships", byOrg, 10); err != nil {
		sec.fail("members", err)
	} else {
		counts := map[string]int{}
		for _, m := range members {
			counts[str(m, "status")]++
		}
		sec.out["member_count"] = len(members)
		sec.out["members_by_status"] = counts
		if more {
			sec.out["member_count_is_lower_bound"] = true
		}
	}
	if invs, _, err := s.list(ctx, c, "describe_organization", in.Environment, "/user_management/invitations", byOrg, 5); err != nil {
		sec.fail("pending_invitations", err)
	} else {
		pending := []map[string]any{}
		for _, inv := range invs {
			if str(inv, "state") == "pending" {
				pending = append(pending, pick(inv, "id", "email", "state", "expires_at", "created_at"))
			}
		}
		sec.out["pending_invitations"] = pending
	}
	return sec.result()
}

// findOrganization resolves exactly one of an ID, an external ID or a domain.
func (s *Server) findOrganization(ctx context.Context, c *caller, tool, env, id, externalID, domain string) (map[string]any, error) {
	n := 0
	for _, v := range []string{id, externalID, domain} {
		if v != "" {
			n++
		}
	}
	if n != 1 {
		return nil, fmt.Errorf("%w: give exactly one of organization_id, external_id or domain", ErrInvalidInput)
	}
	var raw json.RawMessage
	var err error
	switch {
	case id != "":
		raw, err = s.run(ctx, c, tool, env, "GET", "/organizations/{id}", map[string]any{"id": id})
	case externalID != "":
		raw, err = s.run(ctx, c, tool, env, "GET", "/organizations/external_id/{external_id}", map[string]any{"external_id": externalID})
	default:
		return s.organizationByDomain(ctx, c, tool, env, domain)
	}
	if err != nil {
		return nil, err
	}
	var org map[string]any
	if err := json.Unmarshal(raw, &org); err != nil {
		return nil, fmt.Errorf("unexpected organization answer: %w", err)
	}
	return org, nil
}

// organizationByDomain finds the one organization that has the domain. When several have it
// (a domain pending on more than one organization, or verified on one and pending on others), it
// names them all, says which one verified it, and asks for an organization_id instead of
// picking one: an answer about the wrong customer is worse than a question.
func (s *Server) organizationByDomain(ctx context.Context, c *caller, tool, env, domain string) (map[string]any, error) {
	d, err := normalizeDomain(domain)
	if err != nil {
		return nil, fmt.Errorf("%w: domain %q %s", ErrInvalidInput, domain, err)
	}
	found, more, err := s.list(ctx, c, tool, env, "/organizations", map[string]any{"domains": []any{d}}, 3)
	if err != nil {
		return nil, err
	}
	var orgs []map[string]any
	for _, o := range found {
		if _, ok := orgDomains(o)[d]; ok {
			orgs = append(orgs, o)
		}
	}
	switch {
	case len(orgs) == 1 && !more:
		return orgs[0], nil
	case len(orgs) == 0 && !more:
		return nil, fmt.Errorf("no organization has the domain %q in this environment", d)
	}
	sort.SliceStable(orgs, func(i, j int) bool { return isVerified(orgDomains(orgs[i])[d]) && !isVerified(orgDomains(orgs[j])[d]) })
	var refs []string
	owner := ""
	for _, o := range orgs {
		state := orgDomains(o)[d]
		ref := fmt.Sprintf("%s (domain %s)", orgRef(o), firstNonEmpty(state, "state unknown"))
		if isVerified(state) {
			owner = orgRef(o)
		}
		refs = append(refs, ref)
	}
	msg := fmt.Sprintf("the domain %s matches %d organizations: %s", d, len(orgs), strings.Join(refs, "; "))
	if more {
		msg = fmt.Sprintf("the domain %s matches more than %d organizations, among them: %s", d, len(found), strings.Join(refs, "; "))
	}
	if owner != "" {
		msg += "; " + owner + " verified it and owns it"
	} else {
		msg += "; none has verified it"
	}
	return nil, fmt.Errorf("%w: %s. Call describe_organization again with the organization_id of the one you mean", ErrInvalidInput, msg)
}

// ---- onboard_customer

type onboardCustomerIn struct {
	Name         string   `json:"name" jsonschema:"the customer's organization name (at most 200 characters)"`
	Domains      []string `json:"domains,omitempty" jsonschema:"the customer's email domains, e.g. example.com (no scheme, path, port or wildcard; not a public email provider); a domain another organization holds is refused"`
	AdminEmail   string   `json:"admin_email" jsonschema:"email address of the customer's first admin (a bare address): they get an invitation, sent last"`
	AdminRole    string   `json:"admin_role,omitempty" jsonschema:"role slug for the invitation, one of the environment's roles; default: the environment's default role"`
	ExternalID   string   `json:"external_id,omitempty" jsonschema:"your application's ID for this customer"`
	PortalIntent string   `json:"portal_intent,omitempty" jsonschema:"what the Admin Portal link sets up, one of the intents of portal_links.create: sso (default), dsync, domain_verification, audit_logs, log_streams, ..."`
	Environment  string   `json:"environment,omitempty" jsonschema:"environment name; default: the team's sandbox"`
}

func (s *Server) onboardCustomer(ctx context.Context, c *caller, _ *mcp.CallToolRequest, in onboardCustomerIn) (*mcp.CallToolResult, error) {
	if err := c.gate(); err != nil {
		return nil, err
	}
	const tool = "onboard_customer"
	intents, err := portalIntents()
	if err != nil {
		return nil, err
	}
	p, err := checkOnboardInput(in, intents)
	if err != nil {
		return nil, err
	}
	// The whole plan passes the policy and the schemas before anything is read or changed, so
	// that a person who may create organizations but not send invitations, or a parameter the
	// API would refuse at the last step, leaves no half onboarding behind.
	if err := s.checkOnboardSteps(ctx, c, in.Environment, p); err != nil {
		return nil, err
	}
	env, err := c.environment(in.Environment)
	if err != nil {
		return nil, err
	}
	unlock, err := lockOnboarding(ctx, env)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := s.checkAdminRole(ctx, c, in.Environment, p); err != nil {
		return nil, err
	}
	org, err := s.findExisting(ctx, c, in.Environment, p)
	if err != nil {
		return nil, err
	}
	reused := org != nil
	out := map[string]any{"reused": reused}
	var done []string
	var pending map[string]any // the admin's invitation already waiting, on a re-run
	if reused {
		done = append(done, "found organization "+orgRef(org)+" with this name and these domains (an earlier run of this onboarding): nothing new was created")
		if pending, err = s.reusedInvitation(ctx, c, in.Environment, p, org); err != nil {
			return nil, err
		}
		// The later steps, checked again with the organization they would change.
		if err := s.checkWrites(ctx, c, in.Environment, p, str(org, "id"), 1); err != nil {
			return nil, err
		}
	} else {
		raw, err := s.run(ctx, c, tool, in.Environment, "POST", "/organizations", p.writes("")[0].params)
		if err != nil {
			return nil, fmt.Errorf("create the organization: %w. Nothing else was done; if the error leaves in doubt whether the organization was created, run onboard_customer again with the same arguments: it finds and reuses it", err)
		}
		if err := json.Unmarshal(raw, &org); err != nil || str(org, "id") == "" {
			return nil, fmt.Errorf("create the organization: WorkOS answered without an organization ID. Nothing else was done; run onboard_customer again with the same arguments: it finds and reuses the organization if it exists")
		}
		done = append(done, fmt.Sprintf("created organization %s with domains [%s] (pending verification)", orgRef(org), strings.Join(p.domains, ", ")))
	}
	orgID := str(org, "id")
	summary := pick(org, "id", "name", "external_id")
	var domains []map[string]any
	for _, d := range sortedKeys(orgDomains(org)) {
		domains = append(domains, map[string]any{"domain": d, "state": orgDomains(org)[d]})
	}
	summary["domains"] = domains
	out["organization"] = summary
	steps := p.writes(orgID)

	// The link first: it proves the organization and the intent work before anyone is emailed.
	raw, err := s.run(ctx, c, tool, in.Environment, steps[1].method, steps[1].path, steps[1].params)
	if err != nil {
		return nil, onboardingIncomplete(p, orgID, done, "the Admin Portal link", err,
			"the invitation to "+p.adminEmail+" was not sent, so that nobody is emailed about an onboarding that is not ready")
	}
	var link map[string]any
	_ = json.Unmarshal(raw, &link)
	out["admin_portal_link"] = link["link"]
	out["admin_portal_intent"] = p.intent
	done = append(done, "generated an Admin Portal link ("+p.intent+")")

	if pending != nil {
		out["invitation"] = pick(pending, "id", "email", "state", "expires_at", "organization_id")
		out["invitation_reused"] = true
		done = append(done, "found the invitation to "+p.adminEmail+" ("+str(pending, "state")+"): no new email was sent")
	} else {
		raw, err := s.run(ctx, c, tool, in.Environment, steps[2].method, steps[2].path, steps[2].params)
		if err != nil {
			return nil, onboardingIncomplete(p, orgID, done, "the invitation", err, "")
		}
		var m map[string]any
		_ = json.Unmarshal(raw, &m)
		out["invitation"] = pick(m, "id", "email", "state", "expires_at", "organization_id")
		done = append(done, "invited "+p.adminEmail)
	}
	out["done"] = done
	out["next"] = "Send the Admin Portal link to the customer's IT admin (it expires in minutes; run onboard_customer again for a fresh one); the invitation went to " + p.adminEmail + "."
	return jsonResult(out)
}

// onboardingIncomplete says what an onboarding did before a step failed and how to finish it. A
// half onboarding is not rolled back: the organization stays, and a re-run with the same
// arguments reuses it and does only what is missing.
func onboardingIncomplete(p *onboardPlan, orgID string, done []string, step string, err error, skipped string) error {
	var b strings.Builder
	fmt.Fprintf(&b, " Done so far (not rolled back): %s.", strings.Join(done, "; "))
	if step == "the invitation" {
		b.WriteString(" The Admin Portal link is not shown: the re-run makes a fresh one.")
	}
	if skipped != "" {
		fmt.Fprintf(&b, " Not done: %s.", skipped)
	}
	fmt.Fprintf(&b, " To finish: run onboard_customer again with the same arguments (it reuses %s and does only what is missing)", orgID)
	if step == "the invitation" {
		fmt.Fprintf(&b, ", or mutate invitations.send with email %s and organization_id %s", p.adminEmail, orgID)
	}
	b.WriteString(".")
	// Wrapped, so that a refusal (a limit, a protection) is still recorded as one.
	return fmt.Errorf("onboard_customer stopped at %s: %w.%s", step, err, b.String())
}

// prepareCheck runs the policy for an operation without parameters or a call.
func (s *Server) prepareCheck(c *caller, envName string, op *catalog.Operation) (*Environment, error) {
	env, err := c.environment(envName)
	if err != nil {
		return nil, err
	}
	return env, c.authorize(env, op)
}

// ---- debug_sign_in

type debugSignInIn struct {
	Email       string `json:"email,omitempty" jsonschema:"the user's email"`
	UserID      string `json:"user_id,omitempty" jsonschema:"the user's ID (user_...)"`
	Environment string `json:"environment,omitempty" jsonschema:"environment name; default: the team's sandbox"`
}

func (s *Server) debugSignIn(ctx context.Context, c *caller, _ *mcp.CallToolRequest, in debugSignInIn) (*mcp.CallToolResult, error) {
	if err := c.gate(); err != nil {
		return nil, err
	}
	if (in.Email == "") == (in.UserID == "") {
		return nil, fmt.Errorf("%w: give exactly one of email or user_id", ErrInvalidInput)
	}
	const tool = "debug_sign_in"
	var user map[string]any
	if in.UserID != "" {
		raw, err := s.run(ctx, c, tool, in.Environment, "GET", "/user_management/users/{id}", map[string]any{"id": in.UserID})
		if err != nil {
			return nil, err
		}
		_ = json.Unmarshal(raw, &user)
	} else {
		users, _, err := s.list(ctx, c, tool, in.Environment, "/user_management/users", map[string]any{"email": strings.ToLower(in.Email)}, 1)
		if err != nil {
			return nil, err
		}
		if len(users) == 0 {
			return jsonResult(map[string]any{
				"user":     nil,
				"findings": []finding{{Severity: "error", Code: "user_not_found", Message: "No user has the email " + in.Email + " in this environment.", Fix: "Check the environment and the spelling; the person may have signed up in another environment or not at all."}},
			})
		}
		user = users[0]
	}
	uid := str(user, "id")
	email := str(user, "email")
	sec := newSections()
	sec.out["user"] = pick(user, "id", "email", "first_name", "last_name", "email_verified", "last_sign_in_at", "created_at", "external_id")
	var findings []finding
	if v, ok := user["email_verified"].(bool); ok && !v {
		findings = append(findings, finding{Severity: "warning", Code: "email_not_verified", Message: "The user's email is not verified.", Fix: "Ask them to finish email verification, or resend it."})
	}
	if ms, _, err := s.list(ctx, c, tool, in.Environment, "/user_management/organization_memberships", map[string]any{"user_id": uid}, 2); err != nil {
		sec.fail("memberships", err)
	} else {
		sec.out["memberships"] = pickAll(ms, "id", "organization_id", "organization_name", "status", "role")
		active := 0
		for _, m := range ms {
			if str(m, "status") == "active" {
				active++
			} else {
				findings = append(findings, finding{Severity: "warning", Code: "membership_not_active", Message: fmt.Sprintf("Membership in %s is %s.", firstNonEmpty(str(m, "organization_name"), str(m, "organization_id")), str(m, "status")), Fix: "Reactivate the membership or accept the pending invitation."})
			}
		}
		if len(ms) == 0 {
			findings = append(findings, finding{Severity: "warning", Code: "no_membership", Message: "The user belongs to no organization.", Fix: "If your app requires an organization, invite them to one."})
		}
	}
	if ss, _, err := s.list(ctx, c, tool, in.Environment, "/user_management/users/{id}/sessions", map[string]any{"id": uid}, 1); err != nil {
		sec.fail("sessions", err)
	} else {
		if len(ss) > 10 {
			ss = ss[:10]
		}
		sec.out["recent_sessions"] = pickAll(ss, "id", "status", "auth_method", "created_at", "expires_at", "ended_at", "ip_address", "user_agent", "organization_id")
	}
	if evs, err := s.authenticationEventsOf(ctx, c, tool, in.Environment, uid, email); err != nil {
		sec.fail("authentication_events", err)
	} else {
		failed := 0
		for _, e := range evs {
			if ev := str(e, "event"); strings.HasSuffix(ev, "_failed") || strings.HasSuffix(ev, "_timed_out") || ev == "authentication.denied" {
				failed++
			}
		}
		sec.out["authentication_events"] = evs
		if failed > 0 {
			findings = append(findings, finding{Severity: "warning", Code: "failed_authentications", Message: fmt.Sprintf("%d recent authentication attempts failed.", failed), Fix: "Read the events' data for the error codes."})
		}
	}
	if i := strings.LastIndexByte(email, '@'); i > 0 {
		domain := strings.ToLower(email[i+1:])
		if conns, _, err := s.list(ctx, c, tool, in.Environment, "/connections", map[string]any{"domain": domain}, 1); err != nil {
			sec.fail("connection", err)
		} else if len(conns) == 0 {
			sec.out["connection"] = nil
			sec.out["connection_note"] = "No SSO connection serves " + domain + ": the user signs in with the other methods enabled in the environment."
		} else {
			sec.out["connection"] = pick(conns[0], "id", "name", "connection_type", "state", "organization_id", "domains")
			if st := str(conns[0], "state"); st != "active" {
				findings = append(findings, finding{Severity: "error", Code: "connection_not_active", Message: fmt.Sprintf("The SSO connection for %s is %s, so SSO sign-in fails.", domain, st), Fix: "Finish or repair the connection's setup (an Admin Portal link with intent sso helps)."})
			}
		}
	}
	if findings == nil {
		findings = []finding{}
	}
	sec.out["findings"] = findings
	if len(findings) == 0 {
		sec.out["summary"] = "Nothing looks wrong in the configuration; check the application's own logs for this user."
	}
	return sec.result()
}

// authenticationEventsOf returns the user's most recent authentication events (at most 20,
// newest first). It asks for the authentication event types; when that filter finds nothing
// for the user (an API that rejects or ignores one of the type names), it scans the most recent
// events of every type instead, so that the answer never silently misses a failed sign-in.
func (s *Server) authenticationEventsOf(ctx context.Context, c *caller, tool, env, uid, email string) ([]map[string]any, error) {
	mine := func(evs []map[string]any) []map[string]any {
		out := []map[string]any{}
		for _, e := range evs {
			b, _ := json.Marshal(e["data"])
			if !strings.HasPrefix(str(e, "event"), "authentication.") ||
				(!strings.Contains(string(b), uid) && (email == "" || !strings.Contains(string(b), email))) {
				continue
			}
			out = append(out, pick(e, "id", "event", "created_at", "data"))
			if len(out) == 20 {
				break
			}
		}
		return out
	}
	evs, _, err := s.list(ctx, c, tool, env, "/events", map[string]any{"events": authenticationEvents, "order": "desc"}, 3)
	if err == nil && len(mine(evs)) > 0 {
		return mine(evs), nil
	}
	all, _, err2 := s.list(ctx, c, tool, env, "/events", map[string]any{"order": "desc"}, 3)
	if err2 != nil {
		if err != nil {
			return nil, err
		}
		return nil, err2
	}
	return mine(all), nil
}

// authenticationEvents are the event types of sign-in attempts (GET /events filter).
var authenticationEvents = func() []any {
	var out []any
	for _, kind := range []string{"email_verification", "magic_auth", "mfa", "oauth", "passkey", "password", "sso"} {
		out = append(out, "authentication."+kind+"_succeeded", "authentication."+kind+"_failed")
	}
	return append(out, "authentication.radar_risk_detected", "authentication.denied", "authentication.sso_timed_out")
}()

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

// finding is one thing that looks wrong, with what to do.
type finding struct {
	Severity string `json:"severity"` // error, warning, info
	Code     string `json:"code"`
	Message  string `json:"message"`
	Fix      string `json:"fix,omitempty"`
	Object   string `json:"object,omitempty"`
}

// ---- audit_configuration

type auditConfigurationIn struct {
	Environment string `json:"environment,omitempty" jsonschema:"environment name; default: the team's sandbox"`
}

func (s *Server) auditConfiguration(ctx context.Context, c *caller, _ *mcp.CallToolRequest, in auditConfigurationIn) (*mcp.CallToolResult, error) {
	if err := c.gate(); err != nil {
		return nil, err
	}
	const tool = "audit_configuration"
	sec := newSections()
	var findings []finding
	counts := map[string]int{}
	now := s.now()
	orgs, _, err := s.list(ctx, c, tool, in.Environment, "/organizations", nil, 10)
	if err != nil {
		return nil, err
	}
	counts["organizations"] = len(orgs)
	orgName := map[string]string{}
	for _, o := range orgs {
		orgName[str(o, "id")] = str(o, "name")
		ds, _ := o["domains"].([]any)
		for _, d := range ds {
			m, _ := d.(map[string]any)
			if m != nil && str(m, "state") != "" && str(m, "state") != "verified" {
				findings = append(findings, finding{Severity: "warning", Code: "domain_not_verified", Object: str(m, "id"),
					Message: fmt.Sprintf("Domain %s of %s is %s.", str(m, "domain"), str(o, "name"), str(m, "state")),
					Fix:     "Verify it (DNS) or send the customer an Admin Portal link with intent domain_verification."})
			}
		}
	}
	if conns, _, err := s.list(ctx, c, tool, in.Environment, "/connections", nil, 10); err != nil {
		sec.fail("connections", err)
	} else {
		counts["connections"] = len(conns)
		for _, cn := range conns {
			if st := str(cn, "state"); st != "active" {
				findings = append(findings, finding{Severity: "error", Code: "connection_not_active", Object: str(cn, "id"),
					Message: fmt.Sprintf("Connection %s (%s) of %s is %s.", str(cn, "name"), str(cn, "connection_type"), firstNonEmpty(orgName[str(cn, "organization_id")], str(cn, "organization_id")), st),
					Fix:     "Finish its setup or delete it if unused."})
			}
		}
	}
	if dirs, _, err := s.list(ctx, c, tool, in.Environment, "/directories", nil, 10); err != nil {
		sec.fail("directories", err)
	} else {
		counts["directories"] = len(dirs)
		for _, d := range dirs {
			switch st := str(d, "state"); st {
			case "active", "linked", "":
			default:
				sev := "warning"
				if strings.Contains(st, "invalid") || strings.Contains(st, "error") {
					sev = "error"
				}
				findings = append(findings, finding{Severity: sev, Code: "directory_not_linked", Object: str(d, "id"),
					Message: fmt.Sprintf("Directory %s (%s) of %s is %s.", str(d, "name"), str(d, "type"), firstNonEmpty(orgName[str(d, "organization_id")], str(d, "organization_id")), st),
					Fix:     "Ask the customer's IT admin to repair it through an Admin Portal link with intent dsync."})
			}
		}
	}
	if invs, _, err := s.list(ctx, c, tool, in.Environment, "/user_management/invitations", nil, 10); err != nil {
		sec.fail("invitations", err)
	} else {
		counts["invitations"] = len(invs)
		for _, inv := range invs {
			st := str(inv, "state")
			exp, _ := time.Parse(time.RFC3339, str(inv, "expires_at"))
			if st == "expired" || (st == "pending" && !exp.IsZero() && exp.Before(now)) {
				findings = append(findings, finding{Severity: "info", Code: "invitation_expired", Object: str(inv, "id"),
					Message: fmt.Sprintf("The invitation for %s expired.", str(inv, "email")),
					Fix:     "Resend it if the person still needs access, or revoke it."})
			}
		}
	}
	if hooks, _, err := s.list(ctx, c, tool, in.Environment, "/webhook_endpoints", nil, 5); err != nil {
		sec.fail("webhook_endpoints", err)
	} else {
		counts["webhook_endpoints"] = len(hooks)
		for _, h := range hooks {
			if st := str(h, "status"); st != "" && st != "enabled" {
				findings = append(findings, finding{Severity: "warning", Code: "webhook_endpoint_not_enabled", Object: str(h, "id"),
					Message: fmt.Sprintf("Webhook endpoint %s is %s: events are not delivered to it.", str(h, "endpoint_url"), st),
					Fix:     "Fix the receiving endpoint and enable it again."})
			}
		}
	}
	if findings == nil {
		findings = []finding{}
	}
	bySeverity := map[string]int{}
	for _, f := range findings {
		bySeverity[f.Severity]++
	}
	sec.out["counts"] = counts
	sec.out["findings"] = findings
	sec.out["findings_by_severity"] = bySeverity
	return sec.result()
}

// ---- audit_logs

type auditLogsIn struct {
	OrganizationID string   `json:"organization_id" jsonschema:"the organization whose audit log to read"`
	RangeStart     string   `json:"range_start,omitempty" jsonschema:"RFC 3339 start; default: 30 days ago"`
	RangeEnd       string   `json:"range_end,omitempty" jsonschema:"RFC 3339 end; default: now"`
	Actions        []string `json:"actions,omitempty" jsonschema:"only these actions, e.g. user.signed_in"`
	ActorNames     []string `json:"actor_names,omitempty" jsonschema:"only events by these actors"`
	Targets        []string `json:"targets,omitempty" jsonschema:"only events with these target types"`
	Limit          int      `json:"limit,omitempty" jsonschema:"at most this many events in the answer (default 50, at most 500)"`
	Environment    string   `json:"environment,omitempty" jsonschema:"environment name; default: the team's sandbox"`
}

func (s *Server) auditLogs(ctx context.Context, c *caller, _ *mcp.CallToolRequest, in auditLogsIn) (*mcp.CallToolResult, error) {
	if err := c.gate(); err != nil {
		return nil, err
	}
	const tool = "audit_logs"
	if in.OrganizationID == "" {
		return nil, fmt.Errorf("%w: organization_id is required", ErrInvalidInput)
	}
	now := s.now().UTC()
	start, end := now.Add(-30*24*time.Hour), now
	var err error
	if in.RangeStart != "" {
		if start, err = time.Parse(time.RFC3339, in.RangeStart); err != nil {
			return nil, fmt.Errorf("%w: range_start %q is not RFC 3339 (e.g. 2026-01-02T15:04:05Z)", ErrInvalidInput, in.RangeStart)
		}
	}
	if in.RangeEnd != "" {
		if end, err = time.Parse(time.RFC3339, in.RangeEnd); err != nil {
			return nil, fmt.Errorf("%w: range_end %q is not RFC 3339 (e.g. 2026-01-02T15:04:05Z)", ErrInvalidInput, in.RangeEnd)
		}
	}
	if !end.After(start) {
		return nil, fmt.Errorf("%w: range_end must be after range_start", ErrInvalidInput)
	}
	limit := in.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 500)
	params := map[string]any{
		"organization_id": in.OrganizationID,
		"range_start":     start.Format(time.RFC3339),
		"range_end":       end.Format(time.RFC3339),
	}
	for k, v := range map[string][]string{"actions": in.Actions, "actor_names": in.ActorNames, "targets": in.Targets} {
		if len(v) > 0 {
			arr := make([]any, len(v))
			for i := range v {
				arr[i] = v[i]
			}
			params[k] = arr
		}
	}
	res, err := s.runResult(ctx, c, tool, in.Environment, "POST", "/audit_logs/exports", params)
	if err != nil {
		return nil, err
	}
	// The export's download link is pre-signed (a secret); it is read from the unredacted
	// answer and never shown.
	var export map[string]any
	_ = json.Unmarshal(res.raw, &export)
	id := str(export, "id")
	// Exports are prepared asynchronously; poll a bounded number of times.
	for i := 0; i < 20 && str(export, "state") == "pending" && id != ""; i++ {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Duration(200*(i+1)) * time.Millisecond):
		}
		res, err := s.runResult(ctx, c, tool, in.Environment, "GET", "/audit_logs/exports/{auditLogExportId}", map[string]any{"auditLogExportId": id})
		if err != nil {
			return nil, err
		}
		export = nil
		_ = json.Unmarshal(res.raw, &export)
	}
	out := map[string]any{
		"export":      pick(export, "id", "state", "created_at", "updated_at"),
		"range_start": params["range_start"], "range_end": params["range_end"],
	}
	link := str(export, "url")
	if str(export, "state") != "ready" || link == "" {
		out["events"] = []any{}
		out["note"] = "The export is not ready yet; call audit_logs again in a moment."
		return jsonResult(out)
	}
	events, total, err := s.downloadExport(ctx, link, limit)
	if err != nil {
		out["note"] = "The export is ready but could not be read: " + s.redactor.Text(err.Error())
		out["events"] = []any{}
		return jsonResult(out)
	}
	out["events"] = events
	out["event_count"] = total
	if total > len(events) {
		out["truncated"] = true
	}
	return jsonResult(out)
}

// downloadExport reads an export's CSV from its (pre-signed) URL. It sends no credentials.
func (s *Server) downloadExport(ctx context.Context, link string, limit int) ([]map[string]any, int, error) {
	u, err := url.Parse(link)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, 0, errors.New("the export's URL is not http(s)")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, link, nil)
	if err != nil {
		return nil, 0, err
	}
	hc := s.httpClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, 0, fmt.Errorf("download answered %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, 0, err
	}
	text := s.redactor.Text(string(body))
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		if err == io.EOF {
			return []map[string]any{}, 0, nil
		}
		return nil, 0, err
	}
	events := []map[string]any{}
	total := 0
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, 0, err
		}
		total++
		if len(events) >= limit {
			continue
		}
		ev := map[string]any{}
		for i, h := range header {
			if i < len(rec) && rec[i] != "" {
				ev[h] = rec[i]
			}
		}
		events = append(events, ev)
	}
	return events, total, nil
}
