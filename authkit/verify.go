package authkit

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/golang-jwt/jwt/v5"
	"github.com/modelcontextprotocol/go-sdk/auth"
)

// AuthError is why a request or token was refused: the HTTP status, the
// RFC 6750 error code and a description safe to show the client (it never
// says why a signature failed in detail).
type AuthError struct {
	Status      int    // 401, 403 or 503
	Code        string // "invalid_request", "invalid_token", "insufficient_scope", "temporarily_unavailable"
	Description string
	Reason      string // short label for Hooks.AuthFailure and metrics

	scopes []string // extra scopes to ask for in the challenge
}

// Error returns the description, safe to show.
func (e *AuthError) Error() string { return "authkit: " + e.Description }

// Unwrap lets go-sdk callers test errors.Is(err, auth.ErrInvalidToken).
func (e *AuthError) Unwrap() error {
	if e.Status == http.StatusUnauthorized {
		return auth.ErrInvalidToken
	}
	return nil
}

func invalidToken(reason, desc string) *AuthError {
	return &AuthError{Status: http.StatusUnauthorized, Code: "invalid_token", Description: desc, Reason: reason}
}

// SessionExtraKey is the key of the *Session in go-sdk's TokenInfo.Extra.
const SessionExtraKey = "authkit.session"

// verified is a cache entry: the session and the TokenInfo built once.
type verified struct {
	session *Session
	info    *auth.TokenInfo
	expires time.Time
	// token68 records whether the token has RFC 6750's b64token syntax, so that a cache hit
	// need not scan the token again (Verify may cache a token a Bearer header must refuse).
	token68 bool
	// state is the context value of every request made with this token through a handler that
	// takes the token itself (no per-request header to keep): built once, read-only.
	state *requestState
}

// Verify checks an access token (a JWT; an opaque token too when
// Introspection is set) and returns its Session. Errors are *AuthError. The returned Session is shared with the cache: read it,
// don't modify it.
func (a *AuthKit) Verify(ctx context.Context, token string) (*Session, error) {
	v, err := a.verify(ctx, token, false)
	if err != nil {
		return nil, err
	}
	return v.session, nil
}

var malformedToken = invalidToken("malformed", "token is malformed")

// verify checks a token through the cache. A bearer token (from an Authorization header) must
// also have RFC 6750's b64token syntax: that is checked before anything else, as it always was,
// but only once per token (the cache remembers it).
func (a *AuthKit) verify(ctx context.Context, token string, bearer bool) (*verified, *AuthError) {
	if len(token) > a.cfg.MaxTokenBytes {
		if bearer && !isToken68(token) {
			return nil, malformedToken
		}
		return nil, invalidToken("too_large", fmt.Sprintf("token is larger than %d bytes", a.cfg.MaxTokenBytes))
	}
	if token == "" {
		return nil, invalidToken("malformed", "token is empty")
	}
	if a.tokens.max <= 0 {
		if bearer && !isToken68(token) {
			return nil, malformedToken
		}
		return a.fresh(ctx, token, true)
	}
	// Sum256 does not keep its argument, so hashing the string's bytes in
	// place is safe and saves copying every token.
	sum := sha256.Sum256(unsafe.Slice(unsafe.StringData(token), len(token)))
	now := time.Now()
	if v, ok := a.tokens.get(sum); ok {
		if bearer && !v.token68 {
			return nil, malformedToken
		}
		if now.Before(v.expires.Add(a.cfg.Leeway)) {
			return v, nil
		}
		a.tokens.remove(sum)
		return nil, invalidToken("expired", "token has expired")
	}
	t68 := isToken68(token)
	if bearer && !t68 {
		return nil, malformedToken
	}
	v, aerr := a.fresh(ctx, token, t68)
	if aerr != nil {
		return nil, aerr
	}
	a.tokens.put(sum, v)
	return v, nil
}

// fresh verifies a token the cache does not hold, and completes its entry: whether it has the
// b64token syntax, and the context value of requests made with it.
func (a *AuthKit) fresh(ctx context.Context, token string, token68 bool) (*verified, *AuthError) {
	v, aerr := a.verifyToken(ctx, token)
	if aerr != nil {
		return nil, aerr
	}
	v.token68, v.state = token68, &requestState{verified: v}
	return v, nil
}

