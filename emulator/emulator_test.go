package emulator

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

const sk = DemoSandboxAPIKey

// smallSeed is one environment with roles and nothing else: tests that count objects use it.
func smallSeed() *Seed {
	return &Seed{Environments: []SeedEnvironment{{
		Name: "sandbox", Kind: "sandbox", APIKey: sk, ClientID: "client_small",
		Permissions: []SeedPermission{{Slug: "documents:read", Name: "Read documents"}, {Slug: "documents:write", Name: "Write documents"}},
		Roles: []SeedRole{{Slug: "admin", Name: "Admin", Permissions: []string{"documents:read", "documents:write"}},
			{Slug: "member", Name: "Member", Permissions: []string{"documents:read"}}},
	}}}
}

func str(m map[string]any, k string) string { s, _ := m[k].(string); return s }

func (te *testEmulator) createOrg(name string, extra map[string]any) map[string]any {
	te.t.Helper()
	body := map[string]any{"name": name}
	for k, v := range extra {
		body[k] = v
	}
	return te.must(http.StatusCreated, sk, "POST", "/organizations", body).json(te.t)
}

func (te *testEmulator) createUser(email string) map[string]any {
	te.t.Helper()
	return te.must(http.StatusCreated, sk, "POST", "/user_management/users", map[string]any{"email": email, "first_name": "F", "last_name": "L"}).json(te.t)
}

func (te *testEmulator) count(path string) int {
	te.t.Helper()
	return len(te.must(http.StatusOK, sk, "GET", path, nil).list(te.t))
}

func (te *testEmulator) events(name string) []map[string]any {
	te.t.Helper()
	return te.must(http.StatusOK, sk, "GET", "/events?limit=100&events="+name, nil).list(te.t)
}

func TestAuthentication(t *testing.T) {
	te := newTestEmulator(t, Options{})
	for _, key := range []string{"", "sk_test_wrong"} {
		r := te.do(key, "GET", "/organizations", nil)
		if r.status != http.StatusUnauthorized {
			t.Fatalf("key %q: status %d, want 401", key, r.status)
		}
		if m := r.json(t); str(m, "message") == "" || strings.Contains(string(r.body), key) && key != "" {
			t.Fatalf("401 body: %s", r.body)
		}
	}
	// Each key sees its own environment.
	team := te.must(200, DemoTeamAPIKey, "GET", "/organizations", nil).list(t)
	if len(team) != 1 || str(team[0], "id") != DemoTeamOrganizationID || str(team[0], "name") != DemoTeamOrganizationName {
		t.Fatalf("team organizations: %v", team)
	}
	te.must(http.StatusNotFound, sk, "GET", "/organizations/"+DemoTeamOrganizationID, nil)
	prod := te.must(200, DemoProductionAPIKey, "GET", "/organizations?limit=100", nil).list(t)
	if len(prod) == 0 {
		t.Fatal("the production environment has no organizations")
	}
	// A write in one environment is invisible to the others, and IDs do not cross over.
	created := te.createOrg("Sandbox Only", nil)
	te.must(http.StatusNotFound, DemoProductionAPIKey, "GET", "/organizations/"+str(created, "id"), nil)
	te.must(http.StatusNotFound, sk, "GET", "/organizations/"+str(prod[0], "id"), nil)
	for _, o := range te.must(200, DemoProductionAPIKey, "GET", "/organizations?limit=100", nil).list(t) {
		if str(o, "name") == "Sandbox Only" {
			t.Fatal("a sandbox write is visible in production")
		}
	}
	// The key goes in a Bearer Authorization header and nowhere else.
	for _, hdr := range [][]string{{"Authorization", sk}, {"Authorization", "Basic " + sk}, {"X-Api-Key", sk}} {
		if r := te.do("", "GET", "/organizations", nil, hdr...); r.status != http.StatusUnauthorized {
			t.Errorf("%s: %s: status %d, want 401", hdr[0], hdr[1][:5], r.status)
		}
	}
}

