package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// DefaultMCPURL is the MCP endpoint of workos-mcp dev with its default address.
const DefaultMCPURL = "http://127.0.0.1:8080/mcp"

// clientSpec is how one MCP client is configured.
type clientSpec struct {
	id, title string
	// format of the configuration file: "json" (JSON or JSONC), "toml", "yaml"; "" means the
	// client is configured in its user interface only.
	format string
	// path returns the user-level configuration file.
	path func(e *env) string
	// container is the key path, from the top of the file, of the object holding servers.
	container []string
	// entry is the server's value in that object.
	entry func(name, url string) any
	// command is a one-line alternative the client's own CLI offers, if any.
	command func(name, url string) string
	// steps are instructions printed after the configuration.
	steps []string
}

func home(e *env) string {
	if h := e.getenv("HOME"); h != "" {
		return h
	}
	if h := e.getenv("USERPROFILE"); h != "" {
		return h
	}
	h, _ := os.UserHomeDir()
	return h
}

// configDir is the per-user configuration directory the way each OS names it (XDG on Linux).
func configDir(e *env) string {
	switch e.goos {
	case "windows":
		if d := e.getenv("APPDATA"); d != "" {
			return d
		}
		return filepath.Join(home(e), "AppData", "Roaming")
	case "darwin":
		return filepath.Join(home(e), "Library", "Application Support")
	}
	if d := e.getenv("XDG_CONFIG_HOME"); d != "" && filepath.IsAbs(d) {
		return d
	}
	return filepath.Join(home(e), ".config")
}

// xdgConfigDir is ~/.config (or XDG_CONFIG_HOME) on every Unix, macOS included: the tools that
// use it (Zed, goose, opencode) do not follow macOS's Application Support convention.
func xdgConfigDir(e *env) string {
	if e.goos == "windows" {
		return configDir(e)
	}
	if d := e.getenv("XDG_CONFIG_HOME"); d != "" && filepath.IsAbs(d) {
		return d
	}
	return filepath.Join(home(e), ".config")
}

