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
