package emulator

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

func TestOrganizations(t *testing.T) {
	te := newTestEmulator(t, Options{Seed: smallSeed()})
	org := te.createOrg("Foo Corp", map[string]any{"external_id": "foo", "metadata": map[string]string{"tier": "gold"},
		"domain_data": []map[string]string{{"domain": "foo.test", "state": "verified"}, {"domain": "foo2.test", "state": "pending"}}})
	id := str(org, "id")
	if !strings.HasPrefix(id, "org_01") || len(id) != len("org_")+26 || str(org, "object") != "organization" {
		t.Fatalf("id %q object %q", id, str(org, "object"))
	}
	if ds, _ := org["domains"].([]any); len(ds) != 2 {
		t.Fatalf("domains: %v", org["domains"])
	}
	got := te.must(200, sk, "GET", "/organizations/"+id, nil).json(t)
	if str(got, "name") != "Foo Corp" || got["metadata"].(map[string]any)["tier"] != "gold" {
		t.Fatalf("get: %v", got)
	}
	te.must(200, sk, "GET", "/organizations/external_id/foo", nil)
	te.must(http.StatusNotFound, sk, "GET", "/organizations/external_id/nope", nil)
	// Update: name, metadata merge (empty value deletes), domains replaced.
	up := te.must(200, sk, "PUT", "/organizations/"+id, map[string]any{"name": "Foo Inc", "metadata": map[string]string{"tier": "", "region": "eu"},
		"domain_data": []map[string]string{{"domain": "foo.test", "state": "verified"}}}).json(t)
	if str(up, "name") != "Foo Inc" || len(up["domains"].([]any)) != 1 || up["metadata"].(map[string]any)["region"] != "eu" || up["metadata"].(map[string]any)["tier"] != nil {
		t.Fatalf("update: %v", up)
	}
	// external_id taken: 400 external_id_already_used, as the spec documents.
	te.createOrg("Bar", map[string]any{"external_id": "bar"})
	r := te.must(http.StatusBadRequest, sk, "PUT", "/organizations/"+id, map[string]any{"external_id": "bar"})
	if str(r.json(t), "code") != "external_id_already_used" {
		t.Fatalf("conflict: %s", r.body)
	}
	r = te.must(http.StatusBadRequest, sk, "POST", "/organizations", map[string]any{"name": "Dup", "external_id": "bar"})
	if str(r.json(t), "code") != "external_id_already_used" {
		t.Fatalf("conflict: %s", r.body)
	}
	te.must(http.StatusUnprocessableEntity, sk, "POST", "/organizations", map[string]any{"name": " "})
	te.must(http.StatusUnprocessableEntity, sk, "POST", "/organizations", map[string]any{"name": "X", "domains": []string{"not a domain"}})
	te.must(http.StatusBadRequest, sk, "POST", "/organizations", map[string]any{"name": "X", "metadata": map[string]string{strings.Repeat("k", 41): "v"}})
	// List filters.
	if l := te.must(200, sk, "GET", "/organizations?search=inc", nil).list(t); len(l) != 1 || str(l[0], "id") != id {
		t.Fatalf("search: %v", l)
	}
	if l := te.must(200, sk, "GET", "/organizations?domains=foo.test", nil).list(t); len(l) != 1 {
		t.Fatalf("domains filter: %v", l)
	}
	// Delete removes what hangs off it, with events.
	u := te.createUser("member@foo.test")
	te.must(http.StatusCreated, sk, "POST", "/user_management/organization_memberships", map[string]any{"user_id": str(u, "id"), "organization_id": id})
	te.must(http.StatusCreated, sk, "POST", "/organizations/"+id+"/api_keys", map[string]any{"name": "k"})
	te.must(http.StatusOK, sk, "DELETE", "/organizations/"+id, nil)
	te.must(http.StatusNotFound, sk, "GET", "/organizations/"+id, nil)
	te.must(http.StatusNotFound, sk, "DELETE", "/organizations/"+id, nil)
	if n := te.count("/user_management/organization_memberships?user_id=" + str(u, "id")); n != 0 {
		t.Fatalf("%d memberships left", n)
	}
	for _, ev := range []string{"organization.created", "organization.updated", "organization.deleted", "organization_membership.deleted", "organization_domain.deleted"} {
		if len(te.events(ev)) == 0 {
			t.Errorf("no %s event", ev)
		}
	}
	evs := te.must(200, sk, "GET", "/events?organization_id="+id+"&limit=100", nil).list(t)
	if len(evs) < 5 {
		t.Fatalf("events for the organization: %d", len(evs))
	}
	te.must(http.StatusUnprocessableEntity, sk, "GET", "/events?range_start=yesterday", nil)
}

