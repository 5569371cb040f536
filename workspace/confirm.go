package workspace

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// ConfirmationToken is what a sealed confirmation token binds: who may use it, where, for which
// call, and the state of the target when it was issued.
type ConfirmationToken struct {
	ID          string `json:"jti"`
	Subject     string `json:"sub"` // the person (user ID)
	Team        string `json:"org"` // the team (organization ID)
	Environment string `json:"env"`
	Operation   string `json:"op"`
	ParamsHash  string `json:"params"` // hash of the canonical parameters
	Target      string `json:"target"` // fingerprint of the target and its dependents
	TargetName  string `json:"name,omitempty"`
	ExpiresAt   int64  `json:"exp"` // Unix seconds
}

// Confirmation refusals: the call did nothing.
var (
	ErrTokenInvalid  = errors.New("the confirmation token is not valid (malformed or tampered with)")
	ErrTokenExpired  = errors.New("the confirmation token has expired")
	ErrTokenUsed     = errors.New("the confirmation token was already used")
	ErrTokenMismatch = errors.New("the confirmation token was issued for another call")
	ErrTargetChanged = errors.New("the target changed since the confirmation token was issued")
)

const tokenPrefix = "wmc1_"

// tokenAAD ties sealed tokens to this purpose, so that a ciphertext made with the same key for
// anything else never opens as a confirmation.
var tokenAAD = []byte("workos-mcp confirmation token v1")

// sealer seals and opens confirmation tokens with AES-256-GCM.
type sealer struct{ aead cipher.AEAD }

func newSealer(key []byte) (*sealer, error) {
	if len(key) == 0 {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("confirmation key: %d bytes, want 32", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead}, nil
}

func (s *sealer) seal(t ConfirmationToken) (string, error) {
	plain, err := json.Marshal(t)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := s.aead.Seal(nonce, nonce, plain, tokenAAD)
	return tokenPrefix + base64.RawURLEncoding.EncodeToString(out), nil
}

func (s *sealer) open(token string) (ConfirmationToken, error) {
	var t ConfirmationToken
	rest, ok := strings.CutPrefix(strings.TrimSpace(token), tokenPrefix)
	if !ok || len(rest) > 4096 {
		return t, ErrTokenInvalid
	}
	raw, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil || len(raw) < s.aead.NonceSize()+s.aead.Overhead() {
		return t, ErrTokenInvalid
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], tokenAAD)
	if err != nil {
		return t, ErrTokenInvalid
	}
	if err := json.Unmarshal(plain, &t); err != nil || t.ID == "" {
		return t, ErrTokenInvalid
	}
	return t, nil
}

func newTokenID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// hashJSON hashes a value's JSON encoding. encoding/json sorts map keys, so maps decoded from
// the same JSON object hash the same whatever the order of their keys on the wire.
func hashJSON(v any) string {
	b, _ := json.Marshal(v)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// UsedTokens remembers which confirmation tokens were used, so that each runs at most once.
// Replicas share one implementation (Redis, a database) for the guarantee to hold across them.
type UsedTokens interface {
	// MarkUsed records id as used until expiresAt. It reports true only to the first caller for
	// an id, atomically: of two concurrent calls exactly one gets true.
	MarkUsed(ctx context.Context, id string, expiresAt time.Time) (bool, error)
}

// MemoryUsedTokens is an in-process UsedTokens, for a single replica. The zero value is ready.
type MemoryUsedTokens struct {
	mu   sync.Mutex
	used map[string]time.Time
	now  func() time.Time
}

// MarkUsed implements UsedTokens.
func (m *MemoryUsedTokens) MarkUsed(_ context.Context, id string, expiresAt time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	if m.now != nil {
		now = m.now()
	}
	if m.used == nil {
		m.used = map[string]time.Time{}
	}
	// Tokens past their expiry are refused before reaching here, so forgetting them is safe;
	// sweeping on write keeps the map bounded by the tokens alive at once.
	if len(m.used) > 1024 {
		for k, exp := range m.used {
			if now.After(exp) {
				delete(m.used, k)
			}
		}
	}
	if _, ok := m.used[id]; ok {
		return false, nil
	}
	m.used[id] = expiresAt
	return true, nil
}
