package workos_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/workos-mcp/workos-mcp/emulator"
	"github.com/workos-mcp/workos-mcp/internal/openapi/openapitest"
	"github.com/workos-mcp/workos-mcp/workos"
)

// startEmulator serves an in-memory emulator with the demo seed on 127.0.0.1.
func startEmulator(t *testing.T, opts emulator.Options) (*emulator.Emulator, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	em, err := emulator.New(ctx, opts)
	if err != nil {
		t.Fatalf("emulator: %v", err)
	}
	srv := httptest.NewServer(validated(t, em.Handler()))
	t.Cleanup(func() {
		srv.Close()
		em.Close()
	})
	return em, srv.URL
}

// validated wraps h so that every emulator response these tests see must conform to the WorkOS
// OpenAPI spec (openapitest.Middleware says what is judged; a missing spec fails under CI=true).
func validated(t *testing.T, h http.Handler) http.Handler {
	t.Helper()
	return openapitest.Middleware(t)(h)
}

type statusLog struct {
	mu       sync.Mutex
	statuses []int
}

func (l *statusLog) hook(_, _ string, status int, _ time.Duration) {
	l.mu.Lock()
	l.statuses = append(l.statuses, status)
	l.mu.Unlock()
}

func (l *statusLog) get() []int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]int(nil), l.statuses...)
}

func countOrgsNamed(t *testing.T, c *workos.Client, name string) int {
	t.Helper()
	orgs, err := workos.ListAll[workos.Organization](context.Background(), c, "/organizations", nil, 0)
	if err != nil {
		t.Fatalf("list organizations: %v", err)
	}
	n := 0
	for _, o := range orgs {
		if o.Name == name {
			n++
		}
	}
	return n
}

// bothIdempotencyModes runs a test against the emulator's default mode (every POST honours
// Idempotency-Key) and its strict mode (only where the spec documents it, as WorkOS): the client's
// retries must be safe in both.
func bothIdempotencyModes(t *testing.T, test func(t *testing.T, opts emulator.Options)) {
	for _, strict := range []bool{false, true} {
		t.Run(map[bool]string{false: "default", true: "strict"}[strict], func(t *testing.T) {
			test(t, emulator.Options{StrictIdempotency: strict})
		})
	}
}

// A POST whose response is lost (the emulator applies it, then answers 503) is not retried: it
// lands exactly once and the error says the outcome is unknown. An audit log event, which the
// spec documents as idempotent with its key, is retried and replayed instead.
func TestEmulatorPostLost503AppliedOnce(t *testing.T) {
	bothIdempotencyModes(t, func(t *testing.T, opts emulator.Options) {
		em, base := startEmulator(t, opts)
		var log statusLog
		c := workos.New(workos.Options{BaseURL: base, APIKey: emulator.DemoSandboxAPIKey, OnResponse: log.hook,
			BackoffBase: 10 * time.Millisecond, BackoffMax: 50 * time.Millisecond})
		remove := em.InjectFault(emulator.Fault{Method: "POST", Path: "/organizations", Status: http.StatusServiceUnavailable, Times: 1, AfterApply: true})
		defer remove()

		const name = "Applied Exactly Once Inc"
		_, err := c.Do(context.Background(), "POST", "/organizations", nil, map[string]any{"name": name}, nil)
		var e *workos.Error
		if !errors.Is(err, workos.ErrOutcomeUnknown) || !errors.As(err, &e) || e.StatusCode != 503 || e.RequestID == "" {
			t.Fatalf("err %v, want an outcome-unknown error wrapping the 503", err)
		}
		if got := log.get(); len(got) != 1 || got[0] != 503 {
			t.Fatalf("attempt statuses %v, want [503]", got)
		}
		if n := countOrgsNamed(t, c, name); n != 1 {
			t.Fatalf("%d organizations named %q, want exactly 1", n, name)
		}

		remove2 := em.InjectFault(emulator.Fault{Method: "POST", Path: "/audit_logs/events", Status: http.StatusServiceUnavailable, Times: 1, AfterApply: true})
		defer remove2()
		ev := workos.AuditLogEvent{Action: "workspace.retry", OccurredAt: time.Now().UTC().Format(time.RFC3339),
			Actor: workos.AuditLogActor{ID: "user_1", Type: "user"}, Targets: []workos.AuditLogTarget{{ID: "t", Type: "team"}},
			Context: workos.AuditLogContext{Location: "127.0.0.1"}}
		resp, err := c.Do(context.Background(), "POST", "/audit_logs/events", nil,
			map[string]any{"organization_id": orgNamed(t, c, name), "event": ev}, nil)
		if err != nil {
			t.Fatalf("audit event after a lost 503: %v", err)
		}
		if resp.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("the retry was not answered from the idempotency store (headers %v)", resp.Header)
		}
	})
}

