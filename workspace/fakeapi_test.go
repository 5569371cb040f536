package workspace

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// fakeAPI is a small WorkOS API for the package's own tests: one data set per API key, enough
// of the API for the policy, confirmation and task-tool paths. The emulator-backed tests in
// e2e_test.go cover the real thing.
type fakeAPI struct {
	srv *httptest.Server

	mu      sync.Mutex
	envs    map[string]*fakeEnv // by API key
	deletes int
	writes  int // membership changes (PUT/POST on a membership), for protection tests
	audits  []map[string]any
	calls   []string
	// keys is the API key of each call, in the order of calls.
	keys []string
	// auditStatus, when set, is the status every audit event gets (an audit log that is down).
	auditStatus int
	// auditHold, when set, holds every audit event's request until it is closed (a slow audit
	// log); auditArrived, when set, is told of each audit event's request as it arrives.
	auditHold, auditArrived chan struct{}
}

// holdAudits makes the audit log hold every event until the returned release is called, and
// returns a channel told of each event's arrival.
func (f *fakeAPI) holdAudits(t testing.TB) (arrived <-chan struct{}, release func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	hold, a := make(chan struct{}), make(chan struct{}, 4096)
	f.auditHold, f.auditArrived = hold, a
	var once sync.Once
	release = func() { once.Do(func() { close(hold) }) }
	t.Cleanup(release)
	return a, release
}

type fakeEnv struct {
	orgs        map[string]map[string]any
	connections []map[string]any
	directories []map[string]any
	memberships []map[string]any
	invitations []map[string]any
	users       []map[string]any
	webhooks    []map[string]any
	next        int
}

func newFakeAPI(t testing.TB, keys ...string) *fakeAPI {
	f := &fakeAPI{envs: map[string]*fakeEnv{}}
	for _, k := range keys {
		f.envs[k] = seedEnv()
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func seedEnv() *fakeEnv {
	return &fakeEnv{
		orgs: map[string]map[string]any{
			"org_acme": {"object": "organization", "id": "org_acme", "name": "Acme", "updated_at": "1",
				"domains": []any{
					map[string]any{"id": "org_domain_1", "domain": "acme.test", "state": "verified"},
					map[string]any{"id": "org_domain_2", "domain": "acme-corp.test", "state": "pending"},
				}},
		},
		connections: []map[string]any{{"id": "conn_1", "name": "Acme Okta", "organization_id": "org_acme", "state": "inactive", "connection_type": "OktaSAML", "domains": []any{map[string]any{"domain": "acme.test"}}}},
		directories: []map[string]any{{"id": "directory_1", "name": "Acme SCIM", "organization_id": "org_acme", "state": "invalid_credentials", "type": "okta scim v2.0"}},
		memberships: []map[string]any{
			{"id": "om_1", "user_id": "user_alice", "organization_id": "org_acme", "organization_name": "Acme", "status": "active", "role": map[string]any{"slug": "admin"}},
			{"id": "om_2", "user_id": "user_bob", "organization_id": "org_acme", "organization_name": "Acme", "status": "pending", "role": map[string]any{"slug": "member"}},
			{"id": "om_team", "user_id": "user_lookup", "organization_id": "org_team", "status": "active", "role": map[string]any{"slug": "member-sandbox"}},
		},
		invitations: []map[string]any{{"id": "invitation_1", "email": "carol@acme.test", "organization_id": "org_acme", "state": "pending", "expires_at": "2000-01-01T00:00:00Z", "token": "inv_tok_SECRET", "accept_invitation_url": "https://x/accept?token=inv_tok_SECRET"}},
		users: []map[string]any{
			{"id": "user_alice", "email": "alice@acme.test", "email_verified": true},
			{"id": "user_bob", "email": "bob@acme.test", "email_verified": false},
		},
		webhooks: []map[string]any{{"id": "we_1", "endpoint_url": "https://hooks.acme.test", "status": "disabled", "secret": "whsec_SECRET"}},
	}
}

func (f *fakeAPI) deleteCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.deletes
}

func (f *fakeAPI) orgCount(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.envs[key].orgs)
}

func (f *fakeAPI) auditCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.audits)
}

func list(data []map[string]any) map[string]any {
	if data == nil {
		data = []map[string]any{}
	}
	return map[string]any{"object": "list", "data": data, "list_metadata": map[string]any{"before": nil, "after": nil}}
}

