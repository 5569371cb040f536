package workspace

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/redis/go-redis/v9"

	"github.com/workos-mcp/workos-mcp/internal/mcptest"
	"github.com/workos-mcp/workos-mcp/internal/redistest"
)

// testPrefix keeps each test's keys apart from other runs sharing the database.
func testPrefix(t *testing.T) string {
	return "workos-mcp-test:" + t.Name() + ":" + newTokenID() + ":"
}

func TestRedisUsedTokens(t *testing.T) {
	c := redistest.Client(t)
	prefix := testPrefix(t)
	store := NewRedisUsedTokens(c, prefix)
	ctx := context.Background()
	id := newTokenID()

	first, err := store.MarkUsed(ctx, id, time.Now().Add(5*time.Minute))
	if err != nil || !first {
		t.Fatalf("first use = %v, %v; want true", first, err)
	}
	again, err := store.MarkUsed(ctx, id, time.Now().Add(5*time.Minute))
	if err != nil || again {
		t.Fatalf("replay = %v, %v; want false", again, err)
	}
	// Another replica's store (its own client) sees the same mark.
	other := NewRedisUsedTokens(redistest.Client(t), prefix)
	if again, err := other.MarkUsed(ctx, id, time.Now().Add(5*time.Minute)); err != nil || again {
		t.Fatalf("replay on another replica = %v, %v; want false", again, err)
	}

	// The key expires with the token.
	pttl, err := c.PTTL(ctx, prefix+id).Result()
	if err != nil || pttl <= 4*time.Minute || pttl > 5*time.Minute {
		t.Fatalf("PTTL = %v, %v; want about 5m", pttl, err)
	}
	short := newTokenID()
	if ok, err := store.MarkUsed(ctx, short, time.Now().Add(1500*time.Millisecond)); err != nil || !ok {
		t.Fatalf("short token: %v, %v", ok, err)
	}
	if pttl, err := c.PTTL(ctx, prefix+short).Result(); err != nil || pttl <= 0 || pttl > 1500*time.Millisecond {
		t.Fatalf("short PTTL = %v, %v; want (0, 1.5s]", pttl, err)
	}
	// An already-expired token still gets a bounded key, never one that lives forever.
	past := newTokenID()
	if _, err := store.MarkUsed(ctx, past, time.Now().Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if pttl, err := c.PTTL(ctx, prefix+past).Result(); err != nil || pttl <= 0 || pttl > time.Second {
		t.Fatalf("past PTTL = %v, %v; want (0, 1s]", pttl, err)
	}
	// The key holds nothing but a marker, and its name only the random ID.
	if v, err := c.Get(ctx, prefix+id).Result(); err != nil || v != "1" {
		t.Fatalf("value = %q, %v", v, err)
	}
	if keys, err := c.Keys(ctx, prefix+"*").Result(); err != nil || len(keys) != 3 {
		t.Fatalf("keys = %v, %v; want 3", keys, err)
	}
	c.Del(ctx, prefix+id, prefix+short, prefix+past)
}

func TestRedisUsedTokensConcurrentReplicas(t *testing.T) {
	prefix := testPrefix(t)
	replicas := []*RedisUsedTokens{NewRedisUsedTokens(redistest.Client(t), prefix), NewRedisUsedTokens(redistest.Client(t), prefix)}
	id := newTokenID()
	exp := time.Now().Add(time.Minute)
	const n = 20
	var wins, errs atomic.Int32
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			first, err := replicas[i%2].MarkUsed(ctx, id, exp)
			if err != nil {
				errs.Add(1)
			} else if first {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 || errs.Load() != 0 {
		t.Fatalf("winners = %d, errors = %d; want exactly one winner and no error", wins.Load(), errs.Load())
	}
}

func TestRedisUsedTokensUnreachable(t *testing.T) {
	// A port nothing listens on: MarkUsed reports an error, never "first".
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: time.Second, MaxRetries: -1})
	t.Cleanup(func() { c.Close() })
	store := NewRedisUsedTokens(c, "")
	first, err := store.MarkUsed(context.Background(), newTokenID(), time.Now().Add(time.Minute))
	if err == nil || first {
		t.Fatalf("MarkUsed = %v, %v; want an error", first, err)
	}
	if store.Ping(context.Background()) == nil {
		t.Fatal("Ping succeeded against nothing")
	}
}

