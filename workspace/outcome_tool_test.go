package workspace

import (
	"sync"
	"testing"
	"time"

	"github.com/workos-mcp/workos-mcp/internal/mcptest"
)

// TestToolOutcomeWaitingForThePerson: a destructive mutate that waits for the person is counted
// as confirmation_required by the tool hooks, in both confirmation modes (a token for the agent
// to return, or an approval on the console), not as ok: nothing ran.
func TestToolOutcomeWaitingForThePerson(t *testing.T) {
	for _, mode := range []ConfirmationMode{ConfirmAgent, ConfirmHuman} {
		t.Run(string(mode), func(t *testing.T) {
			var mu sync.Mutex
			var outcomes []Outcome
			h := newHarness(t, func(c *Config) {
				c.Teams[0].Confirmation = mode
				c.Hooks.ToolDuration = func(tool string, outcome Outcome, _ time.Duration) {
					if tool == "mutate" {
						mu.Lock()
						outcomes = append(outcomes, outcome)
						mu.Unlock()
					}
				}
			})
			admin := h.connect("admin", nil)
			m := mcptest.OK(t, admin, "mutate", map[string]any{"operation": "organizations.delete", "params": map[string]any{"id": "org_acme"}})
			want := map[ConfirmationMode]string{ConfirmAgent: "confirmation_required", ConfirmHuman: "approval_required"}[mode]
			if m["status"] != want {
				t.Fatalf("status %v, want %s: %v", m["status"], want, m)
			}
			if h.api.deleteCount() != 0 {
				t.Fatal("the organization was deleted on the first call")
			}
			mu.Lock()
			defer mu.Unlock()
			if len(outcomes) != 1 || outcomes[0] != OutcomeConfirmationRequired {
				t.Errorf("tool outcomes %v, want [%s]", outcomes, OutcomeConfirmationRequired)
			}
		})
	}
}
