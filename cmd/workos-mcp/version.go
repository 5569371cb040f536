package main

import (
	"context"
	"fmt"
	"runtime"

	"github.com/workos-mcp/workos-mcp/internal/buildinfo"
	"github.com/workos-mcp/workos-mcp/workspace"
)

// The version is stamped at link time (scripts/release.sh) or recorded by `go install …@VERSION`;
// internal/buildinfo reads it. MCP clients see it as serverInfo.version, audit events in their
// user agent.
func init() { workspace.Version = buildinfo.Version() }

func runVersion(_ context.Context, args []string, e *env) error {
	fs := newFlags(e, "version", "version", "Print the version of workos-mcp and of Go it was built with.")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	in := buildinfo.Get()
	fmt.Fprintf(e.stdout, "workos-mcp %s %s %s/%s\n", in, in.GoVersion, runtime.GOOS, runtime.GOARCH)
	return nil
}
