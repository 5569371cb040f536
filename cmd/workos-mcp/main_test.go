package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// runCLI runs one command line in-process with the given environment variables.
func runCLI(t *testing.T, vars map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{
		stdin: strings.NewReader(""), stdout: &out, stderr: &errb, goos: "linux",
		getenv: func(k string) string { return vars[k] },
	}
	code = run(context.Background(), args, e)
	return code, out.String(), errb.String()
}

func TestExitCodesAndHelp(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		out  string // substring of stdout (code 0) or stderr
	}{
		{nil, exitUsage, "Usage:"},
		{[]string{"--help"}, exitOK, "Commands:"},
		{[]string{"help"}, exitOK, "Commands:"},
		{[]string{"help", "connect"}, exitOK, "--write"},
		{[]string{"bogus"}, exitUsage, `unknown command "bogus"`},
		{[]string{"version"}, exitOK, "workos-mcp "},
		{[]string{"--version"}, exitOK, "workos-mcp "},
		{[]string{"version", "extra"}, exitUsage, `unexpected argument "extra"`},
		{[]string{"version", "--nope"}, exitUsage, "flag provided but not defined"},
		{[]string{"connect", "--help"}, exitOK, "Clients: claude-code"},
		{[]string{"connect"}, exitUsage, "known clients: claude-code"},
		{[]string{"connect", "nope"}, exitUsage, `unknown client "nope"; known clients: claude-code, claude-desktop, chatgpt, cursor, vscode, codex, windsurf, zed, goose, opencode, factory`},
		{[]string{"connect", "cursor", "--url", "ftp://x"}, exitUsage, "--url"},
		{[]string{"connect", "cursor", "--name", "bad name"}, exitUsage, "--name"},
		{[]string{"connect", "chatgpt", "--write"}, exitUsage, "no configuration file"},
		{[]string{"connect", "cursor", "zed"}, exitUsage, "one client at a time"},
		{[]string{"connect", "--list", "cursor"}, exitUsage, "--list takes no client"},
	} {
		code, stdout, stderr := runCLI(t, nil, tc.args...)
		if code != tc.code {
			t.Errorf("%v: exit %d, want %d\nstdout: %s\nstderr: %s", tc.args, code, tc.code, stdout, stderr)
			continue
		}
		where := stderr
		if code == exitOK {
			where = stdout
		}
		if !strings.Contains(where, tc.out) {
			t.Errorf("%v: output lacks %q\nstdout: %s\nstderr: %s", tc.args, tc.out, stdout, stderr)
		}
	}
}

func TestHelpEverywhere(t *testing.T) {
	for _, c := range commands() {
		for _, flag := range []string{"--help", "-h"} {
			code, stdout, stderr := runCLI(t, nil, c.name, flag)
			if code != exitOK || strings.Count(stdout, "Usage: workos-mcp "+c.name) != 1 || stderr != "" {
				t.Errorf("%s %s: exit %d, want the usage once on stdout\nstdout: %s\nstderr: %s", c.name, flag, code, stdout, stderr)
			}
		}
		// A bad flag is a usage error: the error and a hint on stderr, not the whole usage.
		code, stdout, stderr := runCLI(t, nil, c.name, "--no-such-flag")
		if code != exitUsage || stdout != "" || !strings.Contains(stderr, "flag provided but not defined: -no-such-flag") ||
			!strings.Contains(stderr, "workos-mcp "+c.name+" --help") || strings.Contains(stderr, "Usage:") {
			t.Errorf("%s --no-such-flag: exit %d\nstdout: %s\nstderr: %s", c.name, code, stdout, stderr)
		}
	}
}
