// Command gencoverage writes docs/emulator.md: every operation of the WorkOS OpenAPI spec, its
// catalog name, and whether the emulator implements it (from emulator.Routes()).
//
// Usage: go generate ./internal/cmd/gencoverage   (or: go run ./internal/cmd/gencoverage -out docs/emulator.md)
package main

//go:generate go run . -out ../../../docs/emulator.md

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/workos-mcp/workos-mcp/emulator"
	"github.com/workos-mcp/workos-mcp/internal/cmd/gencoverage/coverage"
	"github.com/workos-mcp/workos-mcp/internal/openapi"
)

func main() {
	specPath := flag.String("spec", "", "WorkOS OpenAPI spec (default: openapi.SpecPath())")
	out := flag.String("out", "docs/emulator.md", "output file")
	flag.Parse()
	if err := run(*specPath, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gencoverage:", err)
		os.Exit(1)
	}
}

func run(specPath, out string) error {
	if specPath == "" {
		p, err := openapi.SpecPath()
		if err != nil {
			return err
		}
		specPath = p
	}
	spec, err := openapi.Load(specPath)
	if err != nil {
		return err
	}
	routes, err := Routes(context.Background())
	if err != nil {
		return err
	}
	return os.WriteFile(out, coverage.Build(spec, routes).Markdown(), 0o644)
}

// Routes starts an in-memory emulator and lists what it serves.
func Routes(ctx context.Context) ([]coverage.Route, error) {
	e, err := emulator.New(ctx, emulator.Options{})
	if err != nil {
		return nil, fmt.Errorf("start emulator: %w", err)
	}
	defer e.Close()
	var out []coverage.Route
	for _, r := range e.Routes() {
		out = append(out, coverage.Route{Method: r.Method, Pattern: r.Pattern})
	}
	return out, nil
}
