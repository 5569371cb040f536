package main

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/workos-mcp/workos-mcp/authkit"
	"github.com/workos-mcp/workos-mcp/console"
	"github.com/workos-mcp/workos-mcp/internal/telemetry"
	"github.com/workos-mcp/workos-mcp/workspace"
)

// Resolving the serve configuration: the file (config_schema.go) and the environment, which
// wins, turned straight into the library configurations (authkit.Config, workspace.Config) plus
// the few settings only serve has. Each rule is checked once, by its owner: the workspace checks
// teams, environments and roles, authkit the AuthKit settings; serve checks only what it alone
// knows (the file, the variables, the listen address and public URL, Redis, logs, HTTP) and says
// where each value the owners refuse was set.

// Default environment variable names.
const (
	envConfigFile      = "WORKOS_MCP_CONFIG"
	envAPIKey          = "WORKOS_API_KEY"
	envConfirmationKey = "WORKOS_MCP_CONFIRMATION_KEY"
	// envAddr is the listen address of every command (dev, emulate, serve) and where connect
	// and health find the server; envListenOld is serve's former name for it, still read.
	envAddr      = "WORKOS_MCP_ADDR"
	envListenOld = "WORKOS_MCP_LISTEN"
)

// serveConfig is what serve runs with, resolved and validated.
type serveConfig struct {
	// AuthKit protects /mcp; serve adds its hooks and logger.
	AuthKit authkit.Config
	// Workspace is the workspace server's configuration; serve adds its hooks, logger and the
	// stores shared between replicas (Redis, the record queue).
	Workspace workspace.Config

	Listen    string
	PublicURL string // origin, no trailing slash
	// RedisURL (secret: may hold a password) names the Redis that holds used confirmation
	// tokens; empty means in-process. RedisURLKey is the configuration key it came from, for
	// messages that must not show the URL.
	RedisURL    string
	RedisURLKey string
	RedisPrefix string
	// RecordsDir is the durable queue of team audit events (records.queue_dir); empty means
	// Redis when configured, else in-process.
	RecordsDir string

	LogFormat telemetry.LogFormat
	LogLevel  string

	AllowedOrigins []string
	AllowedHosts   []string
	MaxBodyBytes   int64
	ShutdownGrace  time.Duration
}

// loadServeConfig reads the file (path may be empty: environment only) and the environment, and
// validates everything. getenv reads variables; file names in the configuration are relative to
// the configuration file's directory.
func loadServeConfig(path string, getenv func(string) string) (*serveConfig, error) {
	var fc fileConfig
	dir := "."
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read configuration: %w", err)
		}
		dir = filepath.Dir(path)
		if err := decodeConfigFile(data, &fc); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	return resolveConfig(&fc, dir, getenv)
}

// resolver turns the file into the configurations, collecting every problem so that one run
// reports them all.
type resolver struct {
	dir    string
	getenv func(string) string
	ce     configErrors
	// setAt names, for a field of the library configurations (a workspace.ConfigError path, or
	// authkit.<Field>), where its value was set when that is not the same path in the file: a
	// variable (AUTHKIT_DOMAIN) or another key (teams[0].audit_log.organization_id).
	setAt map[string]string
	// hint says how to set a field the owners find missing.
	hint map[string]string
	// reported are fields whose problem is already said (a variable not set, a key refused
	// here) or said under another field: the owner's complaint about them is not repeated.
	reported map[string]bool
	// authKeyFailed: the authkit block's key could not be read (said at authkit.*), so a team
	// without a sign-in key of its own is not told again.
	authKeyFailed bool
}

