package emulator

import (
	"net/http"
	"strings"
	"testing"
)

func TestVault(t *testing.T) {
	te := newTestEmulator(t, Options{Seed: smallSeed()})
	m := te.must(http.StatusCreated, sk, "POST", "/vault/v1/kv", map[string]any{"name": "db-password", "value": "hunter22", "key_context": map[string]string{"tenant": "acme"}}).json(t)
	id := str(m, "id")
	if len(id) != 36 || str(m, "version_id") == "" {
		t.Fatalf("create: %v", m)
	}
	r := te.must(http.StatusConflict, sk, "POST", "/vault/v1/kv", map[string]any{"name": "db-password", "value": "x", "key_context": map[string]string{}})
	if str(r.json(t), "error") == "" {
		t.Fatalf("vault error shape: %s", r.body)
	}
	if v := te.must(200, sk, "GET", "/vault/v1/kv/name/db-password", nil).json(t); str(v, "value") != "hunter22" {
		t.Fatalf("by name: %v", v)
	}
	te.must(http.StatusConflict, sk, "PUT", "/vault/v1/kv/"+id, map[string]any{"value": "new", "version_check": "stale"})
	te.must(http.StatusCreated, sk, "PUT", "/vault/v1/kv/"+id, map[string]any{"value": "hunter23", "version_check": str(m, "version_id")})
	if v := te.must(200, sk, "GET", "/vault/v1/kv/"+id, nil).json(t); str(v, "value") != "hunter23" {
		t.Fatalf("by id: %v", v)
	}
	meta := te.must(200, sk, "GET", "/vault/v1/kv/"+id+"/metadata", nil)
	if strings.Contains(string(meta.body), "hunter") {
		t.Fatalf("metadata carries the value: %s", meta.body)
	}
	if n := len(te.must(200, sk, "GET", "/vault/v1/kv/"+id+"/versions", nil).list(t)); n != 2 {
		t.Fatalf("%d versions", n)
	}
	if l := te.must(200, sk, "GET", "/vault/v1/kv?search=db", nil).list(t); len(l) != 1 {
		t.Fatalf("list: %v", l)
	}
	te.must(200, sk, "DELETE", "/vault/v1/kv/"+id, nil)
	r = te.must(http.StatusNotFound, sk, "GET", "/vault/v1/kv/"+id, nil)
	if str(r.json(t), "error") == "" {
		t.Fatalf("vault 404 shape: %s", r.body)
	}
}
