package emulator_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/workos-mcp/workos-mcp/emulator"
	"github.com/workos-mcp/workos-mcp/internal/cmd/gencoverage/coverage"
	"github.com/workos-mcp/workos-mcp/internal/openapi"
	"github.com/workos-mcp/workos-mcp/internal/openapi/openapitest"
	"github.com/workos-mcp/workos-mcp/workspace/catalog"
)

// TestContract drives realistic traffic through every route the emulator lists, against the
// default seed, and validates every response (successes and errors alike) against the response
// schema its operation documents in the WorkOS OpenAPI spec. Under CI=true a missing spec fails
// the test; elsewhere it skips and says so.
func TestContract(t *testing.T) {
	spec := openapitest.Spec(t)
	ctx := context.Background()
	emu, err := emulator.New(ctx, emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()

	var mu sync.Mutex
	var bad []error
	srv := httptest.NewServer(openapi.ValidatingHandler(spec, emu.Handler(), func(err error) {
		var ve *openapi.ValidationError
		if errors.As(err, &ve) && strings.HasPrefix(ve.Path, "/_emulator/") {
			return // the emulator's own test aids (the outbox), not WorkOS paths
		}
		mu.Lock()
		defer mu.Unlock()
		bad = append(bad, err)
	}))
	defer srv.Close()
	c := &contractClient{t: t, spec: spec, base: srv.URL, key: emulator.DemoSandboxAPIKey, ok: map[string]int{}}

	c.organizations()
	c.users()
	c.memberships()
	c.invitations()
	c.roles()
	c.directorySync()
	c.auditLogs()
	c.webhooksKeysFlags()
	c.groups()
	c.emailFlows()
	c.environmentSettings()
	c.resources()
	c.connectApplications()
	c.vault()
	c.sessionsAndAuth()
	c.groupRoleAssignments()
	c.mfa()
	c.authorizedApplications()
	c.radarAgentsAndVerifications()
	c.dataIntegrations()
	c.radarAttempts()
	c.vaultDataKeys()
	c.errorsAndEnvironments()
	c.deletions()

	for _, r := range emu.Routes() {
		if c.ok[r.Method+" "+coverage.Shape(r.Pattern)] == 0 {
			t.Errorf("route %s %s got no successful contract traffic: add a step to emulator/contract_test.go", r.Method, r.Pattern)
		}
	}
	srv.Close() // waits for the handlers, which report after responding
	mu.Lock()
	defer mu.Unlock()
	sort.Slice(bad, func(i, j int) bool { return bad[i].Error() < bad[j].Error() })
	for _, err := range bad {
		t.Errorf("response does not conform to the spec: %v", err)
	}
	t.Logf("%d requests, %d routes exercised, %d non-conforming responses, %d requests re-checked through the catalog", c.requests, len(c.ok), len(bad), c.catalogChecks)
}

// contractClient sends the test traffic and counts 2xx answers per spec operation shape.
type contractClient struct {
	t        *testing.T
	spec     *openapi.Spec
	base     string
	key      string
	ok       map[string]int
	requests int
	invalid  bool // the next requests are meant to be invalid
	// catalogChecks counts the requests re-expressed as catalog parameters.
	catalogChecks int

	acme, globex, initech, newOrg     string
	alice, zoe, membership, sessionID string
	directory, connection             string
}

type obj = map[string]any

// do sends one request and returns the status and decoded JSON object (nil when not an object).
func (c *contractClient) do(method, path string, body any, hdr ...string) (int, obj) {
	c.t.Helper()
	var rd io.Reader
	var raw []byte
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		raw, rd = b, bytes.NewReader(b)
	}
	// The traffic itself must be what the spec describes, or the test proves little. Requests
	// built to fail (checked by their status) are exempt.
	if err := c.spec.ValidateRequest(method, path, raw); err != nil && !c.invalid && !strings.HasPrefix(path, "/_emulator/") {
		c.t.Errorf("the contract traffic is not a valid request: %v", err)
	}
	if !c.invalid {
		c.checkCatalog(method, path, raw)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	client := &http.Client{Timeout: 60 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ = io.ReadAll(resp.Body)
	c.requests++
	if resp.StatusCode >= 200 && resp.StatusCode < 400 { // a documented redirect is a success too
		if op, _, ok := c.spec.Find(method, path); ok {
			c.ok[op.Method+" "+coverage.Shape(op.Path)]++
		}
	}
	var out obj
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

// must sends a request that must succeed with a 2xx and returns its JSON object.
func (c *contractClient) must(method, path string, body any, hdr ...string) obj {
	c.t.Helper()
	status, out := c.do(method, path, body, hdr...)
	if status < 200 || status > 299 {
		c.t.Errorf("%s %s: status %d, want 2xx (body %v)", method, path, status, out)
	}
	return out
}

// expect sends a request that must answer exactly status.
func (c *contractClient) expect(status int, method, path string, body any) obj {
	c.t.Helper()
	got, out := c.do(method, path, body)
	if got != status {
		c.t.Errorf("%s %s: status %d, want %d (body %v)", method, path, got, status, out)
	}
	return out
}

func str(o obj, key string) string {
	s, _ := o[key].(string)
	return s
}

func data(o obj) []obj {
	list, _ := o["data"].([]any)
	out := make([]obj, 0, len(list))
	for _, e := range list {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// first returns the "id" of the first object in a list answer.
func (c *contractClient) first(o obj, what string) string {
	c.t.Helper()
	d := data(o)
	if len(d) == 0 {
		c.t.Errorf("no %s in %v", what, o)
		return "missing_" + strings.ReplaceAll(what, " ", "_")
	}
	return str(d[0], "id")
}

func q(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return "?" + v.Encode()
}

func (c *contractClient) organizations() {
	page := c.must("GET", "/organizations"+q("limit", "2", "order", "asc"), nil)
	if after, _ := page["list_metadata"].(map[string]any)["after"].(string); after != "" {
		next := c.must("GET", "/organizations"+q("limit", "2", "order", "asc", "after", after), nil)
		if before, _ := next["list_metadata"].(map[string]any)["before"].(string); before != "" {
			c.must("GET", "/organizations"+q("limit", "2", "order", "asc", "before", before), nil)
		} else {
			c.t.Errorf("a second page has no before cursor: %v", next["list_metadata"])
		}
	} else {
		c.t.Errorf("a first page of 2 of the seeded organizations has no after cursor: %v", page["list_metadata"])
	}
	c.must("GET", "/organizations"+q("search", "Acme", "order", "desc"), nil)
	c.acme = c.first(c.must("GET", "/organizations"+q("domains", "acme.test"), nil), "organization with domain acme.test")
	c.globex = c.first(c.must("GET", "/organizations"+q("domains", "globex.test"), nil), "organization with domain globex.test")
	c.initech = c.first(c.must("GET", "/organizations"+q("domains", "initech.test"), nil), "organization with domain initech.test")
	c.must("GET", "/organizations/"+c.acme, nil)
	c.must("GET", "/organizations/external_id/acme", nil)

	org := c.must("POST", "/organizations", obj{
		"name": "Contract Co", "external_id": "contract-co", "metadata": obj{"tier": "gold"},
		"domain_data": []obj{{"domain": "contract.test", "state": "pending"}},
	})
	c.newOrg = str(org, "id")
	c.must("PUT", "/organizations/"+c.newOrg, obj{"name": "Contract Company", "metadata": obj{"tier": "platinum"}})

	dom := c.must("POST", "/organization_domains", obj{"domain": "contract-two.test", "organization_id": c.newOrg})
	domID := str(dom, "id")
	c.must("GET", "/organization_domains/"+domID, nil)
	c.must("POST", "/organization_domains/"+domID+"/verify", nil)
	c.must("DELETE", "/organization_domains/"+domID, nil)
	c.must("POST", "/portal/generate_link", obj{"organization": c.acme, "intent": "sso", "return_url": "https://contract.test/back"})
}

func (c *contractClient) users() {
	c.must("GET", "/user_management/users"+q("limit", "3"), nil)
	c.must("GET", "/user_management/users"+q("organization_id", c.acme), nil)
	c.alice = c.first(c.must("GET", "/user_management/users"+q("email", "alice@acme.test"), nil), "user alice@acme.test")
	c.must("GET", "/user_management/users/"+c.alice, nil)
	c.must("GET", "/user_management/users/external_id/acme-alice", nil)
	zoe := c.must("POST", "/user_management/users", obj{
		"email": "zoe@contract.test", "first_name": "Zoe", "last_name": "Zimmer",
		"password": "contract-password-1", "email_verified": true, "external_id": "contract-zoe",
	})
	c.zoe = str(zoe, "id")
	c.must("PUT", "/user_management/users/"+c.zoe, obj{"last_name": "Zed", "metadata": obj{"team": "qa"}})
	sessions := c.must("GET", "/user_management/users/"+c.alice+"/sessions", nil)
	for _, s := range data(sessions) {
		if str(s, "status") == "active" || c.sessionID == "" {
			c.sessionID = str(s, "id")
		}
	}
}

func (c *contractClient) memberships() {
	c.must("GET", "/user_management/organization_memberships"+q("organization_id", c.acme), nil)
	c.must("GET", "/user_management/organization_memberships"+q("user_id", c.alice), nil)
	c.must("GET", "/user_management/organization_memberships"+q("organization_id", c.globex, "statuses", "inactive"), nil)
	m := c.must("POST", "/user_management/organization_memberships", obj{"user_id": c.zoe, "organization_id": c.newOrg, "role_slug": "member"})
	c.membership = str(m, "id")
	c.must("GET", "/user_management/organization_memberships/"+c.membership, nil)
	c.must("PUT", "/user_management/organization_memberships/"+c.membership, obj{"role_slug": "admin"})
	c.must("PUT", "/user_management/organization_memberships/"+c.membership+"/deactivate", nil)
	c.must("PUT", "/user_management/organization_memberships/"+c.membership+"/reactivate", nil)
}

func (c *contractClient) invitations() {
	list := c.must("GET", "/user_management/invitations"+q("organization_id", c.acme), nil)
	c.must("GET", "/user_management/invitations/"+c.first(list, "invitation to Acme"), nil)
	c.must("GET", "/user_management/invitations/by_token/inv_tok_sandbox_grace_0001", nil)
	inv := c.must("POST", "/user_management/invitations", obj{"email": "yan@contract.test", "organization_id": c.newOrg, "role_slug": "member", "expires_in_days": 7})
	c.must("POST", "/user_management/invitations/"+str(inv, "id")+"/resend", obj{"locale": "en"})
	c.must("POST", "/user_management/invitations/"+str(inv, "id")+"/revoke", nil)
	inv2 := c.must("POST", "/user_management/invitations", obj{"email": "xia@contract.test", "organization_id": c.newOrg})
	c.must("POST", "/user_management/invitations/"+str(inv2, "id")+"/accept", nil)
}

func (c *contractClient) roles() {
	c.must("GET", "/authorization/permissions", nil)
	c.must("POST", "/authorization/permissions", obj{"slug": "contracts:sign", "name": "Sign contracts", "description": "Sign on the company's behalf"})
	c.must("GET", "/authorization/permissions/contracts:sign", nil)
	c.must("PATCH", "/authorization/permissions/contracts:sign", obj{"name": "Sign contracts (all)"})

	c.must("GET", "/authorization/roles", nil)
	c.must("POST", "/authorization/roles", obj{"slug": "contract-auditor", "name": "Contract Auditor"})
	c.must("GET", "/authorization/roles/contract-auditor", nil)
	c.must("PATCH", "/authorization/roles/contract-auditor", obj{"description": "Reads contracts"})
	c.must("PUT", "/authorization/roles/contract-auditor/permissions", obj{"permissions": []string{"documents:read"}})
	c.must("POST", "/authorization/roles/contract-auditor/permissions", obj{"slug": "contracts:sign"})

	base := "/authorization/organizations/" + c.acme + "/roles"
	c.must("GET", base, nil)
	c.must("POST", base, obj{"slug": "org-contract-reviewer", "name": "Contract Reviewer"})
	c.must("GET", base+"/org-contract-reviewer", nil)
	c.must("PATCH", base+"/org-contract-reviewer", obj{"name": "Contract Reviewer (legal)"})
	c.must("PUT", base+"/org-contract-reviewer/permissions", obj{"permissions": []string{"documents:read"}})
	c.must("POST", base+"/org-contract-reviewer/permissions", obj{"slug": "contracts:sign"})
	c.must("DELETE", base+"/org-contract-reviewer/permissions/contracts:sign", nil)
	c.must("DELETE", base+"/org-contract-reviewer", nil)
	c.must("DELETE", "/authorization/permissions/contracts:sign", nil)
}

func (c *contractClient) directorySync() {
	c.must("GET", "/connections", nil)
	c.connection = c.first(c.must("GET", "/connections"+q("organization_id", c.initech), nil), "connection of Initech")
	c.must("GET", "/connections"+q("connection_type", "OktaSAML"), nil)
	c.must("GET", "/connections/"+c.connection, nil)

	c.must("GET", "/directories", nil)
	c.directory = c.first(c.must("GET", "/directories"+q("organization_id", c.acme), nil), "directory of Acme")
	c.must("GET", "/directories/"+c.directory, nil)
	users := c.must("GET", "/directory_users"+q("directory", c.directory), nil)
	c.must("GET", "/directory_users/"+c.first(users, "directory user"), nil)
	groups := c.must("GET", "/directory_groups"+q("directory", c.directory), nil)
	group := c.first(groups, "directory group")
	c.must("GET", "/directory_groups/"+group, nil)
	c.must("GET", "/directory_users"+q("group", group), nil)
}

func (c *contractClient) auditLogs() {
	c.must("GET", "/audit_logs/actions", nil)
	c.must("GET", "/audit_logs/actions/user.signed_in/schemas", nil)
	c.must("POST", "/audit_logs/actions/contract.signed/schemas", obj{
		"targets": []obj{{"type": "contract"}},
		"actor":   obj{"metadata": obj{"type": "object", "properties": obj{"role": obj{"type": "string"}}}},
	})
	now := time.Now().UTC()
	event := obj{"organization_id": c.acme, "event": obj{
		"action": "contract.signed", "occurred_at": now.Format(time.RFC3339),
		"actor":   obj{"id": c.alice, "type": "user", "name": "Alice Anders", "metadata": obj{"role": "cto"}},
		"targets": []obj{{"id": "contract_1", "type": "contract"}},
		"context": obj{"location": "198.51.100.7", "user_agent": "contract-test"},
	}}
	c.must("POST", "/audit_logs/events", event, "Idempotency-Key", "contract-event-1")
	c.must("POST", "/audit_logs/events", event, "Idempotency-Key", "contract-event-1")
	export := c.must("POST", "/audit_logs/exports", obj{
		"organization_id": c.acme,
		"range_start":     now.Add(-365 * 24 * time.Hour).Format(time.RFC3339),
		"range_end":       now.Add(time.Hour).Format(time.RFC3339),
	})
	c.must("GET", "/audit_logs/exports/"+str(export, "id"), nil)

	c.must("GET", "/organizations/"+c.acme+"/audit_log_configuration", nil)
	c.must("GET", "/organizations/"+c.acme+"/audit_logs_retention", nil)
	c.must("PUT", "/organizations/"+c.acme+"/audit_logs_retention", obj{"retention_period_in_days": 365})

	c.must("GET", "/events"+q("events", "organization.created"), nil)
	c.must("GET", "/events"+q("events", "user.created", "organization_id", c.acme, "limit", "5"), nil)
}

func (c *contractClient) webhooksKeysFlags() {
	c.must("GET", "/webhook_endpoints", nil)
	hook := c.must("POST", "/webhook_endpoints", obj{"endpoint_url": "https://contract.test/hooks", "events": []string{"user.created", "organization.updated"}})
	c.must("PATCH", "/webhook_endpoints/"+str(hook, "id"), obj{"status": "disabled"})
	c.must("DELETE", "/webhook_endpoints/"+str(hook, "id"), nil)

	c.must("GET", "/organizations/"+c.acme+"/api_keys", nil)
	key := c.must("POST", "/organizations/"+c.acme+"/api_keys", obj{"name": "Contract CI"})
	c.must("POST", "/api_keys/validations", obj{"value": str(key, "value")})
	c.must("DELETE", "/api_keys/"+str(key, "id"), nil)
	expiring := c.must("POST", "/organizations/"+c.acme+"/api_keys", obj{"name": "Contract, expiring"})
	c.must("POST", "/api_keys/"+str(expiring, "id")+"/expire", obj{})
	c.must("POST", "/user_management/users/"+c.alice+"/api_keys", obj{"name": "Alice's CLI", "organization_id": c.acme})
	c.must("GET", "/user_management/users/"+c.alice+"/api_keys", nil)

	flags := c.must("GET", "/feature-flags", nil)
	slug := ""
	if d := data(flags); len(d) > 0 {
		slug = str(d[0], "slug")
	}
	if slug == "" {
		c.t.Errorf("no feature flag in the seed: %v", flags)
		return
	}
	c.must("GET", "/feature-flags/"+slug, nil)
	c.must("PUT", "/feature-flags/"+slug+"/disable", nil)
	c.must("PUT", "/feature-flags/"+slug+"/enable", nil)
	c.must("POST", "/feature-flags/"+slug+"/targets/"+c.globex, nil)
	c.must("DELETE", "/feature-flags/"+slug+"/targets/"+c.globex, nil)
	c.must("GET", "/organizations/"+c.acme+"/feature-flags", nil)
	c.must("GET", "/user_management/users/"+c.alice+"/feature-flags", nil)
}

func (c *contractClient) groups() {
	base := "/organizations/" + c.newOrg + "/groups"
	c.must("GET", base, nil)
	g := str(c.must("POST", base, obj{"name": "Reviewers", "description": "People who review contracts"}), "id")
	c.must("GET", base+"/"+g, nil)
	c.must("PATCH", base+"/"+g, obj{"name": "Contract reviewers"})
	c.must("POST", base+"/"+g+"/organization-memberships", obj{"organization_membership_id": c.membership})
	c.must("GET", base+"/"+g+"/organization-memberships", nil)
	c.must("GET", "/user_management/organization_memberships/"+c.membership+"/groups", nil)
	c.must("DELETE", base+"/"+g+"/organization-memberships/"+c.membership, nil)
	c.must("DELETE", base+"/"+g, nil)

	aliceAtAcme := c.first(c.must("GET", "/user_management/organization_memberships"+q("user_id", c.alice, "organization_id", c.acme), nil), "membership of alice in Acme")
	check := c.must("POST", "/authorization/organization_memberships/"+aliceAtAcme+"/check", obj{
		"permission_slug": "billing:manage", "resource_external_id": "acme", "resource_type_slug": "organization",
	})
	if check["authorized"] != true {
		c.t.Errorf("alice (admin of Acme) is not authorized for billing:manage: %v", check)
	}
}

func (c *contractClient) environmentSettings() {
	c.must("GET", "/user_management/cors_origins", nil)
	c.must("POST", "/user_management/cors_origins", obj{"origin": "https://app.contract.test"})
	c.must("PUT", "/user_management/jwt_template", obj{"content": `{"urn:contract:email": "{{user.email}}"}`})
	c.must("GET", "/user_management/jwt_template", nil)
	c.must("GET", "/user_management/redirect_uris", nil)
	// The first redirect URI becomes the default, which cannot be deleted; the second can.
	c.must("POST", "/user_management/redirect_uris", obj{"uri": "https://app.contract.test/callback"})
	uri := c.must("POST", "/user_management/redirect_uris", obj{"uri": "https://app.contract.test/callback-2"})
	c.must("DELETE", "/user_management/redirect_uris/"+str(uri, "id"), nil)
}

func (c *contractClient) resources() {
	org := c.newOrg
	ws := c.must("POST", "/authorization/resources", obj{"external_id": "ws-contract", "name": "Contract workspace", "resource_type_slug": "workspace", "organization_id": org})
	proj := c.must("POST", "/authorization/resources", obj{"external_id": "proj-contract", "name": "Contract project", "resource_type_slug": "project",
		"organization_id": org, "parent_resource_id": str(ws, "id")})
	c.must("GET", "/authorization/resources"+q("organization_id", org), nil)
	c.must("GET", "/authorization/resources/"+str(proj, "id"), nil)
	c.must("PATCH", "/authorization/resources/"+str(proj, "id"), obj{"description": "Where contracts are drafted"})
	byExt := "/authorization/organizations/" + org + "/resources/workspace/ws-contract"
	c.must("GET", byExt, nil)
	c.must("PATCH", byExt, obj{"name": "Contract workspace (2026)"})

	om := "/authorization/organization_memberships/" + c.membership
	a := c.must("POST", om+"/role_assignments", obj{"role_slug": "member", "resource_id": str(ws, "id")})
	c.must("GET", om+"/role_assignments", nil)
	c.must("GET", om+"/resources"+q("permission_slug", "documents:read"), nil)
	c.must("GET", om+"/resources/"+str(proj, "id")+"/permissions", nil)
	c.must("GET", om+"/resources/project/proj-contract/permissions", nil)
	c.must("GET", "/authorization/resources/"+str(ws, "id")+"/role_assignments", nil)
	c.must("GET", "/authorization/resources/"+str(ws, "id")+"/organization_memberships"+q("permission_slug", "documents:read"), nil)
	c.must("GET", byExt+"/role_assignments", nil)
	c.must("GET", byExt+"/organization_memberships"+q("permission_slug", "documents:read"), nil)
	c.must("DELETE", om+"/role_assignments/"+str(a, "id"), nil)
	c.must("POST", om+"/role_assignments", obj{"role_slug": "member", "resource_external_id": "proj-contract", "resource_type_slug": "project"})
	c.must("DELETE", om+"/role_assignments", obj{"role_slug": "member", "resource_external_id": "proj-contract", "resource_type_slug": "project"})

	c.must("DELETE", "/authorization/resources/"+str(proj, "id"), nil)
	c.must("DELETE", byExt+q("cascade_delete", "true"), nil)
}

func (c *contractClient) connectApplications() {
	c.must("GET", "/connect/applications", nil)
	app := c.must("POST", "/connect/applications", obj{"name": "Contract web app", "application_type": "oauth", "is_first_party": true,
		"redirect_uris": []obj{{"uri": "https://app.contract.test/callback", "default": true}}})
	id := str(app, "id")
	c.must("POST", "/connect/applications", obj{"name": "Contract worker", "application_type": "m2m", "organization_id": c.newOrg})
	c.must("GET", "/connect/applications/"+id, nil)
	c.must("PUT", "/connect/applications/"+id, obj{"name": "Contract web app (v2)", "scopes": []string{"openid", "profile"}})
	secret := c.must("POST", "/connect/applications/"+id+"/client_secrets", obj{})
	c.must("GET", "/connect/applications/"+id+"/client_secrets", nil)
	c.must("DELETE", "/connect/client_secrets/"+str(secret, "id"), nil)
	c.must("DELETE", "/connect/applications/"+id, nil)
}

func (c *contractClient) vault() {
	c.must("GET", "/vault/v1/kv", nil)
	o := c.must("POST", "/vault/v1/kv", obj{"name": "contract-db-password", "value": "contract-value-1", "key_context": obj{"tenant": "contract"}})
	id := str(o, "id")
	c.must("GET", "/vault/v1/kv/name/contract-db-password", nil)
	c.must("GET", "/vault/v1/kv/"+id, nil)
	c.must("PUT", "/vault/v1/kv/"+id, obj{"value": "contract-value-2"})
	c.must("GET", "/vault/v1/kv/"+id+"/metadata", nil)
	c.must("GET", "/vault/v1/kv/"+id+"/versions", nil)
	c.must("GET", "/vault/v1/kv"+q("search", "contract"), nil)
	c.must("DELETE", "/vault/v1/kv/"+id, nil)
}

// outbox returns the newest email the emulator "sent" to someone, of a kind.
func (c *contractClient) outbox(to, kind string) obj {
	c.t.Helper()
	mails := data(c.must("GET", "/_emulator/emails"+q("to", to, "kind", kind), nil))
	if len(mails) == 0 {
		c.t.Errorf("no %s email to %s in the emulator's outbox", kind, to)
		return obj{}
	}
	newest := mails[0]
	for _, m := range mails {
		if str(m, "created_at") > str(newest, "created_at") {
			newest = m
		}
	}
	return newest
}

func (c *contractClient) emailFlows() {
	c.must("GET", "/user_management/users/"+c.alice+"/identities", nil)
	c.must("GET", "/user_management/users/"+c.alice+"/auth_factors", nil)
	c.must("GET", "/user_management/users/"+c.alice+"/authorized_applications", nil)
	c.must("GET", "/organizations/"+c.acme+"/authorized_applications", nil)

	ma := c.must("POST", "/user_management/magic_auth", obj{"email": "alice@acme.test"})
	c.must("GET", "/user_management/magic_auth/"+str(ma, "id"), nil)

	pr := c.must("POST", "/user_management/password_reset", obj{"email": "zoe@contract.test"})
	c.must("GET", "/user_management/password_reset/"+str(pr, "id"), nil)
	token := str(pr, "password_reset_token")
	if token == "" {
		token = str(c.outbox("zoe@contract.test", "password_reset"), "token")
	}
	c.must("POST", "/user_management/password_reset/confirm", obj{"token": token, "new_password": "contract-password-2"})

	frank := c.first(c.must("GET", "/user_management/users"+q("email", "frank@initech.test"), nil), "user frank@initech.test")
	c.must("POST", "/user_management/users/"+frank+"/email_verification/send", nil)
	code := str(c.outbox("frank@initech.test", "email_verification"), "code")
	c.must("POST", "/user_management/users/"+frank+"/email_verification/confirm", obj{"code": code})

	c.must("POST", "/user_management/users/"+c.zoe+"/email_change/send", obj{"new_email": "zoe.zed@contract.test"})
	code = str(c.outbox("zoe.zed@contract.test", "email_change"), "code")
	c.must("POST", "/user_management/users/"+c.zoe+"/email_change/confirm", obj{"code": code})
}

func (c *contractClient) sessionsAndAuth() {
	if c.sessionID == "" {
		c.t.Error("no session of alice@acme.test in the seed")
	} else {
		c.must("POST", "/user_management/sessions/revoke", obj{"session_id": c.sessionID})
	}
	dave := c.first(c.must("GET", "/user_management/users"+q("email", "dave@globex.test"), nil), "user dave@globex.test")
	daveSession := c.first(c.must("GET", "/user_management/users/"+dave+"/sessions", nil), "session of dave@globex.test")
	key := c.key
	c.key = "" // logout is the browser's call; authenticate carries the client secret in its body
	if status, body := c.do("GET", "/user_management/sessions/logout"+q("session_id", daveSession, "return_to", "https://contract.test/bye"), nil); status != http.StatusFound && status != http.StatusOK {
		c.t.Errorf("logout: %d %v, want a 302 (or 200)", status, body)
	}
	signedIn := c.must("POST", "/user_management/authenticate", obj{
		"client_id": emulator.DemoSandboxClientID, "client_secret": emulator.DemoSandboxAPIKey,
		"grant_type": "password", "email": "alice@acme.test", "password": emulator.DemoPassword,
	})
	// Sessions: the keys, a refresh (rotating), a magic auth code, and the spec's error codes.
	c.must("GET", "/sso/jwks/"+emulator.DemoSandboxClientID, nil)
	refresh := obj{"client_id": emulator.DemoSandboxClientID, "client_secret": emulator.DemoSandboxAPIKey,
		"grant_type": "refresh_token", "refresh_token": str(signedIn, "refresh_token")}
	c.must("POST", "/user_management/authenticate", refresh)
	if status, body := c.do("POST", "/user_management/authenticate", refresh); status != http.StatusBadRequest || str(body, "error") != "invalid_grant" {
		c.t.Errorf("a used refresh token: %d %v, want 400 invalid_grant", status, body)
	}
	c.key = key
	ma := c.must("POST", "/user_management/magic_auth", obj{"email": "alice@acme.test"})
	c.key = ""
	magic := obj{"client_id": emulator.DemoSandboxClientID, "client_secret": emulator.DemoSandboxAPIKey,
		"grant_type": "urn:workos:oauth:grant-type:magic-auth:code", "email": "alice@acme.test", "code": "000000"}
	if str(ma, "code") == "000000" {
		magic["code"] = "111111"
	}
	if status, body := c.do("POST", "/user_management/authenticate", magic); status != http.StatusBadRequest || str(body, "code") != "invalid_one_time_code" {
		c.t.Errorf("a wrong magic auth code: %d %v, want 400 invalid_one_time_code", status, body)
	}
	magic["code"] = str(ma, "code")
	c.must("POST", "/user_management/authenticate", magic)
	if status, body := c.do("POST", "/user_management/authenticate", magic); status != http.StatusBadRequest || str(body, "code") != "one_time_code_previously_used" {
		c.t.Errorf("a used magic auth code: %d %v, want 400 one_time_code_previously_used", status, body)
	}
	c.expect(http.StatusNotFound, "GET", "/sso/jwks/client_01CONTRACTNOTFOUND0000000", nil)
	c.key = key
}

func (c *contractClient) errorsAndEnvironments() {
	// Documented error answers must match their schemas too.
	c.invalid = true
	defer func() { c.invalid = false }()
	c.expect(http.StatusNotFound, "GET", "/organizations/org_01CONTRACTNOTFOUND000000000", nil)
	c.expect(http.StatusNotFound, "GET", "/user_management/users/user_01CONTRACTNOTFOUND00000000", nil)
	c.expect(http.StatusNotFound, "GET", "/connections/conn_01CONTRACTNOTFOUND00000000", nil)
	if status, _ := c.do("GET", "/organizations"+q("limit", "1000"), nil); status < 400 || status > 499 {
		c.t.Errorf("GET /organizations?limit=1000: status %d, want a 4xx", status)
	}
	if status, _ := c.do("POST", "/organizations", obj{}); status != http.StatusBadRequest && status != http.StatusUnprocessableEntity {
		c.t.Errorf("POST /organizations without a name: status %d, want 400 or 422", status)
	}
	if status, _ := c.do("POST", "/user_management/users", obj{"email": "not-an-email"}); status != http.StatusBadRequest && status != http.StatusUnprocessableEntity {
		c.t.Errorf("POST /user_management/users with a bad email: status %d, want 400 or 422", status)
	}
	// The spec documents a used external ID as a 400 with code external_id_already_used.
	if status, body := c.do("POST", "/organizations", obj{"name": "Dup", "external_id": "acme"}); status != http.StatusBadRequest || str(body, "code") != "external_id_already_used" {
		c.t.Errorf("POST /organizations with a used external_id: %d %v, want 400 external_id_already_used", status, body)
	}
	// An audit event that fails its schema is the spec's 400 invalid_audit_log_event.
	if status, body := c.do("POST", "/audit_logs/events", obj{"organization_id": c.acme, "event": obj{"action": "contract.signed"}}); status != http.StatusBadRequest || str(body, "code") != "invalid_audit_log_event" {
		c.t.Errorf("POST /audit_logs/events with an invalid event: %d %v, want 400 invalid_audit_log_event", status, body)
	}
	// Verifying a verified domain is the spec's 400 domain_already_verified.
	dom := c.must("POST", "/organization_domains", obj{"domain": "contract-verified.test", "organization_id": c.acme})
	c.must("POST", "/organization_domains/"+str(dom, "id")+"/verify", nil)
	if status, body := c.do("POST", "/organization_domains/"+str(dom, "id")+"/verify", nil); status != http.StatusBadRequest || str(body, "code") != "domain_already_verified" {
		c.t.Errorf("verify a verified domain: %d %v, want 400 domain_already_verified", status, body)
	}

	c.invalid = false
	// The production environment answers with its own data, in the same shapes.
	key := c.key
	c.key = emulator.DemoProductionAPIKey
	c.must("GET", "/organizations", nil)
	c.must("GET", "/user_management/users", nil)
	c.key = emulator.DemoTeamAPIKey // the team's own sign-in environment
	c.must("GET", "/organizations/"+emulator.DemoTeamOrganizationID, nil)
	c.must("GET", "/user_management/organization_memberships"+q("organization_id", emulator.DemoTeamOrganizationID), nil)
	c.must("GET", "/authorization/roles", nil)
	c.key = key
}

func (c *contractClient) deletions() {
	c.must("DELETE", "/user_management/organization_memberships/"+c.membership, nil)
	c.must("DELETE", "/user_management/users/"+c.zoe, nil)
	c.must("DELETE", "/connections/"+c.connection, nil)
	c.must("DELETE", "/directories/"+c.directory, nil)
	c.must("DELETE", "/organizations/"+c.newOrg, nil)
	c.expect(http.StatusNotFound, "GET", "/organizations/"+c.newOrg, nil)
}

// checkCatalog expresses a valid request as the catalog operation's parameters and checks that
// the catalog accepts them and rebuilds the same path: what the emulator serves, an agent can ask
// for through query and mutate.
func (c *contractClient) checkCatalog(method, path string, body []byte) {
	c.t.Helper()
	u, err := url.Parse(path)
	if err != nil {
		c.t.Fatal(err)
	}
	sop, vals, ok := c.spec.Find(method, u.Path)
	if !ok {
		return
	}
	var cop *catalog.Operation
	for _, op := range catalog.All() {
		if op.Method == sop.Method && coverage.Shape(op.Path) == coverage.Shape(sop.Path) {
			cop = op
		}
	}
	if cop == nil {
		return // excluded from the catalog
	}
	var schema struct {
		Properties map[string]struct {
			Type any `json:"type"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(cop.Params, &schema); err != nil {
		c.t.Fatal(err)
	}
	params := map[string]any{}
	specNames, catNames := placeholders(sop.Path), placeholders(cop.Path)
	for i, n := range specNames {
		params[catNames[i]] = vals[n]
	}
	for k, vs := range u.Query() {
		switch typ := fmt.Sprint(schema.Properties[k].Type); {
		case strings.Contains(typ, "array"):
			var arr []any
			for _, v := range vs {
				for _, part := range strings.Split(v, ",") {
					arr = append(arr, part)
				}
			}
			params[k] = arr
		case strings.Contains(typ, "integer"), strings.Contains(typ, "number"), strings.Contains(typ, "boolean"):
			var v any
			if err := json.Unmarshal([]byte(vs[0]), &v); err != nil {
				v = vs[0]
			}
			params[k] = v
		default:
			params[k] = vs[0]
		}
	}
	if len(body) > 0 {
		var fields map[string]any
		if err := json.Unmarshal(body, &fields); err == nil {
			for k, v := range fields {
				params[k] = v
			}
		}
	}
	c.catalogChecks++
	if err := cop.ValidateParams(params); err != nil {
		c.t.Errorf("the catalog rejects a request the spec allows: %v", err)
		return
	}
	got, _, _, err := cop.Request(params)
	if err != nil || got != u.EscapedPath() {
		c.t.Errorf("%s: Request gives path %q (%v), want %q", cop.Name, got, err, u.EscapedPath())
	}
}

func placeholders(p string) []string {
	var out []string
	for _, seg := range strings.Split(p, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			out = append(out, seg[1:len(seg)-1])
		}
	}
	return out
}

// TestContractCatchesDrift proves the contract test has teeth: a response that breaks the spec
// is reported.
func TestContractCatchesDrift(t *testing.T) {
	spec := openapitest.Spec(t)
	drifted := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"object":"organization","id":"org_1","name":42}`)
	})
	var mu sync.Mutex
	var got []error
	srv := httptest.NewServer(openapi.ValidatingHandler(spec, drifted, func(err error) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, err)
	}))
	defer srv.Close()
	for _, p := range []string{"/organizations/org_1", "/not/a/workos/path"} {
		resp, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	srv.Close() // waits for the handlers, which report after responding
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 {
		t.Fatalf("reports = %v, want 2", got)
	}
	if !errors.Is(got[1], openapi.ErrNotInSpec) {
		t.Errorf("unknown path reported as %v, want ErrNotInSpec", got[1])
	}
}
