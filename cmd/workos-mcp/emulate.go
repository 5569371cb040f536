package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/workos-mcp/workos-mcp/authkit"
	"github.com/workos-mcp/workos-mcp/emulator"
	"github.com/workos-mcp/workos-mcp/internal/devstack"
	"github.com/workos-mcp/workos-mcp/internal/telemetry"
)

const emulateAbout = `Run the WorkOS API emulator alone, for developing your own application against WorkOS
offline. Point a WorkOS SDK at the printed base URL with one of the printed API keys. Data is kept
in SQLite under the data directory; --reset seeds it again.`

func runEmulate(ctx context.Context, args []string, e *env) error {
	fs := newFlags(e, "emulate", "emulate [--addr ADDR] [--data DIR] [--reset] [--seed FILE]", emulateAbout)
	addr := fs.String("addr", envOr(e, "WORKOS_MCP_ADDR", devstack.DefaultAddr), "listen address (env WORKOS_MCP_ADDR)")
	data := fs.String("data", envOr(e, "WORKOS_MCP_DATA", ".data"), `data directory; "" keeps everything in memory (env WORKOS_MCP_DATA)`)
	reset := fs.Bool("reset", false, "wipe the data directory and seed again")
	seed := fs.String("seed", "", "a seed file (JSON) replacing the demo data; applied on a new or reset database")
	base := fs.String("base-url", "", "public base URL of the API, for links in responses (default http://ADDR)")
	rate := fs.Float64("rate-limit", 0, "requests per second per API key before 429 answers (0: no limit)")
	strict := fs.Bool("strict-idempotency", false, "honour Idempotency-Key only where WorkOS documents it (audit log events), not on every POST")
	var hosts stringList
	fs.Var(&hosts, "allow-host", "a Host name accepted besides loopback ones and --base-url's (repeatable)")
	logFormat, logLevel := logFlags(fs, e)
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	format, level, err := parseLogFlags(*logFormat, *logLevel)
	if err != nil {
		return err
	}
	if *rate < 0 {
		return usagef("--rate-limit must not be negative")
	}
	if *base != "" {
		if _, err := authkit.CheckURL(*base, false); err != nil {
			return usagef("--base-url: %s", err)
		}
	}
	logger := telemetry.NewLogger(e.stderr, format, level)
	var sd *emulator.Seed
	if *seed != "" {
		if sd, err = emulator.LoadSeed(*seed); err != nil {
			return err
		}
	}
	ln, baseURL, release, err := listenLocked(*addr, *base, *data)
	if err != nil {
		return err
	}
	defer release()
	emu, err := emulator.New(ctx, emulator.Options{
		DataDir: *data, Seed: sd, Reset: *reset, BaseURL: baseURL,
		RateLimit: emulator.RateLimit{RequestsPerSecond: *rate}, Logger: logger, StrictIdempotency: *strict,
	})
	if err != nil {
		return err
	}
	defer emu.Close()

	m := telemetry.NewMetrics()
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", telemetry.Healthz())
	mux.Handle("GET /readyz", telemetry.Readyz(telemetry.Check{Name: "emulator", Fn: emu.Ping}))
	mux.Handle("GET /metrics", m.Handler())
	mux.Handle("/", emu.Handler())
	var h http.Handler = telemetry.LimitBody(0, mux)
	// DNS-rebinding protection while listening on loopback, also behind a tunnel (--base-url's
	// host is accepted).
	if u, _ := url.Parse(baseURL); telemetry.IsLoopbackHost(u.Hostname()) || telemetry.IsLoopbackAddr(ln.Addr().String()) {
		h = telemetry.CheckHost(append([]string{u.Hostname()}, hosts...), h)
	}

	fmt.Fprintf(e.stdout, "WorkOS API emulator at %s\n\n", baseURL)
	for _, env := range emu.Environments() {
		fmt.Fprintf(e.stdout, "  %-12s %-10s api key %-28s client id %s\n", env.Name, env.Kind, env.APIKey, env.ClientID)
	}
	// The example uses a key the running seed really has (a custom --seed may not have the demo's).
	example := emulator.DemoSandboxAPIKey
	if envs := emu.Environments(); len(envs) > 0 && !slices.ContainsFunc(envs, func(x emulator.Environment) bool { return x.APIKey == example }) {
		example = envs[0].APIKey
	}
	fmt.Fprintf(e.stdout, "\nExample: curl -H 'Authorization: Bearer %s' %s/organizations\n\n", example, baseURL)
	logger.Info("workos-mcp emulate listening", "url", baseURL, "data", *data)
	if e.ready != nil {
		e.ready(baseURL)
	}
	srv := telemetry.NewServer("", m.Instrument(logger, h), logger)
	err = telemetry.Serve(ctx, srv, ln, telemetry.DefaultShutdownGrace)
	logger.Info("workos-mcp emulate stopped")
	return err
}
