package authkit_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"

	"github.com/workos-mcp/workos-mcp/authkit"
	"github.com/workos-mcp/workos-mcp/authkit/authkittest"
)

// BenchmarkVerify compares authkit's verification with the bare RSA
// signature check on the same token, in the same run (docs/benchmarks.md).
func BenchmarkVerify(b *testing.B) {
	as := authkittest.NewServer(b)
	as.SetDefaults(map[string]any{"aud": testResource, "org_id": "org_01TEST", "role": "admin",
		"permissions": []string{"a:read", "a:write"}, "scope": "openid profile email"})
	token := as.Token(nil)
	pub := &as.Key().Private.PublicKey

	b.Run("rsa-baseline", func(b *testing.B) {
		// The signature check alone: hash and signature precomputed.
		i := strings.LastIndexByte(token, '.')
		sig, _ := base64.RawURLEncoding.DecodeString(token[i+1:])
		h := sha256.Sum256([]byte(token[:i]))
		b.ReportAllocs()
		for b.Loop() {
			if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], sig); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("rsa-baseline+hash", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			i := strings.LastIndexByte(token, '.')
			sig, _ := base64.RawURLEncoding.DecodeString(token[i+1:])
			h := sha256.Sum256([]byte(token[:i]))
			if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], sig); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("uncached", func(b *testing.B) {
		kit := newKit(b, as, func(c *authkit.Config) { c.TokenCacheSize = -1 })
		if _, err := kit.Verify(b.Context(), token); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := kit.Verify(b.Context(), token); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cached", func(b *testing.B) {
		kit := newKit(b, as)
		if _, err := kit.Verify(b.Context(), token); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		c0 := threadCPU()
		for b.Loop() {
			if _, err := kit.Verify(b.Context(), token); err != nil {
				b.Fatal(err)
			}
		}
		reportCPU(b, threadCPU()-c0)
	})
	b.Run("cached-parallel", func(b *testing.B) {
		kit := newKit(b, as)
		if _, err := kit.Verify(b.Context(), token); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := kit.Verify(b.Context(), token); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkMiddleware is the whole per-request cost of the middleware on a
// cached token, in process (no network), next handler empty.
func BenchmarkMiddleware(b *testing.B) {
	benchMiddleware(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
}

// BenchmarkMiddlewareHandOver is BenchmarkMiddleware in front of a handler that takes the
// token itself (mcpfast's): no go-sdk auth middleware, one request copy.
func BenchmarkMiddlewareHandOver(b *testing.B) { benchMiddleware(b, taker{}) }

// taker is a handler that takes the verified token itself, as mcpfast's does.
type taker struct{}

func (taker) ServeHTTP(http.ResponseWriter, *http.Request) {}

func (taker) WithTokenInfo(ctx context.Context, ti *auth.TokenInfo) context.Context {
	return context.WithValue(ctx, takerKey{}, ti)
}

type takerKey struct{}

func benchMiddleware(b *testing.B, next http.Handler) {
	as := newIssuer(b)
	kit := newKit(b, as)
	h := kit.Middleware(next)
	req := httptest.NewRequest(http.MethodPost, "/mcp", nil)
	req.Header.Set("Authorization", "Bearer "+as.Token(nil))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != 200 {
		b.Fatalf("status %d", w.Code)
	}
	b.ReportAllocs()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	c0 := threadCPU()
	for b.Loop() {
		h.ServeHTTP(w, req)
	}
	reportCPU(b, threadCPU()-c0)
}

func reportCPU(b *testing.B, d time.Duration) {
	if d > 0 {
		b.ReportMetric(float64(d.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkVerifyRatio interleaves the bare RSA check and uncached Verify
// on the same token in every iteration, so that load from other processes
// hits both alike; it reports their ratio (target ≤ 1.5).
func BenchmarkVerifyRatio(b *testing.B) {
	as := authkittest.NewServer(b)
	as.SetDefaults(map[string]any{"aud": testResource, "org_id": "org_01TEST", "role": "admin",
		"permissions": []string{"a:read", "a:write"}, "scope": "openid profile email"})
	token := as.Token(nil)
	pub := &as.Key().Private.PublicKey
	kit := newKit(b, as, func(c *authkit.Config) { c.TokenCacheSize = -1 })
	if _, err := kit.Verify(b.Context(), token); err != nil {
		b.Fatal(err)
	}
	i := strings.LastIndexByte(token, '.')
	sig, _ := base64.RawURLEncoding.DecodeString(token[i+1:])
	h := sha256.Sum256([]byte(token[:i]))
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var base, ours, baseCPU, oursCPU time.Duration
	for b.Loop() {
		c0, t0 := threadCPU(), time.Now()
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], sig); err != nil {
			b.Fatal(err)
		}
		c1, t1 := threadCPU(), time.Now()
		if _, err := kit.Verify(b.Context(), token); err != nil {
			b.Fatal(err)
		}
		c2, t2 := threadCPU(), time.Now()
		base += t1.Sub(t0)
		ours += t2.Sub(t1)
		baseCPU += c1 - c0
		oursCPU += c2 - c1
	}
	n := float64(b.N)
	b.ReportMetric(float64(base.Nanoseconds())/n, "rsa-ns/op")
	b.ReportMetric(float64(ours.Nanoseconds())/n, "verify-ns/op")
	b.ReportMetric(float64(ours)/float64(base), "ratio")
	if baseCPU > 0 {
		b.ReportMetric(float64(baseCPU.Nanoseconds())/n, "rsa-cpu-ns/op")
		b.ReportMetric(float64(oursCPU.Nanoseconds())/n, "verify-cpu-ns/op")
		b.ReportMetric(float64(oursCPU)/float64(baseCPU), "cpu-ratio")
	}
}
