// Package authkittest runs a test authorization server: an httptest server
// on 127.0.0.1 that serves RFC 8414 metadata and a JWKS, signs access
// tokens, rotates keys and counts fetches, so that tests in any package can
// drive authkit (and anything behind it) through real HTTP.
package authkittest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Key is a signing key and its kid.
type Key struct {
	ID      string
	Private *rsa.PrivateKey
}

// Server is the test authorization server. Its methods are safe for
// concurrent use.
type Server struct {
	srv *httptest.Server

	mu       sync.Mutex
	keys     []Key // keys[0] signs; all are published
	defaults map[string]any
	metadata map[string]any
	down     bool
	seq      int

	opaque map[string]jwt.MapClaims // opaque token -> introspection answer

	jwksFetches, metadataFetches, introspections atomic.Int64
}

// IntrospectionClientID and IntrospectionClientSecret are the credentials
// the introspection endpoint requires (HTTP Basic).
const (
	IntrospectionClientID     = "rs_test"
	IntrospectionClientSecret = "rs_test_secret"
)

var (
	firstKeyOnce sync.Once
	firstKey     *rsa.PrivateKey
)

// NewServer starts a server closed by tb.Cleanup. The first key is shared
// by every Server in the process (RSA generation is slow under -race);
// RotateKey makes fresh ones.
func NewServer(tb testing.TB) *Server {
	tb.Helper()
	firstKeyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		firstKey = k
	})
	s := &Server{keys: []Key{{ID: "key_1", Private: firstKey}}, seq: 1, opaque: map[string]jwt.MapClaims{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/oauth-authorization-server", s.serveMetadata)
	mux.HandleFunc("/.well-known/openid-configuration", s.serveMetadata)
	mux.HandleFunc("/oauth2/jwks", s.serveJWKS)
	mux.HandleFunc("POST /oauth2/introspection", s.serveIntrospection)
	s.srv = httptest.NewServer(mux)
	tb.Cleanup(s.srv.Close)
	s.defaults = map[string]any{"sub": "user_01TEST", "sid": "session_01TEST"}
	return s
}

// Issuer is the server's issuer (http://127.0.0.1:port, no trailing slash).
func (s *Server) Issuer() string { return s.srv.URL }

// URL is the same as Issuer.
func (s *Server) URL() string { return s.srv.URL }

// JWKSURI is where the keys are published.
func (s *Server) JWKSURI() string { return s.srv.URL + "/oauth2/jwks" }

// JWKSFetches counts JWKS requests served (including failed ones while down).
func (s *Server) JWKSFetches() int { return int(s.jwksFetches.Load()) }

// MetadataFetches counts metadata requests served.
func (s *Server) MetadataFetches() int { return int(s.metadataFetches.Load()) }

// SetDown makes every endpoint answer 503 (true) or recover (false).
func (s *Server) SetDown(down bool) {
	s.mu.Lock()
	s.down = down
	s.mu.Unlock()
}

// SetDefaults merges claims into the defaults every Token carries (e.g.
// "aud"); a nil value removes a default.
func (s *Server) SetDefaults(claims map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, v := range claims {
		if v == nil {
			delete(s.defaults, k)
		} else {
			s.defaults[k] = v
		}
	}
}

// SetMetadata merges fields into the metadata document; a nil value
// removes a field.
func (s *Server) SetMetadata(fields map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.metadata == nil {
		s.metadata = map[string]any{}
	}
	maps.Copy(s.metadata, fields)
}

// Key returns the current signing key.
func (s *Server) Key() Key {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keys[0]
}

// RotateKey makes a new signing key, keeps publishing the old ones, and
// returns the new kid.
func (s *Server) RotateKey() string {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	key := Key{ID: fmt.Sprintf("key_%d", s.seq), Private: k}
	s.keys = append([]Key{key}, s.keys...)
	return key.ID
}

// RetireOldKeys stops publishing every key but the current one.
func (s *Server) RetireOldKeys() {
	s.mu.Lock()
	s.keys = s.keys[:1]
	s.mu.Unlock()
}

// Claims returns the claims Token would sign for claims: iss, iat, exp
// (+1h) and jti defaults, then SetDefaults, then claims; a nil value in
// claims removes the claim (to make a token without exp, say).
func (s *Server) Claims(claims map[string]any) jwt.MapClaims {
	now := time.Now()
	out := jwt.MapClaims{
		"iss": s.srv.URL,
		"iat": now.Unix(),
		"exp": now.Add(time.Hour).Unix(),
		"jti": randomID(),
	}
	s.mu.Lock()
	maps.Copy(out, s.defaults)
	s.mu.Unlock()
	for k, v := range claims {
		if v == nil {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

// Token signs claims (see Claims) with the current key, RS256.
func (s *Server) Token(claims map[string]any) string {
	k := s.Key()
	return s.SignWith(jwt.SigningMethodRS256, k.Private, map[string]any{"kid": k.ID}, s.Claims(claims))
}

// SignWith signs claims as given (no defaults) with any method, key and
// extra header fields, for hostile variants: alg none (key
// jwt.UnsafeAllowNoneSignatureType), HS256 with the public key bytes, a
// foreign key under a known kid, jku/x5u/jwk/crit headers, ...
func (s *Server) SignWith(method jwt.SigningMethod, key any, header map[string]any, claims jwt.MapClaims) string {
	t := jwt.NewWithClaims(method, claims)
	for k, v := range header {
		if v == nil {
			delete(t.Header, k)
		} else {
			t.Header[k] = v
		}
	}
	out, err := t.SignedString(key)
	if err != nil {
		panic(fmt.Sprintf("authkittest: sign: %v", err))
	}
	return out
}

// OpaqueToken returns a random opaque token that the introspection endpoint
// reports active, with claims (see Claims); Revoke makes it inactive.
func (s *Server) OpaqueToken(claims map[string]any) string {
	return s.AddOpaqueToken("opaque_"+randomID(), claims)
}

// AddOpaqueToken makes token an active opaque token with the default claims overlaid by
// claims, as OpaqueToken does, and returns it: for tests of token strings an authorization
// server would not mint (characters a Bearer header may not carry, say).
func (s *Server) AddOpaqueToken(tok string, claims map[string]any) string {
	c := s.Claims(claims)
	c["active"] = true
	s.mu.Lock()
	s.opaque[tok] = c
	s.mu.Unlock()
	return tok
}

// Revoke makes an opaque token inactive.
func (s *Server) Revoke(token string) {
	s.mu.Lock()
	delete(s.opaque, token)
	s.mu.Unlock()
}

// Introspections counts introspection requests served.
func (s *Server) Introspections() int { return int(s.introspections.Load()) }

func (s *Server) serveIntrospection(w http.ResponseWriter, r *http.Request) {
	s.introspections.Add(1)
	if s.isDown(w) {
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok || id != IntrospectionClientID || secret != IntrospectionClientSecret {
		w.Header().Set("WWW-Authenticate", `Basic realm="introspection"`)
		http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
		return
	}
	s.mu.Lock()
	c, ok := s.opaque[r.PostFormValue("token")]
	s.mu.Unlock()
	if !ok {
		writeJSON(w, map[string]any{"active": false})
		return
	}
	writeJSON(w, c)
}

// JWK returns the public JWK of k, as published.
func JWK(k Key) map[string]any {
	pub := k.Private.PublicKey
	return map[string]any{
		"kty": "RSA", "use": "sig", "alg": "RS256", "kid": k.ID,
		"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}
}

func (s *Server) isDown(w http.ResponseWriter) bool {
	s.mu.Lock()
	down := s.down
	s.mu.Unlock()
	if down {
		http.Error(w, `{"error":"temporarily_unavailable"}`, http.StatusServiceUnavailable)
	}
	return down
}

func (s *Server) serveJWKS(w http.ResponseWriter, r *http.Request) {
	s.jwksFetches.Add(1)
	if s.isDown(w) {
		return
	}
	s.mu.Lock()
	keys := make([]any, 0, len(s.keys))
	for _, k := range s.keys {
		keys = append(keys, JWK(k))
	}
	s.mu.Unlock()
	writeJSON(w, map[string]any{"keys": keys})
}

func (s *Server) serveMetadata(w http.ResponseWriter, r *http.Request) {
	s.metadataFetches.Add(1)
	if s.isDown(w) {
		return
	}
	iss := s.srv.URL
	doc := map[string]any{
		"issuer":                                         iss,
		"authorization_endpoint":                         iss + "/oauth2/authorize",
		"token_endpoint":                                 iss + "/oauth2/token",
		"registration_endpoint":                          iss + "/oauth2/register",
		"introspection_endpoint":                         iss + "/oauth2/introspection",
		"jwks_uri":                                       iss + "/oauth2/jwks",
		"response_types_supported":                       []string{"code"},
		"response_modes_supported":                       []string{"query"},
		"grant_types_supported":                          []string{"authorization_code", "refresh_token"},
		"code_challenge_methods_supported":               []string{"S256"},
		"token_endpoint_auth_methods_supported":          []string{"none", "client_secret_post", "client_secret_basic"},
		"scopes_supported":                               []string{"openid", "profile", "email", "offline_access"},
		"client_id_metadata_document_supported":          true,
		"authorization_response_iss_parameter_supported": true,
	}
	s.mu.Lock()
	for k, v := range s.metadata {
		if v == nil {
			delete(doc, k)
		} else {
			doc[k] = v
		}
	}
	s.mu.Unlock()
	writeJSON(w, doc)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func randomID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
