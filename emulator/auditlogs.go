package emulator

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
)

type auditTarget struct {
	Type     string         `json:"type"`
	Metadata map[string]any `json:"metadata,omitempty"`
}

type auditSchema struct {
	Object    string         `json:"object"`
	Version   int            `json:"version"`
	Actor     *auditActorDef `json:"actor,omitempty"`
	Targets   []auditTarget  `json:"targets"`
	Metadata  map[string]any `json:"metadata,omitempty"`
	CreatedAt string         `json:"created_at"`
}

type auditActorDef struct {
	Metadata map[string]any `json:"metadata"`
}

type auditAction struct {
	Object    string       `json:"object"`
	ID        string       `json:"-"`
	Name      string       `json:"name"`
	Schema    *auditSchema `json:"schema"`
	CreatedAt string       `json:"created_at"`
	UpdatedAt string       `json:"updated_at"`
}

// storedAction keeps every schema version; the API shows the latest as "schema".
type storedAction struct {
	ID        string         `json:"id"`
	Name      string         `json:"name"`
	Versions  []*auditSchema `json:"versions"`
	CreatedAt string         `json:"created_at"`
	UpdatedAt string         `json:"updated_at"`
}

func (a *storedAction) render() *auditAction {
	return &auditAction{Object: "audit_log_action", ID: a.ID, Name: a.Name, Schema: a.Versions[len(a.Versions)-1], CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
}

type auditEventActor struct {
	ID       string         `json:"id"`
	Type     string         `json:"type"`
	Name     string         `json:"name,omitempty"`
	Metadata map[string]any `json:"metadata,omitempty"`
}

type auditEventInput struct {
	Action     string            `json:"action"`
	OccurredAt string            `json:"occurred_at"`
	Actor      *auditEventActor  `json:"actor"`
	Targets    []auditEventActor `json:"targets"`
	Context    *struct {
		Location  string `json:"location"`
		UserAgent string `json:"user_agent,omitempty"`
	} `json:"context"`
	Metadata map[string]any `json:"metadata,omitempty"`
	Version  int            `json:"version,omitempty"`
}

type storedAuditEvent struct {
	ID             string          `json:"id"`
	OrganizationID string          `json:"organization_id"`
	Event          auditEventInput `json:"event"`
	CreatedAt      string          `json:"created_at"`
}

func (t *tx) auditAction(name string) (*storedAction, error) {
	return find(t, "audit_log_action", "", func(a *storedAction) bool { return a.Name == name })
}

func (t *tx) createAuditSchema(name string, s auditSchema) (*auditSchema, error) {
	if !regexpActionName.MatchString(name) {
		return nil, invalidField("action", "invalid_action", "action names are lowercase words joined by '.' or '_'.")
	}
	if s.Targets == nil {
		s.Targets = []auditTarget{}
	}
	for _, tg := range s.Targets {
		if tg.Type == "" {
			return nil, invalidField("targets", "target_type_required", "every target needs a type.")
		}
	}
	s.Object, s.CreatedAt = "audit_log_schema", formatTime(t.now)
	a, err := t.auditAction(name)
	if errors.Is(err, errNotFound) {
		a = &storedAction{ID: t.newID("audit_log_action_"), Name: name, CreatedAt: formatTime(t.now)}
	} else if err != nil {
		return nil, err
	}
	s.Version = len(a.Versions) + 1
	a.Versions = append(a.Versions, &s)
	a.UpdatedAt = formatTime(t.now)
	return &s, t.save("audit_log_action", a.ID, "", a)
}

func (t *tx) createAuditEvent(orgID string, ev auditEventInput) error {
	// Only the organization's existence matters here: neither it nor its domains are read.
	if err := t.mustExist("organization", "Organization", orgID); err != nil {
		return err
	}
	// Schema errors are the spec's 400 invalid_audit_log_event, each naming a JSON pointer into
	// the event (errors[].instancePath), not the 422 field errors of other endpoints.
	var errs []instanceError
	bad := func(path, msg string) { errs = append(errs, instanceError{InstancePath: path, Message: msg}) }
	if ev.Action == "" {
		bad("/action", "action is required.")
	}
	if _, err := time.Parse(time.RFC3339, ev.OccurredAt); err != nil {
		bad("/occurred_at", "occurred_at must be an RFC 3339 timestamp.")
	}
	switch {
	case ev.Actor == nil:
		bad("/actor", "actor is required.")
	case ev.Actor.ID == "":
		bad("/actor/id", "actor needs an id.")
	case ev.Actor.Type == "":
		bad("/actor/type", "actor needs a type.")
	}
	if ev.Targets == nil {
		bad("/targets", "targets is required.")
	}
	for i, tg := range ev.Targets {
		if tg.ID == "" {
			bad(fmt.Sprintf("/targets/%d/id", i), "every target needs an id.")
		}
		if tg.Type == "" {
			bad(fmt.Sprintf("/targets/%d/type", i), "every target needs a type.")
		}
	}
	if ev.Context == nil {
		bad("/context", "context is required.")
	} else if ev.Context.Location == "" {
		bad("/context/location", "context.location is required.")
	}
	if len(errs) == 0 {
		// When the action has a schema, the targets' types must be the ones it declares.
		if a, err := t.auditAction(ev.Action); err == nil {
			s := a.Versions[len(a.Versions)-1]
			if ev.Version > 0 && ev.Version <= len(a.Versions) {
				s = a.Versions[ev.Version-1]
			}
			for i, tg := range ev.Targets {
				if !slices.ContainsFunc(s.Targets, func(x auditTarget) bool { return x.Type == tg.Type }) {
					bad(fmt.Sprintf("/targets/%d/type", i), "target type '"+tg.Type+"' is not in the schema of "+ev.Action+".")
				}
			}
		} else if !errors.Is(err, errNotFound) {
			return err
		}
	}
	if len(errs) > 0 {
		return &apiError{Status: http.StatusBadRequest, Code: "invalid_audit_log_event", Message: "Invalid Audit Log event.", Instance: errs}
	}
	se := &storedAuditEvent{ID: t.newID("audit_log_event_"), OrganizationID: orgID, Event: ev, CreatedAt: formatTime(t.now)}
	return t.save("audit_log_event", se.ID, orgID, se)
}

func createAuditEventHandler(c *call) (int, any, error) {
	var in struct {
		OrganizationID string           `json:"organization_id"`
		Event          *auditEventInput `json:"event"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if in.OrganizationID == "" || in.Event == nil {
		return 0, nil, invalidField("organization_id", "required", "organization_id and event are required.")
	}
	if err := c.t.createAuditEvent(in.OrganizationID, *in.Event); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"success": true}, nil
}

func listAuditActions(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	as, err := loadAll[storedAction](c.t, "audit_log_action", "")
	if err != nil {
		return 0, nil, err
	}
	out := make([]*auditAction, 0, len(as))
	for _, a := range as {
		out = append(out, a.render())
	}
	return http.StatusOK, paginate(out, func(a *auditAction) string { return a.ID }, p), nil
}

func listAuditSchemas(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	name := c.param("actionName")
	a, err := c.t.auditAction(name)
	if errors.Is(err, errNotFound) {
		return 0, nil, notFound("Audit log action", name)
	}
	if err != nil {
		return 0, nil, err
	}
	key := func(s *auditSchema) string { return strings.Repeat("0", 10-len(itoa(s.Version))) + itoa(s.Version) }
	return http.StatusOK, paginate(a.Versions, key, p), nil
}

func createAuditSchemaHandler(c *call) (int, any, error) {
	var in auditSchema
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if in.Targets == nil {
		return 0, nil, invalidField("targets", "targets_required", "targets is required.")
	}
	s, err := c.t.createAuditSchema(c.param("actionName"), in)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, s, nil
}

type auditExport struct {
	Object    string  `json:"object"`
	ID        string  `json:"id"`
	State     string  `json:"state"`
	URL       *string `json:"url"`
	CreatedAt string  `json:"created_at"`
	UpdatedAt string  `json:"updated_at"`
}

type storedExport struct {
	auditExport
	Token string `json:"token"`
	CSV   string `json:"csv"`
}

// createAuditExport builds the CSV at once (state "ready"): the emulator has no queue to wait on.
func createAuditExport(c *call) (int, any, error) {
	var in struct {
		OrganizationID string   `json:"organization_id"`
		RangeStart     string   `json:"range_start"`
		RangeEnd       string   `json:"range_end"`
		Actions        []string `json:"actions"`
		Actors         []string `json:"actors"`
		ActorNames     []string `json:"actor_names"`
		ActorIDs       []string `json:"actor_ids"`
		Targets        []string `json:"targets"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	start, err1 := time.Parse(time.RFC3339, in.RangeStart)
	end, err2 := time.Parse(time.RFC3339, in.RangeEnd)
	var errs []fieldError
	if in.OrganizationID == "" {
		errs = append(errs, fieldError{Field: "organization_id", Code: "required", Message: "organization_id is required."})
	}
	if err1 != nil {
		errs = append(errs, fieldError{Field: "range_start", Code: "invalid_date", Message: "range_start must be an RFC 3339 timestamp."})
	}
	if err2 != nil {
		errs = append(errs, fieldError{Field: "range_end", Code: "invalid_date", Message: "range_end must be an RFC 3339 timestamp."})
	}
	if len(errs) > 0 {
		return 0, nil, invalidParams(errs...)
	}
	if end.Before(start) {
		return 0, nil, invalidField("range_end", "invalid_range", "range_end must not be before range_start.")
	}
	t := c.t
	if _, err := t.organization(in.OrganizationID); err != nil {
		return 0, nil, err
	}
	evs, err := loadAll[storedAuditEvent](t, "audit_log_event", in.OrganizationID)
	if err != nil {
		return 0, nil, err
	}
	actorNames := append(in.ActorNames, in.Actors...)
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"ID", "Action", "Occurred At", "Actor ID", "Actor Type", "Actor Name", "Targets", "Location", "User Agent", "Metadata"})
	for _, se := range evs {
		ev := se.Event
		at, err := time.Parse(time.RFC3339, ev.OccurredAt)
		if err != nil || at.Before(start) || at.After(end) {
			continue
		}
		if len(in.Actions) > 0 && !slices.Contains(in.Actions, ev.Action) {
			continue
		}
		if len(actorNames) > 0 && (ev.Actor == nil || !slices.Contains(actorNames, ev.Actor.Name)) {
			continue
		}
		if len(in.ActorIDs) > 0 && (ev.Actor == nil || !slices.Contains(in.ActorIDs, ev.Actor.ID)) {
			continue
		}
		if len(in.Targets) > 0 && !slices.ContainsFunc(ev.Targets, func(tg auditEventActor) bool { return slices.Contains(in.Targets, tg.Type) }) {
			continue
		}
		var targets []string
		for _, tg := range ev.Targets {
			targets = append(targets, tg.Type+":"+tg.ID)
		}
		md, _ := json.Marshal(ev.Metadata)
		loc, ua := "", ""
		if ev.Context != nil {
			loc, ua = ev.Context.Location, ev.Context.UserAgent
		}
		_ = w.Write([]string{se.ID, ev.Action, ev.OccurredAt, ev.Actor.ID, ev.Actor.Type, ev.Actor.Name, strings.Join(targets, " "), loc, ua, string(md)})
	}
	w.Flush()
	x := &storedExport{auditExport: auditExport{Object: "audit_log_export", ID: t.newID("audit_log_export_"), State: "ready",
		CreatedAt: formatTime(t.now), UpdatedAt: formatTime(t.now)}, Token: randomToken(32), CSV: buf.String()}
	u := c.baseURL() + "/_emulator/audit_log_exports/" + x.ID + ".csv?token=" + x.Token
	x.URL = &u
	if err := t.save("audit_log_export", x.ID, in.OrganizationID, x); err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, &x.auditExport, nil
}

