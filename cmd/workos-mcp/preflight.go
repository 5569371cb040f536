package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/workos-mcp/workos-mcp/internal/buildinfo"
	"github.com/workos-mcp/workos-mcp/internal/telemetry"
	"github.com/workos-mcp/workos-mcp/workos"
)

// Preflight: what serve checks against the outside world before it serves, and what /readyz
// keeps checking. A configuration can be well-formed and still wrong: an AuthKit domain whose
// metadata names another issuer (every strict client then fails), an unreachable domain, an API
// key WorkOS refuses, a value copied from the README. Each is said once, naming the key or the
// environment, at start and in --check; the issuer and the keys are also readiness checks.

// preflightTimeout bounds each outside call of the preflight.
const preflightTimeout = 10 * time.Second

// placeholder matches values copied from documentation: "client_...", "org_…", "<your key>",
// "your-app.authkit.app".
var placeholder = regexp.MustCompile(`\.\.\.|…|<[^>]*>|(^|[/.])your-app\b|\byour[-_]`)

// checkPlaceholders refuses values that are the documentation's placeholders, naming each key.
func checkPlaceholders(cfg *serveConfig) error {
	var ce configErrors
	flag := func(key, v string) {
		if v != "" && placeholder.MatchString(v) {
			ce.add(key, "%q is a placeholder from the documentation: put your own value", v)
		}
	}
	ak := cfg.AuthKit
	flag("public_url", cfg.PublicURL)
	flag("authkit.domain", ak.Issuer)
	flag("authkit.client_id", ak.ClientID)
	flag("authkit.api_base_url", ak.APIBaseURL)
	// Keys are secrets: a placeholder key is named by where it came from, never shown.
	if ak.APIKey != "" && placeholder.MatchString(ak.APIKey) {
		ce.add("authkit (WORKOS_API_KEY)", "the API key is a placeholder from the documentation (sk_...)")
	}
	for i, t := range cfg.Workspace.Teams {
		key := fmt.Sprintf("teams[%d]", i)
		flag(key+".organization_id", t.OrganizationID)
		for j, en := range t.Environments {
			ek := fmt.Sprintf("%s.environments[%d]", key, j)
			flag(ek+".base_url", en.BaseURL)
			if placeholder.MatchString(en.APIKey) {
				ce.add(ek, "environment %q: the API key is a placeholder from the documentation (sk_...)", en.Name)
			}
		}
	}
	return ce.err()
}

// checkIssuer fetches the AuthKit domain's authorization server metadata and compares its
// issuer with the configured domain. mismatch is fatal (clients compare the two as strings);
// unreachable is not (it may come back), and is reported as a warning.
func checkIssuer(ctx context.Context, hc *http.Client, issuer string) (mismatch, unreachable error) {
	ctx, cancel := context.WithTimeout(ctx, preflightTimeout)
	defer cancel()
	u := issuer + "/.well-known/oauth-authorization-server"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("authkit.domain %s is unreachable: %v", issuer, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("authkit.domain %s: %s answered %d, not its authorization server metadata (is this the AuthKit domain?)", issuer, u, resp.StatusCode)
	}
	var doc struct {
		Issuer string `json:"issuer"`
	}
	if err := json.Unmarshal(body, &doc); err != nil || doc.Issuer == "" {
		return nil, fmt.Errorf("authkit.domain %s: %s is not authorization server metadata (no issuer)", issuer, u)
	}
	if doc.Issuer != issuer {
		return fmt.Errorf("authkit.domain: the AuthKit metadata names issuer %q but the configuration says %q; clients compare them exactly, so every strict client would fail. Set authkit.domain (or AUTHKIT_DOMAIN) to %q", doc.Issuer, issuer, doc.Issuer), nil
	}
	return nil, nil
}

// apiKeyCheck is one API key to try: where it is configured, for messages, and how to call.
type apiKeyCheck struct {
	name    string // readiness check name: workos_key:<team>/<environment>, workos_key:authkit
	where   string // e.g. `teams[0] (org_…) environment "sandbox"`
	baseURL string
	key     string
}

// apiKeyChecks lists every distinct (base URL, key) the configuration holds.
func apiKeyChecks(cfg *serveConfig) []apiKeyCheck {
	var out []apiKeyCheck
	seen := map[string]bool{}
	add := func(c apiKeyCheck) {
		if c.key == "" || seen[c.baseURL+"\x00"+c.key] {
			return
		}
		seen[c.baseURL+"\x00"+c.key] = true
		out = append(out, c)
	}
	add(apiKeyCheck{name: "workos_key:authkit", where: "the AuthKit (team sign-in) environment's key (authkit, WORKOS_API_KEY)", baseURL: cfg.AuthKit.APIBaseURL, key: cfg.AuthKit.APIKey})
	for i, t := range cfg.Workspace.Teams {
		for _, en := range t.Environments {
			add(apiKeyCheck{name: "workos_key:" + t.OrganizationID + "/" + en.Name,
				where:   fmt.Sprintf("teams[%d] (%s) environment %q (%s)", i, t.OrganizationID, en.Name, en.Kind),
				baseURL: en.BaseURL, key: en.APIKey})
		}
		if t.SignIn == nil {
			continue
		}
		add(apiKeyCheck{name: "workos_key:" + t.OrganizationID + "/sign-in",
			where:   fmt.Sprintf("teams[%d] (%s) sign-in environment's key (audit_log)", i, t.OrganizationID),
			baseURL: t.SignIn.BaseURL, key: t.SignIn.APIKey})
	}
	return out
}