// verifyToken verifies a JWT locally, or asks the authorization server
// about an opaque token when Introspection is configured.
func (a *AuthKit) verifyToken(ctx context.Context, token string) (*verified, *AuthError) {
	if a.cfg.Introspection != nil && strings.Count(token, ".") != 2 {
		return a.introspect(ctx, token)
	}
	return a.verifyJWT(ctx, token)
}

// jwsHeader holds the header fields we read; jku, x5u and jwk are never
// consulted: keys come only from the issuer's JWKS.
type jwsHeader struct {
	Alg  string          `json:"alg"`
	Kid  string          `json:"kid"`
	Crit json.RawMessage `json:"crit"`
}

type parsedHeader struct {
	b64 string
	hdr jwsHeader
}

func (a *AuthKit) parseHeader(h64 string) (jwsHeader, error) {
	if last := a.lastHeader.Load(); last != nil && last.b64 == h64 {
		return last.hdr, nil
	}
	var hdr jwsHeader
	hb, err := base64.RawURLEncoding.DecodeString(h64)
	if err != nil {
		return hdr, err
	}
	err = json.Unmarshal(hb, &hdr)
	return hdr, err
}

// verifyJWT checks a compact JWS: header, signature (before anything in the
// payload is trusted), then claims. It parses the token itself rather than
// through jwt.Parser, to decode the payload once into a generic value (the
// fast path of encoding/json); golang-jwt still does the signature and the
// registered-claim checks.
func (a *AuthKit) verifyJWT(ctx context.Context, token string) (*verified, *AuthError) {
	h64, rest, _ := strings.Cut(token, ".")
	p64, s64, ok := strings.Cut(rest, ".")
	if !ok || strings.IndexByte(s64, '.') >= 0 {
		return nil, invalidToken("malformed", "token is not a JWT (three dot-separated segments)")
	}
	hdr, err := a.parseHeader(h64)
	if err != nil {
		return nil, invalidToken("malformed", "token is malformed")
	}
	if hdr.Crit != nil {
		return nil, invalidToken("crit", "token uses critical header extensions that are not supported")
	}
	method, ok := a.methods[hdr.Alg]
	if !ok {
		return nil, invalidToken("algorithm", "token algorithm is not accepted")
	}
	sk, err := a.keys.lookup(ctx, hdr.Kid)
	if err != nil {
		return nil, mapJWTError(nil, err)
	}
	key := sk.pub
	if (sk.alg != "" && sk.alg != hdr.Alg) || !keyMatches(method, key) {
		return nil, mapJWTError(nil, errUnknownKey)
	}
	sig, err := base64.RawURLEncoding.DecodeString(s64)
	if err != nil {
		return nil, invalidToken("malformed", "token is malformed")
	}
	if method.Verify(token[:len(h64)+1+len(p64)], sig, key) != nil {
		return nil, invalidToken("signature", "token signature is invalid")
	}
	// Tokens from one issuer share their header; remember the last one that
	// came with a valid signature.
	if last := a.lastHeader.Load(); last == nil || last.b64 != h64 {
		a.lastHeader.Store(&parsedHeader{b64: strings.Clone(h64), hdr: hdr})
	}
	pb, err := base64.RawURLEncoding.DecodeString(p64)
	if err != nil {
		return nil, invalidToken("malformed", "token is malformed")
	}
	var payload any
	if json.Unmarshal(pb, &payload) != nil {
		return nil, invalidToken("malformed", "token payload is not JSON")
	}
	m, ok := payload.(map[string]any)
	if !ok {
		return nil, invalidToken("malformed", "token payload is not a JSON object")
	}
	claims := jwt.MapClaims(m)
	if err := a.validator.Validate(claims); err != nil {
		return nil, mapJWTError(err, nil)
	}
	s, aerr := a.sessionFor(claims)
	if aerr != nil {
		return nil, aerr
	}
	info := &auth.TokenInfo{
		Scopes:     s.Scopes,
		Expiration: s.ExpiresAt,
		UserID:     s.UserID,
		Extra:      map[string]any{SessionExtraKey: s},
	}
	return &verified{session: s, info: info, expires: s.ExpiresAt}, nil
}

