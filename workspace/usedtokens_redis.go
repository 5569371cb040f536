package workspace

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultRedisUsedTokensPrefix prefixes the keys RedisUsedTokens writes.
const DefaultRedisUsedTokensPrefix = "workos-mcp:confirmation:"

// RedisUsedTokens is a UsedTokens shared by every replica that uses the same Redis, so that a
// confirmation token runs at most once whichever replica receives it. Keys are the prefix plus
// the token's random ID (never the sealed token) and expire with the token.
type RedisUsedTokens struct {
	client redis.UniversalClient
	prefix string
}

// NewRedisUsedTokens returns a store writing keys prefix+id through client. An empty prefix
// means DefaultRedisUsedTokensPrefix.
func NewRedisUsedTokens(client redis.UniversalClient, prefix string) *RedisUsedTokens {
	if prefix == "" {
		prefix = DefaultRedisUsedTokensPrefix
	}
	return &RedisUsedTokens{client: client, prefix: prefix}
}

// MarkUsed implements UsedTokens with SET NX: Redis decides which of concurrent callers, on any
// replica, is first. An error means the answer is unknown; the caller must refuse to run.
func (r *RedisUsedTokens) MarkUsed(ctx context.Context, id string, expiresAt time.Time) (bool, error) {
	if id == "" {
		return false, errors.New("empty confirmation token id")
	}
	// Remaining lifetime, at least a second: the key must outlive any clock skew between the
	// replica that checked expiry and Redis, and a zero TTL would mean "never expires".
	ttl := time.Until(expiresAt).Round(time.Millisecond)
	if ttl < time.Second {
		ttl = time.Second
	}
	first, err := r.client.SetNX(ctx, r.prefix+id, 1, ttl).Result()
	if err != nil {
		return false, fmt.Errorf("redis: %w", err)
	}
	return first, nil
}

// Ping checks that Redis answers, for readiness checks.
func (r *RedisUsedTokens) Ping(ctx context.Context) error {
	if err := r.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	return nil
}
