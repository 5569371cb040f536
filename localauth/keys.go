package localauth

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"sync"
	"time"
)

// signingKey is one RSA key and its key ID.
type signingKey struct {
	kid string
	key *rsa.PrivateKey
}

// keyring holds the current signing key and the previous one, which stays in
// the JWKS after a rotation so that tokens it signed keep verifying.
type keyring struct {
	st  *store
	now func() time.Time

	mu       sync.RWMutex
	cur      *signingKey
	previous *signingKey
}

const keyBits = 2048

func loadKeyring(ctx context.Context, st *store, now func() time.Time) (*keyring, error) {
	kr := &keyring{st: st, now: now}
	rows, err := st.db.QueryContext(ctx, `SELECT kid, der, status FROM keys WHERE status IN ('current','previous')`)
	if err != nil {
		return nil, fmt.Errorf("localauth: load keys: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var kid, status string
		var der []byte
		if err := rows.Scan(&kid, &der, &status); err != nil {
			return nil, fmt.Errorf("localauth: load keys: %w", err)
		}
		k, err := x509.ParsePKCS1PrivateKey(der)
		if err != nil {
			return nil, fmt.Errorf("localauth: stored key %s is corrupt: %w", kid, err)
		}
		sk := &signingKey{kid: kid, key: k}
		if status == "current" {
			kr.cur = sk
		} else {
			kr.previous = sk
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("localauth: load keys: %w", err)
	}
	rows.Close()
	if kr.cur == nil {
		if err := kr.rotate(ctx); err != nil {
			return nil, err
		}
	}
	return kr, nil
}

func (kr *keyring) current() *signingKey {
	kr.mu.RLock()
	defer kr.mu.RUnlock()
	return kr.cur
}

// byKID finds a key that may have signed a token.
func (kr *keyring) byKID(kid string) *rsa.PublicKey {
	kr.mu.RLock()
	defer kr.mu.RUnlock()
	for _, k := range []*signingKey{kr.cur, kr.previous} {
		if k != nil && k.kid == kid {
			return &k.key.PublicKey
		}
	}
	return nil
}

func (kr *keyring) rotate(ctx context.Context) error {
	key, err := rsa.GenerateKey(rand.Reader, keyBits)
	if err != nil {
		return fmt.Errorf("localauth: generate key: %w", err)
	}
	der := x509.MarshalPKCS1PrivateKey(key)
	sum := sha256.Sum256(x509.MarshalPKCS1PublicKey(&key.PublicKey))
	kid := "key_" + base64.RawURLEncoding.EncodeToString(sum[:12])
	kr.mu.Lock()
	defer kr.mu.Unlock()
	err = kr.st.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM keys WHERE status='previous'`); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE keys SET status='previous' WHERE status='current'`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO keys(kid, der, created_at, status) VALUES(?,?,?,'current')`, kid, der, kr.now().Unix())
		return err
	})
	if err != nil {
		return fmt.Errorf("localauth: store key: %w", err)
	}
	kr.previous = kr.cur
	kr.cur = &signingKey{kid: kid, key: key}
	return nil
}

// jwk is one RFC 7517 public key.
type jwk struct {
	Kty string `json:"kty"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	N   string `json:"n"`
	E   string `json:"e"`
}

func (kr *keyring) jwks() []jwk {
	kr.mu.RLock()
	defer kr.mu.RUnlock()
	var out []jwk
	for _, k := range []*signingKey{kr.cur, kr.previous} {
		if k == nil {
			continue
		}
		out = append(out, jwk{
			Kty: "RSA", Use: "sig", Alg: "RS256", Kid: k.kid,
			N: base64.RawURLEncoding.EncodeToString(k.key.N.Bytes()),
			E: base64.RawURLEncoding.EncodeToString(big.NewInt(int64(k.key.E)).Bytes()),
		})
	}
	return out
}

func (s *Server) handleJWKS(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		methodNotAllowed(w, "GET, HEAD")
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=60")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	writeJSON(w, http.StatusOK, map[string]any{"keys": s.keys.jwks()})
}

// errNoKey is returned when a token names a key we don't have.
var errNoKey = errors.New("unknown signing key")

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	writeJSON(w, http.StatusMethodNotAllowed, oauthError{Error: "invalid_request", Description: "method not allowed; use " + allow})
}

// oauthError is the RFC 6749 §5.2 error body.
type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}
