package localauth

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/url"
	"testing"
)

func jwkPublic(t testing.TB, k jwk) *rsa.PublicKey {
	t.Helper()
	n, err1 := base64.RawURLEncoding.DecodeString(k.N)
	e, err2 := base64.RawURLEncoding.DecodeString(k.E)
	if err1 != nil || err2 != nil {
		t.Fatalf("bad jwk %+v", k)
	}
	return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
}

func kids(t testing.TB, base string) []string {
	t.Helper()
	resp, err := http.Get(base + "/oauth2/jwks")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set struct{ Keys []jwk }
	json.NewDecoder(resp.Body).Decode(&set)
	var out []string
	for _, k := range set.Keys {
		if k.Kty != "RSA" || k.Alg != "RS256" || k.Use != "sig" {
			t.Fatalf("jwk %+v", k)
		}
		out = append(out, k.Kid)
	}
	return out
}

// TestPersistenceAndRotation: keys and clients survive a restart; rotation
// keeps the previous key in the JWKS, so its tokens still verify.
func TestPersistenceAndRotation(t *testing.T) {
	dir := t.TempDir()
	ts := startServer(t, func(o *Options) { o.DataDir = dir; o.AutoApprove = "admin@example.com" })
	redirect := "http://127.0.0.1:9/cb"
	cid := ts.register(t, redirect)
	first := kids(t, ts.URL)
	if len(first) != 1 {
		t.Fatalf("jwks: %v", first)
	}
	code, verifier, _ := ts.autoCode(t, cid, redirect, nil)
	_, tok := ts.post(t, "/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier}, "client_id": {cid}, "redirect_uri": {redirect}}, "", "")
	oldToken := tok["access_token"].(string)
	refreshToken := tok["refresh_token"].(string)

	if err := ts.RotateKeys(context.Background()); err != nil {
		t.Fatal(err)
	}
	second := kids(t, ts.URL)
	if len(second) != 2 || second[1] != first[0] {
		t.Fatalf("after rotation: %v (before %v)", second, first)
	}
	ts.verify(t, oldToken)
	if h := decodeHeader(t, ts.mintForTest(t, cid, redirect)); h["kid"] != second[0] {
		t.Fatalf("new tokens not signed by the new key: %v", h)
	}
	ts.hs.Close()
	ts.Close()

	// Restart on the same data directory.
	ts2 := startServer(t, func(o *Options) { o.DataDir = dir; o.AutoApprove = "admin@example.com" })
	if got := kids(t, ts2.URL); len(got) != 2 || got[0] != second[0] {
		t.Fatalf("after restart: %v, want %v", got, second)
	}
	// The client registered before the restart still works, and so does
	// the session: its refresh token rotates, keeping the audience.
	ts2.mintForTest(t, cid, redirect)
	status, tok := ts2.post(t, "/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}, "client_id": {cid}}, "", "")
	if status != 200 {
		t.Fatalf("refresh after restart: %d %v", status, tok)
	}
	if c := ts2.verify(t, tok["access_token"].(string)); c["aud"] != "client_env" || c["sub"] != "user_admin" {
		t.Fatalf("refreshed after restart: %v", c)
	}
	// A third rotation drops the oldest key.
	if err := ts2.RotateKeys(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := kids(t, ts2.URL); len(got) != 2 || got[1] != second[0] {
		t.Fatalf("after second rotation: %v", got)
	}
}

func (ts *testServer) mintForTest(t testing.TB, cid, redirect string) string {
	t.Helper()
	code, verifier, _ := ts.autoCode(t, cid, redirect, nil)
	status, tok := ts.post(t, "/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier}, "client_id": {cid}, "redirect_uri": {redirect}}, "", "")
	if status != 200 {
		t.Fatalf("token: %d %v", status, tok)
	}
	return tok["access_token"].(string)
}

func decodeHeader(t testing.TB, raw string) map[string]any {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(raw[:indexByte(raw, '.')])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	return m
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return len(s)
}
