package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestConnectGolden pins what connect prints for every client: a changed snippet is a reviewed
// diff of testdata/connect/*.golden (go test ./cmd/workos-mcp -run Golden -update).
func TestConnectGolden(t *testing.T) {
	vars := map[string]string{"HOME": "/home/you"}
	for _, id := range clientIDs() {
		t.Run(id, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, vars, "connect", id)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			golden(t, filepath.Join("testdata", "connect", id+".golden"), stdout)
			if !strings.Contains(stdout, DefaultMCPURL) {
				t.Errorf("output lacks the URL")
			}
		})
	}
	t.Run("custom", func(t *testing.T) {
		code, stdout, stderr := runCLI(t, vars, "connect", "--name", "acme", "claude-code", "--url", "https://mcp.example.com/mcp")
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		golden(t, filepath.Join("testdata", "connect", "claude-code-custom.golden"), stdout)
	})
	t.Run("list", func(t *testing.T) {
		_, stdout, _ := runCLI(t, vars, "connect", "--list")
		golden(t, filepath.Join("testdata", "connect", "list.golden"), stdout)
	})
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("output differs from %s (run with -update after review)\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// existing is what each client's file holds before --write: other servers and settings that
// must survive the merge, and (for codex, zed, goose) an old entry of ours that must be replaced.
var existing = map[string]string{
	"claude-code":    `{"numStartups": 3, "mcpServers": {"other": {"type": "stdio", "command": "x"}}, "projects": {"/p": {"allowedTools": []}}}`,
	"claude-desktop": `{"mcpServers": {"fs": {"command": "npx", "args": ["-y", "fs"]}}, "globalShortcut": "Ctrl+Space"}`,
	"cursor":         `{"mcpServers": {"other": {"url": "https://other.example/mcp"}}}`,
	"vscode": `// VS Code user MCP servers
{
  "servers": {
    "other": {"type": "stdio", "command": "x",}, // trailing comma, as VS Code allows
  },
  "inputs": [],
}`,
	"codex": `model = "gpt-5"

# my servers
[mcp_servers.other]
command = "npx"
args = ["-y", "other"]

[mcp_servers.workos]
url = "http://old.example/mcp"

[mcp_servers.workos.env]
A = "1"

[profiles.fast]
model = "gpt-5-mini"
`,
	"windsurf": `{"mcpServers": {}}`,
	"zed": `// Zed settings
{
  "theme": "One Dark",
  /* block comment */
  "context_servers": {
    "workos": {"url": "http://old.example/mcp"},
    "other": {"command": "x", "args": []},
  },
}`,
	"goose": `# goose configuration
GOOSE_PROVIDER: anthropic
extensions:
  developer:
    enabled: true
    type: builtin
    name: developer
  workos:
    enabled: false
    type: streamable_http
    uri: http://old.example/mcp
`,
	"opencode": `{"$schema": "https://opencode.ai/config.json", "theme": "system"}`,
	"factory":  ``,
}

func TestConnectWriteMerges(t *testing.T) {
	for _, c := range clientSpecs() {
		if c.format == "" {
			continue
		}
		t.Run(c.id, func(t *testing.T) {
			homeDir := t.TempDir()
			vars := map[string]string{"HOME": homeDir}
			e := &env{getenv: func(k string) string { return vars[k] }, goos: "linux"}
			path := c.path(e)
			if !strings.HasPrefix(path, homeDir) {
				t.Fatalf("path %s outside HOME", path)
			}
			before, hasBefore := existing[c.id]
			if hasBefore {
				if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(before), 0o640); err != nil {
					t.Fatal(err)
				}
			}
			code, stdout, stderr := runCLI(t, vars, "connect", c.id, "--write", "--url", "http://127.0.0.1:9999/mcp")
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			after, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if hasBefore {
				bak, err := os.ReadFile(path + ".bak")
				if err != nil || string(bak) != before {
					t.Errorf("backup missing or different: %v", err)
				}
				if st, _ := os.Stat(path); st.Mode().Perm() != 0o640 {
					t.Errorf("mode %v, want the original 0640", st.Mode().Perm())
				}
			}
			checkMerged(t, c.id, string(after))
			if !strings.Contains(stdout, path) {
				t.Errorf("stdout does not name the file: %s", stdout)
			}
			if strings.Contains(stdout, "could not be kept") {
				t.Errorf("comments were dropped: %s", stdout)
			}

			// A second identical write changes nothing.
			code, _, stderr = runCLI(t, vars, "connect", c.id, "--write", "--url", "http://127.0.0.1:9999/mcp")
			if code != exitOK {
				t.Fatalf("second write: exit %d: %s", code, stderr)
			}
			again, _ := os.ReadFile(path)
			if !bytes.Equal(again, after) {
				t.Errorf("second write changed the file:\n%s\n---\n%s", after, again)
			}
		})
	}
}

