package main

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"gopkg.in/yaml.v3"

	"github.com/workos-mcp/workos-mcp/internal/telemetry"
	"github.com/workos-mcp/workos-mcp/workspace"
)

// The serve configuration: a YAML or JSON file (JSON is read as YAML, which it is a subset of)
// plus environment variables, which win. Secrets are never read from the file itself, only from
// the environment or from files the configuration names (api_key_env, api_key_file), so that the
// file can live in version control. docs/configuration.md documents every key.

// fileConfig mirrors the file. Pointer fields that the product does not support in serve exist
// only to be refused with a message that says why.
type fileConfig struct {
	Listen       string                `yaml:"listen"`
	PublicURL    string                `yaml:"public_url"`
	ResourceURL  string                `yaml:"resource_url"`
	AuthKit      authkitFile           `yaml:"authkit"`
	Teams        []teamFile            `yaml:"teams"`
	Roles        map[string]roleFile   `yaml:"roles"`
	Confirmation confirmationFile      `yaml:"confirmation"`
	Records      recordsFile           `yaml:"records"`
	Log          logFile               `yaml:"log"`
	HTTP         httpFile              `yaml:"http"`
	DevOnly      map[string]*yaml.Node `yaml:",inline"`
}

type secretFile struct {
	APIKey     *string `yaml:"api_key"`
	APIKeyEnv  string  `yaml:"api_key_env"`
	APIKeyFile string  `yaml:"api_key_file"`
}

type authkitFile struct {
	Domain          string   `yaml:"domain"`
	ClientID        string   `yaml:"client_id"`
	APIBaseURL      string   `yaml:"api_base_url"`
	Audiences       []string `yaml:"audiences"`
	ScopesSupported []string `yaml:"scopes_supported"`
	RequiredScopes  []string `yaml:"required_scopes"`
	DocsURL         string   `yaml:"docs_url"`
	Leeway          string   `yaml:"leeway"`
	secretFile      `yaml:",inline"`
}

type teamFile struct {
	OrganizationID string        `yaml:"organization_id"`
	Name           string        `yaml:"name"`
	Settings       settingsFile  `yaml:"settings"`
	Environments   []envFile     `yaml:"environments"`
	AuditLog       *auditLogFile `yaml:"audit_log"`
	// Confirmation: "human" (default: the person approves on the console) or "agent" (the
	// agent returns the token; for scripts).
	Confirmation string      `yaml:"confirmation"`
	Limits       *limitsFile `yaml:"limits"`
}

// limitsFile is a team's per-person rate limit of WorkOS API calls, per environment.
type limitsFile struct {
	limitFile    `yaml:",inline"`
	Environments map[string]limitFile `yaml:"environments"`
}

// limitFile is one bucket's rate and size.
type limitFile struct {
	PerSecond *float64 `yaml:"per_second"`
	Burst     *float64 `yaml:"burst"` // a float, so that 2.5 is refused rather than truncated
}

// recordsFile configures where team audit events wait when the audit log does not accept them.
type recordsFile struct {
	QueueDir  string `yaml:"queue_dir"`
	MaxQueued *int   `yaml:"max_queued"`
}

type settingsFile struct {
	// Pinned keeps the settings as the file says: team admins cannot change them on the console.
	Pinned          bool  `yaml:"pinned"`
	Enabled         *bool `yaml:"enabled"`
	AllowProduction *bool `yaml:"allow_production"`
	AllowWrite      *bool `yaml:"allow_write"`
}

type envFile struct {
	Name       string `yaml:"name"`
	Kind       string `yaml:"kind"`
	BaseURL    string `yaml:"base_url"`
	secretFile `yaml:",inline"`
}

type auditLogFile struct {
	OrganizationID string `yaml:"organization_id"`
	BaseURL        string `yaml:"base_url"`
	secretFile     `yaml:",inline"`
}

type roleFile struct {
	Description string   `yaml:"description"`
	Sandbox     string   `yaml:"sandbox"`
	Production  string   `yaml:"production"`
	Areas       []string `yaml:"areas"`
}