func clientSpecs() []clientSpec {
	httpEntry := func(_, u string) any { return obj("type", "http", "url", u) }
	return []clientSpec{
		{
			id: "claude-code", title: "Claude Code", format: "json",
			path:      func(e *env) string { return filepath.Join(home(e), ".claude.json") },
			container: []string{"mcpServers"},
			entry:     httpEntry,
			command: func(n, u string) string {
				return fmt.Sprintf("claude mcp add --transport http --scope user %s %s", n, u)
			},
			steps: []string{"In Claude Code, run /mcp, pick the server and choose Authenticate (or, from your shell, run claude mcp login {name}): your browser opens the sign-in page."},
		},
		{
			id: "claude-desktop", title: "Claude Desktop", format: "json",
			path: func(e *env) string {
				if e.goos == "linux" {
					return filepath.Join(xdgConfigDir(e), "Claude", "claude_desktop_config.json")
				}
				return filepath.Join(configDir(e), "Claude", "claude_desktop_config.json")
			},
			container: []string{"mcpServers"},
			entry: func(_, u string) any {
				return obj("command", "npx", "args", []any{"-y", "mcp-remote", u})
			},
			steps: []string{
				"Claude Desktop's configuration file starts local programs only: mcp-remote (Node.js 18 or later) bridges to the HTTP server and signs you in through your browser.",
				"Restart Claude Desktop after the change.",
				"A server deployed on a public https URL can instead be added as a custom connector (Settings > Connectors > Add custom connector): Claude then connects from Anthropic's cloud, not from your computer, and signs you in itself.",
			},
		},
		{
			id: "chatgpt", title: "ChatGPT",
			steps: []string{
				"ChatGPT connects only to a public https URL: deploy workos-mcp serve, or expose workos-mcp dev through a tunnel and start it with --base-url set to the tunnel's URL.",
				"Turn on developer mode: Settings > Apps > Advanced settings > Developer mode (in a Business or Enterprise workspace an admin first allows it under Workspace settings > Permissions & roles).",
				"In Settings > Apps, choose Create app; give it a name and paste the MCP server URL: {url}",
				"Choose OAuth as the authentication, confirm that you trust the app, then Create: ChatGPT registers itself and opens the sign-in page.",
				"In a chat, open the + menu, choose Developer mode and turn the app on.",
			},
		},
		{
			id: "cursor", title: "Cursor", format: "json",
			path:      func(e *env) string { return filepath.Join(home(e), ".cursor", "mcp.json") },
			container: []string{"mcpServers"},
			entry:     func(_, u string) any { return obj("url", u) },
			steps:     []string{"In Cursor's MCP settings, choose Connect (or Needs login) next to the server: Cursor opens the sign-in page in your browser."},
		},
		{
			id: "vscode", title: "Visual Studio Code", format: "json",
			path:      func(e *env) string { return filepath.Join(configDir(e), "Code", "User", "mcp.json") },
			container: []string{"servers"},
			entry:     httpEntry,
			command: func(n, u string) string {
				return fmt.Sprintf(`code --add-mcp '{"name":"%s","type":"http","url":"%s"}'`, n, u)
			},
			steps: []string{
				"For one workspace only, put the same entry in .vscode/mcp.json (use --file .vscode/mcp.json).",
				"VS Code asks you to sign in the first time Copilot's agent mode starts the server (MCP: List Servers > Start).",
			},
		},
		{
			id: "codex", title: "OpenAI Codex", format: "toml",
			path: func(e *env) string {
				if d := e.getenv("CODEX_HOME"); d != "" {
					return filepath.Join(d, "config.toml")
				}
				return filepath.Join(home(e), ".codex", "config.toml")
			},
			container: []string{"mcp_servers"},
			entry:     func(_, u string) any { return obj("url", u) },
			command: func(n, u string) string {
				return fmt.Sprintf("codex mcp add %s --url %s", n, u)
			},
			steps: []string{"codex mcp add starts the sign-in itself when the server supports OAuth; after editing config.toml by hand, sign in with: codex mcp login {name}"},
		},
		{
			id: "windsurf", title: "Windsurf", format: "json",
			path:      func(e *env) string { return filepath.Join(home(e), ".codeium", "windsurf", "mcp_config.json") },
			container: []string{"mcpServers"},
			entry:     func(_, u string) any { return obj("serverUrl", u) },
			steps:     []string{"In Windsurf, click the MCPs icon at the top right of the Cascade panel (or Windsurf Settings > Cascade > MCP Servers) and refresh; sign in when Windsurf asks."},
		},
		{
			id: "zed", title: "Zed", format: "json",
			path:      func(e *env) string { return filepath.Join(xdgConfigDir(e), "zed", "settings.json") },
			container: []string{"context_servers"},
			entry:     func(_, u string) any { return obj("url", u) },
			steps:     []string{"In the Agent Panel's settings (agent: open settings), choose Authenticate next to the server: Zed opens the sign-in page in your browser."},
		},
		{
			id: "goose", title: "goose", format: "yaml",
			path: func(e *env) string {
				if e.goos == "windows" {
					return filepath.Join(configDir(e), "Block", "goose", "config", "config.yaml")
				}
				return filepath.Join(xdgConfigDir(e), "goose", "config.yaml")
			},
			container: []string{"extensions"},
			entry: func(n, u string) any {
				return obj("enabled", true, "type", "streamable_http", "name", n,
					"description", "WorkOS workspace (workos-mcp)", "uri", u,
					"envs", obj(), "env_keys", []any{}, "headers", obj(), "timeout", 300)
			},
			steps: []string{"goose opens the sign-in page in your browser the first time the extension starts."},
		},
		{
			id: "opencode", title: "opencode", format: "json",
			path: func(e *env) string { return filepath.Join(xdgConfigDir(e), "opencode", "opencode.json") },
			// opencode 2 keeps servers under mcp.servers, connects to each unless "disabled": true.
			container: []string{"mcp", "servers"},
			entry:     func(_, u string) any { return obj("type", "remote", "url", u) },
			steps: []string{
				"Or let opencode write it: opencode mcp add {name} --global --url {url}",
				"Remote servers sign in with OAuth: when opencode mcp list says needs authentication, run /mcps in opencode, pick {name} and sign in.",
			},
		},
		{
			id: "factory", title: "Factory (droid)", format: "json",
			path:      func(e *env) string { return filepath.Join(home(e), ".factory", "mcp.json") },
			container: []string{"mcpServers"},
			entry:     httpEntry,
			command: func(n, u string) string {
				return fmt.Sprintf("droid mcp add %s %s --type http", n, u)
			},
			steps: []string{"In droid, run /mcp, pick the server and authenticate in your browser."},
		},
	}
}

func clientIDs() []string {
	var ids []string
	for _, c := range clientSpecs() {
		ids = append(ids, c.id)
	}
	return ids
}

func lookupClient(id string) (clientSpec, bool) {
	for _, c := range clientSpecs() {
		if c.id == strings.ToLower(id) {
			return c, true
		}
	}
	return clientSpec{}, false
}

