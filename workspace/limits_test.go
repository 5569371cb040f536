package workspace

import (
	"context"
	"log/slog"
	"math"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/workos-mcp/workos-mcp/internal/logtest"
	"github.com/workos-mcp/workos-mcp/internal/mcptest"
	"github.com/workos-mcp/workos-mcp/internal/redistest"
)

// frozenLimiter is an in-process limiter whose clock only moves when the test moves it.
func frozenLimiter() (*MemoryLimiter, func(time.Duration)) {
	var mu sync.Mutex
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := &MemoryLimiter{now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }}
	return l, func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
}

func TestMemoryLimiter(t *testing.T) {
	ctx := context.Background()
	l, advance := frozenLimiter()
	for i := range 3 {
		if ok, _, _ := l.Take(ctx, "a", 2, 3); !ok {
			t.Fatalf("take %d refused within the burst", i)
		}
	}
	ok, wait, _ := l.Take(ctx, "a", 2, 3)
	if ok || wait != 500*time.Millisecond {
		t.Fatalf("over the burst: ok=%v wait=%v, want refused, 500ms", ok, wait)
	}
	if ok, _, _ := l.Take(ctx, "b", 2, 3); !ok {
		t.Fatal("another bucket was limited")
	}
	advance(250 * time.Millisecond)
	if ok, wait, _ := l.Take(ctx, "a", 2, 3); ok || wait != 250*time.Millisecond {
		t.Fatalf("half refilled: ok=%v wait=%v", ok, wait)
	}
	advance(250 * time.Millisecond)
	if ok, _, _ := l.Take(ctx, "a", 2, 3); !ok {
		t.Fatal("refilled token refused")
	}
	// A long pause refills up to the burst, not beyond.
	advance(time.Hour)
	n := 0
	for range 10 {
		if ok, _, _ := l.Take(ctx, "a", 2, 3); ok {
			n++
		}
	}
	if n != 3 {
		t.Errorf("%d tokens after a long pause, want the burst (3)", n)
	}
}

func TestLimitKeysDoNotCollide(t *testing.T) {
	if limitKey("org_a", "user_b:c", "d") == limitKey("org_a", "user_b", "c:d") {
		t.Error("two people's buckets share a key")
	}
}

// workosCalls counts the calls sent to the managed environments for people's operations (not
// the team's audit log, profile look-ups, or the server's own probes of the team organization,
// which protection makes and caches).
func (f *fakeAPI) workosCalls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		if c != "POST /audit_logs/events" && c != "GET /organizations/"+teamOrg && !strings.HasPrefix(c, "GET /user_management/users/user_") {
			n++
		}
	}
	return n
}

// TestLimitStopsAgentStarvingTheKey is the attack: three loops of audit_configuration
// by a read-only person. Each underlying WorkOS call counts; once the person's bucket is empty
// nothing more is sent for them, the answer says when to retry, and another person (and the
// same person in another environment) is not limited.
func TestLimitStopsAgentStarvingTheKey(t *testing.T) {
	lim, _ := frozenLimiter()
	var logs logtest.Buffer
	var mu sync.Mutex
	toolOutcomes := map[Outcome]int{}
	h := newHarness(t, func(c *Config) {
		c.Limiter = lim
		c.Teams[0].Limits = Limits{PerSecond: 10, Burst: 20}
		c.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
		c.Hooks.ToolDuration = func(tool string, outcome Outcome, _ time.Duration) { mu.Lock(); toolOutcomes[outcome]++; mu.Unlock() }
	})
	viewer := h.connect("support-viewer", nil)
	before := h.api.workosCalls()
	limited := 0
	for round := range 10 {
		for loop := range 3 {
			text, _, _ := mcptest.Call(t, viewer, "audit_configuration", nil)
			if strings.Contains(text, "rate limited for you in sandbox: retry in 1s") {
				limited++
			} else if round > 5 {
				t.Fatalf("loop %d round %d not limited: %s", loop, round, text)
			}
		}
	}
	if limited == 0 {
		t.Fatal("thirty audit_configuration calls were never limited")
	}
	if sent := h.api.workosCalls() - before; sent > 20 {
		t.Errorf("%d WorkOS calls sent for one person, want at most the burst (20)", sent)
	}
	// The limited query says so and sends nothing.
	sent := h.api.workosCalls()
	mcptest.Fails(t, viewer, "query", map[string]any{"operation": "organizations.list"}, "rate limited for you in sandbox: retry in 1s")
	if h.api.workosCalls() != sent {
		t.Error("a limited call was sent")
	}
	// Another person, and the same person in production, are not limited.
	admin := mcptest.OK(t, h.connect("admin", nil), "audit_configuration", nil)
	if _, ok := admin["unavailable"]; ok {
		t.Errorf("another person was limited: %v", admin)
	}
	mcptest.OK(t, viewer, "query", map[string]any{"operation": "organizations.list", "environment": "production"})

	// Recorded: each limited read as a log line, the tool calls with their read counts, the
	// limited query as an event.
	evs := h.events(t)
	if got := eventsFor(evs, "workos_mcp.organizations.list", "limited"); len(got) != 1 ||
		got[0]["metadata"].(map[string]any)["reason"] != ErrLimited.Error() {
		t.Errorf("limited query events = %v", got)
	}
	var withLimitedReads int
	for _, ev := range evs {
		if ev["action"] == "workos_mcp.audit_configuration" && ev["actor"].(map[string]any)["id"] == "user_support-viewer" {
			if ev["metadata"].(map[string]any)["reads_limited"] != nil {
				withLimitedReads++
			}
		}
	}
	if withLimitedReads != limited {
		t.Errorf("%d audit_configuration events count limited reads, want %d", withLimitedReads, limited)
	}
	if !strings.Contains(logs.String(), `"outcome":"limited"`) {
		t.Error("no log line with outcome limited")
	}
	mu.Lock()
	defer mu.Unlock()
	if toolOutcomes[OutcomeLimited] == 0 {
		t.Errorf("tool outcomes = %v, want some limited", toolOutcomes)
	}
}