func TestOrganizationDomains(t *testing.T) {
	te := newTestEmulator(t, Options{Seed: smallSeed()})
	org := te.createOrg("D", nil)
	d := te.must(http.StatusCreated, sk, "POST", "/organization_domains", map[string]any{"domain": "d.test", "organization_id": str(org, "id")}).json(t)
	if str(d, "state") != "pending" || str(d, "verification_strategy") != "dns" || str(d, "verification_token") == "" || !strings.HasPrefix(str(d, "id"), "org_domain_") {
		t.Fatalf("domain: %v", d)
	}
	r := te.must(http.StatusConflict, sk, "POST", "/organization_domains", map[string]any{"domain": "d.test", "organization_id": str(org, "id")})
	if str(r.json(t), "code") != "domain_already_exists" {
		t.Fatalf("dup: %s", r.body)
	}
	te.must(http.StatusNotFound, sk, "POST", "/organization_domains", map[string]any{"domain": "e.test", "organization_id": "org_missing"})
	te.must(http.StatusUnprocessableEntity, sk, "POST", "/organization_domains", map[string]any{"domain": "bad domain"})
	v := te.must(http.StatusCreated, sk, "POST", "/organization_domains/"+str(d, "id")+"/verify", nil).json(t)
	if str(v, "state") != "verified" {
		t.Fatalf("verify: %v", v)
	}
	// Verifying it again is the spec's 400 domain_already_verified, not a second 201.
	if r := te.must(http.StatusBadRequest, sk, "POST", "/organization_domains/"+str(d, "id")+"/verify", nil); str(r.json(t), "code") != "domain_already_verified" {
		t.Fatalf("verify again: %s", r.body)
	}
	// Another organization cannot verify a domain already verified elsewhere.
	other := te.createOrg("Other", nil)
	d2 := te.must(http.StatusCreated, sk, "POST", "/organization_domains", map[string]any{"domain": "d.test", "organization_id": str(other, "id")}).json(t)
	r = te.must(http.StatusBadRequest, sk, "POST", "/organization_domains/"+str(d2, "id")+"/verify", nil)
	if str(r.json(t), "code") != "domain_already_verified" {
		t.Fatalf("verify taken: %s", r.body)
	}
	te.must(200, sk, "GET", "/organization_domains/"+str(d, "id"), nil)
	te.must(http.StatusNoContent, sk, "DELETE", "/organization_domains/"+str(d, "id"), nil)
	te.must(http.StatusNotFound, sk, "GET", "/organization_domains/"+str(d, "id"), nil)
	if len(te.events("organization_domain.verified")) != 1 || len(te.events("organization_domain.deleted")) != 1 {
		t.Fatal("domain events missing")
	}
}

func TestUsersAndSessions(t *testing.T) {
	te := newTestEmulator(t, Options{Seed: smallSeed()})
	u := te.must(http.StatusCreated, sk, "POST", "/user_management/users", map[string]any{"email": "Jane@Example.test", "first_name": "Jane",
		"password": "correct horse battery", "external_id": "jane-1"}).json(t)
	id := str(u, "id")
	if str(u, "email") != "jane@example.test" || !strings.HasPrefix(id, "user_") || strings.Contains(string(te.must(200, sk, "GET", "/user_management/users/"+id, nil).body), "correct horse") {
		t.Fatalf("user: %v", u)
	}
	r := te.must(http.StatusUnprocessableEntity, sk, "POST", "/user_management/users", map[string]any{"email": "jane@example.test"})
	if !strings.Contains(string(r.body), "email_not_available") {
		t.Fatalf("dup email: %s", r.body)
	}
	te.must(http.StatusUnprocessableEntity, sk, "POST", "/user_management/users", map[string]any{"email": "nope"})
	te.must(http.StatusBadRequest, sk, "POST", "/user_management/users", map[string]any{"email": "short@example.test", "password": "short"})
	te.must(200, sk, "GET", "/user_management/users/external_id/jane-1", nil)
	up := te.must(200, sk, "PUT", "/user_management/users/"+id, map[string]any{"last_name": "Doe", "email_verified": true, "metadata": map[string]string{"k": "v"}}).json(t)
	if str(up, "last_name") != "Doe" || up["email_verified"] != true {
		t.Fatalf("update: %v", up)
	}
	if l := te.must(200, sk, "GET", "/user_management/users?email=jane@example.test", nil).list(t); len(l) != 1 {
		t.Fatalf("email filter: %v", l)
	}
	org := te.createOrg("O", nil)
	te.must(http.StatusCreated, sk, "POST", "/user_management/organization_memberships", map[string]any{"user_id": id, "organization_id": str(org, "id")})
	if l := te.must(200, sk, "GET", "/user_management/users?organization_id="+str(org, "id"), nil).list(t); len(l) != 1 {
		t.Fatalf("organization filter: %v", l)
	}
	// Sessions: created by sign-in, listed, revoked.
	te.mustSignIn(t, "sandbox", "jane@example.test", "correct horse battery")
	ss := te.must(200, sk, "GET", "/user_management/users/"+id+"/sessions", nil).list(t)
	if len(ss) != 1 || str(ss[0], "status") != "active" || str(ss[0], "auth_method") != "password" {
		t.Fatalf("sessions: %v", ss)
	}
	te.must(200, sk, "POST", "/user_management/sessions/revoke", map[string]any{"session_id": str(ss[0], "id")})
	ss = te.must(200, sk, "GET", "/user_management/users/"+id+"/sessions", nil).list(t)
	if str(ss[0], "status") != "revoked" {
		t.Fatalf("after revoke: %v", ss)
	}
	te.must(http.StatusNotFound, sk, "POST", "/user_management/sessions/revoke", map[string]any{"session_id": "session_nope"})
	te.must(200, sk, "DELETE", "/user_management/users/"+id, nil)
	te.must(http.StatusNotFound, sk, "GET", "/user_management/users/"+id, nil)
	for _, ev := range []string{"user.created", "user.updated", "user.deleted", "session.created", "session.revoked", "organization_membership.deleted"} {
		if len(te.events(ev)) == 0 {
			t.Errorf("no %s event", ev)
		}
	}
}