var serverName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

const connectAbout = `Print the configuration that connects an MCP client to workos-mcp, or merge it into the
client's configuration file with --write (what is already there is kept; the previous file is
saved next to it with a .bak suffix, and the new one is written atomically).

Clients: ` + "%s" + `

Examples:
  workos-mcp connect claude-code
  workos-mcp connect cursor --write
  workos-mcp connect vscode --url https://mcp.example.com/mcp --name acme-workos
  workos-mcp connect --list`

func runConnect(_ context.Context, args []string, e *env) error {
	fs := newFlags(e, "connect", "connect CLIENT [--url URL] [--name NAME] [--write [--file PATH]] | connect --list",
		fmt.Sprintf(connectAbout, strings.Join(clientIDs(), ", ")))
	defURL := DefaultMCPURL
	if v := strings.TrimSpace(e.getenv("WORKOS_MCP_URL")); v != "" {
		defURL = v
	} else if a := listenEnv(e.getenv); a != "" {
		// The address dev listens on (WORKOS_MCP_ADDR), as dev itself reads it.
		defURL = "http://" + probeAddr(a) + "/mcp"
	}
	mcpURL := fs.String("url", defURL, "the MCP endpoint (default from WORKOS_MCP_URL, else http://$WORKOS_MCP_ADDR/mcp, else the dev server's default)")
	name := fs.String("name", "workos", "the server's name in the client")
	write := fs.Bool("write", false, "merge the configuration into the client's configuration file")
	file := fs.String("file", "", "the configuration file to write (default: the client's user-level file)")
	list := fs.Bool("list", false, "list the known clients")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *list {
		if len(pos) > 0 {
			return usagef("--list takes no client")
		}
		for _, c := range clientSpecs() {
			how := "configuration file"
			if c.format == "" {
				how = "instructions"
			}
			fmt.Fprintf(e.stdout, "%-15s %-20s %s\n", c.id, c.title, how)
		}
		return nil
	}
	if len(pos) == 0 {
		return usagef("which client? known clients: %s", strings.Join(clientIDs(), ", "))
	}
	if len(pos) > 1 {
		return usagef("one client at a time (got %s)", strings.Join(pos, " "))
	}
	c, ok := lookupClient(pos[0])
	if !ok {
		return usagef("unknown client %q; known clients: %s", pos[0], strings.Join(clientIDs(), ", "))
	}
	if !serverName.MatchString(*name) {
		return usagef("--name %q: use 1 to 64 letters, digits, - or _", *name)
	}
	if err := checkMCPURL(*mcpURL); err != nil {
		return usagef("--url: %s", err)
	}
	if *file != "" && !*write {
		return usagef("--file only makes sense with --write")
	}
	if !*write {
		fmt.Fprint(e.stdout, renderClient(c, e, *name, *mcpURL))
		return nil
	}
	if c.format == "" {
		return usagef("%s has no configuration file to write; run without --write for the steps", c.title)
	}
	path := *file
	if path == "" {
		path = c.path(e)
	}
	res, err := mergeClientConfig(c, path, *name, *mcpURL)
	if err != nil {
		return err
	}
	verb := "Added"
	if res.replaced {
		verb = "Replaced"
	}
	fmt.Fprintf(e.stdout, "%s %q (%s) in %s\n", verb, *name, *mcpURL, path)
	if res.backup != "" {
		fmt.Fprintf(e.stdout, "The previous file is saved as %s\n", res.backup)
	}
	if res.droppedComments {
		fmt.Fprintf(e.stdout, "Note: the comments of the previous file could not be kept; they are in the backup.\n")
	}
	for _, s := range c.steps {
		fmt.Fprintf(e.stdout, "%s\n", expand(s, *name, *mcpURL))
	}
	return nil
}

func checkMCPURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.Fragment != "" {
		return fmt.Errorf("%q is not an absolute http(s) URL", s)
	}
	if strings.ContainsAny(s, "\"'\\ \t\r\n") {
		return fmt.Errorf("%q contains quotes, backslashes or blanks", s)
	}
	return nil
}

func expand(s, name, u string) string {
	return strings.NewReplacer("{name}", name, "{url}", u).Replace(s)
}

// snippet is the part of the configuration file that connect adds, as the file's format.
func snippet(c clientSpec, name, u string) string {
	switch c.format {
	case "toml":
		return tomlTable(c.container[0], name, c.entry(name, u).(*object))
	case "yaml":
		var tree any = obj(name, c.entry(name, u))
		for i := len(c.container) - 1; i >= 0; i-- {
			tree = obj(c.container[i], tree)
		}
		out, err := encodeYAMLValue(tree)
		if err != nil {
			panic(err) // our own values always encode
		}
		return string(out)
	}
	var tree any = obj(name, c.entry(name, u))
	for i := len(c.container) - 1; i >= 0; i-- {
		tree = obj(c.container[i], tree)
	}
	return string(encodeJSON(tree))
}