func getAuditExport(c *call) (int, any, error) {
	id := c.param("auditLogExportId")
	x, err := loadFound[storedExport](c.t, "audit_log_export", "Audit log export", id)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, &x.auditExport, nil
}

// downloadAuditExport serves an export's CSV to whoever holds its URL, like a presigned link.
func downloadAuditExport(c *call) (int, any, error) {
	id := strings.TrimSuffix(c.param("file"), ".csv")
	tok := c.query.Get("token")
	var found *storedExport
	for _, env := range c.e.Environments() {
		c.t.env = env.Name
		x, err := load[storedExport](c.t, "audit_log_export", id)
		if err == nil && tok != "" && x.Token == tok {
			found = x
			break
		}
		if err != nil && !errors.Is(err, errNotFound) {
			return 0, nil, err
		}
	}
	if found == nil {
		return 0, nil, notFound("Audit log export", id)
	}
	return http.StatusOK, rawBody{contentType: "text/csv; charset=utf-8", data: []byte(found.CSV),
		header: http.Header{"Content-Disposition": {`attachment; filename="` + id + `.csv"`}}}, nil
}

var regexpActionName = regexp.MustCompile(`^[a-z0-9_]+(\.[a-z0-9_]+)*$`)

// Audit log retention and configuration.

type auditRetention struct {
	Days int `json:"retention_period_in_days"`
}