func (te *testEmulator) mustSignIn(t *testing.T, envName, email, password string) map[string]any {
	t.Helper()
	var env Environment
	for _, e := range te.Environments() {
		if e.Name == envName {
			env = e
		}
	}
	r := te.must(200, "", "POST", "/user_management/authenticate", map[string]any{"client_id": env.ClientID, "client_secret": env.APIKey,
		"grant_type": "password", "email": email, "password": password})
	return r.json(t)
}

func TestPasswordSignIn(t *testing.T) {
	te := newTestEmulator(t, Options{})
	for _, role := range DemoTeamRoles {
		out := te.mustSignIn(t, DemoTeamEnvironment, role+"@example.com", DemoPassword)
		u := out["user"].(map[string]any)
		if str(u, "email") != role+"@example.com" || str(out, "organization_id") != DemoTeamOrganizationID || str(out, "access_token") == "" {
			t.Fatalf("%s: %v", role, out)
		}
		ms := te.must(200, DemoTeamAPIKey, "GET", "/user_management/organization_memberships?user_id="+str(u, "id"), nil).list(t)
		if len(ms) != 1 || ms[0]["role"].(map[string]any)["slug"] != role {
			t.Fatalf("%s memberships: %v", role, ms)
		}
		// The role's permissions resolve through the roles API.
		r := te.must(200, DemoTeamAPIKey, "GET", "/authorization/roles/"+role, nil).json(t)
		if perms, _ := r["permissions"].([]any); len(perms) == 0 {
			t.Fatalf("role %s has no permissions", role)
		}
	}
	body := map[string]any{"client_id": DemoTeamClientID, "client_secret": DemoTeamAPIKey, "grant_type": "password", "email": "admin@example.com", "password": "wrong-password"}
	r := te.must(http.StatusBadRequest, "", "POST", "/user_management/authenticate", body)
	if str(r.json(t), "code") != "invalid_credentials" || strings.Contains(string(r.body), "wrong-password") {
		t.Fatalf("bad password: %s", r.body)
	}
	body["email"] = "nobody@example.com"
	te.must(http.StatusBadRequest, "", "POST", "/user_management/authenticate", body)
	body["client_secret"] = "sk_test_wrong"
	r = te.must(http.StatusUnauthorized, "", "POST", "/user_management/authenticate", body)
	if strings.Contains(string(r.body), "sk_test_wrong") {
		t.Fatalf("secret echoed: %s", r.body)
	}
	// The sandbox key does not sign in to the team environment.
	body["client_secret"] = DemoSandboxAPIKey
	te.must(http.StatusUnauthorized, "", "POST", "/user_management/authenticate", body)
	// Form encoding works too.
	r = te.do("", "POST", "/user_management/authenticate", url.Values{"client_id": {DemoTeamClientID}, "client_secret": {DemoTeamAPIKey},
		"grant_type": {"password"}, "email": {"member@example.com"}, "password": {DemoPassword}}.Encode(), "Content-Type", "application/x-www-form-urlencoded")
	if r.status != 200 {
		t.Fatalf("form: %d %s", r.status, r.body)
	}
}