// checkMerged asserts that the new entry is there, and that what was there before survived.
func checkMerged(t *testing.T, id, got string) {
	t.Helper()
	const u = "http://127.0.0.1:9999/mcp"
	switch id {
	case "codex":
		for _, want := range []string{"model = \"gpt-5\"\n", "# my servers\n[mcp_servers.other]\ncommand = \"npx\"\n", "[mcp_servers.workos]\nurl = \"" + u + "\"\n", "[profiles.fast]\nmodel = \"gpt-5-mini\"\n"} {
			if !strings.Contains(got, want) {
				t.Errorf("codex config lacks %q:\n%s", want, got)
			}
		}
		if strings.Contains(got, "old.example") || strings.Contains(got, "workos.env") || strings.Count(got, "[mcp_servers.workos]") != 1 {
			t.Errorf("old workos table not replaced:\n%s", got)
		}
		return
	case "goose":
		var cfg struct {
			Provider   string                    `yaml:"GOOSE_PROVIDER"`
			Extensions map[string]map[string]any `yaml:"extensions"`
		}
		if err := yaml.Unmarshal([]byte(got), &cfg); err != nil {
			t.Fatalf("goose config: %v\n%s", err, got)
		}
		w := cfg.Extensions["workos"]
		if cfg.Provider != "anthropic" || cfg.Extensions["developer"]["type"] != "builtin" || w["uri"] != u || w["type"] != "streamable_http" || w["enabled"] != true {
			t.Errorf("goose config:\n%s", got)
		}
		if !strings.Contains(got, "# goose configuration") {
			t.Errorf("comment lost:\n%s", got)
		}
		return
	}
	// VS Code's and Zed's files are JSONC: their comments and trailing commas are kept.
	clean, _ := stripJSONC([]byte(got))
	var doc map[string]any
	if err := json.Unmarshal(clean, &doc); err != nil {
		t.Fatalf("not JSON(C): %v\n%s", err, got)
	}
	c, _ := lookupClient(id)
	servers := doc
	for _, k := range c.container { // e.g. opencode's mcp.servers
		servers, _ = servers[k].(map[string]any)
	}
	entry, _ := servers["workos"].(map[string]any)
	if entry == nil {
		t.Fatalf("no workos entry:\n%s", got)
	}
	if !strings.Contains(got, `"`+u+`"`) || strings.Contains(got, "old.example") {
		t.Errorf("entry not written or old one kept:\n%s", got)
	}
	keep := map[string][]string{
		"claude-code":    {`"numStartups": 3`, `"other"`, `"allowedTools": []`},
		"claude-desktop": {`"fs"`, `"globalShortcut": "Ctrl+Space"`},
		"cursor":         {`"https://other.example/mcp"`},
		"vscode":         {`"other"`, `"inputs": []`, "// VS Code user MCP servers\n", "// trailing comma, as VS Code allows"},
		"zed":            {`"theme": "One Dark"`, `"other": {"command": "x", "args": []},`, "// Zed settings\n", "/* block comment */"},
		"opencode":       {`"$schema": "https://opencode.ai/config.json"`, `"theme": "system"`},
	}
	for _, want := range keep[id] {
		if !strings.Contains(got, want) {
			t.Errorf("%s lost %s:\n%s", id, want, got)
		}
	}
}

func TestConnectWriteRefusesWhatItCannotMerge(t *testing.T) {
	for _, tc := range []struct {
		client, content, want string
	}{
		{"cursor", `{"mcpServers": [1, 2]}`, `"mcpServers" is not an object`},
		{"cursor", `{"mcpServers": `, "not valid JSON"},
		{"cursor", `[1]`, "not a JSON object"},
		{"goose", "extensions: [a, b]\n", `"extensions" is not a mapping`},
		{"goose", "a: [\n", "not valid YAML"},
		{"codex", "mcp_servers = { workos = { url = \"x\" } }\n", "inline table"},
		{"codex", "[mcp_servers]\nworkos = { url = \"x\" }\n", "cannot edit safely"},
	} {
		t.Run(tc.client, func(t *testing.T) {
			homeDir := t.TempDir()
			vars := map[string]string{"HOME": homeDir}
			c, _ := lookupClient(tc.client)
			path := c.path(&env{getenv: func(k string) string { return vars[k] }, goos: "linux"})
			if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			code, _, stderr := runCLI(t, vars, "connect", tc.client, "--write")
			if code != exitRuntime || !strings.Contains(stderr, tc.want) || !strings.Contains(stderr, "not changed") {
				t.Errorf("exit %d, stderr %q; want 1 and %q", code, stderr, tc.want)
			}
			if got, _ := os.ReadFile(path); string(got) != tc.content {
				t.Errorf("file changed to %s", got)
			}
			if _, err := os.Stat(path + ".bak"); err == nil {
				t.Errorf("backup written although nothing changed")
			}
		})
	}
}

func TestConnectWriteFileFlag(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, ".vscode", "mcp.json")
	code, _, stderr := runCLI(t, map[string]string{"HOME": dir}, "connect", "vscode", "--write", "--file", path, "--name", "acme")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	got, _ := os.ReadFile(path)
	if !strings.Contains(string(got), `"acme": {`) {
		t.Fatalf("got %s", got)
	}
	if code, _, _ := runCLI(t, nil, "connect", "vscode", "--file", path); code != exitUsage {
		t.Errorf("--file without --write: exit %d", code)
	}
}
