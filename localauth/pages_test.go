package localauth

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	csrfRE    = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	requestRE = regexp.MustCompile(`name="request" value="([^"]+)"`)
)

// browser is a cookie-keeping client that stops at redirects.
type browser struct {
	t  testing.TB
	c  *http.Client
	ts *testServer
}

func (b *browser) get(u string) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.c.Get(u)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func (b *browser) post(path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.c.PostForm(b.ts.URL+path, form)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// start begins an authorization and returns the sign-in page's form values.
func (b *browser) start(cid, redirect string) (page string, csrf, request string) {
	b.t.Helper()
	_, challenge := pkce()
	loc := redirectOf(b.t, b.c, authzReq{clientID: cid, redirectURI: redirect, challenge: challenge, state: "xyz", scope: "openid email"}.url(b.ts.URL))
	resp, page := b.get(loc.String())
	if resp.StatusCode != 200 {
		b.t.Fatalf("sign-in page: %d", resp.StatusCode)
	}
	for h, want := range map[string]string{"X-Frame-Options": "DENY", "Content-Security-Policy": "frame-ancestors 'none'"} {
		if !strings.Contains(resp.Header.Get(h), want) {
			b.t.Fatalf("%s = %q", h, resp.Header.Get(h))
		}
	}
	return page, csrfRE.FindStringSubmatch(page)[1], requestRE.FindStringSubmatch(page)[1]
}

func TestSignInOrganizationConsent(t *testing.T) {
	ts := startServer(t, nil)
	redirect := "http://127.0.0.1:9/cb"
	cid := ts.register(t, redirect)
	b := &browser{t: t, c: noRedirect(), ts: ts}

	page, csrf, req := b.start(cid, redirect)
	if !strings.Contains(page, "member@example.com") || !strings.Contains(page, "Test Client") {
		t.Fatalf("dev sign-in page lacks the team's people or the client: %s", page)
	}
	// Missing or wrong CSRF token: refused, nothing changes.
	for _, bad := range []string{"", "forged-token-forged-token"} {
		resp, _ := b.post("/oauth2/login", url.Values{"request": {req}, "csrf": {bad}, "action": {"person"}, "user_id": {"user_member"}})
		if resp.StatusCode != 403 {
			t.Fatalf("csrf %q: %d", bad, resp.StatusCode)
		}
	}
	// Wrong password: 401 and the form again.
	resp, body := b.post("/oauth2/login", url.Values{"request": {req}, "csrf": {csrf}, "action": {"password"}, "email": {"member@example.com"}, "password": {"nope"}})
	if resp.StatusCode != 401 || !strings.Contains(body, "incorrect") {
		t.Fatalf("wrong password: %d", resp.StatusCode)
	}
	// Right password; the member has two organizations: choose one.
	resp, _ = b.post("/oauth2/login", url.Values{"request": {req}, "csrf": {csrf}, "action": {"password"}, "email": {"member@example.com"}, "password": {"battery staple"}})
	if resp.StatusCode != 303 {
		t.Fatalf("password sign-in: %d", resp.StatusCode)
	}
	loc, _ := resp.Location()
	_, page = b.get(loc.String())
	if !strings.Contains(page, "Other Org") || !strings.Contains(page, "Example Team") {
		t.Fatalf("organization page: %s", page)
	}
	// Approving before choosing only shows the step again.
	resp, _ = b.post("/oauth2/login", url.Values{"request": {req}, "csrf": {csrf}, "action": {"approve"}})
	if loc, _ := resp.Location(); resp.StatusCode != 303 || !strings.HasPrefix(loc.Path, "/oauth2/login") {
		t.Fatalf("approve before org: %d %v", resp.StatusCode, loc)
	}
	resp, _ = b.post("/oauth2/login", url.Values{"request": {req}, "csrf": {csrf}, "action": {"organization"}, "organization_id": {"org_nope"}})
	if resp.StatusCode != 400 {
		t.Fatalf("foreign org: %d", resp.StatusCode)
	}
	resp, _ = b.post("/oauth2/login", url.Values{"request": {req}, "csrf": {csrf}, "action": {"organization"}, "organization_id": {"org_other"}})
	loc, _ = resp.Location()
	_, page = b.get(loc.String())
	for _, want := range []string{"Test Client", "127.0.0.1:9", "See your email address", "Other Org", "member@example.com"} {
		if !strings.Contains(page, want) {
			t.Fatalf("consent page lacks %q: %s", want, page)
		}
	}
	resp, _ = b.post("/oauth2/login", url.Values{"request": {req}, "csrf": {csrf}, "action": {"approve"}})
	loc, _ = resp.Location()
	if resp.StatusCode != 303 || loc.Host != "127.0.0.1:9" || loc.Query().Get("code") == "" || loc.Query().Get("state") != "xyz" || loc.Query().Get("iss") != ts.URL {
		t.Fatalf("approve: %d %v", resp.StatusCode, loc)
	}
	// The request is gone once approved.
	resp, _ = b.post("/oauth2/login", url.Values{"request": {req}, "csrf": {csrf}, "action": {"approve"}})
	if resp.StatusCode != 400 {
		t.Fatalf("second approve: %d", resp.StatusCode)
	}

	// Deny: access_denied back to the client. Dev "person" sign-in; one org.
	_, csrf, req = b.start(cid, redirect)
	b.post("/oauth2/login", url.Values{"request": {req}, "csrf": {csrf}, "action": {"person"}, "user_id": {"user_admin"}})
	resp, _ = b.post("/oauth2/login", url.Values{"request": {req}, "csrf": {csrf}, "action": {"deny"}})
	loc, _ = resp.Location()
	if loc.Query().Get("error") != "access_denied" || loc.Query().Get("state") != "xyz" {
		t.Fatalf("deny: %v", loc)
	}

	// Another browser cannot take over a pending request.
	_, _, req = b.start(cid, redirect)
	other := &browser{t: t, c: noRedirect(), ts: ts}
	resp, _ = other.get(ts.URL + "/oauth2/login?request=" + req)
	if resp.StatusCode != 403 {
		t.Fatalf("other browser: %d", resp.StatusCode)
	}
	resp, _ = other.get(ts.URL + "/oauth2/login?request=req_unknown")
	if resp.StatusCode != 400 {
		t.Fatalf("unknown request: %d", resp.StatusCode)
	}
}

func TestProductionPagesHideTheTeam(t *testing.T) {
	ts := startServer(t, func(o *Options) { o.DevMode = false })
	redirect := "http://127.0.0.1:9/cb"
	cid := ts.register(t, redirect)
	b := &browser{t: t, c: noRedirect(), ts: ts}
	page, csrf, req := b.start(cid, redirect)
	if strings.Contains(page, "member@example.com") {
		t.Fatal("the people list is shown outside dev mode")
	}
	resp, _ := b.post("/oauth2/login", url.Values{"request": {req}, "csrf": {csrf}, "action": {"person"}, "user_id": {"user_admin"}})
	if resp.StatusCode != 403 {
		t.Fatalf("person sign-in outside dev mode: %d", resp.StatusCode)
	}
}

// TestIssuerWithPath: mounted under a prefix, every link, redirect and
// cookie carries it.
func TestIssuerWithPath(t *testing.T) {
	hs := httptest.NewUnstartedServer(nil)
	issuer := "http://" + hs.Listener.Addr().String() + "/auth"
	s, err := New(t.Context(), Options{Issuer: issuer, Directory: seedDir(t), DevMode: true, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	hs.Config.Handler = http.StripPrefix("/auth", s.Handler())
	hs.Start()
	defer hs.Close()
	ts := &testServer{Server: s, URL: issuer, hs: hs}
	redirect := "http://127.0.0.1:9/cb"
	cid := ts.register(t, redirect)
	b := &browser{t: t, c: noRedirect(), ts: ts}
	_, csrf, req := b.start(cid, redirect)
	resp, _ := b.post("/oauth2/login", url.Values{"request": {req}, "csrf": {csrf}, "action": {"person"}, "user_id": {"user_admin"}})
	loc, _ := resp.Location()
	if resp.StatusCode != 303 || !strings.HasPrefix(loc.String(), issuer+"/oauth2/login?") {
		t.Fatalf("after sign-in: %d %v", resp.StatusCode, loc)
	}
	_, page := b.get(loc.String())
	if !strings.Contains(page, `id="consent-form"`) || !strings.Contains(page, `action="login"`) {
		t.Fatalf("consent page: %s", page)
	}
	resp, _ = b.post("/oauth2/login", url.Values{"request": {req}, "csrf": {csrf}, "action": {"approve"}})
	if loc, _ := resp.Location(); resp.StatusCode != 303 || loc.Query().Get("code") == "" || loc.Query().Get("iss") != issuer {
		t.Fatalf("approve: %d %v", resp.StatusCode, loc)
	}
}

// TestConsentDoubleSubmit: one consent yields one code, however many
// approvals race for it.
func TestConsentDoubleSubmit(t *testing.T) {
	ts := startServer(t, nil)
	redirect := "http://127.0.0.1:9/cb"
	cid := ts.register(t, redirect)
	b := &browser{t: t, c: noRedirect(), ts: ts}
	_, csrf, req := b.start(cid, redirect)
	b.post("/oauth2/login", url.Values{"request": {req}, "csrf": {csrf}, "action": {"person"}, "user_id": {"user_admin"}})
	const n = 8
	codes := make(chan string, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := b.c.PostForm(ts.URL+"/oauth2/login", url.Values{"request": {req}, "csrf": {csrf}, "action": {"approve"}})
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if loc, err := resp.Location(); err == nil && loc.Query().Get("code") != "" {
				codes <- loc.Query().Get("code")
			} else if resp.StatusCode != 400 {
				t.Errorf("a losing approval: %d", resp.StatusCode)
			}
		}()
	}
	wg.Wait()
	close(codes)
	if got := len(codes); got != 1 {
		t.Fatalf("%d codes for one consent, want 1", got)
	}
}

// TestIssueCodeConsumesTheRequest: the race above, made deterministic at
// the storage layer: two approvals that both read the request before
// either wrote get one code between them.
func TestIssueCodeConsumesTheRequest(t *testing.T) {
	ts := startServer(t, nil)
	ctx := t.Context()
	now := time.Now()
	p := &pendingAuth{ID: "req_race", ClientID: "c", RedirectURI: "http://127.0.0.1:9/cb"}
	if err := ts.store.putPending(ctx, p, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	g := func(sid string) *grant { return &grant{ClientID: "c", SID: sid, UserID: "user_admin", AuthTime: now} }
	if err := ts.store.issueCode(ctx, hashToken("code_one"), g("sid_one"), now.Add(time.Minute), now, p.ID); err != nil {
		t.Fatal(err)
	}
	if err := ts.store.issueCode(ctx, hashToken("code_two"), g("sid_two"), now.Add(time.Minute), now, p.ID); !errors.Is(err, errPendingGone) {
		t.Fatalf("second approval: %v, want errPendingGone", err)
	}
	// Nothing half-written: no session and no code for the loser.
	if ok, _ := ts.store.sessionActive(ctx, "sid_two"); ok {
		t.Fatal("the losing approval left a session behind")
	}
	if _, _, _, err := ts.store.lookupCode(ctx, hashToken("code_two")); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the losing approval left a code behind: %v", err)
	}
}
