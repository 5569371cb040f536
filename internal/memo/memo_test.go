package memo

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// clock is a test clock that moves only when told.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// counter is a load that counts its calls and answers "v<n>".
type counter struct{ n atomic.Int32 }

func (l *counter) load(context.Context) (string, error) {
	return "v" + string(rune('0'+l.n.Add(1))), nil
}

func TestFreshValueServedUntilTTL(t *testing.T) {
	clk := newClock()
	c := New[string, string](Options{TTL: time.Minute, Now: clk.Now})
	var l counter
	for range 3 {
		if v, err := c.Get(t.Context(), "k", l.load); err != nil || v != "v1" {
			t.Fatalf("Get = %q, %v; want v1", v, err)
		}
	}
	clk.advance(59 * time.Second)
	if v, _ := c.Get(t.Context(), "k", l.load); v != "v1" {
		t.Fatalf("before the TTL: %q, want v1", v)
	}
	clk.advance(time.Second)
	if v, _ := c.Get(t.Context(), "k", l.load); v != "v2" {
		t.Fatalf("at the TTL: %q, want v2 (loaded again)", v)
	}
	if n := l.n.Load(); n != 2 {
		t.Fatalf("%d loads, want 2", n)
	}
}

func TestKeysAreSeparate(t *testing.T) {
	c := New[int, int](Options{TTL: time.Minute})
	for k := range 3 {
		v, err := c.Get(t.Context(), k, func(context.Context) (int, error) { return k * 10, nil })
		if err != nil || v != k*10 {
			t.Fatalf("key %d: %d, %v", k, v, err)
		}
	}
	if c.Len() != 3 {
		t.Fatalf("Len %d, want 3", c.Len())
	}
}

func TestZeroTTLSharesButDoesNotRemember(t *testing.T) {
	c := New[string, string](Options{})
	var l counter
	_, _ = c.Get(t.Context(), "k", l.load)
	_, _ = c.Get(t.Context(), "k", l.load)
	if n := l.n.Load(); n != 2 || c.Len() != 0 {
		t.Fatalf("%d loads, %d entries; want 2 loads, none held", n, c.Len())
	}
}

func TestErrorsNotRememberedByDefault(t *testing.T) {
	c := New[string, string](Options{TTL: time.Minute})
	boom := errors.New("boom")
	calls := 0
	load := func(context.Context) (string, error) {
		calls++
		if calls == 1 {
			return "", boom
		}
		return "ok", nil
	}
	if _, err := c.Get(t.Context(), "k", load); err != boom {
		t.Fatalf("first Get err %v, want the load's", err)
	}
	if v, err := c.Get(t.Context(), "k", load); err != nil || v != "ok" {
		t.Fatalf("second Get = %q, %v; want a fresh load", v, err)
	}
}

func TestErrorTTL(t *testing.T) {
	clk := newClock()
	c := New[string, string](Options{TTL: time.Hour, ErrorTTL: 10 * time.Second, Now: clk.Now})
	boom := errors.New("boom")
	calls := 0
	load := func(context.Context) (string, error) {
		calls++
		return "", boom
	}
	for range 3 {
		if _, err := c.Get(t.Context(), "k", load); err != boom {
			t.Fatalf("err %v", err)
		}
	}
	clk.advance(10 * time.Second)
	_, _ = c.Get(t.Context(), "k", load)
	if calls != 2 {
		t.Fatalf("%d loads, want 2 (the error served for ErrorTTL, then loaded again)", calls)
	}
}

// Concurrent callers of one key share one load and all get its answer.
func TestConcurrentCallersShareOneLoad(t *testing.T) {
	c := New[string, string](Options{TTL: time.Minute})
	release := make(chan struct{})
	var loads atomic.Int32
	load := func(context.Context) (string, error) {
		loads.Add(1)
		<-release
		return "shared", nil
	}
	const callers = 50
	var wg sync.WaitGroup
	got := make([]string, callers)
	for i := range callers {
		wg.Go(func() {
			v, err := c.Get(context.Background(), "k", load)
			if err != nil {
				t.Error(err)
			}
			got[i] = v
		})
	}
	// Let every caller reach the cache before the load answers.
	deadline := time.Now().Add(5 * time.Second)
	for loads.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	close(release)
	wg.Wait()
	if n := loads.Load(); n != 1 {
		t.Fatalf("%d loads for %d concurrent callers, want 1", n, callers)
	}
	for i, v := range got {
		if v != "shared" {
			t.Fatalf("caller %d got %q", i, v)
		}
	}
}

