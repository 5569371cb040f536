package emulator

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Webhook delivery: every event the emulator emits is queued, in the transaction that emits it,
// for each enabled endpoint subscribed to its name; a background worker POSTs it signed as
// WorkOS signs (WorkOS-Signature: t=<unix ms>, v1=<hex HMAC-SHA256 of "<t>.<body>" keyed by the
// endpoint's secret>), retrying with exponential backoff up to a bound. The queue is a SQLite
// table, so pending deliveries survive a restart; the log is GET /_emulator/webhook_deliveries.

// Delivery defaults (Options.Webhooks).
const (
	DefaultWebhookMaxAttempts = 6
	DefaultWebhookRetryBase   = 5 * time.Second
	DefaultWebhookTimeout     = 10 * time.Second
	webhookConcurrency        = 4
)

// WebhookOptions tune webhook delivery. The zero value delivers with the defaults.
type WebhookOptions struct {
	// MaxAttempts bounds the attempts per delivery; default DefaultWebhookMaxAttempts.
	MaxAttempts int
	// RetryBase is the wait after the first failed attempt; it doubles after each further one.
	// Default DefaultWebhookRetryBase.
	RetryBase time.Duration
	// HTTPClient sends the deliveries; default a client with DefaultWebhookTimeout that does not
	// follow redirects (WorkOS treats a redirect as a failed delivery).
	HTTPClient *http.Client
}

const deliverySchema = `
CREATE TABLE IF NOT EXISTS webhook_deliveries (
	id TEXT PRIMARY KEY, env TEXT NOT NULL, endpoint_id TEXT NOT NULL, event_id TEXT NOT NULL,
	event TEXT NOT NULL, url TEXT NOT NULL, body BLOB NOT NULL, state TEXT NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0, next_attempt_ms INTEGER NOT NULL,
	last_status INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL, updated_at TEXT NOT NULL, delivered_at TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries (state, next_attempt_ms);
`

// enqueueDeliveries queues ev for every enabled endpoint of the environment subscribed to it.
// Seeded events are history, not news: they are not delivered.
func (t *tx) enqueueDeliveries(ev *event) error {
	if t.seeding {
		return nil
	}
	eps, err := loadAll[webhookEndpoint](t, "webhook_endpoint", "")
	if err != nil {
		return err
	}
	var body []byte
	for _, ep := range eps {
		if ep.Status != "enabled" || !slices.Contains(ep.Events, ev.Event) {
			continue
		}
		if body == nil {
			if body, err = marshalEvent(ev); err != nil {
				return err
			}
		}
		now := formatTime(t.now)
		if _, err := t.sql.ExecContext(t.ctx, `INSERT INTO webhook_deliveries (id, env, endpoint_id, event_id, event, url, body, state, next_attempt_ms, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)`, t.newID("webhook_delivery_"), t.env, ep.ID, ev.ID, ev.Event, ep.EndpointURL, body,
			t.now.UnixMilli(), now, now); err != nil {
			return err
		}
		t.enqueued = true
	}
	return nil
}

func marshalEvent(ev *event) ([]byte, error) { return json.Marshal(ev) }

// deliverer is the background worker. It stops on Close; an attempt cut short by Close is not
// counted, so the delivery stays pending and is sent after the next start.
type deliverer struct {
	e      *Emulator
	opts   WebhookOptions
	ctx    context.Context
	cancel context.CancelFunc
	wake   chan struct{}
	wg     sync.WaitGroup

	mu       sync.Mutex
	inFlight map[string]bool
}

func (e *Emulator) startDeliverer() {
	o := e.opts.Webhooks
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultWebhookMaxAttempts
	}
	if o.RetryBase <= 0 {
		o.RetryBase = DefaultWebhookRetryBase
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: DefaultWebhookTimeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	ctx, cancel := context.WithCancel(context.Background())
	d := &deliverer{e: e, opts: o, ctx: ctx, cancel: cancel, wake: make(chan struct{}, 1), inFlight: map[string]bool{}}
	e.deliverer = d
	d.wg.Add(1)
	go d.loop()
}

// poke wakes the worker: new deliveries are due.
func (d *deliverer) poke() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

func (d *deliverer) stop() {
	if d == nil {
		return
	}
	d.cancel()
	d.wg.Wait()
}

type dueDelivery struct {
	id, env, endpointID, url string
	body                     []byte
	attempts                 int
}

