package workspace_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/workos-mcp/workos-mcp/emulator"
	"github.com/workos-mcp/workos-mcp/internal/devstack"
	"github.com/workos-mcp/workos-mcp/internal/devstack/devstacktest"
	"github.com/workos-mcp/workos-mcp/internal/logtest"
	"github.com/workos-mcp/workos-mcp/internal/mcptest"
	"github.com/workos-mcp/workos-mcp/workos"
	"github.com/workos-mcp/workos-mcp/workspace"
	"github.com/workos-mcp/workos-mcp/workspace/catalog"
)

// These tests prove each guardrail of the pipeline through the real client path, tool by tool.

// toolNames lists the tools the server serves, as a client sees them.
func toolNames(t *testing.T, cs *mcp.ClientSession) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range res.Tools {
		names = append(names, tool.Name)
	}
	return names
}

// allTools is the server's whole inventory, whoever lists it.
var allTools = []string{"audit_configuration", "audit_logs", "debug_sign_in", "describe_organization", "list_operations", "mutate", "onboard_customer", "query", "whoami"}

// sampleArgs is a valid call of each tool in env: what a person with full access could run.
func sampleArgs(tool, env string) map[string]any {
	domain := "acme.test"
	if env == "production" {
		domain = "contoso.test"
	}
	a := map[string]any{"environment": env}
	switch tool {
	case "whoami", "list_operations":
		return map[string]any{}
	case "query":
		a["operation"] = "organizations.list"
	case "mutate":
		a["operation"], a["params"] = "organizations.create", map[string]any{"name": "Blocked"}
	case "describe_organization":
		a["domain"] = domain
	case "onboard_customer":
		a["name"], a["admin_email"] = "Blocked", "it@blocked.test"
	case "debug_sign_in":
		a["email"] = "alice@" + domain
	case "audit_configuration":
	case "audit_logs":
		a["organization_id"] = "org_anything"
	default:
		panic("no sample for " + tool)
	}
	return a
}

// noOrganizationNamed fails if an organization of that name exists in any environment.
func noOrganizationNamed(t *testing.T, apiURL, name string) {
	t.Helper()
	for _, key := range []string{emulator.DemoSandboxAPIKey, emulator.DemoProductionAPIKey} {
		var list struct {
			Data []struct{ Name string } `json:"data"`
		}
		c := workos.New(workos.Options{BaseURL: apiURL, APIKey: key})
		if _, err := c.Do(context.Background(), "GET", "/organizations", nil, nil, &list); err != nil {
			t.Fatal(err)
		}
		for _, o := range list.Data {
			if o.Name == name {
				t.Fatalf("organization %q was created", name)
			}
		}
	}
}

// environmentRequests returns the recorded requests made with an environment's API key (not
// the team's, which records and looks roles up).
func environmentRequests(reqs []upstreamRequest) []upstreamRequest {
	var out []upstreamRequest
	for _, r := range reqs {
		if r.Authorization == "Bearer "+emulator.DemoSandboxAPIKey || r.Authorization == "Bearer "+emulator.DemoProductionAPIKey {
			out = append(out, r)
		}
	}
	return out
}

// TestE2EEveryToolRefusesWhenBlocked: with MCP access off, and for a role the mapping does not
// know, every tool but whoami refuses in every environment, and nothing reaches the managed
// environments.
func TestE2EEveryToolRefusesWhenBlocked(t *testing.T) {
	off := false
	for _, tc := range []struct {
		name, want string
		open       func(t *testing.T) (*customStack, *mcp.ClientSession)
	}{
		{"enabled off", "MCP access is disabled", func(t *testing.T) (*customStack, *mcp.ClientSession) {
			st := newLocalStack(t, func(c *workspace.Config) { c.Teams[0].Settings.Enabled = &off })
			return st, st.as(t, "admin")
		}},
		{"role not in the mapping", "only whoami is available", func(t *testing.T) (*customStack, *mcp.ClientSession) {
			st := newLocalStack(t, withoutRole("support"))
			return st, st.as(t, "support")
		}},
		{"unknown role claim", "only whoami is available", func(t *testing.T) (*customStack, *mcp.ClientSession) {
			st := newCustomStack(t, nil)
			return st, st.connect(t, "user_blocked", "intern")
		}},
		{"no role at all", "only whoami is available", func(t *testing.T) (*customStack, *mcp.ClientSession) {
			st := newCustomStack(t, nil)
			return st, st.connect(t, "user_blocked", "")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, cs := tc.open(t)
			before := st.upstream.count()
			// A blocked person is offered whoami alone; every other tool, called anyway, refuses.
			if got := toolNames(t, cs); !slices.Equal(got, []string{"whoami"}) {
				t.Errorf("tools/list = %v, want whoami only", got)
			}
			for _, tool := range allTools {
				if tool == "whoami" {
					continue
				}
				for _, env := range []string{"sandbox", "production"} {
					mcptest.Fails(t, cs, tool, sampleArgs(tool, env), tc.want)
				}
			}
			if reqs := environmentRequests(st.upstream.since(before)); len(reqs) != 0 {
				t.Errorf("%d requests reached a managed environment, first %s %s", len(reqs), reqs[0].Method, reqs[0].URL)
			}
			noOrganizationNamed(t, st.apiURL, "Blocked")

			m := mcptest.OK(t, cs, "whoami", nil)
			for _, e := range m["environments"].([]any) {
				if e := e.(map[string]any); e["access"] != "none" {
					t.Errorf("whoami: %v", e)
				}
			}
			if note, _ := m["note"].(string); note == "" {
				t.Errorf("whoami says nothing about the block: %v", m)
			}
		})
	}
}

