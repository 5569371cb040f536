package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/workos-mcp/workos-mcp/authkit"
	"github.com/workos-mcp/workos-mcp/workspace"
)

// fakeWorkOS serves authorization server metadata naming issuer, and /organizations answering
// 200 for the keys in good and 401 for any other.
func fakeWorkOS(t *testing.T, issuer func(self string) string, good ...string) *httptest.Server {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/.well-known/oauth-authorization-server":
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"issuer":"` + issuer(srv.URL) + `","jwks_uri":"` + srv.URL + `/oauth2/jwks"}`))
		case "/organizations":
			for _, k := range good {
				if r.Header.Get("Authorization") == "Bearer "+k {
					w.Write([]byte(`{"data":[],"list_metadata":{}}`))
					return
				}
			}
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"message":"Unauthorized"}`))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func preflightConfig(issuer, api string) *serveConfig {
	return &serveConfig{
		PublicURL: "https://mcp.acme.dev",
		AuthKit:   authkit.Config{Issuer: issuer, ClientID: "client_01ABC", APIKey: "sk_test_team", APIBaseURL: api},
		Workspace: workspace.Config{Teams: []workspace.Team{{OrganizationID: "org_01TEAM",
			Environments: []workspace.Environment{{Name: "sandbox", Kind: "sandbox", APIKey: "sk_test_sandbox", BaseURL: api}, {Name: "production", Kind: "production", APIKey: "sk_live_prod", BaseURL: api}},
			SignIn:       &workspace.SignInEnvironment{APIKey: "sk_test_team", BaseURL: api}}}},
	}
}

func TestPreflight(t *testing.T) {
	ctx := context.Background()
	same := func(self string) string { return self }
	srv := fakeWorkOS(t, same, "sk_test_team", "sk_test_sandbox", "sk_live_prod")
	var warnings []string
	warn := func(s string) { warnings = append(warnings, s) }

	if err := runPreflight(ctx, preflightConfig(srv.URL, srv.URL), srv.Client(), warn); err != nil || len(warnings) > 0 {
		t.Fatalf("a good configuration: %v %v", err, warnings)
	}
	ready := preflightReadiness(preflightConfig(srv.URL, srv.URL), srv.Client())
	var names []string
	for _, c := range ready {
		names = append(names, c.Name)
		if err := c.Fn(ctx); err != nil {
			t.Errorf("readiness %s: %v", c.Name, err)
		}
	}
	if got := strings.Join(names, " "); got != "authkit_issuer workos_key:authkit workos_key:org_01TEAM/sandbox workos_key:org_01TEAM/production" {
		t.Errorf("readiness checks: %s", got)
	}

	// The metadata names localhost, the configuration 127.0.0.1: refused, with both values.
	localhost := fakeWorkOS(t, func(self string) string { return strings.Replace(self, "127.0.0.1", "localhost", 1) }, "sk_test_team", "sk_test_sandbox", "sk_live_prod")
	err := runPreflight(ctx, preflightConfig(localhost.URL, localhost.URL), localhost.Client(), warn)
	want := strings.Replace(localhost.URL, "127.0.0.1", "localhost", 1)
	if err == nil || !strings.Contains(err.Error(), `names issuer "`+want+`"`) || !strings.Contains(err.Error(), `configuration says "`+localhost.URL+`"`) {
		t.Errorf("issuer mismatch: %v", err)
	}

	// A wrong key: refused, naming the environment, never showing the key.
	bad := preflightConfig(srv.URL, srv.URL)
	bad.Workspace.Teams[0].Environments[1].APIKey = "sk_live_wrong_secret"
	err = runPreflight(ctx, bad, srv.Client(), warn)
	if err == nil || !strings.Contains(err.Error(), `environment "production" (production): WorkOS refused the API key (401)`) || strings.Contains(err.Error(), "sk_live_wrong_secret") {
		t.Errorf("wrong key: %v", err)
	}
	ready = preflightReadiness(bad, srv.Client())
	if err := ready[len(ready)-1].Fn(ctx); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("readiness of the wrong key: %v", err)
	}
	// The team key missing from WorkOS (wrong team key): named as the AuthKit environment's.
	bad = preflightConfig(srv.URL, srv.URL)
	bad.AuthKit.APIKey, bad.Workspace.Teams[0].SignIn.APIKey = "sk_test_other", "sk_test_other"
	if err := runPreflight(ctx, bad, srv.Client(), warn); err == nil || !strings.Contains(err.Error(), "AuthKit (team sign-in) environment's key (authkit, WORKOS_API_KEY): WorkOS refused") {
		t.Errorf("wrong team key: %v", err)
	}

	// Unreachable: warnings, not refusals.
	srv.Close()
	warnings = nil
	if err := runPreflight(ctx, preflightConfig(srv.URL, srv.URL), http.DefaultClient, warn); err != nil {
		t.Errorf("unreachable refused the start: %v", err)
	}
	if len(warnings) != 4 || !strings.Contains(strings.Join(warnings, "\n"), "authkit.domain "+srv.URL+" is unreachable") {
		t.Errorf("unreachable warnings: %q", warnings)
	}
}

func TestPlaceholdersRefused(t *testing.T) {
	cfg := preflightConfig("https://your-app.authkit.app", "")
	cfg.AuthKit.ClientID = "client_..."
	cfg.Workspace.Teams[0].OrganizationID = "org_..."
	cfg.Workspace.Teams[0].Environments[1].APIKey = "sk_live_..."
	err := checkPlaceholders(cfg)
	for _, want := range []string{`authkit.domain: "https://your-app.authkit.app" is a placeholder`, `authkit.client_id: "client_..."`,
		`teams[0].organization_id: "org_..."`, `teams[0].environments[1]: environment "production": the API key is a placeholder`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want %s in %v", want, err)
		}
	}
	if err := checkPlaceholders(preflightConfig("https://acme.authkit.app", "")); err != nil {
		t.Errorf("real values: %v", err)
	}
}