func (d *deliverer) loop() {
	defer d.wg.Done()
	sem := make(chan struct{}, webhookConcurrency)
	for {
		due, next, err := d.due()
		if err != nil && d.ctx.Err() == nil {
			d.e.log.Error("emulator: webhook deliveries", "err", err)
		}
		for _, dd := range due {
			select {
			case sem <- struct{}{}:
			case <-d.ctx.Done():
				return
			}
			d.wg.Add(1)
			go func() {
				defer func() { <-sem; d.wg.Done() }()
				d.attempt(dd)
			}()
		}
		wait := time.Minute
		if len(due) > 0 {
			wait = 0 // more may be due; look again after the wake or at once
		} else if !next.IsZero() {
			wait = max(time.Until(next), 0)
		}
		timer := time.NewTimer(wait)
		if wait == 0 {
			// Wait for a slot to free up rather than spin while every slot is busy.
			timer.Reset(10 * time.Millisecond)
		}
		select {
		case <-d.ctx.Done():
			timer.Stop()
			return
		case <-d.wake:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// due returns the pending deliveries whose time has come (not already being attempted), and when
// the next one falls due.
func (d *deliverer) due() ([]dueDelivery, time.Time, error) {
	now := d.e.now().UnixMilli()
	rows, err := d.e.db.QueryContext(d.ctx, `SELECT id, env, endpoint_id, url, body, attempts FROM webhook_deliveries
		WHERE state = 'pending' AND next_attempt_ms <= ? ORDER BY next_attempt_ms, id LIMIT 32`, now)
	if err != nil {
		return nil, time.Time{}, err
	}
	var out []dueDelivery
	d.mu.Lock()
	for rows.Next() {
		var dd dueDelivery
		if err := rows.Scan(&dd.id, &dd.env, &dd.endpointID, &dd.url, &dd.body, &dd.attempts); err != nil {
			d.mu.Unlock()
			rows.Close()
			return nil, time.Time{}, err
		}
		if !d.inFlight[dd.id] {
			d.inFlight[dd.id] = true
			out = append(out, dd)
		}
	}
	d.mu.Unlock()
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, time.Time{}, err
	}
	var next sql.NullInt64
	if err := d.e.db.QueryRowContext(d.ctx, `SELECT MIN(next_attempt_ms) FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_ms > ?`, now).Scan(&next); err != nil {
		return out, time.Time{}, err
	}
	if next.Valid {
		return out, time.UnixMilli(next.Int64), nil
	}
	return out, time.Time{}, nil
}

// SignWebhook returns the WorkOS-Signature header value for body sent at t with secret.
func SignWebhook(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.UnixMilli(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	return "t=" + ts + ", v1=" + hex.EncodeToString(mac.Sum(nil))
}

// reservedHost reports host names that never resolve (RFC 2606: .test, .example, .invalid), such
// as the demo seed's endpoint: such deliveries fail at once, without touching the network.
func reservedHost(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return true
	}
	h := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	for _, tld := range []string{"test", "example", "invalid"} {
		if h == tld || strings.HasSuffix(h, "."+tld) {
			return true
		}
	}
	return false
}

func (d *deliverer) attempt(dd dueDelivery) {
	defer func() {
		d.mu.Lock()
		delete(d.inFlight, dd.id)
		d.mu.Unlock()
		d.poke() // a retry may now be due sooner than the worker planned to look
	}()
	secret, status, err := d.endpointSecret(dd)
	permanent := false
	switch {
	case err != nil && d.ctx.Err() != nil:
		return // stopped while reading the endpoint: not counted, sent again after a restart
	case err != nil:
		permanent = true
	case reservedHost(dd.url):
		err, permanent = errors.New("not sent: the endpoint's host is a reserved name that never resolves (RFC 2606)"), true
	default:
		status, err = d.post(dd, secret)
		if d.ctx.Err() != nil {
			return // stopped mid-attempt: not counted, sent again after a restart
		}
	}
	now := d.e.now()
	attempts := dd.attempts + 1
	if err == nil {
		_, err := d.e.db.ExecContext(context.Background(), `UPDATE webhook_deliveries SET state = 'delivered', attempts = ?, last_status = ?, last_error = '',
			updated_at = ?, delivered_at = ? WHERE id = ? AND state = 'pending'`, attempts, status, formatTime(now), formatTime(now), dd.id)
		if err != nil {
			d.e.log.Error("emulator: webhook delivery", "err", err)
		}
		return
	}
	state, next := "pending", now.Add(d.opts.RetryBase<<min(attempts-1, 20))
	if permanent || attempts >= d.opts.MaxAttempts {
		state = "failed"
	}
	if _, uerr := d.e.db.ExecContext(context.Background(), `UPDATE webhook_deliveries SET state = ?, attempts = ?, last_status = ?, last_error = ?,
		next_attempt_ms = ?, updated_at = ? WHERE id = ? AND state = 'pending'`, state, attempts, status, err.Error(), next.UnixMilli(), formatTime(now), dd.id); uerr != nil {
		d.e.log.Error("emulator: webhook delivery", "err", uerr)
	}
	d.e.log.Debug("emulator: webhook delivery failed", "delivery", dd.id, "attempt", attempts, "state", state, "status", status)
}

// endpointSecret reads the endpoint's current secret; an endpoint deleted or disabled since the
// event is not delivered to.
func (d *deliverer) endpointSecret(dd dueDelivery) (string, int, error) {
	var data string
	err := d.e.db.QueryRowContext(d.ctx, `SELECT data FROM objects WHERE env = ? AND type = 'webhook_endpoint' AND id = ?`, dd.env, dd.endpointID).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return "", 0, errors.New("not sent: the webhook endpoint was deleted")
	}
	if err != nil {
		return "", 0, err
	}
	var ep webhookEndpoint
	if err := json.Unmarshal([]byte(data), &ep); err != nil {
		return "", 0, err
	}
	if ep.Status != "enabled" {
		return "", 0, errors.New("not sent: the webhook endpoint is disabled")
	}
	return ep.Secret, 0, nil
}

func (d *deliverer) post(dd dueDelivery, secret string) (int, error) {
	req, err := http.NewRequestWithContext(d.ctx, http.MethodPost, dd.url, bytes.NewReader(dd.body))
	if err != nil {
		return 0, fmt.Errorf("invalid endpoint URL")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "workos-mcp-emulator-webhooks")
	req.Header.Set("WorkOS-Signature", SignWebhook(secret, d.e.now(), dd.body))
	resp, err := d.opts.HTTPClient.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is in the log already
		}
		return 0, fmt.Errorf("request failed: %v", err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("endpoint answered %d", resp.StatusCode)
	}
	return resp.StatusCode, nil
}