// TestE2EWriteSwitch: with "allow write" off, everyone is read-only: no write, no irreversible
// operation (not even a confirmation token), no onboarding, and list_operations shows reads
// only.
func TestE2EWriteSwitch(t *testing.T) {
	off := false
	st := newLocalStack(t, func(c *workspace.Config) { c.Teams[0].Settings.AllowWrite = &off })
	cs := st.as(t, "admin")
	acme := orgByName(t, cs, "sandbox", "Acme Corp")
	before := st.upstream.count()
	for _, env := range []string{"sandbox", "production"} {
		mcptest.Fails(t, cs, "mutate", sampleArgs("mutate", env), "read-only")
		mcptest.Fails(t, cs, "onboard_customer", sampleArgs("onboard_customer", env), "read-only")
	}
	text, _, isErr := mcptest.Call(t, cs, "mutate", map[string]any{"operation": "organizations.delete", "params": map[string]any{"id": acme}})
	if !isErr || strings.Contains(text, "confirmation_token") {
		t.Errorf("delete with writes off: %s", text)
	}
	if reqs := environmentRequests(st.upstream.since(before)); len(reqs) != 0 {
		t.Errorf("%d requests reached a managed environment, first %s %s", len(reqs), reqs[0].Method, reqs[0].URL)
	}
	noOrganizationNamed(t, st.apiURL, "Blocked")
	mcptest.OK(t, cs, "query", map[string]any{"operation": "organizations.get", "params": map[string]any{"id": acme}})
	mcptest.OK(t, cs, "describe_organization", map[string]any{"organization_id": acme})
	for _, class := range []string{"write", "destructive"} {
		if m := mcptest.OK(t, cs, "list_operations", map[string]any{"class": class}); m["count"].(float64) != 0 {
			t.Errorf("list_operations class=%s with writes off: %v", class, m["count"])
		}
	}
	mcptest.Fails(t, cs, "list_operations", map[string]any{"operation": "organizations.create"}, "may not run")
	m := mcptest.OK(t, cs, "whoami", nil)
	for _, e := range m["environments"].([]any) {
		if e := e.(map[string]any); e["access"] != "read" {
			t.Errorf("whoami with writes off: %v", e)
		}
	}
}

// TestE2EProductionSwitch: with production off, nothing runs in production, whatever the role
// and the tool; sandbox is unaffected.
func TestE2EProductionSwitch(t *testing.T) {
	off := false
	st := newLocalStack(t, func(c *workspace.Config) { c.Teams[0].Settings.AllowProduction = &off })
	cs := st.as(t, "admin")
	before := st.upstream.count()
	// Production off leaves the sandbox: an admin is still offered every tool.
	if got := toolNames(t, cs); !slices.Equal(got, allTools) {
		t.Fatalf("tools/list = %v, want %v", got, allTools)
	}
	for _, tool := range allTools {
		if tool == "whoami" || tool == "list_operations" {
			continue
		}
		mcptest.Fails(t, cs, tool, sampleArgs(tool, "production"), "production")
	}
	for _, r := range st.upstream.since(before) {
		if r.Authorization == "Bearer "+emulator.DemoProductionAPIKey {
			t.Errorf("a request reached production: %s %s", r.Method, r.URL)
		}
	}
	mcptest.OK(t, cs, "query", sampleArgs("query", "sandbox"))
	m := mcptest.OK(t, cs, "list_operations", map[string]any{"words": "organizations"})
	for _, row := range m["operations"].([]any) {
		for _, env := range row.(map[string]any)["environments"].([]any) {
			if env == "production" {
				t.Errorf("list_operations offers production: %v", row)
			}
		}
	}
	for _, e := range mcptest.OK(t, cs, "whoami", nil)["environments"].([]any) {
		if e := e.(map[string]any); e["name"] == "production" && e["access"] != "none" {
			t.Errorf("whoami: %v", e)
		}
	}
}

