package workspace_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
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

// These tests drive the product as a person's agent does: the go-sdk client, a real token from
// localauth through the code flow, authkit in front of /mcp, and the WorkOS API emulator.

// as connects to the stack as a person of the demo team (by role).
func as(t *testing.T, st *devstack.Stack, role string) *mcp.ClientSession {
	t.Helper()
	email, ok := devstacktest.DemoPeople[role]
	if !ok {
		t.Fatalf("no demo person with role %s", role)
	}
	return mcptest.Connect(t, st.MCPURL(), mcptest.Bearer(devstacktest.AccessToken(t, st, email)), nil)
}

func TestE2EWhoami(t *testing.T) {
	st := devstacktest.Start(t, tokenConfirm)
	m := mcptest.OK(t, as(t, st, "member-sandbox"), "whoami", nil)
	if m["role"].(map[string]any)["slug"] != "member-sandbox" {
		t.Fatalf("whoami = %v", m)
	}
	if u := m["user"].(map[string]any); u["email"] != "member-sandbox@example.com" {
		t.Errorf("user = %v", u)
	}
	access := map[string]any{}
	for _, e := range m["environments"].([]any) {
		e := e.(map[string]any)
		access[e["name"].(string)] = e["access"]
		if e["name"] == "sandbox" && e["default"] != true {
			t.Errorf("sandbox is not the default: %v", e)
		}
	}
	if access["sandbox"] != "write" || access["production"] != "read" {
		t.Errorf("access = %v", access)
	}
	if s := m["settings"].(map[string]any); s["enabled"] != true || s["allow_production"] != true || s["allow_write"] != true {
		t.Errorf("settings = %v", s)
	}
	if p, _ := m["permissions"].([]any); len(p) == 0 {
		t.Errorf("no permissions: %v", m)
	}
	// A path parameter cannot climb to another route: it is refused before anything is sent
	// (issue 9; this used to be sent escaped and answered 404).
	mcptest.Fails(t, as(t, st, "admin"), "query", map[string]any{"operation": "organizations.get", "params": map[string]any{"id": "x/../../user_management/users"}}, `invalid parameters for organizations.get: path parameter "id" contains a slash`)
}

// TestE2ERoles checks, for each default role, what it may list, read and write in sandbox and
// production.
func TestE2ERoles(t *testing.T) {
	st := devstacktest.Start(t, tokenConfirm)
	type access struct{ read, write bool }
	cases := []struct {
		role        string
		sandbox     access
		production  access
		webhooks    bool // outside the users-and-organizations area
		destructive bool // sees destructive operations in list_operations
	}{
		{"admin", access{true, true}, access{true, true}, true, true},
		{"member", access{true, true}, access{true, true}, true, true},
		{"member-sandbox", access{true, true}, access{true, false}, true, true},
		{"support", access{true, true}, access{true, true}, false, true},
		{"support-viewer", access{true, false}, access{true, false}, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.role, func(t *testing.T) {
			cs := as(t, st, tc.role)
			for env, want := range map[string]access{"sandbox": tc.sandbox, "production": tc.production} {
				text, m, isErr := mcptest.Call(t, cs, "query", map[string]any{"operation": "organizations.list", "environment": env})
				if isErr == want.read {
					t.Errorf("read in %s: error=%v %s", env, isErr, text)
				}
				if isErr || len(m["result"].(map[string]any)["data"].([]any)) == 0 {
					t.Fatalf("read in %s: no organizations: %s", env, text)
				}
				// An irreversible operation: a confirmation where the role writes (nothing is
				// deleted by the first call), a refusal without a token elsewhere.
				first := m["result"].(map[string]any)["data"].([]any)[0].(map[string]any)["id"]
				text, m, isErr = mcptest.Call(t, cs, "mutate", map[string]any{"operation": "organizations.delete", "params": map[string]any{"id": first}, "environment": env})
				if want.write != (!isErr && m["status"] == "confirmation_required") || (isErr && strings.Contains(text, "confirmation_token")) {
					t.Errorf("delete in %s: error=%v %.300s", env, isErr, text)
				}
				text, _, isErr = mcptest.Call(t, cs, "mutate", map[string]any{"operation": "organizations.create",
					"params": map[string]any{"name": "E2E " + tc.role + " " + env}, "environment": env})
				if isErr == want.write {
					t.Errorf("write in %s: error=%v %s", env, isErr, text)
				}
			}
			_, _, isErr := mcptest.Call(t, cs, "query", map[string]any{"operation": "webhook_endpoints.list"})
			if isErr == tc.webhooks {
				t.Errorf("webhook_endpoints.list: error=%v", isErr)
			}
			m := mcptest.OK(t, cs, "list_operations", map[string]any{"class": "destructive"})
			if (m["count"].(float64) > 0) != tc.destructive {
				t.Errorf("destructive operations listed: %v", m["count"])
			}
			m = mcptest.OK(t, cs, "list_operations", map[string]any{"words": "webhook"})
			if (m["count"].(float64) > 0) != tc.webhooks {
				t.Errorf("webhook operations listed: %v", m["count"])
			}
		})
	}
}

func TestE2EAdminSettings(t *testing.T) {
	off := false
	t.Run("enabled off", func(t *testing.T) {
		cs := newLocalStack(t, func(c *workspace.Config) { c.Teams[0].Settings.Enabled = &off }).as(t, "admin")
		m := mcptest.OK(t, cs, "whoami", nil)
		if m["settings"].(map[string]any)["enabled"] != false {
			t.Fatalf("whoami: %v", m)
		}
		mcptest.Fails(t, cs, "query", map[string]any{"operation": "organizations.list"}, "disabled")
		mcptest.Fails(t, cs, "list_operations", nil, "disabled")
		mcptest.Fails(t, cs, "describe_organization", map[string]any{"domain": "acme.test"}, "disabled")
	})
	t.Run("production off", func(t *testing.T) {
		cs := newLocalStack(t, func(c *workspace.Config) { c.Teams[0].Settings.AllowProduction = &off }).as(t, "admin")
		mcptest.OK(t, cs, "query", map[string]any{"operation": "organizations.list"})
		mcptest.Fails(t, cs, "query", map[string]any{"operation": "organizations.list", "environment": "production"}, "production")
	})
	t.Run("write off", func(t *testing.T) {
		cs := newLocalStack(t, func(c *workspace.Config) { c.Teams[0].Settings.AllowWrite = &off }).as(t, "admin")
		mcptest.OK(t, cs, "query", map[string]any{"operation": "organizations.list"})
		mcptest.Fails(t, cs, "mutate", map[string]any{"operation": "organizations.create", "params": map[string]any{"name": "No"}}, "read-only")
		m := mcptest.OK(t, cs, "query", map[string]any{"operation": "organizations.list", "params": map[string]any{"search": "No"}})
		for _, o := range m["result"].(map[string]any)["data"].([]any) {
			if o.(map[string]any)["name"] == "No" {
				t.Fatal("an organization was created with writes off")
			}
		}
	})
	t.Run("unknown role", func(t *testing.T) {
		cs := newLocalStack(t, withoutRole("support")).as(t, "support")
		mcptest.OK(t, cs, "whoami", nil)
		mcptest.Fails(t, cs, "query", map[string]any{"operation": "organizations.list"}, "only whoami")
	})
}