type confirmationFile struct {
	Key     *string `yaml:"key"`
	KeyEnv  string  `yaml:"key_env"`
	KeyFile string  `yaml:"key_file"`
	TTL     string  `yaml:"ttl"`
	// Redis shares used confirmation tokens between replicas. Its URL may carry a password, so
	// it is read like the other secrets.
	RedisURLEnv  string  `yaml:"redis_url_env"`
	RedisURLFile string  `yaml:"redis_url_file"`
	RedisPrefix  *string `yaml:"redis_prefix"`
}

type logFile struct {
	Format string `yaml:"format"`
	Level  string `yaml:"level"`
}

type httpFile struct {
	AllowedOrigins []string `yaml:"allowed_origins"`
	AllowedHosts   []string `yaml:"allowed_hosts"`
	MaxBodyBytes   int64    `yaml:"max_body_bytes"`
	ShutdownGrace  string   `yaml:"shutdown_grace"`
}

// devOnlyKeys are options of workos-mcp dev that serve refuses, with the reason.
var devOnlyKeys = map[string]string{
	"auto_approve": "approves sign-ins without a person",
	"emulator":     "runs the WorkOS API emulator instead of WorkOS",
	"data":         "is the dev stack's data directory",
	"data_dir":     "is the dev stack's data directory",
	"reset":        "wipes the dev stack's data",
	"dev":          "turns on development mode",
	"dev_mode":     "turns on development mode",
	"seed":         "seeds the emulator",
}

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

// serveConfig is the validated configuration, secrets resolved.
type serveConfig struct {
	Listen      string
	PublicURL   string // origin, no trailing slash
	ResourceURL string

	Issuer          string
	ClientID        string
	APIKey          string
	APIBaseURL      string
	Audiences       []string
	ScopesSupported []string
	RequiredScopes  []string
	DocsURL         string
	Leeway          time.Duration

	Teams           []teamConfig
	Roles           map[string]roleConfig // nil = defaults
	ConfirmationKey []byte
	ConfirmationTTL time.Duration
	// RedisURL (secret: may hold a password) names the Redis that holds used confirmation
	// tokens; empty means in-process. RedisURLKey is the configuration key it came from, for
	// messages that must not show the URL.
	RedisURL    string
	RedisURLKey string
	RedisPrefix string
	// RecordsDir is the durable queue of team audit events (records.queue_dir); empty means
	// Redis when configured, else in-process. MaxQueued bounds it (0: the default).
	RecordsDir string
	MaxQueued  int

	LogFormat telemetry.LogFormat
	LogLevel  string

	AllowedOrigins []string
	AllowedHosts   []string
	MaxBodyBytes   int64
	ShutdownGrace  time.Duration
}

type teamConfig struct {
	OrganizationID, Name                 string
	Enabled, AllowProduction, AllowWrite *bool
	Pinned                               bool
	Confirmation                         string
	Environments                         []envConfig
	// SignIn is the team's sign-in environment: the authkit block's, with teams[].audit_log's
	// overrides.
	SignIn signInConfig
	Limits workspace.Limits
}

type envConfig struct{ Name, Kind, APIKey, BaseURL string }

type signInConfig struct{ OrganizationID, APIKey, BaseURL, ClientID string }

type roleConfig struct {
	Description, Sandbox, Production string
	Areas                            []string
}

// configErrors collects every problem so that one run reports them all.
type configErrors struct{ errs []string }

func (c *configErrors) add(key, format string, a ...any) {
	c.errs = append(c.errs, key+": "+fmt.Sprintf(format, a...))
}

