package main

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/workos-mcp/workos-mcp/emulator"
	"github.com/workos-mcp/workos-mcp/internal/devstack"
	"github.com/workos-mcp/workos-mcp/internal/devstack/devstacktest"
	"github.com/workos-mcp/workos-mcp/internal/redistest"
)

const goodConfig = `
listen: 127.0.0.1:9090
public_url: https://mcp.example.com
authkit:
  domain: https://acme.authkit.app
  client_id: client_123
teams:
  - organization_id: org_team
    name: Acme
    settings: {allow_production: false}
    environments:
      - {name: sandbox, kind: sandbox, api_key_env: ACME_SANDBOX_KEY}
      - {name: production, kind: production, api_key_file: prod.key, base_url: https://api.workos.com}
    audit_log: {api_key_env: ACME_TEAM_KEY}
roles:
  auditor: {description: read-only everywhere, sandbox: read, production: read}
confirmation: {ttl: 2m}
log: {format: text, level: debug}
http:
  allowed_origins: [https://app.example.com]
  shutdown_grace: 5s
`

var goodEnv = map[string]string{
	"ACME_SANDBOX_KEY":            "sk_test_sandbox",
	"ACME_TEAM_KEY":               "sk_test_team",
	"WORKOS_MCP_CONFIRMATION_KEY": base64.StdEncoding.EncodeToString(make([]byte, 32)),
}

func writeConfig(t *testing.T, name, content string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "prod.key"), []byte("sk_live_prod\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func lookup(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestServeConfigGood(t *testing.T) {
	cfg, err := loadServeConfig(writeConfig(t, "c.yaml", goodConfig), lookup(goodEnv))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.AuthKit.ResourceURL != "https://mcp.example.com/mcp" || cfg.AuthKit.Issuer != "https://acme.authkit.app" || cfg.Listen != "127.0.0.1:9090" {
		t.Errorf("urls: %+v", cfg)
	}
	team := cfg.Workspace.Teams[0]
	if team.Environments[0].APIKey != "sk_test_sandbox" || team.Environments[1].APIKey != "sk_live_prod" || team.SignIn.APIKey != "sk_test_team" || team.SignIn.OrganizationID != "" || team.SignIn.ClientID != "client_123" {
		t.Errorf("secrets not resolved: %+v", team)
	}
	if *team.Settings.AllowProduction || team.Settings.AllowWrite != nil {
		t.Errorf("settings: %+v", team)
	}
	if len(cfg.Workspace.ConfirmationKey) != 32 || cfg.Workspace.ConfirmationTTL.Minutes() != 2 || cfg.LogFormat != "text" || cfg.Workspace.Roles["auditor"].Production != "read" {
		t.Errorf("%+v", cfg)
	}

	// The same configuration as JSON, with the environment overriding the file.
	json := `{"public_url": "https://mcp.example.com", "authkit": {"domain": "acme.authkit.app"},
	  "teams": [{"organization_id": "org_team", "environments": [{"name": "sandbox", "kind": "sandbox", "api_key_env": "ACME_SANDBOX_KEY"}]}]}`
	env := map[string]string{"ACME_SANDBOX_KEY": "sk_test_x", "AUTHKIT_DOMAIN": "https://other.authkit.app", "WORKOS_MCP_ADDR": ":7000", "WORKOS_MCP_LISTEN": ":7001", "WORKOS_API_KEY": "sk_test_team"}
	cfg, err = loadServeConfig(writeConfig(t, "c.json", json), lookup(env))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.AuthKit.Issuer != "https://other.authkit.app" || cfg.Listen != ":7000" {
		t.Errorf("environment did not win (WORKOS_MCP_ADDR, the one name every command reads): %+v", cfg)
	}
	// serve's former variable is still read.
	delete(env, "WORKOS_MCP_ADDR")
	if cfg, err = loadServeConfig(writeConfig(t, "c.json", json), lookup(env)); err != nil || cfg.Listen != ":7001" {
		t.Errorf("WORKOS_MCP_LISTEN: %v %+v", err, cfg)
	}
}

