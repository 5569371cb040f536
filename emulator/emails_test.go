package emulator

import (
	"net/http"
	"testing"
)

func (te *testEmulator) lastEmail(to, kind string) map[string]any {
	te.t.Helper()
	l := te.must(200, sk, "GET", "/_emulator/emails?to="+to+"&kind="+kind, nil).list(te.t)
	if len(l) == 0 {
		te.t.Fatalf("no %s email to %s", kind, to)
	}
	return l[0]
}

func TestEmailFlows(t *testing.T) {
	te := newTestEmulator(t, Options{Seed: smallSeed()})
	u := te.must(http.StatusCreated, sk, "POST", "/user_management/users", map[string]any{"email": "v@v.test", "password": "first-password"}).json(t)
	id := str(u, "id")
	te.must(200, sk, "GET", "/user_management/users/"+id+"/identities", nil)
	// Email verification: the code arrives in the outbox.
	te.must(200, sk, "POST", "/user_management/users/"+id+"/email_verification/send", nil)
	code := str(te.lastEmail("v@v.test", "email_verification"), "code")
	r := te.must(http.StatusBadRequest, sk, "POST", "/user_management/users/"+id+"/email_verification/confirm", map[string]any{"code": "000000x"})
	if str(r.json(t), "code") != "email_verification_code_incorrect" {
		t.Fatalf("wrong code: %s", r.body)
	}
	v := te.must(200, sk, "POST", "/user_management/users/"+id+"/email_verification/confirm", map[string]any{"code": code}).json(t)
	if v["user"].(map[string]any)["email_verified"] != true {
		t.Fatalf("verify: %v", v)
	}
	te.must(http.StatusBadRequest, sk, "POST", "/user_management/users/"+id+"/email_verification/send", nil)
	// Email change.
	te.must(200, sk, "POST", "/user_management/users/"+id+"/email_change/send", map[string]any{"new_email": "w@v.test"})
	code = str(te.lastEmail("w@v.test", "email_change"), "code")
	ch := te.must(200, sk, "POST", "/user_management/users/"+id+"/email_change/confirm", map[string]any{"code": code}).json(t)
	if ch["user"].(map[string]any)["email"] != "w@v.test" {
		t.Fatalf("email change: %v", ch)
	}
	te.must(http.StatusConflict, sk, "POST", "/user_management/users/"+id+"/email_change/confirm", map[string]any{"code": code})
	// Password reset: the new password signs in, the token works once.
	pr := te.must(http.StatusCreated, sk, "POST", "/user_management/password_reset", map[string]any{"email": "w@v.test"}).json(t)
	te.must(200, sk, "GET", "/user_management/password_reset/"+str(pr, "id"), nil)
	te.must(200, sk, "POST", "/user_management/password_reset/confirm", map[string]any{"token": str(pr, "password_reset_token"), "new_password": "second-password"})
	te.must(http.StatusBadRequest, sk, "POST", "/user_management/password_reset/confirm", map[string]any{"token": str(pr, "password_reset_token"), "new_password": "third-password"})
	te.mustSignIn(t, "sandbox", "w@v.test", "second-password")
	te.must(http.StatusNotFound, sk, "POST", "/user_management/password_reset", map[string]any{"email": "nobody@v.test"})
	// Magic auth creates the user on first use.
	ma := te.must(http.StatusCreated, sk, "POST", "/user_management/magic_auth", map[string]any{"email": "new@v.test"}).json(t)
	if len(str(ma, "code")) != 6 {
		t.Fatalf("magic auth: %v", ma)
	}
	te.must(200, sk, "GET", "/user_management/magic_auth/"+str(ma, "id"), nil)
	te.must(200, sk, "GET", "/user_management/users?email=new@v.test", nil)
	te.must(http.StatusUnauthorized, "", "GET", "/_emulator/emails", nil)
}