// TestE2EEnvironmentRules: sandbox unless named; an unknown name is refused; naming an
// environment never widens what the role allows there.
func TestE2EEnvironmentRules(t *testing.T) {
	st := devstacktest.Start(t, tokenConfirm)
	ms := as(t, st, "member-sandbox")
	// Sandbox by default: the answer says so and holds sandbox data (Acme is sandbox only).
	m := mcptest.OK(t, ms, "query", map[string]any{"operation": "organizations.list", "params": map[string]any{"limit": 100}})
	if m["environment"] != "sandbox" || !strings.Contains(fmt.Sprint(m["result"]), "Acme Corp") {
		t.Errorf("default environment: %v", m["environment"])
	}
	m = mcptest.OK(t, ms, "query", map[string]any{"operation": "organizations.list", "environment": "production", "params": map[string]any{"limit": 100}})
	if m["environment"] != "production" || strings.Contains(fmt.Sprint(m["result"]), "Acme Corp") {
		t.Errorf("production: %v", m)
	}
	mcptest.Fails(t, ms, "query", map[string]any{"operation": "organizations.list", "environment": "team"}, "unknown environment")
	mcptest.Fails(t, ms, "query", map[string]any{"operation": "organizations.list", "environment": "Production"}, "unknown environment")
	// Read-only in production: writing there is refused by every path, including a destructive
	// call (no token is issued) and a task tool.
	contoso := orgByName(t, ms, "production", "Contoso")
	mcptest.Fails(t, ms, "mutate", map[string]any{"operation": "organizations.update", "environment": "production", "params": map[string]any{"id": contoso, "name": "X"}}, "read-only")
	text, _, isErr := mcptest.Call(t, ms, "mutate", map[string]any{"operation": "organizations.delete", "environment": "production", "params": map[string]any{"id": contoso}})
	if !isErr || strings.Contains(text, "confirmation_token") {
		t.Errorf("member-sandbox delete in production: %s", text)
	}
	mcptest.Fails(t, ms, "onboard_customer", sampleArgs("onboard_customer", "production"), "read-only")
	if got := orgByName(t, ms, "production", "Contoso"); got != contoso {
		t.Errorf("Contoso changed")
	}
	// A confirmation issued in sandbox is refused in production, even for the same parameters.
	admin := as(t, st, "admin")
	globex := orgByName(t, admin, "sandbox", "Globex")
	m = mcptest.OK(t, admin, "mutate", map[string]any{"operation": "organizations.delete", "params": map[string]any{"id": globex}})
	mcptest.Fails(t, admin, "mutate", map[string]any{"operation": "organizations.delete", "environment": "production", "params": map[string]any{"id": globex}, "confirmation_token": m["confirmation_token"]}, "environment")
	mcptest.OK(t, admin, "query", map[string]any{"operation": "organizations.get", "params": map[string]any{"id": globex}})
}

// TestE2EWhoamiEveryPerson: every demo person sees their own email and name (read from WorkOS:
// tokens carry no email), their role, and their access in each environment.
func TestE2EWhoamiEveryPerson(t *testing.T) {
	st := devstacktest.Start(t, tokenConfirm)
	want := map[string][2]string{ // sandbox, production
		"admin": {"write", "write"}, "member": {"write", "write"}, "member-sandbox": {"write", "read"},
		"support": {"write", "write"}, "support-viewer": {"read", "read"},
	}
	for role, email := range devstacktest.DemoPeople {
		m := mcptest.OK(t, as(t, st, role), "whoami", nil)
		u := m["user"].(map[string]any)
		if u["email"] != email || u["name"] == nil || u["name"] == "" || !strings.HasPrefix(u["id"].(string), "user_") {
			t.Errorf("%s: user = %v", role, u)
		}
		if r := m["role"].(map[string]any); r["slug"] != role || r["known"] != true || r["source"] != "token" {
			t.Errorf("%s: role = %v", role, r)
		}
		got := [2]string{}
		for _, e := range m["environments"].([]any) {
			e := e.(map[string]any)
			switch e["name"] {
			case "sandbox":
				got[0] = e["access"].(string)
			case "production":
				got[1] = e["access"].(string)
			}
		}
		if got != want[role] {
			t.Errorf("%s: access (sandbox, production) = %v, want %v", role, got, want[role])
		}
		if tm := m["team"].(map[string]any); tm["organization_id"] != emulator.DemoTeamOrganizationID || tm["name"] != emulator.DemoTeamOrganizationName {
			t.Errorf("%s: team = %v", role, tm)
		}
	}
}