func (c *configErrors) err() error {
	if len(c.errs) == 0 {
		return nil
	}
	return fmt.Errorf("invalid configuration:\n  %s", strings.Join(c.errs, "\n  "))
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

// decodeConfigFile decodes strictly: an unknown key is an error naming its path.
func decodeConfigFile(data []byte, fc *fileConfig) error {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return fmt.Errorf("not valid YAML or JSON: %w", err)
	}
	if root.Kind == 0 {
		return nil
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) != 1 || root.Content[0].Kind != yaml.MappingNode {
		return errors.New("the top level must be a mapping (an object)")
	}
	var ce configErrors
	checkKeys(root.Content[0], reflect.TypeOf(fileConfig{}), "", &ce)
	if err := ce.err(); err != nil {
		return err
	}
	if err := root.Content[0].Decode(fc); err != nil {
		return fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	return nil
}

// yamlFields lists the keys a struct type accepts (inline structs included); ok is false for a
// type with an inline map, which accepts anything (checked elsewhere).
func yamlFields(t reflect.Type) map[string]reflect.Type {
	fields := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if opts == "inline" {
			if f.Type.Kind() == reflect.Struct {
				for k, v := range yamlFields(f.Type) {
					fields[k] = v
				}
			}
			continue
		}
		if name == "" || name == "-" {
			continue
		}
		fields[name] = f.Type
	}
	return fields
}

// checkKeys reports keys of node that type t does not know, recursively.
func checkKeys(node *yaml.Node, t reflect.Type, path string, ce *configErrors) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		if node.Kind != yaml.MappingNode {
			if !(node.Kind == yaml.ScalarNode && node.Tag == "!!null") {
				ce.add(strings.TrimPrefix(path, "."), "expected a mapping (line %d)", node.Line)
			}
			return
		}
		fields := yamlFields(t)
		_, devOnly := t.FieldByName("DevOnly")
		for i := 0; i+1 < len(node.Content); i += 2 {
			k := node.Content[i].Value
			key := strings.TrimPrefix(path+"."+k, ".")
			ft, ok := fields[k]
			if !ok {
				if reason, dev := devOnlyKeys[k]; dev && devOnly {
					ce.add(key, "is a dev-only option (it %s); workos-mcp serve refuses it", reason)
					continue
				}
				ce.add(key, "unknown key (line %d)%s", node.Content[i].Line, suggest(k, fields))
				continue
			}
			checkKeys(node.Content[i+1], ft, path+"."+k, ce)
		}
	case reflect.Slice:
		if node.Kind == yaml.SequenceNode {
			for i, e := range node.Content {
				checkKeys(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i), ce)
			}
		}
	case reflect.Map:
		if node.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(node.Content); i += 2 {
				checkKeys(node.Content[i+1], t.Elem(), path+"."+node.Content[i].Value, ce)
			}
		}
	}
}

