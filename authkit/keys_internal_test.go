package authkit

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/workos-mcp/workos-mcp/authkit/authkittest"
)

// slowJWKS delays key-set responses so that concurrent callers pile up on
// the fetch in flight (it changes no outcome, only makes the overlap real).
type slowJWKS struct{}

func (slowJWKS) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/jwks") {
		time.Sleep(100 * time.Millisecond)
	}
	return http.DefaultTransport.RoundTrip(r)
}

func newInternalKit(t *testing.T, as *authkittest.Server, mod func(*Config)) *AuthKit {
	t.Helper()
	cfg := Config{
		Issuer:                 as.Issuer(),
		ResourceURL:            "https://mcp.example.com/mcp",
		JWKSMinRefetchInterval: time.Hour,
		HTTPClient:             &http.Client{Transport: slowJWKS{}, Timeout: 60 * time.Second},
		Logger:                 slog.New(slog.DiscardHandler),
	}
	if mod != nil {
		mod(&cfg)
	}
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	return a
}

// An unknown kid causes exactly one fetch per rate-limit window, however
// many requests carry it at once; within the window, none.
func TestUnknownKidOneFetchPerWindow(t *testing.T) {
	as := authkittest.NewServer(t)
	as.SetDefaults(map[string]any{"aud": "https://mcp.example.com/mcp"})
	a := newInternalKit(t, as, nil)
	if err := a.Ready(t.Context()); err != nil {
		t.Fatal(err)
	}
	as.RotateKey() // tokens now carry a kid the cache has not seen
	verifyAll := func(n int) (ok int) {
		var mu sync.Mutex
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				if _, err := a.Verify(t.Context(), as.Token(nil)); err == nil {
					mu.Lock()
					ok++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		return ok
	}

	// Inside the window opened by Ready: no fetch, the new kid is refused.
	base := as.JWKSFetches()
	if ok := verifyAll(20); ok != 0 {
		t.Errorf("%d tokens with an unknown kid accepted inside the window", ok)
	}
	if n := as.JWKSFetches() - base; n != 0 {
		t.Errorf("%d fetches inside the window, want 0", n)
	}

	// The window has passed: 40 concurrent requests share one fetch, which
	// finds the new key, and all pass.
	a.keys.fetchMu.Lock()
	a.keys.lastFetch = a.keys.lastFetch.Add(-2 * time.Hour)
	a.keys.fetchMu.Unlock()
	base = as.JWKSFetches()
	if ok := verifyAll(40); ok != 40 {
		t.Errorf("%d of 40 tokens signed with the rotated key accepted", ok)
	}
	if n := as.JWKSFetches() - base; n != 1 {
		t.Errorf("%d fetches for 40 concurrent requests after the window, want 1", n)
	}

	// That fetch opened a new window: another unknown kid causes none.
	base = as.JWKSFetches()
	as.RotateKey()
	if ok := verifyAll(10); ok != 0 {
		t.Errorf("%d tokens with a second unknown kid accepted inside the new window", ok)
	}
	if n := as.JWKSFetches() - base; n != 0 {
		t.Errorf("%d fetches inside the new window, want 0", n)
	}
}

// The verified-token cache never holds more than TokenCacheSize entries.
func TestTokenCacheBounded(t *testing.T) {
	as := authkittest.NewServer(t)
	as.SetDefaults(map[string]any{"aud": "https://mcp.example.com/mcp"})
	a := newInternalKit(t, as, func(c *Config) { c.TokenCacheSize = 8 })
	for i := range 50 {
		if _, err := a.Verify(t.Context(), as.Token(nil)); err != nil {
			t.Fatalf("token %d: %v", i, err)
		}
		if n := a.tokens.len(); n > 8 {
			t.Fatalf("cache holds %d entries, bound is 8", n)
		}
	}
	if a.tokens.len() == 0 {
		t.Error("cache empty: verified tokens are not cached")
	}
}

// User results live for UserCacheTTL; a failed lookup is not cached.
func TestUserCacheTTLAndFailures(t *testing.T) {
	as := authkittest.NewServer(t)
	api := authkittest.NewAPI(t, "sk_test_internal")
	a := newInternalKit(t, as, func(c *Config) { c.APIKey = "sk_test_internal"; c.APIBaseURL = api.URL() })
	ctx := ContextWithSession(t.Context(), &Session{UserID: "user_late"})

	// Not there yet: an error, and it is not remembered.
	if _, err := a.User(ctx); err == nil {
		t.Fatal("User found a user the API does not have")
	}
	api.AddUser(map[string]any{"id": "user_late", "email": "late@example.com"})
	if u, err := a.User(ctx); err != nil || u.Email != "late@example.com" {
		t.Fatalf("User after the user appeared = %+v, %v", u, err)
	}
	if _, err := a.User(ctx); err != nil {
		t.Fatal(err)
	}
	if n := api.UserFetches(); n != 2 {
		t.Errorf("%d fetches, want 2 (the failure, then one cached success)", n)
	}

	// Past the TTL the user is fetched again.
	a.now = func() time.Time { return time.Now().Add(2 * a.cfg.UserCacheTTL) }
	if _, err := a.User(ctx); err != nil {
		t.Fatal(err)
	}
	if n := api.UserFetches(); n != 3 {
		t.Errorf("%d fetches after the TTL, want 3", n)
	}
}

// A key replaced under the same kid invalidates the tokens cached as
// verified with the old one, as a withdrawn key does.
func TestKeyReplacedUnderSameKid(t *testing.T) {
	as := authkittest.NewServer(t)
	var mu sync.Mutex
	published := authkittest.JWK(as.Key())
	mux := http.NewServeMux()
	var issuer string
	mux.HandleFunc("/.well-known/oauth-authorization-server", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"issuer": issuer, "jwks_uri": issuer + "/keys"})
	})
	mux.HandleFunc("/keys", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": []any{published}})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	issuer = srv.URL
	a, err := New(Config{Issuer: issuer, ResourceURL: "https://mcp.example.com/mcp", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	tok := as.Token(map[string]any{"iss": issuer, "aud": "https://mcp.example.com/mcp"})
	if _, err := a.Verify(t.Context(), tok); err != nil {
		t.Fatal(err)
	}

	as.RotateKey() // a fresh key, published below under the old kid
	mu.Lock()
	replaced := authkittest.JWK(as.Key())
	replaced["kid"] = published["kid"]
	published = replaced
	mu.Unlock()
	if err := a.keys.fetch(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Verify(t.Context(), tok); err == nil {
		t.Error("token signed by the replaced key still accepted from the cache")
	}
}
