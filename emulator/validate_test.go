package emulator

import (
	"net/http"
	"os"
	"sync"
	"testing"

	"github.com/workos-mcp/workos-mcp/internal/openapi"
	"github.com/workos-mcp/workos-mcp/internal/openapi/openapitest"
)

var (
	specOnce sync.Once
	spec     *openapi.Spec
	specErr  error
)

// Every response served in these tests is validated against the WorkOS OpenAPI spec: a body
// that does not match its operation's response schema fails the test, and so does a success on a
// path the spec does not have. Error statuses an operation does not document (401, 429, injected
// faults…) and the emulator's own aids are not judged (openapitest.Middleware). Without the spec
// file the validation is skipped with a log line, except under CI where it fails.
func init() {
	wrapHandler = func(t testing.TB, h http.Handler) http.Handler {
		t.Helper()
		return openapitest.Middleware(t)(h)
	}
}

func loadSpecForTests() (*openapi.Spec, error) { return openapi.LoadDefault() }

func skipOrFailWithoutSpec(t *testing.T, err error) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("WorkOS OpenAPI spec: %v", err)
	}
	t.Skipf("WorkOS OpenAPI spec not available: %v", err)
}