// suggest names the closest known key, for typos.
func suggest(k string, fields map[string]reflect.Type) string {
	best, bestD := "", 3
	names := make([]string, 0, len(fields))
	for n := range fields {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if d := editDistance(strings.ToLower(k), n); d < bestD {
			best, bestD = n, d
		}
	}
	if best == "" {
		return "; known keys: " + strings.Join(names, ", ")
	}
	return fmt.Sprintf("; did you mean %q?", best)
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

func resolveConfig(fc *fileConfig, dir string, getenv func(string) string) (*serveConfig, error) {
	var ce configErrors
	env := func(names ...string) (string, string) {
		for _, n := range names {
			if v := strings.TrimSpace(getenv(n)); v != "" {
				return v, n
			}
		}
		return "", ""
	}
	pick := func(fileVal, key string, names ...string) (string, string) {
		if v, n := env(names...); v != "" {
			return v, n
		}
		return strings.TrimSpace(fileVal), key
	}
	for _, n := range []string{"WORKOS_MCP_AUTO_APPROVE", "WORKOS_MCP_DEV"} {
		if getenv(n) != "" {
			ce.add(n, "is a dev-only setting; workos-mcp serve refuses it (unset it)")
		}
	}

	cfg := &serveConfig{}
	var src string
	cfg.Listen, src = pick(fc.Listen, "listen", envAddr, envListenOld)
	if cfg.Listen == "" {
		cfg.Listen = ":8080"
	} else if !strings.Contains(cfg.Listen, ":") {
		ce.add(src, "%q is not host:port (e.g. :8080 or 127.0.0.1:8080)", cfg.Listen)
	}

	pub, src := pick(fc.PublicURL, "public_url", "WORKOS_MCP_PUBLIC_URL", "BASE_URL")
	if pub == "" {
		ce.add("public_url", "required: the public origin clients use, e.g. https://mcp.example.com (or set WORKOS_MCP_PUBLIC_URL)")
	} else if u, err := checkURL(pub, true); err != nil {
		ce.add(src, "%s", err)
	} else if u.Path != "" && u.Path != "/" {
		ce.add(src, "%q must be an origin without a path (the MCP endpoint is <public_url>/mcp)", pub)
	} else {
		cfg.PublicURL = strings.TrimSuffix(pub, "/")
	}
	res, src := pick(fc.ResourceURL, "resource_url", "WORKOS_MCP_RESOURCE_URL")
	if res == "" && cfg.PublicURL != "" {
		res = cfg.PublicURL + "/mcp"
	} else if res != "" {
		if u, err := checkURL(res, true); err != nil {
			ce.add(src, "%s", err)
		} else if u.Path != "/mcp" {
			ce.add(src, "%q: the path must be /mcp, where this server serves MCP", res)
		}
	}
	cfg.ResourceURL = res

	// authkit
	dom, src := pick(fc.AuthKit.Domain, "authkit.domain", "AUTHKIT_DOMAIN", "WORKOS_AUTHKIT_DOMAIN")
	if dom == "" {
		ce.add("authkit.domain", "required: your AuthKit domain, e.g. https://your-app.authkit.app (or set AUTHKIT_DOMAIN)")
	} else {
		if !strings.Contains(dom, "://") {
			dom = "https://" + dom
		}
		if u, err := checkURL(dom, true); err != nil {
			ce.add(src, "%s", err)
		} else if u.Path != "" && u.Path != "/" {
			ce.add(src, "%q must be the AuthKit domain alone, without a path", dom)
		}
		cfg.Issuer = strings.TrimSuffix(dom, "/")
	}
	cfg.ClientID, _ = pick(fc.AuthKit.ClientID, "authkit.client_id", "WORKOS_CLIENT_ID")
	if cfg.ClientID != "" && !strings.HasPrefix(cfg.ClientID, "client_") {
		ce.add("authkit.client_id", "%q does not look like a WorkOS client ID (client_...)", cfg.ClientID)
	}
	cfg.APIBaseURL, src = pick(fc.AuthKit.APIBaseURL, "authkit.api_base_url", "WORKOS_API_BASE_URL")
	if cfg.APIBaseURL != "" {
		if _, err := checkURL(cfg.APIBaseURL, true); err != nil {
			ce.add(src, "%s", err)
		}
	}
	cfg.APIKey = resolveSecret(fc.AuthKit.secretFile, "authkit", envAPIKey, false, dir, getenv, &ce)
	cfg.Audiences = fc.AuthKit.Audiences
	cfg.ScopesSupported = fc.AuthKit.ScopesSupported
	cfg.RequiredScopes = fc.AuthKit.RequiredScopes
	cfg.DocsURL = fc.AuthKit.DocsURL
	if cfg.DocsURL != "" {
		if _, err := checkURL(cfg.DocsURL, false); err != nil {
			ce.add("authkit.docs_url", "%s", err)
		}
	}
	cfg.Leeway = parseDuration(fc.AuthKit.Leeway, "authkit.leeway", 0, 10*time.Minute, &ce)

	// teams
	if len(fc.Teams) == 0 {
		ce.add("teams", "at least one team is required: the WorkOS organization people sign in to, and the environments they manage")
	}
	seenOrg := map[string]bool{}
	for i, t := range fc.Teams {
		key := fmt.Sprintf("teams[%d]", i)
		tc := teamConfig{OrganizationID: strings.TrimSpace(t.OrganizationID), Name: t.Name,
			Enabled: t.Settings.Enabled, AllowProduction: t.Settings.AllowProduction, AllowWrite: t.Settings.AllowWrite,
			Pinned: t.Settings.Pinned, Confirmation: strings.TrimSpace(t.Confirmation)}
		switch tc.Confirmation {
		case "", "human", "agent":
		default:
			ce.add(fmt.Sprintf("teams[%d].confirmation", i), "%q is neither human (the person approves on the console) nor agent (the agent returns the token; for scripts)", tc.Confirmation)
		}
		switch {
		case tc.OrganizationID == "":
			ce.add(key+".organization_id", "required: the team's organization ID (org_...) in the AuthKit environment")
		case !strings.HasPrefix(tc.OrganizationID, "org_"):
			ce.add(key+".organization_id", "%q does not look like a WorkOS organization ID (org_...)", tc.OrganizationID)
		case seenOrg[tc.OrganizationID]:
			ce.add(key+".organization_id", "%q is configured twice", tc.OrganizationID)
		}
		seenOrg[tc.OrganizationID] = true
		if len(t.Environments) == 0 {
			ce.add(key+".environments", "at least one environment is required")
		}
		seenEnv := map[string]bool{}
		sandbox := false
		for j, e := range t.Environments {
			ek := fmt.Sprintf("%s.environments[%d]", key, j)
			ec := envConfig{Name: strings.TrimSpace(e.Name), Kind: strings.TrimSpace(e.Kind), BaseURL: strings.TrimSpace(e.BaseURL)}
			switch {
			case ec.Name == "":
				ce.add(ek+".name", "required (e.g. sandbox, production)")
			case seenEnv[ec.Name]:
				ce.add(ek+".name", "%q is configured twice in this team", ec.Name)
			case !serverName.MatchString(ec.Name):
				ce.add(ek+".name", "%q: use letters, digits, - or _", ec.Name)
			}
			seenEnv[ec.Name] = true
			switch ec.Kind {
			case "sandbox":
				sandbox = true
			case "production":
			case "":
				ce.add(ek+".kind", "required: sandbox or production")
			default:
				ce.add(ek+".kind", "%q is neither sandbox nor production", ec.Kind)
			}
			if ec.BaseURL != "" {
				if _, err := checkURL(ec.BaseURL, true); err != nil {
					ce.add(ek+".base_url", "%s", err)
				}
			}
			ec.APIKey = resolveSecret(e.secretFile, ek, "", true, dir, getenv, &ce)
			if ec.APIKey != "" && ec.Kind != "" {
				if ec.Kind == "sandbox" && strings.HasPrefix(ec.APIKey, "sk_live_") {
					ce.add(ek, "kind is sandbox but the API key is a production key (sk_live_...)")
				}
				if ec.Kind == "production" && strings.HasPrefix(ec.APIKey, "sk_test_") {
					ce.add(ek, "kind is production but the API key is a sandbox key (sk_test_...)")
				}
			}
			tc.Environments = append(tc.Environments, ec)
		}
		if len(t.Environments) > 0 && !sandbox {
			ce.add(key+".environments", "no sandbox environment: calls default to sandbox, so one is required")
		}
		// The team's sign-in environment is the AuthKit environment; teams[].audit_log may
		// override its organization, base URL and key (older configurations name it there).
		tc.SignIn = signInConfig{APIKey: cfg.APIKey, BaseURL: cfg.APIBaseURL, ClientID: cfg.ClientID}
		if a := t.AuditLog; a != nil {
			ak := key + ".audit_log"
			if id := strings.TrimSpace(a.OrganizationID); id != "" {
				if !strings.HasPrefix(id, "org_") {
					ce.add(ak+".organization_id", "%q does not look like a WorkOS organization ID (org_...)", id)
				}
				tc.SignIn.OrganizationID = id
			}
			if u := strings.TrimSpace(a.BaseURL); u != "" {
				if _, err := checkURL(u, true); err != nil {
					ce.add(ak+".base_url", "%s", err)
				}
				tc.SignIn.BaseURL = u
			}
			if k := resolveSecret(a.secretFile, ak, "", false, dir, getenv, &ce); k != "" {
				tc.SignIn.APIKey = k
			}
		}
		if t.Limits != nil {
			tc.Limits = resolveLimits(*t.Limits, key+".limits", seenEnv, &ce)
		}
		if tc.SignIn.APIKey == "" {
			ce.add(key, "no sign-in API key: set %s (or authkit.api_key_env / authkit.api_key_file) to the API key of the AuthKit environment people sign in to; the server needs it to tell that environment apart from the managed ones and keep it read-only, to record audit events and to read roles", envAPIKey)
		}
		cfg.Teams = append(cfg.Teams, tc)
	}

	// roles
	if fc.Roles != nil {
		cfg.Roles = map[string]roleConfig{}
		names := make([]string, 0, len(fc.Roles))
		for n := range fc.Roles {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			r := fc.Roles[n]
			rk := "roles." + n
			for _, a := range []struct{ key, val string }{{"sandbox", r.Sandbox}, {"production", r.Production}} {
				switch a.val {
				case "", "none", "read", "write":
				default:
					ce.add(rk+"."+a.key, "%q is not none, read or write", a.val)
				}
			}
			for k, area := range r.Areas {
				if err := workspace.CheckArea(area); err != nil {
					ce.add(fmt.Sprintf("%s.areas[%d]", rk, k), "%s", err)
				}
			}
			cfg.Roles[n] = roleConfig{Description: r.Description, Sandbox: r.Sandbox, Production: r.Production, Areas: r.Areas}
		}
	}

	// confirmation
	if fc.Confirmation.Key != nil {
		ce.add("confirmation.key", "secrets are not read from the configuration file; use confirmation.key_env or confirmation.key_file")
	}
	keyText, keySrc := "", ""
	switch {
	case fc.Confirmation.KeyFile != "":
		keySrc = "confirmation.key_file"
		b, err := os.ReadFile(relTo(dir, fc.Confirmation.KeyFile))
		if err != nil {
			ce.add(keySrc, "cannot read %s: %v", fc.Confirmation.KeyFile, errors.Unwrap(err))
		}
		keyText = strings.TrimSpace(string(b))
	default:
		name := fc.Confirmation.KeyEnv
		if name == "" {
			name = envConfirmationKey
		}
		keySrc = "confirmation.key_env (" + name + ")"
		keyText = strings.TrimSpace(getenv(name))
		if keyText == "" && fc.Confirmation.KeyEnv != "" {
			ce.add("confirmation.key_env", "environment variable %s is not set", name)
		}
	}
	if keyText != "" {
		k, err := decodeKey(keyText)
		if err != nil {
			ce.add(keySrc, "%s", err)
		}
		cfg.ConfirmationKey = k
	}
	cfg.ConfirmationTTL = parseDuration(fc.Confirmation.TTL, "confirmation.ttl", 30*time.Second, time.Hour, &ce)
	cfg.RedisURL, cfg.RedisURLKey = resolveRedisURL(fc.Confirmation, dir, getenv, &ce)
	cfg.RedisPrefix = workspace.DefaultRedisUsedTokensPrefix
	if p := fc.Confirmation.RedisPrefix; p != nil {
		switch {
		case *p == "" || len(*p) > 200:
			ce.add("confirmation.redis_prefix", "must be 1 to 200 characters")
		case strings.ContainsFunc(*p, func(r rune) bool { return r <= ' ' || r == 0x7f }):
			ce.add("confirmation.redis_prefix", "%q must not contain spaces or control characters", *p)
		default:
			cfg.RedisPrefix = *p
		}
		if cfg.RedisURL == "" && cfg.RedisURLKey == "" {
			ce.add("confirmation.redis_prefix", "is set but no Redis is configured (confirmation.redis_url_env or confirmation.redis_url_file)")
		}
	}

	// records
	if d := strings.TrimSpace(fc.Records.QueueDir); d != "" {
		cfg.RecordsDir = relTo(dir, d)
	}
	if n := fc.Records.MaxQueued; n != nil {
		if *n < 1 || *n > 10_000_000 {
			ce.add("records.max_queued", "%d: use 1 to 10000000 (default %d)", *n, workspace.DefaultMaxQueuedRecords)
		} else {
			cfg.MaxQueued = *n
		}
	}

	// log
	lf, src := pick(fc.Log.Format, "log.format", "WORKOS_MCP_LOG_FORMAT")
	format, err := telemetry.ParseLogFormat(lf)
	if err != nil {
		ce.add(src, "%s", err)
	}
	cfg.LogFormat = format
	cfg.LogLevel, src = pick(fc.Log.Level, "log.level", "WORKOS_MCP_LOG_LEVEL")
	if _, err := telemetry.ParseLogLevel(cfg.LogLevel); err != nil {
		ce.add(src, "%s", err)
	}

	// http
	for i, o := range fc.HTTP.AllowedOrigins {
		if u, err := checkURL(o, false); err != nil || (u.Path != "" && u.Path != "/") {
			ce.add(fmt.Sprintf("http.allowed_origins[%d]", i), "%q is not an origin (scheme://host[:port])", o)
		}
	}
	cfg.AllowedOrigins = fc.HTTP.AllowedOrigins
	for i, h := range fc.HTTP.AllowedHosts {
		if h == "" || strings.ContainsAny(h, "/ ") {
			ce.add(fmt.Sprintf("http.allowed_hosts[%d]", i), "%q is not a host name", h)
		}
	}
	cfg.AllowedHosts = fc.HTTP.AllowedHosts
	cfg.MaxBodyBytes = fc.HTTP.MaxBodyBytes
	if cfg.MaxBodyBytes < 0 || (cfg.MaxBodyBytes > 0 && cfg.MaxBodyBytes < 1024) {
		ce.add("http.max_body_bytes", "%d is too small (at least 1024; 0 means the default, %d)", cfg.MaxBodyBytes, telemetry.DefaultMaxBodyBytes)
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = telemetry.DefaultMaxBodyBytes
	}
	cfg.ShutdownGrace = parseDuration(fc.HTTP.ShutdownGrace, "http.shutdown_grace", time.Second, 10*time.Minute, &ce)
	if cfg.ShutdownGrace == 0 {
		cfg.ShutdownGrace = telemetry.DefaultShutdownGrace
	}
	if err := ce.err(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// resolveRedisURL reads the Redis URL from the variable or file the configuration names and
// validates it. It returns the URL and the key it came from; messages never include the URL,
// which may carry a password.
func resolveRedisURL(c confirmationFile, dir string, getenv func(string) string, ce *configErrors) (string, string) {
	var v, key string
	switch {
	case c.RedisURLEnv != "" && c.RedisURLFile != "":
		ce.add("confirmation", "set redis_url_env or redis_url_file, not both")
		return "", ""
	case c.RedisURLFile != "":
		key = "confirmation.redis_url_file"
		b, err := os.ReadFile(relTo(dir, c.RedisURLFile))
		if err != nil {
			ce.add(key, "cannot read %s: %v", c.RedisURLFile, errors.Unwrap(err))
			return "", key
		}
		if v = strings.TrimSpace(string(b)); v == "" {
			ce.add(key, "%s is empty", c.RedisURLFile)
			return "", key
		}
	case c.RedisURLEnv != "":
		key = "confirmation.redis_url_env"
		if v = strings.TrimSpace(getenv(c.RedisURLEnv)); v == "" {
			ce.add(key, "environment variable %s is not set", c.RedisURLEnv)
			return "", key
		}
		key += " (" + c.RedisURLEnv + ")"
	default:
		return "", ""
	}
	// url.Parse and redis.ParseURL quote the URL in their errors: report without them.
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
		ce.add(key, "does not hold a redis:// or rediss:// URL (redis://[:password@]host:port[/db])")
		return "", key
	}
	if _, err := redis.ParseURL(v); err != nil {
		ce.add(key, "the Redis URL is not valid (redis://[:password@]host:port[/db], db a number)")
		return "", key
	}
	return v, key
}

// resolveSecret reads an API key from the variable or file the configuration names (or the
// default variable). It never puts the value in an error.
func resolveSecret(s secretFile, key, defaultEnv string, required bool, dir string, getenv func(string) string, ce *configErrors) string {
	if s.APIKey != nil {
		ce.add(key+".api_key", "secrets are not read from the configuration file; use api_key_env (an environment variable's name) or api_key_file")
		return ""
	}
	if s.APIKeyEnv != "" && s.APIKeyFile != "" {
		ce.add(key, "set api_key_env or api_key_file, not both")
		return ""
	}
	if s.APIKeyFile != "" {
		b, err := os.ReadFile(relTo(dir, s.APIKeyFile))
		if err != nil {
			ce.add(key+".api_key_file", "cannot read %s: %v", s.APIKeyFile, errors.Unwrap(err))
			return ""
		}
		v := string(bytes.TrimSpace(b))
		if v == "" {
			ce.add(key+".api_key_file", "%s is empty", s.APIKeyFile)
		} else if !strings.HasPrefix(v, "sk_") {
			ce.add(key+".api_key_file", "%s does not hold a WorkOS API key (sk_...)", s.APIKeyFile)
			return ""
		}
		return v
	}
	name := s.APIKeyEnv
	if name == "" {
		name = defaultEnv
	}
	if name == "" {
		if required {
			ce.add(key, "no API key: set api_key_env (an environment variable's name) or api_key_file")
		}
		return ""
	}
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		if required || s.APIKeyEnv != "" {
			ce.add(key+".api_key_env", "environment variable %s is not set", name)
		}
		return ""
	}
	if !strings.HasPrefix(v, "sk_") {
		ce.add(key+".api_key_env", "environment variable %s does not hold a WorkOS API key (sk_...)", name)
		return ""
	}
	return v
}

func relTo(dir, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

// checkURL requires an absolute http(s) URL; with httpsOnly, plain http is accepted for loopback
// hosts only.
func checkURL(s string, httpsOnly bool) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("%q is not an absolute http(s) URL", s)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%q must not carry user info, a query or a fragment", s)
	}
	if httpsOnly && u.Scheme == "http" && !telemetry.IsLoopbackHost(u.Hostname()) {
		return nil, fmt.Errorf("%q: use https (plain http is accepted for loopback hosts only)", s)
	}
	return u, nil
}