// TestE2EWhoamiWithoutProfile: when the person's profile cannot be read, whoami says so rather
// than answering an empty email.
func TestE2EWhoamiWithoutProfile(t *testing.T) {
	cs := newCustomStack(t, nil).connect(t, "user_unknown_to_workos", "admin")
	u := mcptest.OK(t, cs, "whoami", nil)["user"].(map[string]any)
	if e, present := u["email"]; present {
		t.Errorf("email = %q, want it absent", e)
	}
	if p, _ := u["profile"].(string); !strings.Contains(p, "unavailable") {
		t.Errorf("user = %v", u)
	}
}

// TestE2EExecutesWithEnvironmentKey: every request to WorkOS carries the API key of the
// environment the call named (or the team's key, for records and role look-ups), never the
// person's access token, in any header, URL or body.
func TestE2EExecutesWithEnvironmentKey(t *testing.T) {
	var logs logtest.Buffer
	st := newLocalStack(t, func(c *workspace.Config) { c.Logger = slog.New(slog.NewJSONHandler(&logs, nil)) })
	token := st.token(t, "admin")
	cs := mcptest.Connect(t, st.mcpURL, mcptest.Bearer(token), nil)
	before := st.upstream.count()
	mcptest.OK(t, cs, "whoami", nil)
	m := mcptest.OK(t, cs, "query", map[string]any{"operation": "organizations.list", "environment": "production"})
	if !strings.Contains(fmt.Sprint(m["result"]), "Contoso") {
		t.Fatalf("production list: %v", m)
	}
	mcptest.OK(t, cs, "query", map[string]any{"operation": "organizations.list"})
	onboard := mcptest.OK(t, cs, "onboard_customer", map[string]any{"name": "Keys Inc", "domains": []any{"keys.test"}, "admin_email": "it@keys.test"})
	orgID := onboard["organization"].(map[string]any)["id"].(string)
	mcptest.OK(t, cs, "describe_organization", map[string]any{"organization_id": orgID})
	mcptest.OK(t, cs, "debug_sign_in", map[string]any{"email": "alice@acme.test"})
	mcptest.OK(t, cs, "audit_configuration", nil)
	acme := orgByName(t, cs, "sandbox", "Acme Corp")
	mcptest.OK(t, cs, "audit_logs", map[string]any{"organization_id": acme, "range_start": "2026-01-01T00:00:00Z", "range_end": "2026-02-01T00:00:00Z"})
	del := map[string]any{"operation": "organizations.delete", "params": map[string]any{"id": orgID}}
	del["confirmation_token"] = mcptest.OK(t, cs, "mutate", del)["confirmation_token"]
	mcptest.OK(t, cs, "mutate", del)

	reqs := st.upstream.since(before)
	if len(reqs) < 20 {
		t.Fatalf("only %d upstream requests recorded", len(reqs))
	}
	allowed := map[string]bool{
		"Bearer " + emulator.DemoSandboxAPIKey: true, "Bearer " + emulator.DemoProductionAPIKey: true,
		"Bearer " + emulator.DemoTeamAPIKey: true,
	}
	byKey := map[string]int{}
	for _, r := range reqs {
		if strings.Contains(r.URL, token) || strings.Contains(r.Body, token) {
			t.Fatalf("the person's token was sent upstream: %s %s", r.Method, r.URL)
		}
		for name, vals := range r.Header {
			for _, v := range vals {
				if strings.Contains(v, token) || (len(token) > 40 && strings.Contains(v, token[len(token)-40:])) {
					t.Fatalf("the person's token was sent upstream in %s: %s %s", name, r.Method, r.URL)
				}
			}
		}
		switch {
		case allowed[r.Authorization]:
			byKey[r.Authorization]++
		case r.Authorization == "" && strings.Contains(r.URL, "audit_log_export"):
			// the audit-log export's pre-signed download: no credentials at all
		default:
			t.Errorf("%s %s: unexpected Authorization %.12q", r.Method, r.URL, r.Authorization)
		}
	}
	for key := range allowed {
		if byKey[key] == 0 {
			t.Errorf("no request used %.16s…", strings.TrimPrefix(key, "Bearer "))
		}
	}
	if strings.Contains(logs.String(), token) {
		t.Error("the person's token is in the logs")
	}
}

