package workspace

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/workos-mcp/workos-mcp/authkit"
	"github.com/workos-mcp/workos-mcp/internal/logtest"
	"github.com/workos-mcp/workos-mcp/internal/mcptest"
	"github.com/workos-mcp/workos-mcp/workspace/catalog"
)

// events returns the team audit events received so far (after Flush).
func (h *harness) events(t *testing.T) []map[string]any {
	t.Helper()
	if err := h.srv.Flush(context.Background()); err != nil {
		t.Fatalf("flush: %v", err)
	}
	h.api.mu.Lock()
	defer h.api.mu.Unlock()
	var out []map[string]any
	for _, a := range h.api.audits {
		out = append(out, a["event"].(map[string]any))
	}
	return out
}

// eventsFor returns the events with the action and outcome.
func eventsFor(evs []map[string]any, action, outcome string) []map[string]any {
	var out []map[string]any
	for _, ev := range evs {
		if ev["action"] == action && ev["metadata"].(map[string]any)["outcome"] == outcome {
			out = append(out, ev)
		}
	}
	return out
}

func hasTarget(ev map[string]any, typ, id, name string) bool {
	for _, t := range ev["targets"].([]any) {
		m := t.(map[string]any)
		if m["type"] == typ && m["id"] == id && (name == "" || m["name"] == name) {
			return true
		}
	}
	return false
}

