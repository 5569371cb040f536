package authkit_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/workos-mcp/workos-mcp/authkit"
	"github.com/workos-mcp/workos-mcp/authkit/authkittest"
)

const (
	testResource = "https://mcp.example.com/mcp"
	testClientID = "client_01TEST"
	testPRM      = "https://mcp.example.com/.well-known/oauth-protected-resource/mcp"
)

// newKit returns an AuthKit trusting srv, closed by t.Cleanup.
// newIssuer is a test authorization server whose tokens are for testResource unless a test
// says otherwise.
func newIssuer(t testing.TB) *authkittest.Server {
	t.Helper()
	as := authkittest.NewServer(t)
	as.SetDefaults(map[string]any{"aud": testResource})
	return as
}

func newKit(t testing.TB, srv *authkittest.Server, mods ...func(*authkit.Config)) *authkit.AuthKit {
	t.Helper()
	cfg := authkit.Config{
		Issuer:                 srv.Issuer(),
		ResourceURL:            testResource,
		ClientID:               testClientID,
		JWKSMinRefetchInterval: time.Hour,
		HTTPClient:             &http.Client{Timeout: 30 * time.Second},
		Logger:                 slog.New(slog.DiscardHandler),
	}
	for _, m := range mods {
		m(&cfg)
	}
	kit, err := authkit.New(cfg)
	if err != nil {
		t.Fatalf("authkit.New: %v", err)
	}
	t.Cleanup(kit.Close)
	return kit
}

// protected serves kit.Middleware in front of a handler that answers with
// the session as JSON.
func protected(t testing.TB, kit *authkit.AuthKit) *httptest.Server {
	t.Helper()
	h := kit.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, ok := authkit.SessionFromContext(r.Context())
		if !ok {
			http.Error(w, "no session", http.StatusTeapot)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"user_id": s.UserID, "org_id": s.OrganizationID, "scopes": s.Scopes, "role": s.Role,
			"permissions": s.Permissions, "session_id": s.SessionID,
		})
	}))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

type reply struct {
	status    int
	challenge map[string]string // parsed WWW-Authenticate params; nil when absent
	scheme    string
	body      map[string]any
	raw       string
}

// get sends a GET to url with the given Authorization header values.
func get(t testing.TB, url string, auth ...string) reply {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range auth {
		req.Header.Add("Authorization", a)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode, raw: string(b)}
	if h := resp.Header.Get("WWW-Authenticate"); h != "" {
		r.scheme, r.challenge = parseChallenge(h)
	}
	_ = json.Unmarshal(b, &r.body)
	return r
}

// parseChallenge parses `Scheme k="v", k2="v2"` (quoted values with \" escapes).
func parseChallenge(h string) (string, map[string]string) {
	scheme, rest, _ := strings.Cut(h, " ")
	params := map[string]string{}
	for rest = strings.TrimSpace(rest); rest != ""; {
		k, v, ok := strings.Cut(rest, "=")
		if !ok {
			break
		}
		k = strings.TrimSpace(k)
		if !strings.HasPrefix(v, `"`) {
			break
		}
		var b strings.Builder
		i := 1
		for ; i < len(v); i++ {
			if v[i] == '\\' && i+1 < len(v) {
				i++
				b.WriteByte(v[i])
				continue
			}
			if v[i] == '"' {
				break
			}
			b.WriteByte(v[i])
		}
		params[k] = b.String()
		rest = strings.TrimPrefix(strings.TrimSpace(v[min(i+1, len(v)):]), ",")
		rest = strings.TrimSpace(rest)
	}
	return scheme, params
}

// protectedEcho serves kit.Middleware in front of a handler that records
// the body it received; it returns the server URL.
func protectedEcho(t testing.TB, kit *authkit.AuthKit, seen *string) string {
	t.Helper()
	var mu sync.Mutex
	srv := httptest.NewServer(kit.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		*seen = string(b)
		mu.Unlock()
	})))
	t.Cleanup(srv.Close)
	return srv.URL
}
