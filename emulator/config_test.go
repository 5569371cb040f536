package emulator

import (
	"net/http"
	"testing"
)

func TestEnvironmentConfiguration(t *testing.T) {
	te := newTestEmulator(t, Options{Seed: smallSeed()})
	o := te.must(http.StatusCreated, sk, "POST", "/user_management/cors_origins", map[string]any{"origin": "https://app.test"}).json(t)
	if str(o, "origin") != "https://app.test" {
		t.Fatalf("origin: %v", o)
	}
	te.must(http.StatusConflict, sk, "POST", "/user_management/cors_origins", map[string]any{"origin": "https://app.test/"})
	te.must(http.StatusUnprocessableEntity, sk, "POST", "/user_management/cors_origins", map[string]any{"origin": "app.test"})
	if n := te.count("/user_management/cors_origins"); n != 1 {
		t.Fatalf("%d origins", n)
	}
	first := te.must(http.StatusCreated, sk, "POST", "/user_management/redirect_uris", map[string]any{"uri": "https://app.test/callback"}).json(t)
	second := te.must(http.StatusCreated, sk, "POST", "/user_management/redirect_uris", map[string]any{"uri": "http://127.0.0.1:3000/callback"}).json(t)
	if first["default"] != true || second["default"] != false {
		t.Fatalf("defaults: %v %v", first, second)
	}
	te.must(http.StatusUnprocessableEntity, sk, "POST", "/user_management/redirect_uris", map[string]any{"uri": "/relative"})
	te.must(http.StatusConflict, sk, "DELETE", "/user_management/redirect_uris/"+str(first, "id"), nil)
	te.must(http.StatusNoContent, sk, "DELETE", "/user_management/redirect_uris/"+str(second, "id"), nil)
	te.must(http.StatusNotFound, sk, "DELETE", "/user_management/redirect_uris/"+str(second, "id"), nil)
	if n := te.count("/user_management/redirect_uris"); n != 1 {
		t.Fatalf("%d redirect URIs", n)
	}
	te.must(http.StatusNotFound, sk, "GET", "/user_management/jwt_template", nil)
	te.must(http.StatusUnprocessableEntity, sk, "PUT", "/user_management/jwt_template", map[string]any{"content": "not json"})
	te.must(200, sk, "PUT", "/user_management/jwt_template", map[string]any{"content": `{"urn:app:name": "{{user.first_name}}"}`})
	tpl := te.must(200, sk, "GET", "/user_management/jwt_template", nil).json(t)
	if str(tpl, "object") != "jwt_template" || str(tpl, "content") == "" {
		t.Fatalf("template: %v", tpl)
	}
	te.must(http.StatusUnauthorized, "sk_test_nope", "GET", "/user_management/cors_origins", nil)
}
