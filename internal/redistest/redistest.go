// Package redistest gives tests the Redis they may use: the one WORKOS_MCP_TEST_REDIS names (a
// redis:// URL; .ci/run starts a server and uses database 15). Without it a test skips, except
// under CI=true, where it fails: CI must never pass by skipping the shared-store tests.
package redistest

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// EnvURL is the environment variable naming the tests' Redis.
const EnvURL = "WORKOS_MCP_TEST_REDIS"

// URL is the tests' Redis URL; without one the test skips, or fails under CI=true.
func URL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv(EnvURL)
	if u == "" {
		if os.Getenv("CI") == "true" {
			tb.Fatal(EnvURL + " is not set (CI=true): set it to a redis:// URL, e.g. redis://127.0.0.1:6379/15")
		}
		tb.Skip(EnvURL + " is not set: skipping the Redis tests (set it to e.g. redis://127.0.0.1:6379/15)")
	}
	return u
}

// Client is a new client of the tests' Redis (see URL), closed when the test ends; each call
// returns a separate client, as a separate replica would have. A URL that is not redis://, or a
// server that does not answer, fails the test: reachability is the point of these tests.
func Client(tb testing.TB) redis.UniversalClient {
	tb.Helper()
	opts, err := redis.ParseURL(URL(tb))
	if err != nil {
		tb.Fatal(EnvURL + " is not a valid redis:// URL") // the URL may carry a password: not echoed
	}
	c := redis.NewClient(opts)
	tb.Cleanup(func() { c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		tb.Fatalf("Redis at %s is unreachable: %v", EnvURL, err)
	}
	return c
}
