package main

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// The serve configuration file's schema: what the file may say, and its strict decoding. A YAML
// or JSON file (JSON is read as YAML, which it is a subset of). Secrets are never read from the
// file itself, only from the environment or from files the configuration names (api_key_env,
// api_key_file), so that the file can live in version control; config_secrets.go reads them and
// config_resolve.go turns the file into the library configurations. docs/configuration.md
// documents every key.

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

// secretFile is where an API key is read from (config_secrets.go): a variable or a file; a
// literal api_key is decoded only to be refused.
type secretFile struct {
	APIKey     *string `yaml:"api_key"`
	APIKeyEnv  string  `yaml:"api_key_env"`
	APIKeyFile string  `yaml:"api_key_file"`
}

// authkitFile is the authkit block: the AuthKit environment people sign in to.
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

// teamFile is one entry of teams: an organization people sign in to and what it manages.
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

// settingsFile is a team's admin settings (nil: the default, on).
type settingsFile struct {
	// Pinned keeps the settings as the file says: team admins cannot change them on the console.
	Pinned          bool  `yaml:"pinned"`
	Enabled         *bool `yaml:"enabled"`
	AllowProduction *bool `yaml:"allow_production"`
	AllowWrite      *bool `yaml:"allow_write"`
}

// envFile is one WorkOS environment a team manages.
type envFile struct {
	Name       string `yaml:"name"`
	Kind       string `yaml:"kind"`
	BaseURL    string `yaml:"base_url"`
	secretFile `yaml:",inline"`
}

// auditLogFile overrides a team's sign-in environment (older configurations name it here).
type auditLogFile struct {
	OrganizationID string `yaml:"organization_id"`
	BaseURL        string `yaml:"base_url"`
	secretFile     `yaml:",inline"`
}

// roleFile is one entry of roles: what a role slug allows.
type roleFile struct {
	Description string   `yaml:"description"`
	Sandbox     string   `yaml:"sandbox"`
	Production  string   `yaml:"production"`
	Areas       []string `yaml:"areas"`
}

// confirmationFile configures confirmation tokens: their key, lifetime and shared store.
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

// logFile is the log format and level.
type logFile struct {
	Format string `yaml:"format"`
	Level  string `yaml:"level"`
}

// httpFile hardens the HTTP server: browser origins, Host names, body size, shutdown.
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

// configErrors collects every problem so that one run reports them all, in the order of the
// file's sections (whichever package found them).
type configErrors struct{ errs []configError }

// configError is one problem: the key (or variable) it is about, and what is wrong.
type configError struct{ key, msg string }

func (c *configErrors) add(key, format string, a ...any) {
	c.errs = append(c.errs, configError{key, fmt.Sprintf(format, a...)})
}

func (c *configErrors) err() error {
	if len(c.errs) == 0 {
		return nil
	}
	sort.SliceStable(c.errs, func(i, j int) bool {
		si, ti := sectionOf(c.errs[i].key)
		sj, tj := sectionOf(c.errs[j].key)
		return si < sj || (si == sj && ti < tj)
	})
	lines := make([]string, len(c.errs))
	for i, e := range c.errs {
		lines[i] = e.key + ": " + e.msg
	}
	return fmt.Errorf("invalid configuration:\n  %s", strings.Join(lines, "\n  "))
}

// sections are the file's top-level keys in the order the documentation gives them; a
// variable's name (AUTHKIT_DOMAIN) or an unknown key sorts first.
var sections = []string{"listen", "public_url", "resource_url", "authkit", "teams", "roles", "confirmation", "records", "log", "http"}

// sectionOf returns the rank of key's section and, under teams, the team's index.
func sectionOf(key string) (section, team int) {
	top := key
	if i := strings.IndexAny(top, ".[ "); i >= 0 {
		top = top[:i]
	}
	for i, s := range sections {
		if s == top {
			section = i + 1
		}
	}
	if rest, ok := strings.CutPrefix(key, "teams["); ok {
		if n, _, ok := strings.Cut(rest, "]"); ok {
			team, _ = strconv.Atoi(n)
		}
	}
	return section, team
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
