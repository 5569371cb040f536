package emulator

import (
	"net/http"
	"time"
)

// event is a WorkOS event (GET /events); every change the emulator makes appends one.
type event struct {
	Object    string `json:"object"`
	ID        string `json:"id"`
	Event     string `json:"event"`
	Data      any    `json:"data"`
	CreatedAt string `json:"created_at"`
	Context   any    `json:"context,omitempty"`
}

type eventContext struct {
	ClientID string      `json:"client_id,omitempty"`
	Actor    *eventActor `json:"actor,omitempty"`
}

type eventActor struct {
	ID     string  `json:"id"`
	Source string  `json:"source"` // api | dashboard | admin_portal | system
	Name   *string `json:"name"`
}

// emit appends an event in the request's transaction: it exists if and only if the change does.
func (t *tx) emit(name, orgID string, data any) error { return t.emitWith(name, orgID, data, nil) }

// emitWith is emit with event-specific context fields beside client_id and actor.
func (t *tx) emitWith(name, orgID string, data any, context map[string]any) error {
	ev := event{Object: "event", ID: t.newID("event_"), Event: name, Data: data, CreatedAt: formatTime(t.now)}
	a := t.actor
	if a.ID == "" {
		a.ID = "emulator"
	}
	if context == nil {
		ev.Context = &eventContext{ClientID: t.clientID, Actor: &a}
	} else {
		context["client_id"], context["actor"] = t.clientID, &a
		ev.Context = context
	}
	if err := t.save("event", ev.ID, orgID, ev); err != nil {
		return err
	}
	return t.enqueueDeliveries(&ev)
}

type storedEvent struct {
	Object    string         `json:"object"`
	ID        string         `json:"id"`
	Event     string         `json:"event"`
	Data      map[string]any `json:"data"`
	CreatedAt string         `json:"created_at"`
	Context   map[string]any `json:"context,omitempty"`
}

func listEvents(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	names := map[string]bool{}
	for _, v := range c.queryList("events") {
		names[v] = true
	}
	var start, end time.Time
	if v := c.query.Get("range_start"); v != "" {
		if start, err = time.Parse(time.RFC3339, v); err != nil {
			return 0, nil, invalidField("range_start", "invalid_date", "range_start must be an RFC 3339 timestamp.")
		}
	}
	if v := c.query.Get("range_end"); v != "" {
		if end, err = time.Parse(time.RFC3339, v); err != nil {
			return 0, nil, invalidField("range_end", "invalid_date", "range_end must be an RFC 3339 timestamp.")
		}
	}
	org := c.query.Get("organization_id")
	evs, err := filter(c.t, "event", org, func(ev *storedEvent) bool {
		if len(names) > 0 && !names[ev.Event] {
			return false
		}
		at, _ := time.Parse(time.RFC3339, ev.CreatedAt)
		if !start.IsZero() && at.Before(start) {
			return false
		}
		if !end.IsZero() && at.After(end) {
			return false
		}
		return true
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, paginate(evs, func(e *storedEvent) string { return e.ID }, p), nil
}
