package workspace_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/workos-mcp/workos-mcp/internal/devstack/devstacktest"
)

// TestE2EPrompts lists and gets the prompts through the go-sdk client, over HTTP, with a real
// token: the capability is declared and has prompts behind it, each prompt names tools that
// exist, and mistakes in a prompts/get are invalid-params errors that say what is wrong.
func TestE2EPrompts(t *testing.T) {
	st := devstacktest.Start(t, tokenConfirm)
	cs := as(t, st, "member-sandbox")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	if init := cs.InitializeResult(); init == nil || init.Capabilities == nil || init.Capabilities.Prompts == nil {
		t.Fatalf("prompts capability not declared: %+v", init)
	}
	list, err := cs.ListPrompts(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	tools, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var toolNames []string
	for _, tool := range tools.Tools {
		toolNames = append(toolNames, tool.Name)
	}
	type want struct {
		required []string
		args     map[string]string
		text     []string // in the rendered request
		tools    []string // named by the request; each must exist
	}
	wants := map[string]want{
		"onboard": {
			required: []string{"name", "admin_email"},
			args:     map[string]string{"name": "Acme Corp", "admin_email": "it@acme.test", "domains": "acme.test, Acme.org", "environment": "sandbox"},
			text:     []string{`"Acme Corp"`, `["acme.test","acme.org"]`, `admin_email="it@acme.test"`, `environment="sandbox"`},
			tools:    []string{"whoami", "describe_organization", "onboard_customer"},
		},
		"investigate_sign_in": {
			required: []string{"user"},
			args:     map[string]string{"user": "jo@acme.test", "symptom": "redirected back to the sign-in page"},
			text:     []string{`debug_sign_in with email="jo@acme.test"`, "redirected back to the sign-in page", "sandbox environment (the default)"},
			tools:    []string{"debug_sign_in", "describe_organization", "list_operations", "query"},
		},
		"review_organization": {
			required: []string{"organization"},
			args:     map[string]string{"organization": "org_01ABC", "environment": "production"},
			text:     []string{`describe_organization with organization_id="org_01ABC", environment="production"`, `audit_configuration with environment="production"`},
			tools:    []string{"describe_organization", "audit_configuration", "audit_logs"},
		},
	}
	if len(list.Prompts) != len(wants) {
		t.Fatalf("prompts/list: %d prompts, want %d", len(list.Prompts), len(wants))
	}
	for _, p := range list.Prompts {
		w, ok := wants[p.Name]
		if !ok {
			t.Fatalf("unexpected prompt %s", p.Name)
		}
		if p.Title == "" || p.Description == "" {
			t.Errorf("%s: title %q, description %q", p.Name, p.Title, p.Description)
		}
		var required []string
		for _, a := range p.Arguments {
			if a.Description == "" {
				t.Errorf("%s: argument %s has no description", p.Name, a.Name)
			}
			if a.Required {
				required = append(required, a.Name)
			}
		}
		if !slices.Equal(required, w.required) {
			t.Errorf("%s: required arguments %v, want %v", p.Name, required, w.required)
		}
		res, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: p.Name, Arguments: w.args})
		if err != nil {
			t.Fatalf("prompts/get %s: %v", p.Name, err)
		}
		if len(res.Messages) != 1 || res.Messages[0].Role != "user" {
			t.Fatalf("%s: messages %+v", p.Name, res.Messages)
		}
		text := res.Messages[0].Content.(*mcp.TextContent).Text
		for _, s := range append(w.text, w.tools...) {
			if !strings.Contains(text, s) {
				t.Errorf("%s: the request does not contain %q:\n%s", p.Name, s, text)
			}
		}
		for _, tool := range w.tools {
			if !slices.Contains(toolNames, tool) {
				t.Errorf("%s names tool %s, which the server does not have (%v)", p.Name, tool, toolNames)
			}
		}
	}

	// Mistakes: each an invalid-params error that names the problem.
	for _, tc := range []struct {
		name string
		args map[string]string
		want string
	}{
		{"nope", nil, `unknown prompt "nope"`},
		{"onboard", map[string]string{"name": "Acme"}, "prompt onboard: missing required argument admin_email: email address of the customer's first admin"},
		{"onboard", map[string]string{"name": "  ", "admin_email": "it@acme.test"}, "prompt onboard: missing required argument name"},
		{"onboard", map[string]string{"name": "Acme", "admin_email": "acme"}, `prompt onboard: admin_email "acme" is not an email address`},
		{"review_organization", map[string]string{"organisation": "org_1"}, "prompt review_organization: unknown argument organisation (arguments: organization, environment)"},
		{"investigate_sign_in", map[string]string{"user": "jo"}, `prompt investigate_sign_in: user "jo" is neither an email address nor a user ID (user_...)`},
		{"investigate_sign_in", map[string]string{"user": "jo@acme.test", "symptom": "a\nb"}, "prompt investigate_sign_in: argument symptom must be one line of text"},
		{"investigate_sign_in", map[string]string{"user": "jo@acme.test", "symptom": strings.Repeat("x", 501)}, "prompt investigate_sign_in: argument symptom is longer than 500 characters"},
	} {
		_, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: tc.name, Arguments: tc.args})
		var rpcErr *jsonrpc.Error
		if !errors.As(err, &rpcErr) || rpcErr.Code != jsonrpc.CodeInvalidParams || !strings.Contains(rpcErr.Message, tc.want) {
			t.Errorf("prompts/get %s %v: want invalid params %q, got %v", tc.name, tc.args, tc.want, err)
		}
	}
}
