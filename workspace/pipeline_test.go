package workspace

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/workos-mcp/workos-mcp/internal/mcptest"
	"github.com/workos-mcp/workos-mcp/workspace/catalog"
)

func TestRequestBuilding(t *testing.T) {
	op, ok := catalog.Lookup("organizations.get")
	if !ok {
		t.Fatal("no organizations.get")
	}
	// A path parameter that could bend the path is refused, not escaped (issue 9: this test
	// used to accept "a/../b?c=d" as one escaped segment).
	oc := &opCall{op: op, params: map[string]any{"id": "a/../b?c=d"}}
	if _, _, _, _, err := oc.request(); !errors.Is(err, ErrInvalidInput) || strings.Contains(err.Error(), "a/../b") {
		t.Fatalf("err %v: want invalid parameters, without the value", err)
	}
	oc = &opCall{op: op, params: map[string]any{"id": "auth0|1"}}
	path, pp, _, body, err := oc.request()
	if err != nil || path != "/organizations/auth0%7C1" || body != nil || !reflect.DeepEqual(pp, map[string]string{"id": "auth0|1"}) {
		t.Fatalf("path %q params %v body %v err %v: path parameters must be escaped", path, pp, body, err)
	}

	op, _ = catalog.Lookup("organization_memberships.list")
	oc = &opCall{op: op, params: map[string]any{"statuses": []any{"active", "pending"}, "limit": float64(10), "organization_id": "org_1"}}
	_, _, q, body, _ := oc.request()
	// The spec sends statuses as one comma-separated value (explode: false).
	if !reflect.DeepEqual(q["statuses"], []string{"active,pending"}) || q.Get("limit") != "10" || q.Get("organization_id") != "org_1" || body != nil {
		t.Fatalf("query = %v, body = %v", q, body)
	}

	op, _ = catalog.Lookup("organizations.update")
	oc = &opCall{op: op, params: map[string]any{"id": "org_1", "name": "New"}}
	path, _, q, body, _ = oc.request()
	if path != "/organizations/org_1" || len(q) != 0 || !reflect.DeepEqual(body, map[string]any{"name": "New"}) {
		t.Fatalf("path %q query %v body %v", path, q, body)
	}
}

// TestRoleCovers: areas are names recorded per operation, not path prefixes: /organizations/...
// paths that act on API keys, groups or retention are outside "organizations".
func TestRoleCovers(t *testing.T) {
	r := Role{Areas: []string{"organizations", "users"}}
	for name, want := range map[string]bool{
		"organizations.list":                  true,
		"organizations.update":                true,
		"organization_memberships.update":     true,
		"users.update":                        true,
		"organization_api_keys.list":          false,
		"audit_log_retention.update":          false,
		"groups.create":                       false,
		"group_members.remove":                false,
		"organization_domains.delete":         false,
		"connections.list":                    false,
		"organization_feature_flags.list":     false,
		"organization_data_integrations.list": false,
	} {
		op, ok := catalog.Lookup(name)
		if !ok {
			t.Fatalf("%s missing", name)
		}
		if got := r.Covers(op); got != want {
			t.Errorf("Covers(%s) = %v, want %v", name, got, want)
		}
	}
	for typ, want := range map[string]bool{"user.created": true, "organization.updated": true, "dsync.user.created": false, "api_key.created": false, "connection.activated": false, "mystery.event": false} {
		if got := r.CoversEvent(typ); got != want {
			t.Errorf("CoversEvent(%q) = %v, want %v", typ, got, want)
		}
	}
	if !(Role{}).CoversEvent("mystery.event") {
		t.Error("a role without areas must see every event")
	}
}

