package workspace

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Prompts are the jobs people bring, written as a request to their agent that names the tools
// doing each step. A client shows them as commands (Claude Code: /mcp__workos__onboard); the
// person fills in the arguments and the agent gets the text. They read nothing and change
// nothing themselves: every step is a tool call, under the same policy as any other. See
// docs/design.md, "Prompts".

// prompt is one prompt template.
type prompt struct {
	name, title, description string
	args                     []promptArg
	// needs are the tools the request cannot do without: the prompt is offered to a person only
	// when tools/list offers them every one (offer.go), so that a read-only role is not handed a
	// request for a write it may not run.
	needs []string
	// render writes the request from arguments already checked against args (trimmed; absent
	// optional ones are ""). An error is the person's mistake in a value.
	render func(a map[string]string) (string, error)
}

// promptArg is one argument of a prompt. MCP prompt arguments are strings.
type promptArg struct {
	name, description string
	required          bool
}

// maxPromptArg bounds an argument's length: values are names, emails, IDs and a short symptom.
const maxPromptArg = 500

// prompts lists the prompts (prompts/list answers them sorted by name). Names are part of the
// interface: clients turn them into commands people remember.
func prompts() []prompt {
	env := promptArg{name: "environment", description: "environment name; default: the team's sandbox"}
	return []prompt{
		{
			name: "onboard", title: "Onboard a customer",
			description: "Set up a new customer organization with its domains, an Admin Portal link for their " +
				"IT admin and an invitation for their first admin, after checking what already exists.",
			args: []promptArg{
				{name: "name", description: "the customer's organization name", required: true},
				{name: "admin_email", description: "email address of the customer's first admin", required: true},
				{name: "domains", description: "the customer's email domains, separated by commas (e.g. example.com, example.org)"},
				env,
			},
			needs:  []string{"describe_organization", "onboard_customer"},
			render: renderOnboard,
		},
		{
			name: "investigate_sign_in", title: "Investigate a sign-in problem",
			description: "Find out why a user cannot sign in: their account, memberships, recent sessions and " +
				"authentication events, and the SSO connection of their domain. Reads only.",
			args: []promptArg{
				{name: "user", description: "the user's email address or user ID (user_...)", required: true},
				{name: "symptom", description: "what the user sees, e.g. an error message"},
				env,
			},
			needs:  []string{"debug_sign_in"},
			render: renderInvestigateSignIn,
		},
		{
			name: "review_organization", title: "Review an organization's configuration",
			description: "Check an organization's domains, SSO connections, directories, members and invitations, " +
				"and list what is wrong or missing with how to fix it. Reads only.",
			args: []promptArg{
				{name: "organization", description: "the organization's ID (org_...), one of its domains, or its external ID", required: true},
				env,
			},
			needs:  []string{"describe_organization"},
			render: renderReviewOrganization,
		},
	}
}

// addPrompts registers the prompts on the MCP server.
func addPrompts(srv *mcp.Server) {
	for _, p := range prompts() {
		mp := &mcp.Prompt{Name: p.name, Title: p.title, Description: p.description}
		for _, a := range p.args {
			mp.Arguments = append(mp.Arguments, &mcp.PromptArgument{Name: a.name, Description: a.description, Required: a.required})
		}
		srv.AddPrompt(mp, p.get)
	}
}

// get answers prompts/get. Mistakes in the arguments are invalid params (-32602) that say which
// argument and what is expected; the SDK answers an unknown prompt name the same way.
func (p prompt) get(_ context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
	args, err := p.check(req.Params.Arguments)
	if err == nil {
		var text string
		if text, err = p.render(args); err == nil {
			return &mcp.GetPromptResult{
				Description: p.description,
				Messages:    []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{Text: text}}},
			}, nil
		}
	}
	return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: fmt.Sprintf("prompt %s: %v", p.name, err)}
}

