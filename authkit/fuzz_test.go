package authkit_test

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// FuzzVerify: Verify never panics, and never accepts a token whose
// signature the issuer's key did not make.
func FuzzVerify(f *testing.F) {
	as := newIssuer(f)
	kit := newKit(f, as)
	key := as.Key()
	valid := as.Token(nil)
	parts := strings.Split(valid, ".")
	f.Add(valid)
	f.Add(as.SignWith(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, map[string]any{"kid": key.ID}, as.Claims(nil)))
	f.Add(as.SignWith(jwt.SigningMethodHS256, []byte("secret"), map[string]any{"kid": key.ID}, as.Claims(nil)))
	f.Add(as.SignWith(jwt.SigningMethodRS256, foreign(f), map[string]any{"kid": key.ID}, as.Claims(nil)))
	f.Add(parts[0] + "." + parts[1] + ".")
	f.Add(parts[0] + ".e30." + parts[2])
	f.Add("..")
	f.Add("a.b.c")
	f.Add(strings.Repeat("A", 100))
	f.Fuzz(func(t *testing.T, token string) {
		s, err := kit.Verify(t.Context(), token)
		if err != nil {
			return
		}
		if s == nil {
			t.Fatal("nil session without error")
		}
		p := strings.Split(token, ".")
		if len(p) != 3 {
			t.Fatalf("accepted a token with %d segments", len(p))
		}
		sig, derr := base64.RawURLEncoding.DecodeString(p[2])
		if derr != nil {
			sig, derr = base64.URLEncoding.DecodeString(p[2])
		}
		if derr != nil {
			t.Fatalf("accepted a token whose signature does not decode: %q", token)
		}
		h := sha256.Sum256([]byte(p[0] + "." + p[1]))
		if rsa.VerifyPKCS1v15(&key.Private.PublicKey, crypto.SHA256, h[:], sig) != nil {
			t.Fatalf("accepted a token the issuer's key did not sign: %q", token)
		}
	})
}
