// Command workos-mcp runs the WorkOS workspace MCP server.
//
//	workos-mcp dev       everything on one port: authorization server, WorkOS API emulator, MCP
//	workos-mcp serve     production: your AuthKit domain and WorkOS environments
//	workos-mcp emulate   the WorkOS API emulator alone
//	workos-mcp connect   configure an MCP client (Claude, Cursor, VS Code, Codex, ...)
//	workos-mcp version   print the version
//	workos-mcp health    ask a running server whether it is alive or ready
//
// Exit codes: 0 success, 1 runtime error, 2 usage error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
)

// Exit codes.
const (
	exitOK      = 0
	exitRuntime = 1
	exitUsage   = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], &env{
		stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr,
		getenv: os.Getenv, goos: runtime.GOOS,
	}))
}

// env is everything a command reads from the process, so that tests run commands in-process
// with their own streams, variables and operating system.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	goos           string
	// ready, when set, receives the listening server's base URL (tests of dev, serve, emulate).
	ready func(url string)
}

// usageError is a mistake in the command line: exit code 2, with a hint.
type usageError struct{ msg string }

// Error is the message shown before the usage hint.
func (e *usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return &usageError{fmt.Sprintf(format, a...)} }

type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, e *env) error
}

func commands() []command {
	return []command{
		{"dev", "run everything on one port: authorization server, WorkOS API emulator, MCP server", runDev},
		{"serve", "run the MCP server in production against your AuthKit and WorkOS environments", runServe},
		{"emulate", "run the WorkOS API emulator alone", runEmulate},
		{"connect", "print or write the configuration that connects an MCP client", runConnect},
		{"version", "print the version", runVersion},
		{"health", "ask a running server whether it is alive or ready (container health checks)", runHealth},
	}
}

const mainUsage = `workos-mcp lets AI agents manage a WorkOS workspace, safely, as the signed-in person.

Usage:
  workos-mcp <command> [flags]

Commands:
%s
Run "workos-mcp <command> --help" for a command's flags.
Quick start: workos-mcp dev
`

func printMainUsage(w io.Writer) {
	var b strings.Builder
	for _, c := range commands() {
		fmt.Fprintf(&b, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, mainUsage, b.String())
}

// run executes one command line and returns the exit code.
func run(ctx context.Context, args []string, e *env) int {
	if len(args) == 0 {
		printMainUsage(e.stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help", "help":
		if name == "help" && len(args) > 1 {
			return run(ctx, []string{args[1], "--help"}, e)
		}
		printMainUsage(e.stdout)
		return exitOK
	case "-version", "--version", "-v":
		name = "version"
	}
	for _, c := range commands() {
		if c.name != name {
			continue
		}
		err := c.run(ctx, args[1:], e)
		var ue *usageError
		switch {
		case err == nil:
			return exitOK
		case errors.Is(err, flag.ErrHelp):
			return exitOK
		case errors.As(err, &ue):
			fmt.Fprintf(e.stderr, "workos-mcp %s: %s\nRun \"workos-mcp %s --help\" for usage.\n", c.name, ue.msg, c.name)
			return exitUsage
		default:
			fmt.Fprintf(e.stderr, "workos-mcp %s: %s\n", c.name, err)
			return exitRuntime
		}
	}
	fmt.Fprintf(e.stderr, "workos-mcp: unknown command %q\n\n", name)
	printMainUsage(e.stderr)
	return exitUsage
}

// newFlags returns a flag set whose --help prints the command's usage to stdout and whose errors
// become usage errors.
func newFlags(e *env, name, synopsis, about string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(e.stdout, "Usage: workos-mcp %s\n\n%s\n", synopsis, strings.TrimSpace(about))
		var has bool
		fs.VisitAll(func(*flag.Flag) { has = true })
		if has {
			fmt.Fprintf(e.stdout, "\nFlags:\n")
			fs.SetOutput(e.stdout)
			fs.PrintDefaults()
			fs.SetOutput(io.Discard)
		}
	}
	return fs
}

// parseFlags parses flags that may come before, between or after positional arguments, and
// returns the positional ones.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	// The flag package calls Usage itself on -h and on every bad flag; print it only for -h, once,
	// so that a mistake gets the short error and hint on stderr, not the whole usage.
	usage := fs.Usage
	fs.Usage = func() {}
	defer func() { fs.Usage = usage }()
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				usage()
				return nil, err
			}
			return nil, &usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// parseNoArgs parses the flags of a command that takes no positional argument, and refuses one.
func parseNoArgs(fs *flag.FlagSet, args []string) error {
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	return nil
}