// TestLimitsPerEnvironment: an environment's override applies there only.
func TestLimitsPerEnvironment(t *testing.T) {
	lim, _ := frozenLimiter()
	h := newHarness(t, func(c *Config) {
		c.Limiter = lim
		c.Teams[0].Limits = Limits{PerSecond: 5, Burst: 10, Environments: map[string]Limits{"production": {Burst: 1}}}
	})
	cs := h.connect("admin", nil)
	prod := map[string]any{"operation": "organizations.list", "environment": "production"}
	mcptest.OK(t, cs, "query", prod)
	mcptest.Fails(t, cs, "query", prod, "rate limited for you in production: retry in 1s (at most 5 calls a second, bursts of 1")
	for range 10 {
		mcptest.OK(t, cs, "query", map[string]any{"operation": "organizations.list"})
	}
	mcptest.Fails(t, cs, "query", map[string]any{"operation": "organizations.list"}, "rate limited for you in sandbox")
}

func TestLimitsValidate(t *testing.T) {
	for _, tc := range []struct {
		limits Limits
		want   string
	}{
		{Limits{PerSecond: -1}, "teams[0].limits.per_second: -1: use a number above 0"},
		{Limits{PerSecond: math.Inf(1)}, "teams[0].limits.per_second: +Inf: use a number above 0"},
		{Limits{Burst: -3}, "teams[0].limits.burst: -3: use a whole number from 1 (0 means the default"},
		{Limits{Environments: map[string]Limits{"staging": {}}}, `teams[0].limits.environments.staging: "staging" is not one of this team's environments`},
		{Limits{Environments: map[string]Limits{"sandbox": {PerSecond: -2}}}, `teams[0].limits.environments.sandbox.per_second: -2`},
		{Limits{Environments: map[string]Limits{"sandbox": {Environments: map[string]Limits{"sandbox": {}}}}}, `teams[0].limits.environments.sandbox.environments: an environment's limits cannot nest environments`},
	} {
		cfg := Config{Teams: []Team{{OrganizationID: "org_t", Limits: tc.limits,
			Environments: []Environment{{Name: "sandbox", Kind: KindSandbox, APIKey: "sk_test_x"}}}}}
		_, err := New(cfg, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("limits %+v: error %v, want %q", tc.limits, err, tc.want)
		}
	}
}

// TestLimiterOutageFallsBack: when the shared limiter fails, calls are limited in-process
// rather than refused outright or let through without a limit.
func TestLimiterOutageFallsBack(t *testing.T) {
	rc := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: time.Second})
	t.Cleanup(func() { rc.Close() })
	h := newHarness(t, func(c *Config) {
		c.Limiter = NewRedisLimiter(rc, "")
		c.Teams[0].Limits = Limits{PerSecond: 0.001, Burst: 2}
	})
	cs := h.connect("admin", nil)
	mcptest.OK(t, cs, "query", map[string]any{"operation": "organizations.list"})
	mcptest.OK(t, cs, "query", map[string]any{"operation": "organizations.list"})
	mcptest.Fails(t, cs, "query", map[string]any{"operation": "organizations.list"}, "rate limited for you in sandbox")
}

