package workspace

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/workos-mcp/workos-mcp/internal/logtest"
	"github.com/workos-mcp/workos-mcp/internal/mcptest"
	"github.com/workos-mcp/workos-mcp/workos"
)

// These tests hold the fake audit log (fakeAPI.holdAudits) to show what waits for an audit event
// and what does not. A wait on a channel is bounded by waitLimit only so that a defect fails the
// test instead of hanging it; no assertion depends on how long anything takes.
const waitLimit = 20 * time.Second

func waitFor(t *testing.T, c <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-c:
	case <-time.After(waitLimit):
		t.Fatalf("%s did not happen", what)
	}
}

// recordCounter counts Hooks.Record results (the audit_records_total metric).
type recordCounter struct {
	mu sync.Mutex
	n  map[RecordResult]int
}

func (c *recordCounter) hook(r RecordResult) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[RecordResult]int{}
	}
	c.n[r]++
}

func (c *recordCounter) get() map[RecordResult]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[RecordResult]int{}
	for k, v := range c.n {
		out[k] = v
	}
	return out
}

func testRecord(i int) *queuedRecord {
	return &queuedRecord{Team: teamOrg, Key: fmt.Sprintf("test-%d", i), Event: workos.AuditLogEvent{
		Action: "workos_mcp.test", OccurredAt: "2026-12-06T00:00:00Z", Version: 1,
		Actor:   workos.AuditLogActor{ID: "user_member", Type: "user"},
		Context: workos.AuditLogContext{Location: "workos-mcp", UserAgent: "test"},
	}}
}

// TestReadsDoNotWaitForTheirRecord: a read is answered while its team audit event is still held
// by the audit log, and the event is delivered once the log answers. A write, in contrast, is
// answered only once its event is accepted or queued (TestWriteWaitsForItsRecord).
func TestReadsDoNotWaitForTheirRecord(t *testing.T) {
	var rc recordCounter
	h := newHarness(t, func(c *Config) { c.Hooks.Record = rc.hook })
	member := h.connect("member", nil)
	arrived, release := h.api.holdAudits(t)

	m := mcptest.OK(t, member, "query", map[string]any{"operation": "organizations.list"})
	if r, _ := m["record"].(string); r != "" {
		t.Errorf("a read's answer speaks of its record: %q", r)
	}
	// The answer is in, and the event reached the audit log, which still holds it: the read did
	// not wait for it (had it waited, the send would have timed out and been counted first).
	waitFor(t, arrived, "the read's audit event reaching the audit log")
	if got := rc.get(); len(got) != 0 {
		t.Fatalf("record results before the audit log answered = %v, want none yet", got)
	}
	if n := h.api.auditCount(); n != 0 {
		t.Fatalf("%d events stored while the audit log holds them", n)
	}
	release()
	if got := eventsFor(h.events(t), "workos_mcp.organizations.list", "ok"); len(got) != 1 {
		t.Fatalf("the read's event was not delivered after the audit log answered")
	}
	if got := rc.get(); got[RecordSent] != 1 || len(got) != 1 {
		t.Errorf("record results = %v, want one sent", got)
	}
}

// TestBackgroundRecordsAreBounded: while the audit log holds the event being sent, the in-memory
// queue takes asyncRecords more; the next is dropped, counted (Hooks.Record: dropped) and logged,
// and the rest are all delivered once the log answers.
func TestBackgroundRecordsAreBounded(t *testing.T) {
	var rc recordCounter
	var logs logtest.Buffer
	h := newHarness(t, func(c *Config) {
		c.Hooks.Record = rc.hook
		c.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	})
	arrived, release := h.api.holdAudits(t)
	ctx := context.Background()
	h.srv.sendLater(ctx, testRecord(0))
	waitFor(t, arrived, "the first event reaching the audit log")
	for i := 1; i <= asyncRecords+1; i++ {
		h.srv.sendLater(ctx, testRecord(i))
	}
	if got := rc.get(); got[RecordDropped] != 1 || len(got) != 1 {
		t.Fatalf("record results with the queue full = %v, want exactly one dropped", got)
	}
	if !strings.Contains(logs.String(), "workspace audit event dropped") || !strings.Contains(logs.String(), "in-memory record queue full") {
		t.Errorf("the drop is not logged:\n%s", logs.String())
	}
	release()
	if err := h.srv.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n := h.api.auditCount(); n != asyncRecords+1 {
		t.Errorf("%d events delivered, want %d", n, asyncRecords+1)
	}
	if got := rc.get(); got[RecordSent] != asyncRecords+1 || got[RecordDropped] != 1 {
		t.Errorf("record results = %v", got)
	}
}

// TestCloseWhileRecordsArrive: events handed over while Close runs (calls still in flight when
// the shutdown grace ends) are each delivered and counted: none is left in the in-memory queue.
func TestCloseWhileRecordsArrive(t *testing.T) {
	var rc recordCounter
	h := newHarness(t, func(c *Config) { c.Hooks.Record = rc.hook })
	const n = 300
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			h.srv.sendLater(context.Background(), testRecord(i))
		}()
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	close(start)
	if err := h.srv.Close(ctx); err != nil {
		t.Errorf("Close: %v", err)
	}
	wg.Wait()
	if got := rc.get(); got[RecordSent] != n || len(got) != 1 {
		t.Errorf("record results = %v, want %d sent", got, n)
	}
	if got := h.api.auditCount(); got != n {
		t.Errorf("%d events delivered, want %d", got, n)
	}
}
