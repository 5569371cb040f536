package localauth

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
)

func TestIntrospectionUserinfoRevocation(t *testing.T) {
	ts := startServer(t, func(o *Options) { o.AutoApprove = "admin@example.com" })
	redirect := "http://127.0.0.1:9/cb"
	cid := ts.register(t, redirect)
	other := ts.register(t, redirect)
	code, verifier, _ := ts.autoCode(t, cid, redirect, nil)
	_, tok := ts.post(t, "/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier}, "client_id": {cid}, "redirect_uri": {redirect}}, "", "")
	at, rt := tok["access_token"].(string), tok["refresh_token"].(string)

	// Introspection: the API key sees everything; a client its own tokens only.
	status, in := ts.post(t, "/oauth2/introspection", url.Values{"token": {at}}, "client_env", "sk_test_key")
	if status != 200 || in["active"] != true || in["sub"] != "user_admin" || in["client_id"] != cid {
		t.Fatalf("introspect: %d %v", status, in)
	}
	if _, in = ts.post(t, "/oauth2/introspection", url.Values{"token": {rt}, "client_id": {cid}}, "", ""); in["active"] != true || in["token_type"] != "refresh_token" {
		t.Fatalf("introspect own refresh token: %v", in)
	}
	if _, in = ts.post(t, "/oauth2/introspection", url.Values{"token": {at}, "client_id": {other}}, "", ""); in["active"] != false {
		t.Fatalf("another client sees the token: %v", in)
	}
	if status, in = ts.post(t, "/oauth2/introspection", url.Values{"token": {at}}, "client_env", "wrong"); status != 401 {
		t.Fatalf("wrong API key: %d %v", status, in)
	}
	if _, in = ts.post(t, "/oauth2/introspection", url.Values{"token": {"garbage"}}, "client_env", "sk_test_key"); in["active"] != false {
		t.Fatalf("garbage: %v", in)
	}

	// Userinfo.
	req, _ := http.NewRequest("GET", ts.URL+"/oauth2/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+at)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var ui map[string]any
	json.NewDecoder(resp.Body).Decode(&ui)
	resp.Body.Close()
	if resp.StatusCode != 200 || ui["sub"] != "user_admin" || ui["email"] != "admin@example.com" || ui["name"] != "Ada Admin" {
		t.Fatalf("userinfo: %d %v", resp.StatusCode, ui)
	}

	// Revocation by another client changes nothing (and still answers 200).
	if status, _ := ts.post(t, "/oauth2/revoke", url.Values{"token": {rt}, "client_id": {other}}, "", ""); status != 200 {
		t.Fatalf("foreign revoke: %d", status)
	}
	if _, in = ts.post(t, "/oauth2/introspection", url.Values{"token": {at}}, "client_env", "sk_test_key"); in["active"] != true {
		t.Fatal("a foreign revocation took effect")
	}
	if status, out := ts.post(t, "/oauth2/revoke", url.Values{"client_id": {cid}}, "", ""); status != 400 || out["error"] != "invalid_request" {
		t.Fatalf("revoke without token: %d %v", status, out)
	}
	// Revoking the refresh token kills the session: refresh and access token die.
	if status, _ := ts.post(t, "/oauth2/revoke", url.Values{"token": {rt}, "client_id": {cid}, "token_type_hint": {"refresh_token"}}, "", ""); status != 200 {
		t.Fatalf("revoke: %d", status)
	}
	if status, out := ts.post(t, "/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {cid}}, "", ""); status != 400 || out["error"] != "invalid_grant" {
		t.Fatalf("refresh after revoke: %d %v", status, out)
	}
	if _, in = ts.post(t, "/oauth2/introspection", url.Values{"token": {at}}, "client_env", "sk_test_key"); in["active"] != false {
		t.Fatal("access token active after its session was revoked")
	}
	resp, _ = http.DefaultClient.Do(req)
	resp.Body.Close()
	if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" {
		t.Fatalf("userinfo with a revoked token: %d", resp.StatusCode)
	}

	// Revoking an access token also works.
	at2 := ts.mintForTest(t, cid, redirect)
	ts.post(t, "/oauth2/revoke", url.Values{"token": {at2}, "client_id": {cid}}, "", "")
	if _, in = ts.post(t, "/oauth2/introspection", url.Values{"token": {at2}}, "client_env", "sk_test_key"); in["active"] != false {
		t.Fatal("revoked access token still active")
	}
}

// TestIDTokenNonce: the OIDC nonce of the authorization request comes back
// in the code exchange's ID token, and not in a refreshed one.
func TestIDTokenNonce(t *testing.T) {
	ts := startServer(t, func(o *Options) { o.AutoApprove = "admin@example.com" })
	redirect := "http://127.0.0.1:9/cb"
	cid := ts.register(t, redirect)
	code, verifier, _ := ts.autoCode(t, cid, redirect, func(a *authzReq) { a.extra = url.Values{"nonce": {"n-0S6_WzA2Mj"}} })
	status, tok := ts.post(t, "/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier}, "client_id": {cid}, "redirect_uri": {redirect}}, "", "")
	if status != 200 {
		t.Fatalf("token: %d %v", status, tok)
	}
	id := ts.verify(t, tok["id_token"].(string))
	if id["nonce"] != "n-0S6_WzA2Mj" || id["aud"] != cid || id["sub"] != "user_admin" || id["email"] != "admin@example.com" {
		t.Fatalf("ID token: %v", id)
	}
	status, tok = ts.post(t, "/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}, "client_id": {cid}}, "", "")
	if status != 200 {
		t.Fatalf("refresh: %d %v", status, tok)
	}
	if id := ts.verify(t, tok["id_token"].(string)); id["nonce"] != nil || id["sub"] != "user_admin" {
		t.Fatalf("refreshed ID token: %v", id)
	}
}