func TestGroupsRetentionAndChecks(t *testing.T) {
	te := newTestEmulator(t, Options{Seed: smallSeed()})
	org := str(te.createOrg("G", nil), "id")
	u := te.createUser("g@g.test")
	m := te.must(http.StatusCreated, sk, "POST", "/user_management/organization_memberships", map[string]any{"user_id": str(u, "id"), "organization_id": org, "role_slug": "member"}).json(t)
	base := "/organizations/" + org + "/groups"
	g := te.must(http.StatusCreated, sk, "POST", base, map[string]any{"name": "Engineering"}).json(t)
	gid := str(g, "id")
	te.must(200, sk, "PATCH", base+"/"+gid, map[string]any{"name": "Eng"})
	te.must(200, sk, "GET", base+"/"+gid, nil)
	te.must(200, sk, "POST", base+"/"+gid+"/organization-memberships", map[string]any{"organization_membership_id": str(m, "id")})
	if n := te.count(base + "/" + gid + "/organization-memberships"); n != 1 {
		t.Fatalf("%d group members", n)
	}
	if n := te.count("/user_management/organization_memberships/" + str(m, "id") + "/groups"); n != 1 {
		t.Fatalf("%d groups of the membership", n)
	}
	te.must(http.StatusNoContent, sk, "DELETE", base+"/"+gid+"/organization-memberships/"+str(m, "id"), nil)
	te.must(http.StatusNotFound, sk, "DELETE", base+"/"+gid+"/organization-memberships/"+str(m, "id"), nil)
	if n := te.count(base); n != 1 {
		t.Fatalf("%d groups", n)
	}
	te.must(http.StatusNoContent, sk, "DELETE", base+"/"+gid, nil)
	te.must(http.StatusNotFound, sk, "GET", base+"/"+gid, nil)

	if d := te.must(200, sk, "GET", "/organizations/"+org+"/audit_logs_retention", nil).json(t); d["retention_period_in_days"] != float64(365) {
		t.Fatalf("retention: %v", d)
	}
	te.must(200, sk, "PUT", "/organizations/"+org+"/audit_logs_retention", map[string]any{"retention_period_in_days": 30})
	te.must(http.StatusUnprocessableEntity, sk, "PUT", "/organizations/"+org+"/audit_logs_retention", map[string]any{"retention_period_in_days": 7})
	if d := te.must(200, sk, "GET", "/organizations/"+org+"/audit_log_configuration", nil).json(t); d["retention_period_in_days"] != float64(30) {
		t.Fatalf("configuration: %v", d)
	}

	check := "/authorization/organization_memberships/" + str(m, "id") + "/check"
	if r := te.must(200, sk, "POST", check, map[string]any{"permission_slug": "documents:read"}).json(t); r["authorized"] != true {
		t.Fatalf("member should read: %v", r)
	}
	if r := te.must(200, sk, "POST", check, map[string]any{"permission_slug": "documents:write"}).json(t); r["authorized"] != false {
		t.Fatalf("member should not write: %v", r)
	}
	te.must(200, sk, "PUT", "/user_management/organization_memberships/"+str(m, "id")+"/deactivate", nil)
	if r := te.must(200, sk, "POST", check, map[string]any{"permission_slug": "documents:read"}).json(t); r["authorized"] != false {
		t.Fatalf("inactive membership authorized: %v", r)
	}
}

func TestUserKeysLogoutAndEmptyLists(t *testing.T) {
	te := newTestEmulator(t, Options{})
	org := str(te.must(200, sk, "GET", "/organizations/external_id/acme", nil).json(t), "id")
	alice := str(te.must(200, sk, "GET", "/user_management/users?email=alice@acme.test", nil).list(t)[0], "id")
	k := te.must(http.StatusCreated, sk, "POST", "/user_management/users/"+alice+"/api_keys", map[string]any{"name": "Alice CLI", "organization_id": org}).json(t)
	if k["owner"].(map[string]any)["type"] != "user" || str(k, "value") == "" {
		t.Fatalf("user key: %v", k)
	}
	if n := te.count("/user_management/users/" + alice + "/api_keys"); n != 1 {
		t.Fatalf("%d user keys", n)
	}
	if n := te.count("/organizations/" + org + "/api_keys"); n != 1 {
		t.Fatalf("%d organization keys (user keys must not be listed)", n)
	}
	te.must(http.StatusUnprocessableEntity, sk, "POST", "/user_management/users/"+alice+"/api_keys", map[string]any{"name": "x", "organization_id": "org_other"})
	x := te.must(200, sk, "POST", "/api_keys/"+str(k, "id")+"/expire", nil).json(t)
	if x["expires_at"] == nil {
		t.Fatalf("expire: %v", x)
	}
	if v := te.must(200, sk, "POST", "/api_keys/validations", map[string]any{"value": str(k, "value")}).json(t); v["api_key"] != nil {
		t.Fatalf("expired key valid: %v", v)
	}
	te.must(200, sk, "GET", "/user_management/users/"+alice+"/auth_factors", nil)
	te.must(200, sk, "GET", "/user_management/users/"+alice+"/authorized_applications", nil)
	te.must(200, sk, "GET", "/organizations/"+org+"/authorized_applications", nil)

	// Logout from the browser: no API key, a redirect to return_to, the session revoked.
	sess := te.must(200, sk, "GET", "/user_management/users/"+alice+"/sessions", nil).list(t)
	client := te.srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Get(te.srv.URL + "/user_management/sessions/logout?session_id=" + str(sess[0], "id") + "&return_to=https://app.test/bye")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "https://app.test/bye" {
		t.Fatalf("logout: %d %v", resp.StatusCode, resp.Header)
	}
	sess = te.must(200, sk, "GET", "/user_management/users/"+alice+"/sessions", nil).list(t)
	if str(sess[0], "status") != "revoked" {
		t.Fatalf("session after logout: %v", sess[0])
	}
	te.must(http.StatusNotFound, "", "GET", "/user_management/sessions/logout?session_id=session_nope", nil)
}

