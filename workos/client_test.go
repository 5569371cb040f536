package workos

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const testKey = "sk_test_supersecretkey123456"

// recorder is a test API server that answers from a script and records what it got.
type recorder struct {
	mu       sync.Mutex
	requests []recorded
	answer   func(n int, r *http.Request, body []byte) (int, http.Header, string)
}

type recorded struct {
	Method, Path, Query, Body string
	Header                    http.Header
	// RequestURI is the request target as received, escapes and all.
	RequestURI string
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	n := len(rc.requests)
	rc.requests = append(rc.requests, recorded{r.Method, r.URL.Path, r.URL.RawQuery, string(body), r.Header.Clone(), r.RequestURI})
	rc.mu.Unlock()
	status, h, b := rc.answer(n, r, body)
	for k, vs := range h {
		w.Header()[k] = vs
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, b)
}

func (rc *recorder) count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.requests)
}

func (rc *recorder) get(i int) recorded {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.requests[i]
}

func newTestClient(t *testing.T, answer func(n int, r *http.Request, body []byte) (int, http.Header, string), opts Options) (*Client, *recorder) {
	t.Helper()
	rc := &recorder{answer: answer}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	if opts.BaseURL == "" {
		opts.BaseURL = srv.URL
	} else {
		opts.BaseURL = srv.URL + opts.BaseURL
	}
	if opts.APIKey == "" {
		opts.APIKey = testKey
	}
	if opts.BackoffBase == 0 {
		opts.BackoffBase = time.Millisecond
		opts.BackoffMax = 5 * time.Millisecond
	}
	return New(opts), rc
}

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

func TestDoSendsHeadersAndDecodes(t *testing.T) {
	c, rc := newTestClient(t, func(n int, r *http.Request, body []byte) (int, http.Header, string) {
		return 200, hdr("X-Request-Id", "req_1"), `{"object":"organization","id":"org_01ABC","name":"Acme"}`
	}, Options{BaseURL: "/workos/", UserAgent: "test-agent/1"})
	var out struct{ ID, Name string }
	resp, err := c.Do(context.Background(), "get", "/organizations/org_01ABC", url.Values{"x": {"1 2"}}, nil, &out)
	if err != nil {
		t.Fatal(err)
	}
	if out.ID != "org_01ABC" || out.Name != "Acme" || resp.RequestID != "req_1" || resp.StatusCode != 200 {
		t.Fatalf("got %+v %+v", out, resp)
	}
	got := rc.get(0)
	if got.Method != "GET" || got.Path != "/workos/organizations/org_01ABC" || got.Query != "x=1+2" {
		t.Fatalf("request %+v", got)
	}
	if got.Header.Get("Authorization") != "Bearer "+testKey || got.Header.Get("User-Agent") != "test-agent/1" {
		t.Fatalf("headers %v", got.Header)
	}
	if got.Header.Get("Idempotency-Key") != "" {
		t.Fatal("GET must not carry an Idempotency-Key")
	}
}