// webhookDelivery is one entry of the delivery log.
type webhookDelivery struct {
	Object        string  `json:"object"`
	ID            string  `json:"id"`
	EndpointID    string  `json:"webhook_endpoint_id"`
	EndpointURL   string  `json:"endpoint_url"`
	EventID       string  `json:"event_id"`
	Event         string  `json:"event"`
	State         string  `json:"state"` // pending | delivered | failed
	Attempts      int     `json:"attempts"`
	LastStatus    *int    `json:"last_status"`
	LastError     *string `json:"last_error"`
	NextAttemptAt *string `json:"next_attempt_at"`
	DeliveredAt   *string `json:"delivered_at"`
	CreatedAt     string  `json:"created_at"`
	UpdatedAt     string  `json:"updated_at"`
}

func (t *tx) deliveries(where string, args ...any) ([]*webhookDelivery, error) {
	rows, err := t.sql.QueryContext(t.ctx, `SELECT id, endpoint_id, url, event_id, event, state, attempts, last_status, last_error, next_attempt_ms,
		delivered_at, created_at, updated_at FROM webhook_deliveries WHERE env = ?`+where+` ORDER BY id`, append([]any{t.env}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*webhookDelivery
	for rows.Next() {
		w := &webhookDelivery{Object: "webhook_delivery"}
		var status int
		var lastErr, delivered string
		var next int64
		if err := rows.Scan(&w.ID, &w.EndpointID, &w.EndpointURL, &w.EventID, &w.Event, &w.State, &w.Attempts, &status, &lastErr, &next,
			&delivered, &w.CreatedAt, &w.UpdatedAt); err != nil {
			return nil, err
		}
		if status != 0 {
			w.LastStatus = &status
		}
		if lastErr != "" {
			w.LastError = &lastErr
		}
		if w.State == "pending" {
			s := formatTime(time.UnixMilli(next))
			w.NextAttemptAt = &s
		}
		if delivered != "" {
			w.DeliveredAt = &delivered
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// listDeliveries is the delivery log of the key's environment, filterable by
// webhook_endpoint_id, event_id, event and state.
func listDeliveries(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	where, args := "", []any{}
	for _, f := range []struct{ param, col string }{{"webhook_endpoint_id", "endpoint_id"}, {"event_id", "event_id"}, {"event", "event"}, {"state", "state"}} {
		if v := c.query.Get(f.param); v != "" {
			where += " AND " + f.col + " = ?"
			args = append(args, v)
		}
	}
	ds, err := c.t.deliveries(where, args...)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, paginate(ds, func(d *webhookDelivery) string { return d.ID }, p), nil
}

// redeliver queues the delivery's event again for its endpoint, as a new delivery.
func redeliver(c *call) (int, any, error) {
	t := c.t
	id := c.param("id")
	var endpointID, eventID, event, u string
	var body []byte
	err := t.sql.QueryRowContext(t.ctx, `SELECT endpoint_id, event_id, event, url, body FROM webhook_deliveries WHERE env = ? AND id = ?`, t.env, id).
		Scan(&endpointID, &eventID, &event, &u, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, notFound("Webhook delivery", id)
	}
	if err != nil {
		return 0, nil, err
	}
	ep, err := t.webhook(endpointID)
	if err != nil {
		return 0, nil, err
	}
	newID := t.newID("webhook_delivery_")
	now := formatTime(t.now)
	if _, err := t.sql.ExecContext(t.ctx, `INSERT INTO webhook_deliveries (id, env, endpoint_id, event_id, event, url, body, state, next_attempt_ms, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)`, newID, t.env, endpointID, eventID, event, ep.EndpointURL, body, t.now.UnixMilli(), now, now); err != nil {
		return 0, nil, err
	}
	t.enqueued = true
	ds, err := t.deliveries(" AND id = ?", newID)
	if err != nil || len(ds) != 1 {
		return 0, nil, fmt.Errorf("read back delivery: %v", err)
	}
	return http.StatusCreated, ds[0], nil
}