func mapJWTError(err, keyErr error) *AuthError {
	switch {
	case errors.Is(keyErr, errKeysUnavailable):
		return &AuthError{Status: http.StatusServiceUnavailable, Code: "temporarily_unavailable",
			Description: "the authorization server's signing keys are not available; retry later", Reason: "keys_unavailable"}
	case errors.Is(keyErr, errUnknownKey):
		return invalidToken("unknown_key", "token is not signed by a key of the issuer")
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return invalidToken("signature", "token signature is invalid")
	case errors.Is(err, jwt.ErrTokenMalformed):
		return invalidToken("malformed", "token is malformed")
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return invalidToken("algorithm", "token algorithm is not accepted")
	case errors.Is(err, jwt.ErrTokenExpired):
		return invalidToken("expired", "token has expired")
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return invalidToken("not_yet_valid", "token is not valid yet")
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return invalidToken("issuer", "token issuer is not accepted")
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return invalidToken("missing_claim", "token lacks a required claim (iss or exp)")
	}
	return invalidToken("invalid", "token is invalid")
}

func keyMatches(m jwt.SigningMethod, key crypto.PublicKey) bool {
	switch m.(type) {
	case *jwt.SigningMethodRSA, *jwt.SigningMethodRSAPSS:
		_, ok := key.(*rsa.PublicKey)
		return ok
	case *jwt.SigningMethodECDSA:
		k, ok := key.(*ecdsa.PublicKey)
		return ok && k.Curve.Params().BitSize == m.(*jwt.SigningMethodECDSA).CurveBits
	}
	return false
}

// sessionFor is the session that verified claims stand for, once their audience includes this
// resource and they name a subject: the same two checks whether the token was verified
// locally or by introspection.
func (a *AuthKit) sessionFor(claims jwt.MapClaims) (*Session, *AuthError) {
	aud, err := claims.GetAudience()
	if err != nil || !a.audienceOK(aud) {
		return nil, invalidToken("audience", "token audience does not include this resource")
	}
	s := sessionFromClaims(claims)
	if s.UserID == "" {
		return nil, invalidToken("subject", "token has no subject (sub)")
	}
	return s, nil
}

func (a *AuthKit) audienceOK(aud []string) bool {
	for _, v := range aud {
		if _, ok := a.audiences[v]; ok {
			return true
		}
		if _, ok := a.audiences[canonicalURI(v)]; ok {
			return true
		}
	}
	return false
}

// tokenCache maps SHA-256(token) to its verification result until expiry.
// It is bounded: when full, expired entries go first, then arbitrary ones.
type tokenCache struct {
	mu      sync.RWMutex
	max     int
	entries map[[32]byte]*verified
}

func (c *tokenCache) init(max int) {
	c.max = max
	if max > 0 {
		c.entries = make(map[[32]byte]*verified)
	}
}

func (c *tokenCache) get(k [32]byte) (*verified, bool) {
	if c.max <= 0 {
		return nil, false
	}
	c.mu.RLock()
	v, ok := c.entries[k]
	c.mu.RUnlock()
	return v, ok
}

func (c *tokenCache) put(k [32]byte, v *verified) {
	if c.max <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		now := time.Now()
		for key, e := range c.entries {
			if now.After(e.expires) {
				delete(c.entries, key)
			}
		}
		// Still full: drop about a tenth, arbitrary (map order) entries.
		for key := range c.entries {
			if len(c.entries) < c.max-c.max/10 {
				break
			}
			delete(c.entries, key)
		}
	}
	c.entries[k] = v
}

func (c *tokenCache) remove(k [32]byte) {
	if c.max <= 0 {
		return
	}
	c.mu.Lock()
	delete(c.entries, k)
	c.mu.Unlock()
}

func (c *tokenCache) purge() {
	if c.max <= 0 {
		return
	}
	c.mu.Lock()
	clear(c.entries)
	c.mu.Unlock()
}

func (c *tokenCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}