func orgNamed(t *testing.T, c *workos.Client, name string) string {
	t.Helper()
	orgs, err := workos.ListAll[workos.Organization](context.Background(), c, "/organizations", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range orgs {
		if o.Name == name {
			return o.ID
		}
	}
	t.Fatalf("no organization named %q", name)
	return ""
}

// A caller-level retry with the same key (WithIdempotencyKey) is deduplicated where the key is
// honoured: on every POST in the emulator's default mode, and in strict mode (as at WorkOS) only
// where the spec documents it, so there a repeated create is applied twice.
func TestEmulatorCallerRetryWithSameKey(t *testing.T) {
	bothIdempotencyModes(t, func(t *testing.T, opts emulator.Options) {
		_, base := startEmulator(t, opts)
		c := workos.New(workos.Options{BaseURL: base, APIKey: emulator.DemoSandboxAPIKey})
		ctx := workos.WithIdempotencyKey(context.Background(), "caller-key-1")
		const name = "Twice Submitted Co"
		var a, b workos.Organization
		if _, err := c.Do(ctx, "POST", "/organizations", nil, map[string]any{"name": name}, &a); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Do(ctx, "POST", "/organizations", nil, map[string]any{"name": name}, &b); err != nil {
			t.Fatal(err)
		}
		want := 1
		if opts.StrictIdempotency {
			want = 2
		}
		if n := countOrgsNamed(t, c, name); n != want || (want == 1) != (a.ID == b.ID) {
			t.Fatalf("ids %q %q, count %d, want %d", a.ID, b.ID, n, want)
		}
	})
}

// The emulator's rate limiter answers 429 with Retry-After; the client waits and succeeds.
func TestEmulatorRateLimitRetryAfter(t *testing.T) {
	_, base := startEmulator(t, emulator.Options{RateLimit: emulator.RateLimit{RequestsPerSecond: 0.5, Burst: 1}})
	var log statusLog
	c := workos.New(workos.Options{BaseURL: base, APIKey: emulator.DemoSandboxAPIKey, OnResponse: log.hook, MaxRetryAfter: 10 * time.Second})
	ctx := context.Background()
	if _, err := c.Do(ctx, "GET", "/organizations", url.Values{"limit": {"1"}}, nil, nil); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := c.Do(ctx, "GET", "/organizations", url.Values{"limit": {"1"}}, nil, nil); err != nil {
		t.Fatalf("second request: %v", err)
	}
	got := log.get()
	if len(got) < 3 || got[1] != http.StatusTooManyRequests || got[len(got)-1] != 200 {
		t.Fatalf("statuses %v, want 200, 429…, 200", got)
	}
	if time.Since(start) < 900*time.Millisecond {
		t.Errorf("Retry-After not waited out: %v", time.Since(start))
	}

	// Without retries the 429 is an *Error that carries Retry-After.
	noRetry := workos.New(workos.Options{BaseURL: base, APIKey: emulator.DemoSandboxAPIKey, MaxRetries: -1})
	_, err := noRetry.Do(ctx, "GET", "/organizations", nil, nil, nil)
	var e *workos.Error
	if !errors.As(err, &e) || e.StatusCode != 429 || e.RetryAfter < time.Second || e.Code != "rate_limit_exceeded" {
		t.Fatalf("err %#v", err)
	}
}

// Real 404, 422 and 401 answers decode into *Error.
func TestEmulatorErrors(t *testing.T) {
	_, base := startEmulator(t, emulator.Options{})
	c := workos.New(workos.Options{BaseURL: base, APIKey: emulator.DemoSandboxAPIKey})
	ctx := context.Background()

	_, err := c.GetOrganization(ctx, "org_01NOTTHERE0000000000000000")
	var e *workos.Error
	if !errors.Is(err, workos.ErrNotFound) || !errors.As(err, &e) || e.Code != "entity_not_found" || e.RequestID == "" || e.Message == "" {
		t.Fatalf("404: %#v", err)
	}

	_, err = c.Do(ctx, "POST", "/organizations", nil, map[string]any{"name": ""}, nil)
	if !errors.As(err, &e) || e.StatusCode != 422 || e.Code != "invalid_request_parameters" || len(e.Errors) == 0 || e.Errors[0].Field != "name" {
		t.Fatalf("422: %#v", err)
	}

	bad := workos.New(workos.Options{BaseURL: base, APIKey: "sk_test_wrong_key_12345"})
	_, err = bad.GetOrganization(ctx, "org_01X")
	if !errors.As(err, &e) || e.StatusCode != 401 {
		t.Fatalf("401: %#v", err)
	}
	if s := err.Error(); strings.Contains(s, "sk_test_wrong_key_12345") {
		t.Fatalf("error leaks the key: %s", s)
	}
}

// The typed helpers read the demo team environment as localauth and authkit do.
func TestEmulatorTypedHelpers(t *testing.T) {
	_, base := startEmulator(t, emulator.Options{})
	c := workos.New(workos.Options{BaseURL: base + "/", APIKey: emulator.DemoTeamAPIKey})
	ctx := context.Background()
	org, err := c.GetOrganization(ctx, emulator.DemoTeamOrganizationID)
	if err != nil || org.ID != emulator.DemoTeamOrganizationID || org.Object != "organization" {
		t.Fatalf("organization %+v %v", org, err)
	}
	ms, err := workos.ListAll[workos.OrganizationMembership](ctx, c, "/user_management/organization_memberships",
		url.Values{"organization_id": {emulator.DemoTeamOrganizationID}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	roles := map[string]string{} // role -> user ID
	for _, m := range ms {
		roles[m.Role.Slug] = m.UserID
	}
	for _, r := range emulator.DemoTeamRoles {
		if roles[r] == "" {
			t.Errorf("no membership with role %q in %+v", r, ms)
		}
	}
	u, err := c.GetUser(ctx, roles["admin"])
	if err != nil || u.Email != "admin@example.com" {
		t.Fatalf("admin user %+v %v", u, err)
	}
	page, err := c.ListOrganizationMemberships(ctx, workos.ListOrganizationMembershipsParams{UserID: u.ID, Statuses: []string{"active"}})
	if err != nil || len(page.Data) != 1 || page.Data[0].OrganizationID != emulator.DemoTeamOrganizationID || page.Data[0].Role.Slug != "admin" {
		t.Fatalf("memberships %+v %v", page, err)
	}
	ev := workos.AuditLogEvent{Action: "workspace.query", OccurredAt: time.Now().UTC().Format(time.RFC3339),
		Actor: workos.AuditLogActor{ID: u.ID, Type: "user"}, Context: workos.AuditLogContext{Location: "127.0.0.1"}}
	for range 2 {
		if err := c.CreateAuditLogEvent(ctx, emulator.DemoTeamOrganizationID, ev, "audit-key-1"); err != nil {
			t.Fatalf("audit event: %v", err)
		}
	}
}

// A DELETE whose response is lost is retried; the retry's 404 means the
// first attempt deleted it, and the call succeeds.
func TestEmulatorDeleteRetriedAfterLost503(t *testing.T) {
	bothIdempotencyModes(t, func(t *testing.T, opts emulator.Options) {
		em, base := startEmulator(t, opts)
		c := workos.New(workos.Options{BaseURL: base, APIKey: emulator.DemoSandboxAPIKey, BackoffBase: 10 * time.Millisecond})
		ctx := context.Background()
		var org workos.Organization
		if _, err := c.Do(ctx, "POST", "/organizations", nil, map[string]any{"name": "Doomed Corp"}, &org); err != nil {
			t.Fatal(err)
		}
		remove := em.InjectFault(emulator.Fault{Method: "DELETE", Path: "/organizations/{id}", Status: http.StatusServiceUnavailable, Times: 1, AfterApply: true})
		defer remove()
		resp, err := c.Do(ctx, "DELETE", "/organizations/"+org.ID, nil, nil, nil)
		if err != nil {
			t.Fatalf("delete: %v", err)
		}
		if resp.StatusCode != http.StatusNotFound {
			t.Fatalf("final status %d, want the retry's 404", resp.StatusCode)
		}
		if _, err := c.GetOrganization(ctx, org.ID); !errors.Is(err, workos.ErrNotFound) {
			t.Fatalf("organization still there: %v", err)
		}
		// A plain 404 on a first DELETE stays an error.
		if _, err := c.Do(ctx, "DELETE", "/organizations/"+org.ID, nil, nil, nil); !errors.Is(err, workos.ErrNotFound) {
			t.Fatalf("second delete: %v", err)
		}
	})
}

// Concurrent POSTs through one client, several of whose answers are lost: every one lands
// exactly once, and each lost one says its outcome is unknown.
func TestEmulatorConcurrentPostsWithLostAnswers(t *testing.T) {
	bothIdempotencyModes(t, func(t *testing.T, opts emulator.Options) {
		em, base := startEmulator(t, opts)
		c := workos.New(workos.Options{BaseURL: base, APIKey: emulator.DemoSandboxAPIKey, MaxRetries: 5,
			BackoffBase: 5 * time.Millisecond, BackoffMax: 50 * time.Millisecond})
		remove := em.InjectFault(emulator.Fault{Method: "POST", Path: "/organizations", Status: http.StatusBadGateway, Times: 6, AfterApply: true})
		defer remove()
		const n = 8
		names := make([]string, n)
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			names[i] = "Concurrent Org " + string(rune('A'+i))
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := c.Do(context.Background(), "POST", "/organizations", nil, map[string]any{"name": names[i]}, nil)
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		unknown := 0
		for err := range errs {
			switch {
			case errors.Is(err, workos.ErrOutcomeUnknown):
				unknown++
			case err != nil:
				t.Errorf("create: %v", err)
			}
		}
		if unknown != 6 {
			t.Errorf("%d outcome-unknown errors, want 6 (one per lost answer)", unknown)
		}
		for _, name := range names {
			if got := countOrgsNamed(t, c, name); got != 1 {
				t.Errorf("%d organizations named %q, want 1", got, name)
			}
		}
	})
}

// The typed membership helper sends statuses in the spec's form (comma-separated) and the
// emulator filters by it.
func TestEmulatorMembershipStatusesFilter(t *testing.T) {
	_, base := startEmulator(t, emulator.Options{})
	c := workos.New(workos.Options{BaseURL: base, APIKey: emulator.DemoTeamAPIKey})
	ctx := context.Background()
	all, err := c.ListOrganizationMemberships(ctx, workos.ListOrganizationMembershipsParams{OrganizationID: emulator.DemoTeamOrganizationID, ListParams: workos.ListParams{Limit: 100}})
	if err != nil || len(all.Data) < 2 {
		t.Fatalf("list: %v %v", all, err)
	}
	victim := all.Data[0].ID
	if _, err := c.Do(ctx, "PUT", "/user_management/organization_memberships/"+victim+"/deactivate", nil, nil, nil); err != nil {
		t.Fatalf("deactivate: %v", err)
	}
	inactive, err := c.ListOrganizationMemberships(ctx, workos.ListOrganizationMembershipsParams{OrganizationID: emulator.DemoTeamOrganizationID, Statuses: []string{"inactive"}})
	if err != nil || len(inactive.Data) != 1 || inactive.Data[0].ID != victim || inactive.Data[0].Status != "inactive" {
		t.Fatalf("inactive only: %+v %v", inactive, err)
	}
	both, err := c.ListOrganizationMemberships(ctx, workos.ListOrganizationMembershipsParams{OrganizationID: emulator.DemoTeamOrganizationID,
		Statuses: []string{"active", "inactive"}, ListParams: workos.ListParams{Limit: 100}})
	if err != nil || len(both.Data) != len(all.Data) {
		t.Fatalf("active and inactive: %d of %d (%v)", len(both.Data), len(all.Data), err)
	}
}
