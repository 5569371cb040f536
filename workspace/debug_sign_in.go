package workspace

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The debug_sign_in tool: what WorkOS knows about a person's sign-ins, and what looks wrong.

type debugSignInIn struct {
	Email       string `json:"email,omitempty" jsonschema:"the user's email"`
	UserID      string `json:"user_id,omitempty" jsonschema:"the user's ID (user_...)"`
	Environment string `json:"environment,omitempty" jsonschema:"environment name; default: the team's sandbox"`
}

// debugSignInOut is what WorkOS knows about a person's sign-ins, with what looks wrong. A part
// the person may not read (or that failed) is absent and named in unavailable.
type debugSignInOut struct {
	User                 map[string]any   `json:"user" jsonschema:"the user: id, email, first_name, last_name, email_verified, last_sign_in_at, created_at, external_id; null when no user has the email"`
	Memberships          []map[string]any `json:"memberships,omitzero" jsonschema:"their organization memberships: id, organization_id, organization_name, status, role"`
	RecentSessions       []map[string]any `json:"recent_sessions,omitzero" jsonschema:"their ten most recent sessions"`
	AuthenticationEvents []map[string]any `json:"authentication_events,omitzero" jsonschema:"their most recent authentication events (at most 20, newest first)"`
	Connection           map[string]any   `json:"connection,omitempty" jsonschema:"the SSO connection that serves their email domain: id, name, connection_type, state, organization_id, domains"`
	ConnectionNote       string           `json:"connection_note,omitempty" jsonschema:"set when no SSO connection serves their email domain"`
	Findings             []finding        `json:"findings" jsonschema:"what looks wrong, each with what to do"`
	Summary              string           `json:"summary,omitempty" jsonschema:"set when nothing looks wrong"`
	Unavailable          unavailable      `json:"unavailable,omitempty" jsonschema:"the parts left out, each with why"`
}

func (s *Server) debugSignIn(ctx context.Context, c *caller, _ *mcp.CallToolRequest, in debugSignInIn) (*mcp.CallToolResult, *debugSignInOut, error) {
	if err := c.gate(); err != nil {
		return nil, nil, err
	}
	if (in.Email == "") == (in.UserID == "") {
		return nil, nil, fmt.Errorf("%w: give exactly one of email or user_id", ErrInvalidInput)
	}
	const tool = "debug_sign_in"
	var user map[string]any
	if in.UserID != "" {
		raw, err := s.run(ctx, c, tool, in.Environment, "GET", "/user_management/users/{id}", map[string]any{"id": in.UserID})
		if err != nil {
			return nil, nil, err
		}
		_ = json.Unmarshal(raw, &user)
	} else {
		users, _, err := s.list(ctx, c, tool, in.Environment, "/user_management/users", map[string]any{"email": strings.ToLower(in.Email)}, 1)
		if err != nil {
			return nil, nil, err
		}
		if len(users) == 0 {
			return nil, &debugSignInOut{
				Findings: []finding{{Severity: "error", Code: "user_not_found", Message: "No user has the email " + in.Email + " in this environment.", Fix: "Check the environment and the spelling; the person may have signed up in another environment or not at all."}},
			}, nil
		}
		user = users[0]
	}
	uid := str(user, "id")
	email := str(user, "email")
	out := &debugSignInOut{}
	out.User = pick(user, "id", "email", "first_name", "last_name", "email_verified", "last_sign_in_at", "created_at", "external_id")
	var findings []finding
	if v, ok := user["email_verified"].(bool); ok && !v {
		findings = append(findings, finding{Severity: "warning", Code: "email_not_verified", Message: "The user's email is not verified.", Fix: "Ask them to finish email verification, or resend it."})
	}
	if ms, _, err := s.list(ctx, c, tool, in.Environment, "/user_management/organization_memberships", map[string]any{"user_id": uid}, 2); err != nil {
		out.Unavailable.fail("memberships", err)
	} else {
		out.Memberships = pickAll(ms, "id", "organization_id", "organization_name", "status", "role")
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
		out.Unavailable.fail("sessions", err)
	} else {
		if len(ss) > 10 {
			ss = ss[:10]
		}
		out.RecentSessions = pickAll(ss, "id", "status", "auth_method", "created_at", "expires_at", "ended_at", "ip_address", "user_agent", "organization_id")
	}
	if evs, err := s.authenticationEventsOf(ctx, c, tool, in.Environment, uid, email); err != nil {
		out.Unavailable.fail("authentication_events", err)
	} else {
		failed := 0
		for _, e := range evs {
			if ev := str(e, "event"); strings.HasSuffix(ev, "_failed") || strings.HasSuffix(ev, "_timed_out") || ev == "authentication.denied" {
				failed++
			}
		}
		out.AuthenticationEvents = evs
		if failed > 0 {
			findings = append(findings, finding{Severity: "warning", Code: "failed_authentications", Message: fmt.Sprintf("%d recent authentication attempts failed.", failed), Fix: "Read the events' data for the error codes."})
		}
	}
	if i := strings.LastIndexByte(email, '@'); i > 0 {
		domain := strings.ToLower(email[i+1:])
		if conns, _, err := s.list(ctx, c, tool, in.Environment, "/connections", map[string]any{"domain": domain}, 1); err != nil {
			out.Unavailable.fail("connection", err)
		} else if len(conns) == 0 {
			out.ConnectionNote = "No SSO connection serves " + domain + ": the user signs in with the other methods enabled in the environment."
		} else {
			out.Connection = pick(conns[0], "id", "name", "connection_type", "state", "organization_id", "domains")
			if st := str(conns[0], "state"); st != "active" {
				findings = append(findings, finding{Severity: "error", Code: "connection_not_active", Message: fmt.Sprintf("The SSO connection for %s is %s, so SSO sign-in fails.", domain, st), Fix: "Finish or repair the connection's setup (an Admin Portal link with intent sso helps)."})
			}
		}
	}
	out.Findings = nonNil(findings)
	if len(findings) == 0 {
		out.Summary = "Nothing looks wrong in the configuration; check the application's own logs for this user."
	}
	return nil, out, nil
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