func (t *tx) retention(orgID string) (int, error) {
	r, err := load[auditRetention](t, "audit_log_retention", orgID)
	if errors.Is(err, errNotFound) {
		return 365, nil // WorkOS's default
	}
	if err != nil {
		return 0, err
	}
	return r.Days, nil
}

func getAuditRetention(c *call) (int, any, error) {
	o, err := c.t.organization(c.param("id"))
	if err != nil {
		return 0, nil, err
	}
	days, err := c.t.retention(o.ID)
	return http.StatusOK, map[string]any{"retention_period_in_days": days}, err
}

func setAuditRetention(c *call) (int, any, error) {
	var in struct {
		Days *int `json:"retention_period_in_days"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	o, err := c.t.organization(c.param("id"))
	if err != nil {
		return 0, nil, err
	}
	if in.Days == nil || (*in.Days != 30 && *in.Days != 365) {
		return 0, nil, invalidField("retention_period_in_days", "invalid_retention_period", "retention_period_in_days must be 30 or 365.")
	}
	if err := c.t.save("audit_log_retention", o.ID, o.ID, &auditRetention{Days: *in.Days}); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"retention_period_in_days": *in.Days}, nil
}

func getAuditConfiguration(c *call) (int, any, error) {
	o, err := c.t.organization(c.param("id"))
	if err != nil {
		return 0, nil, err
	}
	days, err := c.t.retention(o.ID)
	return http.StatusOK, map[string]any{"organization_id": o.ID, "retention_period_in_days": days, "state": "active"}, err
}
