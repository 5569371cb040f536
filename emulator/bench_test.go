package emulator

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The benchmarks call the handler in-process (no network) to measure the emulator itself.

func benchHandler(b *testing.B) http.Handler {
	e := newTestEmulator(b, Options{})
	return e.Handler()
}

func BenchmarkGetOrganization(b *testing.B) {
	benchGet(b, "/organizations/"+DemoTeamOrganizationID)
}

func BenchmarkListMemberships(b *testing.B) {
	benchGet(b, "/user_management/organization_memberships?organization_id="+DemoTeamOrganizationID)
}

// benchGet measures a GET of target by the demo team, which must answer 200.
func benchGet(b *testing.B, target string) {
	h := benchHandler(b)
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("GET", target, nil)
		req.Header.Set("Authorization", "Bearer "+DemoTeamAPIKey)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}

func BenchmarkCreateOrganization(b *testing.B) { benchCreate(b, benchHandler(b)) }

func BenchmarkCreateOrganizationOnDisk(b *testing.B) {
	benchCreate(b, newTestEmulator(b, Options{DataDir: b.TempDir()}).Handler())
}

func benchCreate(b *testing.B, h http.Handler) {
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		req := httptest.NewRequest("POST", "/organizations", strings.NewReader(fmt.Sprintf(`{"name":"Bench %d"}`, i)))
		req.Header.Set("Authorization", "Bearer "+DemoSandboxAPIKey)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 201 {
			b.Fatal(w.Code, w.Body.String())
		}
	}
}

// BenchmarkCreateAuditEvent is the team audit event the product records for every action: a POST
// with a fresh Idempotency-Key each time, as the product sends it.
func BenchmarkCreateAuditEvent(b *testing.B) {
	h := benchHandler(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		req := httptest.NewRequest("POST", "/audit_logs/events", strings.NewReader(`{"organization_id":"`+DemoTeamOrganizationID+
			`","event":{"action":"workos_mcp.query","occurred_at":"2026-12-06T10:00:00.000Z","actor":{"id":"user_1","type":"user"},`+
			`"targets":[{"id":"org_1","type":"organization"}],"context":{"location":"192.0.2.1"}}}`))
		req.Header.Set("Authorization", "Bearer "+DemoTeamAPIKey)
		req.Header.Set("Idempotency-Key", fmt.Sprintf("bench-%d", i))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatal(w.Code, w.Body.String())
		}
	}
}