func TestDoBodies(t *testing.T) {
	c, rc := newTestClient(t, func(n int, r *http.Request, body []byte) (int, http.Header, string) {
		return 201, nil, `{"id":"org_1"}`
	}, Options{})
	ctx := context.Background()
	var raw json.RawMessage
	if _, err := c.Do(ctx, "POST", "/organizations", nil, []byte(`{"name":"a"}`), &raw); err != nil {
		t.Fatal(err)
	}
	if string(raw) != `{"id":"org_1"}` {
		t.Fatalf("raw %s", raw)
	}
	// An empty answer leaves a nil raw nil (it marshals as null, not as an error).
	empty, _ := newTestClient(t, func(n int, r *http.Request, body []byte) (int, http.Header, string) { return 204, nil, "" }, Options{})
	var none json.RawMessage
	if _, err := empty.Do(ctx, "DELETE", "/organizations/org_1", nil, nil, &none); err != nil || none != nil {
		t.Fatalf("empty answer: raw %q (nil: %v), %v", none, none == nil, err)
	}
	if _, err := c.Do(ctx, "POST", "/organizations", nil, json.RawMessage(`{"name":"b"}`), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Do(ctx, "PUT", "/organizations/org_1", nil, map[string]string{"name": "c"}, nil); err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{`{"name":"a"}`, `{"name":"b"}`, `{"name":"c"}`} {
		got := rc.get(i)
		if got.Body != want || got.Header.Get("Content-Type") != "application/json" {
			t.Errorf("request %d: body %q content-type %q", i, got.Body, got.Header.Get("Content-Type"))
		}
	}
	if k0, k1 := rc.get(0).Header.Get("Idempotency-Key"), rc.get(1).Header.Get("Idempotency-Key"); k0 == "" || k0 == k1 {
		t.Errorf("each POST needs its own key: %q %q", k0, k1)
	}
	if _, err := c.Do(ctx, "POST", "/x", nil, func() {}, nil); err == nil || rc.count() != 3 {
		t.Errorf("unmarshalable body: err %v, requests %d", err, rc.count())
	}
}

func TestRetry429ThenSuccessKeepsIdempotencyKey(t *testing.T) {
	c, rc := newTestClient(t, func(n int, r *http.Request, body []byte) (int, http.Header, string) {
		if n == 0 {
			return 429, hdr("Retry-After", "1"), `{"message":"Too many requests","code":"rate_limit_exceeded"}`
		}
		return 201, nil, `{"id":"org_1"}`
	}, Options{})
	start := time.Now()
	if _, err := c.Do(context.Background(), "POST", "/organizations", nil, map[string]string{"name": "a"}, nil); err != nil {
		t.Fatal(err)
	}
	if rc.count() != 2 {
		t.Fatalf("requests %d, want 2", rc.count())
	}
	if time.Since(start) < 900*time.Millisecond {
		t.Errorf("Retry-After: 1 not waited out (%v)", time.Since(start))
	}
	k0, k1 := rc.get(0).Header.Get("Idempotency-Key"), rc.get(1).Header.Get("Idempotency-Key")
	if k0 == "" || k0 != k1 {
		t.Fatalf("retry must reuse the key: %q %q", k0, k1)
	}
	if rc.get(0).Body != rc.get(1).Body {
		t.Fatal("retry body differs")
	}
}

func TestWithIdempotencyKey(t *testing.T) {
	c, rc := newTestClient(t, func(n int, r *http.Request, body []byte) (int, http.Header, string) {
		return 200, nil, `{}`
	}, Options{})
	ctx := WithIdempotencyKey(context.Background(), "my-key-1")
	if _, err := c.Do(ctx, "POST", "/x", nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	if got := rc.get(0).Header.Get("Idempotency-Key"); got != "my-key-1" {
		t.Fatalf("key %q", got)
	}
}

func TestRetry503Exhausted(t *testing.T) {
	var statuses []int
	var mu sync.Mutex
	c, rc := newTestClient(t, func(n int, r *http.Request, body []byte) (int, http.Header, string) {
		return 503, hdr("X-Request-Id", "req_"+strconv.Itoa(n)), `{"message":"unavailable"}`
	}, Options{MaxRetries: 2, OnResponse: func(method, path string, status int, d time.Duration) {
		mu.Lock()
		statuses = append(statuses, status)
		mu.Unlock()
		if method != "DELETE" || path != "/organizations/{id}" {
			t.Errorf("hook got %s %s", method, path)
		}
	}})
	resp, err := c.Do(context.Background(), "DELETE", "/organizations/org_01H", nil, nil, nil)
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != 503 || e.RequestID != "req_2" || e.Message != "unavailable" {
		t.Fatalf("err %#v", err)
	}
	if resp == nil || resp.StatusCode != 503 {
		t.Fatalf("resp %+v", resp)
	}
	if rc.count() != 3 {
		t.Fatalf("requests %d, want 3", rc.count())
	}
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(statuses) != "[503 503 503]" {
		t.Fatalf("hook statuses %v", statuses)
	}
}

func TestNoRetry(t *testing.T) {
	cases := []struct {
		name, method string
		status       int
		maxRetries   int
	}{
		{"patch after a 5xx", "PATCH", 503, 3},
		{"post after a 5xx", "POST", 503, 3},
		{"client error", "GET", 400, 3},
		{"not implemented", "GET", 501, 3},
		{"retries disabled", "GET", 503, -1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, rc := newTestClient(t, func(n int, r *http.Request, body []byte) (int, http.Header, string) {
				return tc.status, nil, `{"message":"no"}`
			}, Options{MaxRetries: tc.maxRetries})
			_, err := c.Do(context.Background(), tc.method, "/x", nil, nil, nil)
			var e *Error
			if !errors.As(err, &e) || e.StatusCode != tc.status {
				t.Fatalf("err %v", err)
			}
			if rc.count() != 1 {
				t.Fatalf("requests %d, want 1", rc.count())
			}
		})
	}
}

func TestRetryAfterBeyondCapIsNotWaited(t *testing.T) {
	c, rc := newTestClient(t, func(n int, r *http.Request, body []byte) (int, http.Header, string) {
		return 429, hdr("Retry-After", "3600"), `{"message":"slow down"}`
	}, Options{MaxRetryAfter: time.Second})
	_, err := c.Do(context.Background(), "GET", "/x", nil, nil, nil)
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != 429 || e.RetryAfter != time.Hour {
		t.Fatalf("err %#v", err)
	}
	if rc.count() != 1 {
		t.Fatalf("requests %d, want 1", rc.count())
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := map[string]time.Duration{
		"":     0,
		"2":    2 * time.Second,
		"0":    0,
		"-5":   0,
		"0.5":  500 * time.Millisecond,
		"soon": 0,
		now.Add(90 * time.Second).Format(http.TimeFormat): 90 * time.Second,
		now.Add(-time.Hour).Format(http.TimeFormat):       0,
	}
	for in, want := range cases {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestBackoffIsBoundedFullJitter(t *testing.T) {
	c := New(Options{BackoffBase: 100 * time.Millisecond, BackoffMax: time.Second})
	for attempt := 0; attempt < 70; attempt++ {
		ceil := min(time.Second, 100*time.Millisecond<<min(attempt, 20))
		for range 20 {
			if d := c.backoff(attempt); d < 0 || d >= ceil {
				t.Fatalf("attempt %d: %v outside [0,%v)", attempt, d, ceil)
			}
		}
	}
}

func TestContextCancelStopsRetrying(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, rc := newTestClient(t, func(n int, r *http.Request, body []byte) (int, http.Header, string) {
		cancel() // the client is now waiting a long Retry-After
		return 503, hdr("Retry-After", "20"), `{}`
	}, Options{MaxRetryAfter: time.Minute})
	done := make(chan error, 1)
	go func() {
		_, err := c.Do(ctx, "GET", "/x", nil, nil, nil)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err %v, want context.Canceled", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Do did not return after cancel")
	}
	if rc.count() != 1 {
		t.Fatalf("requests %d", rc.count())
	}
}

func TestDeadlineBeforeRetryReturnsServerError(t *testing.T) {
	c, rc := newTestClient(t, func(n int, r *http.Request, body []byte) (int, http.Header, string) {
		return 503, hdr("Retry-After", "30", "X-Request-Id", "req_x"), `{"message":"down"}`
	}, Options{MaxRetryAfter: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := c.Do(ctx, "GET", "/x", nil, nil, nil)
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != 503 || e.RetryAfter != 30*time.Second {
		t.Fatalf("err %v", err)
	}
	if rc.count() != 1 {
		t.Fatalf("requests %d", rc.count())
	}
}

func TestContextDeadlineDuringRequest(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	c, _ := newTestClient(t, func(n int, r *http.Request, body []byte) (int, http.Header, string) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
		return 200, nil, `{}`
	}, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := c.Do(ctx, "GET", "/slow", nil, nil, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v", err)
	}
}

func TestErrorDecoding(t *testing.T) {
	cases := []struct {
		name, body string
		status     int
		want       Error
	}{
		{"not found", `{"message":"Organization not found: 'org_1'.","code":"entity_not_found","entity_id":"org_1"}`, 404,
			Error{StatusCode: 404, Code: "entity_not_found", Message: "Organization not found: 'org_1'."}},
		{"field errors", `{"message":"Validation failed","code":"invalid_request_parameters","errors":[{"field":"name","code":"name_required","message":"Name is required"},{"code":"x"}]}`, 422,
			Error{StatusCode: 422, Code: "invalid_request_parameters", Message: "Validation failed",
				Errors: []FieldError{{Field: "name", Code: "name_required", Message: "Name is required"}, {Code: "x"}}}},
		{"instancePath", `{"message":"Invalid Audit Log event.","code":"invalid_audit_log_event","errors":[{"instancePath":"/targets","message":"must be array"}]}`, 400,
			Error{StatusCode: 400, Code: "invalid_audit_log_event", Message: "Invalid Audit Log event.", Errors: []FieldError{{Field: "/targets", Message: "must be array"}}}},
		{"oauth style", `{"error":"invalid_grant","error_description":"The code has expired."}`, 400,
			Error{StatusCode: 400, Code: "invalid_grant", Message: "The code has expired."}},
		{"not json", `<html>bad gateway</html>`, 400, Error{StatusCode: 400}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newTestClient(t, func(n int, r *http.Request, body []byte) (int, http.Header, string) {
				return tc.status, hdr("X-Request-Id", "req_9"), tc.body
			}, Options{})
			resp, err := c.Do(context.Background(), "GET", "/x", nil, nil, nil)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err %T %v", err, err)
			}
			tc.want.RequestID = "req_9"
			if fmt.Sprintf("%+v", *e) != fmt.Sprintf("%+v", tc.want) {
				t.Fatalf("got  %+v\nwant %+v", *e, tc.want)
			}
			if errors.Is(err, ErrNotFound) != (tc.status == 404) {
				t.Fatalf("errors.Is(ErrNotFound) wrong for %d", tc.status)
			}
			if string(resp.Body) != tc.body {
				t.Fatalf("body %q", resp.Body)
			}
			if !strings.Contains(err.Error(), "req_9") || !strings.Contains(err.Error(), strconv.Itoa(tc.status)) {
				t.Fatalf("message lacks status or request ID: %s", err)
			}
		})
	}
}

type leakyTransport struct{}

func (leakyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return nil, fmt.Errorf("proxy refused header %q", r.Header.Get("Authorization"))
}

func TestAPIKeyNeverInErrors(t *testing.T) {
	ctx := context.Background()
	var errs []error
	// The server echoes the key back in its error message.
	c, _ := newTestClient(t, func(n int, r *http.Request, body []byte) (int, http.Header, string) {
		b, _ := json.Marshal(map[string]any{"message": "bad key " + r.Header.Get("Authorization"), "code": "unauthorized",
			"errors": []map[string]string{{"field": testKey, "message": testKey}}})
		return 401, nil, string(b)
	}, Options{})
	_, err := c.Do(ctx, "GET", "/x", nil, nil, nil)
	errs = append(errs, err)
	// A transport that puts the header in its error.
	c2 := New(Options{BaseURL: "http://127.0.0.1:1", APIKey: testKey, MaxRetries: -1, HTTPClient: &http.Client{Transport: leakyTransport{}}})
	_, err = c2.Do(ctx, "GET", "/x", nil, nil, nil)
	errs = append(errs, err)
	// A refused connection (url.Error).
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.URL
	srv.Close()
	c3 := New(Options{BaseURL: addr, APIKey: testKey, MaxRetries: 1, BackoffBase: time.Millisecond})
	_, err = c3.Do(ctx, "POST", "/x", url.Values{"q": {"1"}}, nil, nil)
	errs = append(errs, err)
	// A key that cannot be a header value.
	c4 := New(Options{BaseURL: addr, APIKey: testKey + "\n"})
	_, err = c4.Do(ctx, "GET", "/x", nil, nil, nil)
	errs = append(errs, err)
	// Credentials in the base URL.
	c5 := New(Options{BaseURL: "https://user:" + testKey + "@api.example.com", APIKey: testKey})
	_, err = c5.Do(ctx, "GET", "/x", nil, nil, nil)
	errs = append(errs, err)
	c6 := New(Options{BaseURL: "ht tp://" + testKey + "%zz", APIKey: testKey})
	_, err = c6.Do(ctx, "GET", "/x", nil, nil, nil)
	errs = append(errs, err)
	for i, err := range errs {
		if err == nil {
			t.Fatalf("case %d: no error", i)
		}
		for _, s := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
			if strings.Contains(s, testKey) || strings.Contains(s, "supersecret") {
				t.Errorf("case %d leaks the key: %s", i, s)
			}
		}
		for u := errors.Unwrap(err); u != nil; u = errors.Unwrap(u) {
			if strings.Contains(u.Error(), testKey) {
				t.Errorf("case %d leaks the key through Unwrap: %s", i, u)
			}
		}
	}
}

func TestPathMustStayOnBase(t *testing.T) {
	c, rc := newTestClient(t, func(n int, r *http.Request, body []byte) (int, http.Header, string) {
		return 200, nil, `{}`
	}, Options{})
	for _, p := range []string{"", "organizations", "//evil.example/x", "@evil.example/x", "http://evil.example/x"} {
		if _, err := c.Do(context.Background(), "GET", p, nil, nil, nil); err == nil {
			t.Errorf("path %q accepted", p)
		}
	}
	if rc.count() != 0 {
		t.Fatalf("%d requests sent", rc.count())
	}
	// An encoded slash is refused (issue 9: a path cannot be bent, even by escaping); a
	// query in the path merges with query.
	if _, err := c.Do(context.Background(), "GET", "/organizations/"+url.PathEscape("a/b"), nil, nil, nil); !errors.Is(err, ErrInvalidPath) {
		t.Fatalf("encoded slash: %v", err)
	}
	if _, err := c.Do(context.Background(), "GET", "/organizations/a?x=1", url.Values{"y": {"2"}}, nil, nil); err != nil {
		t.Fatal(err)
	}
	if got := rc.get(0); got.Query != "x=1&y=2" {
		t.Fatalf("query %q", got.Query)
	}
}

func TestPathPattern(t *testing.T) {
	cases := map[string]string{
		"/organizations/org_01HXYZ":                     "/organizations/{id}",
		"/user_management/users/user_01ABC/sessions":    "/user_management/users/{id}/sessions",
		"/organizations/external_id/Acme-42":            "/organizations/external_id/{id}",
		"/user_management/organization_memberships?x=1": "/user_management/organization_memberships",
		"/":                         "/",
		"/authkit/oauth2/complete":  "/authkit/oauth2/complete",
		"/vault/v1/kv/secret_01ABC": "/vault/v1/kv/{id}",
	}
	for in, want := range cases {
		if got := PathPattern(in); got != want {
			t.Errorf("PathPattern(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNewIdempotencyKey(t *testing.T) {
	a, b := NewIdempotencyKey(), NewIdempotencyKey()
	if a == b || len(a) != 36 || a[14] != '4' {
		t.Fatalf("keys %q %q", a, b)
	}
}

func TestClientAndOptionsNeverPrintTheKey(t *testing.T) {
	opts := Options{BaseURL: "https://api.example.com", APIKey: testKey}
	c := New(opts)
	var buf strings.Builder
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	logger.Info("client", "client", c, "opts", opts)
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c), fmt.Sprintf("%v", opts),
		fmt.Sprintf("%+v", opts), fmt.Sprintf("%#v", opts), fmt.Sprintf("%v", &opts), buf.String()} {
		if strings.Contains(s, "supersecret") {
			t.Errorf("key printed: %s", s)
		}
		if !strings.Contains(s, "sk_test_[REDACTED]") {
			t.Errorf("key kind not shown: %s", s)
		}
	}
}

func TestLostDeleteThen404Succeeds(t *testing.T) {
	for _, method := range []string{"DELETE", "GET"} {
		c, rc := newTestClient(t, func(n int, r *http.Request, body []byte) (int, http.Header, string) {
			if n == 0 {
				return 503, nil, `{}`
			}
			return 404, nil, `{"code":"entity_not_found","message":"gone"}`
		}, Options{})
		_, err := c.Do(context.Background(), method, "/organizations/org_1", nil, nil, nil)
		if method == "DELETE" && err != nil {
			t.Fatalf("DELETE after a lost attempt: %v", err)
		}
		if method == "GET" && !errors.Is(err, ErrNotFound) {
			t.Fatalf("GET: %v", err)
		}
		if rc.count() != 2 {
			t.Fatalf("%s: %d requests", method, rc.count())
		}
	}
}

func TestTransportErrors(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.URL
	srv.Close()
	var mu sync.Mutex
	var statuses []int
	hook := func(method, path string, status int, d time.Duration) {
		mu.Lock()
		statuses = append(statuses, status)
		mu.Unlock()
	}
	for _, tc := range []struct {
		method   string
		attempts int
	}{{"GET", 3}, {"POST", 3}, {"PATCH", 3}} { // refused before sending: never applied, so every method retries
		statuses = nil
		c := New(Options{BaseURL: addr, APIKey: testKey, MaxRetries: 2, BackoffBase: time.Millisecond, OnResponse: hook})
		_, err := c.Do(context.Background(), tc.method, "/x", nil, nil, nil)
		var e *Error
		if err == nil || errors.As(err, &e) {
			t.Fatalf("%s: err %v, want a transport error", tc.method, err)
		}
		mu.Lock()
		got := fmt.Sprint(statuses)
		mu.Unlock()
		if want := fmt.Sprint(make([]int, tc.attempts)); got != want {
			t.Errorf("%s: hook statuses %s, want %s", tc.method, got, want)
		}
	}
}

// TestReadBody: a body of known length is read whole in one allocation, and what the length
// does not describe is still read to the limit (a longer body) or refused (a shorter one).
func TestReadBody(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		length     int64
		want       string
		err        bool
	}{
		{"exact", `{"a":1}`, 7, `{"a":1}`, false},
		{"empty", ``, 0, ``, false},
		{"unknown length", `{"a":1}`, -1, `{"a":1}`, false},
		{"longer than its length", `{"a":1}xyz`, 7, `{"a":1}xyz`, false},
		{"shorter than its length", `{"a"`, 7, ``, true},
	} {
		got, err := readBody(strings.NewReader(tc.body), tc.length)
		if (err != nil) != tc.err || (!tc.err && string(got) != tc.want) {
			t.Errorf("%s: %q %v", tc.name, got, err)
		}
	}
	// A HEAD response: a length, no body.
	if got, err := readBody(http.NoBody, 17); err != nil || len(got) != 0 {
		t.Errorf("HEAD: %q %v", got, err)
	}
	// A server that claims a large body and sends a byte: memory grows with what arrives, not
	// with what is claimed.
	claimed := int64(MaxResponseBytes)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := readBody(strings.NewReader("{"), claimed); err != nil {
		t.Errorf("claimed %d, sent 1: %v", claimed, err)
	}
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
		t.Errorf("a body claiming %d bytes and holding 1 allocated %d bytes", claimed, grew)
	}
	// Over the limit, with or without a length: one byte more than MaxResponseBytes is read, so
	// that the caller sees the body is too large.
	big := strings.Repeat("x", MaxResponseBytes+10)
	for _, n := range []int64{-1, 5, MaxResponseBytes + 10} {
		got, err := readBody(strings.NewReader(big), n)
		if err != nil || len(got) != MaxResponseBytes+1 {
			t.Errorf("length %d: %d bytes, %v", n, len(got), err)
		}
	}
	// A 20 KB answer of known length: the reader, the body and the one-byte probe past its end
	// (io.ReadAll would grow its buffer six times).
	page := strings.Repeat("x", 20<<10)
	allocs := testing.AllocsPerRun(100, func() { _, _ = readBody(strings.NewReader(page), int64(len(page))) })
	if allocs > 3 {
		t.Errorf("%v allocations for a body of known length", allocs)
	}
}
