package workspace_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/workos-mcp/workos-mcp/internal/logtest"
	"github.com/workos-mcp/workos-mcp/internal/mcptest"
	"github.com/workos-mcp/workos-mcp/workspace"
)

// TestE2EPathTraversalAttacks reproduces issue 9's path traversal against the emulator:
// group_members.remove with groupId/omId ".." deleted the organization, and
// organization_roles.remove_permission with permissionSlug ".." deleted the role. Each is now
// an invalid-parameters tool error, nothing reaches WorkOS, nothing changes, and the record
// says invalid.
func TestE2EPathTraversalAttacks(t *testing.T) {
	var logs logtest.Buffer
	st := newLocalStack(t, func(c *workspace.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	})
	admin := st.as(t, "admin")
	support := st.as(t, "support")

	org := mcptest.OK(t, admin, "mutate", map[string]any{"operation": "organizations.create",
		"params": map[string]any{"name": "Traversal Target"}})
	orgID := org["result"].(map[string]any)["id"].(string)
	mcptest.OK(t, admin, "mutate", map[string]any{"operation": "organization_roles.create",
		"params": map[string]any{"organizationId": orgID, "slug": "org-traversal-role", "name": "Traversal role"}})

	attacks := []struct {
		role   string
		op     string
		params map[string]any
	}{
		{"support", "group_members.remove", map[string]any{"organizationId": orgID, "groupId": "..", "omId": ".."}},
		{"admin", "group_members.remove", map[string]any{"organizationId": orgID, "groupId": "..", "omId": ".."}},
		{"admin", "group_members.remove", map[string]any{"organizationId": orgID, "groupId": "x", "omId": "../.."}},
		{"admin", "group_members.remove", map[string]any{"organizationId": orgID, "groupId": "%2e%2e", "omId": "%2E%2E"}},
		{"admin", "group_members.remove", map[string]any{"organizationId": orgID, "groupId": "..;", "omId": ".."}},
		{"admin", "group_members.remove", map[string]any{"organizationId": orgID, "groupId": "\uff0e\uff0e", "omId": ".."}},
		{"admin", "organization_roles.remove_permission", map[string]any{"organizationId": orgID, "slug": "org-traversal-role", "permissionSlug": ".."}},
		{"admin", "organization_roles.remove_permission", map[string]any{"organizationId": orgID, "slug": "org-traversal-role", "permissionSlug": ". ."}},
		{"admin", "organization_roles.remove_permission", map[string]any{"organizationId": orgID, "slug": "org-traversal-role", "permissionSlug": `..\`}},
		{"admin", "organization_roles.remove_permission", map[string]any{"organizationId": orgID, "slug": "..", "permissionSlug": ".."}},
		{"admin", "organization_roles.remove_permission", map[string]any{"organizationId": orgID, "slug": "org-traversal-role/permissions/..", "permissionSlug": "x"}},
	}
	for _, a := range attacks {
		cs := admin
		if a.role == "support" {
			cs = support
		}
		n := st.upstream.count()
		text, _, isErr := mcptest.Call(t, cs, "mutate", map[string]any{"operation": a.op, "params": a.params})
		// support may not touch groups at all (role areas); whatever refuses first, nothing is sent.
		wantOutcome := "invalid"
		if a.role == "support" && strings.Contains(text, "your role does not allow this") {
			wantOutcome = "denied"
		} else if !isErr || !strings.Contains(text, "invalid parameters for "+a.op+": path parameter") {
			t.Errorf("%s %s %v: %s, want an invalid-parameters refusal naming the path parameter", a.role, a.op, a.params, text)
		}
		if got := environmentRequests(st.upstream.since(n)); len(got) != 0 {
			t.Errorf("%s %s %v reached WorkOS: %+v", a.role, a.op, a.params, got)
		}
		rec := logLine(t, logs.String(), `"operation":"`+a.op+`"`)
		if rec["outcome"] != wantOutcome {
			t.Errorf("%s %v: recorded %v, want outcome %s", a.op, a.params, rec, wantOutcome)
		}
	}

	// Nothing changed: the organization and its role are still there.
	got := mcptest.OK(t, admin, "query", map[string]any{"operation": "organizations.get", "params": map[string]any{"id": orgID}})
	if got["result"].(map[string]any)["name"] != "Traversal Target" {
		t.Fatalf("organization after the attacks: %v", got)
	}
	mcptest.OK(t, admin, "query", map[string]any{"operation": "organization_roles.get",
		"params": map[string]any{"organizationId": orgID, "slug": "org-traversal-role"}})

	// Refusals are sent to the team's audit log in the background: deliver them first.
	if err := st.ws.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	csv := teamAuditCSV(t, st.apiURL)
	if !csvHas(csv, "group_members.remove", "invalid") || !csvHas(csv, "organization_roles.remove_permission", "invalid") {
		t.Errorf("the team audit log does not record the refusals as invalid:\n%s", csv)
	}
}