func TestMemberships(t *testing.T) {
	te := newTestEmulator(t, Options{Seed: smallSeed()})
	org := te.createOrg("M", nil)
	u := te.createUser("m@m.test")
	m := te.must(http.StatusCreated, sk, "POST", "/user_management/organization_memberships", map[string]any{"user_id": str(u, "id"), "organization_id": str(org, "id")}).json(t)
	id := str(m, "id")
	if !strings.HasPrefix(id, "om_") || m["role"].(map[string]any)["slug"] != "member" || str(m, "status") != "active" || str(m, "organization_name") != "M" {
		t.Fatalf("membership: %v", m)
	}
	te.must(http.StatusUnprocessableEntity, sk, "POST", "/user_management/organization_memberships", map[string]any{"user_id": str(u, "id"), "organization_id": str(org, "id")})
	u2 := te.createUser("m2@m.test")
	r := te.must(http.StatusUnprocessableEntity, sk, "POST", "/user_management/organization_memberships", map[string]any{"user_id": str(u2, "id"), "organization_id": str(org, "id"), "role_slug": "ghost"})
	if str(r.json(t), "code") != "invalid_role" {
		t.Fatalf("invalid role: %s", r.body)
	}
	te.must(http.StatusBadRequest, sk, "GET", "/user_management/organization_memberships", nil)
	up := te.must(200, sk, "PUT", "/user_management/organization_memberships/"+id, map[string]any{"role_slug": "admin"}).json(t)
	if up["role"].(map[string]any)["slug"] != "admin" {
		t.Fatalf("update: %v", up)
	}
	d := te.must(200, sk, "PUT", "/user_management/organization_memberships/"+id+"/deactivate", nil).json(t)
	if str(d, "status") != "inactive" {
		t.Fatalf("deactivate: %v", d)
	}
	if l := te.must(200, sk, "GET", "/user_management/organization_memberships?organization_id="+str(org, "id")+"&statuses=active", nil).list(t); len(l) != 0 {
		t.Fatalf("active filter: %v", l)
	}
	te.must(http.StatusUnprocessableEntity, sk, "GET", "/user_management/organization_memberships?organization_id=x&statuses=bogus", nil)
	a := te.must(200, sk, "PUT", "/user_management/organization_memberships/"+id+"/reactivate", nil).json(t)
	if str(a, "status") != "active" {
		t.Fatalf("reactivate: %v", a)
	}
	te.must(200, sk, "GET", "/user_management/organization_memberships/"+id, nil)
	te.must(200, sk, "DELETE", "/user_management/organization_memberships/"+id, nil)
	te.must(http.StatusNotFound, sk, "GET", "/user_management/organization_memberships/"+id, nil)
	if len(te.events("organization_membership.updated")) != 3 {
		t.Fatalf("updated events: %d", len(te.events("organization_membership.updated")))
	}
}

func TestInvitations(t *testing.T) {
	te := newTestEmulator(t, Options{Seed: smallSeed()})
	org := te.createOrg("I", nil)
	inv := te.must(http.StatusCreated, sk, "POST", "/user_management/invitations", map[string]any{"email": "new@i.test", "organization_id": str(org, "id"), "role_slug": "admin"}).json(t)
	id := str(inv, "id")
	if str(inv, "state") != "pending" || str(inv, "token") == "" || !strings.Contains(str(inv, "accept_invitation_url"), str(inv, "token")) {
		t.Fatalf("invitation: %v", inv)
	}
	r := te.must(http.StatusBadRequest, sk, "POST", "/user_management/invitations", map[string]any{"email": "new@i.test", "organization_id": str(org, "id")})
	if str(r.json(t), "code") != "email_already_invited_to_organization" {
		t.Fatalf("dup: %s", r.body)
	}
	te.must(http.StatusBadRequest, sk, "POST", "/user_management/invitations", map[string]any{"email": "x@i.test", "expires_in_days": 0})
	te.must(http.StatusBadRequest, sk, "POST", "/user_management/invitations", map[string]any{"email": "x@i.test", "organization_id": str(org, "id"), "role_slug": "ghost"})
	te.must(200, sk, "GET", "/user_management/invitations/"+id, nil)
	te.must(200, sk, "GET", "/user_management/invitations/by_token/"+str(inv, "token"), nil)
	if l := te.must(200, sk, "GET", "/user_management/invitations?organization_id="+str(org, "id"), nil).list(t); len(l) != 1 {
		t.Fatalf("list: %v", l)
	}
	te.must(200, sk, "POST", "/user_management/invitations/"+id+"/resend", nil)
	acc := te.must(200, sk, "POST", "/user_management/invitations/"+id+"/accept", nil).json(t)
	if str(acc, "state") != "accepted" || str(acc, "accepted_user_id") == "" {
		t.Fatalf("accept: %v", acc)
	}
	ms := te.must(200, sk, "GET", "/user_management/organization_memberships?user_id="+str(acc, "accepted_user_id"), nil).list(t)
	if len(ms) != 1 || ms[0]["role"].(map[string]any)["slug"] != "admin" {
		t.Fatalf("membership from invitation: %v", ms)
	}
	r = te.must(http.StatusBadRequest, sk, "POST", "/user_management/invitations/"+id+"/revoke", nil)
	if str(r.json(t), "code") != "invite_not_pending" {
		t.Fatalf("revoke accepted: %s", r.body)
	}
	inv2 := te.must(http.StatusCreated, sk, "POST", "/user_management/invitations", map[string]any{"email": "other@i.test"}).json(t)
	rv := te.must(200, sk, "POST", "/user_management/invitations/"+str(inv2, "id")+"/revoke", nil).json(t)
	if str(rv, "state") != "revoked" || rv["revoked_at"] == nil {
		t.Fatalf("revoke: %v", rv)
	}
	te.must(http.StatusBadRequest, sk, "POST", "/user_management/invitations/"+str(inv2, "id")+"/resend", nil)
	for _, ev := range []string{"invitation.created", "invitation.resent", "invitation.accepted", "invitation.revoked"} {
		evs := te.events(ev)
		if len(evs) == 0 {
			t.Errorf("no %s event", ev)
		} else if _, leaked := evs[0]["data"].(map[string]any)["token"]; leaked {
			t.Errorf("%s carries the token", ev)
		}
	}
}

