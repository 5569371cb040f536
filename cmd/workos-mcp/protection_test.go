package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/workos-mcp/workos-mcp/emulator"
	"github.com/workos-mcp/workos-mcp/internal/devstack"
	"github.com/workos-mcp/workos-mcp/internal/devstack/devstacktest"
	"github.com/workos-mcp/workos-mcp/internal/mcptest"
	"github.com/workos-mcp/workos-mcp/workos"
)

// protectionConfig is serve configured as the README shows (the sign-in environment named only
// by the authkit block and WORKOS_API_KEY), plus the team's sign-in environment managed again as
// "corp" with the key in CORP_KEY at corpURL.
func protectionConfig(t *testing.T, stack *devstack.Stack, org, corpURL string) string {
	t.Helper()
	cfg := serveYAMLHead(stack) + `teams:
  - organization_id: ` + org + `
    environments:
      - {name: sandbox, kind: sandbox, api_key_env: SANDBOX_KEY, base_url: ` + stack.EmulatorURL() + `}
      - {name: corp, kind: sandbox, api_key_env: CORP_KEY, base_url: ` + corpURL + `}
log: {format: json}
`
	path := filepath.Join(t.TempDir(), "workos-mcp.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// aliasProxy serves the emulator with one more API key for its team environment: alias is
// swapped for the team environment's key, as a second key of the same WorkOS environment.
func aliasProxy(t *testing.T, stack *devstack.Stack, alias string) string {
	t.Helper()
	target, err := url.Parse(stack.URL())
	if err != nil {
		t.Fatal(err)
	}
	p := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(target)
		if r.In.Header.Get("Authorization") == "Bearer "+alias {
			r.Out.Header.Set("Authorization", "Bearer "+emulator.DemoTeamAPIKey)
		}
	}})
	t.Cleanup(p.Close)
	return p.URL
}

// TestServeCheckRefusesUnprotectedTeams: --check (and serve) refuse a managed environment that
// uses the sign-in key string, one whose identity cannot be established, a team organization
// the sign-in key does not find, and a configuration without a sign-in key; each with a reason.
func TestServeCheckRefusesUnprotectedTeams(t *testing.T) {
	stack := devstacktest.Start(t, devstack.Options{})
	vars := func(path, corpKey string) map[string]string {
		return map[string]string{"SANDBOX_KEY": emulator.DemoSandboxAPIKey, "WORKOS_API_KEY": emulator.DemoTeamAPIKey,
			"CORP_KEY": corpKey, "WORKOS_MCP_CONFIG": path}
	}
	team := emulator.DemoTeamOrganizationID
	for _, tc := range []struct {
		name          string
		org, corpURL  string
		corpKey       string
		unset         string
		want          string
		alsoWant      string // a second part of the refusal, when it has two
		alsoServeFail bool
	}{
		{name: "sign-in key reused", org: team, corpURL: stack.EmulatorURL(), corpKey: emulator.DemoTeamAPIKey,
			want: `environment "corp" uses the sign-in environment's API key`, alsoServeFail: true},
		{name: "sign-in key reused, base URL variant", org: team, corpURL: strings.Replace(stack.EmulatorURL(), "127.0.0.1", "localhost", 1) + "/", corpKey: emulator.DemoTeamAPIKey,
			want: `environment "corp" uses the sign-in environment's API key`},
		{name: "unreachable", org: team, corpURL: "http://127.0.0.1:1/workos", corpKey: "sk_test_unreachable",
			want: `environment "corp": protection cannot be established: the WorkOS API could not be reached`, alsoServeFail: true},
		{name: "unknown key", org: team, corpURL: stack.EmulatorURL(), corpKey: "sk_test_nobody",
			// The preflight (preflight.go) names the refused key before protection is tried.
			want: `environment "corp" (sandbox): WorkOS refused the API key (401)`},
		{name: "team organization not in the sign-in environment", org: "org_01NOTTHETEAM0000000000000", corpURL: stack.EmulatorURL(), corpKey: emulator.DemoSandboxAPIKey,
			want: "the sign-in environment's API key does not find organization org_01NOTTHETEAM0000000000000 (404)"},
		{name: "no sign-in key", org: team, corpURL: stack.EmulatorURL(), corpKey: emulator.DemoProductionAPIKey, unset: "WORKOS_API_KEY",
			want:     "teams[0]: no sign-in API key: the server needs the API key of the AuthKit environment people sign in to",
			alsoWant: "; set WORKOS_API_KEY (or authkit.api_key_env / authkit.api_key_file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := vars(protectionConfig(t, stack, tc.org, tc.corpURL), tc.corpKey)
			delete(v, tc.unset)
			code, stdout, stderr := runCLI(t, v, "serve", "--check")
			if code == exitOK || !strings.Contains(stderr, tc.want) || !strings.Contains(stderr, tc.alsoWant) {
				t.Fatalf("--check: exit %d, want a refusal with %q and %q\nstdout: %s\nstderr: %s", code, tc.want, tc.alsoWant, stdout, stderr)
			}
			for _, k := range []string{emulator.DemoTeamAPIKey, emulator.DemoSandboxAPIKey, tc.corpKey} {
				if strings.Contains(stderr, k) {
					t.Errorf("the refusal shows an API key: %s", stderr)
				}
			}
			if tc.alsoServeFail {
				code, _, stderr := runCLI(t, v, "serve")
				if code == exitOK || !strings.Contains(stderr, tc.want) {
					t.Fatalf("serve started: exit %d\n%s", code, stderr)
				}
			}
		})
	}
}