func TestServeConfigBad(t *testing.T) {
	base := func(edit func(string) string) string { return edit(goodConfig) }
	repl := func(old, new string) func(string) string {
		return func(s string) string {
			if !strings.Contains(s, old) {
				panic("test edit does not apply: " + old)
			}
			return strings.Replace(s, old, new, 1)
		}
	}
	for _, tc := range []struct {
		name    string
		content string
		env     map[string]string
		want    []string // substrings of the error, each naming the key
	}{
		{"unknown key with suggestion", base(repl("public_url:", "publc_url:")), nil,
			[]string{`publc_url: unknown key (line 3); did you mean "public_url"?`}},
		{"unknown nested key", base(repl("kind: sandbox,", "knd: sandbox,")), nil,
			[]string{"teams[0].environments[0].knd: unknown key", `did you mean "kind"?`}},
		{"secret in file", base(repl("api_key_env: ACME_SANDBOX_KEY", "api_key: sk_test_inline")), nil,
			[]string{"teams[0].environments[0].api_key: secrets are not read from the configuration file"}},
		{"auto_approve refused", "auto_approve: admin@example.com\n" + goodConfig, nil,
			[]string{"auto_approve: is a dev-only option"}},
		{"dev env refused", goodConfig, map[string]string{"WORKOS_MCP_AUTO_APPROVE": "a@b.c"},
			[]string{"WORKOS_MCP_AUTO_APPROVE: is a dev-only setting"}},
		{"missing env var", goodConfig, map[string]string{"ACME_SANDBOX_KEY": ""},
			[]string{"teams[0].environments[0].api_key_env: environment variable ACME_SANDBOX_KEY is not set"}},
		{"not an API key", goodConfig, map[string]string{"ACME_SANDBOX_KEY": "hunter2-secret"},
			[]string{"does not hold a WorkOS API key"}},
		{"wrong kind of key", goodConfig, map[string]string{"ACME_SANDBOX_KEY": "sk_live_oops"},
			[]string{"teams[0].environments[0]: kind is sandbox but the API key is a production key"}},
		{"bad kind", base(repl("kind: production", "kind: prod")), nil,
			[]string{`teams[0].environments[1].kind: "prod" is neither sandbox nor production`}},
		{"duplicate env", base(repl("name: production", "name: sandbox")), nil,
			[]string{`teams[0].environments[1].name: "sandbox" is configured twice`}},
		{"no sandbox", base(repl("kind: sandbox,", "kind: production,")), map[string]string{"ACME_SANDBOX_KEY": "sk_live_x"},
			[]string{"teams[0].environments: no sandbox environment"}},
		{"missing key file", base(repl("prod.key", "nope.key")), nil,
			[]string{"teams[0].environments[1].api_key_file: cannot read nope.key"}},
		{"http issuer", base(repl("https://acme.authkit.app", "http://acme.authkit.app")), nil,
			[]string{"authkit.domain: \"http://acme.authkit.app\": use https"}},
		{"issuer from env named", goodConfig, map[string]string{"AUTHKIT_DOMAIN": "ftp://x"},
			[]string{"AUTHKIT_DOMAIN: \"ftp://x\" is not an absolute http(s) URL"}},
		{"public url with path", base(repl("https://mcp.example.com", "https://mcp.example.com/x")), nil,
			[]string{"public_url: \"https://mcp.example.com/x\" must be an origin without a path"}},
		{"bad org", base(repl("org_team", "team")), nil,
			[]string{`teams[0].organization_id: "team" does not look like a WorkOS organization ID`}},
		{"no teams", strings.Split(goodConfig, "teams:")[0], nil,
			[]string{"teams: at least one team is required"}},
		{"bad role access", base(repl("production: read}", "production: admin}")), nil,
			[]string{`roles.auditor.production: "admin" is not none, read or write`}},
		{"bad ttl", base(repl("ttl: 2m", "ttl: soon")), nil,
			[]string{`confirmation.ttl: "soon" is not a duration`}},
		{"ttl out of range", base(repl("ttl: 2m", "ttl: 48h")), nil,
			[]string{"confirmation.ttl: 48h0m0s is out of range"}},
		{"confirmation key in file", base(repl("ttl: 2m", "ttl: 2m, key: abc")), nil,
			[]string{"confirmation.key: secrets are not read from the configuration file"}},
		{"short confirmation key", goodConfig, map[string]string{"WORKOS_MCP_CONFIRMATION_KEY": base64.StdEncoding.EncodeToString([]byte("short"))},
			[]string{"confirmation.key_env (WORKOS_MCP_CONFIRMATION_KEY): the key is 5 bytes; it must be 32"}},
		{"bad log format", base(repl("format: text", "format: xml")), nil,
			[]string{`log.format: unknown log format "xml"`}},
		{"bad origin", base(repl("https://app.example.com", "app.example.com")), nil,
			[]string{"http.allowed_origins[0]: \"app.example.com\" is not an origin"}},
		{"type error", base(repl("shutdown_grace: 5s", "shutdown_grace: [1]")), nil,
			[]string{"cannot unmarshal"}},
		{"not a mapping", "- a\n- b\n", nil, []string{"the top level must be a mapping"}},
		{"bad yaml", "teams: [\n", nil, []string{"not valid YAML or JSON"}},
		{"audit log organization named where it is set", base(repl("audit_log: {api_key_env: ACME_TEAM_KEY}", "audit_log: {api_key_env: ACME_TEAM_KEY, organization_id: audit}")), nil,
			[]string{`teams[0].audit_log.organization_id: "audit" does not look like a WorkOS organization ID (org_...)`}},
		{"audit log base URL named where it is set", base(repl("audit_log: {api_key_env: ACME_TEAM_KEY}", "audit_log: {api_key_env: ACME_TEAM_KEY, base_url: 'http://api.example.com'}")), nil,
			[]string{`teams[0].audit_log.base_url: "http://api.example.com": use https`}},
		{"API base URL from env named", goodConfig, map[string]string{"WORKOS_API_BASE_URL": "http://api.example.com"},
			[]string{`WORKOS_API_BASE_URL: "http://api.example.com": use https`}},
		{"environment without a key", base(repl("api_key_env: ACME_SANDBOX_KEY}", "}")), nil,
			[]string{"teams[0].environments[0]: no API key: the environment's secret key (sk_...) is required; set api_key_env (an environment variable's name) or api_key_file"}},
		{"no environment", base(repl("    environments:\n      - {name: sandbox, kind: sandbox, api_key_env: ACME_SANDBOX_KEY}\n      - {name: production, kind: production, api_key_file: prod.key, base_url: https://api.workos.com}\n", "")), nil,
			[]string{"teams[0].environments: at least one environment is required"}},
		{"bad environment name", base(repl("name: production", "name: pro duction")), nil,
			[]string{`teams[0].environments[1].name: "pro duction": use letters, digits, - or _`}},
		{"bad confirmation mode", base(repl("name: Acme", "name: Acme\n    confirmation: robot")), nil,
			[]string{`teams[0].confirmation: "robot" is neither human`}},
		{"bad role area", base(repl("production: read}", "production: read, areas: [orgs]}")), nil,
			[]string{`roles.auditor.areas[0]: area "orgs" is not one of`}},
		{"both secret sources", base(repl("api_key_env: ACME_SANDBOX_KEY", "api_key_env: ACME_SANDBOX_KEY, api_key_file: prod.key")), nil,
			[]string{"teams[0].environments[0]: set api_key_env or api_key_file, not both"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range goodEnv {
				env[k] = v
			}
			for k, v := range tc.env {
				env[k] = v
			}
			_, err := loadServeConfig(writeConfig(t, "c.yaml", tc.content), lookup(env))
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			for _, secret := range []string{"sk_test_sandbox", "sk_live_prod", "sk_test_team", "hunter2", "sk_test_inline", "sk_live_oops"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error reveals a secret (%s):\n%v", secret, err)
				}
			}
		})
	}
}