func TestRolesAndPermissions(t *testing.T) {
	te := newTestEmulator(t, Options{Seed: smallSeed()})
	p := te.must(http.StatusCreated, sk, "POST", "/authorization/permissions", map[string]any{"slug": "reports:export", "name": "Export reports"}).json(t)
	if !strings.HasPrefix(str(p, "id"), "perm_") {
		t.Fatalf("permission: %v", p)
	}
	te.must(http.StatusConflict, sk, "POST", "/authorization/permissions", map[string]any{"slug": "reports:export", "name": "Again"})
	te.must(http.StatusUnprocessableEntity, sk, "POST", "/authorization/permissions", map[string]any{"slug": "Bad Slug", "name": ""})
	te.must(200, sk, "PATCH", "/authorization/permissions/reports:export", map[string]any{"name": "Export"})
	te.must(200, sk, "GET", "/authorization/permissions/reports:export", nil)
	if n := te.count("/authorization/permissions"); n != 3 {
		t.Fatalf("%d permissions", n)
	}
	// Environment roles.
	te.must(http.StatusCreated, sk, "POST", "/authorization/roles", map[string]any{"slug": "editor", "name": "Editor"})
	te.must(http.StatusConflict, sk, "POST", "/authorization/roles", map[string]any{"slug": "editor", "name": "Editor"})
	r := te.must(200, sk, "PUT", "/authorization/roles/editor/permissions", map[string]any{"permissions": []string{"documents:read", "reports:export"}}).json(t)
	if len(r["permissions"].([]any)) != 2 {
		t.Fatalf("set permissions: %v", r)
	}
	te.must(http.StatusUnprocessableEntity, sk, "PUT", "/authorization/roles/editor/permissions", map[string]any{"permissions": []string{"ghost"}})
	r = te.must(200, sk, "POST", "/authorization/roles/editor/permissions", map[string]any{"slug": "documents:write"}).json(t)
	if len(r["permissions"].([]any)) != 3 {
		t.Fatalf("add permission: %v", r)
	}
	te.must(200, sk, "PATCH", "/authorization/roles/editor", map[string]any{"name": "Editors"})
	if n := len(te.must(200, sk, "GET", "/authorization/roles", nil).list(t)); n != 3 {
		t.Fatalf("%d roles", n)
	}
	// Organization roles: slug gets the org- prefix; environment roles are listed too.
	org := te.createOrg("R", nil)
	base := "/authorization/organizations/" + str(org, "id") + "/roles"
	or := te.must(http.StatusCreated, sk, "POST", base, map[string]any{"name": "Billing Admin"}).json(t)
	if str(or, "slug") != "org-billing-admin" || str(or, "type") != "OrganizationRole" {
		t.Fatalf("org role: %v", or)
	}
	if n := len(te.must(200, sk, "GET", base, nil).list(t)); n != 4 {
		t.Fatalf("%d organization roles", n)
	}
	te.must(200, sk, "GET", base+"/org-billing-admin", nil)
	te.must(200, sk, "PATCH", base+"/org-billing-admin", map[string]any{"name": "Billing"})
	te.must(200, sk, "PUT", base+"/org-billing-admin/permissions", map[string]any{"permissions": []string{"documents:read"}})
	te.must(200, sk, "POST", base+"/org-billing-admin/permissions", map[string]any{"slug": "reports:export"})
	te.must(200, sk, "DELETE", base+"/org-billing-admin/permissions/documents:read", nil)
	te.must(http.StatusNotFound, sk, "DELETE", base+"/org-billing-admin/permissions/documents:read", nil)
	te.must(http.StatusBadRequest, sk, "PATCH", base+"/admin", map[string]any{"name": "Nope"})
	// A role in use cannot be deleted.
	u := te.createUser("r@r.test")
	m := te.must(http.StatusCreated, sk, "POST", "/user_management/organization_memberships", map[string]any{"user_id": str(u, "id"), "organization_id": str(org, "id"), "role_slug": "org-billing-admin"}).json(t)
	rr := te.must(http.StatusConflict, sk, "DELETE", base+"/org-billing-admin", nil)
	if str(rr.json(t), "code") != "role_has_assignments" {
		t.Fatalf("delete in use: %s", rr.body)
	}
	te.must(200, sk, "PUT", "/user_management/organization_memberships/"+str(m, "id"), map[string]any{"role_slug": "member"})
	te.must(http.StatusNoContent, sk, "DELETE", base+"/org-billing-admin", nil)
	te.must(http.StatusNotFound, sk, "GET", base+"/org-billing-admin", nil)
	// Deleting a permission takes it out of the roles that grant it.
	te.must(http.StatusNoContent, sk, "DELETE", "/authorization/permissions/reports:export", nil)
	r = te.must(200, sk, "GET", "/authorization/roles/editor", nil).json(t)
	if slices.Contains(r["permissions"].([]any), any("reports:export")) {
		t.Fatalf("permission still granted: %v", r)
	}
	for _, ev := range []string{"permission.created", "permission.deleted", "role.created", "role.updated", "organization_role.created", "organization_role.deleted"} {
		if len(te.events(ev)) == 0 {
			t.Errorf("no %s event", ev)
		}
	}
}

