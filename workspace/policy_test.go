package workspace

import (
	"testing"

	"github.com/workos-mcp/workos-mcp/internal/mcptest"
)

func TestWhoami(t *testing.T) {
	h := newHarness(t, nil)
	m := mcptest.OK(t, h.connect("member-sandbox", nil), "whoami", nil)
	role := m["role"].(map[string]any)
	if role["slug"] != "member-sandbox" || role["source"] != "token" || role["known"] != true {
		t.Fatalf("role = %v", role)
	}
	envs := m["environments"].([]any)
	got := map[string]any{}
	for _, e := range envs {
		e := e.(map[string]any)
		got[e["name"].(string)] = e["access"]
	}
	if got["sandbox"] != "write" || got["production"] != "read" {
		t.Fatalf("environments = %v", envs)
	}

	// No role claim: the membership in the team's sign-in environment decides.
	m = mcptest.OK(t, h.connect("lookup", nil), "whoami", nil)
	if role := m["role"].(map[string]any); role["slug"] != "member-sandbox" || role["source"] != "membership" {
		t.Fatalf("looked-up role = %v", role)
	}

	// An organization without a team: whoami explains, every other tool refuses.
	cs := h.connect("stranger", nil)
	m = mcptest.OK(t, cs, "whoami", nil)
	if team := m["team"].(map[string]any); team["configured"] != false || m["note"] == nil {
		t.Fatalf("stranger whoami = %v", m)
	}
	mcptest.Fails(t, cs, "query", map[string]any{"operation": "organizations.list"}, "no team is configured")

	// Unknown role: whoami only.
	cs = h.connect("intern", nil)
	if m := mcptest.OK(t, cs, "whoami", nil); m["note"] == nil {
		t.Fatalf("intern whoami has no note: %v", m)
	}
	mcptest.Fails(t, cs, "list_operations", nil, "only whoami")
	mcptest.Fails(t, cs, "query", map[string]any{"operation": "organizations.list"}, "only whoami")
}

func TestRolesByEnvironment(t *testing.T) {
	h := newHarness(t, nil)
	type want struct{ read, write bool }
	cases := map[string]map[string]want{
		"admin":          {"sandbox": {true, true}, "production": {true, true}},
		"member":         {"sandbox": {true, true}, "production": {true, true}},
		"member-sandbox": {"sandbox": {true, true}, "production": {true, false}},
		"support":        {"sandbox": {true, true}, "production": {true, true}},
		"support-viewer": {"sandbox": {true, false}, "production": {true, false}},
	}
	for role, envs := range cases {
		cs := h.connect(role, nil)
		for env, w := range envs {
			_, _, isErr := mcptest.Call(t, cs, "query", map[string]any{"operation": "organizations.get", "params": map[string]any{"id": "org_acme"}, "environment": env})
			if isErr == w.read {
				t.Errorf("%s read in %s: error=%v, want allowed=%v", role, env, isErr, w.read)
			}
			text, _, isErr := mcptest.Call(t, cs, "mutate", map[string]any{"operation": "organizations.update", "params": map[string]any{"id": "org_acme", "name": "Acme " + role}, "environment": env})
			if isErr == w.write {
				t.Errorf("%s write in %s: error=%v (%s), want allowed=%v", role, env, isErr, text, w.write)
			}
		}
	}
	// Support roles reach users and organizations only.
	mcptest.Fails(t, h.connect("support", nil), "query", map[string]any{"operation": "webhook_endpoints.list"}, "covers only")
	mcptest.Fails(t, h.connect("support-viewer", nil), "query", map[string]any{"operation": "connections.list"}, "covers only")
	mcptest.OK(t, h.connect("support-viewer", nil), "query", map[string]any{"operation": "users.list"})
}