// TestE2EConfirmationExpired needs a short TTL, so it runs on a custom stack.
func TestE2EConfirmationExpired(t *testing.T) {
	cs := newLocalStack(t, func(c *workspace.Config) { c.ConfirmationTTL = time.Second }).as(t, "admin")
	orgID := orgByName(t, cs, "sandbox", "Initech")
	args := map[string]any{"operation": "organizations.delete", "params": map[string]any{"id": orgID}}
	m := mcptest.OK(t, cs, "mutate", args)
	args["confirmation_token"] = m["confirmation_token"]
	time.Sleep(2100 * time.Millisecond) // past the token's expiry (whole seconds)
	mcptest.Fails(t, cs, "mutate", args, "expired")
	mcptest.OK(t, cs, "query", map[string]any{"operation": "organizations.get", "params": map[string]any{"id": orgID}})
}

func orgByName(t *testing.T, cs *mcp.ClientSession, env, name string) string {
	t.Helper()
	m := mcptest.OK(t, cs, "query", map[string]any{"operation": "organizations.list", "environment": env, "params": map[string]any{"limit": 100}})
	for _, o := range m["result"].(map[string]any)["data"].([]any) {
		if o := o.(map[string]any); o["name"] == name {
			return o["id"].(string)
		}
	}
	t.Fatalf("no organization %q in %s", name, env)
	return ""
}

func TestE2EConfirmation(t *testing.T) {
	st := devstacktest.Start(t, tokenConfirm)
	admin := as(t, st, "admin")
	initech := orgByName(t, admin, "sandbox", "Initech")
	del := func(id string, extra map[string]any) map[string]any {
		a := map[string]any{"operation": "organizations.delete", "params": map[string]any{"id": id}}
		for k, v := range extra {
			a[k] = v
		}
		return a
	}
	m := mcptest.OK(t, admin, "mutate", del(initech, nil))
	if m["status"] != "confirmation_required" || m["target"] != "Initech" {
		t.Fatalf("first call: %v", m)
	}
	wd := m["would_destroy"].(map[string]any)
	if c := wd["connections"].(map[string]any); c["count"] != float64(1) || c["names"].([]any)[0] != "Initech Google" {
		t.Errorf("would_destroy connections = %v", c)
	}
	if d := wd["domains"].(map[string]any); d["count"] != float64(1) || d["names"].([]any)[0] != "initech.test" {
		t.Errorf("would_destroy domains = %v", d)
	}
	tok := m["confirmation_token"].(string)
	// Still there after the first call.
	mcptest.OK(t, admin, "query", map[string]any{"operation": "organizations.get", "params": map[string]any{"id": initech}})

	// Refusals: nothing is done.
	mcptest.Fails(t, as(t, st, "member"), "mutate", del(initech, map[string]any{"confirmation_token": tok}), "another person")
	mcptest.Fails(t, admin, "mutate", del(initech, map[string]any{"confirmation_token": tok, "environment": "production"}), "environment")
	globex := orgByName(t, admin, "sandbox", "Globex")
	mcptest.Fails(t, admin, "mutate", del(globex, map[string]any{"confirmation_token": tok}), "parameters differ")
	mcptest.Fails(t, admin, "mutate", del(initech, map[string]any{"confirmation_token": tok[:len(tok)-4] + "AAAA"}), "not valid")
	mcptest.OK(t, admin, "query", map[string]any{"operation": "organizations.get", "params": map[string]any{"id": initech}})
	mcptest.OK(t, admin, "query", map[string]any{"operation": "organizations.get", "params": map[string]any{"id": globex}})

	// Happy path, then a replay.
	m = mcptest.OK(t, admin, "mutate", del(initech, map[string]any{"confirmation_token": tok}))
	if m["status"] == "confirmation_required" {
		t.Fatalf("second call: %v", m)
	}
	mcptest.Fails(t, admin, "query", map[string]any{"operation": "organizations.get", "params": map[string]any{"id": initech}}, "404")
	mcptest.Fails(t, admin, "mutate", del(initech, map[string]any{"confirmation_token": tok}), "already used")

	// The target changes between the two calls.
	m = mcptest.OK(t, admin, "mutate", del(globex, nil))
	mcptest.OK(t, admin, "mutate", map[string]any{"operation": "organizations.update", "params": map[string]any{"id": globex, "name": "Globex 2"}})
	mcptest.Fails(t, admin, "mutate", del(globex, map[string]any{"confirmation_token": m["confirmation_token"]}), "target changed")
	mcptest.OK(t, admin, "query", map[string]any{"operation": "organizations.get", "params": map[string]any{"id": globex}})

	// Two concurrent confirmations of one token: exactly one runs.
	m = mcptest.OK(t, admin, "mutate", del(globex, nil))
	args := del(globex, map[string]any{"confirmation_token": m["confirmation_token"]})
	results := make(chan bool, 2)
	for i := 0; i < 2; i++ {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			res, err := admin.CallTool(ctx, &mcp.CallToolParams{Name: "mutate", Arguments: args})
			results <- err == nil && !res.IsError
		}()
	}
	succeeded := 0
	for i := 0; i < 2; i++ {
		if <-results {
			succeeded++
		}
	}
	if succeeded != 1 {
		t.Fatalf("%d of 2 concurrent confirmations ran, want exactly 1", succeeded)
	}
	mcptest.Fails(t, admin, "query", map[string]any{"operation": "organizations.get", "params": map[string]any{"id": globex}}, "404")
}

func TestE2EConfirmationElicitation(t *testing.T) {
	st := devstacktest.Start(t, tokenConfirm)
	var asked string
	typed := func(name string) func(context.Context, *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
		return func(_ context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
			asked = req.Params.Message
			return &mcp.ElicitResult{Action: "accept", Content: map[string]any{"name": name}}, nil
		}
	}
	token := devstacktest.AccessToken(t, st, devstacktest.DemoPeople["admin"])
	initech := orgByName(t, as(t, st, "admin"), "sandbox", "Initech")
	args := map[string]any{"operation": "organizations.delete", "params": map[string]any{"id": initech}}
	mcptest.Fails(t, mcptest.Connect(t, st.MCPURL(), mcptest.Bearer(token), typed("Initech Corp")), "mutate", args, "does not match")
	if !strings.Contains(asked, "Initech") {
		t.Fatalf("elicitation message %q", asked)
	}
	mcptest.OK(t, mcptest.Connect(t, st.MCPURL(), mcptest.Bearer(token), typed("Initech")), "mutate", args)
	mcptest.Fails(t, as(t, st, "admin"), "query", map[string]any{"operation": "organizations.get", "params": map[string]any{"id": initech}}, "404")
}

