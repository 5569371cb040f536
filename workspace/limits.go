package workspace

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrLimited means the person's own rate limit in an environment is spent: nothing was sent.
var ErrLimited = errors.New("rate limited")

// Default per-person limits: generous for a person at a keyboard, far below what would push a
// WorkOS key (which the customer's own application also uses) into 429s.
const (
	DefaultLimitPerSecond = 10
	DefaultLimitBurst     = 30
)

// Limits is a team's per-person rate limit of WorkOS API calls, one token bucket per person and
// environment: PerSecond tokens are added each second up to Burst, and each operation the
// pipeline sends (each underlying call of a task tool) takes one.
type Limits struct {
	// PerSecond is the refill rate; 0 means DefaultLimitPerSecond.
	PerSecond float64
	// Burst is the bucket's size; 0 means DefaultLimitBurst.
	Burst int
	// Environments overrides the team's limits for the named environments.
	Environments map[string]Limits
}

// in returns the limits in force in one environment, defaults filled in.
func (l Limits) in(env string) (perSecond float64, burst int) {
	perSecond, burst = l.PerSecond, l.Burst
	if o, ok := l.Environments[env]; ok {
		if o.PerSecond > 0 {
			perSecond = o.PerSecond
		}
		if o.Burst > 0 {
			burst = o.Burst
		}
	}
	if perSecond <= 0 {
		perSecond = DefaultLimitPerSecond
	}
	if burst <= 0 {
		burst = DefaultLimitBurst
	}
	return perSecond, burst
}

// Limiter keeps token buckets. Replicas share one implementation (Redis) for a person's limit
// to hold across them.
type Limiter interface {
	// Take takes one token from the bucket key, which holds at most burst tokens and gains
	// perSecond tokens a second (a new bucket is full). When the bucket is empty it takes
	// nothing and reports how long until a token is available.
	Take(ctx context.Context, key string, perSecond float64, burst int) (ok bool, wait time.Duration, err error)
}

// MemoryLimiter is an in-process Limiter, for a single replica. The zero value is ready.
type MemoryLimiter struct {
	mu      sync.Mutex
	buckets map[string]*bucket
	now     func() time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
	// full is when the bucket is full again: after that, forgetting it changes nothing.
	full time.Time
}

// maxBuckets bounds the in-process limiter's memory; full buckets are forgotten first.
const maxBuckets = 100_000

// Take implements Limiter.
func (m *MemoryLimiter) Take(_ context.Context, key string, perSecond float64, burst int) (bool, time.Duration, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	if m.now != nil {
		now = m.now()
	}
	if m.buckets == nil {
		m.buckets = map[string]*bucket{}
	}
	b, ok := m.buckets[key]
	if !ok {
		if len(m.buckets) >= maxBuckets {
			for k, old := range m.buckets {
				if !now.Before(old.full) {
					delete(m.buckets, k)
				}
			}
		}
		if len(m.buckets) >= maxBuckets {
			// Every bucket is in use: refuse rather than grow without bound. A new person
			// waits for one refill period.
			return false, time.Duration(float64(time.Second) / perSecond), nil
		}
		b = &bucket{tokens: float64(burst), at: now}
		m.buckets[key] = b
	}
	if el := now.Sub(b.at).Seconds(); el > 0 {
		b.tokens = math.Min(float64(burst), b.tokens+el*perSecond)
	}
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		b.full = now.Add(time.Duration((float64(burst) - b.tokens) / perSecond * float64(time.Second)))
		return true, 0, nil
	}
	return false, time.Duration((1 - b.tokens) / perSecond * float64(time.Second)), nil
}

// DefaultRedisLimiterPrefix prefixes the keys RedisLimiter writes.
const DefaultRedisLimiterPrefix = "workos-mcp:limit:"

// RedisLimiter is a Limiter shared by every replica that uses the same Redis. A Lua script
// refills and takes atomically, with Redis's clock, so replicas with skewed clocks agree.
type RedisLimiter struct {
	client redis.UniversalClient
	prefix string
}

// NewRedisLimiter returns a limiter writing keys prefix+key through client. An empty prefix
// means DefaultRedisLimiterPrefix.
func NewRedisLimiter(client redis.UniversalClient, prefix string) *RedisLimiter {
	if prefix == "" {
		prefix = DefaultRedisLimiterPrefix
	}
	return &RedisLimiter{client: client, prefix: prefix}
}

// takeScript is a token bucket in one hash (tokens, ms): KEYS[1], ARGV rate per second and
// burst. It answers {1, 0} when a token was taken, else {0, milliseconds to wait}. The key
// expires once the bucket would be full again, when it no longer holds anything a new bucket
// would not.
var takeScript = redis.NewScript(`
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ms')
local tokens = tonumber(b[1])
local ms = tonumber(b[2])
if tokens == nil or ms == nil then
  tokens = burst
  ms = now
end
if now > ms then
  tokens = math.min(burst, tokens + (now - ms) * rate / 1000)
end
local ok = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  ok = 1
else
  wait = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ms', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) * 1000 / rate) + 1000)
return {ok, wait}
`)

// Take implements Limiter.
func (r *RedisLimiter) Take(ctx context.Context, key string, perSecond float64, burst int) (bool, time.Duration, error) {
	res, err := takeScript.Run(ctx, r.client, []string{r.prefix + key},
		strconv.FormatFloat(perSecond, 'f', -1, 64), strconv.Itoa(burst)).Int64Slice()
	if err != nil {
		return false, 0, fmt.Errorf("redis: %w", err)
	}
	if len(res) != 2 {
		return false, 0, errors.New("redis: unexpected answer from the rate-limit script")
	}
	return res[0] == 1, time.Duration(res[1]) * time.Millisecond, nil
}

// limit takes one token from the person's bucket in the call's environment. A limiter that
// fails (Redis unreachable) falls back to the in-process one, so that an outage of the shared
// store neither stops every call nor lifts the limit.
func (s *Server) limit(ctx context.Context, oc *opCall) error {
	perSecond, burst := oc.c.team.Limits.in(oc.env.Name)
	key := limitKey(oc.c.team.OrganizationID, oc.c.session.UserID, oc.env.Name)
	ok, wait, err := s.limiter.Take(ctx, key, perSecond, burst)
	if err != nil {
		s.log.WarnContext(ctx, "rate limiter unavailable: limiting in-process", "error", s.redactor.Text(err.Error()))
		ok, wait, _ = s.localLimiter.Take(ctx, key, perSecond, burst)
	}
	if ok {
		return nil
	}
	secs := int(math.Ceil(wait.Seconds()))
	if secs < 1 {
		secs = 1
	}
	return fmt.Errorf("%w for you in %s: retry in %ds (at most %s calls a second, bursts of %d, per person and environment); nothing was sent",
		ErrLimited, oc.env.Name, secs, strconv.FormatFloat(perSecond, 'f', -1, 64), burst)
}

// limitKey names one bucket: team, person and environment, length-prefixed so that no choice
// of IDs or names makes two buckets collide.
func limitKey(team, user, env string) string {
	return fmt.Sprintf("%d:%s:%d:%s:%d:%s", len(team), team, len(user), user, len(env), env)
}
