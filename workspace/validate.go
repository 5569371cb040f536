package workspace

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"

	"github.com/workos-mcp/workos-mcp/authkit"
	"github.com/workos-mcp/workos-mcp/workspace/catalog"
)

// Validation of a Config: every rule about teams, environments, roles and limits lives here,
// once, whoever builds the Config (workos-mcp serve from its file, the dev stack, a library
// user). Each problem names its field by a path spelled like the serve configuration file
// (teams[0].environments[1].kind), so that serve shows it as is and an operator finds the key.

// ConfigError is one problem of a Config.
type ConfigError struct {
	// Path names the field as the serve configuration file does: snake_case keys, [i] for an
	// element of a list, .name for an entry of a map (teams[0].environments[1].api_key,
	// roles.auditor.production). The team's sign-in environment is teams[i].sign_in.
	Path string
	// Problem says what is wrong with the field; it never holds a secret.
	Problem string
}

// Error returns "path: problem".
func (e *ConfigError) Error() string { return e.Path + ": " + e.Problem }

// ConfigErrors is every problem of a Config, so that one run reports them all.
type ConfigErrors []*ConfigError

// Error lists the problems, one a line.
func (e ConfigErrors) Error() string {
	lines := make([]string, len(e))
	for i, p := range e {
		lines[i] = p.Error()
	}
	return "invalid configuration:\n  " + strings.Join(lines, "\n  ")
}

func (e *ConfigErrors) add(path, format string, a ...any) {
	*e = append(*e, &ConfigError{Path: path, Problem: fmt.Sprintf(format, a...)})
}