func TestAdminSettings(t *testing.T) {
	off := false
	t.Run("enabled off", func(t *testing.T) {
		h := newHarness(t, func(c *Config) { c.Teams[0].Settings.Enabled = &off })
		cs := h.connect("admin", nil)
		for tool, args := range map[string]map[string]any{
			"list_operations":       nil,
			"query":                 {"operation": "organizations.list"},
			"mutate":                {"operation": "organizations.create", "params": map[string]any{"name": "x"}},
			"describe_organization": {"organization_id": "org_acme"},
			"audit_configuration":   nil,
			"debug_sign_in":         {"email": "alice@acme.test"},
			"onboard_customer":      {"name": "x", "admin_email": "a@x.test"},
			"audit_logs":            {"organization_id": "org_acme"},
		} {
			mcptest.Fails(t, cs, tool, args, "disabled")
		}
		if m := mcptest.OK(t, cs, "whoami", nil); m["settings"].(map[string]any)["enabled"] != false {
			t.Fatalf("whoami settings = %v", m["settings"])
		}
	})
	t.Run("production off", func(t *testing.T) {
		h := newHarness(t, func(c *Config) { c.Teams[0].Settings.AllowProduction = &off })
		cs := h.connect("admin", nil)
		mcptest.OK(t, cs, "query", map[string]any{"operation": "organizations.list"})
		mcptest.Fails(t, cs, "query", map[string]any{"operation": "organizations.list", "environment": "production"}, "production")
	})
	t.Run("write off", func(t *testing.T) {
		h := newHarness(t, func(c *Config) { c.Teams[0].Settings.AllowWrite = &off })
		cs := h.connect("admin", nil)
		mcptest.OK(t, cs, "query", map[string]any{"operation": "organizations.list"})
		mcptest.Fails(t, cs, "mutate", map[string]any{"operation": "organizations.create", "params": map[string]any{"name": "X"}}, "read-only")
		mcptest.Fails(t, cs, "onboard_customer", map[string]any{"name": "X", "admin_email": "a@x.test"}, "read-only")
		if h.api.deleteCount() != 0 {
			t.Fatal("something was deleted")
		}
	})
}

func TestBadCalls(t *testing.T) {
	h := newHarness(t, nil)
	cs := h.connect("admin", nil)
	mcptest.Fails(t, cs, "query", map[string]any{"operation": "organizations.nope"}, "unknown operation")
	mcptest.Fails(t, cs, "query", map[string]any{"operation": "organizations.create", "params": map[string]any{"name": "x"}}, "run it with mutate")
	mcptest.Fails(t, cs, "mutate", map[string]any{"operation": "organizations.list"}, "run it with query")
	mcptest.Fails(t, cs, "query", map[string]any{"operation": "organizations.get"}, "missing required parameter(s) id")
	mcptest.Fails(t, cs, "query", map[string]any{"operation": "organizations.get", "params": map[string]any{"id": "org_acme", "bogus": 1}}, "unknown parameter(s) bogus")
	mcptest.Fails(t, cs, "query", map[string]any{"operation": "organizations.list", "environment": "staging"}, "unknown environment")
	mcptest.Fails(t, cs, "query", map[string]any{"operation": "organizations.get", "params": map[string]any{"id": "org_missing"}}, "404")
	mcptest.Fails(t, cs, "list_operations", map[string]any{"class": "scary"}, "does not equal any of: [read write destructive]")
	mcptest.Fails(t, cs, "query", map[string]any{"operation": "organizations.list", "params": map[string]any{"limit": "ten"}}, "invalid parameters")
	mcptest.Fails(t, cs, "query", map[string]any{"operation": "organizations.list", "params": map[string]any{"limit": 1000}}, "invalid parameters")
	mcptest.Fails(t, cs, "query", map[string]any{"operation": "sso.get_profile"}, "unknown operation")
	// The team itself is out of reach: the server never changes its own access.
	mcptest.Fails(t, cs, "mutate", map[string]any{"operation": "organizations.update", "params": map[string]any{"id": teamOrg, "name": "x"}}, "team's own organization")
	mcptest.Fails(t, cs, "mutate", map[string]any{"operation": "organizations.delete", "params": map[string]any{"id": teamOrg}}, "team's own organization")
}

func TestListOperations(t *testing.T) {
	h := newHarness(t, nil)
	m := mcptest.OK(t, h.connect("admin", nil), "list_operations", map[string]any{"words": "organizations"})
	if m["count"].(float64) < 4 {
		t.Fatalf("admin sees %v operations", m["count"])
	}
	m = mcptest.OK(t, h.connect("support-viewer", nil), "list_operations", map[string]any{"class": "destructive"})
	if m["count"].(float64) != 0 {
		t.Fatalf("support-viewer sees destructive operations: %v", m["operations"])
	}
	m = mcptest.OK(t, h.connect("support-viewer", nil), "list_operations", map[string]any{"words": "webhook"})
	if m["count"].(float64) != 0 {
		t.Fatalf("support-viewer sees webhooks: %v", m["operations"])
	}
	m = mcptest.OK(t, h.connect("admin", nil), "list_operations", map[string]any{"operation": "organizations.get"})
	if m["params"] == nil || m["tool"] != "query" {
		t.Fatalf("schema answer = %v", m)
	}
}
