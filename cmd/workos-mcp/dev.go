package main

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/workos-mcp/workos-mcp/authkit"
	"github.com/workos-mcp/workos-mcp/emulator"
	"github.com/workos-mcp/workos-mcp/internal/devstack"
	"github.com/workos-mcp/workos-mcp/internal/telemetry"
	"github.com/workos-mcp/workos-mcp/workspace"
)

const devAbout = `Run the whole product on one port, with no WorkOS account and no network: an
AuthKit-compatible authorization server, the WorkOS API emulator (under /workos) and the workspace
MCP server (at /mcp), with a demo team whose people you can sign in as. Data is kept in SQLite
under the data directory, so it survives restarts; --reset seeds it again.`

// logFlags adds --log-format and --log-level.
func logFlags(fs interface {
	String(name, value, usage string) *string
}, e *env) (*string, *string) {
	return fs.String("log-format", envOr(e, "WORKOS_MCP_LOG_FORMAT", "json"), "log format: json or text (env WORKOS_MCP_LOG_FORMAT)"),
		fs.String("log-level", envOr(e, "WORKOS_MCP_LOG_LEVEL", "info"), "log level: debug, info, warn or error (env WORKOS_MCP_LOG_LEVEL)")
}

// parseLogFlags turns the values of --log-format and --log-level into settings; a bad value is
// a usage error that names its flag.
func parseLogFlags(format, level string) (telemetry.LogFormat, slog.Level, error) {
	f, err := telemetry.ParseLogFormat(format)
	if err != nil {
		return f, 0, usagef("--log-format: %s", err)
	}
	l, err := telemetry.ParseLogLevel(level)
	if err != nil {
		return f, 0, usagef("--log-level: %s", err)
	}
	return f, l, nil
}

func envOr(e *env, name, def string) string {
	if v := strings.TrimSpace(e.getenv(name)); v != "" {
		return v
	}
	return def
}

// stringList is a repeatable flag.
type stringList []string

// String joins the values (flag.Value).
func (l *stringList) String() string { return strings.Join(*l, ",") }

// Set appends one value (flag.Value).
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

func runDev(ctx context.Context, args []string, e *env) error {
	fs := newFlags(e, "dev", "dev [--addr ADDR] [--data DIR] [--reset] [--auto-approve EMAIL]", devAbout)
	addr := fs.String("addr", envOr(e, "WORKOS_MCP_ADDR", devstack.DefaultAddr), "listen address (env WORKOS_MCP_ADDR)")
	data := fs.String("data", envOr(e, "WORKOS_MCP_DATA", ".data"), `data directory; "" keeps everything in memory (env WORKOS_MCP_DATA)`)
	reset := fs.Bool("reset", false, "wipe the data directory and seed the demo data again")
	auto := fs.String("auto-approve", "", "approve every sign-in as this person (an email of the demo team), for scripts and CI")
	base := fs.String("base-url", "", "public origin when clients reach the server through a tunnel or proxy (default http://ADDR)")
	rate := fs.Float64("rate-limit", emulator.WorkOSRateLimit.RequestsPerSecond, "the emulator's requests per second per API key before 429 answers, with bursts of 10 times as many (default: WorkOS's 6,000 a minute; 0: no limit)")
	confirm := fs.String("confirmation", "human", "how the demo team confirms irreversible operations: human (the person approves on /console) or agent (the agent returns the token; for scripts)")
	personLimit := fs.Float64("person-limit", workspace.DefaultLimitPerSecond, "each person's WorkOS API calls per second in each environment, with bursts of 3 times as many (0: no per-person limit, for load tests)")
	strict := fs.Bool("strict-idempotency", false, "the emulator honours Idempotency-Key only where WorkOS documents it (audit log events), not on every POST")
	var origins, hosts stringList
	fs.Var(&origins, "allow-origin", "a browser origin allowed to call /mcp besides the server's own (repeatable)")
	fs.Var(&hosts, "allow-host", "a Host name accepted besides loopback ones and --base-url's, e.g. a proxy's (repeatable)")
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
	limits := &workspace.Limits{PerSecond: *personLimit, Burst: int(math.Ceil(3 * *personLimit))}
	switch {
	case *personLimit < 0 || math.IsNaN(*personLimit) || *personLimit > 10_000:
		return usagef("--person-limit: use 0 (no limit) or a number of calls per second up to 10000")
	case *personLimit == 0:
		limits = &devstack.Unlimited
	}
	if *confirm != string(workspace.ConfirmHuman) && *confirm != string(workspace.ConfirmAgent) {
		return usagef("--confirmation %q: use human (the person approves on /console) or agent (for scripts)", *confirm)
	}
	if *auto != "" && !strings.Contains(*auto, "@") {
		return usagef("--auto-approve %q: give the email of a person of the demo team", *auto)
	}
	if *base != "" {
		if _, err := authkit.CheckURL(*base, false); err != nil {
			return usagef("--base-url: %s", err)
		}
	}
	logger := telemetry.NewLogger(e.stderr, format, level)

	ln, baseURL, release, err := listenLocked(*addr, *base, *data)
	if err != nil {
		return err
	}
	defer release()
	stack, err := devstack.New(ctx, devstack.Options{
		Addr: ln.Addr().String(), BaseURL: baseURL, DataDir: *data, Reset: *reset,
		AutoApprove: *auto, AllowedOrigins: origins, AllowedHosts: hosts, Logger: logger,
		Confirmation:      workspace.ConfirmationMode(*confirm),
		Limits:            limits,
		StrictIdempotency: *strict, RateLimit: emulator.RateLimit{RequestsPerSecond: *rate, Burst: int(*rate * 10)},
	})
	if err != nil {
		return err
	}
	defer stack.Close()
	if *auto != "" {
		if err := checkAutoApprove(ctx, stack, *auto); err != nil {
			return err
		}
	}
	printDevBanner(ctx, e, stack, *auto, *data, *rate)
	logger.Info("workos-mcp dev listening", "url", stack.URL(), "mcp", stack.MCPURL(), "data", *data)
	if e.ready != nil {
		e.ready(stack.URL())
	}
	srv := telemetry.NewServer("", stack.Handler(), logger)
	err = telemetry.Serve(ctx, srv, ln, telemetry.DefaultShutdownGrace)
	logger.Info("workos-mcp dev stopped")
	return err
}