// TestE2ERedaction calls every read operation the emulator implements, in both environments,
// and asserts that no seeded secret appears anywhere in any tool output.
func TestE2ERedaction(t *testing.T) {
	st := devstacktest.Start(t, tokenConfirm)
	admin := as(t, st, "admin")
	secrets := emulator.DefaultSeed().Secrets()
	if len(secrets) == 0 {
		t.Fatal("the seed lists no secrets")
	}
	check := func(where, text string) {
		t.Helper()
		for _, s := range secrets {
			if s != "" && strings.Contains(text, s) {
				t.Errorf("%s: secret %.6s… appears in the output", where, s)
			}
		}
	}
	var reads []*catalog.Operation
	for _, r := range st.Emulator().Routes() {
		for _, op := range catalog.All() {
			if op.Method == r.Method && op.Path == r.Pattern && op.Class == catalog.Read {
				reads = append(reads, op)
			}
		}
	}
	if len(reads) < 10 {
		t.Fatalf("only %d read operations matched the emulator's routes", len(reads))
	}
	calls, succeeded := 0, 0
	okOps := map[string]map[string]bool{}
	fixtures := map[string]*secretFixture{}
	for env, key := range map[string]string{"sandbox": emulator.DemoSandboxAPIKey, "production": emulator.DemoProductionAPIKey} {
		// Secret-bearing objects the seed lacks (magic-auth codes, password-reset tokens, vault
		// values, client secrets, API keys) are created first, so that their reads return them.
		fx := newSecretFixture(t, st.EmulatorURL(), key, env)
		fixtures[env] = fx
		secrets = append(secrets, fx.secrets...)
		ids := newIDFinder(t, admin, env)
		ids.fx = fx
		okOps[env] = map[string]bool{}
		for _, op := range reads {
			params, ok := ids.params(op)
			if !ok {
				t.Errorf("%s %s: no parameters found, not called", env, op.Name)
				continue
			}
			text, _, isErr := mcptest.Call(t, admin, "query", map[string]any{"operation": op.Name, "params": params, "environment": env})
			calls++
			if !isErr {
				succeeded++
				okOps[env][op.Name] = true
			} else if !(env == "production" && strings.HasPrefix(op.Path, "/director")) {
				// The production seed has no directory; every other read must succeed.
				t.Errorf("%s %s failed, so its redaction is untested: %.300s", env, op.Name, text)
			}
			check(env+" "+op.Name, text)
		}
	}
	// The reads that carry secrets upstream must have run (not failed with a 404), or the
	// check above proves nothing for them.
	for _, env := range []string{"sandbox", "production"} {
		for _, name := range []string{"invitations.list", "invitations.get", "invitations.get_by_token", "webhook_endpoints.list",
			"magic_auth.get", "password_resets.get", "vault_objects.list", "vault_objects.get", "vault_objects.get_by_name",
			"application_client_secrets.list", "organization_api_keys.list", "user_api_keys.list", "users.list", "sessions.list"} {
			if _, inCatalog := catalog.Lookup(name); inCatalog && !okOps[env][name] {
				t.Errorf("%s: %s did not run successfully, so its redaction is untested", env, name)
			}
		}
	}
	// Writes that answer with secrets: the answer is redacted too; the input secret is set.
	text, _, _ := mcptest.Call(t, admin, "mutate", map[string]any{"operation": "webhook_endpoints.create",
		"params": map[string]any{"endpoint_url": "https://hooks.example.test/x", "events": []any{"user.created"}}})
	check("webhook_endpoints.create", text)
	if strings.Contains(text, "whsec_") {
		t.Errorf("webhook secret in output: %s", text)
	}
	// Inputs are not redacted: a secret the person provides is stored as given.
	own := "own-vault-value-" + strings.Repeat("z", 16)
	text, m, isErr := mcptest.Call(t, admin, "mutate", map[string]any{"operation": "vault_objects.create",
		"params": map[string]any{"name": "own-secret", "value": own, "key_context": map[string]any{"organization_id": fixtures["sandbox"].ids["org"]}}})
	if isErr {
		t.Fatalf("vault_objects.create: %s", text)
	}
	check("vault_objects.create", text)
	if strings.Contains(text, own) {
		t.Errorf("the vault value came back: %s", text)
	}
	var stored map[string]any
	direct := workos.New(workos.Options{BaseURL: st.EmulatorURL(), APIKey: emulator.DemoSandboxAPIKey})
	if _, err := direct.Do(context.Background(), "GET", "/vault/v1/kv/"+m["result"].(map[string]any)["id"].(string), nil, nil, &stored); err != nil || stored["value"] != own {
		t.Errorf("the provided secret was not stored as given: %v %v", err, stored["value"])
	}
	// Task tools read secrets-bearing objects too.
	for tool, args := range map[string]map[string]any{
		"describe_organization": {"domain": "acme.test"},
		"debug_sign_in":         {"email": "alice@acme.test"},
		"audit_configuration":   nil,
	} {
		text, _, _ := mcptest.Call(t, admin, tool, args)
		check(tool, text)
	}
	t.Logf("%d read calls over %d operations, %d succeeded", calls, len(reads), succeeded)
	if calls < 2*len(reads) {
		t.Errorf("%d read calls for %d operations in two environments: some were not called", calls, len(reads))
	}
}

// idFinder fills path parameters with IDs read from the list operations above them.
type idFinder struct {
	t   *testing.T
	cs  *mcp.ClientSession
	env string
	fx  *secretFixture
	// cache of list path (concrete) -> first item
	firsts map[string]map[string]any
}

func newIDFinder(t *testing.T, cs *mcp.ClientSession, env string) *idFinder {
	return &idFinder{t: t, cs: cs, env: env, firsts: map[string]map[string]any{}}
}

// params builds the required parameters of op; false if a path parameter found no value.
func (f *idFinder) params(op *catalog.Operation) (map[string]any, bool) {
	params := map[string]any{}
	segs := strings.Split(strings.Trim(op.Path, "/"), "/")
	tmpl, concrete := "", ""
	for _, seg := range segs {
		if strings.HasPrefix(seg, "{") {
			name := strings.Trim(seg, "{}")
			v := f.known(name, tmpl)
			if v == "" {
				v = pickID(f.first(tmpl, concrete, params), name)
			}
			if v == "" {
				v = "missing_" + name
			}
			params[name] = v
			tmpl += "/" + seg
			concrete += "/" + v
			continue
		}
		tmpl += "/" + seg
		concrete += "/" + seg
	}
	// Required non-path parameters: fill from what we know.
	for _, r := range op.Required {
		if _, ok := params[r]; ok {
			continue
		}
		if v := f.known(r, ""); v != "" {
			params[r] = v
			continue
		}
		return nil, false
	}
	// Lists that need one filter of several.
	switch op.Path {
	case "/directory_users", "/directory_groups":
		if v := f.known("directory", ""); v != "" {
			params["directory"] = v
		}
	case "/authorization/organization_memberships/{organization_membership_id}/check":
		params["resource_id"] = f.fx.lookup("resource_id", "")
	case "/agents/credentials/validate":
		params["type"] = "api_key"
		for _, s := range emulator.DefaultSeed().Secrets() {
			if strings.HasPrefix(s, "agent_key_"+f.env) {
				params["credential"] = s
			}
		}
	case "/user_management/organization_memberships", "/user_management/invitations", "/connections", "/directories", "/authorization/resources":
		params["organization_id"] = f.known("organization_id", "")
	}
	return params, true
}