func filter(data []map[string]any, r *http.Request, keys ...string) []map[string]any {
	var out []map[string]any
	for _, d := range data {
		ok := true
		for _, k := range keys {
			if v := r.URL.Query().Get(k); v != "" && fmt.Sprint(d[k]) != v {
				ok = false
			}
		}
		if ok {
			out = append(out, d)
		}
	}
	return out
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && r.URL.Path == "/audit_logs/events" {
		f.mu.Lock()
		hold, arrived := f.auditHold, f.auditArrived
		f.mu.Unlock()
		if arrived != nil {
			select {
			case arrived <- struct{}{}:
			default:
			}
		}
		if hold != nil {
			select {
			case <-hold:
			case <-r.Context().Done():
				return
			}
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	key := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	env, ok := f.envs[key]
	f.calls = append(f.calls, r.Method+" "+r.URL.Path)
	f.keys = append(f.keys, key)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Request-ID", fmt.Sprintf("req_%d", len(f.calls)))
	reply := func(status int, v any) {
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	if !ok {
		reply(401, map[string]any{"code": "unauthorized", "message": "bad key"})
		return
	}
	var body map[string]any
	_ = json.NewDecoder(r.Body).Decode(&body)
	p := r.URL.Path
	seg := strings.Split(strings.Trim(p, "/"), "/")
	switch {
	case r.Method == "GET" && p == "/organizations":
		var out []map[string]any
		for _, id := range sortedKeys(env.orgs) {
			o := env.orgs[id]
			if d := r.URL.Query().Get("domains"); d != "" {
				b, _ := json.Marshal(o["domains"])
				if !strings.Contains(string(b), `"`+d+`"`) {
					continue
				}
			}
			out = append(out, o)
		}
		reply(200, list(out))
	case r.Method == "POST" && p == "/organizations":
		env.next++
		id := fmt.Sprintf("org_new%d", env.next)
		o := map[string]any{"object": "organization", "id": id, "name": body["name"], "updated_at": "1", "domains": []any{}}
		if dd, ok := body["domain_data"].([]any); ok {
			var ds []any
			for i, d := range dd {
				m := d.(map[string]any)
				ds = append(ds, map[string]any{"id": fmt.Sprintf("org_domain_n%d", i), "domain": m["domain"], "state": m["state"]})
			}
			o["domains"] = ds
		}
		env.orgs[id] = o
		reply(201, o)
	case len(seg) == 2 && seg[0] == "organizations":
		o, ok := env.orgs[seg[1]]
		if !ok {
			reply(404, map[string]any{"code": "entity_not_found", "message": "Organization not found: '" + seg[1] + "'."})
			return
		}
		switch r.Method {
		case "GET":
			reply(200, o)
		case "PUT":
			if n, ok := body["name"]; ok {
				o["name"] = n
			}
			o["updated_at"] = fmt.Sprint(len(f.calls))
			reply(200, o)
		case "DELETE":
			delete(env.orgs, seg[1])
			f.deletes++
			w.WriteHeader(202)
		}
	case r.Method == "GET" && p == "/connections":
		out := filter(env.connections, r, "organization_id")
		if d := r.URL.Query().Get("domain"); d != "" {
			var m []map[string]any
			for _, c := range out {
				b, _ := json.Marshal(c["domains"])
				if strings.Contains(string(b), `"`+d+`"`) {
					m = append(m, c)
				}
			}
			out = m
		}
		reply(200, list(out))
	case r.Method == "GET" && p == "/directories":
		reply(200, list(filter(env.directories, r, "organization_id")))
	case r.Method == "GET" && p == "/user_management/organization_memberships":
		reply(200, list(filter(env.memberships, r, "organization_id", "user_id")))
	case len(seg) >= 3 && seg[0] == "user_management" && seg[1] == "organization_memberships":
		for _, m := range env.memberships {
			if m["id"] == seg[2] {
				if r.Method != "GET" {
					f.writes++
				}
				reply(200, m)
				return
			}
		}
		reply(404, map[string]any{"code": "entity_not_found", "message": "Organization membership not found"})
	case r.Method == "GET" && p == "/user_management/invitations":
		reply(200, list(filter(env.invitations, r, "organization_id")))
	case r.Method == "POST" && p == "/user_management/invitations":
		inv := map[string]any{"id": "invitation_new", "email": body["email"], "organization_id": body["organization_id"], "state": "pending", "token": "inv_tok_NEW", "accept_invitation_url": "https://x/accept?token=inv_tok_NEW"}
		env.invitations = append(env.invitations, inv)
		reply(201, inv)
	case r.Method == "POST" && p == "/portal/generate_link":
		reply(201, map[string]any{"link": "https://portal.test/setup?org=" + fmt.Sprint(body["organization"]) + "&intent=" + fmt.Sprint(body["intent"])})
	case r.Method == "GET" && p == "/user_management/users":
		users := filter(env.users, r, "email")
		if org := r.URL.Query().Get("organization_id"); org != "" {
			var in []map[string]any
			for _, u := range users {
				for _, m := range env.memberships {
					if m["user_id"] == u["id"] && m["organization_id"] == org {
						in = append(in, u)
						break
					}
				}
			}
			users = in
		}
		reply(200, list(users))
	case r.Method == "GET" && len(seg) == 3 && seg[1] == "users":
		for _, u := range env.users {
			if u["id"] == seg[2] {
				reply(200, u)
				return
			}
		}
		reply(404, map[string]any{"code": "entity_not_found", "message": "User not found"})
	case r.Method == "GET" && p == "/webhook_endpoints":
		reply(200, list(env.webhooks))
	case r.Method == "POST" && p == "/audit_logs/events" && f.auditStatus != 0:
		reply(f.auditStatus, map[string]any{"code": "unavailable", "message": "audit log down"})
	case r.Method == "POST" && p == "/audit_logs/events":
		f.audits = append(f.audits, body)
		reply(201, map[string]any{"success": true})
	default:
		reply(404, map[string]any{"code": "not_found", "message": "no route " + r.Method + " " + p})
	}
}
