package localauth

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// cimdHost serves client metadata documents over TLS on 127.0.0.1.
type cimdHost struct {
	*httptest.Server
	docs    map[string]any
	fetches atomic.Int32
}

func newCIMDHost(t testing.TB) *cimdHost {
	h := &cimdHost{docs: map[string]any{}}
	h.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.fetches.Add(1)
		doc, ok := h.docs[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if s, ok := doc.(string); ok {
			w.Write([]byte(s))
			return
		}
		json.NewEncoder(w).Encode(doc)
	}))
	t.Cleanup(h.Close)
	return h
}

func TestClientIDMetadataDocuments(t *testing.T) {
	host := newCIMDHost(t)
	ts := startServer(t, func(o *Options) {
		o.AutoApprove = "admin@example.com"
		o.HTTPClient = host.Client()
		o.AllowLoopbackCIMD = true
	})
	redirect := "http://127.0.0.1:9/cb"
	good := host.URL + "/client.json"
	host.docs["/client.json"] = map[string]any{"client_id": good, "client_name": "CIMD Client", "redirect_uris": []string{redirect}, "token_endpoint_auth_method": "none"}
	host.docs["/mismatch.json"] = map[string]any{"client_id": "https://other.example.com/c.json", "redirect_uris": []string{redirect}}
	host.docs["/secret.json"] = map[string]any{"client_id": host.URL + "/secret.json", "redirect_uris": []string{redirect}, "token_endpoint_auth_method": "client_secret_basic"}
	host.docs["/big.json"] = `{"client_id":"` + host.URL + `/big.json","redirect_uris":["` + redirect + `"],"client_name":"` + strings.Repeat("x", cimdMaxBytes) + `"}`
	host.docs["/notjson.json"] = "<html>"

	code, verifier, loc := ts.autoCode(t, good, "http://127.0.0.1:4567/cb", nil)
	if code == "" {
		t.Fatalf("CIMD authorize: %s", loc)
	}
	status, tok := ts.post(t, "/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier},
		"client_id": {good}, "redirect_uri": {"http://127.0.0.1:4567/cb"}}, "", "")
	if status != 200 {
		t.Fatalf("CIMD token: %d %v", status, tok)
	}
	if c := ts.verify(t, tok["access_token"].(string)); c["client_id"] != good {
		t.Fatalf("client_id claim: %v", c["client_id"])
	}
	// Basic auth with an empty password (golang.org/x/oauth2's auto-detection) works for public clients.
	code, verifier, _ = ts.autoCode(t, good, redirect, nil)
	if status, tok = ts.post(t, "/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier}, "redirect_uri": {redirect}}, good, ""); status != 200 {
		t.Fatalf("basic with empty secret: %d %v", status, tok)
	}
	// Cached: three flows, one fetch.
	if n := host.fetches.Load(); n != 1 {
		t.Errorf("document fetched %d times, want 1 (cache)", n)
	}

	c := noRedirect()
	_, challenge := pkce()
	for name, id := range map[string]string{
		"unlisted redirect":  good, // with the redirect below
		"client_id mismatch": host.URL + "/mismatch.json",
		"shared secret":      host.URL + "/secret.json",
		"too big":            host.URL + "/big.json",
		"not json":           host.URL + "/notjson.json",
		"404":                host.URL + "/missing.json",
		"root URL":           host.URL + "/",
		"http URL":           strings.Replace(host.URL, "https", "http", 1) + "/client.json",
		"metadata address":   "https://169.254.169.254/client.json",
		"unspecified":        "https://0.0.0.0/client.json",
	} {
		ru := redirect
		if name == "unlisted redirect" {
			ru = "https://evil.example.com/cb"
		}
		resp, err := c.Get(authzReq{clientID: id, redirectURI: ru, challenge: challenge}.url(ts.URL))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 || resp.Header.Get("Location") != "" {
			t.Errorf("%s: %d %q", name, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
}

func TestCIMDRefusesLoopbackByDefault(t *testing.T) {
	host := newCIMDHost(t)
	ts := startServer(t, func(o *Options) { o.AutoApprove = "admin@example.com"; o.HTTPClient = host.Client() })
	id := host.URL + "/client.json"
	host.docs["/client.json"] = map[string]any{"client_id": id, "redirect_uris": []string{"http://127.0.0.1:9/cb"}}
	resp, _ := authorizeCIMD(t, ts, id)
	if resp.StatusCode != 400 || host.fetches.Load() != 0 {
		t.Fatalf("loopback CIMD: %d, %d fetches", resp.StatusCode, host.fetches.Load())
	}
}

func TestAddrAllowed(t *testing.T) {
	for addr, want := range map[string]bool{
		"93.184.216.34": true, "2606:2800:220:1::": true,
		"127.0.0.1": false, "::1": false, "169.254.169.254": false, "fe80::1": false, "0.0.0.0": false, "::": false,
		"10.1.2.3": false, "192.168.1.1": false, "100.100.100.200": false, "fd00:ec2::254": false, "::ffff:169.254.169.254": false,
		"64:ff9b::a9fe:a9fe": false, "2002:a9fe:a9fe::1": false,
	} {
		if got := addrAllowed(netip.MustParseAddr(addr), false); got != want {
			t.Errorf("%s: %v, want %v", addr, got, want)
		}
	}
}

// TestCIMDChecksTheResolvedAddress: a host name is judged by the address it
// resolves to when dialled ("localhost" here), not by its spelling.
func TestCIMDChecksTheResolvedAddress(t *testing.T) {
	host := newCIMDHost(t)
	ts := startServer(t, func(o *Options) { o.AutoApprove = "admin@example.com"; o.HTTPClient = host.Client() })
	_, port, _ := strings.Cut(host.Listener.Addr().String(), ":")
	id := "https://localhost:" + port + "/client.json"
	host.docs["/client.json"] = map[string]any{"client_id": id, "redirect_uris": []string{"http://127.0.0.1:9/cb"}}
	resp, body := authorizeCIMD(t, ts, id)
	if resp.StatusCode != 400 || resp.Header.Get("Location") != "" || !strings.Contains(body, "non-public address") {
		t.Fatalf("CIMD via a name resolving to loopback: %d %.400s", resp.StatusCode, body)
	}
}

// TestCIMDIgnoresACustomDialer: a caller's HTTPClient whose transport dials
// by itself (DialTLSContext) cannot bypass the address check.
func TestCIMDIgnoresACustomDialer(t *testing.T) {
	host := newCIMDHost(t)
	id := host.URL + "/client.json"
	host.docs["/client.json"] = map[string]any{"client_id": id, "redirect_uris": []string{"http://127.0.0.1:9/cb"}}
	tr := host.Client().Transport.(*http.Transport).Clone()
	tr.DialTLSContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		raw, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return tls.Client(raw, &tls.Config{InsecureSkipVerify: true}), nil
	}
	ts := startServer(t, func(o *Options) {
		o.AutoApprove = "admin@example.com"
		o.HTTPClient = &http.Client{Transport: tr}
	})
	resp, _ := authorizeCIMD(t, ts, id)
	if resp.StatusCode != 400 || host.fetches.Load() != 0 {
		t.Fatalf("custom dialer: %d, %d fetches", resp.StatusCode, host.fetches.Load())
	}
}

// TestCIMDTimeout: a document host that never answers costs one bounded
// wait and an error page, not a hung request.
func TestCIMDTimeout(t *testing.T) {
	stop := make(chan struct{})
	slow := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	defer slow.Close()
	defer close(stop)
	ts := startServer(t, func(o *Options) {
		o.AutoApprove = "admin@example.com"
		o.HTTPClient = slow.Client()
		o.AllowLoopbackCIMD = true
	})
	ts.cimd.timeout = 200 * time.Millisecond
	resp, body := authorizeCIMD(t, ts, slow.URL+"/client.json")
	if resp.StatusCode != 400 || !strings.Contains(body, "timed out") {
		t.Fatalf("slow CIMD host: %d %.400s", resp.StatusCode, body)
	}
}

// authorizeCIMD sends a person to ts's authorization endpoint for the client whose ID is the
// metadata document URL id (redirect URI http://127.0.0.1:9/cb), and returns the answer, not
// followed, with its body.
func authorizeCIMD(t *testing.T, ts *testServer, id string) (*http.Response, string) {
	t.Helper()
	_, challenge := pkce()
	resp, err := noRedirect().Get(authzReq{clientID: id, redirectURI: "http://127.0.0.1:9/cb", challenge: challenge}.url(ts.URL))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}
