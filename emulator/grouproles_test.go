package emulator

import (
	"net/http"
	"testing"
)

// A role the group holds on a resource is its members' permission on that resource and its
// descendants, and nowhere else; it ends with the membership in the group, or the group.
func TestGroupRoleAssignmentGrantsMembers(t *testing.T) {
	te := newTestEmulator(t, Options{})
	acme := str(te.must(200, sk, "GET", "/organizations/external_id/acme", nil).json(t), "id")
	bob := str(te.must(200, sk, "GET", "/user_management/users?email=bob@acme.test", nil).list(t)[0], "id")
	om := str(te.must(200, sk, "GET", "/user_management/organization_memberships?organization_id="+acme+"&user_id="+bob, nil).list(t)[0], "id")
	res := func(ext string, parent string) string {
		body := map[string]any{"external_id": ext, "name": ext, "resource_type_slug": "workspace", "organization_id": acme}
		if parent != "" {
			body["parent_resource_id"] = parent
		}
		return str(te.must(http.StatusCreated, sk, "POST", "/authorization/resources", body).json(t), "id")
	}
	billing, child, other := res("billing-ws", ""), "", res("other-ws", "")
	child = res("billing-child", billing)
	can := func(resource string) bool {
		r := te.must(200, sk, "POST", "/authorization/organization_memberships/"+om+"/check",
			map[string]any{"permission_slug": "billing:manage", "resource_id": resource}).json(t)
		return r["authorized"] == true
	}
	if can(billing) {
		t.Fatal("bob (member) can manage billing before any group role")
	}
	g := str(te.must(http.StatusCreated, sk, "POST", "/organizations/"+acme+"/groups", map[string]any{"name": "Billing"}).json(t), "id")
	te.must(200, sk, "POST", "/organizations/"+acme+"/groups/"+g+"/organization-memberships", map[string]any{"organization_membership_id": om})
	a := te.must(http.StatusCreated, sk, "POST", "/authorization/groups/"+g+"/role_assignments", map[string]any{"role_slug": "admin", "resource_id": billing}).json(t)
	if str(a, "object") != "group_role_assignment" || str(a, "group_id") != g {
		t.Fatalf("assignment: %v", a)
	}
	if !can(billing) || !can(child) || can(other) {
		t.Fatalf("through the group: billing %v, child %v, other %v; want true, true, false", can(billing), can(child), can(other))
	}
	// A role that does not exist, or a resource of another organization, changes nothing.
	te.must(http.StatusUnprocessableEntity, sk, "POST", "/authorization/groups/"+g+"/role_assignments", map[string]any{"role_slug": "no-such-role", "resource_id": other})
	te.must(http.StatusNotFound, sk, "POST", "/authorization/groups/group_missing/role_assignments", map[string]any{"role_slug": "admin", "resource_id": other})
	if n := len(te.must(200, sk, "GET", "/authorization/groups/"+g+"/role_assignments", nil).list(t)); n != 1 {
		t.Fatalf("%d assignments after refused requests, want 1", n)
	}
	// Replacing keeps the same grant (same ID) and drops the rest.
	out := te.must(200, sk, "PUT", "/authorization/groups/"+g+"/role_assignments", map[string]any{"role_assignments": []map[string]any{
		{"role_slug": "admin", "resource_id": billing}, {"role_slug": "viewer", "resource_id": other}}}).list(t)
	if len(out) != 2 || (str(out[0], "id") != str(a, "id") && str(out[1], "id") != str(a, "id")) {
		t.Fatalf("replace: %v (kept ID %s?)", out, str(a, "id"))
	}
	te.must(http.StatusNoContent, sk, "DELETE", "/organizations/"+acme+"/groups/"+g+"/organization-memberships/"+om, nil)
	if can(billing) {
		t.Fatal("bob keeps the group's role after leaving the group")
	}
	te.must(200, sk, "POST", "/organizations/"+acme+"/groups/"+g+"/organization-memberships", map[string]any{"organization_membership_id": om})
	te.must(http.StatusNoContent, sk, "DELETE", "/organizations/"+acme+"/groups/"+g, nil)
	if can(billing) {
		t.Fatal("bob keeps the role of a deleted group")
	}
	te.must(http.StatusNotFound, sk, "GET", "/authorization/groups/"+g+"/role_assignments/"+str(a, "id"), nil)
}