func printDevBanner(ctx context.Context, e *env, s *devstack.Stack, auto, data string, rate float64) {
	w := e.stdout
	fmt.Fprintf(w, "workos-mcp dev is running.\n\n")
	fmt.Fprintf(w, "  MCP server      %s\n", s.MCPURL())
	fmt.Fprintf(w, "  Sign-in         %s (authorization server)\n", s.URL())
	fmt.Fprintf(w, "  Console         %s/console (approve irreversible operations; team admins: settings)\n", s.URL())
	fmt.Fprintf(w, "  WorkOS API      %s (emulator: sandbox key %s, production key %s,\n", s.EmulatorURL(), emulator.DemoSandboxAPIKey, emulator.DemoProductionAPIKey)
	fmt.Fprintf(w, "                  team sign-in key %s: WORKOS_API_KEY for serve against this stack)\n", emulator.DemoTeamAPIKey)
	where := data
	if abs, err := filepath.Abs(data); err == nil && data != "" {
		where = abs
	}
	if where == "" {
		where = "memory (nothing is kept)"
	}
	fmt.Fprintf(w, "  Data            %s\n", where)
	if rate > 0 {
		fmt.Fprintf(w, "  Rate limit      %g requests/s per API key, then 429 (--rate-limit 0 turns it off)\n\n", rate)
	} else {
		fmt.Fprintf(w, "  Rate limit      off\n\n")
	}
	people, err := s.People(ctx)
	if err != nil {
		fmt.Fprintf(w, "(the demo team could not be listed: %v)\n\n", err)
	} else {
		fmt.Fprintf(w, "People of the demo team %q (password %q):\n", emulator.DemoTeamOrganizationName, emulator.DemoPassword)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, p := range people {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", p.Email, p.Role, p.Name)
		}
		tw.Flush()
		fmt.Fprintln(w)
	}
	if auto != "" {
		fmt.Fprintf(w, "AUTO-APPROVE is on: every sign-in is approved as %s without asking.\n\n", auto)
	}
	fmt.Fprintf(w, "Connect Claude Code:\n\n  claude mcp add --transport http workos %s\n\n", s.MCPURL())
	fmt.Fprintf(w, "Other clients: workos-mcp connect --list\n\n")
}

// checkAutoApprove refuses an --auto-approve email that is nobody of the demo team, at start,
// rather than at every sign-in.
func checkAutoApprove(ctx context.Context, s *devstack.Stack, email string) error {
	people, err := s.People(ctx)
	if err != nil {
		return fmt.Errorf("--auto-approve: list the demo team: %w", err)
	}
	var emails []string
	for _, p := range people {
		if strings.EqualFold(p.Email, email) {
			return nil
		}
		emails = append(emails, p.Email)
	}
	return usagef("--auto-approve %q is not a person of the demo team (%s)", email, strings.Join(emails, ", "))
}