// logLines parses JSON log lines.
func logLines(s string) []map[string]any {
	var out []map[string]any
	for _, l := range strings.Split(s, "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

// TestRecordNamesActorAndTarget: "who deleted which organization?" is answered by the log line
// and the team audit event: the person's ID and email, the organization's ID and name.
func TestRecordNamesActorAndTarget(t *testing.T) {
	var logs logtest.Buffer
	h := newHarness(t, func(c *Config) { c.Logger = slog.New(slog.NewJSONHandler(&logs, nil)) })
	// The admin's token carries an email; the member's profile is read from the sign-in
	// environment, as whoami does.
	h.sessions["admin"].Claims = map[string]any{"email": "ada@team.test"}
	h.api.mu.Lock()
	h.api.envs[teamAuditKy].users = append(h.api.envs[teamAuditKy].users, map[string]any{"id": "user_member", "email": "mel@team.test"})
	h.api.mu.Unlock()
	admin := h.connect("admin", nil)

	del := map[string]any{"operation": "organizations.delete", "params": map[string]any{"id": "org_acme"}}
	tok := mcptest.OK(t, admin, "mutate", del)["confirmation_token"].(string)
	del["confirmation_token"] = tok
	mcptest.OK(t, admin, "mutate", del)

	created := mcptest.OK(t, h.connect("member", nil), "mutate", map[string]any{"operation": "organizations.create", "params": map[string]any{"name": "Globex"}})
	newID := created["result"].(map[string]any)["id"].(string)

	evs := h.events(t)
	for _, o := range []string{"confirmation_required", "ok"} {
		got := eventsFor(evs, "workos_mcp.organizations.delete", o)
		if len(got) != 1 {
			t.Fatalf("%d organizations.delete %s events, want 1: %v", len(got), o, evs)
		}
		ev := got[0]
		if !hasTarget(ev, "environment", "sandbox", "") || !hasTarget(ev, "organization", "org_acme", "Acme") {
			t.Errorf("delete %s event targets = %v, want the environment and organization org_acme (Acme)", o, ev["targets"])
		}
		actor := ev["actor"].(map[string]any)
		if actor["id"] != "user_admin" || actor["name"] != "ada@team.test" || actor["metadata"].(map[string]any)["email"] != "ada@team.test" {
			t.Errorf("delete %s event actor = %v", o, actor)
		}
		meta := ev["metadata"].(map[string]any)
		if meta["target_type"] != "organization" || meta["target_id"] != "org_acme" || meta["target_name"] != "Acme" {
			t.Errorf("delete %s event metadata = %v", o, meta)
		}
	}
	got := eventsFor(evs, "workos_mcp.organizations.create", "ok")
	if len(got) != 1 || !hasTarget(got[0], "organization", newID, "Globex") ||
		got[0]["actor"].(map[string]any)["name"] != "mel@team.test" {
		t.Errorf("create event = %v, want target %s (Globex) and actor mel@team.test", got, newID)
	}

	var found bool
	for _, l := range logLines(logs.String()) {
		if l["operation"] == "organizations.delete" && l["outcome"] == "ok" {
			found = l["user"] == "user_admin" && l["email"] == "ada@team.test" && l["target_type"] == "organization" &&
				l["target_id"] == "org_acme" && l["target_name"] == "Acme" && l["environment"] == "sandbox"
		}
	}
	if !found {
		t.Errorf("no log line naming the person and the deleted organization:\n%s", logs.String())
	}
}

// TestRecordRelatedObjects: an operation on a nested object names every object of its path,
// and values that are not IDs (an agent's free text) are left out of the record.
func TestRecordRelatedObjects(t *testing.T) {
	op, _ := catalog.Lookup("group_members.remove")
	tg, rel := targetsOf(op, map[string]any{"organizationId": "org_1", "groupId": "group_2", "omId": "om_3"}, nil, "")
	if tg == nil || tg.Type != "group_member" || tg.ID != "om_3" {
		t.Errorf("target = %+v", tg)
	}
	want := map[string]string{"organization": "org_1", "group": "group_2"}
	if len(rel) != 2 {
		t.Fatalf("related = %+v, want %v", rel, want)
	}
	for _, r := range rel {
		if want[r.Type] != r.ID {
			t.Errorf("related %+v, want %v", r, want)
		}
	}
	op, _ = catalog.Lookup("organization_memberships.create")
	tg, rel = targetsOf(op, map[string]any{"organization_id": "org_1", "user_id": "user 2\nDROP", "role_slug": "admin"}, nil, "")
	if tg != nil || len(rel) != 1 || rel[0] != (recordTarget{Type: "organization", ID: "org_1"}) {
		t.Errorf("target %+v related %+v: want only the organization (the user ID is not an ID)", tg, rel)
	}
}

// TestWriteWaitsForItsRecord: with the team's audit log down, a write is answered only once
// its record is in the queue, and says so; the record is delivered when the audit log is back.
// When the queue is full, writes are refused before anything is sent; reads still run.
func TestWriteWaitsForItsRecord(t *testing.T) {
	queue := &MemoryRecordQueue{}
	var logs logtest.Buffer
	var mu sync.Mutex
	results := map[RecordResult]int{}
	h := newHarness(t, func(c *Config) {
		c.RecordQueue, c.MaxQueuedRecords = queue, 2
		c.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
		c.Hooks.Record = func(r RecordResult) { mu.Lock(); results[r]++; mu.Unlock() }
	})
	member := h.connect("member", nil)
	h.api.mu.Lock()
	h.api.auditStatus = 503
	h.api.mu.Unlock()

	m := mcptest.OK(t, member, "mutate", map[string]any{"operation": "organizations.create", "params": map[string]any{"name": "Globex"}})
	if r, _ := m["record"].(string); !strings.HasPrefix(r, "queued") {
		t.Errorf("answer record = %q, want it to say the record is queued", r)
	}
	if n, _ := queue.Len(context.Background()); n != 1 {
		t.Fatalf("queue holds %d records, want 1", n)
	}
	mcptest.OK(t, member, "mutate", map[string]any{"operation": "organizations.create", "params": map[string]any{"name": "Initech"}})
	orgs := h.api.orgCount(sandboxKey)
	mcptest.Fails(t, member, "mutate", map[string]any{"operation": "organizations.create", "params": map[string]any{"name": "Hooli"}},
		"writes are paused")
	if h.api.orgCount(sandboxKey) != orgs {
		t.Error("a write ran while its record could not be kept")
	}
	mcptest.OK(t, member, "query", map[string]any{"operation": "organizations.list"})
	// Settle the background sends while the audit log is still down (the queue stays: an error).
	if err := h.srv.Flush(context.Background()); err == nil {
		t.Error("Flush delivered the queue while the audit log is down")
	}

	h.api.mu.Lock()
	h.api.auditStatus = 0
	h.api.mu.Unlock()
	evs := h.events(t)
	if n, _ := queue.Len(context.Background()); n != 0 {
		t.Errorf("queue still holds %d records after the audit log came back", n)
	}
	if got := eventsFor(evs, "workos_mcp.organizations.create", "ok"); len(got) != 2 {
		t.Errorf("%d create events delivered, want 2: %v", len(got), evs)
	}
	// The paused write changed nothing: its record is a log line, and its event, sent in the
	// background while the queue was full, was dropped and counted.
	var refused bool
	for _, l := range logLines(logs.String()) {
		if l["operation"] == "organizations.create" && l["outcome"] == "refused" && l["reason"] == ErrRecordBacklog.Error() {
			refused = true
		}
	}
	if !refused {
		t.Errorf("the paused write is not logged as refused:\n%s", logs.String())
	}
	mu.Lock()
	if results[RecordQueued] != 2 || results[RecordDelivered] != 2 || results[RecordDropped] != 2 {
		t.Errorf("record results = %v, want 2 queued and delivered, the refusal and the read dropped", results)
	}
	mu.Unlock()
	mcptest.OK(t, member, "mutate", map[string]any{"operation": "organizations.create", "params": map[string]any{"name": "Hooli"}})
}

// TestRecordsSurviveRestart: records queued in a directory while the audit log is down are
// kept by Close and delivered by the next server that opens the directory.
func TestRecordsSurviveRestart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "records")
	q, err := OpenFileRecordQueue(dir)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, func(c *Config) { c.RecordQueue = q })
	h.api.mu.Lock()
	h.api.auditStatus = 500
	h.api.mu.Unlock()
	m := mcptest.OK(t, h.connect("member", nil), "mutate", map[string]any{"operation": "organizations.create", "params": map[string]any{"name": "Globex"}})
	if r, _ := m["record"].(string); !strings.HasPrefix(r, "queued") {
		t.Errorf("answer record = %q", r)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 0)
	cancel()
	if err := h.srv.Close(ctx); err == nil || !strings.Contains(err.Error(), "still queued") {
		t.Errorf("Close = %v, want it to say records are still queued", err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) != 1 {
		t.Fatalf("%d queued files, want 1", len(files))
	}
	b, _ := os.ReadFile(files[0])
	for _, secret := range []string{sandboxKey, teamAuditKy} {
		if strings.Contains(string(b), secret) {
			t.Errorf("a queued record holds an API key")
		}
	}

	// The next start, with the audit log back.
	h.api.mu.Lock()
	h.api.auditStatus = 0
	h.api.mu.Unlock()
	q2, err := OpenFileRecordQueue(dir)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := q2.Len(context.Background()); n != 1 {
		t.Fatalf("reopened queue holds %d records, want 1", n)
	}
	cfg := h.srv.cfg
	cfg.RecordQueue = q2
	srv2, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv2.Close(context.Background()); err != nil {
		t.Fatalf("Close after the audit log came back: %v", err)
	}
	if got := eventsFor(h.events(t), "workos_mcp.organizations.create", "ok"); len(got) != 1 {
		t.Errorf("the queued record was not delivered after the restart")
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "*")); len(files) != 0 {
		t.Errorf("files left in the queue: %v", files)
	}
}

