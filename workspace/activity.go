package workspace

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/workos-mcp/workos-mcp/authkit"
)

// The console's activity page answers "who did what, where" from the team's own audit trail:
// every record this server writes is an audit-log event of the team's organization in its
// sign-in environment (action workos_mcp.<operation or tool>). WorkOS serves audit-log events
// through exports, so the page reads an export of the recent range.

// ActivityFilter narrows the activity page; empty fields match everything.
type ActivityFilter struct {
	Person      string // a user ID or email, exact
	Operation   string // substring of the action
	Environment string
	Outcome     string
	Days        int // how far back; default 7, at most 30
	Page        int // 0-based, ActivityPageSize entries a page
}

// ActivityPageSize is how many entries an activity page holds.
const ActivityPageSize = 50

// ActivityEntry is one recorded action.
type ActivityEntry struct {
	Time        string
	PersonID    string
	Person      string // the name or email the record carries, else the ID
	Action      string
	Environment string
	Target      string
	Outcome     string
	Reason      string
}

// Activity returns the team's recent recorded actions, newest first, filtered and paged. Team
// admins see everyone's; other people only their own. more reports a next page.
func (s *Server) Activity(ctx context.Context, sess *authkit.Session, f ActivityFilter) (entries []ActivityEntry, more bool, err error) {
	c := s.callerOf(ctx, sess)
	t := c.team
	if t == nil {
		return nil, false, ErrNoTeam
	}
	if t.SignIn == nil {
		return nil, false, errors.New("the team has no sign-in environment to read its audit trail from")
	}
	if !(c.roleKnown && c.roleSlug == "admin") {
		f.Person = sess.UserID // people see their own actions; admins everyone's
	}
	if f.Days <= 0 {
		f.Days = 7
	}
	f.Days = min(f.Days, 30)
	now := s.now().UTC()
	cl := s.client(t.SignIn.BaseURL, t.SignIn.APIKey)
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	var export struct {
		ID    string `json:"id"`
		State string `json:"state"`
		URL   string `json:"url"`
	}
	body := map[string]any{
		"organization_id": t.auditOrganization(),
		"range_start":     now.Add(-time.Duration(f.Days) * 24 * time.Hour).Format(time.RFC3339),
		"range_end":       now.Add(time.Minute).Format(time.RFC3339),
	}
	if _, err := cl.Do(ctx, "POST", "/audit_logs/exports", nil, body, &export); err != nil {
		return nil, false, fmt.Errorf("read the audit trail: %s", s.redactor.Text(err.Error()))
	}
	for i := 0; i < 20 && export.State == "pending" && export.ID != ""; i++ {
		select {
		case <-ctx.Done():
			return nil, false, ctx.Err()
		case <-time.After(time.Duration(200*(i+1)) * time.Millisecond):
		}
		if _, err := cl.DoTemplate(ctx, "GET", "/audit_logs/exports/{id}", map[string]string{"id": export.ID}, nil, nil, &export); err != nil {
			return nil, false, fmt.Errorf("read the audit trail: %s", s.redactor.Text(err.Error()))
		}
	}
	if export.State != "ready" || export.URL == "" {
		return nil, false, errors.New("the audit trail export is not ready yet; reload in a moment")
	}
	rows, _, err := s.downloadExport(ctx, export.URL, 10000)
	if err != nil {
		return nil, false, fmt.Errorf("read the audit trail: %s", s.redactor.Text(err.Error()))
	}
	var all []ActivityEntry
	for _, r := range rows {
		e := activityEntry(r)
		if !strings.HasPrefix(e.Action, "workos_mcp.") || !f.matches(e) {
			continue
		}
		all = append(all, e)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].Time > all[j].Time })
	start := f.Page * ActivityPageSize
	if start >= len(all) {
		return []ActivityEntry{}, false, nil
	}
	end := min(start+ActivityPageSize, len(all))
	return all[start:end], end < len(all), nil
}

func (f ActivityFilter) matches(e ActivityEntry) bool {
	if f.Person != "" && f.Person != e.PersonID && !strings.EqualFold(f.Person, e.Person) {
		return false
	}
	if f.Operation != "" && !strings.Contains(e.Action, f.Operation) {
		return false
	}
	if f.Environment != "" && f.Environment != e.Environment {
		return false
	}
	return f.Outcome == "" || f.Outcome == e.Outcome
}

// activityEntry reads one exported row (columns as WorkOS exports them: Action, Occurred At,
// Actor ID, Actor Name, Targets, Metadata).
func activityEntry(r map[string]any) ActivityEntry {
	get := func(k string) string { v, _ := r[k].(string); return v }
	e := ActivityEntry{
		Time: get("Occurred At"), PersonID: get("Actor ID"), Person: get("Actor Name"),
		Action: get("Action"), Target: get("Targets"),
	}
	var md map[string]any
	if json.Unmarshal([]byte(get("Metadata")), &md) == nil {
		ms := func(k string) string { v, _ := md[k].(string); return v }
		e.Environment, e.Outcome, e.Reason = ms("environment"), ms("outcome"), ms("reason")
		if email := firstNonEmpty(ms("actor_email"), ms("email")); email != "" {
			e.Person = email
		}
	}
	if e.Person == "" {
		e.Person = e.PersonID
	}
	return e
}
