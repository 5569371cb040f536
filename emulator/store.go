package emulator

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

const schema = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS environments (
	name TEXT PRIMARY KEY, kind TEXT NOT NULL, api_key TEXT NOT NULL UNIQUE, client_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS objects (
	env TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL, org TEXT NOT NULL DEFAULT '',
	data TEXT NOT NULL, PRIMARY KEY (env, type, id));
CREATE INDEX IF NOT EXISTS objects_org ON objects (env, org, type);
CREATE TABLE IF NOT EXISTS idempotency (
	env TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL, status INTEGER NOT NULL,
	content_type TEXT NOT NULL, body BLOB, created_at TEXT NOT NULL, PRIMARY KEY (env, key));
`

func (e *Emulator) migrate(ctx context.Context) error {
	if _, err := e.db.ExecContext(ctx, schema+deliverySchema+sessionSchema); err != nil {
		return fmt.Errorf("emulator: create schema: %w", err)
	}
	return nil
}

// eventRetention is how long events stay listable, as WorkOS keeps them.
const eventRetention = 30 * 24 * time.Hour

// pruneEvents forgets events older than the retention, so that a long-lived data directory
// does not grow without end.
func (e *Emulator) pruneEvents(ctx context.Context) error {
	cutoff := formatTime(e.now().Add(-eventRetention))
	if _, err := e.db.ExecContext(ctx, `DELETE FROM objects WHERE type = 'event' AND json_extract(data, '$.created_at') < ?`, cutoff); err != nil {
		return fmt.Errorf("emulator: prune events: %w", err)
	}
	// Deliveries are logged as long as their events are kept.
	if _, err := e.db.ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE created_at < ?`, cutoff); err != nil {
		return fmt.Errorf("emulator: prune webhook deliveries: %w", err)
	}
	// Idempotency keys are remembered for a day, as WorkOS does.
	keyCutoff := formatTime(e.now().Add(-24 * time.Hour))
	if _, err := e.db.ExecContext(ctx, `DELETE FROM idempotency WHERE created_at < ?`, keyCutoff); err != nil {
		return fmt.Errorf("emulator: prune idempotency keys: %w", err)
	}
	return nil
}