// TestCloseDeliversBackgroundRecords: records of reads and refusals, sent in the background,
// are delivered by Close (SIGTERM loses none).
func TestCloseDeliversBackgroundRecords(t *testing.T) {
	h := newHarness(t, nil)
	cs := h.connect("support-viewer", nil)
	for range 5 {
		mcptest.OK(t, cs, "query", map[string]any{"operation": "organizations.list"})
		mcptest.Fails(t, cs, "mutate", map[string]any{"operation": "organizations.create", "params": map[string]any{"name": "x"}}, "read-only")
	}
	if err := h.srv.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := h.api.auditCount(); n != 10 {
		t.Errorf("%d events delivered by Close, want 10", n)
	}
}

// TestCloseLogsWhatItCannotDeliver: with the in-process queue and the audit log down, Close
// writes each undelivered record whole to the log.
func TestCloseLogsWhatItCannotDeliver(t *testing.T) {
	var logs logtest.Buffer
	h := newHarness(t, func(c *Config) { c.Logger = slog.New(slog.NewJSONHandler(&logs, nil)) })
	h.api.mu.Lock()
	h.api.auditStatus = 503
	h.api.mu.Unlock()
	mcptest.OK(t, h.connect("member", nil), "mutate", map[string]any{"operation": "organizations.create", "params": map[string]any{"name": "Globex"}})
	if err := h.srv.Close(context.Background()); err == nil {
		t.Error("Close reported no undelivered record")
	}
	if !strings.Contains(logs.String(), "undelivered at shutdown") || !strings.Contains(logs.String(), `workos_mcp.organizations.create`) {
		t.Errorf("the undelivered record is not in the log:\n%s", logs.String())
	}
}

// TestTaskToolRecordsEachChangeNotEachRead: audit_configuration runs many reads; each is a log
// line, the call is one team audit event.
func TestTaskToolRecordsEachChangeNotEachRead(t *testing.T) {
	var logs logtest.Buffer
	h := newHarness(t, func(c *Config) { c.Logger = slog.New(slog.NewJSONHandler(&logs, nil)) })
	mcptest.OK(t, h.connect("admin", nil), "audit_configuration", nil)
	evs := h.events(t)
	if len(evs) != 1 || evs[0]["action"] != "workos_mcp.audit_configuration" {
		t.Fatalf("events = %v, want one workos_mcp.audit_configuration", evs)
	}
	meta := evs[0]["metadata"].(map[string]any)
	reads := 0
	for _, l := range logLines(logs.String()) {
		if l["tool"] == "audit_configuration" && l["operation"] != nil {
			reads++
		}
	}
	if reads < 3 || meta["reads_ok"] != float64(reads) || meta["outcome"] != "ok" || meta["environment"] != "sandbox" {
		t.Errorf("event metadata %v; %d read log lines", meta, reads)
	}
	if !hasTarget(evs[0], "environment", "sandbox", "") {
		t.Errorf("event targets = %v", evs[0]["targets"])
	}
}