// TestServeSignInEnvironmentAttack is the attack through serve: the team's sign-in
// environment is also managed, as "corp", under another key string for the same environment.
// support promoting its own team membership, and admin adding a redirect URI there, are
// refused with a clear tool error, and nothing changes in the emulator.
func TestServeSignInEnvironmentAttack(t *testing.T) {
	stack := devstacktest.Start(t, devstack.Options{})
	const alias = "sk_test_team_alias"
	path := protectionConfig(t, stack, emulator.DemoTeamOrganizationID, aliasProxy(t, stack, alias)+"/workos")
	vars := map[string]string{"SANDBOX_KEY": emulator.DemoSandboxAPIKey, "WORKOS_API_KEY": emulator.DemoTeamAPIKey,
		"CORP_KEY": alias, "WORKOS_MCP_CONFIG": path}

	code, stdout, stderr := runCLI(t, vars, "serve", "--check")
	if code != exitOK || !strings.Contains(stdout, `environment "corp" is the team's sign-in environment`) || !strings.Contains(stdout, "read-only") {
		t.Fatalf("--check: %d %s %s", code, stdout, stderr)
	}

	team := workos.New(workos.Options{BaseURL: stack.EmulatorURL(), APIKey: emulator.DemoTeamAPIKey})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	redirects := func() string {
		var raw json.RawMessage
		if _, err := team.Do(ctx, http.MethodGet, "/user_management/redirect_uris", url.Values{"limit": {"100"}}, nil, &raw); err != nil {
			t.Fatal(err)
		}
		return string(raw)
	}
	redirectsBefore := redirects()

	base, _, logs, wait := startCommand(t, vars, "serve")
	as := func(role string) *mcp.ClientSession {
		tok, err := stack.Token(ctx, devstacktest.DemoPeople[role], devstack.WithoutResource())
		if err != nil {
			t.Fatal(err)
		}
		return mcptest.Connect(t, base+"/mcp", mcptest.Bearer(tok.AccessToken), nil)
	}

	support := as("support")
	// support's own membership in the team's organization.
	all, err := team.ListOrganizationMemberships(ctx, workos.ListOrganizationMembershipsParams{OrganizationID: emulator.DemoTeamOrganizationID})
	if err != nil {
		t.Fatal(err)
	}
	var own []workos.OrganizationMembership
	for _, m := range all.Data {
		if m.Role.Slug == "support" {
			own = append(own, m)
		}
	}
	if len(own) != 1 {
		t.Fatalf("support's team membership: %+v", all)
	}
	om := own[0]
	for _, env := range []string{"corp", "sandbox"} {
		for _, id := range []string{om.ID, " " + om.ID + " "} {
			text, _, isErr := mcptest.Call(t, support, "mutate", map[string]any{"operation": "organization_memberships.update", "environment": env,
				"params": map[string]any{"id": id, "role_slug": "admin"}})
			if !isErr {
				t.Errorf("support promoted itself in %s: %s", env, text)
			}
			// A padded ID is refused by the path grammar before protection is reached.
			if env == "corp" && id == om.ID && !strings.Contains(text, "sign-in environment") {
				t.Errorf("refusal in corp does not name the sign-in environment: %s", text)
			}
		}
	}
	admin := as("admin")
	text, _, isErr := mcptest.Call(t, admin, "mutate", map[string]any{"operation": "redirect_uris.create", "environment": "corp",
		"params": map[string]any{"uri": "https://attacker.test/callback"}})
	if !isErr || !strings.Contains(text, "sign-in environment") {
		t.Errorf("redirect_uris.create in the sign-in environment: %v %s", isErr, text)
	}
	text, _, isErr = mcptest.Call(t, admin, "mutate", map[string]any{"operation": "organizations.update", "environment": "sandbox",
		"params": map[string]any{"id": strings.ToLower(emulator.DemoTeamOrganizationID), "name": "Pwned"}})
	if !isErr || !strings.Contains(text, "team's own organization") {
		t.Errorf("organizations.update of the team organization: %v %s", isErr, text)
	}

	after, err := team.ListOrganizationMemberships(ctx, workos.ListOrganizationMembershipsParams{UserID: om.UserID, OrganizationID: emulator.DemoTeamOrganizationID})
	if err != nil || len(after.Data) != 1 || after.Data[0].Role.Slug != "support" {
		t.Errorf("support's team membership changed: %+v -> %+v (%v)", om, after, err)
	}
	if got := redirects(); got != redirectsBefore {
		t.Errorf("redirect URIs changed:\nbefore %s\nafter  %s", redirectsBefore, got)
	}
	if code := wait(); code != exitOK {
		t.Errorf("exit %d", code)
	}
	if !strings.Contains(logs.String(), `"environment":"corp"`) || strings.Contains(logs.String(), alias) {
		t.Errorf("logs: the refusals are not recorded, or show the key:\n%s", logs)
	}
}
