package workspace

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/workos-mcp/workos-mcp/internal/mcptest"
)

// TestToolsListOffersOnlyUsableTools: each person sees the tools the policy lets them use, and
// a hidden tool called anyway is refused by the policy, so that list and call agree.
func TestToolsListOffersOnlyUsableTools(t *testing.T) {
	all := []string{"whoami", "list_operations", "query", "mutate", "describe_organization", "onboard_customer", "debug_sign_in", "audit_configuration", "audit_logs"}
	readOnly := []string{"whoami", "list_operations", "query", "describe_organization", "debug_sign_in", "audit_configuration", "audit_logs"}
	// support-viewer reads users and organizations only: no audit-log export.
	supportViewer := []string{"whoami", "list_operations", "query", "describe_organization", "debug_sign_in", "audit_configuration"}
	// support writes users and organizations, but may not make Admin Portal links.
	support := []string{"whoami", "list_operations", "query", "mutate", "describe_organization", "debug_sign_in", "audit_configuration"}
	off := false
	for _, tc := range []struct {
		name, user string
		settings   Settings
		want       []string
	}{
		{"admin", "admin", Settings{}, all},
		{"member", "member", Settings{}, all},
		{"member-sandbox", "member-sandbox", Settings{}, all},
		{"support", "support", Settings{}, support},
		{"support-viewer", "support-viewer", Settings{}, supportViewer},
		{"unknown role", "intern", Settings{}, []string{"whoami"}},
		{"no team", "stranger", Settings{}, []string{"whoami"}},
		{"writes off", "admin", Settings{AllowWrite: &off}, readOnly},
		{"team disabled", "admin", Settings{Enabled: &off}, []string{"whoami"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, func(c *Config) { c.Teams[0].Settings = tc.settings; c.Teams[0].PinSettings = true })
			cs := h.connect(tc.user, nil)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			res, err := cs.ListTools(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, tool := range res.Tools {
				got = append(got, tool.Name)
			}
			want := slices.Sorted(slices.Values(tc.want)) // the SDK lists tools by name
			if !slices.Equal(got, want) {
				t.Errorf("tools/list = %v, want %v", got, want)
			}
			if res.CacheScope != "private" {
				t.Errorf("cacheScope = %q: a person's list must not be shared", res.CacheScope)
			}
			// A hidden tool called anyway is refused.
			for _, name := range all {
				if slices.Contains(tc.want, name) {
					continue
				}
				text, _, isErr := mcptest.Call(t, cs, name, hiddenCallArgs[name])
				if !isErr {
					t.Errorf("hidden tool %s ran: %s", name, text)
				}
			}
		})
	}
}

// hiddenCallArgs are valid calls of each tool, so that a refusal comes from the policy rather
// than from the arguments.
var hiddenCallArgs = map[string]map[string]any{
	"list_operations":       {},
	"query":                 {"operation": "organizations.list"},
	"mutate":                {"operation": "organizations.create", "params": map[string]any{"name": "Hidden"}},
	"describe_organization": {"organization_id": "org_acme"},
	"onboard_customer":      {"name": "Hidden", "domains": []any{"hidden.test"}, "admin_email": "it@hidden.test"},
	"debug_sign_in":         {"email": "bob@acme.test"},
	"audit_configuration":   {},
	"audit_logs":            {"organization_id": "org_acme"},
}

// TestListOperationsSaysWhyNothingRuns: a search that matched only operations the policy
// refuses says the policy's reason, not "try fewer words".
func TestListOperationsSaysWhyNothingRuns(t *testing.T) {
	h := newHarness(t, nil)
	m := mcptest.OK(t, h.connect("support-viewer", nil), "list_operations", map[string]any{"words": "organizations", "class": "write"})
	if hint, _ := m["hint"].(string); !strings.Contains(hint, "your role support-viewer may only read") || m["count"] != float64(0) {
		t.Errorf("support-viewer asking for writes: %v", m)
	}
	m = mcptest.OK(t, h.connect("support-viewer", nil), "list_operations", map[string]any{"words": "webhook endpoints"})
	if hint, _ := m["hint"].(string); !strings.Contains(hint, "covers only the areas") {
		t.Errorf("support-viewer asking outside its areas: %v", m)
	}
	m = mcptest.OK(t, h.connect("admin", nil), "list_operations", map[string]any{"words": "zzz no such thing"})
	if hint, _ := m["hint"].(string); !strings.Contains(hint, "try fewer words") {
		t.Errorf("nothing matched: %v", m)
	}
	off := false
	h = newHarness(t, func(c *Config) { c.Teams[0].Settings = Settings{AllowWrite: &off}; c.Teams[0].PinSettings = true })
	m = mcptest.OK(t, h.connect("admin", nil), "list_operations", map[string]any{"words": "organizations", "class": "destructive"})
	if hint, _ := m["hint"].(string); !strings.Contains(hint, "a team admin made MCP access read-only") {
		t.Errorf("writes off: %v", m)
	}
}

// TestQueryFields: fields keeps only the named top-level fields of each list item (or of the
// object), reports names no item has, and leaves redaction in force.
func TestQueryFields(t *testing.T) {
	h := newHarness(t, nil)
	cs := h.connect("admin", nil)
	m := mcptest.OK(t, cs, "query", map[string]any{"operation": "organizations.list", "fields": []any{"id", "name", "domains"}})
	res := m["result"].(map[string]any)
	items := res["data"].([]any)
	if len(items) == 0 || res["list_metadata"] == nil {
		t.Fatalf("result = %v", res)
	}
	for _, it := range items {
		for k := range it.(map[string]any) {
			if k != "id" && k != "name" && k != "domains" {
				t.Errorf("item has %s: %v", k, it)
			}
		}
	}
	if m["unknown_fields"] != nil {
		t.Errorf("unknown_fields = %v", m["unknown_fields"])
	}
	m = mcptest.OK(t, cs, "query", map[string]any{"operation": "organizations.get", "params": map[string]any{"id": "org_acme"}, "fields": []any{"name", "nmae"}})
	if r := m["result"].(map[string]any); len(r) != 1 || r["name"] != "Acme" {
		t.Errorf("object result = %v", r)
	}
	if u, _ := m["unknown_fields"].([]any); len(u) != 1 || u[0] != "nmae" {
		t.Errorf("unknown_fields = %v", m["unknown_fields"])
	}
	text, m, _ := mcptest.Call(t, cs, "query", map[string]any{"operation": "webhook_endpoints.list", "fields": []any{"id", "secret"}})
	if strings.Contains(text, "whsec_SECRET") || m["redacted_fields"] == nil {
		t.Errorf("a selected secret is not redacted: %s", text)
	}
	mcptest.Fails(t, cs, "query", map[string]any{"operation": "organizations.list", "fields": []any{"id", "id"}}, "named twice")
}