func resolveConfig(fc *fileConfig, dir string, getenv func(string) string) (*serveConfig, error) {
	r := &resolver{dir: dir, getenv: getenv, setAt: map[string]string{}, hint: map[string]string{}, reported: map[string]bool{}}
	for _, n := range []string{"WORKOS_MCP_AUTO_APPROVE", "WORKOS_MCP_DEV"} {
		if getenv(n) != "" {
			r.ce.add(n, "is a dev-only setting; workos-mcp serve refuses it (unset it)")
		}
	}
	cfg := &serveConfig{}
	resource := r.urls(fc, cfg)
	cfg.AuthKit = r.authKit(fc.AuthKit, resource)
	cfg.Workspace = r.workspace(fc, cfg)
	r.serveOnly(fc, cfg)
	r.reportAuthKit(cfg.AuthKit.Validate())
	r.reportWorkspace(cfg.Workspace.Validate())
	if err := r.ce.err(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// env returns the first of the variables names that is set, and its name.
func (r *resolver) env(names ...string) (string, string) {
	for _, n := range names {
		if v := strings.TrimSpace(r.getenv(n)); v != "" {
			return v, n
		}
	}
	return "", ""
}

// pick returns a variable of names when one is set (the environment wins over the file), else
// the file's value at key; and where the value came from.
func (r *resolver) pick(fileVal, key string, names ...string) (string, string) {
	if v, n := r.env(names...); v != "" {
		return v, n
	}
	return strings.TrimSpace(fileVal), key
}

// fail reports a problem serve finds with the value set at key, which feeds the library field
// field (may be empty): the owner's complaint about that field is then not repeated.
func (r *resolver) fail(field, key, format string, a ...any) {
	r.ce.add(key, format, a...)
	if field != "" {
		r.reported[field] = true
	}
}

// report adds an owner's problem with field, named where the value was set.
func (r *resolver) report(field, problem string) {
	if r.reported[field] {
		return
	}
	key := field
	if k, ok := r.setAt[field]; ok {
		key = k
	}
	if h := r.hint[field]; h != "" {
		problem += "; " + h
	}
	r.ce.add(key, "%s", problem)
}

// reportAuthKit reports authkit's problems (authkit.Config.Validate).
func (r *resolver) reportAuthKit(err error) {
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else if err != nil {
		errs = []error{err}
	}
	for _, e := range errs {
		var ce *authkit.ConfigError
		if errors.As(e, &ce) {
			r.report("authkit."+ce.Field, ce.Problem)
		} else {
			r.ce.add("authkit", "%s", e)
		}
	}
}

// reportWorkspace reports the workspace's problems (workspace.Config.Validate).
func (r *resolver) reportWorkspace(err error) {
	var errs workspace.ConfigErrors
	if errors.As(err, &errs) {
		for _, e := range errs {
			r.report(e.Path, e.Problem)
		}
	} else if err != nil {
		r.ce.add("teams", "%s", err)
	}
}

// urls resolves where serve listens and the URLs clients use; it returns the resource URL.
func (r *resolver) urls(fc *fileConfig, cfg *serveConfig) string {
	var src string
	cfg.Listen, src = r.pick(fc.Listen, "listen", envAddr, envListenOld)
	if cfg.Listen == "" {
		cfg.Listen = ":8080"
	} else if !strings.Contains(cfg.Listen, ":") {
		r.ce.add(src, "%q is not host:port (e.g. :8080 or 127.0.0.1:8080)", cfg.Listen)
	}

	pub, src := r.pick(fc.PublicURL, "public_url", "WORKOS_MCP_PUBLIC_URL", "BASE_URL")
	if pub == "" {
		r.ce.add("public_url", "required: the public origin clients use, e.g. https://mcp.example.com (or set WORKOS_MCP_PUBLIC_URL)")
	} else if u, err := authkit.CheckURL(pub, true); err != nil {
		r.ce.add(src, "%s", err)
	} else if u.Path != "" && u.Path != "/" {
		r.ce.add(src, "%q must be an origin without a path (the MCP endpoint is <public_url>/mcp)", pub)
	} else {
		cfg.PublicURL = strings.TrimSuffix(pub, "/")
	}

	res, src := r.pick(fc.ResourceURL, "resource_url", "WORKOS_MCP_RESOURCE_URL")
	switch {
	case res == "" && cfg.PublicURL != "":
		res = cfg.PublicURL + "/mcp"
		r.setAt["authkit.ResourceURL"] = "public_url"
	case res == "":
		r.reported["authkit.ResourceURL"] = true // public_url's problem is said
	default:
		r.setAt["authkit.ResourceURL"] = src
		if u, err := authkit.CheckURL(res, true); err != nil {
			r.fail("authkit.ResourceURL", src, "%s", err)
		} else if u.Path != "/mcp" {
			r.fail("authkit.ResourceURL", src, "%q: the path must be /mcp, where this server serves MCP", res)
		}
	}
	return res
}

// authKit resolves the authkit block: the AuthKit environment people sign in to.
func (r *resolver) authKit(a authkitFile, resource string) authkit.Config {
	c := authkit.Config{ResourceURL: resource, Audiences: a.Audiences, ScopesSupported: a.ScopesSupported,
		RequiredScopes: a.RequiredScopes, DocsURL: a.DocsURL}
	r.setAt["authkit.DocsURL"] = "authkit.docs_url"

	dom, src := r.pick(a.Domain, "authkit.domain", "AUTHKIT_DOMAIN", "WORKOS_AUTHKIT_DOMAIN")
	r.setAt["authkit.Issuer"] = src
	if dom == "" {
		r.hint["authkit.Issuer"] = "set authkit.domain (or AUTHKIT_DOMAIN)"
	} else {
		if !strings.Contains(dom, "://") {
			dom = "https://" + dom
		}
		// The key names a domain: an issuer with a path (authkit accepts one, for other OAuth
		// servers) is not the AuthKit domain. authkit checks the URL itself.
		if u, err := authkit.CheckURL(dom, true); err == nil && u.Path != "" && u.Path != "/" {
			r.fail("authkit.Issuer", src, "%q must be the AuthKit domain alone, without a path", dom)
		}
		c.Issuer = strings.TrimSuffix(dom, "/")
	}

	c.ClientID, _ = r.pick(a.ClientID, "authkit.client_id", "WORKOS_CLIENT_ID")
	if c.ClientID != "" && !strings.HasPrefix(c.ClientID, "client_") {
		r.ce.add("authkit.client_id", "%q does not look like a WorkOS client ID (client_...)", c.ClientID)
	}
	c.APIBaseURL, src = r.pick(a.APIBaseURL, "authkit.api_base_url", "WORKOS_API_BASE_URL")
	r.setAt["authkit.APIBaseURL"] = src
	var ok bool
	c.APIKey, ok = r.secret(a.secretFile, "authkit", envAPIKey)
	r.authKeyFailed = !ok
	c.Leeway = r.duration(a.Leeway, "authkit.leeway", 0, 10*time.Minute)
	return c
}

// workspace resolves the teams, the roles and the confirmation settings.
func (r *resolver) workspace(fc *fileConfig, cfg *serveConfig) workspace.Config {
	wc := workspace.Config{
		// Where people approve destructive calls; public_url's own problem is said above.
		ConsoleURL: cfg.PublicURL + console.Path,
	}
	if len(fc.Teams) == 0 {
		r.ce.add("teams", "at least one team is required: the WorkOS organization people sign in to, and the environments they manage")
	}
	for i, t := range fc.Teams {
		wc.Teams = append(wc.Teams, r.team(fmt.Sprintf("teams[%d]", i), t, cfg.AuthKit))
	}
	if fc.Roles != nil {
		wc.Roles = map[string]workspace.Role{}
		for name, rf := range fc.Roles {
			wc.Roles[name] = workspace.Role{Description: rf.Description, Sandbox: access(rf.Sandbox),
				Production: access(rf.Production), Areas: rf.Areas}
		}
	}
	wc.ConfirmationKey = r.confirmationKey(fc.Confirmation)
	wc.ConfirmationTTL = r.duration(fc.Confirmation.TTL, "confirmation.ttl", 30*time.Second, time.Hour)
	if n := fc.Records.MaxQueued; n != nil {
		if *n < 1 || *n > 10_000_000 {
			r.ce.add("records.max_queued", "%d: use 1 to 10000000 (default %d)", *n, workspace.DefaultMaxQueuedRecords)
		} else {
			wc.MaxQueuedRecords = *n
		}
	}
	return wc
}

// access reads a role's access; unset is none.
func access(s string) workspace.Access {
	if s == "" {
		return workspace.AccessNone
	}
	return workspace.Access(s)
}

// team resolves one team at key (teams[i]). Its sign-in environment is the authkit block's,
// with teams[].audit_log's overrides (older configurations name it there).
func (r *resolver) team(key string, t teamFile, ak authkit.Config) workspace.Team {
	team := workspace.Team{
		OrganizationID: strings.TrimSpace(t.OrganizationID), Name: t.Name,
		Settings:     workspace.Settings{Enabled: t.Settings.Enabled, AllowProduction: t.Settings.AllowProduction, AllowWrite: t.Settings.AllowWrite},
		PinSettings:  t.Settings.Pinned,
		Confirmation: workspace.ConfirmationMode(strings.TrimSpace(t.Confirmation)),
	}
	for j, e := range t.Environments {
		ek := fmt.Sprintf("%s.environments[%d]", key, j)
		env := workspace.Environment{Name: strings.TrimSpace(e.Name), Kind: strings.TrimSpace(e.Kind), BaseURL: strings.TrimSpace(e.BaseURL)}
		var ok bool
		if env.APIKey, ok = r.secret(e.secretFile, ek, ""); !ok {
			r.reported[ek+".api_key"] = true
		}
		r.setAt[ek+".api_key"] = ek
		if e.APIKeyEnv == "" && e.APIKeyFile == "" {
			r.hint[ek+".api_key"] = "set api_key_env (an environment variable's name) or api_key_file"
		}
		team.Environments = append(team.Environments, env)
	}

	in := &workspace.SignInEnvironment{APIKey: ak.APIKey, BaseURL: ak.APIBaseURL, ClientID: ak.ClientID}
	// The authkit block's base URL is authkit's to check (authkit.api_base_url).
	r.reported[key+".sign_in.base_url"] = true
	r.setAt[key+".sign_in.api_key"] = key
	r.hint[key+".sign_in.api_key"] = fmt.Sprintf("set %s (or authkit.api_key_env / authkit.api_key_file, or this team's audit_log.api_key_env)", envAPIKey)
	if a := t.AuditLog; a != nil {
		ak := key + ".audit_log"
		if id := strings.TrimSpace(a.OrganizationID); id != "" {
			in.OrganizationID = id
			r.setAt[key+".sign_in.organization_id"] = ak + ".organization_id"
		}
		if u := strings.TrimSpace(a.BaseURL); u != "" {
			in.BaseURL = u
			r.setAt[key+".sign_in.base_url"] = ak + ".base_url"
			delete(r.reported, key+".sign_in.base_url")
		}
		k, ok := r.secret(a.secretFile, ak, "")
		if k != "" {
			in.APIKey = k
		}
		if !ok {
			r.reported[key+".sign_in.api_key"] = true
		}
	}
	if in.APIKey == "" && r.authKeyFailed {
		r.reported[key+".sign_in.api_key"] = true
	}
	team.SignIn = in
	if t.Limits != nil {
		team.Limits = r.limits(*t.Limits, key+".limits")
	}
	return team
}

// Bounds of a per-person limit in the file: beyond them a value is a typo, not a policy. The
// file's rules are stricter than the workspace's: there, 0 means the default; here, leaving
// the key out does.
const (
	maxLimitPerSecond = 10_000
	maxLimitBurst     = 1_000_000
)

// limits reads a team's limits block; whether its environments are the team's is the
// workspace's rule.
func (r *resolver) limits(l limitsFile, key string) workspace.Limits {
	out := r.limit(l.limitFile, key)
	for n, el := range l.Environments {
		if out.Environments == nil {
			out.Environments = map[string]workspace.Limits{}
		}
		out.Environments[n] = r.limit(el, key+".environments."+n)
	}
	return out
}

// limit reads one rate and size.
func (r *resolver) limit(l limitFile, key string) workspace.Limits {
	var out workspace.Limits
	if p := l.PerSecond; p != nil {
		if !(*p > 0 && *p <= maxLimitPerSecond) {
			r.ce.add(key+".per_second", "%v: use a number above 0, at most %d (default %d)", *p, maxLimitPerSecond, workspace.DefaultLimitPerSecond)
		} else {
			out.PerSecond = *p
		}
	}
	if b := l.Burst; b != nil {
		if !(*b >= 1 && *b <= maxLimitBurst && *b == math.Trunc(*b)) {
			r.ce.add(key+".burst", "%v: use a whole number from 1 to %d (default %d)", *b, maxLimitBurst, workspace.DefaultLimitBurst)
		} else {
			out.Burst = int(*b)
		}
	}
	return out
}

// serveOnly resolves the settings only serve has: Redis, records, logs and HTTP.
func (r *resolver) serveOnly(fc *fileConfig, cfg *serveConfig) {
	cfg.RedisURL, cfg.RedisURLKey = r.redisURL(fc.Confirmation)
	cfg.RedisPrefix = workspace.DefaultRedisUsedTokensPrefix
	if p := fc.Confirmation.RedisPrefix; p != nil {
		switch {
		case *p == "" || len(*p) > 200:
			r.ce.add("confirmation.redis_prefix", "must be 1 to 200 characters")
		case strings.ContainsFunc(*p, func(r rune) bool { return r <= ' ' || r == 0x7f }):
			r.ce.add("confirmation.redis_prefix", "%q must not contain spaces or control characters", *p)
		default:
			cfg.RedisPrefix = *p
		}
		if cfg.RedisURL == "" && cfg.RedisURLKey == "" {
			r.ce.add("confirmation.redis_prefix", "is set but no Redis is configured (confirmation.redis_url_env or confirmation.redis_url_file)")
		}
	}
	if d := strings.TrimSpace(fc.Records.QueueDir); d != "" {
		cfg.RecordsDir = relTo(r.dir, d)
	}

	lf, src := r.pick(fc.Log.Format, "log.format", "WORKOS_MCP_LOG_FORMAT")
	format, err := telemetry.ParseLogFormat(lf)
	if err != nil {
		r.ce.add(src, "%s", err)
	}
	cfg.LogFormat = format
	cfg.LogLevel, src = r.pick(fc.Log.Level, "log.level", "WORKOS_MCP_LOG_LEVEL")
	if _, err := telemetry.ParseLogLevel(cfg.LogLevel); err != nil {
		r.ce.add(src, "%s", err)
	}

	for i, o := range fc.HTTP.AllowedOrigins {
		if u, err := authkit.CheckURL(o, false); err != nil || (u.Path != "" && u.Path != "/") {
			r.ce.add(fmt.Sprintf("http.allowed_origins[%d]", i), "%q is not an origin (scheme://host[:port])", o)
		}
	}
	cfg.AllowedOrigins = fc.HTTP.AllowedOrigins
	for i, h := range fc.HTTP.AllowedHosts {
		if h == "" || strings.ContainsAny(h, "/ ") {
			r.ce.add(fmt.Sprintf("http.allowed_hosts[%d]", i), "%q is not a host name", h)
		}
	}
	cfg.AllowedHosts = fc.HTTP.AllowedHosts
	cfg.MaxBodyBytes = fc.HTTP.MaxBodyBytes
	if cfg.MaxBodyBytes < 0 || (cfg.MaxBodyBytes > 0 && cfg.MaxBodyBytes < 1024) {
		r.ce.add("http.max_body_bytes", "%d is too small (at least 1024; 0 means the default, %d)", cfg.MaxBodyBytes, telemetry.DefaultMaxBodyBytes)
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = telemetry.DefaultMaxBodyBytes
	}
	cfg.ShutdownGrace = r.duration(fc.HTTP.ShutdownGrace, "http.shutdown_grace", time.Second, 10*time.Minute)
	if cfg.ShutdownGrace == 0 {
		cfg.ShutdownGrace = telemetry.DefaultShutdownGrace
	}
}

// duration reads a duration between lo and hi; empty is 0 (the default).
func (r *resolver) duration(s, key string, lo, hi time.Duration) time.Duration {
	if strings.TrimSpace(s) == "" {
		return 0
	}
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		r.ce.add(key, "%q is not a duration (e.g. 30s, 5m)", s)
		return 0
	}
	if d < lo || d > hi {
		r.ce.add(key, "%s is out of range (%s to %s)", d, lo, hi)
		return 0
	}
	return d
}
