package openapitest_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/workos-mcp/workos-mcp/internal/openapi"
	"github.com/workos-mcp/workos-mcp/internal/openapi/openapitest"
)

// recorder captures Errorf calls instead of failing the test.
type recorder struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, format)
}

func TestHandlerReportsThroughTB(t *testing.T) {
	spec := openapitest.Spec(t)
	rec := &recorder{TB: t}
	h := openapitest.Handler(rec, spec, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"object":"list"}`)
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/organizations")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	srv.Close() // waits for the handler, which reports after responding
	if len(rec.errs) != 1 || !strings.Contains(rec.errs[0], "does not conform") {
		t.Fatalf("errors = %v, want one conformance failure", rec.errs)
	}
}

// stopTB records how Spec gave up, and stops the goroutine as testing.TB does.
type stopTB struct {
	testing.TB
	how, msg string
}

func (s *stopTB) Helper() {}

func (s *stopTB) Skipf(format string, args ...any) {
	s.how, s.msg = "skip", fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (s *stopTB) Fatalf(format string, args ...any) {
	s.how, s.msg = "fatal", fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestMissingSpecSkipsOrFailsUnderCI(t *testing.T) {
	t.Setenv(openapi.EnvSpecPath, filepath.Join(t.TempDir(), "absent.yaml"))
	for _, c := range []struct{ ci, want string }{{"", "skip"}, {"true", "fatal"}} {
		t.Setenv("CI", c.ci)
		tb := &stopTB{TB: t}
		done := make(chan struct{})
		go func() {
			defer close(done)
			openapitest.Spec(tb)
		}()
		<-done
		if tb.how != c.want || !strings.Contains(tb.msg, "spec") {
			t.Errorf("CI=%q: %s %q, want %s with a plain message", c.ci, tb.how, tb.msg, c.want)
		}
	}
}

// Middleware reports wrong shapes and successes outside the spec, and lets pass what the spec
// cannot judge: undocumented error statuses, 404s on unknown paths, the emulator's own aids.
func TestMiddlewarePolicy(t *testing.T) {
	openapitest.Spec(t) // skip (or fail under CI) without the spec
	rec := &recorder{TB: t}
	h := openapitest.Middleware(rec)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		status := http.StatusOK
		fmt.Sscan(r.URL.Query().Get("status"), &status)
		w.WriteHeader(status)
		io.WriteString(w, `{"object":"list"}`)
	}))
	for _, c := range []struct {
		path   string
		report bool
	}{
		{"/organizations?status=200", true},                 // wrong shape
		{"/organizations?status=401", false},                // undocumented error status
		{"/organizations?status=503", false},                // injected fault
		{"/not_a_workos_path?status=404", false},            // unknown path, answered 404
		{"/not_a_workos_path?status=200", true},             // a success outside the spec
		{"/not_a_workos_path?status=405", false},            // a refused method
		{"/_emulator/outbox?status=200", false},             // the emulator's test aid
		{"/organizations/org_1?status=404", true},           // a documented error with the wrong body
		{"/user_management/users?status=200", true},         // wrong shape again
		{"/connections/conn_1?status=500", false},           // server error
		{"/organizations/org_1/api_keys?status=429", false}, // rate limited
	} {
		before := len(rec.errs)
		srv := httptest.NewServer(h)
		resp, err := http.Get(srv.URL + c.path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		srv.Close() // waits for the handler, which reports after responding
		rec.mu.Lock()
		got := len(rec.errs) > before
		rec.mu.Unlock()
		if got != c.report {
			t.Errorf("%s: reported %v, want %v", c.path, got, c.report)
		}
	}
}
