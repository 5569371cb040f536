package workos

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// hostileSegments are values that must never fill a path parameter.
var hostileSegments = []string{
	"", ".", "..", "...", "a/../b", "../x", "x/..", "%2e%2e", "%2E%2E", "%2F", "a%2fb", `\`, `..\x`,
	" x", "x ", "x\n", "x\r", "x\t", "x\x00", "x\x7f", "\u2024\u2024", "\uff0e\uff0e", "é",
	"..;", ";x", "/", "?x=1", "#", "a#b", "a?b", strings.Repeat("a", MaxPathSegment+1), strings.Repeat("a", 10<<10),
}

// validSegments are what real WorkOS path values look like.
var validSegments = []string{
	"org_01HXYZABCDEF", "posts:read", "user.signed_in", "auth0|123", "alice+test@acme.test",
	"client_01H", "Z3JhbmQtdG9rZW4", "a.b", ".well", "x..y", "A-Z_0~9", "a,b", "a=b&c", "[x]",
	"a'b(c)!*", `a"b`, "{x}", "a$b", strings.Repeat("a", MaxPathSegment),
}

func TestCheckPathSegment(t *testing.T) {
	for _, v := range hostileSegments {
		err := CheckPathSegment(v)
		if !errors.Is(err, ErrInvalidPath) {
			t.Errorf("CheckPathSegment(%q) = %v, want ErrInvalidPath", v, err)
			continue
		}
		if len(v) > 1 && strings.Contains(err.Error(), v) {
			t.Errorf("the error quotes the value: %v", err)
		}
	}
	for _, v := range validSegments {
		if err := CheckPathSegment(v); err != nil {
			t.Errorf("CheckPathSegment(%q) = %v, want nil", v, err)
		}
	}
}

func TestDoTemplateSendsOneSegmentPerParameter(t *testing.T) {
	c, rc := newTestClient(t, func(n int, r *http.Request, body []byte) (int, http.Header, string) {
		return 200, nil, `{}`
	}, Options{BaseURL: "/base"})
	ctx := context.Background()
	for i, v := range validSegments {
		_, err := c.DoTemplate(ctx, "DELETE", "/organizations/{organizationId}/groups/{groupId}/x",
			map[string]string{"organizationId": "org_1", "groupId": v}, url.Values{"q": {"1"}}, nil, nil)
		if err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		got := rc.get(i)
		want := "/base/organizations/org_1/groups/" + url.PathEscape(v) + "/x?q=1"
		if got.RequestURI != want || got.Path != "/base/organizations/org_1/groups/"+v+"/x" || got.Method != "DELETE" {
			t.Errorf("%q sent as %s %s (%s), want %s", v, got.Method, got.RequestURI, got.Path, want)
		}
	}
	before := rc.count()
	for _, v := range hostileSegments {
		_, err := c.DoTemplate(ctx, "DELETE", "/organizations/{organizationId}/groups/{groupId}/x",
			map[string]string{"organizationId": "org_1", "groupId": v}, nil, nil, nil)
		var pe *PathError
		if !errors.As(err, &pe) || pe.Param != "groupId" {
			t.Errorf("%q: %v, want a *PathError naming groupId", v, err)
		}
	}
	// Templates and parameter sets that do not fit each other.
	for _, tc := range []struct {
		tmpl   string
		params map[string]string
	}{
		{"/organizations/{id}", nil},
		{"/organizations/{id}", map[string]string{"id": "a", "other": "b"}},
		{"/organizations/{id}x", map[string]string{"id": "a"}},
		{"/organizations/../{id}", map[string]string{"id": "a"}},
		{"organizations/{id}", map[string]string{"id": "a"}},
		{"/organizations/{id}?x=1", map[string]string{"id": "a"}},
		{"//evil.example/{id}", map[string]string{"id": "a"}},
	} {
		if _, err := c.DoTemplate(ctx, "GET", tc.tmpl, tc.params, nil, nil, nil); !errors.Is(err, ErrInvalidPath) {
			t.Errorf("%s %v: %v, want ErrInvalidPath", tc.tmpl, tc.params, err)
		}
	}
	if rc.count() != before {
		t.Fatalf("%d refused requests were sent", rc.count()-before)
	}
}

