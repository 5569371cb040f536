package workspace

import (
	"context"
	"fmt"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/workos-mcp/workos-mcp/authkit"
	"github.com/workos-mcp/workos-mcp/workspace/catalog"
)

// tools/list offers a person only the tools they may use. The rule is the policy the calls run
// (gate, then decide through authorize: team, settings, role, environments), asked whether at least one call of
// the tool could pass it, so that the list and the calls cannot disagree; a hidden tool that is
// called anyway is refused by the same policy, with its reason. The server is stateless: the
// person is read again from each tools/list request, as for each call.

// offerOnly is a receiving middleware that filters the tools/list result to the tools the
// requesting person may use, and prompts/list to the prompts whose tools they are offered
// (prompts/get refuses the others with the same rule).
func (s *Server) offerOnly(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		if method == "prompts/get" {
			// A prompt that is not offered is not served either: list and get agree.
			if p, ok := req.GetParams().(*mcp.GetPromptParams); ok {
				if sess, found := s.sessionOf(ctx, req.GetExtra()); found {
					if missing := s.promptMissing(s.callerOf(ctx, sess), p.Name); missing != "" {
						return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: fmt.Sprintf(
							"prompt %s: it needs the tool %s, which you may not use (whoami says what you may do)", p.Name, missing)}
					}
				}
			}
			return next(ctx, method, req)
		}
		res, err := next(ctx, method, req)
		if err != nil || (method != "tools/list" && method != "prompts/list") {
			return res, err
		}
		sess, found := s.sessionOf(ctx, req.GetExtra())
		if !found {
			// Mounted without authkit: every call says so; hiding the tools would hide why.
			return res, nil
		}
		c := s.callerOf(ctx, sess)
		if pl, ok := res.(*mcp.ListPromptsResult); ok {
			kept := make([]*mcp.Prompt, 0, len(pl.Prompts))
			for _, p := range pl.Prompts {
				if s.promptMissing(c, p.Name) == "" {
					kept = append(kept, p)
				}
			}
			out := *pl
			out.Prompts = kept
			out.CacheScope = "private"
			return &out, nil
		}
		list, ok := res.(*mcp.ListToolsResult)
		if !ok {
			return res, nil
		}
		kept := make([]*mcp.Tool, 0, len(list.Tools))
		for _, t := range list.Tools {
			if s.offers(c, t.Name) {
				kept = append(kept, t)
			}
		}
		out := *list
		out.Tools = kept
		// The list is this person's: no client or intermediary may serve it to another.
		out.CacheScope = "private"
		return &out, nil
	}
}

// offers reports whether the caller may use the named tool: whoami always; the others only past
// the gate (a configured, enabled team and a known role), and then only if an operation the tool
// runs is authorized in at least one environment.
func (s *Server) offers(c *caller, tool string) bool {
	if tool == "whoami" {
		return true
	}
	if c.gate() != nil {
		return false
	}
	may := func(method, path string) bool {
		op, ok := findByPath(method, path)
		return ok && c.mayRun(op)
	}
	switch tool {
	case "list_operations":
		return true
	case "query":
		return c.mayRunAny(func(op *catalog.Operation) bool { return op.Class == classRead })
	case "mutate":
		// Without write access anywhere (whoami's access: role and settings) the policy refuses
		// every write; only then is the catalog walked for one the role's areas cover.
		return c.writesSomewhere() && c.mayRunAny(func(op *catalog.Operation) bool { return op.Class != classRead })
	case "describe_organization":
		return may("GET", "/organizations/{id}")
	case "debug_sign_in":
		return may("GET", "/user_management/users/{id}")
	case "audit_configuration":
		return may("GET", "/organizations")
	case "audit_logs":
		return may("POST", "/audit_logs/exports")
	case "onboard_customer":
		// Every step in one environment, as onboard_customer checks its plan before it starts.
		steps := [][2]string{{"POST", "/organizations"}, {"POST", "/portal/generate_link"}, {"POST", "/user_management/invitations"}}
		for i := range c.team.Environments {
			env, all := &c.team.Environments[i], true
			for _, st := range steps {
				op, ok := findByPath(st[0], st[1])
				all = all && ok && c.authorize(env, op) == nil
			}
			if all {
				return true
			}
		}
		return false
	}
	// A tool this rule does not know is offered: its calls still pass the policy.
	return true
}

// writesSomewhere reports whether the caller has write access in at least one environment.
func (c *caller) writesSomewhere() bool {
	for i := range c.team.Environments {
		if a, _ := c.access(&c.team.Environments[i]); a == AccessWrite {
			return true
		}
	}
	return false
}

// mayRunAny reports whether the caller may run, somewhere, any operation of the catalog that
// matches and that agents may run at all.
func (c *caller) mayRunAny(match func(*catalog.Operation) bool) bool {
	found := false
	catalog.Each(func(op *catalog.Operation) bool {
		found = match(op) && !excluded(op.Name) && c.mayRun(op)
		return !found
	})
	return found
}

// sessionFromExtra is the signed-in person of a request, as authkit's middleware left it: in
// the request's TokenInfo (go-sdk's auth), else in the context.
func sessionFromExtra(ctx context.Context, extra *mcp.RequestExtra) (*authkit.Session, bool) {
	if extra != nil && extra.TokenInfo != nil {
		if sess, ok := authkit.SessionFromTokenInfo(extra.TokenInfo); ok && sess != nil {
			return sess, true
		}
	}
	sess, ok := authkit.SessionFromContext(ctx)
	return sess, ok && sess != nil
}

// promptMissing names the first tool the named prompt needs that the caller is not offered, or
// "" when the prompt is theirs to use (or no such prompt exists: the SDK answers that).
func (s *Server) promptMissing(c *caller, name string) string {
	for _, p := range prompts() {
		if p.name != name {
			continue
		}
		for _, tool := range p.needs {
			if !s.offers(c, tool) {
				return tool
			}
		}
	}
	return ""
}