func TestRoutingErrors(t *testing.T) {
	te := newTestEmulator(t, Options{})
	r := te.must(http.StatusNotFound, sk, "GET", "/no/such/path", nil)
	if str(r.json(t), "message") == "" {
		t.Fatalf("404 body: %s", r.body)
	}
	r = te.must(http.StatusMethodNotAllowed, sk, "PATCH", "/organizations", nil)
	if !strings.Contains(r.header.Get("Allow"), "GET") {
		t.Fatalf("Allow: %q", r.header.Get("Allow"))
	}
	r = te.must(http.StatusNotFound, sk, "GET", "/organizations/org_01XXXXXXXXXXXXXXXXXXXXXXXX", nil)
	if m := r.json(t); str(m, "code") != "entity_not_found" || !strings.Contains(str(m, "message"), "org_01XXXXXXXXXXXXXXXXXXXXXXXX") {
		t.Fatalf("404 body: %s", r.body)
	}
	if r.header.Get("X-Request-Id") == "" {
		t.Fatal("no X-Request-Id")
	}
	r = te.must(http.StatusUnprocessableEntity, sk, "POST", "/organizations", "{not json")
	if str(r.json(t), "code") != "invalid_request_parameters" {
		t.Fatalf("bad JSON body: %s", r.body)
	}
	r = te.must(http.StatusUnprocessableEntity, sk, "POST", "/organizations", map[string]any{"name": 42})
	if str(r.json(t), "code") != "invalid_request_parameters" {
		t.Fatalf("wrong type body: %s", r.body)
	}
}

