// Package memo remembers the answers of slow lookups (a user, a membership, a role) for a while,
// so that a burst of requests about the same key costs one call upstream.
//
// A Cache is single-flight: callers that ask for a key while its load runs share that load. The
// load runs on its own goroutine with the first caller's context values but not its cancellation
// (others may be waiting), bounded by Options.LoadTimeout; each caller stops waiting when its own
// context ends. Errors are not remembered unless Options.ErrorTTL says so. The cache is bounded:
// when full, expired answers are dropped, and if that frees nothing, all of them.
//
// Caches with other semantics stay with their owners: one that serves a stale answer when a
// refresh fails, or that refreshes in the background before expiry, is not a memo.
package memo

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Defaults of Options' zero values.
const (
	DefaultMaxEntries  = 10000
	DefaultLoadTimeout = 30 * time.Second
)

// Options configure a Cache. The zero value of every field but TTL is useful.
type Options struct {
	// TTL is how long a loaded value is served. Zero or less: values are not remembered (loads
	// are still shared).
	TTL time.Duration
	// ErrorTTL is how long a failed load's error is served. Zero: not at all; the next Get
	// loads again.
	ErrorTTL time.Duration
	// MaxEntries bounds how many keys are held (default DefaultMaxEntries).
	MaxEntries int
	// LoadTimeout bounds one load (default DefaultLoadTimeout).
	LoadTimeout time.Duration
	// Now is the clock that expiry reads (default time.Now); tests move it.
	Now func() time.Time
}

// Cache remembers values of type V by key K. It is safe for concurrent use; build it with New.
type Cache[K comparable, V any] struct {
	opts Options

	mu      sync.Mutex
	entries map[K]*entry[V]
}

type entry[V any] struct {
	done    chan struct{} // closed when val and err are set
	loaded  bool          // done is closed; guarded by Cache.mu
	val     V
	err     error
	expires time.Time
}

// New returns an empty cache with o's settings, defaults filled in.
func New[K comparable, V any](o Options) *Cache[K, V] {
	if o.MaxEntries <= 0 {
		o.MaxEntries = DefaultMaxEntries
	}
	if o.LoadTimeout <= 0 {
		o.LoadTimeout = DefaultLoadTimeout
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Cache[K, V]{opts: o, entries: map[K]*entry[V]{}}
}

// Get returns key's value: the remembered one while it is fresh, else the answer of the load in
// flight for key, else the answer of load, which it starts. It returns ctx's error if ctx ends
// first; the load goes on for the others and for the next Get.
func (c *Cache[K, V]) Get(ctx context.Context, key K, load func(ctx context.Context) (V, error)) (V, error) {
	c.mu.Lock()
	e := c.entries[key]
	if e != nil && e.loaded && !c.opts.Now().Before(e.expires) {
		delete(c.entries, key)
		e = nil
	}
	if e == nil {
		e = &entry[V]{done: make(chan struct{})}
		c.makeRoom()
		c.entries[key] = e
		go c.load(context.WithoutCancel(ctx), key, e, load)
	}
	c.mu.Unlock()
	select {
	case <-e.done:
		return e.val, e.err
	case <-ctx.Done():
		var zero V
		return zero, ctx.Err()
	}
}

// load runs one load for key and publishes its answer in e.
func (c *Cache[K, V]) load(ctx context.Context, key K, e *entry[V], load func(context.Context) (V, error)) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.LoadTimeout)
	defer cancel()
	val, err := func() (val V, err error) {
		// A panic would otherwise kill the process from a goroutine no caller owns.
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("memo: load panicked: %v", r)
			}
		}()
		return load(ctx)
	}()
	ttl := c.opts.TTL
	if err != nil {
		ttl = c.opts.ErrorTTL
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e.val, e.err, e.expires, e.loaded = val, err, c.opts.Now().Add(ttl), true
	if ttl <= 0 && c.entries[key] == e {
		delete(c.entries, key)
	}
	close(e.done)
}

// makeRoom keeps the cache under its bound before an entry is added: it drops the expired
// entries, and if that is not enough, every entry (loads in flight finish for their waiters).
// c.mu is held.
func (c *Cache[K, V]) makeRoom() {
	if len(c.entries) < c.opts.MaxEntries {
		return
	}
	now := c.opts.Now()
	for k, e := range c.entries {
		if e.loaded && !now.Before(e.expires) {
			delete(c.entries, k)
		}
	}
	if len(c.entries) >= c.opts.MaxEntries {
		clear(c.entries)
	}
}

// Len returns how many keys the cache holds, loads in flight included.
func (c *Cache[K, V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}
