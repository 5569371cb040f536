package workspace

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The audit_logs tool: an organization's audit-log events, through an export.

type auditLogsIn struct {
	OrganizationID string   `json:"organization_id" jsonschema:"the organization whose audit log to read"`
	RangeStart     string   `json:"range_start,omitempty" jsonschema:"RFC 3339 start; default: 30 days ago"`
	RangeEnd       string   `json:"range_end,omitempty" jsonschema:"RFC 3339 end; default: now"`
	Actions        []string `json:"actions,omitempty" jsonschema:"only these actions, e.g. user.signed_in"`
	ActorNames     []string `json:"actor_names,omitempty" jsonschema:"only events by these actors"`
	Targets        []string `json:"targets,omitempty" jsonschema:"only events with these target types"`
	Limit          int      `json:"limit,omitempty" jsonschema:"at most this many events in the answer (default 50, at most 500)"`
	Environment    string   `json:"environment,omitempty" jsonschema:"environment name; default: the team's sandbox"`
}

// auditLogsOut is an organization's audit-log events over a range, read from an export.
type auditLogsOut struct {
	Export     map[string]any   `json:"export" jsonschema:"the export WorkOS prepared: id, state, created_at, updated_at (its download link is never shown)"`
	RangeStart string           `json:"range_start" jsonschema:"RFC 3339 start of the range read"`
	RangeEnd   string           `json:"range_end" jsonschema:"RFC 3339 end of the range read"`
	Events     []map[string]any `json:"events" jsonschema:"the events, one object of the export's columns each, secrets redacted"`
	EventCount *int             `json:"event_count,omitempty" jsonschema:"how many events the export holds"`
	Truncated  bool             `json:"truncated,omitempty" jsonschema:"the export holds more events than the limit let through"`
	Note       string           `json:"note,omitempty" jsonschema:"why there are no events yet"`
}

func (s *Server) auditLogs(ctx context.Context, c *caller, _ *mcp.CallToolRequest, in auditLogsIn) (*mcp.CallToolResult, *auditLogsOut, error) {
	if err := c.gate(); err != nil {
		return nil, nil, err
	}
	const tool = "audit_logs"
	if in.OrganizationID == "" {
		return nil, nil, fmt.Errorf("%w: organization_id is required", ErrInvalidInput)
	}
	now := s.now().UTC()
	start, end := now.Add(-30*24*time.Hour), now
	var err error
	if in.RangeStart != "" {
		if start, err = time.Parse(time.RFC3339, in.RangeStart); err != nil {
			return nil, nil, fmt.Errorf("%w: range_start %q is not RFC 3339 (e.g. 2026-01-02T15:04:05Z)", ErrInvalidInput, in.RangeStart)
		}
	}
	if in.RangeEnd != "" {
		if end, err = time.Parse(time.RFC3339, in.RangeEnd); err != nil {
			return nil, nil, fmt.Errorf("%w: range_end %q is not RFC 3339 (e.g. 2026-01-02T15:04:05Z)", ErrInvalidInput, in.RangeEnd)
		}
	}
	if !end.After(start) {
		return nil, nil, fmt.Errorf("%w: range_end must be after range_start", ErrInvalidInput)
	}
	limit := in.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 500)
	params := map[string]any{
		"organization_id": in.OrganizationID,
		"range_start":     start.Format(time.RFC3339),
		"range_end":       end.Format(time.RFC3339),
	}
	for k, v := range map[string][]string{"actions": in.Actions, "actor_names": in.ActorNames, "targets": in.Targets} {
		if len(v) > 0 {
			arr := make([]any, len(v))
			for i := range v {
				arr[i] = v[i]
			}
			params[k] = arr
		}
	}
	res, err := s.runResult(ctx, c, tool, in.Environment, "POST", "/audit_logs/exports", params)
	if err != nil {
		return nil, nil, err
	}
	// The export's download link is pre-signed (a secret); it is read from the unredacted
	// answer and never shown.
	var export map[string]any
	_ = json.Unmarshal(res.raw, &export)
	id := str(export, "id")
	// Exports are prepared asynchronously; poll a bounded number of times.
	for i := 0; i < 20 && str(export, "state") == "pending" && id != ""; i++ {
		select {
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		case <-time.After(time.Duration(200*(i+1)) * time.Millisecond):
		}
		res, err := s.runResult(ctx, c, tool, in.Environment, "GET", "/audit_logs/exports/{auditLogExportId}", map[string]any{"auditLogExportId": id})
		if err != nil {
			return nil, nil, err
		}
		export = nil
		_ = json.Unmarshal(res.raw, &export)
	}
	out := &auditLogsOut{
		Export:     pick(export, "id", "state", "created_at", "updated_at"),
		RangeStart: start.Format(time.RFC3339), RangeEnd: end.Format(time.RFC3339),
	}
	link := str(export, "url")
	if str(export, "state") != "ready" || link == "" {
		out.Events = []map[string]any{}
		out.Note = "The export is not ready yet; call audit_logs again in a moment."
		return nil, out, nil
	}
	events, total, err := s.downloadExport(ctx, link, limit)
	if err != nil {
		out.Note = "The export is ready but could not be read: " + s.redactor.Text(err.Error())
		out.Events = []map[string]any{}
		return nil, out, nil
	}
	out.Events, out.EventCount = events, &total
	out.Truncated = total > len(events)
	return nil, out, nil
}

// downloadExport reads an export's CSV from its (pre-signed) URL. It sends no credentials.
func (s *Server) downloadExport(ctx context.Context, link string, limit int) ([]map[string]any, int, error) {
	u, err := url.Parse(link)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, 0, errors.New("the export's URL is not http(s)")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, link, nil)
	if err != nil {
		return nil, 0, err
	}
	hc := s.httpClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, 0, fmt.Errorf("download answered %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, 0, err
	}
	text := s.redactor.Text(string(body))
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		if err == io.EOF {
			return []map[string]any{}, 0, nil
		}
		return nil, 0, err
	}
	events := []map[string]any{}
	total := 0
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, 0, err
		}
		total++
		if len(events) >= limit {
			continue
		}
		ev := map[string]any{}
		for i, h := range header {
			if i < len(rec) && rec[i] != "" {
				ev[h] = rec[i]
			}
		}
		events = append(events, ev)
	}
	return events, total, nil
}