func TestConfigValidation(t *testing.T) {
	signIn := &SignInEnvironment{APIKey: "sk_test_team"}
	sandbox := []Environment{{Name: "sandbox", Kind: KindSandbox, APIKey: "sk_test_s"}}
	for _, tc := range []struct {
		cfg  Config
		want string // the problem, named by its path in the file
	}{
		{Config{Teams: []Team{{OrganizationID: ""}}}, "teams[0].organization_id: required"},
		{Config{Teams: []Team{{OrganizationID: "team", Environments: sandbox, SignIn: signIn, Confirmation: ConfirmAgent}}}, `teams[0].organization_id: "team" does not look like a WorkOS organization ID`},
		{Config{Teams: []Team{{OrganizationID: "org_1", Environments: []Environment{{Name: "s", Kind: "staging", APIKey: "k"}}}}}, `teams[0].environments[0].kind: "staging" is neither sandbox nor production`},
		{Config{Teams: []Team{{OrganizationID: "org_1", Environments: []Environment{{Name: "s", Kind: KindSandbox}}}}}, "teams[0].environments[0].api_key: no API key"},
		{Config{Teams: []Team{{OrganizationID: "org_1", Environments: []Environment{{Name: "s", Kind: KindSandbox, APIKey: "sk_live_x"}}}}}, "teams[0].environments[0]: kind is sandbox but the API key is a production key"},
		{Config{Teams: []Team{{OrganizationID: "org_1", Environments: []Environment{{Name: "p", Kind: KindProduction, APIKey: "sk_live_x"}}}}}, "teams[0].environments: no sandbox environment"},
		{Config{Teams: []Team{{OrganizationID: "org_1", Environments: []Environment{{Name: "s", Kind: KindSandbox, APIKey: "k", BaseURL: "http://api.example.com"}}}}}, `teams[0].environments[0].base_url: "http://api.example.com": use https`},
		{Config{Teams: []Team{{OrganizationID: "org_1", Environments: []Environment{{Name: "a b", Kind: KindSandbox, APIKey: "k"}}}}}, `teams[0].environments[0].name: "a b": use letters, digits, - or _`},
		{Config{Teams: []Team{{OrganizationID: "org_1", Environments: sandbox}}}, "teams[0].sign_in.api_key: no sign-in API key"},
		{Config{Teams: []Team{{OrganizationID: "org_1", Environments: sandbox, SignIn: &SignInEnvironment{APIKey: "k", OrganizationID: "audit"}}}}, `teams[0].sign_in.organization_id: "audit" does not look like`},
		{Config{Teams: []Team{{OrganizationID: "org_1", Environments: sandbox, SignIn: signIn}}}, "teams[0].confirmation: confirmation by the person (the default) needs the console's URL"},
		{Config{Teams: []Team{{OrganizationID: "org_1", Environments: sandbox, SignIn: signIn, Confirmation: "robot"}}}, `teams[0].confirmation: "robot" is neither human`},
		{Config{Teams: []Team{{OrganizationID: "org_1"}, {OrganizationID: "org_1"}}}, `teams[1].organization_id: "org_1" is configured twice`},
		{Config{ConfirmationKey: make([]byte, 16)}, "confirmation_key: 16 bytes, want 32"},
		{Config{Roles: map[string]Role{"x": {Sandbox: "everything"}}}, `roles.x.sandbox: "everything" is not none, read or write`},
		{Config{Roles: map[string]Role{"x": {Sandbox: AccessRead, Areas: []string{"/organizations"}}}}, `roles.x.areas[0]: area "/organizations" is an API path`},
		{Config{Roles: map[string]Role{"x": {Sandbox: AccessRead, Areas: []string{"orgs"}}}}, `roles.x.areas[0]: area "orgs" is not one of`},
	} {
		_, err := New(tc.cfg, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("config %+v: error %v, want %q", tc.cfg, err, tc.want)
		}
		var ce ConfigErrors
		if !errors.As(err, &ce) || len(ce) == 0 {
			t.Errorf("config %+v: error %v is not ConfigErrors", tc.cfg, err)
		}
	}
	if _, err := New(Config{}, nil); err != nil {
		t.Errorf("empty config: %v", err)
	}
}

// TestParamsError: a schema failure tells the agent each violation in full and is both
// ErrInvalidInput and the catalog's *ParamError; what records keep has the rule, not what the
// value measured.
func TestParamsError(t *testing.T) {
	op, _ := catalog.Lookup("organizations.list")
	err := validateParams(op, map[string]any{"limit": 987654, "order": "hunter2"})
	var pe *catalog.ParamError
	if !errors.Is(err, ErrInvalidInput) || !errors.As(err, &pe) || len(pe.Violations) != 2 {
		t.Fatalf("err %v: want ErrInvalidInput and a *catalog.ParamError with two violations", err)
	}
	if !strings.HasPrefix(err.Error(), "invalid parameters for organizations.list: at '/limit': maximum: got 987654, want 100; at '/order': value must be one of") ||
		!strings.HasSuffix(err.Error(), `(list_operations with operation="organizations.list" shows the schema)`) {
		t.Errorf("agent text = %q", err)
	}
	var ip *paramsError
	if !errors.As(err, &ip) {
		t.Fatal("not a paramsError")
	}
	if rec := ip.recorded(); strings.Contains(rec, "987654") || strings.Contains(rec, "hunter2") || !strings.Contains(rec, "at '/limit': maximum: want 100") {
		t.Errorf("recorded text = %q", rec)
	}
}

