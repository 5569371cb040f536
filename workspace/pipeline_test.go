package workspace

import (
	"reflect"
	"testing"

	"github.com/workos-mcp/workos-mcp/workspace/catalog"
)

func TestRequestBuilding(t *testing.T) {
	op, ok := catalog.Lookup("organizations.get")
	if !ok {
		t.Fatal("no organizations.get")
	}
	oc := &opCall{op: op, params: map[string]any{"id": "a/../b?c=d"}}
	path, _, body, err := oc.request()
	if err != nil || path != "/organizations/a%2F..%2Fb%3Fc=d" || body != nil {
		t.Fatalf("path %q body %v err %v: path parameters must be escaped", path, body, err)
	}

	op, _ = catalog.Lookup("organization_memberships.list")
	oc = &opCall{op: op, params: map[string]any{"statuses": []any{"active", "pending"}, "limit": float64(10), "organization_id": "org_1"}}
	_, q, body, _ := oc.request()
	// The spec sends statuses as one comma-separated value (explode: false).
	if !reflect.DeepEqual(q["statuses"], []string{"active,pending"}) || q.Get("limit") != "10" || q.Get("organization_id") != "org_1" || body != nil {
		t.Fatalf("query = %v, body = %v", q, body)
	}

	op, _ = catalog.Lookup("organizations.update")
	oc = &opCall{op: op, params: map[string]any{"id": "org_1", "name": "New"}}
	path, q, body, _ = oc.request()
	if path != "/organizations/org_1" || len(q) != 0 || !reflect.DeepEqual(body, map[string]any{"name": "New"}) {
		t.Fatalf("path %q query %v body %v", path, q, body)
	}
}

func TestRoleCovers(t *testing.T) {
	r := Role{Areas: []string{"/organizations", "/user_management/users/"}}
	for path, want := range map[string]bool{
		"/organizations":                     true,
		"/organizations/{id}":                true,
		"/organizations_x":                   false,
		"/user_management/users/{id}":        true,
		"/user_management/users":             true,
		"/connections":                       false,
		"/user_management/organization_memb": false,
	} {
		if got := r.Covers(path); got != want {
			t.Errorf("Covers(%q) = %v, want %v", path, got, want)
		}
	}
}

func TestConfigValidation(t *testing.T) {
	bad := []Config{
		{Teams: []Team{{OrganizationID: ""}}},
		{Teams: []Team{{OrganizationID: "org_1", Environments: []Environment{{Name: "s", Kind: "staging", APIKey: "k"}}}}},
		{Teams: []Team{{OrganizationID: "org_1", Environments: []Environment{{Name: "s", Kind: KindSandbox}}}}},
		{Teams: []Team{{OrganizationID: "org_1"}, {OrganizationID: "org_1"}}},
		{ConfirmationKey: make([]byte, 16)},
		{Roles: map[string]Role{"x": {Sandbox: "everything"}}},
	}
	for i, c := range bad {
		if _, err := New(c, nil); err == nil {
			t.Errorf("config %d accepted", i)
		}
	}
	if _, err := New(Config{}, nil); err != nil {
		t.Errorf("empty config: %v", err)
	}
}
