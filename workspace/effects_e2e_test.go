package workspace_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/workos-mcp/workos-mcp/emulator"
	"github.com/workos-mcp/workos-mcp/internal/devstack"
	"github.com/workos-mcp/workos-mcp/internal/devstack/devstacktest"
	"github.com/workos-mcp/workos-mcp/internal/mcptest"
	"github.com/workos-mcp/workos-mcp/workos"
)

// These tests drive the effects model through the real stack (authkit, the pipeline, the
// emulator): the same effect is refused or confirmed whatever operation carries it.

// sandboxGet reads an object straight from the emulator with the sandbox key, to see what really
// changed.
func sandboxGet(t *testing.T, st *devstack.Stack, path string) map[string]any {
	t.Helper()
	c := workos.New(workos.Options{BaseURL: st.EmulatorURL(), APIKey: emulator.DemoSandboxAPIKey})
	var m map[string]any
	if _, err := c.Do(context.Background(), "GET", path, nil, nil, &m); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return m
}

func firstUser(t *testing.T, st *devstack.Stack) map[string]any {
	t.Helper()
	m := sandboxGet(t, st, "/user_management/users?limit=1")
	return m["data"].([]any)[0].(map[string]any)
}

// TestE2ECredentialFieldsRefused: whatever sets a way to sign in as someone is refused under every
// operation that carries it, for every role, in every environment, and nothing changes.
func TestE2ECredentialFieldsRefused(t *testing.T) {
	st := devstacktest.Start(t, tokenConfirm)
	u := firstUser(t, st)
	id := u["id"].(string)
	before, _ := json.Marshal(sandboxGet(t, st, "/user_management/users/"+id))
	cases := []struct {
		op     string
		params map[string]any
	}{
		{"users.update", map[string]any{"id": id, "password": "attacker-chosen-1!"}},
		{"users.update", map[string]any{"id": id, "password_hash": "$2b$10$abcdefghijklmnopqrstuu", "password_hash_type": "bcrypt"}},
		{"users.update", map[string]any{"id": id, "email": "attacker@evil.test"}},
		{"users.update", map[string]any{"id": id, "email": "attacker@evil.test", "email_verified": true}},
		{"users.update", map[string]any{"id": id, "email_verified": false}},
		{"users.update", map[string]any{"id": id, "first_name": "Harmless", "password": "x-Attacker-1!"}},
		{"users.update", map[string]any{"id": id, "password": nil}},
		{"users.create", map[string]any{"email": "sleeper@evil.test", "password": "attacker-chosen-1!"}},
		{"users.create", map[string]any{"email": "sleeper@evil.test", "email_verified": true}},
		{"users.create", map[string]any{"email": "sleeper@evil.test", "password_hash": "$2b$10$abcdefghijklmnopqrstuu", "password_hash_type": "bcrypt"}},
		{"users.send_email_change", map[string]any{"id": id, "new_email": "attacker@evil.test"}},
	}
	for _, role := range []string{"admin", "member", "support"} {
		cs := as(t, st, role)
		for _, env := range []string{"sandbox", "production"} {
			for _, c := range cases {
				args := map[string]any{"operation": c.op, "params": c.params, "environment": env}
				text, _, isErr := mcptest.Call(t, cs, "mutate", args)
				if !isErr || !strings.Contains(text, "refused to agents") || !strings.Contains(text, "sign in as someone") {
					t.Errorf("%s %s %s %v: want a refusal, got (error=%v) %s", role, env, c.op, c.params, isErr, text)
				}
				if strings.Contains(text, "attacker-chosen") || strings.Contains(text, "$2b$") {
					t.Errorf("the refusal echoes the value: %s", text)
				}
			}
		}
	}
	after, _ := json.Marshal(sandboxGet(t, st, "/user_management/users/"+id))
	if string(before) != string(after) {
		t.Errorf("the user changed:\nbefore %s\nafter  %s", before, after)
	}
	list := sandboxGet(t, st, "/user_management/users?email=sleeper@evil.test")
	if n := len(list["data"].([]any)); n != 0 {
		t.Errorf("a user was created: %v", list)
	}
	// The same person may still change harmless fields, and see why the others are refused.
	admin := as(t, st, "admin")
	mcptest.OK(t, admin, "mutate", map[string]any{"operation": "users.update", "params": map[string]any{"id": id, "first_name": "Renamed"}})
	m := mcptest.OK(t, admin, "list_operations", map[string]any{"operation": "users.update"})
	rf, _ := m["refused_fields"].(map[string]any)
	if rf == nil || !strings.Contains(strings.Join(anyStrings(rf["fields"]), ","), "password") {
		t.Errorf("list_operations does not list the refused fields: %v", m)
	}
}

func anyStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// TestE2EReplacingUpdateIsConfirmed: an update that would remove a verified domain needs the
// same confirmation as organization_domains.delete, and its plan says what goes; an update that
// keeps every domain runs at once.
func TestE2EReplacingUpdateIsConfirmed(t *testing.T) {
	st := devstacktest.Start(t, tokenConfirm)
	admin := as(t, st, "admin")
	acme := orgByName(t, admin, "sandbox", "Acme Corp")
	domains := func() string {
		var ds []string
		for _, d := range sandboxGet(t, st, "/organizations/"+acme)["domains"].([]any) {
			ds = append(ds, d.(map[string]any)["domain"].(string))
		}
		return strings.Join(ds, ",")
	}
	start := domains()
	if !strings.Contains(start, "acme.test") {
		t.Fatalf("seed: Acme domains %s", start)
	}
	for _, params := range []map[string]any{
		{"id": acme, "domain_data": []any{}},
		{"id": acme, "domain_data": []any{map[string]any{"domain": "acme-corp.test", "state": "pending"}}},
		{"id": acme, "domains": []any{}},
		{"id": acme, "domains": []any{"other.test"}},
		{"id": acme, "name": "Acme Corp", "domain_data": []any{map[string]any{"domain": "ACME.TEST", "state": "verified"}, map[string]any{"domain": "acme-corp.test", "state": "pending"}}},
	} {
		m := mcptest.OK(t, admin, "mutate", map[string]any{"operation": "organizations.update", "params": params})
		if m["status"] != "confirmation_required" {
			t.Fatalf("%v ran without confirmation: %v", params, m)
		}
		plan, _ := json.Marshal(m["would_destroy"])
		if !strings.Contains(string(plan), "acme.test") {
			t.Errorf("%v: the plan does not name the removed domain: %s", params, plan)
		}
		if domains() != start {
			t.Fatalf("%v changed the domains before confirmation: %s", params, domains())
		}
	}
	// Keeping every domain (and adding one) is not destructive.
	keep := map[string]any{"id": acme, "domain_data": []any{
		map[string]any{"domain": "acme.test", "state": "verified"},
		map[string]any{"domain": "acme-corp.test", "state": "pending"},
		map[string]any{"domain": "acme-extra.test", "state": "pending"},
	}}
	m := mcptest.OK(t, admin, "mutate", map[string]any{"operation": "organizations.update", "params": keep})
	if m["status"] == "confirmation_required" {
		t.Fatalf("adding a domain asked for confirmation: %v", m)
	}
	// Removing it again with the token from the plan: runs once.
	drop := map[string]any{"id": acme, "domain_data": []any{map[string]any{"domain": "acme.test", "state": "verified"}, map[string]any{"domain": "acme-corp.test", "state": "pending"}}}
	m = mcptest.OK(t, admin, "mutate", map[string]any{"operation": "organizations.update", "params": drop})
	if m["status"] != "confirmation_required" || !strings.Contains(mustMarshal(m["would_destroy"]), "acme-extra.test") || strings.Contains(mustMarshal(m["would_destroy"]), `"acme.test"`) {
		t.Fatalf("plan: %v", m)
	}
	args := map[string]any{"operation": "organizations.update", "params": drop, "confirmation_token": m["confirmation_token"]}
	mcptest.OK(t, admin, "mutate", args)
	if strings.Contains(domains(), "acme-extra.test") {
		t.Errorf("the confirmed update did not run: %s", domains())
	}
	// A replay refuses: with nothing to remove it is a plain write that takes no token; with the
	// domain back, the token is spent.
	mcptest.Fails(t, admin, "mutate", args, "takes no confirmation_token")
	mcptest.OK(t, admin, "mutate", map[string]any{"operation": "organizations.update", "params": keep})
	mcptest.Fails(t, admin, "mutate", args, "already used")
	if !strings.Contains(domains(), "acme-extra.test") {
		t.Errorf("the replay removed the domain: %s", domains())
	}
	// A confirmation token is no bypass for a write that removes nothing.
	mcptest.Fails(t, admin, "mutate", map[string]any{"operation": "organizations.update", "params": map[string]any{"id": acme, "name": "Acme Corp"}, "confirmation_token": m["confirmation_token"]}, "takes no confirmation_token")

	// Permissions: set_permissions with a shorter set is confirmed, naming what goes.
	m = mcptest.OK(t, admin, "mutate", map[string]any{"operation": "roles.set_permissions", "params": map[string]any{"slug": "member", "permissions": []any{"documents:read"}}})
	if m["status"] != "confirmation_required" || !strings.Contains(mustMarshal(m["would_destroy"]), "documents:write") {
		t.Fatalf("roles.set_permissions: %v", m)
	}
	perms := mustMarshal(sandboxGet(t, st, "/authorization/roles/member")["permissions"])
	if !strings.Contains(perms, "documents:write") {
		t.Errorf("permissions changed before confirmation: %s", perms)
	}
	// The same removal under its own name is destructive too.
	m = mcptest.OK(t, admin, "mutate", map[string]any{"operation": "organization_roles.remove_permission", "params": map[string]any{"organizationId": acme, "slug": "org-billing-admin", "permissionSlug": "billing:manage"}})
	if m["status"] != "confirmation_required" {
		t.Errorf("organization_roles.remove_permission ran at once: %v", m)
	}
}