// Validate reports every problem of the configuration as ConfigErrors, or nil. New calls it;
// callers that assemble a Config from elsewhere (a file) call it first to report its problems
// along with their own.
func (c *Config) Validate() error {
	var errs ConfigErrors
	seen := map[string]bool{}
	for i := range c.Teams {
		t := &c.Teams[i]
		path := fmt.Sprintf("teams[%d]", i)
		t.validate(path, c, &errs)
		if t.OrganizationID != "" && seen[t.OrganizationID] {
			errs.add(path+".organization_id", "%q is configured twice", t.OrganizationID)
		}
		seen[t.OrganizationID] = true
	}
	names := make([]string, 0, len(c.Roles))
	for n := range c.Roles {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		c.Roles[n].validate("roles."+n, &errs)
	}
	if c.MaxQueuedRecords < 0 {
		errs.add("max_queued_records", "%d is negative", c.MaxQueuedRecords)
	}
	if n := len(c.ConfirmationKey); n != 0 && n != 32 {
		errs.add("confirmation_key", "%d bytes, want 32", n)
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// envName is what an environment's name may hold: it is a tool parameter's value and a metric
// label.
var envName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// validate checks one team at path (teams[i]); c is the configuration it belongs to.
func (t *Team) validate(path string, c *Config, errs *ConfigErrors) {
	checkOrganizationID(path+".organization_id", t.OrganizationID, true, errs)
	switch t.Confirmation {
	case "", ConfirmHuman:
		if c.ConsoleURL == "" {
			errs.add(path+".confirmation", "confirmation by the person (the default) needs the console's URL (Config.ConsoleURL), where they approve")
		}
	case ConfirmAgent:
	default:
		errs.add(path+".confirmation", "%q is neither %s (the person approves on the console) nor %s (the agent returns the token; for scripts)", t.Confirmation, ConfirmHuman, ConfirmAgent)
	}

	if len(t.Environments) == 0 {
		errs.add(path+".environments", "at least one environment is required")
	}
	names := map[string]bool{}
	sandbox := false
	for j, e := range t.Environments {
		ep := fmt.Sprintf("%s.environments[%d]", path, j)
		switch {
		case e.Name == "":
			errs.add(ep+".name", "required (e.g. sandbox, production)")
		case names[e.Name]:
			errs.add(ep+".name", "%q is configured twice in this team", e.Name)
		case !envName.MatchString(e.Name):
			errs.add(ep+".name", "%q: use letters, digits, - or _", e.Name)
		}
		names[e.Name] = true
		switch e.Kind {
		case KindSandbox:
			sandbox = true
		case KindProduction:
		case "":
			errs.add(ep+".kind", "required: %s or %s", KindSandbox, KindProduction)
		default:
			errs.add(ep+".kind", "%q is neither %s nor %s", e.Kind, KindSandbox, KindProduction)
		}
		checkBaseURL(ep+".base_url", e.BaseURL, errs)
		switch {
		case e.APIKey == "":
			errs.add(ep+".api_key", "no API key: the environment's secret key (sk_...) is required")
		case e.Kind == KindSandbox && strings.HasPrefix(e.APIKey, "sk_live_"):
			errs.add(ep, "kind is sandbox but the API key is a production key (sk_live_...)")
		case e.Kind == KindProduction && strings.HasPrefix(e.APIKey, "sk_test_"):
			errs.add(ep, "kind is production but the API key is a sandbox key (sk_test_...)")
		}
	}
	if len(t.Environments) > 0 && !sandbox {
		errs.add(path+".environments", "no sandbox environment: calls default to sandbox, so one is required")
	}

	if t.SignIn == nil || t.SignIn.APIKey == "" {
		errs.add(path+".sign_in.api_key", "no sign-in API key: the server needs the API key of the AuthKit environment people sign in to, to tell that environment apart from the managed ones and keep it read-only, to record audit events and to read roles")
	}
	if t.SignIn != nil {
		checkOrganizationID(path+".sign_in.organization_id", t.SignIn.OrganizationID, false, errs)
		checkBaseURL(path+".sign_in.base_url", t.SignIn.BaseURL, errs)
	}
	t.Limits.validate(path+".limits", names, errs)
}

// checkOrganizationID checks a team's organization ID; it is put in a URL path by the
// protection probe.
func checkOrganizationID(path, id string, required bool, errs *ConfigErrors) {
	switch {
	case id == "":
		if required {
			errs.add(path, "required: the team's organization ID (org_...) in the AuthKit environment")
		}
	case !strings.HasPrefix(id, "org_"):
		errs.add(path, "%q does not look like a WorkOS organization ID (org_...)", id)
	case !validObjectID(id):
		errs.add(path, "%q is not a WorkOS object ID (letters, digits and _)", id)
	}
}

// checkBaseURL checks a WorkOS API base URL (empty: the WorkOS API). An API key travels to it,
// so plain http is accepted for loopback hosts only.
func checkBaseURL(path, s string, errs *ConfigErrors) {
	if s == "" {
		return
	}
	if _, err := authkit.CheckURL(s, true); err != nil {
		errs.add(path, "%s", err)
	}
}

// validate checks a team's limits at path (teams[i].limits); envs are the team's environments.
func (l Limits) validate(path string, envs map[string]bool, errs *ConfigErrors) {
	l.validateOne(path, errs)
	names := make([]string, 0, len(l.Environments))
	for n := range l.Environments {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		ep := path + ".environments." + n
		if !envs[n] {
			errs.add(ep, "%q is not one of this team's environments", n)
			continue
		}
		o := l.Environments[n]
		if len(o.Environments) > 0 {
			errs.add(ep+".environments", "an environment's limits cannot nest environments")
		}
		o.validateOne(ep, errs)
	}
}

// validateOne checks one rate and size; zero means the default. There is no upper bound: a
// test lifts the limits with huge values (serve's file has its own bounds, against typos).
func (l Limits) validateOne(path string, errs *ConfigErrors) {
	if p := l.PerSecond; p != 0 && !(p > 0 && !math.IsInf(p, 1)) { // NaN included
		errs.add(path+".per_second", "%v: use a number above 0 (0 means the default, %d)", p, DefaultLimitPerSecond)
	}
	if b := l.Burst; b < 0 {
		errs.add(path+".burst", "%d: use a whole number from 1 (0 means the default, %d)", b, DefaultLimitBurst)
	}
}

// validate checks one role at path (roles.<slug>).
func (r Role) validate(path string, errs *ConfigErrors) {
	for _, a := range []struct {
		key string
		val Access
	}{{"sandbox", r.Sandbox}, {"production", r.Production}} {
		if a.val != "" && a.val != AccessNone && a.val.rank() == 0 {
			errs.add(path+"."+a.key, "%q is not none, read or write", a.val)
		}
	}
	for k, area := range r.Areas {
		if err := checkArea(area); err != nil {
			errs.add(fmt.Sprintf("%s.areas[%d]", path, k), "%s", err)
		}
	}
}

// checkArea reports whether a is a role area (one of catalog.Areas()), with a message that lists
// them when it is not.
func checkArea(a string) error {
	if catalog.Area(a).Valid() {
		return nil
	}
	names := make([]string, 0, len(catalog.Areas()))
	for _, x := range catalog.Areas() {
		names = append(names, string(x))
	}
	if strings.HasPrefix(a, "/") {
		return fmt.Errorf("area %q is an API path; areas are names now (one of %s): a path prefix such as /organizations also covered API keys, groups and audit-log retention", a, strings.Join(names, ", "))
	}
	return fmt.Errorf("area %q is not one of %s", a, strings.Join(names, ", "))
}