// check validates arguments against the prompt's: no unknown names (a typo would otherwise be
// dropped silently), every required one present and not blank, each one line of bounded length.
func (p prompt) check(in map[string]string) (map[string]string, error) {
	names := make([]string, len(p.args))
	for i, a := range p.args {
		names[i] = a.name
	}
	unknown := make([]string, 0)
	for name := range in {
		if !slices.Contains(names, name) {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return nil, fmt.Errorf("unknown argument %s (arguments: %s)", strings.Join(unknown, ", "), strings.Join(names, ", "))
	}
	out := make(map[string]string, len(p.args))
	for _, a := range p.args {
		v := strings.TrimSpace(in[a.name])
		switch {
		case v == "" && a.required:
			return nil, fmt.Errorf("missing required argument %s: %s", a.name, a.description)
		case len(v) > maxPromptArg:
			return nil, fmt.Errorf("argument %s is longer than %d characters", a.name, maxPromptArg)
		case strings.ContainsFunc(v, unicode.IsControl):
			return nil, fmt.Errorf("argument %s must be one line of text", a.name)
		}
		out[a.name] = v
	}
	return out, nil
}

// envPhrase names the environment in the request and the argument to pass to the tools.
func envPhrase(env string) (phrase, param string) {
	if env == "" {
		return "the sandbox environment (the default)", ""
	}
	return "the " + quote(env) + " environment", ", environment=" + quote(env)
}

// quote writes a value as a JSON string, so that the agent passes it to a tool exactly as given.
func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func renderOnboard(a map[string]string) (string, error) {
	if !strings.Contains(a["admin_email"], "@") {
		return "", fmt.Errorf("admin_email %s is not an email address", quote(a["admin_email"]))
	}
	var domains []string
	for _, d := range strings.FieldsFunc(a["domains"], func(r rune) bool { return r == ',' || unicode.IsSpace(r) }) {
		domains = append(domains, strings.ToLower(d))
	}
	envText, envParam := envPhrase(a["environment"])
	var b strings.Builder
	fmt.Fprintf(&b, "Onboard a new customer, %s, in %s.\n\n", quote(a["name"]), envText)
	b.WriteString("1. Call whoami and check that I have write access to that environment; if I do not, stop and tell me why.\n")
	if len(domains) > 0 {
		list, _ := json.Marshal(domains)
		fmt.Fprintf(&b, "2. For each of the domains %s, call describe_organization with domain=<the domain>%s, to see whether "+
			"an organization already holds it. If one does, show me which and ask me how to go on.\n", list, envParam)
		fmt.Fprintf(&b, "3. Show me the plan (organization %s, domains %s, first admin %s) and wait until I agree.\n",
			quote(a["name"]), list, quote(a["admin_email"]))
		fmt.Fprintf(&b, "4. Call onboard_customer with name=%s, domains=%s, admin_email=%s%s. It checks everything before "+
			"it changes anything, and running it again reuses what already exists.\n", quote(a["name"]), list, quote(a["admin_email"]), envParam)
	} else {
		b.WriteString("2. No domains were given: ask me for the customer's email domains, or whether to go on without any.\n")
		fmt.Fprintf(&b, "3. Show me the plan (organization %s, the domains, first admin %s) and wait until I agree.\n",
			quote(a["name"]), quote(a["admin_email"]))
		fmt.Fprintf(&b, "4. Call onboard_customer with name=%s, the domains, admin_email=%s%s. It checks everything before "+
			"it changes anything, and running it again reuses what already exists.\n", quote(a["name"]), quote(a["admin_email"]), envParam)
	}
	b.WriteString("5. Tell me what was created or reused, the Admin Portal link to send to the customer's IT admin, and " +
		"to whom the invitation went. If the tool refuses a value, show me its message rather than guessing a fix.")
	return b.String(), nil
}

func renderInvestigateSignIn(a map[string]string) (string, error) {
	user := a["user"]
	var who string
	switch {
	case strings.Contains(user, "@"):
		who = "email=" + quote(user)
	case strings.HasPrefix(user, "user_"):
		who = "user_id=" + quote(user)
	default:
		return "", fmt.Errorf("user %s is neither an email address nor a user ID (user_...)", quote(user))
	}
	envText, envParam := envPhrase(a["environment"])
	var b strings.Builder
	fmt.Fprintf(&b, "The user %s cannot sign in", quote(user))
	if a["symptom"] != "" {
		fmt.Fprintf(&b, "; what they see: %s", quote(a["symptom"]))
	}
	fmt.Fprintf(&b, ". Find out why, in %s, without changing anything.\n\n", envText)
	fmt.Fprintf(&b, "1. Call debug_sign_in with %s%s. Read its findings: the user's state, memberships, recent sessions "+
		"and authentication events, and the SSO connection that serves their email domain.\n", who, envParam)
	fmt.Fprintf(&b, "2. If the cause lies with the organization (an unverified domain, an inactive connection, no "+
		"membership), call describe_organization for that organization%s.\n", envParam)
	b.WriteString("3. If you need more, find read operations with list_operations (class read) and run them with query.\n")
	b.WriteString("4. Tell me the most likely cause, the evidence for it, and how to fix it. Make no change yourself: " +
		"if the fix is a write, name the operation and its parameters and let me decide.")
	return b.String(), nil
}

func renderReviewOrganization(a map[string]string) (string, error) {
	org := a["organization"]
	var by string
	switch {
	case strings.HasPrefix(org, "org_"):
		by = "organization_id=" + quote(org)
	case strings.Contains(org, ".") && !strings.ContainsAny(org, "@/ "):
		by = "domain=" + quote(strings.ToLower(org))
	default:
		by = "external_id=" + quote(org)
	}
	envText, envParam := envPhrase(a["environment"])
	var b strings.Builder
	fmt.Fprintf(&b, "Review the configuration of the organization %s in %s, reading only.\n\n", quote(org), envText)
	fmt.Fprintf(&b, "1. Call describe_organization with %s%s: its domains and their verification, SSO connections, "+
		"directories, members and pending invitations. If it finds several organizations, ask me which one.\n", by, envParam)
	if a["environment"] != "" {
		fmt.Fprintf(&b, "2. Call audit_configuration with environment=%s and keep the findings about this organization.\n", quote(a["environment"]))
	} else {
		b.WriteString("2. Call audit_configuration and keep the findings about this organization.\n")
	}
	b.WriteString("3. If recent changes matter, call audit_logs with its organization_id for the last 30 days (this " +
		"prepares an export; it changes nothing).\n")
	b.WriteString("4. Report what is set up, then what is wrong or missing, most serious first, each with how to fix " +
		"it. Change nothing: name the operation for each fix and let me decide.")
	return b.String(), nil
}
