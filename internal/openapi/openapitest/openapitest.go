// Package openapitest loads the WorkOS OpenAPI spec for tests: a missing spec skips the test
// with a plain message, or fails it when CI=true (CI must never skip the contract).
package openapitest

import (
	"errors"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/workos-mcp/workos-mcp/internal/openapi"
)

// Spec returns the parsed spec, or skips (fails under CI=true) when it cannot be found or read.
func Spec(tb testing.TB) *openapi.Spec {
	tb.Helper()
	s, err := openapi.LoadDefault()
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("WorkOS OpenAPI spec required under CI=true: %v", err)
		}
		tb.Skipf("skipping: WorkOS OpenAPI spec unavailable (%v); set %s or check out ../shared/workos-openapi", err, openapi.EnvSpecPath)
	}
	return s
}

// IdempotentOperations lists, sorted, the keys ("POST /path") of the operations whose spec
// documents an Idempotency-Key header: where the client may retry a write and the emulator's
// strict mode honours the header, and nowhere else. Without the spec it skips as Spec does.
func IdempotentOperations(tb testing.TB) []string {
	tb.Helper()
	var documented []string
	for _, op := range Spec(tb).Operations {
		for _, p := range op.Parameters {
			if p.In == "header" && strings.EqualFold(p.Name, "Idempotency-Key") {
				documented = append(documented, op.Key())
			}
		}
	}
	slices.Sort(documented)
	return documented
}

// Handler wraps h so that every response that does not conform to the spec fails tb (with
// tb.Errorf, so the test goes on and reports them all). Use it around an emulator in any test:
//
//	srv := httptest.NewServer(openapitest.Handler(t, openapitest.Spec(t), emu.Handler()))
func Handler(tb testing.TB, spec *openapi.Spec, h http.Handler) http.Handler {
	return openapi.ValidatingHandler(spec, h, func(err error) {
		tb.Errorf("response does not conform to the WorkOS OpenAPI spec: %v", err)
	})
}

// Middleware returns a wrapper that validates every response of a WorkOS API emulator against
// the spec, failing tb (Errorf) for each non-conforming one. It is meant for suites that run the
// emulator inside something larger (emulator.Emulator.Wrap, httptest servers) and so see traffic
// the spec cannot judge; these pass:
//   - an error status the operation does not document (401 for a bad key, 429 from the rate
//     limiter, injected 5xx faults, 404 for an unknown ID on a delete): there is no schema to check;
//   - an error for a path or method the spec does not have (404, 405): WorkOS refuses them too;
//   - the emulator's own test aids under /_emulator/.
//
// Everything else — a success with the wrong shape, a documented error with the wrong body, a
// 2xx on a path the spec does not have — is reported. Without the spec, Middleware logs that
// responses are not validated and returns the identity wrapper; under CI=true it fails tb.
// Reports arriving after tb's cleanup (a background call still in flight) are dropped.
func Middleware(tb testing.TB) func(http.Handler) http.Handler {
	tb.Helper()
	spec, err := openapi.LoadDefault()
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("WorkOS OpenAPI spec required under CI=true: %v", err)
		}
		tb.Logf("emulator responses NOT validated: WorkOS OpenAPI spec unavailable: %v", err)
		return func(h http.Handler) http.Handler { return h }
	}
	var done atomic.Bool
	tb.Cleanup(func() { done.Store(true) })
	report := func(err error) {
		if Ignorable(err) || done.Load() {
			return
		}
		tb.Errorf("emulator response does not conform to the WorkOS OpenAPI spec: %v", err)
	}
	return func(h http.Handler) http.Handler { return openapi.ValidatingHandler(spec, h, report) }
}

// Ignorable says whether a validation error is one Middleware lets pass (see there).
func Ignorable(err error) bool {
	var ve *openapi.ValidationError
	if !errors.As(err, &ve) {
		return false
	}
	switch {
	case strings.HasPrefix(ve.Path, "/_emulator/"):
		return true
	case errors.Is(err, openapi.ErrNotInSpec):
		return ve.Status >= 400
	case errors.Is(err, openapi.ErrUndocumentedStatus):
		return ve.Status >= 400
	}
	return false
}
