package emulator

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestDataIntegrationsConnectAndFetchTokens(t *testing.T) {
	te := newTestEmulator(t, Options{})
	alice := str(te.must(200, sk, "GET", "/user_management/users?email=alice@acme.test", nil).list(t)[0], "id")
	acme := str(te.must(200, sk, "GET", "/organizations/external_id/acme", nil).json(t), "id")

	d := te.must(http.StatusCreated, sk, "POST", "/data-integrations", map[string]any{"provider": "dropbox", "scopes": []string{"files.read", "files.write"},
		"credentials": map[string]any{"type": "custom", "client_id": "dbx-client", "client_secret": "dbx-secret-0042"}}).json(t)
	if strings.Contains(string(te.must(200, sk, "GET", "/data-integrations/dropbox", nil).body), "dbx-secret-0042") {
		t.Fatal("a read shows the integration's client secret")
	}
	if c := d["credentials"].(map[string]any); c["redacted_client_secret"] != "0042" {
		t.Fatalf("credentials: %v", c)
	}
	// Environments are isolated: production neither sees nor can use sandbox's integration.
	te.must(http.StatusNotFound, DemoProductionAPIKey, "GET", "/data-integrations/dropbox", nil)

	// Connecting through the authorize URL: one use, no API key, then a token for the user.
	u := str(te.must(200, sk, "POST", "/data-integrations/dropbox/authorize", map[string]any{"user_id": alice, "return_to": "https://app.test/done"}).json(t), "url")
	parsed, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	client := te.srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Get(te.srv.URL + parsed.RequestURI())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "https://app.test/done" {
		t.Fatalf("authorize URL: %d %v", resp.StatusCode, resp.Header)
	}
	te.must(http.StatusBadRequest, "", "GET", parsed.RequestURI(), nil)
	tok := te.must(200, sk, "POST", "/data-integrations/dropbox/token", map[string]any{"user_id": alice}).json(t)
	at := tok["access_token"].(map[string]any)
	if tok["active"] != true || !strings.HasPrefix(str(at, "access_token"), "emulator_pipes_at_") || len(at["missing_scopes"].([]any)) != 0 {
		t.Fatalf("token: %v", tok)
	}
	if evs := te.events("pipes.connected_account.connected"); len(evs) == 0 {
		t.Fatal("no pipes.connected_account.connected event")
	}
	// The account is the user's own, not the organization's.
	te.must(http.StatusNotFound, sk, "GET", "/user_management/users/"+alice+"/connected_accounts/dropbox?organization_id="+acme, nil)
	if r := te.must(200, sk, "POST", "/data-integrations/dropbox/token", map[string]any{"user_id": alice, "organization_id": acme}).json(t); r["error"] != "not_installed" {
		t.Fatalf("organization token: %v", r)
	}

	// An organization that turns the integration off no longer offers it to its users.
	te.must(200, sk, "PUT", "/organizations/"+acme+"/data_integration_configurations/dropbox", map[string]any{"enabled": false})
	for _, p := range te.must(200, sk, "GET", "/user_management/users/"+alice+"/data_providers?organization_id="+acme, nil).list(t) {
		if p["slug"] == "dropbox" {
			t.Fatal("a disabled integration is offered to the organization's users")
		}
	}
	found := false
	for _, p := range te.must(200, sk, "GET", "/user_management/users/"+alice+"/data_providers", nil).list(t) {
		found = found || (p["slug"] == "dropbox" && p["connected_account"] != nil)
	}
	if !found {
		t.Fatal("the user's own providers lack dropbox with its connected account")
	}

	// Bad input changes nothing.
	te.must(http.StatusUnprocessableEntity, sk, "POST", "/data-integrations", map[string]any{"provider": "Not A Slug!"})
	te.must(http.StatusUnprocessableEntity, sk, "POST", "/user_management/users/"+alice+"/connected_accounts/github", map[string]any{"expires_at": "tomorrow"})
	te.must(http.StatusNotFound, sk, "PUT", "/data-integrations/linear/api-key", map[string]any{"user_id": "user_missing", "secret": "k"})
	te.must(http.StatusUnprocessableEntity, sk, "PUT", "/data-integrations/dropbox/api-key", map[string]any{"user_id": alice, "secret": "k"})

	// Deleting the integration disconnects its accounts.
	te.must(http.StatusNoContent, sk, "DELETE", "/data-integrations/dropbox", nil)
	te.must(http.StatusNotFound, sk, "GET", "/user_management/users/"+alice+"/connected_accounts/dropbox", nil)
	if evs := te.events("pipes.connected_account.disconnected"); len(evs) != 1 {
		t.Fatalf("%d disconnected events, want 1", len(evs))
	}
}

