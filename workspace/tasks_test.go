package workspace

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/workos-mcp/workos-mcp/internal/logtest"
	"github.com/workos-mcp/workos-mcp/internal/mcptest"
)

// TestAuditConfigurationFindings covers the findings the demo seed does not produce.
func TestAuditConfigurationFindings(t *testing.T) {
	h := newHarness(t, nil)
	m := mcptest.OK(t, h.connect("admin", nil), "audit_configuration", nil)
	text, _ := json.Marshal(m["findings"])
	for _, code := range []string{"domain_not_verified", "connection_not_active", "directory_not_linked", "invitation_expired", "webhook_endpoint_not_enabled"} {
		if !strings.Contains(string(text), `"code":"`+code+`"`) {
			t.Errorf("no %s finding in %s", code, text)
		}
	}
	if strings.Contains(string(text), "whsec_SECRET") || strings.Contains(string(text), "inv_tok_SECRET") {
		t.Errorf("secret in findings: %s", text)
	}
}

func TestDebugSignInFindings(t *testing.T) {
	h := newHarness(t, nil)
	m := mcptest.OK(t, h.connect("admin", nil), "debug_sign_in", map[string]any{"email": "bob@acme.test"})
	text, _ := json.Marshal(m["findings"])
	for _, code := range []string{"email_not_verified", "membership_not_active", "connection_not_active"} {
		if !strings.Contains(string(text), code) {
			t.Errorf("no %s finding in %s", code, text)
		}
	}
	// The support role reads users but not connections: that part says why.
	m = mcptest.OK(t, h.connect("support-viewer", nil), "debug_sign_in", map[string]any{"email": "bob@acme.test"})
	if un, _ := m["unavailable"].(map[string]any); un["connection"] == nil {
		t.Errorf("support-viewer: %v", m)
	}
	mcptest.Fails(t, h.connect("admin", nil), "debug_sign_in", map[string]any{"email": "a@b", "user_id": "u"}, "exactly one")
}

// TestOnboardingChecksThePlanFirst: a role that may not run every step changes nothing.
func TestOnboardingChecksThePlanFirst(t *testing.T) {
	h := newHarness(t, nil)
	before := h.api.orgCount(sandboxKey)
	mcptest.Fails(t, h.connect("support-viewer", nil), "onboard_customer", map[string]any{"name": "X", "admin_email": "a@x.test"}, "read-only")
	if h.api.orgCount(sandboxKey) != before {
		t.Fatal("an organization was created")
	}
	m := mcptest.OK(t, h.connect("member", nil), "onboard_customer", map[string]any{"name": "Y", "domains": []any{"y.test"}, "admin_email": "a@y.test", "portal_intent": "dsync"})
	if !strings.Contains(m["admin_portal_link"].(string), "intent=dsync") {
		t.Errorf("link = %v", m["admin_portal_link"])
	}
	b, _ := json.Marshal(m)
	if strings.Contains(string(b), "inv_tok_NEW") {
		t.Errorf("invitation token in the answer: %s", b)
	}
}

func TestRecordAuditEvents(t *testing.T) {
	var logs logtest.Buffer
	h := newHarness(t, func(c *Config) { c.Logger = slog.New(slog.NewJSONHandler(&logs, nil)) })
	mcptest.OK(t, h.connect("admin", nil), "query", map[string]any{"operation": "organizations.list"})
	mcptest.Fails(t, h.connect("support-viewer", nil), "mutate", map[string]any{"operation": "organizations.create", "params": map[string]any{"name": "x"}}, "read-only")
	// Refused before any operation is chosen: an unknown role, an unknown operation, no team.
	mcptest.Fails(t, h.connect("intern", nil), "query", map[string]any{"operation": "organizations.list"}, "not mapped")
	mcptest.Fails(t, h.connect("admin", nil), "query", map[string]any{"operation": "organizations.nope"}, "unknown operation")
	mcptest.Fails(t, h.connect("stranger", nil), "query", map[string]any{"operation": "organizations.list"}, "no team")
	// Reads and refusals are sent in the background, in order.
	if err := h.srv.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if h.api.auditCount() != 4 {
		t.Fatalf("%d audit events, want 4", h.api.auditCount())
	}
	h.api.mu.Lock()
	defer h.api.mu.Unlock()
	for i, want := range []struct{ action, actor, outcome, target, reason string }{
		{"workos_mcp.organizations.list", "user_admin", "ok", "environment", ""},
		{"workos_mcp.organizations.create", "user_support-viewer", "denied", "environment", ErrRole.Error()},
		{"workos_mcp.query", "user_intern", "denied", "team", ErrRole.Error()},
		{"workos_mcp.query", "user_admin", "invalid", "team", ErrInvalidInput.Error()},
	} {
		a := h.api.audits[i]
		ev := a["event"].(map[string]any)
		meta := ev["metadata"].(map[string]any)
		targets := ev["targets"].([]any)
		if a["organization_id"] != teamOrg || ev["action"] != want.action || ev["actor"].(map[string]any)["id"] != want.actor ||
			meta["outcome"] != want.outcome || len(targets) != 1 || targets[0].(map[string]any)["type"] != want.target {
			t.Errorf("audit event %d = %v", i, a)
		}
		if r, _ := meta["reason"].(string); r != want.reason {
			t.Errorf("audit event %d reason = %q, want %q", i, r, want.reason)
		}
	}
	// The person without a team leaves a log line (there is no team audit log to write to).
	var found bool
	for _, l := range strings.Split(logs.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(l), &rec) == nil && rec["user"] == "user_x" {
			found = rec["team"] == "org_other" && rec["tool"] == "query" && rec["outcome"] == "denied" && rec["reason"] == ErrNoTeam.Error()
		}
	}
	if !found {
		t.Errorf("no log line for the person without a team:\n%s", logs.String())
	}
}