// failingUsedTokens is a confirmation store that is down.
type failingUsedTokens struct{ calls atomic.Int32 }

// failingStoreDetail stands for the internal detail (addresses) a real store's error carries.
const failingStoreDetail = "dial tcp 10.0.0.7:6379"

func (f *failingUsedTokens) MarkUsed(context.Context, string, time.Time) (bool, error) {
	f.calls.Add(1)
	return false, errors.New(failingStoreDetail + ": connection refused")
}

func TestConfirmationStoreDownFailsClosed(t *testing.T) {
	store := &failingUsedTokens{}
	h := newHarness(t, func(c *Config) { c.UsedTokens = store })
	admin := h.connect("admin", nil)
	tok, _ := confirmationToken(t, admin, deleteAcme(nil))
	text := mcptest.Fails(t, admin, "mutate", deleteAcme(map[string]any{"confirmation_token": tok}), "nothing was done")
	if store.calls.Load() == 0 {
		t.Fatal("the store was never asked")
	}
	if strings.Contains(text, tok) {
		t.Errorf("the refusal echoes the token: %s", text)
	}
	if strings.Contains(text, failingStoreDetail) {
		t.Errorf("the refusal shows the store's internal error: %s", text)
	}
	if h.api.deleteCount() != 0 || h.api.orgCount(sandboxKey) != 1 {
		t.Fatalf("deleted with the store down: deletes = %d, orgs = %d", h.api.deleteCount(), h.api.orgCount(sandboxKey))
	}
}

// TestConfirmationAcrossReplicas runs two workspace servers (replicas) in front of one WorkOS
// API, sharing a confirmation key and Redis: a token issued by A, sent to A and B at once, runs
// exactly once.
func TestConfirmationAcrossReplicas(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	prefix := testPrefix(t)
	a := newHarness(t, func(c *Config) {
		c.ConfirmationKey = key
		c.UsedTokens = NewRedisUsedTokens(redistest.Client(t), prefix)
	})
	b := newHarness(t, func(c *Config) {
		c.ConfirmationKey = key
		c.UsedTokens = NewRedisUsedTokens(redistest.Client(t), prefix)
		// The same WorkOS environments as A.
		for i := range c.Teams[0].Environments {
			c.Teams[0].Environments[i].BaseURL = a.api.srv.URL
		}
		c.Teams[0].SignIn.BaseURL = a.api.srv.URL
	})
	onA, onB := a.connect("admin", nil), b.connect("admin", nil)
	tok, _ := confirmationToken(t, onA, deleteAcme(nil))

	sessions := []*mcp.ClientSession{onA, onB}
	var wins atomic.Int32
	var refusals []string
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			res, err := sessions[i].CallTool(ctx, &mcp.CallToolParams{Name: "mutate", Arguments: deleteAcme(map[string]any{"confirmation_token": tok})})
			if err != nil {
				t.Errorf("replica %d: %v", i, err)
				return
			}
			if !res.IsError {
				wins.Add(1)
				return
			}
			var text strings.Builder
			for _, c := range res.Content {
				if tc, ok := c.(*mcp.TextContent); ok {
					text.WriteString(tc.Text)
				}
			}
			mu.Lock()
			refusals = append(refusals, text.String())
			mu.Unlock()
		}()
	}
	wg.Wait()
	if wins.Load() != 1 || a.api.deleteCount() != 1 || b.api.deleteCount() != 0 {
		t.Fatalf("successes = %d, deletes = %d (B's own API: %d); want exactly one; refusals: %v",
			wins.Load(), a.api.deleteCount(), b.api.deleteCount(), refusals)
	}
	if len(refusals) != 1 || !strings.Contains(refusals[0], "already used") {
		t.Fatalf("refusals = %v; want one \"already used\"", refusals)
	}
	// A replay on either replica is refused too.
	mcptest.Fails(t, onB, "mutate", deleteAcme(map[string]any{"confirmation_token": tok}), "already used")
	mcptest.Fails(t, onA, "mutate", deleteAcme(map[string]any{"confirmation_token": tok}), "already used")
	if a.api.deleteCount() != 1 {
		t.Fatalf("deletes = %d after replays", a.api.deleteCount())
	}
}
