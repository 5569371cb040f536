package workos

import (
	"context"
	"errors"
)

// AuditLogEvent is one event for an organization's audit log. Action,
// OccurredAt (RFC 3339), Actor, Targets and Context.Location are required.
type AuditLogEvent struct {
	Action     string           `json:"action"`
	OccurredAt string           `json:"occurred_at"`
	Actor      AuditLogActor    `json:"actor"`
	Targets    []AuditLogTarget `json:"targets"`
	Context    AuditLogContext  `json:"context"`
	Metadata   map[string]any   `json:"metadata,omitempty"`
	Version    int              `json:"version,omitempty"`
}

// AuditLogActor is who performed an audit-logged action.
type AuditLogActor struct {
	ID       string         `json:"id"`
	Type     string         `json:"type"`
	Name     string         `json:"name,omitempty"`
	Metadata map[string]any `json:"metadata,omitempty"`
}

// AuditLogTarget is what an audit-logged action affected.
type AuditLogTarget struct {
	ID       string         `json:"id"`
	Type     string         `json:"type"`
	Name     string         `json:"name,omitempty"`
	Metadata map[string]any `json:"metadata,omitempty"`
}

// AuditLogContext is where an audit-logged action came from.
type AuditLogContext struct {
	Location  string `json:"location"`
	UserAgent string `json:"user_agent,omitempty"`
}

// CreateAuditLogEvent records e in organizationID's audit log
// (POST /audit_logs/events). idempotencyKey makes a repeated call with the
// same key land once; "" uses a random key (still reused across retries).
func (c *Client) CreateAuditLogEvent(ctx context.Context, organizationID string, e AuditLogEvent, idempotencyKey string) error {
	if err := checkID("organization", organizationID); err != nil {
		return err
	}
	if e.Action == "" || e.OccurredAt == "" || e.Actor.ID == "" || e.Actor.Type == "" || e.Context.Location == "" {
		return errors.New("workos: audit log event needs action, occurred_at, actor id and type, and context location")
	}
	if e.Targets == nil {
		e.Targets = []AuditLogTarget{}
	}
	if idempotencyKey != "" {
		ctx = WithIdempotencyKey(ctx, idempotencyKey)
	}
	body := struct {
		OrganizationID string        `json:"organization_id"`
		Event          AuditLogEvent `json:"event"`
	}{organizationID, e}
	_, err := c.Do(ctx, "POST", "/audit_logs/events", nil, body, nil)
	return err
}
