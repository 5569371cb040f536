package emulator

import (
	"net/http"
	"strings"
	"testing"
)

func TestConnectApplications(t *testing.T) {
	te := newTestEmulator(t, Options{Seed: smallSeed()})
	org := str(te.createOrg("C", nil), "id")
	first := te.must(http.StatusCreated, sk, "POST", "/connect/applications", map[string]any{"name": "Web", "application_type": "oauth", "is_first_party": true,
		"redirect_uris": []map[string]any{{"uri": "https://app.test/cb", "default": true}}}).json(t)
	if !strings.HasPrefix(str(first, "client_id"), "client_") || first["uses_pkce"] != true {
		t.Fatalf("oauth app: %v", first)
	}
	third := te.must(http.StatusCreated, sk, "POST", "/connect/applications", map[string]any{"name": "Partner", "application_type": "oauth", "is_first_party": false, "organization_id": org}).json(t)
	if third["was_dynamically_registered"] != false || str(third, "organization_id") != org {
		t.Fatalf("third-party app: %v", third)
	}
	te.must(http.StatusCreated, sk, "POST", "/connect/applications", map[string]any{"name": "Worker", "application_type": "m2m", "organization_id": org})
	te.must(http.StatusUnprocessableEntity, sk, "POST", "/connect/applications", map[string]any{"name": "Bad", "application_type": "m2m"})
	te.must(http.StatusUnprocessableEntity, sk, "POST", "/connect/applications", map[string]any{"name": "Bad", "application_type": "saml"})
	if n := te.count("/connect/applications"); n != 3 {
		t.Fatalf("%d applications", n)
	}
	if n := te.count("/connect/applications?organization_id=" + org); n != 2 {
		t.Fatalf("%d applications of the organization", n)
	}
	te.must(200, sk, "PUT", "/connect/applications/"+str(first, "id"), map[string]any{"name": "Web app", "scopes": []string{"openid"}})
	te.must(200, sk, "GET", "/connect/applications/"+str(first, "id"), nil)
	s := te.must(http.StatusCreated, sk, "POST", "/connect/applications/"+str(first, "id")+"/client_secrets", map[string]any{}).json(t)
	secret := str(s, "secret")
	if secret == "" || !strings.HasSuffix(secret, str(s, "secret_hint")) {
		t.Fatalf("secret: %v", s)
	}
	list := te.must(200, sk, "GET", "/connect/applications/"+str(first, "id")+"/client_secrets", nil)
	if strings.Contains(string(list.body), secret) {
		t.Fatal("the secret is listed")
	}
	te.must(http.StatusNoContent, sk, "DELETE", "/connect/client_secrets/"+str(s, "id"), nil)
	te.must(http.StatusNotFound, sk, "DELETE", "/connect/client_secrets/"+str(s, "id"), nil)
	te.must(http.StatusNoContent, sk, "DELETE", "/connect/applications/"+str(first, "id"), nil)
	te.must(http.StatusNotFound, sk, "GET", "/connect/applications/"+str(first, "id"), nil)
}
