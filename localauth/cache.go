package localauth

import (
	"context"
	"sync"
	"time"
)

// memo caches answers for a short time and lets concurrent callers share one
// fetch, so that a burst of sign-ins costs one directory call.
type memo[T any] struct {
	ttl time.Duration
	max int

	mu      sync.Mutex
	entries map[string]*memoEntry[T]
}

type memoEntry[T any] struct {
	done chan struct{}
	val  T
	err  error
	exp  time.Time
}

func newMemo[T any](ttl time.Duration, max int) *memo[T] {
	return &memo[T]{ttl: ttl, max: max, entries: map[string]*memoEntry[T]{}}
}

func (m *memo[T]) get(ctx context.Context, key string, fetch func(context.Context) (T, error)) (T, error) {
	m.mu.Lock()
	e, ok := m.entries[key]
	if ok {
		select {
		case <-e.done:
			if time.Now().After(e.exp) {
				ok = false
			}
		default: // in flight: share it
		}
	}
	if !ok {
		if len(m.entries) >= m.max {
			clear(m.entries)
		}
		e = &memoEntry[T]{done: make(chan struct{})}
		m.entries[key] = e
		m.mu.Unlock()
		// The fetch outlives one caller's cancellation: others may be waiting.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		e.val, e.err = fetch(fctx)
		cancel()
		e.exp = time.Now().Add(m.ttl)
		if e.err != nil {
			e.exp = time.Now() // errors are not cached
		}
		close(e.done)
		return e.val, e.err
	}
	m.mu.Unlock()
	select {
	case <-e.done:
		return e.val, e.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// forget drops every cached answer.
func (m *memo[T]) forget() {
	m.mu.Lock()
	clear(m.entries)
	m.mu.Unlock()
}
