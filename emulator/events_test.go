package emulator

import (
	"net/http"
	"testing"
)

// TestEventsMatchTheSpec makes the emulator emit every kind of event it knows, then reads them
// all back through GET /events, whose responses the spec validates event by event.
func TestEventsMatchTheSpec(t *testing.T) {
	te := newTestEmulator(t, Options{Seed: smallSeed()})
	org := str(te.createOrg("G", nil), "id")
	g := te.must(http.StatusCreated, sk, "POST", "/organizations/"+org+"/groups", map[string]any{"name": "E"}).json(t)
	te.must(200, sk, "PATCH", "/organizations/"+org+"/groups/"+str(g, "id"), map[string]any{"name": "F"})
	u := te.createUser("x@x.test")
	te.must(200, sk, "PUT", "/user_management/users/"+str(u, "id"), map[string]any{"first_name": "Y"})
	te.must(http.StatusCreated, sk, "POST", "/organizations/"+org+"/api_keys", map[string]any{"name": "k"})
	te.must(http.StatusCreated, sk, "POST", "/authorization/organizations/"+org+"/roles", map[string]any{"name": "R"})
	te.must(200, sk, "PATCH", "/authorization/organizations/"+org+"/roles/org-r", map[string]any{"name": "R2"})
	te.must(200, sk, "PATCH", "/authorization/roles/admin", map[string]any{"name": "R2"})
	te.must(http.StatusNoContent, sk, "DELETE", "/authorization/organizations/"+org+"/roles/org-r", nil)
	te.must(http.StatusNoContent, sk, "DELETE", "/organizations/"+org+"/groups/"+str(g, "id"), nil)
	te.must(http.StatusOK, sk, "DELETE", "/organizations/"+org, nil)
	first := readAllEvents(t, te)
	for _, want := range []string{"organization.created", "organization.deleted", "user.created", "user.updated", "api_key.created",
		"group.created", "group.updated", "group.deleted", "organization_role.created", "organization_role.updated",
		"organization_role.deleted", "role.updated"} {
		if !first[want] {
			t.Errorf("no %s event", want)
		}
	}
	te2 := newTestEmulator(t, Options{})
	ids := te2.must(200, sk, "GET", "/connections", nil).list(t)
	te2.must(http.StatusNoContent, sk, "DELETE", "/connections/"+str(ids[0], "id"), nil)
	ds := te2.must(200, sk, "GET", "/directories", nil).list(t)
	te2.must(200, sk, "DELETE", "/directories/"+str(ds[0], "id"), nil)
	te2.must(200, sk, "PUT", "/feature-flags/passkeys/disable", nil)
	inv := te2.must(200, sk, "GET", "/user_management/invitations", nil).list(t)
	te2.must(200, sk, "POST", "/user_management/invitations/"+str(inv[0], "id")+"/revoke", nil)
	te2.must(200, sk, "POST", "/user_management/invitations/"+str(inv[1], "id")+"/accept", nil)
	te2.mustSignIn(t, "sandbox", "alice@acme.test", DemoPassword)
	te2.must(http.StatusBadRequest, "", "POST", "/user_management/authenticate", map[string]any{"client_id": DemoSandboxClientID,
		"client_secret": sk, "grant_type": "password", "email": "nobody@acme.test", "password": "whatever-it-is"})
	o := str(te2.must(200, sk, "GET", "/organizations/external_id/acme", nil).json(t), "id")
	te2.must(200, sk, "PUT", "/organizations/"+o, map[string]any{"name": "Acme 2", "domain_data": []map[string]string{{"domain": "acme.test", "state": "verified"}}})
	ms := te2.must(200, sk, "GET", "/user_management/organization_memberships?organization_id="+o, nil).list(t)
	te2.must(200, sk, "PUT", "/user_management/organization_memberships/"+str(ms[0], "id")+"/deactivate", nil)
	te2.must(200, sk, "DELETE", "/user_management/organization_memberships/"+str(ms[1], "id"), nil)
	inv2 := te2.must(http.StatusCreated, sk, "POST", "/user_management/invitations", map[string]any{"email": "zz@acme.test"}).json(t)
	te2.must(200, sk, "POST", "/user_management/invitations/"+str(inv2, "id")+"/resend", nil)
	us := te2.must(200, sk, "GET", "/user_management/users?email=frank@initech.test", nil).list(t)
	te2.must(200, sk, "DELETE", "/user_management/users/"+str(us[0], "id"), nil)
	ss := te2.must(200, sk, "GET", "/user_management/users?email=alice@acme.test", nil).list(t)
	sess := te2.must(200, sk, "GET", "/user_management/users/"+str(ss[0], "id")+"/sessions", nil).list(t)
	te2.must(200, sk, "POST", "/user_management/sessions/revoke", map[string]any{"session_id": str(sess[0], "id")})
	te2.must(200, sk, "PATCH", "/authorization/permissions/documents:read", map[string]any{"name": "x"})
	te2.must(http.StatusNoContent, sk, "DELETE", "/authorization/permissions/reports:export", nil)
	ks := te2.must(200, sk, "GET", "/organizations/"+o+"/api_keys", nil).list(t)
	te2.must(200, sk, "POST", "/api_keys/"+str(ks[0], "id")+"/expire", nil)
	te2.must(http.StatusNoContent, sk, "DELETE", "/api_keys/"+str(ks[0], "id"), nil)
	te2.must(http.StatusNoContent, sk, "POST", "/feature-flags/passkeys/targets/"+o, nil)
	d := te2.must(http.StatusCreated, sk, "POST", "/organization_domains", map[string]any{"domain": "bad.invalid", "organization_id": o}).json(t)
	te2.must(http.StatusCreated, sk, "POST", "/organization_domains/"+str(d, "id")+"/verify", nil)
	te2.must(http.StatusNoContent, sk, "DELETE", "/organization_domains/"+str(d, "id"), nil)
	kinds := readAllEvents(t, te2)
	for _, want := range []string{"organization.updated", "organization_membership.updated", "organization_membership.deleted", "invitation.resent",
		"user.deleted", "session.revoked", "permission.deleted", "api_key.revoked", "flag.rule_updated", "organization_domain.verification_failed",
		"dsync.deleted", "connection.deleted", "authentication.password_succeeded", "api_key.updated", "authentication.password_failed",
		"invitation.created", "invitation.revoked", "invitation.accepted", "organization_domain.created", "organization_domain.deleted",
		"flag.updated", "session.created"} {
		if !kinds[want] {
			t.Errorf("no %s event", want)
		}
	}
}

func readAllEvents(t *testing.T, te *testEmulator) map[string]bool {
	t.Helper()
	kinds := map[string]bool{}
	after := ""
	for range 100 {
		q := "/events?order=asc&limit=100"
		if after != "" {
			q += "&after=" + after
		}
		var page struct {
			Data []struct {
				ID    string `json:"id"`
				Event string `json:"event"`
			} `json:"data"`
			Meta struct {
				After *string `json:"after"`
			} `json:"list_metadata"`
		}
		if err := jsonUnmarshal(te.must(200, sk, "GET", q, nil).body, &page); err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Data {
			kinds[e.Event] = true
		}
		if page.Meta.After == nil {
			return kinds
		}
		after = *page.Meta.After
	}
	t.Fatal("events never end")
	return nil
}