// TestServeConfigSaysEachProblemOnce: a key that cannot be read is reported where it was to be
// read from, and the owner's "no key" for the same field is not repeated; problems come in the
// file's section order, whichever package found them.
func TestServeConfigSaysEachProblemOnce(t *testing.T) {
	env := map[string]string{"WORKOS_MCP_CONFIRMATION_KEY": goodEnv["WORKOS_MCP_CONFIRMATION_KEY"]}
	_, err := loadServeConfig(writeConfig(t, "c.yaml", strings.NewReplacer("org_team", "team", "ttl: 2m", "ttl: soon").Replace(goodConfig)), lookup(env))
	if err == nil {
		t.Fatal("accepted")
	}
	msg := err.Error()
	for _, w := range []string{"teams[0].environments[0].api_key_env: environment variable ACME_SANDBOX_KEY is not set",
		"teams[0].audit_log.api_key_env: environment variable ACME_TEAM_KEY is not set"} {
		if !strings.Contains(msg, w) {
			t.Errorf("error lacks %q:\n%s", w, msg)
		}
	}
	for _, no := range []string{"no API key", "no sign-in API key"} {
		if strings.Contains(msg, no) {
			t.Errorf("a key that could not be read is reported twice (%q):\n%s", no, msg)
		}
	}
	// The workspace finds the organization ID, serve the TTL: the file's order still holds.
	org, ttl := strings.Index(msg, "teams[0].organization_id"), strings.Index(msg, "confirmation.ttl")
	if org < 0 || ttl < org {
		t.Errorf("problems out of the file's order:\n%s", msg)
	}
}

