package workspace

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisApprovals is an ApprovalStore shared by every replica that uses the same Redis: a person
// approves on one replica, the agent's repeated call lands on another, and it runs there, once.
// Each approval is a JSON value under prefix+"approval:"+id; transitions are Lua scripts, so
// exactly one of concurrent callers on any replica wins. A person's pending approvals are a
// sorted set by creation time; a call's latest approval is prefix+"binding:"+hash.
type RedisApprovals struct {
	client redis.UniversalClient
	prefix string
}

// NewRedisApprovals returns a store writing keys under prefix (DefaultRedisUsedTokensPrefix when
// empty) through client.
func NewRedisApprovals(client redis.UniversalClient, prefix string) *RedisApprovals {
	if prefix == "" {
		prefix = DefaultRedisUsedTokensPrefix
	}
	return &RedisApprovals{client: client, prefix: prefix}
}

func (r *RedisApprovals) key(id string) string    { return r.prefix + "approval:" + id }
func (r *RedisApprovals) binding(b string) string { return r.prefix + "binding:" + b }
func (r *RedisApprovals) pending(team, sub string) string {
	return r.prefix + "pending:" + team + ":" + sub
}

// keep is how long an approval stays in Redis: until its expiry plus the retention.
func keep(a *Approval, now time.Time) time.Duration {
	d := a.ExpiresAt.Add(approvalRetention).Sub(now)
	if d < time.Second {
		d = time.Second
	}
	return d
}

// Create implements ApprovalStore.
func (r *RedisApprovals) Create(ctx context.Context, a *Approval) error {
	b, err := json.Marshal(a)
	if err != nil {
		return err
	}
	ttl := keep(a, a.CreatedAt)
	pipe := r.client.TxPipeline()
	pipe.Set(ctx, r.key(a.ID), b, ttl)
	pipe.Set(ctx, r.binding(a.Binding), a.ID, ttl)
	pipe.ZAdd(ctx, r.pending(a.Team, a.Subject), redis.Z{Score: float64(a.CreatedAt.UnixNano()), Member: a.ID})
	pipe.Expire(ctx, r.pending(a.Team, a.Subject), ttl)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	return nil
}

// Get implements ApprovalStore.
func (r *RedisApprovals) Get(ctx context.Context, id string) (*Approval, error) {
	b, err := r.client.Get(ctx, r.key(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, ErrApprovalNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("redis: %w", err)
	}
	var a Approval
	if err := json.Unmarshal(b, &a); err != nil {
		return nil, fmt.Errorf("redis: approval %s: %w", id, err)
	}
	return &a, nil
}

// Latest implements ApprovalStore.
func (r *RedisApprovals) Latest(ctx context.Context, binding string) (*Approval, error) {
	id, err := r.client.Get(ctx, r.binding(binding)).Result()
	if errors.Is(err, redis.Nil) {
		return nil, ErrApprovalNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("redis: %w", err)
	}
	return r.Get(ctx, id)
}

// swap replaces the stored approval only if it is still exactly what was read (compare and set):
// the transition rules run in Go (transition), the atomicity in Redis.
var swap = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
return 1`)

func (r *RedisApprovals) apply(ctx context.Context, id, op, subject string, approve bool, now time.Time) (*Approval, error) {
	for range 5 {
		old, err := r.client.Get(ctx, r.key(id)).Bytes()
		if errors.Is(err, redis.Nil) {
			return nil, ErrApprovalNotFound
		}
		if err != nil {
			return nil, fmt.Errorf("redis: %w", err)
		}
		var a Approval
		if err := json.Unmarshal(old, &a); err != nil {
			return nil, fmt.Errorf("redis: approval %s: %w", id, err)
		}
		b, err := transition(&a, op, subject, approve, now)
		if err != nil {
			return nil, err
		}
		nb, _ := json.Marshal(b)
		ok, err := swap.Run(ctx, r.client, []string{r.key(id)}, old, nb).Int()
		if err != nil {
			return nil, fmt.Errorf("redis: %w", err)
		}
		if ok == 1 {
			if op == "decide" {
				_ = r.client.ZRem(ctx, r.pending(a.Team, a.Subject), id).Err()
			}
			return b, nil
		}
		// Someone else changed it meanwhile: read again, and let the rules decide.
	}
	return nil, errors.New("redis: approval changed concurrently too often")
}

// Decide implements ApprovalStore.
func (r *RedisApprovals) Decide(ctx context.Context, id, subject string, approve bool, now time.Time) (*Approval, error) {
	return r.apply(ctx, id, "decide", subject, approve, now)
}

// Use implements ApprovalStore.
func (r *RedisApprovals) Use(ctx context.Context, id string, now time.Time) (*Approval, error) {
	return r.apply(ctx, id, "use", "", false, now)
}

// Pending implements ApprovalStore.
func (r *RedisApprovals) Pending(ctx context.Context, team, subject string, now time.Time) ([]*Approval, error) {
	ids, err := r.client.ZRevRange(ctx, r.pending(team, subject), 0, 99).Result()
	if err != nil {
		return nil, fmt.Errorf("redis: %w", err)
	}
	var out []*Approval
	for _, id := range ids {
		a, err := r.Get(ctx, id)
		if errors.Is(err, ErrApprovalNotFound) {
			_ = r.client.ZRem(ctx, r.pending(team, subject), id).Err()
			continue
		}
		if err != nil {
			return nil, err
		}
		if a.State == ApprovalPending && !a.Expired(now) {
			out = append(out, a)
		}
	}
	sortNewest(out)
	return out, nil
}