// known resolves parameters by name from the seeded data: the first organization (in list
// order), its directory, the environment's invitation token, an audit-log export.
func (f *idFinder) known(name, tmpl string) string {
	if v := f.fx.lookup(name, tmpl); v != "" {
		return v
	}
	org := f.first("/organizations", "/organizations", nil)
	switch {
	case name == "organizationId" || name == "organization_id" || (name == "id" && tmpl == "/organizations"):
		if org != nil {
			return org["id"].(string)
		}
	case name == "clientId" && tmpl == "/sso/jwks": // the environment's own client ID
		return map[string]string{"sandbox": emulator.DemoSandboxClientID, "production": emulator.DemoProductionClientID}[f.env]
	case name == "external_id" && tmpl == "/organizations/external_id":
		for _, o := range f.all("/organizations") {
			if e, _ := o["external_id"].(string); e != "" {
				return e
			}
		}
	case name == "external_id" && tmpl == "/user_management/users/external_id":
		for _, u := range f.all("/user_management/users") {
			if e, _ := u["external_id"].(string); e != "" {
				return e
			}
		}
	case name == "id" && (tmpl == "/directory_users" || tmpl == "/directory_groups"):
		if d := f.known("directory", ""); d != "" {
			if items := f.all(tmpl, "directory", d); len(items) > 0 {
				return items[0]["id"].(string)
			}
		}
	case name == "id" && tmpl == "/user_management/organization_memberships":
		if items := f.all(tmpl, "organization_id", f.known("organization_id", "")); len(items) > 0 {
			return items[0]["id"].(string)
		}
	case name == "id" && tmpl == "/organization_domains":
		if org != nil {
			if ds, _ := org["domains"].([]any); len(ds) > 0 {
				return ds[0].(map[string]any)["id"].(string)
			}
		}
	case name == "directory":
		if d := f.first("/directories", "/directories", nil); d != nil {
			return d["id"].(string)
		}
	case name == "token":
		// The invitation token is a secret: looking an invitation up by it must not echo it.
		for _, s := range emulator.DefaultSeed().Secrets() {
			if strings.HasPrefix(s, "inv_tok_"+f.env) {
				return s
			}
		}
	case name == "auditLogExportId":
		if org == nil {
			return ""
		}
		_, m, isErr := mcptest.Call(f.t, f.cs, "query", map[string]any{"operation": "audit_log_exports.create", "environment": f.env,
			"params": map[string]any{"organization_id": org["id"], "range_start": "2020-01-01T00:00:00Z", "range_end": "2030-01-01T00:00:00Z"}})
		if !isErr {
			id, _ := m["result"].(map[string]any)["id"].(string)
			return id
		}
	}
	return ""
}

func (f *idFinder) all(path string, filter ...string) []map[string]any {
	var out []map[string]any
	params := map[string]any{"limit": 100}
	for i := 0; i+1 < len(filter); i += 2 {
		params[filter[i]] = filter[i+1]
	}
	for _, op := range catalog.All() {
		if op.Method == "GET" && op.Path == path {
			_, m, isErr := mcptest.Call(f.t, f.cs, "query", map[string]any{"operation": op.Name, "environment": f.env, "params": params})
			if isErr {
				return nil
			}
			for _, d := range m["result"].(map[string]any)["data"].([]any) {
				out = append(out, d.(map[string]any))
			}
		}
	}
	return out
}

func (f *idFinder) first(tmpl, concrete string, known map[string]any) map[string]any {
	if item, ok := f.firsts[concrete]; ok {
		return item
	}
	var item map[string]any
	for _, op := range catalog.All() {
		if op.Method != "GET" || op.Path != tmpl || op.Class != catalog.Read {
			continue
		}
		params := map[string]any{}
		for k, v := range known {
			if _, ok := op.In[k]; ok {
				params[k] = v
			}
		}
		_, m, isErr := mcptest.Call(f.t, f.cs, "query", map[string]any{"operation": op.Name, "params": params, "environment": f.env})
		if isErr {
			break
		}
		res, _ := m["result"].(map[string]any)
		if data, ok := res["data"].([]any); ok && len(data) > 0 {
			item, _ = data[0].(map[string]any)
		}
	}
	f.firsts[concrete] = item
	return item
}

func pickID(item map[string]any, param string) string {
	if item == nil {
		return ""
	}
	lower := strings.ToLower(param)
	for _, k := range []string{"slug", "external_id", "name"} {
		if strings.Contains(lower, strings.ReplaceAll(k, "_", "")) || strings.Contains(lower, k) {
			if v, ok := item[k].(string); ok && v != "" {
				return v
			}
		}
	}
	v, _ := item["id"].(string)
	return v
}

