package workspace

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/workos-mcp/workos-mcp/internal/logtest"
	"github.com/workos-mcp/workos-mcp/internal/mcptest"
)

// Pre-signed URL credentials and tokens that an upstream answer or error may quote.
const (
	amzCredential = "AKIAIOSFODNN7EXAMPLE"
	amzToken      = "FwoGZXIvYXdzEJrSESSIONTOKEN"
	amzSignature  = "fe5f80f77d5fa3beca038a248ff027d0"
	sasSignature  = "nRndSASsignature"
	portalSecret  = "JteZqfJZqUcgWGaYCC6iI0gW0"
	otherSecret   = "OtherLinkSecret123"
)

var presignedURL = "https://exports.s3.amazonaws.com/e.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" + amzCredential +
	"%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Security-Token=" + amzToken +
	"&X-Amz-SignedHeaders=host&X-Amz-Signature=" + amzSignature

// secretsUpstream is a fake WorkOS whose answers and errors quote credentials, and which
// redirects one route to another origin.
func secretsUpstream(t *testing.T, evilURL string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/organizations/"+teamOrg:
			w.WriteHeader(404)
			_, _ = w.Write([]byte(`{"code":"entity_not_found","message":"not found"}`))
		case r.Method == "GET" && r.URL.Path == "/organizations":
			w.WriteHeader(400)
			_, _ = w.Write([]byte(`{"code":"invalid_request","message":"could not read ` + presignedURL + `","errors":[{"field":"url","message":"https://a.blob.core.windows.net/c/b?sv=2022-11-02&sr=b&sig=` + sasSignature + `"}]}`))
		case r.Method == "GET" && strings.HasPrefix(r.URL.Path, "/audit_logs/exports/"):
			_, _ = w.Write([]byte(`{"object":"audit_log_export","id":"audit_log_export_1","state":"ready","url":"` + presignedURL + `"}`))
		case r.Method == "POST" && r.URL.Path == "/portal/generate_link":
			_, _ = w.Write([]byte(`{"link":"https://setup.workos.test/portal/launch?secret=` + portalSecret + `"}`))
		case r.Method == "GET" && strings.HasPrefix(r.URL.Path, "/organizations/"):
			_, _ = w.Write([]byte(`{"object":"organization","id":"org_1","name":"Acme","link":"https://x.test/?secret=` + otherSecret + `","metadata":{"link":"https://x.test/?token=` + otherSecret + `"}}`))
		case r.URL.Path == "/directories":
			w.Header().Set("Location", evilURL+"/steal?X-Amz-Signature="+amzSignature)
			w.WriteHeader(http.StatusTemporaryRedirect)
		default:
			w.WriteHeader(404)
			_, _ = w.Write([]byte(`{"code":"not_found","message":"no route"}`))
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestSecretsInUpstreamTextsAndURLs: pre-signed URL credentials in an upstream error text, in
// an audit-log export's url, and in a link of any answer but the portal link's own, reach
// neither the agent nor the log; a redirect to another origin is not followed.
func TestSecretsInUpstreamTextsAndURLs(t *testing.T) {
	var mu sync.Mutex
	evilHits, evilAuth := 0, 0
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		evilHits++
		if r.Header.Get("Authorization") != "" {
			evilAuth++
		}
	}))
	t.Cleanup(evil.Close)
	up := secretsUpstream(t, evil.URL)
	var logs logtest.Buffer
	h := newHarness(t, func(c *Config) {
		for i := range c.Teams[0].Environments {
			c.Teams[0].Environments[i].BaseURL = up.URL
		}
		c.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	})
	cs := h.connect("admin", nil)
	secrets := []string{amzCredential, amzToken, amzSignature, sasSignature, otherSecret}
	noSecret := func(what, text string) {
		t.Helper()
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s carries %s: %s", what, s, text)
			}
		}
	}

	// An upstream error quoting a pre-signed URL and a SAS.
	text := mcptest.Fails(t, cs, "query", map[string]any{"operation": "organizations.list"}, "WorkOS answered 400")
	noSecret("the upstream error", text)
	if !strings.Contains(text, "X-Amz-Signature=[REDACTED]") || !strings.Contains(text, "sig=[REDACTED]") {
		t.Errorf("the error lost its shape: %s", text)
	}

	// An export's pre-signed url.
	m := mcptest.OK(t, cs, "query", map[string]any{"operation": "audit_log_exports.get", "params": map[string]any{"auditLogExportId": "audit_log_export_1"}})
	text, _, _ = mcptest.Call(t, cs, "query", map[string]any{"operation": "audit_log_exports.get", "params": map[string]any{"auditLogExportId": "audit_log_export_1"}})
	noSecret("audit_log_exports.get", text)
	if res := m["result"].(map[string]any); res["url"] != "[REDACTED]" || res["state"] != "ready" {
		t.Errorf("export = %v", res)
	}

	// The portal link operation keeps its own link; a "link" in any other answer does not.
	m = mcptest.OK(t, cs, "mutate", map[string]any{"operation": "portal_links.create", "params": map[string]any{"organization": "org_1", "intent": "sso"}})
	if link, _ := m["result"].(map[string]any)["link"].(string); !strings.Contains(link, "secret="+portalSecret) {
		t.Errorf("the portal link was redacted: %v", m)
	}
	text, _, _ = mcptest.Call(t, cs, "query", map[string]any{"operation": "organizations.get", "params": map[string]any{"id": "org_1"}})
	noSecret("organizations.get", text)

	// A redirect to another origin: not followed, not echoed.
	text = mcptest.Fails(t, cs, "query", map[string]any{"operation": "directories.list"}, "unexpected redirect")
	noSecret("the redirect error", text)
	if strings.Contains(text, evil.URL) {
		t.Errorf("the redirect error names the other origin: %s", text)
	}
	mu.Lock()
	if evilHits != 0 || evilAuth != 0 {
		t.Errorf("the other origin received %d requests (%d with Authorization)", evilHits, evilAuth)
	}
	mu.Unlock()

	noSecret("the log", logs.String())
	if !strings.Contains(logs.String(), "X-Amz-Signature=[REDACTED]") {
		t.Errorf("the log has no record of the upstream error:\n%s", logs.String())
	}
}
