package telemetry

import (
	"github.com/workos-mcp/workos-mcp/workspace"
	"github.com/workos-mcp/workos-mcp/workspace/catalog"
)

// WorkspaceHooks feeds the metrics from the workspace's observations: each hook feeds the
// metric of its name (Hooks.ToolCall tool_calls_total, Hooks.ToolDuration
// tool_duration_seconds, Hooks.Record audit_records_total, Hooks.WorkOSResponse the WorkOS API
// metrics), and the operations' outcomes also give the confirmation events: an operation that
// asks for confirmation issued one, a destructive operation that ran used one, a refused one
// refused it.
func (m *Metrics) WorkspaceHooks() workspace.Hooks {
	return workspace.Hooks{
		ToolCall: func(operation, _ string, class catalog.Class, outcome workspace.Outcome) {
			m.ToolCall(operation, class, outcome)
			switch {
			case outcome == workspace.OutcomeConfirmationRequired:
				m.Confirmation(ConfirmationIssued)
			case outcome == workspace.OutcomeRefused:
				m.Confirmation(ConfirmationRefused)
			case outcome == workspace.OutcomeOK && class == catalog.Destructive:
				m.Confirmation(ConfirmationUsed)
			}
		},
		ToolDuration:   m.ToolDuration,
		Record:         m.AuditRecord,
		WorkOSResponse: m.WorkOSResponse,
	}
}
