package console

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/workos-mcp/workos-mcp/workspace"
)

func (c *Console) home(w http.ResponseWriter, r *http.Request, _ *session) {
	http.Redirect(w, r, Path+"/approvals", http.StatusSeeOther)
}

func (c *Console) approvals(w http.ResponseWriter, r *http.Request, s *session) {
	list, err := c.cfg.Workspace.PendingApprovals(r.Context(), s.authkit())
	data := map[string]any{"Title": "Approvals", "Approvals": list}
	if err != nil {
		data["Error"] = err.Error()
	}
	c.render(w, r, http.StatusOK, "approvals", s, data)
}

func (c *Console) approval(w http.ResponseWriter, r *http.Request, s *session) {
	a, err := c.cfg.Workspace.ApprovalFor(r.Context(), s.authkit(), r.PathValue("id"))
	if err != nil {
		c.approvalError(w, r, s, err)
		return
	}
	c.render(w, r, http.StatusOK, "approval", s, map[string]any{"Title": "Approve " + a.Operation, "A": a,
		"Open": a.State == workspace.ApprovalPending && !a.Expired(c.now())})
}

func (c *Console) decide(w http.ResponseWriter, r *http.Request, s *session) {
	var approve bool
	switch r.PostFormValue("decision") {
	case "approve":
		approve = true
	case "deny":
	default:
		c.render(w, r, http.StatusBadRequest, "error", s, map[string]any{"Title": "Refused", "Message": "Choose approve or deny."})
		return
	}
	a, err := c.cfg.Workspace.DecideApproval(r.Context(), s.authkit(), r.PathValue("id"), approve)
	if err != nil {
		c.approvalError(w, r, s, err)
		return
	}
	title := "Denied " + a.Operation
	if a.State == workspace.ApprovalApproved {
		title = "Approved " + a.Operation
	}
	c.render(w, r, http.StatusOK, "approval", s, map[string]any{"Title": title, "A": a, "Decided": true})
}

func (c *Console) approvalError(w http.ResponseWriter, r *http.Request, s *session, err error) {
	status, msg := http.StatusServiceUnavailable, err.Error()
	switch {
	case errors.Is(err, workspace.ErrApprovalNotFound):
		status, msg = http.StatusNotFound, "There is no such approval request (it may have expired and been forgotten)."
	case errors.Is(err, workspace.ErrApprovalOther):
		status, msg = http.StatusForbidden, "This approval request belongs to another person: only the person whose agent asked may approve it. The attempt was recorded."
	case errors.Is(err, workspace.ErrApprovalExpired):
		status, msg = http.StatusGone, "This approval request has expired; nothing will run. Ask your agent to try again for a new one."
	case errors.Is(err, workspace.ErrApprovalDecided):
		status, msg = http.StatusConflict, "This approval request was already decided."
	}
	c.render(w, r, status, "error", s, map[string]any{"Title": "Approval refused", "Message": msg})
}

func (c *Console) settings(w http.ResponseWriter, r *http.Request, s *session) {
	c.showSettings(w, r, s, http.StatusOK, nil)
}

func (c *Console) showSettings(w http.ResponseWriter, r *http.Request, s *session, status int, data map[string]any) {
	if data == nil {
		data = map[string]any{}
	}
	p := c.cfg.Workspace.PersonOf(r.Context(), s.authkit())
	data["Person"], data["Title"] = p, "Settings"
	if !p.Admin {
		data["Message"] = "Only team admins may see and change the settings."
		c.render(w, r, http.StatusForbidden, "error", s, data)
		return
	}
	ts, err := c.cfg.Workspace.SettingsFor(r.Context(), s.authkit())
	if err != nil {
		data["Error"] = err.Error()
	}
	data["S"] = ts
	c.render(w, r, status, "settings", s, data)
}

func (c *Console) saveSettings(w http.ResponseWriter, r *http.Request, s *session) {
	on := func(k string) bool { return r.PostFormValue(k) == "on" }
	err := c.cfg.Workspace.SetSettings(r.Context(), s.authkit(), on("enabled"), on("allow_production"), on("allow_write"))
	switch {
	case errors.Is(err, workspace.ErrNotAdmin):
		c.render(w, r, http.StatusForbidden, "error", s, map[string]any{"Title": "Refused", "Message": "Only team admins may change the settings. The attempt was recorded."})
	case err != nil:
		c.showSettings(w, r, s, http.StatusBadGateway, map[string]any{"Error": err.Error()})
	default:
		c.showSettings(w, r, s, http.StatusOK, map[string]any{"Saved": true})
	}
}

func (c *Console) activity(w http.ResponseWriter, r *http.Request, s *session) {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	days, _ := strconv.Atoi(q.Get("days"))
	f := workspace.ActivityFilter{Person: strings.TrimSpace(q.Get("person")), Operation: strings.TrimSpace(q.Get("operation")),
		Environment: strings.TrimSpace(q.Get("environment")), Outcome: strings.TrimSpace(q.Get("outcome")), Days: days, Page: max(page, 0)}
	entries, more, err := c.cfg.Workspace.Activity(r.Context(), s.authkit(), f)
	data := map[string]any{"Title": "Activity", "Entries": entries, "F": f, "More": more, "Next": f.Page + 1, "Prev": f.Page - 1}
	if err != nil {
		data["Error"] = err.Error()
	}
	c.render(w, r, http.StatusOK, "activity", s, data)
}