func TestConnectionsAndDirectories(t *testing.T) {
	te := newTestEmulator(t, Options{})
	cs := te.must(200, sk, "GET", "/connections?limit=100", nil).list(t)
	if len(cs) != 3 {
		t.Fatalf("%d connections", len(cs))
	}
	states := map[string]bool{}
	for _, c := range cs {
		states[str(c, "state")] = true
	}
	if !states["active"] || !states["inactive"] {
		t.Fatalf("connection states: %v", states)
	}
	if l := te.must(200, sk, "GET", "/connections?connection_type=OktaSAML", nil).list(t); len(l) != 1 {
		t.Fatalf("type filter: %v", l)
	}
	id := str(cs[0], "id")
	te.must(200, sk, "GET", "/connections/"+id, nil)
	te.must(http.StatusNoContent, sk, "DELETE", "/connections/"+id, nil)
	te.must(http.StatusNotFound, sk, "GET", "/connections/"+id, nil)
	if len(te.events("connection.deleted")) != 1 {
		t.Fatal("no connection.deleted event")
	}
	ds := te.must(200, sk, "GET", "/directories", nil).list(t)
	if len(ds) != 1 {
		t.Fatalf("%d directories", len(ds))
	}
	dir := str(ds[0], "id")
	te.must(200, sk, "GET", "/directories/"+dir, nil)
	users := te.must(200, sk, "GET", "/directory_users?directory="+dir+"&limit=100", nil).list(t)
	groups := te.must(200, sk, "GET", "/directory_groups?directory="+dir, nil).list(t)
	if len(users) != 4 || len(groups) != 2 {
		t.Fatalf("%d users, %d groups", len(users), len(groups))
	}
	te.must(200, sk, "GET", "/directory_users/"+str(users[0], "id"), nil)
	te.must(200, sk, "GET", "/directory_groups/"+str(groups[0], "id"), nil)
	inGroup := te.must(200, sk, "GET", "/directory_users?group="+str(groups[0], "id"), nil).list(t)
	if len(inGroup) == 0 {
		t.Fatal("no users in a group")
	}
	te.must(200, sk, "GET", "/directory_groups?user="+str(inGroup[0], "id"), nil)
	te.must(http.StatusUnprocessableEntity, sk, "GET", "/directory_users", nil)
	te.must(http.StatusUnprocessableEntity, sk, "GET", "/directory_groups", nil)
	te.must(http.StatusNotFound, sk, "GET", "/directory_users?directory=directory_nope", nil)
	te.must(200, sk, "DELETE", "/directories/"+dir, nil)
	te.must(http.StatusNotFound, sk, "GET", "/directory_users/"+str(users[0], "id"), nil)
	if len(te.events("dsync.deleted")) != 1 {
		t.Fatal("no dsync.deleted event")
	}
}