// redisConfig is goodConfig with Redis configured through the environment.
var redisConfig = strings.Replace(goodConfig, "confirmation: {ttl: 2m}", "confirmation: {ttl: 2m, redis_url_env: REDIS_URL}", 1)

const redisPassword = "s3cret-redis-pw"

func TestServeConfigRedis(t *testing.T) {
	env := map[string]string{"REDIS_URL": "rediss://:" + redisPassword + "@redis.internal:6380/2"}
	for k, v := range goodEnv {
		env[k] = v
	}
	cfg, err := loadServeConfig(writeConfig(t, "c.yaml", redisConfig), lookup(env))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.RedisURL != env["REDIS_URL"] || cfg.RedisPrefix != "workos-mcp:confirmation:" || cfg.RedisURLKey != "confirmation.redis_url_env (REDIS_URL)" {
		t.Errorf("redis: %q %q %q", cfg.RedisURL, cfg.RedisPrefix, cfg.RedisURLKey)
	}
	// Without Redis: in-process.
	cfg, err = loadServeConfig(writeConfig(t, "c.yaml", goodConfig), lookup(goodEnv))
	if err != nil || cfg.RedisURL != "" {
		t.Fatalf("no redis: %v %q", err, cfg.RedisURL)
	}

	// From a file, with a prefix.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "redis.url"), []byte("redis://127.0.0.1:6379/0\n"), 0o600)
	p := filepath.Join(dir, "c.yaml")
	os.WriteFile(p, []byte(strings.Replace(goodConfig, "confirmation: {ttl: 2m}", "confirmation: {redis_url_file: redis.url, redis_prefix: 'acme:mcp:'}", 1)), 0o600)
	os.WriteFile(filepath.Join(dir, "prod.key"), []byte("sk_live_prod\n"), 0o600)
	cfg, err = loadServeConfig(p, lookup(goodEnv))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.RedisURL != "redis://127.0.0.1:6379/0" || cfg.RedisPrefix != "acme:mcp:" || cfg.RedisURLKey != "confirmation.redis_url_file" {
		t.Errorf("redis from file: %q %q %q", cfg.RedisURL, cfg.RedisPrefix, cfg.RedisURLKey)
	}
}