// TestE2EInvalidCallsSayHowToFix: bad calls are tool errors that say what to change, and
// nothing is sent to WorkOS.
func TestE2EInvalidCallsSayHowToFix(t *testing.T) {
	st := newLocalStack(t, nil)
	cs := st.as(t, "admin")
	before := st.upstream.count()
	for _, tc := range []struct {
		tool string
		args map[string]any
		want []string
	}{
		{"query", map[string]any{"operation": "organisations.list"}, []string{"unknown operation", "list_operations"}},
		{"query", map[string]any{"operation": "organizations.lst"}, []string{"unknown operation", "organizations.list"}},
		{"query", map[string]any{"operation": "organizations.delete", "params": map[string]any{"id": "org_1"}}, []string{"destructive", "run it with mutate"}},
		{"mutate", map[string]any{"operation": "organizations.list"}, []string{"only reads", "run it with query"}},
		{"query", map[string]any{"operation": "organizations.list", "params": map[string]any{"size": 10}}, []string{"unknown parameter(s) size", "it takes:", "limit", `operation="organizations.list"`}},
		{"query", map[string]any{"operation": "organizations.get"}, []string{"missing required parameter(s) id", "shows the schema"}},
		{"query", map[string]any{"operation": "organizations.list", "params": map[string]any{"limit": "ten"}}, []string{"/limit", "want integer"}},
		{"query", map[string]any{"operation": "organizations.list", "params": map[string]any{"limit": 1000}}, []string{"/limit", "maximum", "100"}},
		{"query", map[string]any{"operation": "organizations.list", "params": map[string]any{"order": "sideways"}}, []string{"/order", "one of", "desc"}},
		{"mutate", map[string]any{"operation": "organizations.create", "params": map[string]any{}}, []string{"missing required parameter(s) name"}},
		{"mutate", map[string]any{"operation": "users.create", "params": map[string]any{"email": "not-an-email"}}, []string{"/email", "email"}},
		{"mutate", map[string]any{"operation": "organizations.create", "params": map[string]any{"name": "T"}, "confirmation_token": "wmc1_x"}, []string{"takes no confirmation_token"}},
		{"mutate", map[string]any{"operation": "api_keys.create"}, []string{"unknown operation"}},
		{"list_operations", map[string]any{"class": "dangerous"}, []string{"does not equal any of: [read write destructive]"}},
		{"list_operations", map[string]any{"operation": "nope.nothing"}, []string{"unknown operation"}},
		{"describe_organization", map[string]any{}, []string{"exactly one of organization_id, external_id or domain"}},
		{"debug_sign_in", map[string]any{"email": "a@b.test", "user_id": "user_1"}, []string{"exactly one of email or user_id"}},
		{"onboard_customer", map[string]any{"name": "X", "admin_email": "nobody"}, []string{"valid admin_email"}},
		{"audit_logs", map[string]any{"organization_id": "org_1", "range_start": "2026-02-01T00:00:00Z", "range_end": "2026-01-01T00:00:00Z"}, []string{"range_end must be after range_start"}},
	} {
		text, _, isErr := mcptest.Call(t, cs, tc.tool, tc.args)
		if !isErr {
			t.Errorf("%s %v: succeeded: %.200s", tc.tool, tc.args, text)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s %v: error %q lacks %q", tc.tool, tc.args, text, w)
			}
		}
		if strings.Contains(text, "not-an-email") {
			t.Errorf("the error echoes the value: %s", text)
		}
	}
	if reqs := environmentRequests(st.upstream.since(before)); len(reqs) != 0 {
		t.Errorf("invalid calls reached WorkOS: %d requests, first %s %s", len(reqs), reqs[0].Method, reqs[0].URL)
	}
}

