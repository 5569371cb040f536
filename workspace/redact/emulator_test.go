package redact_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/workos-mcp/workos-mcp/emulator"
	"github.com/workos-mcp/workos-mcp/internal/openapi/openapitest"
	"github.com/workos-mcp/workos-mcp/workspace/redact"
)

// TestEmulatorReadsCarryNoSeedSecret reads every GET route of the emulator
// (lists, then each listed object through its detail routes) in every demo
// environment, and checks that the built-in rules alone — no extra secrets —
// remove every secret of the seed while keeping every ID.
func TestEmulatorReadsCarryNoSeedSecret(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	em, err := emulator.New(ctx, emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer em.Close()
	srv := httptest.NewServer(openapitest.Middleware(t)(em.Handler()))
	defer srv.Close()

	secrets := emulator.DefaultSeed().Secrets()
	r := redact.New()
	get := func(key, path string) []byte {
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			return nil
		}
		return b
	}
	var routes []emulator.Route
	for _, rt := range em.Routes() {
		if rt.Method == "GET" {
			routes = append(routes, rt)
		}
	}
	seenSecret := map[string]bool{}
	responses := 0
	for _, env := range em.Environments() {
		ids := map[string][]string{} // list path -> IDs listed
		check := func(path string, raw []byte) {
			responses++
			out, _ := r.JSON(raw)
			for _, s := range secrets {
				if strings.Contains(string(raw), s) {
					seenSecret[s] = true
				}
				if strings.Contains(string(out), s) {
					t.Errorf("%s %s: secret %q survived redaction", env.Name, path, s)
				}
			}
			for _, id := range idsIn(raw) {
				if !strings.Contains(string(out), id) {
					t.Errorf("%s %s: ID %q was redacted", env.Name, path, id)
				}
			}
		}
		for _, rt := range routes {
			if strings.Contains(rt.Pattern, "{") {
				continue
			}
			raw := get(env.APIKey, rt.Pattern+"?limit=100")
			if raw == nil {
				continue
			}
			check(rt.Pattern, raw)
			var l struct {
				Data []struct {
					ID string `json:"id"`
				} `json:"data"`
			}
			if json.Unmarshal(raw, &l) == nil {
				for _, d := range l.Data {
					ids[rt.Pattern] = append(ids[rt.Pattern], d.ID)
				}
			}
		}
		for _, rt := range routes {
			i := strings.Index(rt.Pattern, "{")
			if i < 0 || strings.Count(rt.Pattern, "{") != 1 {
				continue
			}
			j := strings.Index(rt.Pattern, "}")
			for _, id := range ids[strings.TrimSuffix(rt.Pattern[:i], "/")] {
				path := rt.Pattern[:i] + id + rt.Pattern[j+1:]
				if raw := get(env.APIKey, path); raw != nil {
					check(path, raw)
				}
			}
		}
	}
	if responses < 20 {
		t.Fatalf("only %d responses read: the crawl found too little", responses)
	}
	// Not vacuous: webhook secrets and invitation tokens are in the raw answers.
	if len(seenSecret) == 0 {
		t.Fatalf("no seed secret appeared in %d raw responses: nothing was tested", responses)
	}
	t.Logf("%d responses, %d of %d seed secrets seen raw and redacted: %q", responses, len(seenSecret), len(secrets), keys(seenSecret))
}

// idsIn lists the values of every "id" member in raw.
func idsIn(raw []byte) []string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return nil
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				if s, ok := e.(string); ok && (k == "id" || strings.HasSuffix(k, "_id")) && s != "" {
					out = append(out, s)
				}
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
