package workspace

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/workos-mcp/workos-mcp/workos"
	"github.com/workos-mcp/workos-mcp/workspace/catalog"
)

// Records name who did what to which object. This file works out the person's email and the
// target of an operation, and delivers the team's audit events: a write's event before the
// write is answered (or into a durable queue), every other event in the background.

// recordTarget is the object a record is about.
type recordTarget struct {
	Type, ID, Name string
}

// maxRelated bounds the other objects a record names besides its target.
const maxRelated = 5

// recordID is the grammar of an ID a record names. Anything else (free text an agent put in an
// ID-like field) is left out of the record rather than copied into the log.
var recordID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$`)

// targetsOf works out the object an operation acts on and the other objects it names. The
// target's type is the operation's resource; its ID is the last path parameter, else the body's
// or query's id, else (after a create) the ID WorkOS answered with. Other ID-like parameters
// (organization_id, groupId, ...) are related objects, typed by their names.
func targetsOf(op *catalog.Operation, params map[string]any, res *opResult, name string) (*recordTarget, []recordTarget) {
	var t *recordTarget
	var idParam string
	pathParams := pathParam.FindAllStringSubmatch(op.Path, -1)
	if n := len(pathParams); n > 0 {
		idParam = pathParams[n-1][1]
	} else if _, ok := params["id"]; ok {
		idParam = "id"
	}
	if id, ok := params[idParam].(string); ok && recordID.MatchString(id) {
		t = &recordTarget{Type: singular(op.Resource), ID: id}
	}
	// Only the answer's identifying top-level fields are read: a list (the answer of every list
	// read) names no single object, and decoding all its items would cost more than the read.
	// The answer is read at all only when it can name the target: after a create, or to name a
	// target the parameters identify (a list read with no ID needs neither).
	needAnswer := (t == nil && op.Method == http.MethodPost) || (t != nil && name == "")
	var answer map[string]any
	if needAnswer && res != nil && res.raw != nil {
		var top struct {
			Object, ID, Name, Email, Domain, Slug string
		}
		if json.Unmarshal(res.raw, &top) == nil && top.Object != "list" {
			answer = map[string]any{"object": top.Object, "id": top.ID, "name": top.Name, "email": top.Email, "domain": top.Domain, "slug": top.Slug}
		}
	}
	if answer != nil {
		id, _ := answer["id"].(string)
		if t == nil && id != "" && recordID.MatchString(id) && op.Method == http.MethodPost {
			t = &recordTarget{Type: singular(op.Resource), ID: id}
		}
		if t != nil && t.ID == id && name == "" {
			name = displayName(answer)
			if name == id {
				name = ""
			}
		}
	}
	if t != nil {
		t.Name = clip(name, 200)
	}
	var related []recordTarget
	for _, k := range sortedKeys(params) {
		if k == idParam || len(related) == maxRelated {
			continue
		}
		typ, ok := idParamType(k)
		if !ok {
			continue
		}
		if v, ok := params[k].(string); ok && recordID.MatchString(v) {
			related = append(related, recordTarget{Type: typ, ID: v})
		}
	}
	return t, related
}

// idParamType reads a parameter name as a reference to an object: organization_id and
// organizationId name an organization. External IDs are the customer's own data, not WorkOS
// objects.
func idParamType(name string) (string, bool) {
	var b strings.Builder
	for i, r := range name {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	snake := b.String()
	typ, ok := strings.CutSuffix(snake, "_id")
	if !ok || typ == "" || typ == "external" || typ == "idempotency" {
		return "", false
	}
	if typ == "om" {
		typ = "organization_membership"
	}
	return typ, true
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8Start(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// Email look-ups: the record names the person's email. AuthKit access tokens usually carry
// none, so it is read once from WorkOS (as whoami does) and cached; a slow look-up holds a call
// at most emailWait, and the record then goes without the email.
const (
	emailWait        = time.Second
	emailTTL         = 10 * time.Minute
	emailMissTTL     = time.Minute
	maxCachedEmails  = 10_000
	emailLookupLimit = 5 * time.Second
)

// errNoEmail is a look-up that found no email; it is remembered for emailMissTTL.
var errNoEmail = errors.New("no email found")

// emailOf returns the person's email: from the token, else from the cache, else from WorkOS.
func (s *Server) emailOf(ctx context.Context, c *caller) string {
	if e := claim(c.session.Claims, "email"); e != "" {
		return e
	}
	key := c.session.UserID
	if c.team != nil {
		key = c.team.OrganizationID + "\x00" + key
	}
	ctx, cancel := context.WithTimeout(ctx, emailWait)
	defer cancel()
	email, _ := s.emails.Get(ctx, key, func(ctx context.Context) (string, error) {
		if u := s.person(ctx, c); u != nil && u.Email != "" {
			return u.Email, nil
		}
		return "", errNoEmail
	})
	return email
}

// ---- delivery

// RecordQueue holds team audit events that the team's audit log did not accept, until they are
// delivered. Items are opaque bytes; each carries its own idempotency key, so an item delivered
// twice (two replicas draining one Redis list) lands once.
type RecordQueue interface {
	// Push stores an item durably: when it returns nil, the item survives a restart.
	Push(ctx context.Context, item []byte) error
	// Oldest returns the oldest item and a handle to remove it; ok is false when empty.
	Oldest(ctx context.Context) (handle string, item []byte, ok bool, err error)
	// Remove forgets a delivered item.
	Remove(ctx context.Context, handle string) error
	// Len is the number of items waiting.
	Len(ctx context.Context) (int, error)
}

// DefaultMaxQueuedRecords bounds the durable record queue (Config.MaxQueuedRecords).
const DefaultMaxQueuedRecords = 10_000

// ErrRecordBacklog means the team's audit log has not accepted records for a while and the
// queue is full: writes are paused until the records are delivered, since a write must not run
// without its record.
var ErrRecordBacklog = errors.New("the audit record queue is full")

// queuedRecord is one team audit event waiting for delivery.
type queuedRecord struct {
	Team     string               `json:"team"` // the team's organization ID (Config.Teams)
	Key      string               `json:"key"`  // idempotency key
	Event    workos.AuditLogEvent `json:"event"`
	QueuedAt string               `json:"queued_at,omitempty"`
}

// asyncRecords bounds the in-memory queue of records sent in the background.
const asyncRecords = 1024

// auditSendLimit bounds one attempt to send an event: a slow audit log holds a write's answer
// at most this long before the event is queued.
const auditSendLimit = 5 * time.Second

func (s *Server) hookRecord(result RecordResult) {
	if s.cfg.Hooks.Record != nil {
		s.cfg.Hooks.Record(result)
	}
}

// deliver sends one event to its team's audit log.
func (s *Server) deliver(ctx context.Context, qr *queuedRecord) error {
	t := s.teams[qr.Team]
	if t == nil || t.SignIn == nil || t.SignIn.APIKey == "" {
		return errNoAuditLog
	}
	ctx, cancel := context.WithTimeout(ctx, auditSendLimit)
	defer cancel()
	return s.auditClient(t.SignIn).CreateAuditLogEvent(ctx, t.auditOrganization(), qr.Event, qr.Key)
}

var errNoAuditLog = errors.New("the team is no longer configured with an audit log")

// permanent reports whether a failed delivery can never succeed: retrying it would only hold
// the queue.
func permanent(err error) bool {
	if errors.Is(err, errNoAuditLog) {
		return true
	}
	var we *workos.Error
	if errors.As(err, &we) {
		switch we.StatusCode {
		case http.StatusBadRequest, http.StatusUnprocessableEntity, http.StatusNotFound:
			return true
		}
	}
	return false
}

// sendNow is a write's delivery: the event is accepted, or stored in the durable queue, before
// the write is answered. It returns what the answer says about the record ("" when accepted).
func (s *Server) sendNow(ctx context.Context, qr *queuedRecord) string {
	err := s.deliver(context.WithoutCancel(ctx), qr)
	if err == nil {
		s.hookRecord(RecordSent)
		return ""
	}
	s.log.WarnContext(ctx, "workspace audit event not accepted: queued", "action", qr.Event.Action,
		"error", s.redactor.Text(err.Error()))
	if err := s.queue(ctx, qr); err != nil {
		s.hookRecord(RecordLost)
		b, _ := json.Marshal(qr)
		s.log.ErrorContext(ctx, "workspace audit event lost: neither accepted nor queued", "action", qr.Event.Action,
			"record", string(b), "error", s.redactor.Text(err.Error()))
		return "not stored: the team's audit log did not accept this record and the record queue is unavailable; the server log holds it"
	}
	s.hookRecord(RecordQueued)
	return "queued: the team's audit log did not accept this record at once; it is stored and will be delivered"
}

func (s *Server) queue(ctx context.Context, qr *queuedRecord) error {
	qr.QueuedAt = s.now().UTC().Format(time.RFC3339Nano)
	b, err := json.Marshal(qr)
	if err != nil {
		return err
	}
	qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), auditSendLimit)
	defer cancel()
	return s.records.Push(qctx, b)
}

// sendLater hands an event to the background sender; a full in-memory queue drops it (the log
// line remains, and Hooks.Record counts the drop).
func (s *Server) sendLater(ctx context.Context, qr *queuedRecord) {
	if !s.inflight.add() {
		// Shutting down: nobody drains the in-memory queue any more.
		if err := s.deliver(context.WithoutCancel(ctx), qr); err != nil {
			s.dropped(ctx, qr, err)
			return
		}
		s.hookRecord(RecordSent)
		return
	}
	select {
	case s.async <- qr:
	default:
		s.inflight.done()
		s.dropped(ctx, qr, errors.New("in-memory record queue full"))
	}
}

// inflight counts the records handed to the background sender and not yet sent, so that Flush
// can wait for the one being sent. Once shut (Close), it counts no more: a record that comes
// later is sent by its caller, so none can land in the in-memory queue after Close drained it.
type inflight struct {
	mu   sync.Mutex
	n    int
	idle chan struct{}
	shut bool
}

// add counts a record about to be handed to the background sender; false once shut.
func (f *inflight) add() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.shut {
		return false
	}
	if f.n == 0 {
		f.idle = make(chan struct{})
	}
	f.n++
	return true
}

func (f *inflight) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.shut = true
}

var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// idleChan is closed when no record is counted.
func (f *inflight) idleChan() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n == 0 {
		return closedChan
	}
	return f.idle
}

func (f *inflight) done() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n--
	if f.n == 0 {
		close(f.idle)
	}
}

func (s *Server) dropped(ctx context.Context, qr *queuedRecord, err error) {
	s.hookRecord(RecordDropped)
	s.log.WarnContext(ctx, "workspace audit event dropped", "action", qr.Event.Action, "error", s.redactor.Text(err.Error()))
}

// sendAsync sends a record taken from the in-memory queue and uncounts it (inflight). A failed
// send goes to the durable queue while it is less than half full (the other half is kept for
// writes, which pause when it is full).
func (s *Server) sendAsync(ctx context.Context, qr *queuedRecord) {
	defer s.inflight.done()
	err := s.deliver(ctx, qr)
	if err == nil {
		s.hookRecord(RecordSent)
		return
	}
	if !permanent(err) {
		if n, lerr := s.records.Len(ctx); lerr == nil && n < s.maxQueued/2 {
			if qerr := s.queue(ctx, qr); qerr == nil {
				s.hookRecord(RecordQueued)
				return
			}
		}
	}
	s.dropped(ctx, qr, err)
}

func (s *Server) asyncLoop() {
	defer s.workers.Done()
	ctx := context.Background()
	for {
		select {
		case <-s.stop:
			return
		case qr := <-s.async:
			s.sendAsync(ctx, qr)
		}
	}
}

// Durable-queue drain intervals: idle, and after a failure (doubling up to the maximum).
const (
	drainIdle    = 5 * time.Second
	drainBackoff = time.Minute
)

func (s *Server) drainLoop() {
	defer s.workers.Done()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-s.stop
		cancel()
	}()
	wait := drainIdle
	for {
		t := time.NewTimer(wait)
		select {
		case <-s.stop:
			t.Stop()
			return
		case <-t.C:
		}
		if _, err := s.drain(ctx); err != nil && ctx.Err() == nil {
			wait = min(wait*2, drainBackoff)
			s.log.Warn("workspace audit events still queued", "error", s.redactor.Text(err.Error()))
			continue
		}
		wait = drainIdle
	}
}

// maxDrain bounds one drain pass.
const maxDrain = 10_000

// drain delivers queued events oldest first until the queue is empty or a delivery fails. An
// event the audit log rejects as invalid, or whose team is gone, is logged whole and removed.
func (s *Server) drain(ctx context.Context) (int, error) {
	n := 0
	for range maxDrain {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		h, item, ok, err := s.records.Oldest(ctx)
		if err != nil || !ok {
			return n, err
		}
		var qr queuedRecord
		if err := json.Unmarshal(item, &qr); err != nil {
			s.log.Error("workspace audit event unreadable: removed from the queue", "record", string(item))
			s.hookRecord(RecordDiscarded)
			if err := s.records.Remove(ctx, h); err != nil {
				return n, err
			}
			continue
		}
		if err := s.deliver(ctx, &qr); err != nil {
			if !permanent(err) {
				return n, err
			}
			s.log.Error("workspace audit event rejected: removed from the queue", "record", string(item),
				"error", s.redactor.Text(err.Error()))
			s.hookRecord(RecordDiscarded)
		} else {
			s.hookRecord(RecordDelivered)
			n++
		}
		if err := s.records.Remove(ctx, h); err != nil {
			return n, err
		}
	}
	return n, nil
}

// backlog refuses a write while the durable queue is full: the write's record could not be
// stored, and a write is never answered without its record.
func (s *Server) backlog(ctx context.Context, oc *opCall) error {
	if oc.op.Class == classRead || oc.c.team == nil || oc.c.team.SignIn == nil {
		return nil
	}
	n, err := s.records.Len(ctx)
	if err != nil {
		s.log.ErrorContext(ctx, "record queue unavailable", "error", s.redactor.Text(err.Error()))
		return fmt.Errorf("%w: the record queue is unavailable, and a write must not run without its record; nothing was done, retry in a moment", ErrRecordBacklog)
	}
	if n >= s.maxQueued {
		return fmt.Errorf("%w: the team's audit log has not accepted records for a while (%d waiting), so writes are paused until they are delivered; nothing was done, retry later", ErrRecordBacklog, n)
	}
	return nil
}

// Flush delivers every record waiting in the background or in the record queue now. It stops
// at the first delivery that fails (the record stays queued) or when ctx ends.
func (s *Server) Flush(ctx context.Context) error {
	s.takeAsync(ctx)
	// Wait for the record being sent, and take any record counted but not yet handed over.
	for {
		select {
		case qr := <-s.async:
			s.sendAsync(ctx, qr)
			continue
		case <-s.inflight.idleChan():
		case <-ctx.Done():
			return ctx.Err()
		}
		break
	}
	_, err := s.drain(ctx)
	return err
}

// takeAsync sends every record waiting in the in-memory queue now (a failed send is queued
// durably or dropped and counted, as in the background).
func (s *Server) takeAsync(ctx context.Context) {
	for {
		select {
		case qr := <-s.async:
			s.sendAsync(ctx, qr)
			continue
		default:
		}
		return
	}
}

// Close stops the server's background work and delivers what is waiting (Flush) until ctx
// ends. Records still undelivered stay in the durable queue (a file or Redis queue keeps them
// for the next start); with the in-process queue, each is written whole to the log. Call it
// after the HTTP server has shut down.
func (s *Server) Close(ctx context.Context) error {
	s.closeOnce.Do(func() {
		s.inflight.close()
		close(s.stop)
	})
	s.workers.Wait()
	err := s.Flush(ctx)
	// When ctx ended first, what is still in memory goes to the durable queue (or is dropped and
	// counted); nothing is left in the in-memory queue.
	s.takeAsync(ctx)
	n, lerr := s.records.Len(context.WithoutCancel(ctx))
	if lerr != nil || n == 0 {
		return err
	}
	if _, inMemory := s.records.(*MemoryRecordQueue); inMemory {
		for range n {
			h, item, ok, _ := s.records.Oldest(context.Background())
			if !ok {
				break
			}
			s.log.Error("workspace audit event undelivered at shutdown", "record", string(item))
			_ = s.records.Remove(context.Background(), h)
		}
		return fmt.Errorf("%d audit event(s) undelivered at shutdown: written to the log", n)
	}
	return fmt.Errorf("%d audit event(s) still queued for the next start", n)
}

// MemoryRecordQueue is an in-process RecordQueue: records survive an audit-log outage but not a
// restart (Close writes what is left to the log). The zero value is ready.
type MemoryRecordQueue struct {
	mu    sync.Mutex
	items [][]byte
	first int // handle of items[0]
}

// Push implements RecordQueue.
func (m *MemoryRecordQueue) Push(_ context.Context, item []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.items = append(m.items, append([]byte(nil), item...))
	return nil
}

// Oldest implements RecordQueue.
func (m *MemoryRecordQueue) Oldest(context.Context) (string, []byte, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.items) == 0 {
		return "", nil, false, nil
	}
	return fmt.Sprint(m.first), m.items[0], true, nil
}

// Remove implements RecordQueue.
func (m *MemoryRecordQueue) Remove(_ context.Context, handle string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.items) > 0 && handle == fmt.Sprint(m.first) {
		m.items[0] = nil
		m.items = m.items[1:]
		m.first++
	}
	return nil
}

// Len implements RecordQueue.
func (m *MemoryRecordQueue) Len(context.Context) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.items), nil
}