func TestPagination(t *testing.T) {
	te := newTestEmulator(t, Options{Seed: smallSeed()})
	var ids []string // oldest first
	for i := range 25 {
		ids = append(ids, str(te.createOrg(fmt.Sprintf("Org %02d", i), nil), "id"))
	}
	type page struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
		Meta struct {
			Before, After *string
		} `json:"list_metadata"`
	}
	get := func(q string) page {
		t.Helper()
		var p page
		r := te.must(200, sk, "GET", "/organizations?"+q, nil)
		if err := jsonUnmarshal(r.body, &p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Default: 10, newest first.
	p := get("")
	if len(p.Data) != 10 || p.Data[0].ID != ids[24] || p.Meta.Before != nil || p.Meta.After == nil || *p.Meta.After != ids[15] {
		t.Fatalf("first page: %+v", p)
	}
	// Walk forward with after until the end: every object once.
	seen := map[string]bool{}
	after := ""
	for n := 0; n < 10; n++ {
		q := "limit=7"
		if after != "" {
			q += "&after=" + after
		}
		p = get(q)
		for _, d := range p.Data {
			if seen[d.ID] {
				t.Fatalf("%s twice", d.ID)
			}
			seen[d.ID] = true
		}
		if p.Meta.After == nil {
			break
		}
		after = *p.Meta.After
	}
	if len(seen) != 25 {
		t.Fatalf("walked %d objects, want 25", len(seen))
	}
	// before goes back: the page just before ids[10] in desc order is ids[11..15] reversed.
	p = get("limit=5&before=" + ids[10])
	if len(p.Data) != 5 || p.Data[0].ID != ids[15] || p.Data[4].ID != ids[11] || p.Meta.Before == nil || p.Meta.After == nil {
		t.Fatalf("before page: %+v", p)
	}
	// asc order.
	p = get("order=asc&limit=3")
	if p.Data[0].ID != ids[0] || p.Data[2].ID != ids[2] {
		t.Fatalf("asc page: %+v", p)
	}
	// Last page has no after.
	p = get("order=asc&limit=5&after=" + ids[19])
	if len(p.Data) != 5 || p.Meta.After != nil {
		t.Fatalf("last page: %+v", p)
	}
	// normal: newest first like desc, but before= pages to older objects and after= to newer.
	p = get("order=normal&limit=5")
	if len(p.Data) != 5 || p.Data[0].ID != ids[24] || p.Data[4].ID != ids[20] || p.Meta.After != nil || p.Meta.Before == nil || *p.Meta.Before != ids[20] {
		t.Fatalf("normal first page: %+v", p)
	}
	p = get("order=normal&limit=5&before=" + *p.Meta.Before)
	if len(p.Data) != 5 || p.Data[0].ID != ids[19] || p.Data[4].ID != ids[15] || p.Meta.After == nil || *p.Meta.After != ids[19] {
		t.Fatalf("normal older page: %+v", p)
	}
	p = get("order=normal&limit=3&after=" + ids[15])
	if len(p.Data) != 3 || p.Data[0].ID != ids[18] || p.Data[2].ID != ids[16] {
		t.Fatalf("normal newer page: %+v", p)
	}
	// Bad values: 422 with the field named.
	for _, q := range []string{"limit=0", "limit=101", "limit=ten", "order=sideways"} {
		r := te.must(http.StatusUnprocessableEntity, sk, "GET", "/organizations?"+q, nil)
		m := r.json(t)
		errs, _ := m["errors"].([]any)
		if str(m, "code") != "invalid_request_parameters" || len(errs) == 0 {
			t.Fatalf("%s: %s", q, r.body)
		}
	}
	if p := get("limit=100"); len(p.Data) != 25 {
		t.Fatalf("limit=100: %d", len(p.Data))
	}
}

func TestPersistenceAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	te := newTestEmulator(t, Options{DataDir: dir})
	org := te.createOrg("Survivor", map[string]any{"external_id": "survivor"})
	te.srv.Close()
	if err := te.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := filepath.Glob(filepath.Join(dir, "emulator.db")); err != nil {
		t.Fatal(err)
	}
	te2 := newTestEmulator(t, Options{DataDir: dir})
	got := te2.must(200, sk, "GET", "/organizations/external_id/survivor", nil).json(t)
	if str(got, "id") != str(org, "id") {
		t.Fatalf("after restart: %v", got)
	}
	te2.srv.Close()
	te2.Close()
	e3, err := New(ctx, Options{DataDir: dir, Reset: true})
	if err != nil {
		t.Fatal(err)
	}
	defer e3.Close()
	te3 := &testEmulator{Emulator: e3, t: t}
	te3.srv = newServer(t, e3)
	te3.must(http.StatusNotFound, sk, "GET", "/organizations/"+str(org, "id"), nil)
	if err := e3.Ping(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestConcurrentWrites(t *testing.T) {
	te := newTestEmulator(t, Options{DataDir: t.TempDir(), Seed: smallSeed()})
	const n = 24
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := te.do(sk, "POST", "/organizations", map[string]any{"name": fmt.Sprintf("Concurrent %d", i), "external_id": fmt.Sprintf("c%d", i)})
			if r.status != http.StatusCreated {
				errs <- fmt.Errorf("create %d: %d %s", i, r.status, r.body)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := te.count("/organizations?limit=100"); got != n {
		t.Fatalf("%d organizations, want %d", got, n)
	}
	if got := len(te.events("organization.created")); got != n {
		t.Fatalf("%d organization.created events, want %d", got, n)
	}
}

// A request that fails halfway leaves nothing behind: no organization, no domain, no event.
func TestFailedRequestLeavesNothing(t *testing.T) {
	te := newTestEmulator(t, Options{Seed: smallSeed()})
	before := len(te.must(200, sk, "GET", "/events?limit=100", nil).list(t))
	te.failWriteAt.Store(3) // organization, first domain, then fail on the domain's event
	r := te.do(sk, "POST", "/organizations", map[string]any{"name": "Half", "domains": []string{"half.test", "half2.test"}})
	if r.status != http.StatusInternalServerError {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	te.failWriteAt.Store(0)
	if got := te.count("/organizations"); got != 0 {
		t.Fatalf("%d organizations after a failed create", got)
	}
	if got := len(te.must(200, sk, "GET", "/events?limit=100", nil).list(t)); got != before {
		t.Fatalf("events: %d, want %d", got, before)
	}
	// A conflict found late (second domain verified elsewhere) also rolls back the first writes.
	te.createOrg("Owner", map[string]any{"domain_data": []map[string]string{{"domain": "taken.test", "state": "verified"}}})
	r = te.do(sk, "POST", "/organizations", map[string]any{"name": "Late", "domain_data": []map[string]string{
		{"domain": "fine.test", "state": "verified"}, {"domain": "taken.test", "state": "verified"}}})
	if r.status != http.StatusConflict {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	if got := te.count("/organizations"); got != 1 {
		t.Fatalf("%d organizations, want 1", got)
	}
}

func TestIdempotencyKey(t *testing.T) {
	te := newTestEmulator(t, Options{Seed: smallSeed()})
	body := map[string]any{"name": "Once"}
	a := te.must(http.StatusCreated, sk, "POST", "/organizations", body, "Idempotency-Key", "k1")
	b := te.must(http.StatusCreated, sk, "POST", "/organizations", body, "Idempotency-Key", "k1")
	if str(a.json(t), "id") != str(b.json(t), "id") || b.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: %s vs %s", a.body, b.body)
	}
	if got := te.count("/organizations"); got != 1 {
		t.Fatalf("%d organizations, want 1", got)
	}
	r := te.must(http.StatusConflict, sk, "POST", "/organizations", map[string]any{"name": "Other"}, "Idempotency-Key", "k1")
	if str(r.json(t), "code") != "idempotency_key_reused" {
		t.Fatalf("reuse: %s", r.body)
	}
	// A failed request does not consume its key.
	te.must(http.StatusUnprocessableEntity, sk, "POST", "/organizations", map[string]any{}, "Idempotency-Key", "k2")
	te.must(http.StatusUnprocessableEntity, sk, "POST", "/organizations", map[string]any{}, "Idempotency-Key", "k2")
	// A retry that could not run again (its verified domain is now taken, by the first run)
	// gets the first answer, not the conflict; a different request under that key gets the
	// key's conflict, not the handler's.
	owned := map[string]any{"name": "Owner", "domain_data": []map[string]string{{"domain": "owned.test", "state": "verified"}}}
	first := te.must(http.StatusCreated, sk, "POST", "/organizations", owned, "Idempotency-Key", "k3")
	again := te.must(http.StatusCreated, sk, "POST", "/organizations", owned, "Idempotency-Key", "k3")
	if string(again.body) != string(first.body) || again.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("retry of a request that would now fail: %s", again.body)
	}
	owned["name"] = "Renamed"
	if r := te.must(http.StatusConflict, sk, "POST", "/organizations", owned, "Idempotency-Key", "k3"); str(r.json(t), "code") != "idempotency_key_reused" {
		t.Fatalf("reuse by a request that would fail: %s", r.body)
	}
	if got := te.count("/organizations"); got != 2 {
		t.Fatalf("%d organizations, want 2", got)
	}
}

func TestFaultInjection(t *testing.T) {
	te := newTestEmulator(t, Options{Seed: smallSeed()})
	// Before apply: nothing is created.
	remove := te.InjectFault(Fault{Method: "POST", Path: "/organizations", Status: http.StatusServiceUnavailable, Times: 1})
	te.must(http.StatusServiceUnavailable, sk, "POST", "/organizations", map[string]any{"name": "A"})
	if te.count("/organizations") != 0 {
		t.Fatal("a request failed before apply created an object")
	}
	te.must(http.StatusCreated, sk, "POST", "/organizations", map[string]any{"name": "A"}) // Times: 1 is used up
	remove()
	// After apply: created, but answered 503; the retry with the same key gets the stored answer.
	te.InjectFault(Fault{Method: "POST", Path: "/organizations", Status: http.StatusServiceUnavailable, Times: 1, AfterApply: true, RetryAfter: 2 * time.Second})
	r := te.must(http.StatusServiceUnavailable, sk, "POST", "/organizations", map[string]any{"name": "B"}, "Idempotency-Key", "retry-1")
	if r.header.Get("Retry-After") != "2" {
		t.Fatalf("Retry-After %q", r.header.Get("Retry-After"))
	}
	te.must(http.StatusCreated, sk, "POST", "/organizations", map[string]any{"name": "B"}, "Idempotency-Key", "retry-1")
	if got := te.count("/organizations"); got != 2 {
		t.Fatalf("%d organizations, want 2 (B exactly once)", got)
	}
	// Pattern paths and latency.
	rm := te.InjectFault(Fault{Path: "/organizations/{id}", Latency: 20 * time.Millisecond, Status: http.StatusInternalServerError})
	te.must(http.StatusInternalServerError, sk, "GET", "/organizations/org_x", nil)
	te.must(http.StatusInternalServerError, sk, "GET", "/organizations/org_y", nil)
	rm()
	rm()
	te.must(http.StatusNotFound, sk, "GET", "/organizations/org_x", nil)
	rl := te.InjectFault(Fault{Status: http.StatusTooManyRequests, Times: 1})
	defer rl()
	r = te.must(http.StatusTooManyRequests, sk, "GET", "/organizations", nil)
	if r.header.Get("Retry-After") == "" {
		t.Fatal("429 fault without Retry-After")
	}
}

func TestRateLimit(t *testing.T) {
	te := newTestEmulator(t, Options{RateLimit: RateLimit{RequestsPerSecond: 0.001, Burst: 2}})
	te.must(200, sk, "GET", "/organizations", nil)
	te.must(200, sk, "GET", "/organizations", nil)
	r := te.must(http.StatusTooManyRequests, sk, "GET", "/organizations", nil)
	if r.header.Get("Retry-After") == "" || str(r.json(t), "code") != "rate_limit_exceeded" {
		t.Fatalf("429: %v %s", r.header, r.body)
	}
	r = te.must(http.StatusTooManyRequests, sk, "GET", "/directory_users?directory=x", nil)
	if strings.TrimSpace(string(r.body)) != `"Ratelimited"` {
		t.Fatalf("directory users 429: %s", r.body)
	}
	// Other keys have their own bucket.
	te.must(http.StatusOK, DemoProductionAPIKey, "GET", "/organizations", nil)
	// Off by default.
	te2 := newTestEmulator(t, Options{Seed: smallSeed()})
	for range 30 {
		te2.must(200, sk, "GET", "/organizations", nil)
	}
}

func TestRoutesAreInTheSpec(t *testing.T) {
	te := newTestEmulator(t, Options{Seed: smallSeed()})
	routes := te.Routes()
	if len(routes) < 80 {
		t.Fatalf("only %d routes", len(routes))
	}
	specOnce.Do(func() { spec, specErr = loadSpecForTests() })
	if specErr != nil {
		skipOrFailWithoutSpec(t, specErr)
		return
	}
	for _, r := range routes {
		op, ok := spec.Operation(r.Method, r.Pattern)
		if !ok || op == nil {
			t.Errorf("%s %s is not an operation of the spec", r.Method, r.Pattern)
		}
	}
}

// TestArrayQueryForms checks every array query parameter of the spec in the
// form the spec declares (style form, explode false: name=a,b) as well as the
// repeated and bracketed forms clients also send.
func TestArrayQueryForms(t *testing.T) {
	te := newTestEmulator(t, Options{Seed: smallSeed()})
	a := te.createOrg("Alpha", map[string]any{"domain_data": []map[string]any{{"domain": "alpha.test", "state": "verified"}}})
	b := te.createOrg("Beta", map[string]any{"domain_data": []map[string]any{{"domain": "beta.test", "state": "pending"}}})
	te.createOrg("Gamma", map[string]any{"domain_data": []map[string]any{{"domain": "gamma.test", "state": "verified"}}})
	u := te.createUser("forms@example.com")
	te.must(http.StatusCreated, sk, "POST", "/user_management/organization_memberships", map[string]any{"user_id": str(u, "id"), "organization_id": str(a, "id")})
	m2 := te.must(http.StatusCreated, sk, "POST", "/user_management/organization_memberships", map[string]any{"user_id": str(u, "id"), "organization_id": str(b, "id")}).json(t)
	te.must(http.StatusOK, sk, "PUT", "/user_management/organization_memberships/"+str(m2, "id")+"/deactivate", nil)

	ids := func(path string, key string) map[string]bool {
		t.Helper()
		out := map[string]bool{}
		for _, it := range te.must(http.StatusOK, sk, "GET", path, nil).list(t) {
			out[str(it, key)] = true
		}
		return out
	}
	for _, q := range []string{"domains=alpha.test,beta.test", "domains=alpha.test&domains=beta.test", "domains[]=alpha.test&domains[]=beta.test", "domains=alpha.test,%20beta.test"} {
		got := ids("/organizations?"+q, "name")
		if len(got) != 2 || !got["Alpha"] || !got["Beta"] {
			t.Errorf("GET /organizations?%s: %v, want Alpha and Beta", q, got)
		}
	}
	for _, q := range []string{"events=organization.created,user.created", "events=organization.created&events=user.created", "events[]=organization.created&events[]=user.created"} {
		got := ids("/events?limit=100&"+q, "event")
		if len(got) != 2 || !got["organization.created"] || !got["user.created"] {
			t.Errorf("GET /events?%s: event names %v, want organization.created and user.created", q, got)
		}
	}
	for _, q := range []string{"statuses=active,inactive", "statuses=active&statuses=inactive", "statuses[]=active&statuses[]=inactive"} {
		got := ids("/user_management/organization_memberships?user_id="+str(u, "id")+"&"+q, "status")
		if len(got) != 2 || !got["active"] || !got["inactive"] {
			t.Errorf("statuses %s: %v, want active and inactive", q, got)
		}
	}
	if got := ids("/user_management/organization_memberships?user_id="+str(u, "id")+"&statuses=inactive", "status"); len(got) != 1 || !got["inactive"] {
		t.Errorf("statuses=inactive: %v", got)
	}
	r := te.do(sk, "GET", "/user_management/organization_memberships?user_id="+str(u, "id")+"&statuses=active,bogus", nil)
	if r.status != http.StatusUnprocessableEntity && r.status != http.StatusBadRequest {
		t.Errorf("statuses=active,bogus: status %d, want a 4xx validation error: %s", r.status, r.body)
	}
}

// Wrap reaches handlers already mounted (as in the dev stack's router) and nil removes it.
func TestWrapReachesMountedHandlers(t *testing.T) {
	te := newTestEmulator(t, Options{Seed: smallSeed()})
	var seen []string
	var mu sync.Mutex
	te.Wrap(func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			seen = append(seen, r.Method+" "+r.URL.Path)
			mu.Unlock()
			w.Header().Set("X-Wrapped", "yes")
			h.ServeHTTP(w, r)
		})
	})
	r := te.must(http.StatusOK, sk, "GET", "/organizations", nil)
	if r.header.Get("X-Wrapped") != "yes" {
		t.Fatal("the middleware did not run for the mounted handler")
	}
	te.Wrap(nil)
	if r := te.must(http.StatusOK, sk, "GET", "/organizations", nil); r.header.Get("X-Wrapped") != "" {
		t.Fatal("Wrap(nil) did not remove the middleware")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 1 || seen[0] != "GET /organizations" {
		t.Fatalf("middleware saw %v, want one GET /organizations", seen)
	}
}

// TestIDsTimestampsAndObjects walks every list the default seed fills, plus freshly created
// objects, and checks WorkOS's formats: IDs are a type prefix and a ULID, timestamps are RFC 3339
// UTC with milliseconds, every object names its type.
func TestIDsTimestampsAndObjects(t *testing.T) {
	te := newTestEmulator(t, Options{})
	idRe := regexp.MustCompile(`^[a-z]+(_[a-z]+)*_[0-7][0-9A-HJKMNP-TV-Z]{25}$`)
	tsRe := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)
	check := func(where string, it map[string]any) {
		t.Helper()
		if id := str(it, "id"); !idRe.MatchString(id) {
			t.Errorf("%s: id %q is not a prefixed ULID", where, id)
		}
		if str(it, "object") == "" {
			t.Errorf("%s: no object field in %v", where, it)
		}
		for _, k := range []string{"created_at", "updated_at"} {
			if v, ok := it[k]; ok && v != nil && !tsRe.MatchString(fmt.Sprint(v)) {
				t.Errorf("%s: %s %q", where, k, v)
			}
		}
	}
	seen := 0
	for _, path := range []string{"/organizations", "/connections", "/directories", "/user_management/users",
		"/user_management/invitations", "/events", "/webhook_endpoints", "/authorization/permissions"} {
		for _, it := range te.must(http.StatusOK, sk, "GET", path+"?limit=100", nil).list(t) {
			check(path, it)
			seen++
		}
	}
	org := te.createOrg("Formats", map[string]any{"domain_data": []map[string]any{{"domain": "formats.test", "state": "pending"}}})
	check("created organization", org)
	check("created domain", org["domains"].([]any)[0].(map[string]any))
	u := te.createUser("formats@example.test")
	check("created user", u)
	m := te.must(http.StatusCreated, sk, "POST", "/user_management/organization_memberships", map[string]any{"user_id": str(u, "id"), "organization_id": str(org, "id")}).json(t)
	check("created membership", m)
	for _, pre := range []struct{ v, prefix string }{{str(org, "id"), "org_"}, {str(u, "id"), "user_"}, {str(m, "id"), "om_"}} {
		if !strings.HasPrefix(pre.v, pre.prefix) {
			t.Errorf("id %q, want prefix %s", pre.v, pre.prefix)
		}
	}
	if seen < 20 {
		t.Fatalf("only %d seeded objects checked", seen)
	}
}

