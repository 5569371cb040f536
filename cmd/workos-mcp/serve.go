package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/workos-mcp/workos-mcp/authkit"
	"github.com/workos-mcp/workos-mcp/console"
	"github.com/workos-mcp/workos-mcp/internal/server"
	"github.com/workos-mcp/workos-mcp/internal/telemetry"
	"github.com/workos-mcp/workos-mcp/workspace"
)

const serveAbout = `Run the workspace MCP server in production: people sign in with your AuthKit, and act on the
WorkOS environments of their team. The configuration comes from a YAML or JSON file (--config, or
WORKOS_MCP_CONFIG) and environment variables, which win over the file. Secrets are read only from
environment variables or files (api_key_env, api_key_file). The AuthKit environment's API key
(WORKOS_API_KEY) is required: it is the team's sign-in environment, which is never writable
through the server. Everything is validated at start, including which managed environment is
the sign-in one (established with each environment's key); --check validates and exits.
docs/configuration.md lists every key.

Minimal configuration:

  public_url: https://mcp.example.com
  authkit: {domain: https://your-app.authkit.app, client_id: client_...}
  teams:
    - organization_id: org_...           # your team, in the AuthKit environment
      environments:
        - {name: sandbox, kind: sandbox, api_key_env: WORKOS_SANDBOX_API_KEY}
        - {name: production, kind: production, api_key_env: WORKOS_PRODUCTION_API_KEY}`

