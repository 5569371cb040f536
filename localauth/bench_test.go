package localauth

import (
	"net/url"
	"testing"
)

// BenchmarkCodeFlow is one auto-approved authorization plus the token
// exchange (two HTTP round trips, a SQLite transaction or three, one RS256
// signature).
func BenchmarkCodeFlow(b *testing.B) {
	ts := startServer(b, func(o *Options) { o.AutoApprove = "admin@example.com" })
	redirect := "http://127.0.0.1:9/cb"
	cid := ts.register(b, redirect)
	b.ReportAllocs()
	for b.Loop() {
		code, verifier, _ := ts.autoCode(b, cid, redirect, func(a *authzReq) { a.scope = "openid" })
		if status, out := ts.post(b, "/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier},
			"client_id": {cid}, "redirect_uri": {redirect}}, "", ""); status != 200 {
			b.Fatalf("%d %v", status, out)
		}
	}
}

// BenchmarkRefresh is one refresh-token rotation.
func BenchmarkRefresh(b *testing.B) {
	ts := startServer(b, func(o *Options) { o.AutoApprove = "admin@example.com" })
	redirect := "http://127.0.0.1:9/cb"
	cid := ts.register(b, redirect)
	code, verifier, _ := ts.autoCode(b, cid, redirect, func(a *authzReq) { a.scope = "offline_access" })
	_, tok := ts.post(b, "/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier}, "client_id": {cid}, "redirect_uri": {redirect}}, "", "")
	rt := tok["refresh_token"].(string)
	b.ReportAllocs()
	for b.Loop() {
		status, out := ts.post(b, "/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {cid}}, "", "")
		if status != 200 {
			b.Fatalf("%d %v", status, out)
		}
		rt = out["refresh_token"].(string)
	}
}

// BenchmarkMetadata is the baseline: one small JSON GET.
func BenchmarkMetadata(b *testing.B) {
	ts := startServer(b, nil)
	b.ReportAllocs()
	for b.Loop() {
		resp, err := noRedirect().Get(ts.URL + "/.well-known/oauth-authorization-server")
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
	}
}
