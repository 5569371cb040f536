package emulator

import (
	"context"
	"encoding/json"
	"testing"
)

// TestAuditEventsTable: audit log events live in their own table; a data directory written
// before (events as rows of objects) keeps them, moved once when it is opened; deleting the
// organization deletes its log; reseeding empties it.
func TestAuditEventsTable(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e, err := New(ctx, Options{DataDir: dir, Seed: smallSeed()})
	if err != nil {
		t.Fatal(err)
	}
	env := Environment{Name: "sandbox"}
	var org string
	run := func(f func(t2 *tx) error) {
		t.Helper()
		tx, err := e.begin(ctx, env)
		if err != nil {
			t.Fatal(err)
		}
		if err := f(tx); err != nil {
			t.Fatal(err)
		}
		if err := tx.sql.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	var event auditEventInput
	if err := json.Unmarshal([]byte(`{"action":"doc.signed","occurred_at":"2026-12-06T10:00:00Z","actor":{"id":"user_1","type":"user"},
		"targets":[{"id":"doc_1","type":"document"}],"context":{"location":"1.2.3.4"}}`), &event); err != nil {
		t.Fatal(err)
	}
	run(func(t2 *tx) error {
		o := &organization{Object: "organization", ID: t2.newID("org_"), Name: "Acme"}
		org = o.ID
		if err := t2.saveOrganization(o); err != nil {
			return err
		}
		if err := t2.createAuditEvent(org, event); err != nil {
			return err
		}
		// An event stored as an earlier version stored it: a row of objects.
		old := &storedAuditEvent{ID: "audit_log_event_00OLD", OrganizationID: org, Event: event, CreatedAt: "2026-12-01T00:00:00.000Z"}
		return t2.save(auditEventType, old.ID, org, old)
	})
	e.Close()

	e, err = New(ctx, Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	run(func(t2 *tx) error {
		evs, err := t2.auditEvents(org)
		if err != nil {
			return err
		}
		if len(evs) != 2 || evs[0].ID != "audit_log_event_00OLD" || evs[1].Event.Action != "doc.signed" {
			t.Errorf("after reopening: %+v", evs)
		}
		var n int
		if err := t2.sql.QueryRowContext(ctx, `SELECT count(*) FROM objects WHERE type = ?`, auditEventType).Scan(&n); err != nil || n != 0 {
			t.Errorf("%d audit events left in objects (%v)", n, err)
		}
		// Deleting the organization deletes its log.
		if err := t2.removeOrg(org, auditEventType); err != nil {
			return err
		}
		if evs, err := t2.auditEvents(org); err != nil || len(evs) != 0 {
			t.Errorf("after removing the organization: %d events (%v)", len(evs), err)
		}
		return t2.createAuditEvent(org, event)
	})
	// Reseeding empties every log.
	if err := e.applySeed(ctx, smallSeed()); err != nil {
		t.Fatal(err)
	}
	run(func(t2 *tx) error {
		var n int
		if err := t2.sql.QueryRowContext(ctx, `SELECT count(*) FROM audit_log_events`).Scan(&n); err != nil || n != 0 {
			t.Errorf("%d audit events after reseeding (%v)", n, err)
		}
		return nil
	})
}