func runServe(ctx context.Context, args []string, e *env) error {
	fs := newFlags(e, "serve", "serve [--config FILE] [--check] [--addr ADDR]", serveAbout)
	config := fs.String("config", e.getenv(envConfigFile), "configuration file, YAML or JSON (env WORKOS_MCP_CONFIG)")
	check := fs.Bool("check", false, "validate the configuration and exit")
	addr := fs.String("addr", "", "listen address, overriding the configuration's listen")
	var autoApprove string
	fs.StringVar(&autoApprove, "auto-approve", "", "refused: a dev-only option")
	var reset bool
	fs.BoolVar(&reset, "reset", false, "refused: a dev-only option")
	logFormat := fs.String("log-format", "", "log format: json or text (overrides log.format)")
	logLevel := fs.String("log-level", "", "log level (overrides log.level)")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if autoApprove != "" || reset {
		return usagef("--auto-approve and --reset are dev-only options; serve refuses them (use workos-mcp dev)")
	}
	getenv := e.getenv
	if *logFormat != "" || *logLevel != "" || *addr != "" {
		over := map[string]string{"WORKOS_MCP_LOG_FORMAT": *logFormat, "WORKOS_MCP_LOG_LEVEL": *logLevel, envAddr: *addr}
		getenv = func(k string) string {
			if v := over[k]; v != "" {
				return v
			}
			return e.getenv(k)
		}
	}
	cfg, err := loadServeConfig(*config, getenv)
	if err != nil {
		return err
	}
	level, _ := telemetry.ParseLogLevel(cfg.LogLevel)
	logger := telemetry.NewLogger(e.stderr, cfg.LogFormat, level)
	m := telemetry.NewMetrics()
	// Fail loudly (preflight.go): placeholders, the AuthKit issuer, every API key.
	warn := func(msg string) { logger.Warn(msg) }
	if *check {
		warn = func(msg string) { fmt.Fprintf(e.stdout, "warning: %s\n", msg) }
	}
	if e.getenv(envListenOld) != "" && e.getenv(envAddr) == "" {
		warn(envListenOld + " is the former name of " + envAddr + ", the listen address every command reads; rename it")
	}
	hc := &http.Client{}
	if err := runPreflight(ctx, cfg, hc, warn); err != nil {
		return err
	}
	if *check {
		// The team's protection is part of the configuration: --check establishes it exactly
		// as serve does, with the same WorkOS calls.
		ws, err := workspace.New(workspaceConfig(cfg, m, logger), nil)
		if err != nil {
			return err
		}
		defer ws.Close(context.WithoutCancel(ctx))
		if cfg.RecordsDir != "" {
			if _, err := workspace.OpenFileRecordQueue(cfg.RecordsDir); err != nil {
				return fmt.Errorf("records.queue_dir: %w", err)
			}
		}
		found, err := establishProtection(ctx, ws)
		if err != nil {
			return err
		}
		for _, p := range found {
			if p.SignIn {
				fmt.Fprintf(e.stdout, "team %s: environment %q is the team's sign-in environment (%s): read-only through this server\n", p.Team, p.Environment, p.Reason)
			}
		}
		fmt.Fprintf(e.stdout, "configuration OK: %d team(s), MCP at %s, AuthKit %s\n", len(cfg.Workspace.Teams), cfg.AuthKit.ResourceURL, cfg.AuthKit.Issuer)
		return nil
	}

	akc := cfg.AuthKit
	akc.Hooks = authkit.Hooks{AuthFailure: m.AuthFailure, JWKSFetch: m.JWKSFetch, WorkOSResponse: m.WorkOSResponse}
	akc.Logger = logger.With("component", "authkit")
	ak, err := authkit.New(akc)
	if err != nil {
		return err
	}
	defer ak.Close()
	wc := workspaceConfig(cfg, m, logger)
	readiness := append([]telemetry.Check{{Name: "authkit", Fn: ak.Ready}}, preflightReadiness(cfg, hc)...)
	if cfg.RedisURL != "" {
		rc, store, err := openRedisUsedTokens(ctx, cfg)
		if err != nil {
			return err
		}
		defer rc.Close()
		wc.UsedTokens = store
		wc.Approvals = workspace.NewRedisApprovals(rc, cfg.RedisPrefix)
		readiness = append(readiness, telemetry.Check{Name: "redis", Fn: store.Ping})
		logger.Info("confirmations shared through Redis", "prefix", cfg.RedisPrefix)
		// The same Redis shares the per-person limits and the queue of audit events.
		limitPrefix, recordsKey := redisKeys(cfg.RedisPrefix)
		wc.Limiter = workspace.NewRedisLimiter(rc, limitPrefix)
		wc.RecordQueue = workspace.NewRedisRecordQueue(rc, recordsKey)
		logger.Info("per-person limits shared through Redis", "prefix", limitPrefix)
	} else {
		logger.Info("confirmations remembered in-process: with more than one replica, configure confirmation.redis_url_env")
	}
	switch {
	case cfg.RecordsDir != "":
		q, err := workspace.OpenFileRecordQueue(cfg.RecordsDir)
		if err != nil {
			return fmt.Errorf("records.queue_dir: %w", err)
		}
		wc.RecordQueue = q
		logger.Info("audit events the audit log does not accept wait in a directory", "dir", cfg.RecordsDir)
	case wc.RecordQueue != nil:
		logger.Info("audit events the audit log does not accept wait in Redis")
	default:
		logger.Warn("audit events the audit log does not accept wait in memory only: set records.queue_dir (or Redis) so that a restart keeps them")
	}
	ws, err := workspace.New(wc, ak)
	if err != nil {
		return err
	}
	found, err := establishProtection(ctx, ws)
	if err != nil {
		return err
	}
	for _, p := range found {
		if p.SignIn {
			logger.Warn("a managed environment is the team's sign-in environment: read-only through this server",
				"team", p.Team, "environment", p.Environment, "reason", p.Reason)
		}
	}
	if len(cfg.Workspace.ConfirmationKey) == 0 {
		logger.Warn("no confirmation key configured: a random one is used, so confirmations only work with a single replica (set WORKOS_MCP_CONFIRMATION_KEY)")
	}

	con, err := console.New(console.Config{Workspace: ws, AuthKit: ak, Issuer: cfg.AuthKit.Issuer, PublicURL: cfg.PublicURL,
		ResourceURL: cfg.AuthKit.ResourceURL, Key: cfg.Workspace.ConfirmationKey, Logger: logger.With("component", "console")})
	if err != nil {
		return err
	}

	srv, err := server.New(server.Config{
		PublicURL: cfg.PublicURL, Listen: cfg.Listen,
		AllowedOrigins: cfg.AllowedOrigins, AllowedHosts: cfg.AllowedHosts, MaxBodyBytes: cfg.MaxBodyBytes,
		AuthKit: ak, Workspace: ws, Console: con, Metrics: m, Logger: logger, Readiness: readiness,
	})
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	logger.Info("workos-mcp serve listening", "addr", ln.Addr().String(), "mcp", cfg.AuthKit.ResourceURL,
		"issuer", cfg.AuthKit.Issuer, "teams", len(cfg.Workspace.Teams))
	if e.ready != nil {
		e.ready("http://" + ln.Addr().String())
	}
	hs := telemetry.NewServer("", srv.Handler(), logger)
	err = telemetry.Serve(ctx, hs, ln, cfg.ShutdownGrace)
	// In-flight calls are done: deliver the audit events still waiting before exiting.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownGrace)
	defer cancel()
	if cerr := ws.Close(cctx); cerr != nil {
		logger.Warn("audit events not delivered at shutdown", "error", cerr.Error())
	}
	logger.Info("workos-mcp serve stopped")
	return err
}

