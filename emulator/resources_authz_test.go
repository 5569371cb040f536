package emulator

import (
	"net/http"
	"testing"
)

func TestAuthorizationResources(t *testing.T) {
	te := newTestEmulator(t, Options{Seed: smallSeed()})
	org := str(te.createOrg("FGA", nil), "id")
	u := te.createUser("f@fga.test")
	m := te.must(http.StatusCreated, sk, "POST", "/user_management/organization_memberships", map[string]any{"user_id": str(u, "id"), "organization_id": org, "role_slug": "member"}).json(t)
	om := "/authorization/organization_memberships/" + str(m, "id")
	ws := te.must(http.StatusCreated, sk, "POST", "/authorization/resources", map[string]any{"external_id": "ws-1", "name": "Workspace", "resource_type_slug": "workspace", "organization_id": org}).json(t)
	proj := te.must(http.StatusCreated, sk, "POST", "/authorization/resources", map[string]any{"external_id": "p-1", "name": "Project", "resource_type_slug": "project",
		"organization_id": org, "parent_resource_external_id": "ws-1", "parent_resource_type_slug": "workspace"}).json(t)
	if proj["parent_resource_id"] != str(ws, "id") {
		t.Fatalf("parent: %v", proj)
	}
	te.must(http.StatusConflict, sk, "POST", "/authorization/resources", map[string]any{"external_id": "p-1", "name": "Again", "resource_type_slug": "project", "organization_id": org})
	te.must(http.StatusUnprocessableEntity, sk, "POST", "/authorization/resources", map[string]any{"name": "No ids"})
	te.must(http.StatusBadRequest, sk, "GET", "/authorization/resources", nil)
	if n := te.count("/authorization/resources?organization_id=" + org); n != 2 {
		t.Fatalf("%d resources", n)
	}
	if n := te.count("/authorization/resources?organization_id=" + org + "&parent_resource_id=" + str(ws, "id")); n != 1 {
		t.Fatalf("%d children", n)
	}
	byExt := "/authorization/organizations/" + org + "/resources/project/p-1"
	te.must(200, sk, "GET", byExt, nil)
	te.must(200, sk, "PATCH", byExt, map[string]any{"name": "Project One"})
	te.must(200, sk, "GET", "/authorization/resources/"+str(proj, "id"), nil)
	te.must(http.StatusUnprocessableEntity, sk, "PATCH", "/authorization/resources/"+str(ws, "id"), map[string]any{"parent_resource_id": str(proj, "id")})

	// The member may read (organization role) but not write, until a role on the workspace
	// grants it on the project below.
	check := func(resource, perm string) bool {
		return te.must(200, sk, "POST", om+"/check", map[string]any{"permission_slug": perm, "resource_id": resource}).json(t)["authorized"] == true
	}
	if !check(str(proj, "id"), "documents:read") || check(str(proj, "id"), "documents:write") {
		t.Fatal("before the assignment")
	}
	a := te.must(http.StatusCreated, sk, "POST", om+"/role_assignments", map[string]any{"role_slug": "admin", "resource_id": str(ws, "id")}).json(t)
	if !check(str(proj, "id"), "documents:write") {
		t.Fatal("an admin role on the parent does not reach the child")
	}
	te.must(http.StatusUnprocessableEntity, sk, "POST", om+"/role_assignments", map[string]any{"role_slug": "admin", "resource_id": str(ws, "id")})
	te.must(http.StatusUnprocessableEntity, sk, "POST", om+"/role_assignments", map[string]any{"role_slug": "ghost", "resource_id": str(ws, "id")})
	if n := te.count(om + "/role_assignments"); n != 1 {
		t.Fatalf("%d assignments", n)
	}
	if n := te.count("/authorization/resources/" + str(ws, "id") + "/role_assignments"); n != 1 {
		t.Fatalf("%d resource assignments", n)
	}
	te.must(200, sk, "GET", "/authorization/organizations/"+org+"/resources/workspace/ws-1/role_assignments", nil)
	if n := te.count(om + "/resources?permission_slug=documents:write"); n != 2 {
		t.Fatalf("%d writable resources", n)
	}
	perms := te.must(200, sk, "GET", om+"/resources/"+str(proj, "id")+"/permissions", nil).list(t)
	if len(perms) != 2 {
		t.Fatalf("effective permissions: %v", perms)
	}
	te.must(200, sk, "GET", om+"/resources/project/p-1/permissions", nil)
	if n := te.count("/authorization/resources/" + str(proj, "id") + "/organization_memberships?permission_slug=documents:write"); n != 1 {
		t.Fatalf("%d memberships that may write", n)
	}
	if n := te.count("/authorization/resources/" + str(proj, "id") + "/organization_memberships?permission_slug=documents:write&assignment=direct"); n != 0 {
		t.Fatalf("%d direct writers on the project", n)
	}
	te.must(200, sk, "GET", "/authorization/organizations/"+org+"/resources/workspace/ws-1/organization_memberships?permission_slug=documents:read", nil)
	te.must(http.StatusBadRequest, sk, "GET", "/authorization/resources/"+str(proj, "id")+"/organization_memberships", nil)
	te.must(http.StatusNoContent, sk, "DELETE", om+"/role_assignments", map[string]any{"role_slug": "admin", "resource_external_id": "ws-1", "resource_type_slug": "workspace"})
	te.must(http.StatusNotFound, sk, "DELETE", om+"/role_assignments/"+str(a, "id"), nil)
	a = te.must(http.StatusCreated, sk, "POST", om+"/role_assignments", map[string]any{"role_slug": "admin", "resource_id": str(proj, "id")}).json(t)
	te.must(http.StatusNoContent, sk, "DELETE", om+"/role_assignments/"+str(a, "id"), nil)

	// A parent with children goes only with cascade_delete.
	r := te.must(http.StatusConflict, sk, "DELETE", "/authorization/resources/"+str(ws, "id"), nil)
	if str(r.json(t), "code") != "resource_has_dependents" {
		t.Fatalf("delete parent: %s", r.body)
	}
	te.must(http.StatusNoContent, sk, "DELETE", "/authorization/organizations/"+org+"/resources/workspace/ws-1?cascade_delete=true", nil)
	te.must(http.StatusNotFound, sk, "GET", byExt, nil)
}