func TestE2ETaskTools(t *testing.T) {
	st := devstacktest.Start(t, tokenConfirm)
	admin := as(t, st, "admin")

	t.Run("describe_organization", func(t *testing.T) {
		m := mcptest.OK(t, admin, "describe_organization", map[string]any{"domain": "acme.test"})
		if testing.Verbose() {
			t.Logf("%v", m)
		}
		if m["organization"].(map[string]any)["name"] != "Acme Corp" {
			t.Fatalf("organization = %v", m["organization"])
		}
		states := map[string]any{}
		for _, d := range m["domains"].([]any) {
			d := d.(map[string]any)
			states[d["domain"].(string)] = d["state"]
		}
		if states["acme.test"] != "verified" || states["acme-corp.test"] != "pending" {
			t.Errorf("domains = %v", m["domains"])
		}
		conns := m["connections"].([]any)
		if len(conns) != 1 || conns[0].(map[string]any)["name"] != "Acme Okta" || conns[0].(map[string]any)["state"] != "active" {
			t.Errorf("connections = %v", conns)
		}
		dirs := m["directories"].([]any)
		if len(dirs) != 1 || dirs[0].(map[string]any)["name"] != "Acme Okta SCIM" {
			t.Errorf("directories = %v", dirs)
		}
		if m["member_count"].(float64) < 3 {
			t.Errorf("member_count = %v", m["member_count"])
		}
		inv := m["pending_invitations"].([]any)
		if len(inv) != 1 || inv[0].(map[string]any)["email"] != "grace@acme.test" {
			t.Errorf("pending_invitations = %v", inv)
		}
		// The same organization by external ID, and in production by domain.
		m = mcptest.OK(t, admin, "describe_organization", map[string]any{"external_id": "acme"})
		if m["organization"].(map[string]any)["name"] != "Acme Corp" {
			t.Errorf("by external_id: %v", m["organization"])
		}
		m = mcptest.OK(t, admin, "describe_organization", map[string]any{"domain": "contoso.test", "environment": "production"})
		if m["organization"].(map[string]any)["name"] != "Contoso" {
			t.Errorf("production: %v", m["organization"])
		}
		// A support role reads organizations and people, not SSO connections: those parts say so.
		m = mcptest.OK(t, as(t, st, "support-viewer"), "describe_organization", map[string]any{"domain": "acme.test"})
		un, _ := m["unavailable"].(map[string]any)
		if m["organization"].(map[string]any)["name"] != "Acme Corp" || un["connections"] == nil || un["directories"] == nil || m["member_count"] == nil {
			t.Errorf("support-viewer answer = %v", m)
		}
		mcptest.Fails(t, admin, "describe_organization", map[string]any{"domain": "acme.test", "external_id": "acme"}, "exactly one")
		mcptest.Fails(t, admin, "describe_organization", map[string]any{"domain": "nobody.test"}, "no organization")
	})

	t.Run("debug_sign_in", func(t *testing.T) {
		m := mcptest.OK(t, admin, "debug_sign_in", map[string]any{"email": "alice@acme.test"})
		if testing.Verbose() {
			t.Logf("%v", m)
		}
		if m["user"].(map[string]any)["email"] != "alice@acme.test" {
			t.Fatalf("user = %v", m["user"])
		}
		if ms := m["memberships"].([]any); len(ms) != 1 || ms[0].(map[string]any)["status"] != "active" {
			t.Errorf("memberships = %v", ms)
		}
		if ss := m["recent_sessions"].([]any); len(ss) == 0 {
			t.Errorf("no recent sessions")
		}
		if c, _ := m["connection"].(map[string]any); c == nil || c["name"] != "Acme Okta" {
			t.Errorf("connection = %v", m["connection"])
		}
		// A password sign-in shows up among the user's authentication events.
		api := workos.New(workos.Options{BaseURL: st.EmulatorURL(), APIKey: emulator.DemoSandboxAPIKey})
		if _, err := api.Do(context.Background(), "POST", "/user_management/authenticate", nil, map[string]any{
			"grant_type": "password", "client_id": emulator.DemoSandboxClientID, "client_secret": emulator.DemoSandboxAPIKey,
			"email": "alice@acme.test", "password": emulator.DemoPassword,
		}, nil); err != nil {
			t.Fatalf("sign in: %v", err)
		}
		m = mcptest.OK(t, admin, "debug_sign_in", map[string]any{"user_id": m["user"].(map[string]any)["id"]})
		evs, _ := json.Marshal(m["authentication_events"])
		if !strings.Contains(string(evs), "authentication.password_succeeded") {
			t.Errorf("authentication_events = %s", evs)
		}
		m = mcptest.OK(t, admin, "debug_sign_in", map[string]any{"email": "nobody@acme.test"})
		if f := m["findings"].([]any); len(f) != 1 || f[0].(map[string]any)["code"] != "user_not_found" {
			t.Errorf("unknown user findings = %v", f)
		}
	})

	t.Run("audit_configuration", func(t *testing.T) {
		m := mcptest.OK(t, admin, "audit_configuration", nil)
		if testing.Verbose() {
			t.Logf("%v", m)
		}
		text, _ := json.Marshal(m["findings"])
		for _, want := range []string{"acme-corp.test", "initech.test", "Globex Entra ID", "domain_not_verified", "connection_not_active"} {
			if !strings.Contains(string(text), want) {
				t.Errorf("findings lack %q: %s", want, text)
			}
		}
		if c := m["counts"].(map[string]any); c["organizations"].(float64) < 3 || c["connections"].(float64) != 3 {
			t.Errorf("counts = %v", c)
		}
	})

	t.Run("audit_logs", func(t *testing.T) {
		acme := orgByName(t, admin, "sandbox", "Acme Corp")
		m := mcptest.OK(t, admin, "audit_logs", map[string]any{"organization_id": acme, "range_start": "2026-01-01T00:00:00Z", "range_end": "2026-02-01T00:00:00Z"})
		if testing.Verbose() {
			t.Logf("%v", m)
		}
		text, _ := json.Marshal(m["events"])
		if !strings.Contains(string(text), "user.signed_in") || !strings.Contains(string(text), "document.updated") {
			t.Errorf("events = %s (answer %v)", text, m)
		}
		m = mcptest.OK(t, admin, "audit_logs", map[string]any{"organization_id": acme, "range_start": "2026-01-01T00:00:00Z", "range_end": "2026-02-01T00:00:00Z", "actions": []any{"user.signed_in"}})
		text, _ = json.Marshal(m["events"])
		if !strings.Contains(string(text), "user.signed_in") || strings.Contains(string(text), "document.updated") {
			t.Errorf("filtered events = %s", text)
		}
		mcptest.Fails(t, admin, "audit_logs", map[string]any{"organization_id": acme, "range_start": "yesterday"}, "RFC 3339")
	})

	t.Run("onboard_customer", func(t *testing.T) {
		m := mcptest.OK(t, admin, "onboard_customer", map[string]any{"name": "Umbrella", "domains": []any{"umbrella.test"}, "admin_email": "it@umbrella.test", "portal_intent": "sso"})
		if testing.Verbose() {
			t.Logf("%v", m)
		}
		org := m["organization"].(map[string]any)
		if org["name"] != "Umbrella" || m["unavailable"] != nil {
			t.Fatalf("answer = %v", m)
		}
		if inv := m["invitation"].(map[string]any); inv["email"] != "it@umbrella.test" {
			t.Errorf("invitation = %v", inv)
		}
		if link, _ := m["admin_portal_link"].(string); !strings.HasPrefix(link, "http") {
			t.Errorf("admin_portal_link = %v", m["admin_portal_link"])
		}
		d := mcptest.OK(t, admin, "describe_organization", map[string]any{"domain": "umbrella.test"})
		if inv := d["pending_invitations"].([]any); len(inv) != 1 {
			t.Errorf("the invitation is not pending: %v", d)
		}
		// Read-only roles cannot onboard, and nothing is created.
		mcptest.Fails(t, as(t, st, "support-viewer"), "onboard_customer", map[string]any{"name": "Nope", "admin_email": "a@nope.test"}, "read-only")
		mcptest.Fails(t, as(t, st, "member-sandbox"), "onboard_customer", map[string]any{"name": "Nope", "admin_email": "a@nope.test", "environment": "production"}, "read-only")
	})
}