// TestRedisLimiter: replicas share each person's bucket through Redis.
func TestRedisLimiter(t *testing.T) {
	prefix := testPrefix(t)
	a, b := NewRedisLimiter(redistest.Client(t), prefix), NewRedisLimiter(redistest.Client(t), prefix)
	ctx := context.Background()
	for i := range 4 {
		l := a
		if i%2 == 1 {
			l = b
		}
		if ok, _, err := l.Take(ctx, "p", 0.01, 4); err != nil || !ok {
			t.Fatalf("take %d: %v %v", i, ok, err)
		}
	}
	ok, wait, err := b.Take(ctx, "p", 0.01, 4)
	if err != nil || ok || wait < 90*time.Second || wait > 100*time.Second {
		t.Fatalf("over the burst: ok=%v wait=%v err=%v, want refused with about 100s", ok, wait, err)
	}
	if ok, _, err := a.Take(ctx, "q", 0.01, 4); err != nil || !ok {
		t.Fatalf("another bucket: %v %v", ok, err)
	}
	// The bucket expires once it would be full again: no key lives forever.
	ttl, err := redistest.Client(t).PTTL(ctx, prefix+"p").Result()
	if err != nil || ttl <= 0 || ttl > 402*time.Second {
		t.Errorf("bucket TTL = %v, %v", ttl, err)
	}
}

// TestRedisLimitAcrossReplicas: the attack against two replicas sharing Redis: the
// read-only person is limited on the second replica by what they spent on the first; another
// person is not.
func TestRedisLimitAcrossReplicas(t *testing.T) {
	prefix := testPrefix(t)
	replica := func() *harness {
		return newHarness(t, func(c *Config) {
			c.Limiter = NewRedisLimiter(redistest.Client(t), prefix)
			c.Teams[0].Limits = Limits{PerSecond: 0.01, Burst: 12}
		})
	}
	a, b := replica(), replica()
	viewerA, viewerB := a.connect("support-viewer", nil), b.connect("support-viewer", nil)
	limited := false
	for i := 0; i < 20 && !limited; i++ {
		text, _, _ := mcptest.Call(t, viewerA, "audit_configuration", nil)
		limited = strings.Contains(text, "rate limited for you in sandbox")
	}
	if !limited {
		t.Fatal("twenty audit_configuration calls were never limited")
	}
	mcptest.Fails(t, viewerB, "query", map[string]any{"operation": "organizations.list"}, "rate limited for you in sandbox")
	mcptest.OK(t, b.connect("admin", nil), "query", map[string]any{"operation": "organizations.list"})
}

// TestRedisRecordQueue: oldest first, shared by replicas.
func TestRedisRecordQueue(t *testing.T) {
	key := testPrefix(t) + "records"
	a, b := NewRedisRecordQueue(redistest.Client(t), key), NewRedisRecordQueue(redistest.Client(t), key)
	ctx := context.Background()
	for _, s := range []string{"a", "b", "c"} {
		if err := a.Push(ctx, []byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := b.Len(ctx); err != nil || n != 3 {
		t.Fatalf("Len = %d, %v", n, err)
	}
	var got string
	for range 4 {
		h, item, ok, err := b.Oldest(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		got += string(item)
		if err := a.Remove(ctx, h); err != nil {
			t.Fatal(err)
		}
	}
	if got != "abc" {
		t.Errorf("order = %q", got)
	}
}

// BenchmarkLimiterTake compares one token taken in-process and through Redis (with
// WORKOS_MCP_TEST_REDIS): the cost the limit adds to every operation the pipeline sends.
func BenchmarkLimiterTake(b *testing.B) {
	ctx := context.Background()
	b.Run("memory", func(b *testing.B) {
		l := &MemoryLimiter{}
		for i := 0; b.Loop(); i++ {
			_, _, _ = l.Take(ctx, limitKey("org_t", "user_"+string(rune('a'+i%26)), "sandbox"), 1e9, 1e9)
		}
	})
	b.Run("redis", func(b *testing.B) {
		if os.Getenv("WORKOS_MCP_TEST_REDIS") == "" {
			b.Skip("WORKOS_MCP_TEST_REDIS is not set")
		}
		rc := redis.NewClient(mustRedisOptions(b))
		defer rc.Close()
		l := NewRedisLimiter(rc, "workos-mcp-bench:"+newTokenID()+":")
		for i := 0; b.Loop(); i++ {
			if _, _, err := l.Take(ctx, limitKey("org_t", "user_"+string(rune('a'+i%26)), "sandbox"), 1e9, 1e9); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func mustRedisOptions(b *testing.B) *redis.Options {
	opts, err := redis.ParseURL(os.Getenv("WORKOS_MCP_TEST_REDIS"))
	if err != nil {
		b.Fatal("WORKOS_MCP_TEST_REDIS is not a valid redis:// URL")
	}
	return opts
}