func TestServeConfigRedisBad(t *testing.T) {
	withConfirmation := func(c string) string {
		return strings.Replace(goodConfig, "confirmation: {ttl: 2m}", "confirmation: "+c, 1)
	}
	for _, tc := range []struct {
		name    string
		content string
		url     string // REDIS_URL
		want    string
	}{
		{"env not set", redisConfig, "", "confirmation.redis_url_env: environment variable REDIS_URL is not set"},
		{"both sources", withConfirmation("{redis_url_env: REDIS_URL, redis_url_file: redis.url}"), "redis://127.0.0.1:6379", "confirmation: set redis_url_env or redis_url_file, not both"},
		{"missing file", withConfirmation("{redis_url_file: nope.url}"), "", "confirmation.redis_url_file: cannot read nope.url"},
		{"empty file", withConfirmation("{redis_url_file: prod.key}"), "", ""}, // replaced below
		{"http scheme", redisConfig, "http://:" + redisPassword + "@redis.internal:6379", "confirmation.redis_url_env (REDIS_URL): does not hold a redis:// or rediss:// URL"},
		{"no host", redisConfig, "redis:///0", "confirmation.redis_url_env (REDIS_URL): does not hold a redis:// or rediss:// URL"},
		{"unparsable", redisConfig, "redis://:" + redisPassword + "%zz@redis.internal:6379", "confirmation.redis_url_env (REDIS_URL): does not hold a redis:// or rediss:// URL"},
		{"bad database", redisConfig, "redis://:" + redisPassword + "@redis.internal:6379/db", "confirmation.redis_url_env (REDIS_URL): the Redis URL is not valid"},
		{"empty prefix", withConfirmation("{redis_url_env: REDIS_URL, redis_prefix: ''}"), "redis://127.0.0.1:6379", "confirmation.redis_prefix: must be 1 to 200 characters"},
		{"prefix with space", withConfirmation("{redis_url_env: REDIS_URL, redis_prefix: 'a b:'}"), "redis://127.0.0.1:6379", `confirmation.redis_prefix: "a b:" must not contain spaces`},
		{"prefix without redis", withConfirmation("{redis_prefix: 'acme:'}"), "", "confirmation.redis_prefix: is set but no Redis is configured"},
		{"typo", withConfirmation("{redis_url: redis://x}"), "", `confirmation.redis_url: unknown key`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"REDIS_URL": tc.url}
			for k, v := range goodEnv {
				env[k] = v
			}
			path := writeConfig(t, "c.yaml", tc.content)
			want := tc.want
			if tc.name == "empty file" {
				os.WriteFile(filepath.Join(filepath.Dir(path), "empty.url"), []byte(" \n"), 0o600)
				os.WriteFile(path, []byte(withConfirmation("{redis_url_file: empty.url}")), 0o600)
				want = "confirmation.redis_url_file: empty.url is empty"
			}
			_, err := loadServeConfig(path, lookup(env))
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error lacks %q:\n%v", want, err)
			}
			if strings.Contains(err.Error(), redisPassword) || (tc.url != "" && strings.Contains(err.Error(), tc.url)) {
				t.Errorf("error reveals the Redis URL:\n%v", err)
			}
		})
	}
}

func TestServeRedisUnreachable(t *testing.T) {
	// Nothing listens on port 1: the start fails, naming the key, never the URL or password.
	cfg := &serveConfig{RedisURL: "redis://:" + redisPassword + "@127.0.0.1:1/0", RedisURLKey: "confirmation.redis_url_env (REDIS_URL)", RedisPrefix: "p:"}
	_, _, err := openRedisUsedTokens(context.Background(), cfg)
	if err == nil {
		t.Fatal("started without Redis")
	}
	if !strings.HasPrefix(err.Error(), "confirmation.redis_url_env (REDIS_URL): cannot reach Redis") {
		t.Errorf("error = %v", err)
	}
	if strings.Contains(err.Error(), redisPassword) || strings.Contains(err.Error(), cfg.RedisURL) {
		t.Errorf("error reveals the Redis URL: %v", err)
	}
}

func TestServeWithRedis(t *testing.T) {
	redisURL := redistest.URL(t)
	stack := devstacktest.Start(t, devstack.Options{})
	dir := t.TempDir()
	cfg := serveYAMLHead(stack) + `teams:
  - organization_id: ` + emulator.DemoTeamOrganizationID + `
    environments:
      - {name: sandbox, kind: sandbox, api_key_env: SANDBOX_KEY, base_url: ` + stack.EmulatorURL() + `}
confirmation: {redis_url_env: REDIS_URL, redis_prefix: 'workos-mcp-test:serve:'}
`
	path := filepath.Join(dir, "workos-mcp.yaml")
	os.WriteFile(path, []byte(cfg), 0o600)
	vars := map[string]string{"SANDBOX_KEY": emulator.DemoSandboxAPIKey, "WORKOS_API_KEY": emulator.DemoTeamAPIKey,
		"WORKOS_MCP_CONFIG": path, "REDIS_URL": redisURL}
	base, _, logs, wait := startCommand(t, vars, "serve")
	code, body := getBody(t, base+"/readyz")
	if code != 200 || !strings.Contains(body, `"redis":"ok"`) {
		t.Fatalf("readyz: %d %s", code, body)
	}
	if code := wait(); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	if strings.Contains(logs.String(), redisURL) {
		t.Errorf("logs contain the Redis URL:\n%s", logs)
	}
}
