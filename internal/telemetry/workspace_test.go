package telemetry

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/workos-mcp/workos-mcp/workspace/catalog"
)

// TestWorkspaceHooksFeedTheIssueMetrics checks the translation from the workspace's
// observations to the metrics: tool calls by operation, class and outcome, and the
// confirmation flow (issued, used, refused).
func TestWorkspaceHooksFeedTheIssueMetrics(t *testing.T) {
	m := NewMetrics()
	h := m.WorkspaceHooks()
	h.ToolCall("organizations.delete", "sandbox", catalog.Destructive, "confirmation_required")
	h.ToolCall("organizations.delete", "sandbox", catalog.Destructive, "refused")
	h.ToolCall("organizations.delete", "sandbox", catalog.Destructive, "ok")
	h.ToolCall("organizations.list", "sandbox", catalog.Read, "ok")
	h.ToolCall("no.such_operation", "sandbox", "", "invalid")
	h.ToolDuration("mutate", "ok", time.Millisecond)
	h.WorkOSResponse("POST", "/organizations", 201, time.Millisecond)

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		`workos_mcp_tool_calls_total{class="destructive",operation="organizations.delete",outcome="confirmation_required"} 1`,
		`workos_mcp_tool_calls_total{class="read",operation="organizations.list",outcome="ok"} 1`,
		`workos_mcp_tool_calls_total{class="unknown",operation="no.such_operation",outcome="invalid"} 1`,
		`workos_mcp_confirmations_total{event="issued"} 1`,
		`workos_mcp_confirmations_total{event="refused"} 1`,
		`workos_mcp_confirmations_total{event="used"} 1`,
		`workos_mcp_tool_duration_seconds_count{outcome="ok",tool="mutate"} 1`,
		`workos_mcp_workos_api_calls_total{method="POST",status="201"} 1`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
