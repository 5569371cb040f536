package main

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// issuer is the fake AuthKit every target trusts: RFC 8414 metadata and a JWKS on a
// 127.0.0.1 port of the harness process, and RS256 access tokens with AuthKit's claims.
// Only the harness mints tokens; nothing here serves the authorization flow.
type issuer struct {
	URL string
	key *rsa.PrivateKey
	srv *http.Server
	// fetches counts metadata and key-set requests: a target that fetched them per call would
	// show here (the report prints them), not only in its CPU.
	fetches atomic.Int64
}

const issuerKeyID = "bench_key_1"

// startIssuer serves the metadata and keys until close.
func startIssuer() (*issuer, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	is := &issuer{URL: "http://" + ln.Addr().String(), key: key}
	metadata, _ := json.Marshal(map[string]any{
		"issuer":                                is.URL,
		"authorization_endpoint":                is.URL + "/oauth2/authorize",
		"token_endpoint":                        is.URL + "/oauth2/token",
		"registration_endpoint":                 is.URL + "/oauth2/register",
		"jwks_uri":                              is.URL + "/oauth2/jwks",
		"response_types_supported":              []string{"code"},
		"grant_types_supported":                 []string{"authorization_code", "refresh_token"},
		"code_challenge_methods_supported":      []string{"S256"},
		"token_endpoint_auth_methods_supported": []string{"none", "client_secret_post"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
	})
	jwks, _ := json.Marshal(map[string]any{"keys": []any{map[string]any{
		"kty": "RSA", "use": "sig", "alg": "RS256", "kid": issuerKeyID,
		"n": b64(key.N.Bytes()), "e": b64(big.NewInt(int64(key.E)).Bytes()),
	}}})
	serve := func(body []byte) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			is.fetches.Add(1)
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(body)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/oauth-authorization-server", serve(metadata))
	mux.HandleFunc("GET /.well-known/openid-configuration", serve(metadata))
	mux.HandleFunc("GET /oauth2/jwks", serve(jwks))
	is.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = is.srv.Serve(ln) }()
	return is, nil
}

func (is *issuer) close() { _ = is.srv.Close() }

// person is who a token names.
type person struct {
	UserID, OrganizationID, Role string
}

// token mints an AuthKit-like access token for resource (the target's MCP URL), valid for an
// hour: longer than any run, so no target ever sees an expired one.
func (is *issuer) token(resource string, p person) (string, error) {
	now := time.Now().Unix()
	claims := map[string]any{
		"iss": is.URL, "sub": p.UserID, "aud": resource,
		"iat": now, "nbf": now, "exp": now + 3600,
		"jti": fmt.Sprintf("jti_%d", time.Now().UnixNano()),
		"sid": "session_01BENCH", "client_id": "client_01BENCH",
		"org_id": p.OrganizationID, "role": p.Role, "roles": []string{p.Role},
		"permissions": []string{}, "scope": "openid profile email offline_access",
	}
	header, _ := json.Marshal(map[string]any{"alg": "RS256", "typ": "JWT", "kid": issuerKeyID})
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	signing := b64(header) + "." + b64(payload)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, is.key, crypto.SHA256, sum[:])
	if err != nil {
		return "", err
	}
	return signing + "." + b64(sig), nil
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