// Bounds of a per-person limit: beyond them a value is a typo, not a policy.
const (
	maxLimitPerSecond = 10_000
	maxLimitBurst     = 1_000_000
)

// resolveLimits checks a team's limits block.
func resolveLimits(l limitsFile, key string, envs map[string]bool, ce *configErrors) workspace.Limits {
	out := resolveLimit(l.limitFile, key, ce)
	names := make([]string, 0, len(l.Environments))
	for n := range l.Environments {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		ek := key + ".environments." + n
		if !envs[n] {
			ce.add(ek, "%q is not one of this team's environments", n)
			continue
		}
		if out.Environments == nil {
			out.Environments = map[string]workspace.Limits{}
		}
		out.Environments[n] = resolveLimit(l.Environments[n], ek, ce)
	}
	return out
}

// resolveLimit checks one rate and size.
func resolveLimit(l limitFile, key string, ce *configErrors) workspace.Limits {
	var out workspace.Limits
	if p := l.PerSecond; p != nil {
		if !(*p > 0 && *p <= maxLimitPerSecond) {
			ce.add(key+".per_second", "%v: use a number above 0, at most %d (default %d)", *p, maxLimitPerSecond, workspace.DefaultLimitPerSecond)
		} else {
			out.PerSecond = *p
		}
	}
	if b := l.Burst; b != nil {
		if !(*b >= 1 && *b <= maxLimitBurst && *b == math.Trunc(*b)) {
			ce.add(key+".burst", "%v: use a whole number from 1 to %d (default %d)", *b, maxLimitBurst, workspace.DefaultLimitBurst)
		} else {
			out.Burst = int(*b)
		}
	}
	return out
}

func parseDuration(s, key string, lo, hi time.Duration, ce *configErrors) time.Duration {
	if strings.TrimSpace(s) == "" {
		return 0
	}
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		ce.add(key, "%q is not a duration (e.g. 30s, 5m)", s)
		return 0
	}
	if d < lo || d > hi {
		ce.add(key, "%s is out of range (%s to %s)", d, lo, hi)
		return 0
	}
	return d
}

// decodeKey accepts 32 bytes as base64 (standard or URL alphabet, padded or not) or hex.
func decodeKey(s string) ([]byte, error) {
	if b, err := hex.DecodeString(s); err == nil && len(b) == 32 {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) == 32 {
				return b, nil
			}
			return nil, fmt.Errorf("the key is %d bytes; it must be 32 (openssl rand -base64 32)", len(b))
		}
	}
	return nil, errors.New("the key must be 32 bytes, base64 or hex encoded (openssl rand -base64 32)")
}