// keyRefused is a key WorkOS refused: fatal at start, unlike an unreachable API.
type keyRefused struct{ msg string }

func (k *keyRefused) Error() string { return k.msg }

// try makes the cheapest authenticated call (list one organization) with the key.
func (c apiKeyCheck) try(ctx context.Context, hc *http.Client) error {
	ctx, cancel := context.WithTimeout(ctx, preflightTimeout)
	defer cancel()
	base := c.baseURL
	if base == "" {
		base = workos.DefaultBaseURL
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(base, "/")+"/organizations?limit=1", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("User-Agent", "workos-mcp/"+buildinfo.Version())
	resp, err := hc.Do(req)
	if err != nil {
		msg := strings.ReplaceAll(err.Error(), c.key, "[redacted]")
		return fmt.Errorf("%s: the WorkOS API at %s is unreachable: %s", c.where, base, msg)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	switch {
	case resp.StatusCode == http.StatusOK:
		return nil
	case resp.StatusCode == http.StatusUnauthorized:
		return &keyRefused{fmt.Sprintf("%s: WorkOS refused the API key (401): it is wrong, revoked, or not a secret key (sk_...) of this environment", c.where)}
	case resp.StatusCode == http.StatusForbidden:
		return &keyRefused{fmt.Sprintf("%s: WorkOS refused the API key (403): it lacks permission to read organizations", c.where)}
	default:
		return fmt.Errorf("%s: checking the API key: the WorkOS API at %s answered %d", c.where, base, resp.StatusCode)
	}
}

// runPreflight checks placeholders, the issuer and every API key. It returns an error for what
// must stop serve (a placeholder, an issuer mismatch, a refused key, naming each), and passes
// what only deserves a warning (an unreachable AuthKit domain or WorkOS API) to warn.
func runPreflight(ctx context.Context, cfg *serveConfig, hc *http.Client, warn func(string)) error {
	if err := checkPlaceholders(cfg); err != nil {
		return err
	}
	var fatal []string
	var mu sync.Mutex
	var wg sync.WaitGroup
	note := func(err error, isFatal bool) {
		mu.Lock()
		defer mu.Unlock()
		if isFatal {
			fatal = append(fatal, err.Error())
		} else {
			warn(err.Error())
		}
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		mismatch, unreachable := checkIssuer(ctx, hc, cfg.AuthKit.Issuer)
		switch {
		case mismatch != nil:
			note(mismatch, true)
		case unreachable != nil:
			note(fmt.Errorf("%v; serve starts anyway and /readyz reports it until it answers", unreachable), false)
		}
	}()
	for _, c := range apiKeyChecks(cfg) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.try(ctx, hc); err != nil {
				var refused *keyRefused
				note(err, errors.As(err, &refused))
			}
		}()
	}
	wg.Wait()
	if len(fatal) > 0 {
		return fmt.Errorf("the configuration does not work with the outside world:\n  %s", strings.Join(fatal, "\n  "))
	}
	return nil
}

// readinessRecheck is how long a passing outside check is trusted by /readyz, so that probes
// do not turn into a stream of WorkOS calls.
const readinessRecheck = 30 * time.Second

// preflightReadiness turns the issuer and API key checks into /readyz checks, one per key, each
// passing result cached for readinessRecheck.
func preflightReadiness(cfg *serveConfig, hc *http.Client) []telemetry.Check {
	checks := []telemetry.Check{{Name: "authkit_issuer", Fn: cached(func(ctx context.Context) error {
		mismatch, unreachable := checkIssuer(ctx, hc, cfg.AuthKit.Issuer)
		return errors.Join(mismatch, unreachable)
	})}}
	for _, c := range apiKeyChecks(cfg) {
		checks = append(checks, telemetry.Check{Name: c.name, Fn: cached(func(ctx context.Context) error { return c.try(ctx, hc) })})
	}
	return checks
}

// cached remembers a passing result for readinessRecheck; failures are tried again each time.
func cached(fn func(context.Context) error) func(context.Context) error {
	var mu sync.Mutex
	var okUntil time.Time
	return func(ctx context.Context) error {
		mu.Lock()
		if time.Now().Before(okUntil) {
			mu.Unlock()
			return nil
		}
		mu.Unlock()
		err := fn(ctx)
		if err == nil {
			mu.Lock()
			okUntil = time.Now().Add(readinessRecheck)
			mu.Unlock()
		}
		return err
	}
}
