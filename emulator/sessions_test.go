package emulator_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/workos-mcp/workos-mcp/authkit"
	"github.com/workos-mcp/workos-mcp/emulator"
)

// sessionStack serves an emulator with, beside it, the authorization server metadata that tells
// authkit where the keys are (GET /sso/jwks/{clientId}): the emulator is the issuer.
type sessionStack struct {
	t   *testing.T
	emu *emulator.Emulator
	srv *httptest.Server
	ak  *authkit.AuthKit
}

func newSessionStack(t *testing.T, opts emulator.Options) *sessionStack {
	t.Helper()
	emu, err := emulator.New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	st := &sessionStack{t: t, emu: emu}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/oauth-authorization-server", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"issuer": st.srv.URL, "jwks_uri": st.srv.URL + "/sso/jwks/" + emulator.DemoSandboxClientID})
	})
	mux.Handle("/", emu.Handler())
	st.srv = httptest.NewServer(mux)
	t.Cleanup(func() { st.srv.Close(); emu.Close() })
	st.ak, err = authkit.New(authkit.Config{Issuer: st.srv.URL, ResourceURL: st.srv.URL + "/mcp", ClientID: emulator.DemoSandboxClientID, HTTPClient: st.srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.ak.Close() })
	return st
}

func (st *sessionStack) call(method, path, key string, body any) (int, map[string]any) {
	st.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, st.srv.URL+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := st.srv.Client().Do(req)
	if err != nil {
		st.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func (st *sessionStack) authenticate(grant string, fields map[string]any) (int, map[string]any) {
	st.t.Helper()
	body := map[string]any{"client_id": emulator.DemoSandboxClientID, "client_secret": emulator.DemoSandboxAPIKey, "grant_type": grant}
	for k, v := range fields {
		body[k] = v
	}
	return st.call("POST", "/user_management/authenticate", "", body)
}

func (st *sessionStack) verify(tok any) *authkit.Session {
	st.t.Helper()
	s, err := st.ak.Verify(context.Background(), tok.(string))
	if err != nil {
		st.t.Fatalf("authkit refused an emulator-issued token: %v", err)
	}
	return s
}

func TestSessionTokensVerifyWithAuthKit(t *testing.T) {
	st := newSessionStack(t, emulator.Options{})
	status, out := st.authenticate("password", map[string]any{"email": "alice@acme.test", "password": emulator.DemoPassword})
	if status != http.StatusOK {
		t.Fatalf("password: %d %v", status, out)
	}
	s := st.verify(out["access_token"])
	user := out["user"].(map[string]any)
	if s.UserID != user["id"] || s.OrganizationID != out["organization_id"] || s.SessionID == "" || s.Role != "admin" ||
		!slices.Contains(s.Roles, "admin") || s.Permissions == nil || s.Entitlements == nil || s.FeatureFlags == nil ||
		s.Claims["iss"] != st.srv.URL || s.Claims["jti"] == "" || s.ExpiresAt.Sub(s.IssuedAt) != emulator.AccessTokenTTL {
		t.Fatalf("session %+v", s)
	}
	// The session is the one the API lists.
	_, sessions := st.call("GET", "/user_management/users/"+s.UserID+"/sessions", emulator.DemoSandboxAPIKey, nil)
	found := false
	for _, x := range sessions["data"].([]any) {
		found = found || x.(map[string]any)["id"] == s.SessionID
	}
	if !found {
		t.Fatalf("session %s not listed: %v", s.SessionID, sessions)
	}

	// Refresh tokens rotate: the new pair works, the old refresh token is refused.
	old := out["refresh_token"]
	status, again := st.authenticate("refresh_token", map[string]any{"refresh_token": old})
	if status != http.StatusOK || again["refresh_token"] == old {
		t.Fatalf("refresh: %d %v", status, again)
	}
	if s2 := st.verify(again["access_token"]); s2.SessionID != s.SessionID || s2.UserID != s.UserID {
		t.Fatalf("refreshed session %+v", s2)
	}
	if status, e := st.authenticate("refresh_token", map[string]any{"refresh_token": old}); status != http.StatusBadRequest || e["error"] != "invalid_grant" {
		t.Fatalf("reused refresh token: %d %v", status, e)
	}
	// A revoked session cannot be refreshed.
	st.call("POST", "/user_management/sessions/revoke", emulator.DemoSandboxAPIKey, map[string]any{"session_id": s.SessionID})
	if status, e := st.authenticate("refresh_token", map[string]any{"refresh_token": again["refresh_token"]}); status != http.StatusBadRequest || e["error"] != "invalid_grant" {
		t.Fatalf("refresh of a revoked session: %d %v", status, e)
	}
	// Grants the emulator does not implement answer a code of the spec.
	if status, e := st.authenticate("urn:ietf:params:oauth:grant-type:device_code", nil); status != http.StatusBadRequest || e["error"] != "invalid_request" {
		t.Fatalf("device code: %d %v", status, e)
	}
}

func TestSessionOrganizationSelectionAndEmailVerification(t *testing.T) {
	st := newSessionStack(t, emulator.Options{})
	key := emulator.DemoSandboxAPIKey
	const pw = "a-long-enough-password-1"
	_, u := st.call("POST", "/user_management/users", key, map[string]any{"email": "two@orgs.test", "password": pw})
	var orgs []string
	for _, name := range []string{"First Org", "Second Org"} {
		_, o := st.call("POST", "/organizations", key, map[string]any{"name": name})
		orgs = append(orgs, o["id"].(string))
		st.call("POST", "/user_management/organization_memberships", key, map[string]any{"user_id": u["id"], "organization_id": o["id"]})
	}
	// Unverified: a code is sent, and the sign-in waits for it.
	status, out := st.authenticate("password", map[string]any{"email": "two@orgs.test", "password": pw})
	if status != http.StatusForbidden || out["code"] != "email_verification_required" || out["pending_authentication_token"] == nil {
		t.Fatalf("unverified: %d %v", status, out)
	}
	_, mails := st.call("GET", "/_emulator/emails?kind=email_verification&to=two@orgs.test", key, nil)
	data := mails["data"].([]any)
	code := data[len(data)-1].(map[string]any)["code"].(string)
	if status, e := st.authenticate("urn:workos:oauth:grant-type:email-verification:code", map[string]any{"code": "not-it", "pending_authentication_token": out["pending_authentication_token"]}); status != http.StatusBadRequest || e["code"] != "invalid_one_time_code" {
		t.Fatalf("wrong code: %d %v", status, e)
	}
	// Verified, but in two organizations: pick one.
	status, sel := st.authenticate("urn:workos:oauth:grant-type:email-verification:code", map[string]any{"code": code, "pending_authentication_token": out["pending_authentication_token"]})
	if status != http.StatusForbidden || sel["code"] != "organization_selection_required" || len(sel["organizations"].([]any)) != 2 {
		t.Fatalf("after verification: %d %v", status, sel)
	}
	status, done := st.authenticate("urn:workos:oauth:grant-type:organization-selection", map[string]any{"organization_id": orgs[1], "pending_authentication_token": sel["pending_authentication_token"]})
	if status != http.StatusOK || done["organization_id"] != orgs[1] {
		t.Fatalf("organization selection: %d %v", status, done)
	}
	if s := st.verify(done["access_token"]); s.OrganizationID != orgs[1] || s.Role != "member" {
		t.Fatalf("session %+v", s)
	}
	// A pending token is used once.
	if status, e := st.authenticate("urn:workos:oauth:grant-type:organization-selection", map[string]any{"organization_id": orgs[0], "pending_authentication_token": sel["pending_authentication_token"]}); status != http.StatusBadRequest || e["code"] != "invalid_pending_authentication_token" {
		t.Fatalf("reused pending token: %d %v", status, e)
	}
	// Magic auth: a code sent by POST /user_management/magic_auth signs in once.
	_, ma := st.call("POST", "/user_management/magic_auth", key, map[string]any{"email": "two@orgs.test"})
	status, m := st.authenticate("urn:workos:oauth:grant-type:magic-auth:code", map[string]any{"email": "two@orgs.test", "code": ma["code"], "organization_id": orgs[0]})
	if status != http.StatusOK || m["authentication_method"] != "MagicAuth" {
		t.Fatalf("magic auth: %d %v", status, m)
	}
	if s := st.verify(m["access_token"]); s.OrganizationID != orgs[0] {
		t.Fatalf("magic auth session %+v", s)
	}
}

// The signing key is kept in the data directory: a token issued before a restart verifies after.
func TestSessionKeySurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	st := newSessionStack(t, emulator.Options{DataDir: dir})
	_, out := st.authenticate("password", map[string]any{"email": "alice@acme.test", "password": emulator.DemoPassword})
	_, jwks1 := st.call("GET", "/sso/jwks/"+emulator.DemoSandboxClientID, "", nil)
	st.srv.Close()
	st.emu.Close()
	st2 := newSessionStack(t, emulator.Options{DataDir: dir})
	_, jwks2 := st2.call("GET", "/sso/jwks/"+emulator.DemoSandboxClientID, "", nil)
	k1, k2 := jwks1["keys"].([]any)[0].(map[string]any), jwks2["keys"].([]any)[0].(map[string]any)
	if k1["kid"] != k2["kid"] || k1["n"] != k2["n"] {
		t.Fatalf("key changed across a restart: %v vs %v", k1["kid"], k2["kid"])
	}
	if status, _ := st2.authenticate("refresh_token", map[string]any{"refresh_token": out["refresh_token"]}); status != http.StatusOK {
		t.Fatalf("refresh after restart: %d", status)
	}
}
