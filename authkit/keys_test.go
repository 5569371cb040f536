package authkit_test

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/workos-mcp/workos-mcp/authkit"
	"github.com/workos-mcp/workos-mcp/authkit/authkittest"
)

func TestJWKSFetchedOnceForManyTokens(t *testing.T) {
	as := authkittest.NewServer(t)
	as.SetDefaults(map[string]any{"aud": testResource})
	kit := newKit(t, as)
	api := protected(t, kit)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if r := get(t, api.URL, "Bearer "+as.Token(nil)); r.status != 200 {
				t.Errorf("status %d: %s", r.status, r.raw)
			}
		})
	}
	wg.Wait()
	if n := as.JWKSFetches(); n != 1 {
		t.Errorf("JWKS fetched %d times for 20 concurrent first requests, want 1", n)
	}
}

func TestUnknownKidRefetchIsDeduplicatedAndRateLimited(t *testing.T) {
	as := authkittest.NewServer(t)
	as.SetDefaults(map[string]any{"aud": testResource})
	kit := newKit(t, as, func(c *authkit.Config) { c.JWKSMinRefetchInterval = time.Hour })
	if err := kit.Ready(t.Context()); err != nil {
		t.Fatal(err)
	}
	base := as.JWKSFetches()
	evil := foreign(t)
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Go(func() {
			tok := as.SignWith(jwt.SigningMethodRS256, evil, map[string]any{"kid": "kid_" + itoa(int64(i))}, as.Claims(nil))
			if _, err := kit.Verify(t.Context(), tok); err == nil {
				t.Error("token with unknown kid accepted")
			}
		})
	}
	wg.Wait()
	// Ready's fetch just happened, so the window is closed: no refetch at all.
	if n := as.JWKSFetches() - base; n != 0 {
		t.Errorf("unknown kids caused %d fetches inside the rate-limit window, want 0", n)
	}
}

func TestUnknownKidConcurrentRefetchSharedOnce(t *testing.T) {
	as := authkittest.NewServer(t)
	as.SetDefaults(map[string]any{"aud": testResource})
	// A window of a nanosecond: every unknown kid may refetch, so only the
	// de-duplication keeps concurrent callers to a handful of fetches.
	kit := newKit(t, as, func(c *authkit.Config) { c.JWKSMinRefetchInterval = time.Nanosecond })
	if err := kit.Ready(t.Context()); err != nil {
		t.Fatal(err)
	}
	kid := as.RotateKey()
	base := as.JWKSFetches()
	var wg sync.WaitGroup
	const n = 40
	for range n {
		wg.Go(func() {
			if _, err := kit.Verify(t.Context(), as.Token(nil)); err != nil {
				t.Errorf("token signed with the rotated key %s: %v", kid, err)
			}
		})
	}
	wg.Wait()
	if got := as.JWKSFetches() - base; got < 1 || got >= n {
		t.Errorf("rotated key caused %d fetches for %d concurrent requests", got, n)
	}
}

func TestForgedTokenWithKnownKidCausesNoFetch(t *testing.T) {
	as := authkittest.NewServer(t)
	as.SetDefaults(map[string]any{"aud": testResource})
	kit := newKit(t, as, func(c *authkit.Config) { c.JWKSMinRefetchInterval = time.Nanosecond })
	if err := kit.Ready(t.Context()); err != nil {
		t.Fatal(err)
	}
	base := as.JWKSFetches()
	for range 10 {
		tok := as.SignWith(jwt.SigningMethodRS256, foreign(t), map[string]any{"kid": as.Key().ID}, as.Claims(nil))
		if _, err := kit.Verify(t.Context(), tok); err == nil {
			t.Fatal("forged token accepted")
		}
	}
	if n := as.JWKSFetches() - base; n != 0 {
		t.Errorf("forged tokens with a known kid caused %d fetches", n)
	}
}