// redisKeys names the per-person limit keys and the audit-event list in the configured Redis,
// next to the used confirmation tokens (under the same prefix when one is configured).
func redisKeys(confirmationPrefix string) (limitPrefix, recordsKey string) {
	if confirmationPrefix == workspace.DefaultRedisUsedTokensPrefix {
		return workspace.DefaultRedisLimiterPrefix, workspace.DefaultRedisRecordQueueKey
	}
	return confirmationPrefix + "limit:", confirmationPrefix + "records"
}

// protectionStartTimeout bounds establishing the teams' protection at start.
const protectionStartTimeout = time.Minute

// establishProtection establishes, before anything is served, which managed environment is
// each team's sign-in environment; serve and --check refuse to go on when it cannot be
// established, naming the team, the environment and the reason.
func establishProtection(ctx context.Context, ws *workspace.Server) ([]workspace.Protection, error) {
	ctx, cancel := context.WithTimeout(ctx, protectionStartTimeout)
	defer cancel()
	found, err := ws.EstablishProtection(ctx)
	if err != nil {
		return nil, fmt.Errorf("the team's sign-in environment cannot be protected:\n  %s", strings.ReplaceAll(err.Error(), "\n", "\n  "))
	}
	return found, nil
}

// redisStartTimeout bounds the ping at start, so that an unreachable Redis fails the start
// rather than hanging it.
const redisStartTimeout = 10 * time.Second

// openRedisUsedTokens connects to the configured Redis and pings it. Errors name the
// configuration key, never the URL (it may carry a password).
func openRedisUsedTokens(ctx context.Context, cfg *serveConfig) (*redis.Client, *workspace.RedisUsedTokens, error) {
	opts, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: the Redis URL is not valid", cfg.RedisURLKey)
	}
	rc := redis.NewClient(opts)
	store := workspace.NewRedisUsedTokens(rc, cfg.RedisPrefix)
	pctx, cancel := context.WithTimeout(ctx, redisStartTimeout)
	defer cancel()
	if err := store.Ping(pctx); err != nil {
		rc.Close()
		msg := err.Error()
		for _, s := range []string{cfg.RedisURL, opts.Password} {
			if s != "" {
				msg = strings.ReplaceAll(msg, s, "[redacted]")
			}
		}
		return nil, nil, fmt.Errorf("%s: cannot reach Redis (ping, %s limit): %s", cfg.RedisURLKey, redisStartTimeout, msg)
	}
	return rc, store, nil
}

// workspaceConfig is the resolved workspace configuration with serve's hooks and logger. The
// durable record queue and the Redis stores are added by serve itself; --check uses the
// in-process ones.
func workspaceConfig(cfg *serveConfig, m *telemetry.Metrics, logger *slog.Logger) workspace.Config {
	wc := cfg.Workspace
	wc.Hooks = m.WorkspaceHooks()
	wc.Logger = logger.With("component", "workspace")
	return wc
}