func TestRadarListsAndAgentCredentials(t *testing.T) {
	te := newTestEmulator(t, Options{})
	te.must(200, sk, "POST", "/radar/lists/domain/block", map[string]any{"entry": "Spam.Example"})
	te.must(200, sk, "POST", "/radar/lists/domain/block", map[string]any{"entry": "spam.example"}) // already there: still 200
	te.must(http.StatusNoContent, sk, "DELETE", "/radar/lists/domain/block", map[string]any{"entry": "SPAM.example"})
	te.must(http.StatusNotFound, sk, "DELETE", "/radar/lists/domain/block", map[string]any{"entry": "spam.example"})
	te.must(http.StatusBadRequest, sk, "POST", "/radar/lists/ip_address/block", map[string]any{"entry": "300.1.1.1"})
	te.must(http.StatusBadRequest, sk, "POST", "/radar/lists/planet/block", map[string]any{"entry": "mars"})
	te.must(http.StatusBadRequest, sk, "POST", "/radar/lists/email/deny", map[string]any{"entry": "a@b.test"})

	// Verdicts come from the lists: a CIDR block list catches its addresses; a block wins over an allow.
	te.must(200, sk, "POST", "/radar/lists/ip_address/block", map[string]any{"entry": "10.0.0.0/8"})
	te.must(200, sk, "POST", "/radar/lists/email/allow", map[string]any{"entry": "ops@acme.test"})
	verdict := func(ip, email string) string {
		return str(te.must(200, sk, "POST", "/radar/attempts", map[string]any{"ip_address": ip, "user_agent": "test", "email": email,
			"auth_method": "Password", "action": "sign-in"}).json(t), "verdict")
	}
	if v := verdict("10.1.2.3", "ops@acme.test"); v != "block" {
		t.Fatalf("an address in a blocked range: %s", v)
	}
	if v := verdict("192.0.2.1", "ops@acme.test"); v != "allow" {
		t.Fatalf("an allowed email elsewhere: %s", v)
	}
	if v := te.must(200, DemoProductionAPIKey, "POST", "/radar/attempts", map[string]any{"ip_address": "10.1.2.3", "user_agent": "test",
		"email": "x@contoso.test", "auth_method": "SSO", "action": "sign-up"}).json(t); str(v, "verdict") != "allow" {
		t.Fatalf("sandbox's block list applies to production: %v", v)
	}

	valid := func(key, cred string) bool {
		return te.must(200, key, "POST", "/agents/credentials/validate", map[string]any{"type": "api_key", "credential": cred}).json(t)["valid"] == true
	}
	if !valid(sk, "agent_key_sandbox_demo_0001") || valid(sk, "agent_key_production_demo_0001") || valid(DemoProductionAPIKey, "agent_key_sandbox_demo_0001") {
		t.Fatal("agent credentials are not checked per environment")
	}
	te.must(http.StatusBadRequest, sk, "POST", "/agents/credentials/validate", map[string]any{"type": "password", "credential": "x"})
	te.must(http.StatusBadRequest, sk, "POST", "/agents/credentials/validate", `{"type": 7}`)
}