func TestCachedKeysSurviveIssuerOutage(t *testing.T) {
	as := authkittest.NewServer(t)
	as.SetDefaults(map[string]any{"aud": testResource})
	kit := newKit(t, as, func(c *authkit.Config) { c.JWKSMinRefetchInterval = time.Nanosecond })
	api := protected(t, kit)
	if r := get(t, api.URL, "Bearer "+as.Token(nil)); r.status != 200 {
		t.Fatalf("status %d", r.status)
	}
	as.SetDown(true)
	// New tokens (not in the token cache) signed with the cached key still pass.
	for range 3 {
		if r := get(t, api.URL, "Bearer "+as.Token(nil)); r.status != 200 {
			t.Fatalf("during outage: status %d: %s", r.status, r.raw)
		}
	}
	// An unknown kid during the outage is refused as invalid (401), not a 5xx.
	tok := as.SignWith(jwt.SigningMethodRS256, foreign(t), map[string]any{"kid": "other"}, as.Claims(nil))
	if r := get(t, api.URL, "Bearer "+tok); r.status != 401 {
		t.Errorf("unknown kid during outage: status %d", r.status)
	}
}

func TestKeysNeverLoadedAnswers503(t *testing.T) {
	as := authkittest.NewServer(t)
	as.SetDefaults(map[string]any{"aud": testResource})
	as.SetDown(true)
	kit := newKit(t, as)
	api := protected(t, kit)
	r := get(t, api.URL, "Bearer "+as.Token(nil))
	if r.status != http.StatusServiceUnavailable || r.body["error"] != "temporarily_unavailable" {
		t.Fatalf("status %d body %s", r.status, r.raw)
	}
	if err := kit.Ready(t.Context()); err == nil {
		t.Error("Ready succeeded with the issuer down")
	}
}

func TestRetiredKeyInvalidatesCachedTokens(t *testing.T) {
	as := authkittest.NewServer(t)
	as.SetDefaults(map[string]any{"aud": testResource})
	kit := newKit(t, as, func(c *authkit.Config) { c.JWKSMinRefetchInterval = time.Nanosecond })
	old := as.Token(nil)
	if _, err := kit.Verify(t.Context(), old); err != nil {
		t.Fatal(err)
	}
	as.RotateKey()
	as.RetireOldKeys()
	// A token with the new kid triggers the refetch that drops the old key.
	if _, err := kit.Verify(t.Context(), as.Token(nil)); err != nil {
		t.Fatal(err)
	}
	if _, err := kit.Verify(t.Context(), old); err == nil {
		t.Error("token signed by a withdrawn key still accepted from the cache")
	}
}

func TestVerifiedTokenCacheRespectsExpiry(t *testing.T) {
	as := authkittest.NewServer(t)
	as.SetDefaults(map[string]any{"aud": testResource})
	kit := newKit(t, as, func(c *authkit.Config) { c.Leeway = -1 })
	tok := as.Token(map[string]any{"exp": time.Now().Add(1500 * time.Millisecond).Unix()})
	if _, err := kit.Verify(t.Context(), tok); err != nil {
		t.Fatal(err)
	}
	// Wait (bounded) until the token's exp has passed, then it must fail
	// even though it sits in the cache.
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := kit.Verify(t.Context(), tok)
		if err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("expired token still accepted")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestKeyUsedOnlyWithItsAlgorithm(t *testing.T) {
	as := authkittest.NewServer(t)
	as.SetDefaults(map[string]any{"aud": testResource})
	kit := newKit(t, as, func(c *authkit.Config) { c.Algorithms = []string{"RS256", "PS256"} })
	key := as.Key()
	// The JWK says alg RS256: the same key under PS256 is refused even
	// though PS256 is allowed.
	ps := as.SignWith(jwt.SigningMethodPS256, key.Private, map[string]any{"kid": key.ID}, as.Claims(nil))
	if _, err := kit.Verify(t.Context(), ps); err == nil {
		t.Error("PS256 token accepted with a key published for RS256")
	}
	if _, err := kit.Verify(t.Context(), as.Token(nil)); err != nil {
		t.Errorf("RS256: %v", err)
	}
}