// TestE2EListOperations: the listing holds only what the person may run, excluded operations
// are nowhere, and a named operation comes with its full parameter schema.
func TestE2EListOperations(t *testing.T) {
	st := devstacktest.Start(t, tokenConfirm)
	runnable := 0
	for _, op := range catalog.All() {
		if !excludedName(op.Name) {
			runnable++
		}
	}
	admin := as(t, st, "admin")
	if m := mcptest.OK(t, admin, "list_operations", nil); int(m["count"].(float64)) != runnable || m["truncated"] != true {
		t.Errorf("admin lists %v operations (truncated %v), want %d", m["count"], m["truncated"], runnable)
	}
	for _, class := range []string{"read", "write", "destructive"} {
		m := mcptest.OK(t, admin, "list_operations", map[string]any{"class": class, "words": "organization"})
		if m["count"].(float64) == 0 {
			t.Errorf("no %s operation on organizations", class)
		}
		for _, row := range m["operations"].([]any) {
			row := row.(map[string]any)
			wantTool := "mutate"
			if class == "read" {
				wantTool = "query"
			}
			if row["class"] != class || row["tool"] != wantTool {
				t.Errorf("class=%s lists %v", class, row)
			}
		}
	}
	// A named operation: its full schema.
	m := mcptest.OK(t, admin, "list_operations", map[string]any{"operation": "organizations.create"})
	props := m["params"].(map[string]any)["properties"].(map[string]any)
	if props["name"] == nil || props["domain_data"] == nil || fmt.Sprint(m["required"]) != "[name]" || m["tool"] != "mutate" || m["class"] != "write" {
		t.Errorf("organizations.create = %v", m)
	}
	if envs := fmt.Sprint(m["environments"]); !strings.Contains(envs, "sandbox") || !strings.Contains(envs, "production") {
		t.Errorf("environments = %v", envs)
	}
	// Excluded operations are in no listing and cannot run.
	for _, ex := range catalog.Excluded() {
		if ex.Name == "" {
			continue
		}
		mcptest.Fails(t, admin, "list_operations", map[string]any{"operation": ex.Name}, "unknown operation")
		m := mcptest.OK(t, admin, "list_operations", map[string]any{"words": strings.ReplaceAll(ex.Name, ".", " ")})
		for _, row := range m["operations"].([]any) {
			if row.(map[string]any)["name"] == ex.Name {
				t.Errorf("excluded %s is listed", ex.Name)
			}
		}
	}
	// A support viewer: reads on users and organizations, nothing else.
	sv := as(t, st, "support-viewer")
	support := workspace.DefaultRoles()["support-viewer"]
	m = mcptest.OK(t, sv, "list_operations", nil)
	if m["count"].(float64) == 0 {
		t.Fatal("support-viewer lists nothing")
	}
	all := mcptest.OK(t, sv, "list_operations", map[string]any{"class": "read"})
	if all["count"] != m["count"] {
		t.Errorf("support-viewer lists %v operations, %v of them reads", m["count"], all["count"])
	}
	for _, row := range m["operations"].([]any) {
		op, _ := catalog.Lookup(row.(map[string]any)["name"].(string))
		if op == nil || op.Class != catalog.Read || !support.Covers(op) {
			t.Errorf("support-viewer lists %v", row)
		}
	}
	mcptest.Fails(t, sv, "list_operations", map[string]any{"operation": "organizations.create"}, "may not run")
	mcptest.Fails(t, sv, "list_operations", map[string]any{"operation": "webhook_endpoints.list"}, "may not run")
	mcptest.OK(t, sv, "list_operations", map[string]any{"operation": "users.list"})
}

func excludedName(name string) bool {
	for _, e := range catalog.Excluded() {
		if e.Name == name {
			return true
		}
	}
	return false
}

