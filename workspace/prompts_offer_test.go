package workspace

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestPromptsFollowTheToolOffer: prompts/list offers a person exactly the prompts whose tools
// tools/list offers them, and prompts/get refuses the others: a read-only role is not handed
// the onboarding request it could not carry out.
func TestPromptsFollowTheToolOffer(t *testing.T) {
	h := newHarness(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	args := map[string]map[string]string{
		"onboard":             {"name": "Acme", "admin_email": "it@acme.test"},
		"investigate_sign_in": {"user": "jo@acme.test"},
		"review_organization": {"organization": "org_acme"},
	}
	wantListed := map[string][]string{
		"admin":          {"investigate_sign_in", "onboard", "review_organization"},
		"support-viewer": nil, // decided below from its tools: it must not include onboard
		"intern":         {},  // an unknown role is offered whoami only, so no prompt
	}
	for role, want := range wantListed {
		t.Run(role, func(t *testing.T) {
			cs := h.connect(role, nil)
			tools, err := cs.ListTools(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			var offered []string
			for _, tool := range tools.Tools {
				offered = append(offered, tool.Name)
			}
			pl, err := cs.ListPrompts(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			var listed []string
			for _, p := range pl.Prompts {
				listed = append(listed, p.Name)
			}
			slices.Sort(listed)
			if pl.CacheScope != "private" {
				t.Errorf("a person's prompt list has cache scope %q, want private", pl.CacheScope)
			}
			for _, p := range prompts() {
				offer := true
				for _, need := range p.needs {
					offer = offer && slices.Contains(offered, need)
				}
				if offer != slices.Contains(listed, p.name) {
					t.Errorf("prompt %s listed=%v, but its tools %v offered=%v (tools %v)", p.name, !offer, p.needs, offer, offered)
				}
				_, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: p.name, Arguments: args[p.name]})
				switch {
				case offer && err != nil:
					t.Errorf("prompts/get %s: %v", p.name, err)
				case !offer && (err == nil || !strings.Contains(err.Error(), "which you may not use")):
					t.Errorf("prompts/get %s of a prompt not offered: %v", p.name, err)
				}
			}
			if want != nil && !slices.Equal(listed, want) && !(len(want) == 0 && len(listed) == 0) {
				t.Errorf("listed %v, want %v", listed, want)
			}
			if role == "support-viewer" && slices.Contains(listed, "onboard") {
				t.Errorf("a read-only role is offered onboard: %v", listed)
			}
		})
	}
}