func TestStrictIdempotency(t *testing.T) {
	te := newTestEmulator(t, Options{Seed: smallSeed(), StrictIdempotency: true})
	// Creating an organization does not document the key: a repeated request is applied again.
	body := map[string]any{"name": "Twice"}
	a := te.must(http.StatusCreated, sk, "POST", "/organizations", body, "Idempotency-Key", "k1")
	b := te.must(http.StatusCreated, sk, "POST", "/organizations", body, "Idempotency-Key", "k1")
	if str(a.json(t), "id") == str(b.json(t), "id") || b.header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("strict mode replayed an undocumented key: %s vs %s", a.body, b.body)
	}
	if got := te.count("/organizations"); got != 2 {
		t.Fatalf("%d organizations, want 2", got)
	}
	// Audit log events document it: replayed, and a different body under the same key is refused.
	orgID := str(a.json(t), "id")
	ev := map[string]any{"organization_id": orgID, "event": map[string]any{"action": "user.signed_in", "occurred_at": "2026-02-01T10:00:00.000Z",
		"actor": map[string]any{"id": "user_1", "type": "user"}, "targets": []map[string]any{{"id": "user_1", "type": "user"}},
		"context": map[string]any{"location": "192.0.2.1"}}}
	te.must(http.StatusOK, sk, "POST", "/audit_logs/events", ev, "Idempotency-Key", "e1")
	if r := te.must(http.StatusOK, sk, "POST", "/audit_logs/events", ev, "Idempotency-Key", "e1"); r.header.Get("Idempotent-Replayed") != "true" {
		t.Fatal("strict mode did not replay a documented key")
	}
	ev["organization_id"] = "org_other"
	te.must(http.StatusConflict, sk, "POST", "/audit_logs/events", ev, "Idempotency-Key", "e1")
	// An event for an organization that does not exist is refused and does not take its key:
	// once the key is used with an existing organization, the event is recorded.
	te.must(http.StatusNotFound, sk, "POST", "/audit_logs/events", ev, "Idempotency-Key", "e2")
	ev["organization_id"] = orgID
	if r := te.must(http.StatusOK, sk, "POST", "/audit_logs/events", ev, "Idempotency-Key", "e2"); r.header.Get("Idempotent-Replayed") != "" {
		t.Fatal("a refused event's key was replayed")
	}
}

// TestMalformedBody: a body that is not one JSON value — cut short, or followed by more data —
// is refused as invalid JSON and changes nothing; a value of the wrong type names its field.
func TestMalformedBody(t *testing.T) {
	te := newTestEmulator(t, Options{Seed: smallSeed()})
	for _, body := range []string{`{"name":"A"} {"name":"B"}`, `{"name":"A"}x`, `{"name":"A"`, `{"name":"A"}]`} {
		r := te.must(http.StatusUnprocessableEntity, sk, "POST", "/organizations", body)
		if !strings.Contains(string(r.body), `"invalid_json"`) {
			t.Errorf("%s: %s", body, r.body)
		}
	}
	if got := te.count("/organizations"); got != 0 {
		t.Fatalf("%d organizations after malformed bodies", got)
	}
	r := te.must(http.StatusUnprocessableEntity, sk, "POST", "/organizations", `{"name":5}`)
	if !strings.Contains(string(r.body), `"invalid_type"`) || !strings.Contains(string(r.body), `"name"`) {
		t.Errorf("wrong type: %s", r.body)
	}
	te.must(http.StatusCreated, sk, "POST", "/organizations", " \n{\"name\":\"A\"}\n ")
}