// TestE2EConfirmationDetails: what an organization's confirmation shows, a change to what hangs
// off the target, a declined elicitation, and a refusal by role before any token is issued.
func TestE2EConfirmationDetails(t *testing.T) {
	st := devstacktest.Start(t, tokenConfirm)
	admin := as(t, st, "admin")
	acme := orgByName(t, admin, "sandbox", "Acme Corp")
	del := map[string]any{"operation": "organizations.delete", "params": map[string]any{"id": acme}}
	m := mcptest.OK(t, admin, "mutate", del)
	if m["status"] != "confirmation_required" || m["target"] != "Acme Corp" || m["expires_in_minutes"].(float64) != 5 || m["expires_at"] == "" {
		t.Fatalf("first call: %v", m)
	}
	d := mcptest.OK(t, admin, "describe_organization", map[string]any{"organization_id": acme})
	wd := m["would_destroy"].(map[string]any)
	for key, want := range map[string]int{"domains": len(d["domains"].([]any)), "connections": len(d["connections"].([]any)),
		"directories": len(d["directories"].([]any)), "members": int(d["member_count"].(float64)), "invitations": len(d["pending_invitations"].([]any))} {
		got, _ := wd[key].(map[string]any)
		if got == nil || int(got["count"].(float64)) != want || len(got["names"].([]any)) != want || want == 0 {
			t.Errorf("would_destroy %s = %v, want %d", key, got, want)
		}
	}
	names, _ := json.Marshal(wd)
	for _, want := range []string{"acme.test", "acme-corp.test", "Acme Okta", "Acme Okta SCIM", "grace@acme.test", "alice@acme.test"} {
		if !strings.Contains(string(names), want) {
			t.Errorf("would_destroy lacks %q: %s", want, names)
		}
	}
	// A new member between the two calls changes the target: refused, nothing done.
	outsider := ""
	for _, u := range mcptest.OK(t, admin, "query", map[string]any{"operation": "users.list", "params": map[string]any{"limit": 100}})["result"].(map[string]any)["data"].([]any) {
		if u := u.(map[string]any); !strings.HasSuffix(u["email"].(string), "@acme.test") {
			outsider = u["id"].(string)
		}
	}
	if outsider == "" {
		t.Fatal("the sandbox seed has no user outside Acme")
	}
	mcptest.OK(t, admin, "mutate", map[string]any{"operation": "organization_memberships.create", "params": map[string]any{"organization_id": acme, "user_id": outsider}})
	del["confirmation_token"] = m["confirmation_token"]
	mcptest.Fails(t, admin, "mutate", del, "target changed")
	mcptest.OK(t, admin, "query", map[string]any{"operation": "organizations.get", "params": map[string]any{"id": acme}})

	// Elicitation declined: nothing done.
	token := devstacktest.AccessToken(t, st, devstacktest.DemoPeople["admin"])
	decline := mcptest.Connect(t, st.MCPURL(), mcptest.Bearer(token), func(context.Context, *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
		return &mcp.ElicitResult{Action: "decline"}, nil
	})
	m = mcptest.OK(t, decline, "mutate", map[string]any{"operation": "organizations.delete", "params": map[string]any{"id": acme}})
	if m["status"] != "cancelled" {
		t.Errorf("declined: %v", m)
	}
	mcptest.OK(t, admin, "query", map[string]any{"operation": "organizations.get", "params": map[string]any{"id": acme}})

	// A read-only role gets no token at all.
	text, _, isErr := mcptest.Call(t, as(t, st, "support-viewer"), "mutate", map[string]any{"operation": "organizations.delete", "params": map[string]any{"id": acme}})
	if !isErr || strings.Contains(text, "confirmation_token") {
		t.Errorf("support-viewer delete: %s", text)
	}
}

// TestE2ETaskToolsFindProblems: on a seed with a broken directory, a disabled webhook endpoint
// and an inactive membership, the task tools report them.
func TestE2ETaskToolsFindProblems(t *testing.T) {
	seed := emulator.DefaultSeed()
	var sandbox *emulator.SeedEnvironment
	for i := range seed.Environments {
		if seed.Environments[i].Name == "sandbox" {
			sandbox = &seed.Environments[i]
		}
	}
	if sandbox == nil || len(sandbox.Organizations) == 0 {
		t.Fatal("no sandbox in the default seed")
	}
	org := sandbox.Organizations[0].Name
	sandbox.Directories = append(sandbox.Directories, emulator.SeedDirectory{Organization: org, Name: "Broken SCIM", State: "invalid_credentials"})
	sandbox.WebhookEndpoints = append(sandbox.WebhookEndpoints, emulator.SeedWebhook{EndpointURL: "https://hooks.example.test/dead", Events: []string{"user.created"}, Status: "disabled"})
	sandbox.Users = append(sandbox.Users, emulator.SeedUser{Email: "dora@acme.test", FirstName: "Dora"})
	sandbox.Memberships = append(sandbox.Memberships, emulator.SeedMembership{User: "dora@acme.test", Organization: org, Status: "inactive"})
	st := devstacktest.Start(t, devstack.Options{Seed: seed, Confirmation: workspace.ConfirmAgent})
	admin := as(t, st, "admin")

	m := mcptest.OK(t, admin, "audit_configuration", nil)
	findings, _ := json.Marshal(m["findings"])
	for _, want := range []string{"directory_not_linked", "Broken SCIM", "invalid_credentials", "webhook_endpoint_not_enabled", "hooks.example.test/dead", "domain_not_verified"} {
		if !strings.Contains(string(findings), want) {
			t.Errorf("audit_configuration findings lack %q: %s", want, findings)
		}
	}
	if bs := m["findings_by_severity"].(map[string]any); bs["error"] == nil || bs["warning"] == nil {
		t.Errorf("findings_by_severity = %v", bs)
	}

	m = mcptest.OK(t, admin, "debug_sign_in", map[string]any{"email": "dora@acme.test"})
	findings, _ = json.Marshal(m["findings"])
	for _, want := range []string{"membership_not_active", "inactive"} {
		if !strings.Contains(string(findings), want) {
			t.Errorf("debug_sign_in findings lack %q: %s", want, findings)
		}
	}
}