// TestE2ERecord checks that an operation leaves a log line and an audit-log event in the team's
// own WorkOS environment, and that no secret reaches the log.
func TestE2ERecord(t *testing.T) {
	var logs logtest.Buffer
	var apiURL string
	stack := newLocalStack(t, func(c *workspace.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
		apiURL = c.Teams[0].SignIn.BaseURL
	})
	cs := stack.as(t, "admin")
	adminID := mcptest.OK(t, cs, "whoami", nil)["user"].(map[string]any)["id"].(string)
	viewer := stack.as(t, "support-viewer")
	viewerID := mcptest.OK(t, viewer, "whoami", nil)["user"].(map[string]any)["id"].(string)
	mcptest.OK(t, cs, "query", map[string]any{"operation": "organizations.list"})
	mcptest.Fails(t, cs, "mutate", map[string]any{"operation": "organizations.create", "params": map[string]any{"name": "x"}, "environment": "staging"}, "unknown environment")
	mcptest.OK(t, cs, "query", map[string]any{"operation": "webhook_endpoints.list", "environment": "production"})
	// Denied, confirmation required, refused, then run: each outcome is recorded.
	mcptest.Fails(t, viewer, "mutate", map[string]any{"operation": "organizations.create", "params": map[string]any{"name": "x"}}, "read-only")
	del := map[string]any{"operation": "organizations.delete", "params": map[string]any{"id": orgByName(t, cs, "sandbox", "Initech")}}
	tok := mcptest.OK(t, cs, "mutate", del)["confirmation_token"].(string)
	del["confirmation_token"] = tok[:len(tok)-4] + "AAAA"
	mcptest.Fails(t, cs, "mutate", del, "not valid")
	del["confirmation_token"] = tok
	mcptest.OK(t, cs, "mutate", del)
	// Invalid parameters are recorded too, naming the rule, never the values.
	mcptest.Fails(t, cs, "query", map[string]any{"operation": "organizations.list",
		"params": map[string]any{"limit": 987654, "order": "hunter2-not-an-order"}}, "invalid parameters")

	rec := logLine(t, logs.String(), `"operation":"organizations.list","class":"read","outcome":"ok"`)
	for k, want := range map[string]any{"user": adminID, "team": emulator.DemoTeamOrganizationID, "environment": "sandbox", "outcome": "ok"} {
		if rec[k] != want {
			t.Errorf("log %s = %v, want %v", k, rec[k], want)
		}
	}
	if id, _ := rec["workos_request_id"].(string); id == "" {
		t.Errorf("log line has no WorkOS request ID: %v", rec)
	}
	if strings.Contains(logs.String(), "audit event not written") {
		t.Errorf("an audit event failed: %s", logs.String())
	}
	for _, s := range emulator.DefaultSeed().Secrets() {
		if strings.Contains(logs.String(), s) {
			t.Errorf("secret %.6s… in the logs", s)
		}
	}

	invalid := logLine(t, logs.String(), `"outcome":"invalid"`)
	for k, want := range map[string]any{"user": adminID, "team": emulator.DemoTeamOrganizationID, "environment": "sandbox",
		"tool": "query", "operation": "organizations.list", "reason": "invalid parameters"} {
		if invalid[k] != want {
			t.Errorf("invalid-parameters log %s = %v, want %v", k, invalid[k], want)
		}
	}
	if e, _ := invalid["error"].(string); !strings.Contains(e, "/limit") || !strings.Contains(e, "/order") {
		t.Errorf("invalid-parameters log does not name the parameters: %v", invalid)
	}

	// The events are in the team's audit log (reads and refusals are sent in the background).
	if err := stack.ws.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	csv := teamAuditCSV(t, apiURL)
	has := func(parts ...string) bool { return csvHas(csv, parts...) }
	for _, v := range []string{"987654", "987,654", "hunter2"} {
		if strings.Contains(logs.String(), v) || strings.Contains(csv, v) {
			t.Errorf("parameter value %q recorded", v)
		}
	}
	outcome := func(o string) string { return `""outcome"":""` + o + `""` }
	for _, want := range [][]string{
		{"workos_mcp.organizations.list", adminID, "environment:sandbox", outcome("invalid"), `""reason"":""invalid parameters""`},
		{"workos_mcp.organizations.list", adminID, "environment:sandbox", outcome("ok"), `""workos_request_id"":""req_`},
		{"workos_mcp.webhook_endpoints.list", adminID, "environment:production", outcome("ok")},
		{"workos_mcp.organizations.create", viewerID, outcome("denied")},
		{"workos_mcp.organizations.delete", adminID, outcome("confirmation_required")},
		{"workos_mcp.organizations.delete", adminID, outcome("refused")},
		{"workos_mcp.organizations.delete", adminID, outcome("ok"), `""workos_request_id"":""req_`},
	} {
		if !has(want...) {
			t.Errorf("team audit log has no event with %q:\n%s", want, csv)
		}
	}
	for _, o := range []string{"denied", "confirmation_required", "refused", "invalid"} {
		if !strings.Contains(logs.String(), `"outcome":"`+o+`"`) {
			t.Errorf("no log line with outcome %s", o)
		}
	}

	// A team whose admin turned MCP access off: the refusal comes before any operation is
	// chosen, and is recorded all the same.
	t.Run("disabled team", func(t *testing.T) {
		var logs logtest.Buffer
		var apiURL string
		off := false
		stack := newLocalStack(t, func(c *workspace.Config) {
			c.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
			c.Teams[0].Settings.Enabled = &off
			apiURL = c.Teams[0].SignIn.BaseURL
		})
		cs := stack.as(t, "admin")
		adminID := mcptest.OK(t, cs, "whoami", nil)["user"].(map[string]any)["id"].(string)
		mcptest.Fails(t, cs, "query", map[string]any{"operation": "organizations.list"}, "MCP access is disabled")
		rec := logLine(t, logs.String(), `"outcome":"denied"`)
		for k, want := range map[string]any{"user": adminID, "team": emulator.DemoTeamOrganizationID, "tool": "query",
			"role": "admin", "reason": workspace.ErrDisabled.Error()} {
			if rec[k] != want {
				t.Errorf("disabled-team log %s = %v, want %v", k, rec[k], want)
			}
		}
		if _, ok := rec["operation"]; ok {
			t.Errorf("disabled-team log names an operation, but none was chosen: %v", rec)
		}
		if err := stack.ws.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		csv := teamAuditCSV(t, apiURL)
		if !csvHas(csv, "workos_mcp.query", adminID, "team:"+emulator.DemoTeamOrganizationID, `""outcome"":""denied""`,
			`""reason"":""`+workspace.ErrDisabled.Error()+`""`) {
			t.Errorf("team audit log has no event for the disabled-team refusal:\n%s", csv)
		}
	})
}

// logLine returns the last JSON log line that contains substr.
func logLine(t *testing.T, logs, substr string) map[string]any {
	t.Helper()
	line := ""
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, substr) {
			line = l
		}
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(line), &rec); err != nil {
		t.Fatalf("no log line with %s: %v\n%s", substr, err, logs)
	}
	return rec
}

// teamAuditCSV exports the demo team's own audit log (the last hour and the next) as CSV.
func teamAuditCSV(t *testing.T, apiURL string) string {
	t.Helper()
	team := workos.New(workos.Options{BaseURL: apiURL, APIKey: emulator.DemoTeamAPIKey})
	var export struct{ URL string }
	now := time.Now().UTC()
	if _, err := team.Do(context.Background(), "POST", "/audit_logs/exports", nil, map[string]any{
		"organization_id": emulator.DemoTeamOrganizationID,
		"range_start":     now.Add(-time.Hour).Format(time.RFC3339), "range_end": now.Add(time.Hour).Format(time.RFC3339),
	}, &export); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(export.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	csv, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(csv)
}

// csvHas reports whether one row of the export contains every part.
func csvHas(csv string, parts ...string) bool {
	for _, r := range strings.Split(csv, "\n") {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(r, p)
		}
		if all {
			return true
		}
	}
	return false
}