func mustMarshal(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestE2EAreas: support roles reach users, organizations, domains and the events about them;
// not API keys, retention, groups or SSO under an /organizations path, and not the events of other
// areas; and they may not destroy what hangs off an organization outside their areas.
func TestE2EAreas(t *testing.T) {
	st := devstacktest.Start(t, tokenConfirm)
	admin := as(t, st, "admin")
	acme := orgByName(t, admin, "sandbox", "Acme Corp")
	// Events of several areas: an organization (organizations), a group (roles).
	org := mcptest.OK(t, admin, "mutate", map[string]any{"operation": "organizations.create", "params": map[string]any{"name": "Areas Test"}})["result"].(map[string]any)["id"].(string)
	mcptest.OK(t, admin, "mutate", map[string]any{"operation": "groups.create", "params": map[string]any{"organizationId": org, "name": "Engineers"}})

	sv := as(t, st, "support-viewer")
	for _, c := range []struct {
		op     string
		params map[string]any
	}{
		{"organization_api_keys.list", map[string]any{"organizationId": acme}},
		{"audit_log_retention.get", map[string]any{"id": acme}},
		{"organizations.get_audit_log_configuration", map[string]any{"id": acme}},
		{"groups.list", map[string]any{"organizationId": acme}},
		{"organization_feature_flags.list", map[string]any{"organizationId": acme}},
		{"connections.list", map[string]any{}},
	} {
		mcptest.Fails(t, sv, "query", map[string]any{"operation": c.op, "params": c.params}, "your role does not allow this")
	}
	mcptest.OK(t, sv, "query", map[string]any{"operation": "organizations.get", "params": map[string]any{"id": acme}})

	all := mcptest.OK(t, admin, "query", map[string]any{"operation": "events.list", "params": map[string]any{"limit": 100}})
	seen := map[string]bool{}
	for _, e := range all["result"].(map[string]any)["data"].([]any) {
		seen[e.(map[string]any)["event"].(string)] = true
	}
	if !seen["group.created"] || !seen["organization.created"] {
		t.Fatalf("admin events: %v", seen)
	}
	m := mcptest.OK(t, sv, "query", map[string]any{"operation": "events.list", "params": map[string]any{"limit": 100}})
	got := map[string]bool{}
	for _, e := range m["result"].(map[string]any)["data"].([]any) {
		got[e.(map[string]any)["event"].(string)] = true
	}
	if got["group.created"] || !got["organization.created"] {
		t.Errorf("support-viewer events: %v", got)
	}
	if m["hidden_outside_your_areas"] == nil {
		t.Errorf("the answer does not say events were left out: %v", m)
	}
	for _, types := range [][]any{{"group.created"}, {"organization.created", "dsync.user.created"}, {"api_key.created"}, {"unknown.type"}} {
		mcptest.Fails(t, sv, "query", map[string]any{"operation": "events.list", "params": map[string]any{"events": types}}, "reads only events about")
	}
	mcptest.OK(t, sv, "query", map[string]any{"operation": "events.list", "params": map[string]any{"events": []any{"organization.created"}}})

	// support may delete an organization, but not one whose SSO connections and directories
	// would go with it: those are outside its areas.
	sup := as(t, st, "support")
	mcptest.Fails(t, sup, "mutate", map[string]any{"operation": "organizations.delete", "params": map[string]any{"id": acme}}, "outside your role's areas")
	sandboxGet(t, st, "/organizations/"+acme)
	empty := mcptest.OK(t, sup, "mutate", map[string]any{"operation": "organizations.create", "params": map[string]any{"name": "Deletable"}})["result"].(map[string]any)["id"].(string)
	m = mcptest.OK(t, sup, "mutate", map[string]any{"operation": "organizations.delete", "params": map[string]any{"id": empty}})
	if m["status"] != "confirmation_required" {
		t.Errorf("support delete of an empty organization: %v", m)
	}
	// whoami names the areas.
	w := mcptest.OK(t, sv, "whoami", nil)
	if areas, _ := w["role"].(map[string]any)["areas"].(map[string]any); areas["users"] == nil || areas["api_keys"] != nil {
		t.Errorf("whoami areas: %v", w["role"])
	}
}