// TestE2ERoleFromMembership: a token without a role claim gets the role of the person's
// membership in the team's sign-in environment, read through the WorkOS API.
func TestE2ERoleFromMembership(t *testing.T) {
	st := newCustomStack(t, nil)
	team := workos.New(workos.Options{BaseURL: st.apiURL, APIKey: emulator.DemoTeamAPIKey})
	var users struct {
		Data []struct{ ID string } `json:"data"`
	}
	if _, err := team.Do(context.Background(), "GET", "/user_management/users", map[string][]string{"email": {devstacktest.DemoPeople["member-sandbox"]}}, nil, &users); err != nil || len(users.Data) != 1 {
		t.Fatalf("find the member-sandbox person: %v %v", err, users)
	}
	cs := st.connect(t, users.Data[0].ID, "")
	m := mcptest.OK(t, cs, "whoami", nil)
	if r := m["role"].(map[string]any); r["slug"] != "member-sandbox" || r["source"] != "membership" {
		t.Fatalf("role = %v", r)
	}
	if u := m["user"].(map[string]any); u["email"] != devstacktest.DemoPeople["member-sandbox"] {
		t.Errorf("user = %v", u)
	}
	mcptest.OK(t, cs, "query", map[string]any{"operation": "organizations.list", "environment": "production"})
	mcptest.Fails(t, cs, "mutate", map[string]any{"operation": "organizations.create", "environment": "production", "params": map[string]any{"name": "Blocked"}}, "read-only")
	noOrganizationNamed(t, st.apiURL, "Blocked")
}

// TestE2EConcurrentConfirmations: several agents racing with one token: exactly one call
// runs, exactly one DELETE reaches WorkOS, and the others are told the token was used.
func TestE2EConcurrentConfirmations(t *testing.T) {
	st := newLocalStack(t, nil)
	cs := st.as(t, "admin")
	globex := orgByName(t, cs, "sandbox", "Globex")
	del := map[string]any{"operation": "organizations.delete", "params": map[string]any{"id": globex}}
	del["confirmation_token"] = mcptest.OK(t, cs, "mutate", del)["confirmation_token"]
	before := st.upstream.count()
	const n = 5
	type result struct {
		text  string
		isErr bool
	}
	results := make(chan result, n)
	for i := 0; i < n; i++ {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "mutate", Arguments: del})
			if err != nil {
				results <- result{err.Error(), true}
				return
			}
			text := ""
			if len(res.Content) > 0 {
				text = res.Content[0].(*mcp.TextContent).Text
			}
			results <- result{text, res.IsError}
		}()
	}
	ran := 0
	for i := 0; i < n; i++ {
		r := <-results
		switch {
		case !r.isErr:
			ran++
		case !strings.Contains(r.text, "already used"):
			t.Errorf("a losing call: %s", r.text)
		}
	}
	deletes := 0
	for _, r := range st.upstream.since(before) {
		if r.Method == "DELETE" {
			deletes++
		}
	}
	if ran != 1 || deletes != 1 {
		t.Fatalf("%d calls ran and %d DELETEs reached WorkOS, want 1 and 1", ran, deletes)
	}
}

// withoutRole maps every default role but one: its people have a role the server does not know.
func withoutRole(slug string) func(*workspace.Config) {
	return func(c *workspace.Config) {
		c.Roles = workspace.DefaultRoles()
		delete(c.Roles, slug)
	}
}