func (e *Emulator) isSeeded(ctx context.Context) (bool, error) {
	var v string
	err := e.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'seeded_at'`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("emulator: read meta: %w", err)
	}
	return true, nil
}

// errNotFound is returned by the store when an object does not exist.
var errNotFound = errors.New("not found")

// tx is one request's unit of work: every write of a request goes through it and commits or
// rolls back together.
type tx struct {
	e        *Emulator
	sql      *sql.Tx
	ctx      context.Context
	env      string
	clientID string // the environment's client ID (event context)
	now      time.Time
	writes   int
	actor    eventActor
	seeding  bool // applying the seed: events are history, not delivered to webhooks
	enqueued bool // webhook deliveries were queued: wake the worker after the commit
}

func (e *Emulator) begin(ctx context.Context, env Environment) (*tx, error) {
	stx, err := e.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	return &tx{e: e, sql: stx, ctx: ctx, env: env.Name, clientID: env.ClientID, now: e.now(), actor: eventActor{Source: "api"}}, nil
}

func (t *tx) newID(prefix string) string { return prefix + t.e.ids.next(t.now) }

// crashHook, when set (only by a test's child process), runs before each write of a request with
// the write's number: the crash test exits the process there, mid-transaction.
var crashHook func(n int)

func (t *tx) countWrite() error {
	t.writes++
	if crashHook != nil {
		crashHook(t.writes)
	}
	if n := int(t.e.failWriteAt.Load()); n > 0 && t.writes == n {
		return errors.New("emulator: injected write failure")
	}
	return nil
}

// save inserts or replaces an object of a type.
func (t *tx) save(typ, id, org string, v any) error {
	if err := t.countWrite(); err != nil {
		return err
	}
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = t.sql.ExecContext(t.ctx, `INSERT INTO objects (env, type, id, org, data) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (env, type, id) DO UPDATE SET org = excluded.org, data = excluded.data`, t.env, typ, id, org, string(data))
	return err
}

// update replaces an existing object's data, keeping its organization.
func (t *tx) update(typ, id string, v any) error {
	if err := t.countWrite(); err != nil {
		return err
	}
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = t.sql.ExecContext(t.ctx, `UPDATE objects SET data = ? WHERE env = ? AND type = ? AND id = ?`, string(data), t.env, typ, id)
	return err
}

// remove deletes an object; deleting what does not exist is not an error.
func (t *tx) remove(typ, id string) error {
	if err := t.countWrite(); err != nil {
		return err
	}
	_, err := t.sql.ExecContext(t.ctx, `DELETE FROM objects WHERE env = ? AND type = ? AND id = ?`, t.env, typ, id)
	return err
}

// removeOrg deletes every object of the given types that belongs to an organization.
func (t *tx) removeOrg(org string, types ...string) error {
	for _, typ := range types {
		if err := t.countWrite(); err != nil {
			return err
		}
		if _, err := t.sql.ExecContext(t.ctx, `DELETE FROM objects WHERE env = ? AND org = ? AND type = ?`, t.env, org, typ); err != nil {
			return err
		}
	}
	return nil
}

// loadFound is load for an object a request names: none is WorkOS's 404, naming it as what
// ("API key") with its id.
func loadFound[T any](t *tx, typ, what, id string) (*T, error) {
	v, err := load[T](t, typ, id)
	if errors.Is(err, errNotFound) {
		return nil, notFound(what, id)
	}
	return v, err
}

// mustExist is nil when an object exists, else the API's not-found error naming it as what;
// nothing is read but its key.
func (t *tx) mustExist(typ, what, id string) error {
	var one int
	err := t.sql.QueryRowContext(t.ctx, `SELECT 1 FROM objects WHERE env = ? AND type = ? AND id = ?`, t.env, typ, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound(what, id)
	}
	return err
}

// load reads one object into a new T; errNotFound when absent.
func load[T any](t *tx, typ, id string) (*T, error) {
	var data string
	err := t.sql.QueryRowContext(t.ctx, `SELECT data FROM objects WHERE env = ? AND type = ? AND id = ?`, t.env, typ, id).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, err
	}
	v := new(T)
	if err := json.Unmarshal([]byte(data), v); err != nil {
		return nil, fmt.Errorf("emulator: corrupt %s %s: %w", typ, id, err)
	}
	return v, nil
}

// loadAll reads every object of a type (of one organization when org != ""), oldest first.
func loadAll[T any](t *tx, typ, org string) ([]*T, error) {
	q := `SELECT data FROM objects WHERE env = ? AND type = ? ORDER BY id`
	args := []any{t.env, typ}
	if org != "" {
		q = `SELECT data FROM objects WHERE env = ? AND type = ? AND org = ? ORDER BY id`
		args = append(args, org)
	}
	rows, err := t.sql.QueryContext(t.ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*T
	for rows.Next() {
		var data string
		if err := rows.Scan(&data); err != nil {
			return nil, err
		}
		v := new(T)
		if err := json.Unmarshal([]byte(data), v); err != nil {
			return nil, fmt.Errorf("emulator: corrupt %s: %w", typ, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// find returns the first object of a type that matches.
func find[T any](t *tx, typ, org string, match func(*T) bool) (*T, error) {
	all, err := loadAll[T](t, typ, org)
	if err != nil {
		return nil, err
	}
	for _, v := range all {
		if match(v) {
			return v, nil
		}
	}
	return nil, errNotFound
}

// filter returns the objects of a type that match.
func filter[T any](t *tx, typ, org string, match func(*T) bool) ([]*T, error) {
	all, err := loadAll[T](t, typ, org)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, v := range all {
		if match == nil || match(v) {
			out = append(out, v)
		}
	}
	return out, nil
}

type idempotentResponse struct {
	fingerprint string
	status      int
	contentType string
	body        []byte
}

func (t *tx) idempotent(key string) (*idempotentResponse, error) {
	var r idempotentResponse
	err := t.sql.QueryRowContext(t.ctx, `SELECT fingerprint, status, content_type, body FROM idempotency WHERE env = ? AND key = ?`,
		t.env, key).Scan(&r.fingerprint, &r.status, &r.contentType, &r.body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// rememberIdempotent stores a request's answer under its Idempotency-Key; stored is false, and
// nothing written, when the key is already taken.
func (t *tx) rememberIdempotent(key string, r idempotentResponse) (stored bool, err error) {
	res, err := t.sql.ExecContext(t.ctx, `INSERT INTO idempotency (env, key, fingerprint, status, content_type, body, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (env, key) DO NOTHING`, t.env, key, r.fingerprint, r.status, r.contentType, r.body, formatTime(t.now))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