func TestAuditLogs(t *testing.T) {
	te := newTestEmulator(t, Options{})
	orgs := te.must(200, sk, "GET", "/organizations?search=acme", nil).list(t)
	org := str(orgs[0], "id")
	ev := map[string]any{"action": "user.signed_in", "occurred_at": "2026-02-01T10:00:00.000Z",
		"actor": map[string]any{"id": "user_1", "type": "user", "name": "Zed Zero"}, "targets": []map[string]any{{"id": "user_1", "type": "user"}},
		"context": map[string]any{"location": "192.0.2.1"}}
	body := map[string]any{"organization_id": org, "event": ev}
	te.must(200, sk, "POST", "/audit_logs/events", body, "Idempotency-Key", "audit-1")
	te.must(200, sk, "POST", "/audit_logs/events", body, "Idempotency-Key", "audit-1")
	bad := map[string]any{"organization_id": org, "event": map[string]any{"action": "user.signed_in", "occurred_at": "2026-02-01T10:00:00Z",
		"actor": map[string]any{"id": "u", "type": "user"}, "targets": []map[string]any{{"id": "d", "type": "document"}}, "context": map[string]any{"location": "x"}}}
	// Schema failures are the spec's 400 invalid_audit_log_event with JSON pointers into the event.
	r := te.must(http.StatusBadRequest, sk, "POST", "/audit_logs/events", bad).json(t)
	if r["code"] != "invalid_audit_log_event" || fmt.Sprint(r["errors"]) != "[map[instancePath:/targets/0/type message:target type 'document' is not in the schema of user.signed_in.]]" {
		t.Fatalf("bad target type: %v", r)
	}
	r = te.must(http.StatusBadRequest, sk, "POST", "/audit_logs/events", map[string]any{"organization_id": org, "event": map[string]any{}}).json(t)
	var paths []string
	for _, e := range r["errors"].([]any) {
		paths = append(paths, e.(map[string]any)["instancePath"].(string))
	}
	if strings.Join(paths, " ") != "/action /occurred_at /actor /targets /context" {
		t.Fatalf("empty event: %v", r)
	}
	acts := te.must(200, sk, "GET", "/audit_logs/actions", nil).list(t)
	if len(acts) != 3 {
		t.Fatalf("%d actions", len(acts))
	}
	s := te.must(http.StatusCreated, sk, "POST", "/audit_logs/actions/user.signed_in/schemas", map[string]any{"targets": []map[string]any{{"type": "user"}, {"type": "team"}}}).json(t)
	if s["version"] != float64(2) {
		t.Fatalf("schema version: %v", s)
	}
	if n := len(te.must(200, sk, "GET", "/audit_logs/actions/user.signed_in/schemas", nil).list(t)); n != 2 {
		t.Fatalf("%d schemas", n)
	}
	te.must(http.StatusNotFound, sk, "GET", "/audit_logs/actions/no.such/schemas", nil)
	x := te.must(http.StatusCreated, sk, "POST", "/audit_logs/exports", map[string]any{"organization_id": org,
		"range_start": "2026-01-01T00:00:00Z", "range_end": "2026-03-01T00:00:00Z"}).json(t)
	if str(x, "state") != "ready" || x["url"] == nil {
		t.Fatalf("export: %v", x)
	}
	te.must(200, sk, "GET", "/audit_logs/exports/"+str(x, "id"), nil)
	te.must(http.StatusUnprocessableEntity, sk, "POST", "/audit_logs/exports", map[string]any{"organization_id": org, "range_start": "nope", "range_end": "2026-03-01T00:00:00Z"})
	u, _ := url.Parse(str(x, "url"))
	csv := te.must(200, "", "GET", u.Path+"?"+u.RawQuery, nil)
	if !strings.HasPrefix(csv.header.Get("Content-Type"), "text/csv") || strings.Count(string(csv.body), "user.signed_in") != 2 || !strings.Contains(string(csv.body), "Zed Zero") {
		t.Fatalf("csv: %s", csv.body)
	}
	te.must(http.StatusNotFound, "", "GET", u.Path+"?token=wrong", nil)
}

