package harness

import (
	"context"
	"os"
	"os/exec"
	"testing"
)

// ConformanceSuite is the MCP conformance suite (@modelcontextprotocol/conformance, pinned by
// .ci/package.json), run by Node 22.
type ConformanceSuite struct {
	node, script string
}

// Conformance finds Node 22 and the suite; without them the test ends (see Missing).
func Conformance(t testing.TB) ConformanceSuite {
	t.Helper()
	return ConformanceSuite{node: Node22(t), script: NPMBin(t, "conformance")}
}

// Command is the suite run with args (its mode first: "server", "authorization", …), bounded by
// ctx, with colours off because the tests read its output.
func (s ConformanceSuite) Command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, s.node, append([]string{s.script}, args...)...)
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	return cmd
}