func TestFailedSignInIsRecorded(t *testing.T) {
	te := newTestEmulator(t, Options{})
	body := map[string]any{"client_id": DemoSandboxClientID, "client_secret": sk, "grant_type": "password", "email": "alice@acme.test", "password": "not-her-password"}
	te.must(http.StatusBadRequest, "", "POST", "/user_management/authenticate", body)
	evs := te.events("authentication.password_failed")
	if len(evs) != 1 || evs[0]["data"].(map[string]any)["email"] != "alice@acme.test" || evs[0]["data"].(map[string]any)["user_id"] == nil {
		t.Fatalf("failure events: %v", evs)
	}
}

// TestSignInIsNotIdempotent: authenticate finds its environment in its body, so it does not
// honour Idempotency-Key (WorkOS documents the key on audit events only): a repeat signs in
// again, and a failed attempt under a used key is answered and recorded as any other.
func TestSignInIsNotIdempotent(t *testing.T) {
	te := newTestEmulator(t, Options{})
	body := map[string]any{"client_id": DemoSandboxClientID, "client_secret": sk, "grant_type": "password", "email": "alice@acme.test", "password": DemoPassword}
	for range 2 {
		if r := te.must(http.StatusOK, "", "POST", "/user_management/authenticate", body, "Idempotency-Key", "s1"); r.header.Get("Idempotent-Replayed") != "" {
			t.Fatal("a sign-in was replayed")
		}
	}
	body["password"] = "not-her-password"
	te.must(http.StatusBadRequest, "", "POST", "/user_management/authenticate", body, "Idempotency-Key", "s1")
	if evs := te.events("authentication.password_failed"); len(evs) != 1 {
		t.Fatalf("failure events: %v", evs)
	}
}

func TestSignInWithSeveralOrganizations(t *testing.T) {
	te := newTestEmulator(t, Options{})
	alice := te.must(200, sk, "GET", "/user_management/users?email=alice@acme.test", nil).list(t)[0]
	globex := str(te.must(200, sk, "GET", "/organizations/external_id/globex", nil).json(t), "id")
	te.must(http.StatusCreated, sk, "POST", "/user_management/organization_memberships", map[string]any{"user_id": str(alice, "id"), "organization_id": globex})
	body := map[string]any{"client_id": DemoSandboxClientID, "client_secret": sk, "grant_type": "password", "email": "alice@acme.test", "password": DemoPassword}
	r := te.must(http.StatusForbidden, "", "POST", "/user_management/authenticate", body).json(t)
	if str(r, "code") != "organization_selection_required" || len(r["organizations"].([]any)) != 2 || r["user"] == nil {
		t.Fatalf("selection: %v", r)
	}
	body["organization_id"] = globex
	out := te.must(http.StatusOK, "", "POST", "/user_management/authenticate", body).json(t)
	if str(out, "organization_id") != globex {
		t.Fatalf("sign-in with organization: %v", out)
	}
	body["organization_id"] = "org_not_hers"
	te.must(http.StatusBadRequest, "", "POST", "/user_management/authenticate", body)
}