func TestDoRefusesBentPaths(t *testing.T) {
	c, rc := newTestClient(t, func(n int, r *http.Request, body []byte) (int, http.Header, string) {
		return 200, nil, `{}`
	}, Options{})
	for _, p := range []string{
		"/organizations/..", "/organizations/.", "/organizations/../x", "/a/./b", "/a//b", "/a/", "/a/%2e%2e",
		"/a/%2E", "/a/.%2e/b", "/a/b%2Fc", "/a/b%5cc", `/a\b`, "/a/%252e%252e", "/a/b%00", "/a/x#frag", "/a/%zz",
		"/a/...",
	} {
		if _, err := c.Do(context.Background(), "GET", p, nil, nil, nil); !errors.Is(err, ErrInvalidPath) {
			t.Errorf("Do(%q) = %v, want ErrInvalidPath", p, err)
		}
	}
	if rc.count() != 0 {
		t.Fatalf("%d bent paths were sent", rc.count())
	}
	if _, err := c.Do(context.Background(), "GET", "/organizations/org_1?x=..", nil, nil, nil); err != nil {
		t.Fatalf("dots in the query are not a path: %v", err)
	}
}

// TestRedirectIsNeverFollowed: an upstream 3xx to another origin receives nothing, not even
// the request, and the error does not echo the Location.
func TestRedirectIsNeverFollowed(t *testing.T) {
	var mu sync.Mutex
	evilRequests, evilAuth := 0, 0
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		evilRequests++
		if r.Header.Get("Authorization") != "" {
			evilAuth++
		}
	}))
	t.Cleanup(evil.Close)
	for _, status := range []int{301, 302, 303, 307, 308} {
		location := evil.URL + "/steal?X-Amz-Signature=topsecret"
		c, rc := newTestClient(t, func(n int, r *http.Request, body []byte) (int, http.Header, string) {
			return status, hdr("Location", location), `{"message":"moved to ` + location + `"}`
		}, Options{HTTPClient: &http.Client{}})
		for _, method := range []string{"GET", "POST", "DELETE"} {
			resp, err := c.Do(context.Background(), method, "/organizations/org_1", nil, nil, nil)
			var we *Error
			if !errors.As(err, &we) || we.StatusCode != status || we.Code != "unexpected_redirect" {
				t.Fatalf("%d %s: %v, want an unexpected_redirect *Error", status, method, err)
			}
			if strings.Contains(err.Error(), "topsecret") || strings.Contains(err.Error(), evil.URL) {
				t.Errorf("%d %s: the error echoes the Location: %v", status, method, err)
			}
			if resp == nil || resp.Header.Get("Location") != "" || resp.Body != nil {
				t.Errorf("%d %s: the response still carries the redirect: %+v", status, method, resp)
			}
		}
		if rc.count() != 3 {
			t.Errorf("%d: %d requests to the API, want 3 (a redirect is not retried)", status, rc.count())
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if evilRequests != 0 || evilAuth != 0 {
		t.Fatalf("the other origin received %d requests (%d with Authorization)", evilRequests, evilAuth)
	}
}

// TestCallersHTTPClientUntouched: the client changes a copy of the caller's http.Client.
func TestCallersHTTPClientUntouched(t *testing.T) {
	hc := &http.Client{}
	_ = New(Options{HTTPClient: hc})
	if hc.CheckRedirect != nil {
		t.Fatal("New changed the caller's http.Client")
	}
}

// FuzzPathParams: whatever fills a path parameter, either nothing is sent, or exactly one
// request whose path is the template with one segment equal to the escaped input (which
// decodes to the input), never a dot segment.
func FuzzPathParams(f *testing.F) {
	for _, v := range append(append([]string{}, hostileSegments...), validSegments...) {
		f.Add(v)
	}
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.RequestURI)
		mu.Unlock()
		w.WriteHeader(204)
	}))
	f.Cleanup(srv.Close)
	c := New(Options{BaseURL: srv.URL + "/v", APIKey: testKey, MaxRetries: -1})
	f.Fuzz(func(t *testing.T, v string) {
		mu.Lock()
		got = got[:0]
		mu.Unlock()
		_, err := c.DoTemplate(context.Background(), "DELETE", "/organizations/{id}/roles/{slug}",
			map[string]string{"id": "org_1", "slug": v}, nil, nil, nil)
		mu.Lock()
		sent := append([]string(nil), got...)
		mu.Unlock()
		if err != nil {
			if !errors.Is(err, ErrInvalidPath) {
				t.Fatalf("%q: unexpected error %v", v, err)
			}
			if len(sent) != 0 {
				t.Fatalf("%q refused but sent %v", v, sent)
			}
			return
		}
		if len(sent) != 1 {
			t.Fatalf("%q: %d requests", v, len(sent))
		}
		segs := strings.Split(sent[0], "/")
		if len(segs) != 6 || segs[1] != "v" || segs[2] != "organizations" || segs[3] != "org_1" || segs[4] != "roles" {
			t.Fatalf("%q sent as %s", v, sent[0])
		}
		dec, derr := url.PathUnescape(segs[5])
		if segs[5] != url.PathEscape(v) || derr != nil || dec != v {
			t.Fatalf("%q sent as segment %q", v, segs[5])
		}
		if strings.Trim(dec, ".") == "" {
			t.Fatalf("%q: a dot segment was sent", v)
		}
	})
}