// A caller that gives up gets its context's error; the load goes on, and its answer is
// remembered for the next caller.
func TestCallerCancellationDoesNotStopTheLoad(t *testing.T) {
	c := New[string, string](Options{TTL: time.Minute})
	release := make(chan struct{})
	finished := make(chan struct{})
	var loadErr error
	load := func(ctx context.Context) (string, error) {
		defer close(finished)
		<-release
		loadErr = ctx.Err()
		return "late", nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.Get(ctx, "k", load)
		done <- err
	}()
	time.Sleep(10 * time.Millisecond)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller err %v, want context.Canceled", err)
	}
	close(release)
	<-finished
	if loadErr != nil {
		t.Fatalf("the load saw %v: it died with the caller", loadErr)
	}
	v, err := c.Get(t.Context(), "k", func(context.Context) (string, error) {
		t.Error("loaded again: the abandoned load's answer was not remembered")
		return "", nil
	})
	if err != nil || v != "late" {
		t.Fatalf("next Get = %q, %v", v, err)
	}
}

// The load sees the first caller's context values, and a deadline of LoadTimeout.
func TestLoadContext(t *testing.T) {
	type key struct{}
	c := New[string, string](Options{TTL: time.Minute, LoadTimeout: 20 * time.Millisecond})
	ctx := context.WithValue(t.Context(), key{}, "value")
	_, err := c.Get(ctx, "k", func(ctx context.Context) (string, error) {
		if ctx.Value(key{}) != "value" {
			t.Error("the load lost the caller's context values")
		}
		<-ctx.Done()
		return "", ctx.Err()
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want the load's deadline", err)
	}
}

func TestPanicBecomesError(t *testing.T) {
	c := New[string, string](Options{TTL: time.Minute})
	_, err := c.Get(t.Context(), "k", func(context.Context) (string, error) { panic("bad") })
	if err == nil || !strings.Contains(err.Error(), "panicked: bad") {
		t.Fatalf("err %v", err)
	}
	if v, err := c.Get(t.Context(), "k", func(context.Context) (string, error) { return "ok", nil }); err != nil || v != "ok" {
		t.Fatalf("after a panic: %q, %v", v, err)
	}
}

// The cache never holds more than MaxEntries keys: expired ones go first, then all.
func TestBounded(t *testing.T) {
	clk := newClock()
	c := New[int, int](Options{TTL: time.Minute, MaxEntries: 4, Now: clk.Now})
	get := func(k int) {
		t.Helper()
		if _, err := c.Get(t.Context(), k, func(context.Context) (int, error) { return k, nil }); err != nil {
			t.Fatal(err)
		}
		if n := c.Len(); n > 4 {
			t.Fatalf("%d entries, bound 4", n)
		}
	}
	for k := range 2 {
		get(k)
	}
	clk.advance(time.Minute) // 0 and 1 expire
	get(2)
	get(3)
	get(4) // full: the expired 0 and 1 make room, 2 and 3 stay
	if n := c.Len(); n != 3 {
		t.Fatalf("%d entries after dropping the expired ones, want 3", n)
	}
	var reloaded bool
	_, _ = c.Get(t.Context(), 2, func(context.Context) (int, error) { reloaded = true; return 2, nil })
	if reloaded {
		t.Fatal("a fresh entry was dropped while expired ones made room")
	}
	for k := 5; k < 50; k++ {
		get(k)
	}
}

// Many keys and callers at once, for the race detector.
func TestConcurrentKeys(t *testing.T) {
	c := New[int, int](Options{TTL: time.Millisecond, MaxEntries: 8})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				k := (g + i) % 13
				v, err := c.Get(context.Background(), k, func(context.Context) (int, error) { return k, nil })
				if err != nil || v != k {
					t.Errorf("key %d: %d, %v", k, v, err)
					return
				}
			}
		})
	}
	wg.Wait()
}