// TestEmailLookupIsCached: the profile is read once per person, not once per record.
func TestEmailLookupIsCached(t *testing.T) {
	h := newHarness(t, nil)
	h.api.mu.Lock()
	h.api.envs[teamAuditKy].users = append(h.api.envs[teamAuditKy].users, map[string]any{"id": "user_member", "email": "mel@team.test"})
	h.api.mu.Unlock()
	cs := h.connect("member", nil)
	for range 3 {
		mcptest.OK(t, cs, "query", map[string]any{"operation": "organizations.list"})
	}
	evs := h.events(t)
	for _, ev := range evs {
		if ev["actor"].(map[string]any)["name"] != "mel@team.test" {
			t.Errorf("event actor = %v", ev["actor"])
		}
	}
	h.api.mu.Lock()
	defer h.api.mu.Unlock()
	n := 0
	for _, c := range h.api.calls {
		if c == "GET /user_management/users/user_member" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the profile was read %d times, want 1", n)
	}
}

// TestFileRecordQueue: oldest first, removal by handle, what a crash mid-push leaves is ignored.
func TestFileRecordQueue(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ".tmp-123"), []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}
	q, err := OpenFileRecordQueue(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"a", "b", "c"} {
		if err := q.Push(ctx, []byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for range 4 {
		h, item, ok, err := q.Oldest(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		got = append(got, string(item))
		if err := q.Remove(ctx, h); err != nil {
			t.Fatal(err)
		}
	}
	if strings.Join(got, "") != "abc" {
		t.Errorf("order = %v", got)
	}
	if n, _ := q.Len(ctx); n != 0 {
		t.Errorf("Len = %d", n)
	}
	if err := q.Remove(ctx, "../x.json"); err == nil {
		t.Error("a handle outside the directory was accepted")
	}
	if _, err := os.Stat(filepath.Join(dir, ".tmp-123")); !os.IsNotExist(err) {
		t.Error("a temporary file left by a crash was kept")
	}
}

// TestRecordWithoutTeamIsLogged: a person without a team has no team audit log; the log line
// remains and no email look-up is attempted.
func TestRecordWithoutTeamIsLogged(t *testing.T) {
	var logs logtest.Buffer
	h := newHarness(t, func(c *Config) { c.Logger = slog.New(slog.NewJSONHandler(&logs, nil)) })
	h.sessions["stranger"] = &authkit.Session{UserID: "user_x", OrganizationID: "org_other", Role: "admin", Claims: map[string]any{}}
	mcptest.Fails(t, h.connect("stranger", nil), "query", map[string]any{"operation": "organizations.list"}, "no team")
	if len(h.events(t)) != 0 {
		t.Error("an event was written for a person without a team")
	}
	if !strings.Contains(logs.String(), `"user":"user_x"`) {
		t.Errorf("no log line:\n%s", logs.String())
	}
}

// TestRefusedConfirmationNamesReason: a forged or reused confirmation token is recorded as
// refused with the reason, and with the target it was aimed at.
func TestRefusedConfirmationNamesReason(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Teams[0].Confirmation = ConfirmAgent })
	admin := h.connect("admin", nil)
	del := map[string]any{"operation": "organizations.delete", "params": map[string]any{"id": "org_acme"}}
	tok := mcptest.OK(t, admin, "mutate", del)["confirmation_token"].(string)
	del["confirmation_token"] = tok[:len(tok)-4] + "AAAA"
	mcptest.Fails(t, admin, "mutate", del, "not valid")
	del["confirmation_token"] = tok
	mcptest.OK(t, admin, "mutate", del)
	mcptest.Fails(t, admin, "mutate", del, "already used")
	got := eventsFor(h.events(t), "workos_mcp.organizations.delete", "refused")
	if len(got) != 2 {
		t.Fatalf("%d refused events, want 2", len(got))
	}
	for i, want := range []error{ErrTokenInvalid, ErrTokenUsed} {
		if r := got[i]["metadata"].(map[string]any)["reason"]; r != want.Error() {
			t.Errorf("refused event %d reason = %v, want %q", i, r, want.Error())
		}
		if !hasTarget(got[i], "organization", "org_acme", "") {
			t.Errorf("refused event %d targets = %v", i, got[i]["targets"])
		}
	}
}