func TestWebhooksAPIKeysFlagsPortal(t *testing.T) {
	te := newTestEmulator(t, Options{BaseURL: "http://127.0.0.1:9/workos"})
	w := te.must(http.StatusCreated, sk, "POST", "/webhook_endpoints", map[string]any{"endpoint_url": "https://example.test/hook", "events": []string{"user.created"}}).json(t)
	if !strings.HasPrefix(str(w, "secret"), "whsec_") || !strings.HasPrefix(str(w, "id"), "we_") {
		t.Fatalf("webhook: %v", w)
	}
	te.must(http.StatusConflict, sk, "POST", "/webhook_endpoints", map[string]any{"endpoint_url": "https://example.test/hook", "events": []string{"user.created"}})
	te.must(http.StatusUnprocessableEntity, sk, "POST", "/webhook_endpoints", map[string]any{"endpoint_url": "ftp://x", "events": []string{"user.created"}})
	up := te.must(200, sk, "PATCH", "/webhook_endpoints/"+str(w, "id"), map[string]any{"status": "disabled"}).json(t)
	if str(up, "status") != "disabled" {
		t.Fatalf("update: %v", up)
	}
	if n := te.count("/webhook_endpoints"); n != 2 {
		t.Fatalf("%d webhook endpoints", n)
	}
	te.must(http.StatusNoContent, sk, "DELETE", "/webhook_endpoints/"+str(w, "id"), nil)
	te.must(http.StatusNotFound, sk, "DELETE", "/webhook_endpoints/"+str(w, "id"), nil)

	org := str(te.must(200, sk, "GET", "/organizations/external_id/acme", nil).json(t), "id")
	k := te.must(http.StatusCreated, sk, "POST", "/organizations/"+org+"/api_keys", map[string]any{"name": "Deploy"}).json(t)
	value := str(k, "value")
	if !strings.HasPrefix(value, "sk_") || !strings.HasSuffix(str(k, "obfuscated_value"), value[len(value)-4:]) {
		t.Fatalf("api key: %v", k)
	}
	list := te.must(200, sk, "GET", "/organizations/"+org+"/api_keys", nil)
	if strings.Contains(string(list.body), value) || len(list.list(t)) != 2 {
		t.Fatalf("list shows the value or misses keys: %s", list.body)
	}
	v := te.must(200, sk, "POST", "/api_keys/validations", map[string]any{"value": value}).json(t)
	if v["api_key"] == nil {
		t.Fatalf("validation: %v", v)
	}
	te.must(http.StatusNoContent, sk, "DELETE", "/api_keys/"+str(k, "id"), nil)
	if v := te.must(200, sk, "POST", "/api_keys/validations", map[string]any{"value": value}).json(t); v["api_key"] != nil {
		t.Fatalf("deleted key still valid: %v", v)
	}

	flags := te.must(200, sk, "GET", "/feature-flags", nil).list(t)
	if len(flags) != 3 {
		t.Fatalf("%d flags", len(flags))
	}
	f := te.must(200, sk, "PUT", "/feature-flags/audit-log-streaming/enable", nil).json(t)
	if f["enabled"] != true {
		t.Fatalf("enable: %v", f)
	}
	te.must(http.StatusNoContent, sk, "POST", "/feature-flags/audit-log-streaming/targets/"+org, nil)
	orgFlags := te.must(200, sk, "GET", "/organizations/"+org+"/feature-flags", nil).list(t)
	if len(orgFlags) != 3 { // new-dashboard (targeted), passkeys (default on), audit-log-streaming (now targeted)
		t.Fatalf("organization flags: %v", orgFlags)
	}
	te.must(http.StatusNoContent, sk, "DELETE", "/feature-flags/audit-log-streaming/targets/"+org, nil)
	te.must(200, sk, "PUT", "/feature-flags/audit-log-streaming/disable", nil)
	te.must(200, sk, "GET", "/feature-flags/passkeys", nil)
	te.must(http.StatusNotFound, sk, "GET", "/feature-flags/nope", nil)
	te.must(http.StatusBadRequest, sk, "POST", "/feature-flags/passkeys/targets/conn_123", nil)
	users := te.must(200, sk, "GET", "/user_management/users?email=alice@acme.test", nil).list(t)
	te.must(200, sk, "GET", "/user_management/users/"+str(users[0], "id")+"/feature-flags", nil)

	link := te.must(http.StatusCreated, sk, "POST", "/portal/generate_link", map[string]any{"organization": org, "intent": "sso"}).json(t)
	if !strings.HasPrefix(str(link, "link"), "http://127.0.0.1:9/workos/") {
		t.Fatalf("portal link: %v", link)
	}
	te.must(http.StatusUnprocessableEntity, sk, "POST", "/portal/generate_link", map[string]any{"organization": org, "intent": "everything"})
	te.must(http.StatusNotFound, sk, "POST", "/portal/generate_link", map[string]any{"organization": "org_nope"})
	lu, _ := url.Parse(str(link, "link"))
	te.must(200, "", "GET", strings.TrimPrefix(lu.Path, "/workos")+"?"+lu.RawQuery, nil)
}
