package localauth

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/workos-mcp/workos-mcp/workos"
)

// fakeWorkOS is a small stand-in for the WorkOS API paths WorkOSDirectory reads.
type fakeWorkOS struct {
	*httptest.Server
	calls atomic.Int32
	auths []map[string]string
}

func newFakeWorkOS(t testing.TB) *fakeWorkOS {
	f := &fakeWorkOS{}
	users := []map[string]any{
		{"object": "user", "id": "user_1", "email": "admin@example.com", "first_name": "Ada", "last_name": "Admin"},
		{"object": "user", "id": "user_2", "email": "member@example.com", "first_name": "Mo"},
	}
	list := func(data any) map[string]any {
		return map[string]any{"object": "list", "data": data, "list_metadata": map[string]any{"before": nil, "after": nil}}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /user_management/users", func(w http.ResponseWriter, r *http.Request) {
		out := []map[string]any{}
		for _, u := range users {
			if e := r.URL.Query().Get("email"); e == "" || e == u["email"] {
				out = append(out, u)
			}
		}
		json.NewEncoder(w).Encode(list(out))
	})
	mux.HandleFunc("GET /user_management/users/{id}", func(w http.ResponseWriter, r *http.Request) {
		for _, u := range users {
			if u["id"] == r.PathValue("id") {
				json.NewEncoder(w).Encode(u)
				return
			}
		}
		w.WriteHeader(404)
		json.NewEncoder(w).Encode(map[string]any{"code": "entity_not_found", "message": "User not found"})
	})
	mux.HandleFunc("GET /user_management/organization_memberships", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("user_id") != "user_1" {
			json.NewEncoder(w).Encode(list([]any{}))
			return
		}
		json.NewEncoder(w).Encode(list([]map[string]any{
			{"object": "organization_membership", "id": "om_1", "user_id": "user_1", "organization_id": "org_1", "status": "active", "role": map[string]any{"slug": "admin"}},
		}))
	})
	mux.HandleFunc("GET /organizations/{id}", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"object": "organization", "id": r.PathValue("id"), "name": "The Team"})
	})
	mux.HandleFunc("GET /authorization/organizations/{id}/roles", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": []map[string]any{
			{"object": "role", "slug": "admin", "permissions": []string{"a:read", "a:write"}},
			{"object": "role", "slug": "member", "permissions": []string{"a:read"}},
		}})
	})
	mux.HandleFunc("POST /user_management/authenticate", func(w http.ResponseWriter, r *http.Request) {
		var body map[string]string
		json.NewDecoder(r.Body).Decode(&body)
		f.auths = append(f.auths, body)
		if body["email"] == "admin@example.com" && body["password"] == "pw" && body["grant_type"] == "password" {
			json.NewEncoder(w).Encode(map[string]any{"user": users[0], "access_token": "x", "refresh_token": "y"})
			return
		}
		w.WriteHeader(400)
		json.NewEncoder(w).Encode(map[string]any{"code": "invalid_credentials", "message": "Invalid credentials"})
	})
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

func TestWorkOSDirectory(t *testing.T) {
	f := newFakeWorkOS(t)
	c := workos.New(workos.Options{BaseURL: f.URL, APIKey: "sk_test_fake", MaxRetries: -1})
	d := WorkOSDirectory(c, "client_fake", WithClientSecret("sk_test_fake"))
	ctx := context.Background()

	people, err := d.People(ctx)
	if err != nil || len(people) != 2 || people[0].Email != "admin@example.com" {
		t.Fatalf("People: %v %v", people, err)
	}
	p, err := d.PersonByEmail(ctx, "ADMIN@example.com")
	if err != nil || p.ID != "user_1" || p.Name() != "Ada Admin" {
		t.Fatalf("PersonByEmail: %v %v", p, err)
	}
	if _, err := d.PersonByEmail(ctx, "nobody@example.com"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown email: %v", err)
	}
	if _, err := d.PersonByID(ctx, "user_nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown id: %v", err)
	}
	ms, err := d.Memberships(ctx, "user_1")
	if err != nil || len(ms) != 1 || ms[0].OrganizationName != "The Team" || ms[0].Role != "admin" || !slices.Equal(ms[0].Permissions, []string{"a:read", "a:write"}) {
		t.Fatalf("Memberships: %+v %v", ms, err)
	}
	// Cached: asking again costs no API call.
	before := f.calls.Load()
	for range 5 {
		d.People(ctx)
		d.Memberships(ctx, "user_1")
		d.PersonByEmail(ctx, "admin@example.com")
	}
	if f.calls.Load() != before {
		t.Fatalf("cache missed: %d more calls", f.calls.Load()-before)
	}

	if p, err := d.Authenticate(ctx, "admin@example.com", "pw"); err != nil || p.ID != "user_1" {
		t.Fatalf("Authenticate: %v %v", p, err)
	}
	if _, err := d.Authenticate(ctx, "admin@example.com", "wrong"); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("wrong password: %v", err)
	}
	if a := f.auths[0]; a["client_id"] != "client_fake" || a["client_secret"] != "sk_test_fake" || a["grant_type"] != "password" {
		t.Fatalf("authenticate body: %v", a)
	}

	// The whole server on top of it: auto-approve reads the directory.
	ts := startServer(t, func(o *Options) { o.Directory = d; o.AutoApprove = "admin@example.com" })
	redirect := "http://127.0.0.1:9/cb"
	cid := ts.register(t, redirect)
	if c := ts.verify(t, ts.mintForTest(t, cid, redirect)); c["sub"] != "user_1" || c["org_id"] != "org_1" || c["role"] != "admin" {
		t.Fatalf("claims: %v", c)
	}
}

func TestSeedDirectoryErrors(t *testing.T) {
	if _, err := SeedDirectory("testdata/missing.json"); err == nil {
		t.Fatal("missing file accepted")
	}
	for name, f := range map[string]SeedFile{
		"no id":       {People: []SeedPerson{{Person: Person{Email: "a@example.com"}}}},
		"unknown org": {People: []SeedPerson{{Person: Person{ID: "u", Email: "a@example.com"}, Memberships: []SeedMembership{{OrganizationID: "org_x"}}}}},
		"duplicate":   {People: []SeedPerson{{Person: Person{ID: "u", Email: "a@example.com"}}, {Person: Person{ID: "v", Email: "A@example.com"}}}},
	} {
		if _, err := NewStaticDirectory(f); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
