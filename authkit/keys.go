package authkit

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"sync"
	"time"
)

// maxDocumentBytes bounds metadata and JWKS bodies read from the issuer.
const maxDocumentBytes = 1 << 20

// failureBackoff spaces out fetches while nothing was ever fetched, so that a
// down issuer is not hammered by every request.
const failureBackoff = time.Second

var (
	errUnknownKey      = errors.New("unknown signing key")
	errKeysUnavailable = errors.New("signing keys unavailable")
)

// keyCache holds the issuer's public keys by kid. Fetches are de-duplicated:
// one runs at a time and concurrent callers wait for it.
type keyCache struct {
	a *AuthKit

	mu     sync.RWMutex
	keys   map[string]signingKey
	loaded bool

	fetchMu   sync.Mutex
	inflight  *fetchCall
	lastFetch time.Time
}

// signingKey is a published key and the algorithm its JWK pins ("" = any
// allowed one; RFC 8725 §3.1: one key, one algorithm).
type signingKey struct {
	pub crypto.PublicKey
	alg string
}

type fetchCall struct {
	done chan struct{}
	err  error
}

// lookup returns the key for kid, refetching the JWKS at most once per
// rate-limit window when kid is unknown. An empty kid matches the only key.
func (k *keyCache) lookup(ctx context.Context, kid string) (signingKey, error) {
	if key, ok := k.get(kid); ok {
		return key, nil
	}
	if err := k.fetch(ctx, false); err != nil {
		k.mu.RLock()
		loaded := k.loaded
		k.mu.RUnlock()
		if !loaded {
			return signingKey{}, errKeysUnavailable
		}
		return signingKey{}, errUnknownKey
	}
	if key, ok := k.get(kid); ok {
		return key, nil
	}
	return signingKey{}, errUnknownKey
}

func (k *keyCache) get(kid string) (signingKey, bool) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	if kid == "" {
		if len(k.keys) == 1 {
			for _, key := range k.keys {
				return key, true
			}
		}
		return signingKey{}, false
	}
	key, ok := k.keys[kid]
	return key, ok
}

var errRateLimited = errors.New("jwks refetch rate-limited")

// fetch refreshes the key set. Unless force, it refuses when the last fetch
// started within the rate-limit window; it always joins a fetch in flight.
func (k *keyCache) fetch(ctx context.Context, force bool) error {
	k.fetchMu.Lock()
	if c := k.inflight; c != nil {
		k.fetchMu.Unlock()
		select {
		case <-c.done:
			return c.err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if !force && !k.lastFetch.IsZero() {
		k.mu.RLock()
		window := k.a.cfg.JWKSMinRefetchInterval
		if !k.loaded {
			window = min(window, failureBackoff)
		}
		k.mu.RUnlock()
		if time.Since(k.lastFetch) < window {
			k.fetchMu.Unlock()
			return errRateLimited
		}
	}
	c := &fetchCall{done: make(chan struct{})}
	k.inflight = c
	k.lastFetch = time.Now()
	k.fetchMu.Unlock()

	// The fetch is shared, so it runs on the AuthKit's context, not the caller's.
	c.err = k.doFetch()
	k.fetchMu.Lock()
	k.inflight = nil
	k.fetchMu.Unlock()
	close(c.done)
	if c.err != nil {
		return c.err
	}
	return nil
}

func (k *keyCache) doFetch() error {
	a := k.a
	ctx, cancel := context.WithTimeout(a.ctx, 30*time.Second)
	defer cancel()
	uri := a.jwksURI(ctx)
	keys, err := fetchJWKS(ctx, a.cfg.HTTPClient, uri)
	if a.cfg.Hooks.JWKSFetch != nil {
		outcome := "ok"
		if err != nil {
			outcome = "error"
		}
		a.cfg.Hooks.JWKSFetch(outcome)
	}
	if err != nil {
		a.cfg.Logger.Warn("authkit: jwks fetch failed; keeping cached keys", "uri", uri, "err", err)
		return err
	}
	k.mu.Lock()
	removed := false
	for kid, old := range k.keys {
		if nk, ok := keys[kid]; !ok || !samePublicKey(old.pub, nk.pub) {
			removed = true // withdrawn, or replaced under the same kid
		}
	}
	k.keys = keys
	k.loaded = true
	k.mu.Unlock()
	if removed {
		// A withdrawn key may have been revoked: tokens it signed must be
		// verified again.
		a.tokens.purge()
	}
	return nil
}

func samePublicKey(a, b crypto.PublicKey) bool {
	k, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(b)
}

// refreshLoop refreshes the keys in the background until the AuthKit closes.
func (k *keyCache) refreshLoop() {
	t := time.NewTicker(k.a.cfg.JWKSRefreshInterval)
	defer t.Stop()
	for {
		select {
		case <-k.a.ctx.Done():
			return
		case <-t.C:
			_ = k.fetch(k.a.ctx, true)
		}
	}
}

type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	N   string `json:"n"`
	E   string `json:"e"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

func fetchJWKS(ctx context.Context, hc *http.Client, uri string) (map[string]signingKey, error) {
	body, err := getJSON(ctx, hc, uri)
	if err != nil {
		return nil, err
	}
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, fmt.Errorf("decode jwks: %w", err)
	}
	keys := make(map[string]signingKey, len(set.Keys))
	for _, j := range set.Keys {
		if j.Use != "" && j.Use != "sig" {
			continue
		}
		key, err := j.publicKey()
		if err != nil {
			continue // one bad key must not take the others down
		}
		keys[j.Kid] = signingKey{pub: key, alg: j.Alg}
	}
	if len(keys) == 0 {
		return nil, errors.New("jwks holds no usable signing key")
	}
	return keys, nil
}

func (j jwk) publicKey() (crypto.PublicKey, error) {
	dec := base64.RawURLEncoding
	switch j.Kty {
	case "RSA":
		n, err1 := dec.DecodeString(j.N)
		e, err2 := dec.DecodeString(j.E)
		if err1 != nil || err2 != nil || len(e) == 0 || len(e) > 4 {
			return nil, errors.New("bad RSA key")
		}
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		if pub.N.BitLen() < 2048 || pub.E < 3 {
			return nil, errors.New("RSA key too weak")
		}
		return pub, nil
	case "EC":
		var curve elliptic.Curve
		switch j.Crv {
		case "P-256":
			curve = elliptic.P256()
		case "P-384":
			curve = elliptic.P384()
		case "P-521":
			curve = elliptic.P521()
		default:
			return nil, errors.New("unsupported curve")
		}
		x, err1 := dec.DecodeString(j.X)
		y, err2 := dec.DecodeString(j.Y)
		if err1 != nil || err2 != nil {
			return nil, errors.New("bad EC key")
		}
		size := (curve.Params().BitSize + 7) / 8
		if len(x) != size || len(y) != size {
			return nil, errors.New("bad EC key")
		}
		raw := append(append([]byte{4}, x...), y...)
		pub, err := ecdsa.ParseUncompressedPublicKey(curve, raw)
		if err != nil {
			return nil, errors.New("bad EC key")
		}
		return pub, nil
	}
	return nil, errors.New("unsupported key type")
}

// getJSON fetches a small JSON document from the issuer.
func getJSON(ctx context.Context, hc *http.Client, uri string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocumentBytes+1))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: status %d", uri, resp.StatusCode)
	}
	if len(body) > maxDocumentBytes {
		return nil, fmt.Errorf("GET %s: document larger than %d bytes", uri, maxDocumentBytes)
	}
	return body, nil
}