// TestUnknownOperationSuggestions: wherever an operation name is accepted, an unknown one is
// answered with the closest names the person may run; when only operations outside their access
// are close, the answer names them and says why; an excluded name says it never runs.
func TestUnknownOperationSuggestions(t *testing.T) {
	h := newHarness(t, nil)
	admin := h.connect("admin", nil)
	for _, tc := range []struct{ tool, name, want string }{
		{"query", "organization.list", "did you mean organizations.list?"},
		{"query", "organisations.list", "did you mean organizations.list?"},
		{"query", "list_organizations", "did you mean organizations.list?"},
		{"query", "organizations.lst", "did you mean organizations.list?"},
		{"query", "GET /organizations", "did you mean organizations.list?"},
		{"mutate", "organization.delete", "did you mean organizations.delete?"},
		{"mutate", "DELETE /organizations/org_acme", "did you mean organizations.delete?"},
		{"list_operations", "user.get", "did you mean users.get?"},
		{"query", "sso.get_profile", "never runs it"},
	} {
		text := mcptest.Fails(t, admin, tc.tool, map[string]any{"operation": tc.name}, "unknown operation")
		if !strings.Contains(text, tc.want) {
			t.Errorf("%s %q: %q does not say %q", tc.tool, tc.name, text, tc.want)
		}
	}
	// support-viewer may run user and organization reads only: suggestions are chosen among
	// those, as list_operations lists them.
	viewer := h.connect("support-viewer", nil)
	text := mcptest.Fails(t, viewer, "query", map[string]any{"operation": "organization.delete"}, "unknown operation")
	if strings.Contains(text, "organizations.delete") || !strings.Contains(text, "did you mean organizations.") {
		t.Errorf("support-viewer: %q: want runnable organizations operations only", text)
	}
	text = mcptest.Fails(t, viewer, "query", map[string]any{"operation": "webhook_endpoint.list"}, "unknown operation")
	if !strings.Contains(text, "the closest, webhook_endpoints.list, is outside what you may run") {
		t.Errorf("support-viewer, webhooks: %q", text)
	}
	if strings.Contains(text, "did you mean") {
		t.Errorf("support-viewer is offered an operation it may not run: %q", text)
	}
}

// TestNonJSONAnswerReachesTheAgentRedacted: a WorkOS answer that is not JSON (a proxy's error
// page, a truncated body) reaches the agent as one JSON string, with its secrets redacted,
// validated once (redact.ValidJSON) rather than twice.
func TestNonJSONAnswerReachesTheAgentRedacted(t *testing.T) {
	text := "upstream said: sk_live_abcdefgh1234 password=hunter22 (truncated"
	odd := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, text)
	}))
	defer odd.Close()
	h := newHarness(t, func(c *Config) { c.Teams[0].Environments[0].BaseURL = odd.URL })
	cs := h.connect("admin", nil)
	res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "query", Arguments: map[string]any{"operation": "organizations.list"}})
	if err != nil || res.IsError {
		t.Fatalf("%v %+v", err, res)
	}
	b, _ := json.Marshal(res.StructuredContent)
	var out struct {
		Result         json.RawMessage `json:"result"`
		RedactedFields int             `json:"redacted_fields"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	var s string
	if err := json.Unmarshal(out.Result, &s); err != nil {
		t.Fatalf("result %s is not one JSON string: %v", out.Result, err)
	}
	if strings.Contains(s, "abcdefgh1234") || strings.Contains(s, "hunter22") || !strings.Contains(s, "upstream said") || out.RedactedFields != 2 {
		t.Errorf("result %q, %d redacted", s, out.RedactedFields)
	}
}