func renderClient(c clientSpec, e *env, name, u string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", c.title)
	if c.format == "" {
		for i, s := range c.steps {
			fmt.Fprintf(&b, "%d. %s\n", i+1, expand(s, name, u))
		}
		return b.String()
	}
	if c.command != nil {
		fmt.Fprintf(&b, "Run:\n\n    %s\n\nor add", c.command(name, u))
	} else {
		b.WriteString("Add")
	}
	fmt.Fprintf(&b, " this to %s\n(workos-mcp connect %s --write merges it for you):\n\n", c.path(e), c.id)
	for _, line := range strings.Split(strings.TrimRight(snippet(c, name, u), "\n"), "\n") {
		b.WriteString("    " + line + "\n")
	}
	if len(c.steps) > 0 {
		b.WriteString("\n")
		for _, s := range c.steps {
			fmt.Fprintf(&b, "%s\n", expand(s, name, u))
		}
	}
	return b.String()
}

type mergeResult struct {
	replaced, droppedComments bool
	backup                    string
}

// mergeClientConfig puts the server into the client's file, keeping everything else. Nothing is
// written when the existing file cannot be understood.
func mergeClientConfig(c clientSpec, path, name, u string) (mergeResult, error) {
	var res mergeResult
	if resolved, err := filepath.EvalSymlinks(path); err == nil {
		path = resolved
	}
	old, err := os.ReadFile(path)
	exists := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return res, fmt.Errorf("read %s: %w", path, err)
	}
	var out []byte
	switch c.format {
	case "json":
		out, res.replaced, res.droppedComments, err = mergeJSON(old, c.container, name, c.entry(name, u))
	case "toml":
		out, res.replaced, err = mergeTOML(old, c.container[0], name, c.entry(name, u).(*object))
	case "yaml":
		out, res.replaced, err = mergeYAML(old, c.container, name, c.entry(name, u))
	default:
		return res, fmt.Errorf("%s has no configuration file", c.title)
	}
	if err != nil {
		return res, fmt.Errorf("%s: %w (the file was not changed)", path, err)
	}
	if exists && bytes.Equal(old, out) {
		return res, nil
	}
	res.backup, err = writeFileAtomic(path, out, exists)
	return res, err
}

// mergeJSON sets container...[name] = entry in a JSON(C) document.
func mergeJSON(old []byte, container []string, name string, entry any) ([]byte, bool, bool, error) {
	root, comments, err := parseConfigJSON(old)
	if err != nil {
		return nil, false, false, fmt.Errorf("not valid JSON: %w", err)
	}
	cur := root
	for i, k := range container {
		v, ok := cur.get(k)
		if !ok || v == nil {
			next := &object{}
			cur.set(k, next)
			cur = next
			continue
		}
		next, isObj := v.(*object)
		if !isObj {
			return nil, false, false, fmt.Errorf("%q is not an object", strings.Join(container[:i+1], "."))
		}
		cur = next
	}
	replaced := cur.set(name, entry)
	merged := encodeJSON(root)
	if comments {
		// Keep the comments: edit the text in place, and use it only if it reads back as exactly
		// the merged document.
		if out, _, err := spliceJSONC(old, container, name, entry); err == nil {
			if back, _, err := parseConfigJSON(out); err == nil && bytes.Equal(encodeJSON(back), merged) {
				return out, replaced, false, nil
			}
		}
	}
	return merged, replaced, comments, nil
}

// writeFileAtomic writes data to path through a temporary file in the same directory and a
// rename, so that a crash leaves the old file or the new one, never half of one. The old file,
// if any, is first copied to path+".bak".
func writeFileAtomic(path string, data []byte, backup bool) (string, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create %s: %w", dir, err)
	}
	mode := fs.FileMode(0o600)
	bak := ""
	if backup {
		st, err := os.Stat(path)
		if err != nil {
			return "", err
		}
		mode = st.Mode().Perm()
		old, err := os.ReadFile(path)
		if err != nil {
			return "", err
		}
		bak = path + ".bak"
		if err := os.WriteFile(bak, old, mode); err != nil {
			return "", fmt.Errorf("write backup %s: %w", bak, err)
		}
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), mode); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return bak, nil
}
