package workspace

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// FileRecordQueue is a RecordQueue in a directory: one file per record, written to a temporary
// name, synced and renamed, so that a crash leaves either the whole record or none. Names start
// with the time queued, so that name order is queue order. One directory per replica.
type FileRecordQueue struct {
	dir string
	mu  sync.Mutex
	n   int // files waiting, counted at open and kept up to date
}

const recordExt = ".json"

// OpenFileRecordQueue opens (creating it, mode 0700) the queue directory. Records left by an
// earlier run are delivered first.
func OpenFileRecordQueue(dir string) (*FileRecordQueue, error) {
	if dir == "" {
		return nil, errors.New("record queue: no directory")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("record queue: %w", err)
	}
	q := &FileRecordQueue{dir: dir}
	names, err := q.names()
	if err != nil {
		return nil, err
	}
	q.n = len(names)
	// A temporary file is a record whose Push never returned: it was not promised to anyone.
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".tmp-") {
			_ = os.Remove(filepath.Join(dir, e.Name()))
		}
	}
	return q, nil
}

func (q *FileRecordQueue) names() ([]string, error) {
	ents, err := os.ReadDir(q.dir)
	if err != nil {
		return nil, fmt.Errorf("record queue: %w", err)
	}
	var names []string
	for _, e := range ents {
		if n := e.Name(); e.Type().IsRegular() && strings.HasSuffix(n, recordExt) && !strings.HasPrefix(n, ".") {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names, nil
}

// Push implements RecordQueue.
func (q *FileRecordQueue) Push(_ context.Context, item []byte) error {
	rnd := make([]byte, 8)
	_, _ = rand.Read(rnd)
	name := fmt.Sprintf("%020d-%s%s", time.Now().UnixNano(), hex.EncodeToString(rnd), recordExt)
	tmp, err := os.CreateTemp(q.dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("record queue: %w", err)
	}
	_, werr := tmp.Write(item)
	serr := tmp.Sync()
	cerr := tmp.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("record queue: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(q.dir, name)); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("record queue: %w", err)
	}
	// The rename is durable once the directory is synced.
	if d, err := os.Open(q.dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	q.mu.Lock()
	q.n++
	q.mu.Unlock()
	return nil
}

// Oldest implements RecordQueue.
func (q *FileRecordQueue) Oldest(context.Context) (string, []byte, bool, error) {
	names, err := q.names()
	if err != nil {
		return "", nil, false, err
	}
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(q.dir, n))
		if errors.Is(err, fs.ErrNotExist) {
			continue // removed meanwhile
		}
		if err != nil {
			return "", nil, false, fmt.Errorf("record queue: %w", err)
		}
		return n, b, true, nil
	}
	return "", nil, false, nil
}

// Remove implements RecordQueue.
func (q *FileRecordQueue) Remove(_ context.Context, handle string) error {
	if handle != filepath.Base(handle) || !strings.HasSuffix(handle, recordExt) {
		return fmt.Errorf("record queue: bad handle %q", handle)
	}
	err := os.Remove(filepath.Join(q.dir, handle))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("record queue: %w", err)
	}
	q.mu.Lock()
	q.n = max(q.n-1, 0)
	q.mu.Unlock()
	return nil
}

// Len implements RecordQueue.
func (q *FileRecordQueue) Len(context.Context) (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.n, nil
}

// DefaultRedisRecordQueueKey is the list RedisRecordQueue uses.
const DefaultRedisRecordQueueKey = "workos-mcp:records"

// RedisRecordQueue is a RecordQueue in a Redis list shared by every replica: new records are
// pushed on the left, the oldest is read from the right and removed by value once delivered.
// Two replicas may deliver the same record; its idempotency key makes it land once.
type RedisRecordQueue struct {
	client redis.UniversalClient
	key    string
}

// NewRedisRecordQueue returns a queue in the list key; "" means DefaultRedisRecordQueueKey.
func NewRedisRecordQueue(client redis.UniversalClient, key string) *RedisRecordQueue {
	if key == "" {
		key = DefaultRedisRecordQueueKey
	}
	return &RedisRecordQueue{client: client, key: key}
}

// Push implements RecordQueue. Redis persistence (AOF with fsync) decides how durable a record
// is once pushed.
func (r *RedisRecordQueue) Push(ctx context.Context, item []byte) error {
	if err := r.client.LPush(ctx, r.key, item).Err(); err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	return nil
}

// Oldest implements RecordQueue.
func (r *RedisRecordQueue) Oldest(ctx context.Context) (string, []byte, bool, error) {
	b, err := r.client.LIndex(ctx, r.key, -1).Bytes()
	if errors.Is(err, redis.Nil) {
		return "", nil, false, nil
	}
	if err != nil {
		return "", nil, false, fmt.Errorf("redis: %w", err)
	}
	return string(b), b, true, nil
}

// Remove implements RecordQueue.
func (r *RedisRecordQueue) Remove(ctx context.Context, handle string) error {
	if err := r.client.LRem(ctx, r.key, -1, handle).Err(); err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	return nil
}

// Len implements RecordQueue.
func (r *RedisRecordQueue) Len(ctx context.Context) (int, error) {
	n, err := r.client.LLen(ctx, r.key).Result()
	if err != nil {
		return 0, fmt.Errorf("redis: %w", err)
	}
	return int(n), nil
}