// TestE2EConfirmationOtherTargets: irreversible operations on other kinds of targets, including
// a POST action (revoke) and one with no readable target.
func TestE2EConfirmationOtherTargets(t *testing.T) {
	st := devstacktest.Start(t, tokenConfirm)
	admin := as(t, st, "admin")
	confirm := func(args map[string]any) map[string]any {
		t.Helper()
		m := mcptest.OK(t, admin, "mutate", args)
		if m["status"] != "confirmation_required" {
			t.Fatalf("%v: first call %v", args["operation"], m)
		}
		args["confirmation_token"] = m["confirmation_token"]
		mcptest.OK(t, admin, "mutate", args)
		return m
	}
	acme := orgByName(t, admin, "sandbox", "Acme Corp")
	inv := mcptest.OK(t, admin, "query", map[string]any{"operation": "invitations.list", "params": map[string]any{"organization_id": acme}})
	invID := inv["result"].(map[string]any)["data"].([]any)[0].(map[string]any)["id"]
	m := confirm(map[string]any{"operation": "invitations.revoke", "params": map[string]any{"id": invID}})
	if m["target"] != "grace@acme.test" {
		t.Errorf("revoke target = %v", m["target"])
	}
	got := mcptest.OK(t, admin, "query", map[string]any{"operation": "invitations.get", "params": map[string]any{"id": invID}})
	if state := got["result"].(map[string]any)["state"]; state != "revoked" {
		t.Errorf("invitation state after revoke = %v", state)
	}

	conns := mcptest.OK(t, admin, "query", map[string]any{"operation": "connections.list", "params": map[string]any{"organization_id": acme}})
	connID := conns["result"].(map[string]any)["data"].([]any)[0].(map[string]any)["id"]
	m = confirm(map[string]any{"operation": "connections.delete", "params": map[string]any{"id": connID}})
	if m["target"] != "Acme Okta" {
		t.Errorf("connection target = %v", m["target"])
	}
	mcptest.Fails(t, admin, "query", map[string]any{"operation": "connections.get", "params": map[string]any{"id": connID}}, "404")

	users := mcptest.OK(t, admin, "query", map[string]any{"operation": "users.list", "params": map[string]any{"email": "bob@acme.test"}})
	bob := users["result"].(map[string]any)["data"].([]any)[0].(map[string]any)["id"].(string)
	m = confirm(map[string]any{"operation": "users.delete", "params": map[string]any{"id": bob}})
	if wd := m["would_destroy"].(map[string]any); wd["memberships"].(map[string]any)["count"] != float64(1) {
		t.Errorf("user would_destroy = %v", wd)
	}
}

// TestE2EUpstreamFailures: WorkOS failing is a tool error the agent can read, never a protocol
// error, and a destructive call whose target cannot be read does nothing.
func TestE2EUpstreamFailures(t *testing.T) {
	st := devstacktest.Start(t, tokenConfirm)
	admin := as(t, st, "admin")
	remove := st.Emulator().InjectFault(emulator.Fault{Method: "GET", Path: "/organizations", Status: 500})
	mcptest.Fails(t, admin, "query", map[string]any{"operation": "organizations.list"}, "WorkOS answered 500")
	mcptest.Fails(t, admin, "audit_configuration", nil, "500")
	remove()
	mcptest.OK(t, admin, "query", map[string]any{"operation": "organizations.list"})

	remove = st.Emulator().InjectFault(emulator.Fault{Method: "GET", Path: "/organizations", Status: 429, RetryAfter: 30 * time.Second})
	mcptest.Fails(t, admin, "query", map[string]any{"operation": "organizations.list"}, "429")
	remove()

	globex := orgByName(t, admin, "sandbox", "Globex")
	remove = st.Emulator().InjectFault(emulator.Fault{Method: "GET", Path: "/organizations/{id}", Status: 503})
	mcptest.Fails(t, admin, "mutate", map[string]any{"operation": "organizations.delete", "params": map[string]any{"id": globex}}, "503")
	remove()
	mcptest.OK(t, admin, "query", map[string]any{"operation": "organizations.get", "params": map[string]any{"id": globex}})

	// A create applied upstream whose answer is lost: not retried, and the agent is told to check.
	remove = st.Emulator().InjectFault(emulator.Fault{Method: "POST", Path: "/organizations", Status: 503, AfterApply: true, Times: 1})
	mcptest.Fails(t, admin, "mutate", map[string]any{"operation": "organizations.create", "params": map[string]any{"name": "Lost Answer Co"}}, "check the current state with a read before retrying")
	remove()
	orgByName(t, admin, "sandbox", "Lost Answer Co") // created exactly where the agent is told to look
}

// secretFixture creates, directly in one emulated environment (test setup, not the code under
// test), the secret-bearing objects that the seed lacks, and remembers their IDs and the raw
// secret values.
type secretFixture struct {
	ids     map[string]string
	secrets []string
}

