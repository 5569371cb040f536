package devstack_test

import (
	"bufio"
	"context"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/workos-mcp/workos-mcp/internal/devstack"
	"github.com/workos-mcp/workos-mcp/internal/devstack/devstacktest"
)

// workosCalls reads workos_mcp_workos_api_calls_total{method, status} from the stack's metrics.
func workosCalls(t *testing.T, s *devstack.Stack, method, status string) float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	s.Metrics().Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	prefix := `workos_mcp_workos_api_calls_total{method="` + method + `",status="` + status + `"} `
	sc := bufio.NewScanner(rec.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), prefix); ok {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("metric %s%s: %v", prefix, v, err)
			}
			return n
		}
	}
	return 0
}

// TestAuthkitCallsCounted: whoami reads the person's profile through authkit.User, and that
// WorkOS API call counts in workos_mcp_workos_api_calls_total like the workspace's own.
func TestAuthkitCallsCounted(t *testing.T) {
	s := devstacktest.Start(t, devstack.Options{})
	cs := connect(t, s, withToken(s, devstacktest.AccessToken(t, s, "admin@example.com")))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	before := workosCalls(t, s, "GET", "200")
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "whoami", Arguments: map[string]any{}})
	if err != nil {
		t.Fatal(err)
	}
	if out := text(res); res.IsError || !strings.Contains(out, `"email":"admin@example.com"`) {
		t.Fatalf("whoami did not read the profile: %s", out)
	}
	if after := workosCalls(t, s, "GET", "200"); after <= before {
		t.Errorf("workos_mcp_workos_api_calls_total{GET,200} = %v after whoami, %v before: authkit's user lookup was not counted", after, before)
	}
}
