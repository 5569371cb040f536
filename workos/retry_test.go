package workos

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/workos-mcp/workos-mcp/internal/openapi/openapitest"
)

// applyThenDrop is a fake API that applies every POST (counts it) and then drops the connection
// without answering: the client cannot know the write happened. GETs answer normally, so that a
// test can first put a kept-alive connection in the pool.
type applyThenDrop struct {
	applied atomic.Int32
}

func (f *applyThenDrop) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.ReadAll(r.Body)
	if r.Method == http.MethodGet {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"object":"list","data":[],"list_metadata":{}}`)
		return
	}
	f.applied.Add(1)
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	conn.Close()
}

// A POST that is applied and whose answer is lost is not retried (by the client, nor by
// net/http's transparent retry on a kept-alive connection): exactly one write, and an error that
// says the outcome is unknown.
func TestPostAppliedThenDroppedIsNotDuplicated(t *testing.T) {
	for _, warm := range []bool{false, true} {
		f := &applyThenDrop{}
		srv := httptest.NewServer(f)
		c := New(Options{BaseURL: srv.URL, APIKey: testKey, MaxRetries: 3, BackoffBase: time.Millisecond})
		ctx := context.Background()
		if warm { // a reused connection is where net/http would replay a request with an Idempotency-Key
			if _, err := c.Do(ctx, "GET", "/organizations", nil, nil, nil); err != nil {
				t.Fatal(err)
			}
		}
		for _, method := range []string{"POST", "PATCH"} {
			before := f.applied.Load()
			_, err := c.Do(ctx, method, "/organizations", nil, map[string]string{"name": "Once"}, nil)
			var ou *OutcomeUnknownError
			if !errors.Is(err, ErrOutcomeUnknown) || !errors.As(err, &ou) || ou.Method != method || ou.Path != "/organizations" {
				t.Fatalf("warm=%v %s: err %v, want an *OutcomeUnknownError", warm, method, err)
			}
			if !strings.Contains(err.Error(), "check before retrying") || strings.Contains(err.Error(), testKey) {
				t.Fatalf("message %q", err)
			}
			if n := f.applied.Load() - before; n != 1 {
				t.Fatalf("warm=%v %s: applied %d times, want exactly 1", warm, method, n)
			}
		}
		srv.Close()
	}
}

// PUT and DELETE are idempotent: a dropped answer is retried, as before.
func TestIdempotentMethodRetriedAfterDrop(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			conn, _, _ := http.NewResponseController(w).Hijack()
			conn.Close()
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"org_1"}`)
	}))
	defer srv.Close()
	c := New(Options{BaseURL: srv.URL, APIKey: testKey, BackoffBase: time.Millisecond})
	if _, err := c.Do(context.Background(), "PUT", "/organizations/org_1", nil, map[string]string{"name": "x"}, nil); err != nil || n.Load() != 2 {
		t.Fatalf("err %v after %d attempts, want success after 2", err, n.Load())
	}
}

// A POST the spec documents as idempotent (audit log events) is retried after a 5xx with the
// same key; another POST after a 5xx is not, and says the outcome is unknown.
func TestDocumentedIdempotentPostRetried(t *testing.T) {
	c, rc := newTestClient(t, func(n int, r *http.Request, body []byte) (int, http.Header, string) {
		if n == 0 || n == 2 {
			return 503, nil, `{"message":"unavailable"}`
		}
		return 200, nil, `{"success":true}`
	}, Options{BaseURL: "/prefix"})
	ctx := context.Background()
	if _, err := c.Do(ctx, "POST", "/audit_logs/events", nil, map[string]string{"organization_id": "org_1"}, nil); err != nil {
		t.Fatalf("audit event: %v", err)
	}
	if rc.count() != 2 || rc.get(0).Header.Get("Idempotency-Key") != rc.get(1).Header.Get("Idempotency-Key") {
		t.Fatalf("%d attempts, keys %q %q", rc.count(), rc.get(0).Header.Get("Idempotency-Key"), rc.get(1).Header.Get("Idempotency-Key"))
	}
	_, err := c.Do(ctx, "POST", "/organizations", nil, map[string]string{"name": "x"}, nil)
	var e *Error
	if !errors.Is(err, ErrOutcomeUnknown) || !errors.As(err, &e) || e.StatusCode != 503 || rc.count() != 3 {
		t.Fatalf("err %v after %d requests", err, rc.count())
	}
	// Matching is by template, under the base URL's path prefix.
	if !documentedIdempotent("POST", "/prefix/audit_logs/events", "/prefix") || documentedIdempotent("POST", "/audit_logs/events/x", "") {
		t.Fatal("documentedIdempotent")
	}
}

// IdempotentOperations is what the spec documents: every operation with an Idempotency-Key
// header parameter, and no other.
func TestIdempotentOperationsMatchSpec(t *testing.T) {
	documented := openapitest.IdempotentOperations(t)
	if got := slices.Sorted(slices.Values(IdempotentOperations)); !slices.Equal(got, documented) {
		t.Fatalf("IdempotentOperations = %v, the spec documents Idempotency-Key on %v", got, documented)
	}
}