func newSecretFixture(t *testing.T, baseURL, apiKey, env string) *secretFixture {
	t.Helper()
	ctx := context.Background()
	c := workos.New(workos.Options{BaseURL: baseURL, APIKey: apiKey, MaxRetries: -1})
	fx := &secretFixture{ids: map[string]string{}}
	do := func(method, path string, body any) map[string]any {
		t.Helper()
		var out map[string]any
		if _, err := c.Do(ctx, method, path, nil, body, &out); err != nil {
			t.Fatalf("fixture %s %s: %v", method, path, err)
		}
		return out
	}
	keep := func(v any) {
		if s, _ := v.(string); len(s) >= 6 {
			fx.secrets = append(fx.secrets, s)
		}
	}
	// An organization with a member: the member's user carries the rest.
	orgs := do("GET", "/organizations?limit=100", nil)["data"].([]any)
	for _, o := range orgs {
		id := o.(map[string]any)["id"].(string)
		ms := do("GET", "/user_management/organization_memberships?limit=10&organization_id="+id, nil)["data"].([]any)
		if len(ms) > 0 {
			fx.ids["org"] = id
			fx.ids["membership"] = ms[0].(map[string]any)["id"].(string)
			fx.ids["user"] = ms[0].(map[string]any)["user_id"].(string)
			break
		}
	}
	if fx.ids["org"] == "" {
		t.Fatalf("%s: no organization with a member", env)
	}
	for _, o := range orgs {
		if ds, _ := o.(map[string]any)["domains"].([]any); len(ds) > 0 && fx.ids["domain"] == "" {
			fx.ids["domain"] = ds[0].(map[string]any)["id"].(string)
		}
	}
	email := do("GET", "/user_management/users/"+fx.ids["user"], nil)["email"].(string)
	fx.ids["user_external_id"] = "redaction-" + env
	do("PUT", "/user_management/users/"+fx.ids["user"], map[string]any{"external_id": fx.ids["user_external_id"]})

	m := do("POST", "/user_management/magic_auth", map[string]any{"email": email})
	fx.ids["magic_auth"] = m["id"].(string)
	keep(m["code"])
	r := do("POST", "/user_management/password_reset", map[string]any{"email": email})
	fx.ids["password_reset"] = r["id"].(string)
	keep(r["password_reset_token"])

	fx.ids["vault_name"] = "redaction-" + env
	value := "vault-value-" + env + "-" + strings.Repeat("q", 12)
	v := do("POST", "/vault/v1/kv", map[string]any{"name": fx.ids["vault_name"], "value": value, "key_context": map[string]any{"organization_id": fx.ids["org"]}})
	fx.ids["vault"] = v["id"].(string)
	fx.secrets = append(fx.secrets, value)

	app := do("POST", "/connect/applications", map[string]any{"name": "Redaction", "application_type": "oauth", "is_first_party": true,
		"redirect_uris": []map[string]any{{"uri": "https://app.test/cb", "default": true}}})
	fx.ids["application"] = app["id"].(string)
	keep(do("POST", "/connect/applications/"+fx.ids["application"]+"/client_secrets", map[string]any{})["secret"])
	keep(do("POST", "/organizations/"+fx.ids["org"]+"/api_keys", map[string]any{"name": "Redaction"})["value"])
	keep(do("POST", "/user_management/users/"+fx.ids["user"]+"/api_keys", map[string]any{"name": "Redaction", "organization_id": fx.ids["org"]})["value"])
	fx.ids["group"] = do("POST", "/organizations/"+fx.ids["org"]+"/groups", map[string]any{"name": "Redaction"})["id"].(string)
	do("PUT", "/user_management/jwt_template", map[string]any{"content": `{"urn:app:email": "{{user.email}}"}`})
	fx.ids["resource_type"], fx.ids["resource_external_id"] = "workspace", "redaction-ws"
	fx.ids["resource"] = do("POST", "/authorization/resources", map[string]any{"external_id": fx.ids["resource_external_id"], "name": "Redaction",
		"resource_type_slug": fx.ids["resource_type"], "organization_id": fx.ids["org"]})["id"].(string)
	fx.ids["api_key_value"] = fx.secrets[len(fx.secrets)-2] // the organization API key: api_keys.validate takes it
	// A role of the group on the resource, an MFA factor, an email verification, a connected account.
	role := do("GET", "/authorization/roles", nil)["data"].([]any)[0].(map[string]any)["slug"].(string)
	fx.ids["group_role_assignment"] = do("POST", "/authorization/groups/"+fx.ids["group"]+"/role_assignments",
		map[string]any{"role_slug": role, "resource_id": fx.ids["resource"]})["id"].(string)
	factor := do("POST", "/auth/factors/enroll", map[string]any{"type": "totp", "totp_issuer": "Redaction", "totp_user": email, "user_id": fx.ids["user"]})
	fx.ids["auth_factor"] = factor["id"].(string)
	keep(factor["totp"].(map[string]any)["secret"])
	unverified := do("POST", "/user_management/users", map[string]any{"email": "unverified-" + env + "@redaction.test", "email_verified": false})
	do("POST", "/user_management/users/"+unverified["id"].(string)+"/email_verification/send", nil)
	newest := func(event, field string) string {
		evs := do("GET", "/events?limit=1&events="+event, nil)["data"].([]any)
		if len(evs) == 0 {
			t.Fatalf("%s: no %s event", env, event)
		}
		return evs[0].(map[string]any)["data"].(map[string]any)[field].(string)
	}
	fx.ids["email_verification"] = newest("email_verification.created", "id")
	fx.ids["radar_challenge"] = newest("radar.challenge_created", "radar_challenge_id") // seeded
	fx.ids["agent_registration"] = newest("agent.registration.created", "id")           // seeded
	for _, d := range do("GET", "/data-integrations", nil)["data"].([]any) {
		if d := d.(map[string]any); len(d["auth_methods"].([]any)) == 1 && d["auth_methods"].([]any)[0] == "oauth" {
			fx.ids["integration_slug"] = d["slug"].(string)
		}
	}
	pipesToken := "pipes-token-" + env + "-" + strings.Repeat("p", 12)
	do("POST", "/user_management/users/"+fx.ids["user"]+"/connected_accounts/"+fx.ids["integration_slug"], map[string]any{"access_token": pipesToken})
	fx.secrets = append(fx.secrets, pipesToken)
	if len(fx.secrets) < 6 {
		t.Fatalf("%s: the fixture captured %d secrets, want 6", env, len(fx.secrets))
	}
	// Not vacuous: the upstream answers of these reads do carry secrets, which the server must
	// remove.
	for _, path := range []string{"/user_management/magic_auth/" + fx.ids["magic_auth"], "/vault/v1/kv/" + fx.ids["vault"], "/user_management/invitations?limit=100"} {
		var raw json.RawMessage
		if _, err := c.Do(ctx, "GET", path, nil, nil, &raw); err != nil {
			t.Fatalf("fixture GET %s: %v", path, err)
		}
		found := false
		for _, sec := range append(emulator.DefaultSeed().Secrets(), fx.secrets...) {
			found = found || strings.Contains(string(raw), sec)
		}
		if !found {
			t.Fatalf("%s: GET %s carries no secret upstream: the redaction test would be vacuous", env, path)
		}
	}
	return fx
}

// lookup fills a path or required parameter from the fixture.
func (fx *secretFixture) lookup(name, tmpl string) string {
	if fx == nil {
		return ""
	}
	switch {
	case name == "organization_id" || name == "organizationId" || (name == "id" && tmpl == "/organizations"):
		return fx.ids["org"]
	case name == "organization_membership_id" || name == "omId" || (name == "id" && tmpl == "/user_management/organization_memberships"):
		return fx.ids["membership"]
	case name == "userId" || name == "user_id" || (name == "id" && tmpl == "/user_management/users"):
		return fx.ids["user"]
	case name == "external_id" && tmpl == "/user_management/users/external_id":
		return fx.ids["user_external_id"]
	case name == "groupId" || name == "group_id":
		return fx.ids["group"]
	case name == "role_assignment_id" && strings.HasPrefix(tmpl, "/authorization/groups/"):
		return fx.ids["group_role_assignment"]
	case name == "id" && tmpl == "/auth/factors":
		return fx.ids["auth_factor"]
	case name == "id" && tmpl == "/user_management/email_verification":
		return fx.ids["email_verification"]
	case name == "id" && tmpl == "/user_management/radar_challenges":
		return fx.ids["radar_challenge"]
	case name == "id" && tmpl == "/agents/registrations":
		return fx.ids["agent_registration"]
	case name == "slug" && strings.HasSuffix(tmpl, "/connected_accounts"):
		return fx.ids["integration_slug"]
	case name == "resource_id":
		return fx.ids["resource"]
	case name == "resource_type_slug":
		return fx.ids["resource_type"]
	case name == "external_id" && strings.HasPrefix(tmpl, "/authorization/"):
		return fx.ids["resource_external_id"]
	case name == "value" && tmpl == "":
		return fx.ids["api_key_value"]
	case name == "permission_slug" && tmpl == "":
		return "documents:read"
	case name == "range_start" && tmpl == "":
		return "2020-01-01T00:00:00Z"
	case name == "range_end" && tmpl == "":
		return "2030-01-01T00:00:00Z"
	case name == "id" && tmpl == "/organization_domains":
		return fx.ids["domain"]
	case name == "id" && tmpl == "/connect/applications":
		return fx.ids["application"]
	case name == "id" && tmpl == "/user_management/magic_auth":
		return fx.ids["magic_auth"]
	case name == "id" && tmpl == "/user_management/password_reset":
		return fx.ids["password_reset"]
	case name == "id" && tmpl == "/vault/v1/kv":
		return fx.ids["vault"]
	case name == "name" && tmpl == "/vault/v1/kv/name":
		return fx.ids["vault_name"]
	}
	return ""
}

// tokenConfirm starts the dev stack with the demo team in ConfirmAgent mode: the tests that use
// it drive the sealed-token mechanism itself (an operator's choice for scripted use). The default,
// the person's approval on the console, is tested in approval_e2e_test.go.
var tokenConfirm = devstack.Options{Confirmation: workspace.ConfirmAgent}
