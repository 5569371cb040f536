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
	as := newIssuer(t)
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
	as := newIssuer(t)
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
	as := newIssuer(t)
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
	as := newIssuer(t)
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
	as := newIssuer(t)
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
	as := newIssuer(t)
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
	as := newIssuer(t)
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
	as := newIssuer(t)
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
	as := newIssuer(t)
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

// Without jwks_uri in the metadata (or without metadata at all) the keys
// come from AuthKit's path, <issuer>/oauth2/jwks.
func TestJWKSFallbackPath(t *testing.T) {
	for name, setup := range map[string]func(*authkittest.Server){
		"metadata without jwks_uri": func(as *authkittest.Server) { as.SetMetadata(map[string]any{"jwks_uri": nil}) },
		"metadata points elsewhere": nil,
	} {
		t.Run(name, func(t *testing.T) {
			as := newIssuer(t)
			if setup != nil {
				setup(as)
			} else {
				// A jwks_uri that is not AuthKit's path proves the metadata's
				// value is the one used: it serves nothing, so Ready fails.
				as.SetMetadata(map[string]any{"jwks_uri": as.Issuer() + "/elsewhere/jwks"})
			}
			kit := newKit(t, as)
			err := kit.Ready(t.Context())
			if setup == nil {
				if err == nil {
					t.Fatal("Ready succeeded although jwks_uri serves nothing")
				}
				if n := as.JWKSFetches(); n != 0 {
					t.Errorf("fell back to /oauth2/jwks (%d fetches) although the metadata names jwks_uri", n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n := as.JWKSFetches(); n != 1 {
				t.Errorf("/oauth2/jwks fetched %d times, want 1", n)
			}
			if _, err := kit.Verify(t.Context(), as.Token(nil)); err != nil {
				t.Error(err)
			}
		})
	}
}

// Keys are refreshed in the background: a key published later is picked up
// without any request asking for it, and the refresh stops with Close.
func TestJWKSRefreshedInBackground(t *testing.T) {
	as := newIssuer(t)
	kit := newKit(t, as, func(c *authkit.Config) { c.JWKSRefreshInterval = 50 * time.Millisecond })
	if err := kit.Ready(t.Context()); err != nil {
		t.Fatal(err)
	}
	base := as.JWKSFetches()
	deadline := time.Now().Add(30 * time.Second)
	for as.JWKSFetches() < base+2 {
		if time.Now().After(deadline) {
			t.Fatalf("no background refresh within 30s (%d fetches)", as.JWKSFetches()-base)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// A rotated key is now known without an unknown-kid refetch: the
	// rate-limit window (1h in newKit) would refuse one.
	as.RotateKey()
	after := as.JWKSFetches()
	for as.JWKSFetches() < after+2 {
		if time.Now().After(deadline) {
			t.Fatal("no background refresh after the rotation")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := kit.Verify(t.Context(), as.Token(nil)); err != nil {
		t.Errorf("token signed with the rotated key: %v", err)
	}
	kit.Close()
	stopped := as.JWKSFetches()
	time.Sleep(500 * time.Millisecond) // ten refresh intervals
	// One request aborted by Close may still reach the server; a running
	// loop would make about ten.
	if n := as.JWKSFetches() - stopped; n > 1 {
		t.Errorf("%d background fetches after Close", n)
	}
}
