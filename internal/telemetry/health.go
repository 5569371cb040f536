package telemetry

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"
)

// Check is one named readiness check.
type Check struct {
	Name string
	// Fn returns nil when the dependency is ready. It gets a context bounded by the check
	// timeout.
	Fn func(ctx context.Context) error
}

// CheckTimeout bounds each readiness check.
const CheckTimeout = 5 * time.Second

// Healthz answers 200 while the process serves HTTP at all (liveness).
func Healthz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
	})
}

// Readyz runs every check concurrently and answers 200 when all pass, else 503, with each
// check's outcome in the body: {"status":"ready"|"not_ready","checks":{"name":"ok"|"error text"}}.
func Readyz(checks ...Check) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		results := make(map[string]string, len(checks))
		var mu sync.Mutex
		var wg sync.WaitGroup
		ready := true
		for _, c := range checks {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx, cancel := context.WithTimeout(r.Context(), CheckTimeout)
				defer cancel()
				err := c.Fn(ctx)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					ready = false
					results[c.Name] = secretValue.ReplaceAllString(err.Error(), redacted)
				} else {
					results[c.Name] = "ok"
				}
			}()
		}
		wg.Wait()
		status, code := "ready", http.StatusOK
		if !ready {
			status, code = "not_ready", http.StatusServiceUnavailable
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(map[string]any{"status": status, "checks": results})
	})
}
