package workspace

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/workos-mcp/workos-mcp/authkit"
)

// approveThenRun is the confirmation step of a ConfirmHuman team. handle is what the agent sent
// as confirmation_token (an approval's ID, or nothing: the repeated call finds its approval by
// what it is for).
func (s *Server) approveThenRun(ctx context.Context, oc *opCall, req *mcp.CallToolRequest, handle string) (*mcp.CallToolResult, *mutateOut, error) {
	now := s.now()
	binding := bindingOf(oc)
	var a *Approval
	if handle = strings.TrimSpace(handle); handle != "" {
		if strings.HasPrefix(handle, tokenPrefix) {
			err := fmt.Errorf("%w: this team's destructive calls run only after the person approves them on the console; a confirmation token from the agent is not accepted. Call mutate without it to get the approval link", ErrTokenInvalid)
			s.refused(ctx, oc, err)
			return nil, nil, err
		}
		if !validApprovalID(handle) {
			err := fmt.Errorf("%w: confirmation_token must be the approval handle (apv_...) from the approval_required answer, or nothing", ErrTokenInvalid)
			s.refused(ctx, oc, err)
			return nil, nil, err
		}
		got, err := s.approvals.Get(ctx, handle)
		if err != nil {
			err = s.approvalStoreError(ctx, err)
			s.refused(ctx, oc, err)
			return nil, nil, err
		}
		if got.Binding != binding {
			err := fmt.Errorf("%w (the approval was given for another person, environment, operation or parameters); nothing was done", ErrTokenMismatch)
			s.refused(ctx, oc, err)
			return nil, nil, err
		}
		a = got
	} else {
		got, err := s.approvals.Latest(ctx, binding)
		if err != nil && !errors.Is(err, ErrApprovalNotFound) {
			err = s.approvalStoreError(ctx, err)
			s.refused(ctx, oc, err)
			return nil, nil, err
		}
		a = got
	}
	if a != nil {
		switch {
		case a.State == ApprovalApproved && !a.Expired(now):
			if _, err := s.approvals.Use(ctx, a.ID, now); err != nil {
				if errors.Is(err, ErrApprovalNotReady) {
					err = ErrTokenUsed
				}
				err = approvalError(s.approvalStoreError(ctx, err))
				s.refused(ctx, oc, err)
				return nil, nil, err
			}
			cur, err := s.describeTarget(ctx, oc)
			if err != nil {
				s.refused(ctx, oc, err)
				return nil, nil, fmt.Errorf("%w; nothing was done", err)
			}
			if cur.Fingerprint != a.Target {
				err := fmt.Errorf("%w; nothing was done. Call mutate again for a new approval", ErrTargetChanged)
				s.refused(ctx, oc, err)
				return nil, nil, err
			}
			oc.targetName = cur.Name // the name the person approved, for the record
			return s.performAnswer(ctx, oc)
		case a.State == ApprovalDenied:
			if _, err := s.approvals.Use(ctx, a.ID, now); err != nil && !errors.Is(err, ErrApprovalNotReady) {
				err = s.approvalStoreError(ctx, err)
				s.refused(ctx, oc, err)
				return nil, nil, err
			}
			oc.targetName = a.TargetName
			s.recordOutcome(ctx, oc, OutcomeDeclined)
			return nil, &mutateOut{Operation: oc.op.Name, Environment: oc.env.Name, Status: statusDenied,
				Message: "The person denied this on the console; nothing was done. Do not retry unless they ask you to."}, nil
		case a.State == ApprovalPending && !a.Expired(now):
			return s.askApproval(ctx, oc, req, a)
		case handle != "":
			err := ErrTokenUsed
			if a.Expired(now) {
				err = ErrTokenExpired
			}
			err = fmt.Errorf("%w; nothing was done. Call mutate without confirmation_token for a new approval", err)
			s.refused(ctx, oc, err)
			return nil, nil, err
		}
	}
	t, err := s.describeTarget(ctx, oc)
	if err != nil {
		return nil, nil, err
	}
	oc.targetName = t.Name
	email := claim(oc.c.session.Claims, "email")
	a = &Approval{
		ID: newApprovalID(), Binding: binding, Subject: oc.c.session.UserID, Email: email,
		Team: oc.c.team.OrganizationID, Role: oc.c.roleSlug, Environment: oc.env.Name, EnvKind: oc.env.Kind,
		Operation: oc.op.Name, ParamsHash: hashJSON(oc.params), Target: t.Fingerprint, TargetName: t.Name,
		Plan: t.WouldDelete, State: ApprovalPending, CreatedAt: now, ExpiresAt: now.Add(s.ttl),
	}
	if err := s.approvals.Create(ctx, a); err != nil {
		err = s.approvalStoreError(ctx, err)
		s.refused(ctx, oc, err)
		return nil, nil, err
	}
	s.recordOutcome(ctx, oc, OutcomeConfirmationRequired)
	return s.askApproval(ctx, oc, req, a)
}

// approvalStoreError keeps a store's own error (it may name internal addresses) in the server log.
func (s *Server) approvalStoreError(ctx context.Context, err error) error {
	for _, known := range []error{ErrApprovalNotFound, ErrApprovalExpired, ErrApprovalDecided, ErrApprovalOther, ErrApprovalNotReady, ErrTokenUsed} {
		if errors.Is(err, known) {
			return err
		}
	}
	s.log.ErrorContext(ctx, "approval store unavailable", "error", err.Error())
	return errors.New("the approval store is unavailable; nothing was done, retry in a moment")
}

// ApprovalURL is where the person decides an approval.
func (s *Server) ApprovalURL(id string) string {
	return strings.TrimRight(s.cfg.ConsoleURL, "/") + "/approvals/" + id
}

// askApproval asks the person, by the strongest means the client declared: URL-mode elicitation
// (the client opens the approval page and repeats the call), else form elicitation in the client,
// else a link the agent shows the person.
func (s *Server) askApproval(ctx context.Context, oc *opCall, req *mcp.CallToolRequest, a *Approval) (*mcp.CallToolResult, *mutateOut, error) {
	link := s.ApprovalURL(a.ID)
	what := fmt.Sprintf("%s on %s in %s cannot be undone. It would destroy: %s.", oc.op.Name, a.TargetName, oc.env.Name, summaryLine(a.Plan))
	if elicitURL(req) {
		return nil, nil, mcp.URLElicitationRequiredError([]*mcp.ElicitParams{{
			Mode: "url", ElicitationID: a.ID, URL: link,
			Message: what + " Open the link, sign in, and approve or deny; then the call is repeated.",
		}})
	}
	if elicitForm(req) {
		return s.confirmByForm(ctx, oc)
	}
	return nil, &mutateOut{Operation: oc.op.Name, Environment: oc.env.Name, Status: statusApprovalRequired,
		confirmationOut: &confirmationOut{
			Target: a.TargetName, WouldDestroy: a.Plan, ApprovalURL: link, ConfirmationToken: a.ID,
			ExpiresAt: a.ExpiresAt.UTC().Format(time.RFC3339),
			Next: "Show the person the approval_url and what would be destroyed. They approve or deny it there, signed in as themselves; " +
				"you cannot approve it. Then call mutate again with the same operation, params and environment (confirmation_token: the handle, optional).",
		}}, nil
}

// elicitURL reports whether the client declared URL-mode elicitation on this request.
func elicitURL(req *mcp.CallToolRequest) bool {
	if req == nil {
		return false
	}
	caps := req.ClientCapabilities()
	return caps != nil && caps.Elicitation != nil && caps.Elicitation.URL != nil
}

// ApprovalFor returns an approval the signed-in person may see; another person's is refused and
// recorded.
func (s *Server) ApprovalFor(ctx context.Context, sess *authkit.Session, id string) (*Approval, error) {
	if !validApprovalID(id) {
		return nil, ErrApprovalNotFound
	}
	a, err := s.approvals.Get(ctx, id)
	if err != nil {
		return nil, s.approvalStoreError(ctx, err)
	}
	if a.Subject != sess.UserID || a.Team != sess.OrganizationID {
		s.recordApproval(ctx, sess, a, OutcomeRefused, ErrApprovalOther)
		return nil, ErrApprovalOther
	}
	return a, nil
}

// PendingApprovals lists the signed-in person's pending approvals, newest first.
func (s *Server) PendingApprovals(ctx context.Context, sess *authkit.Session) ([]*Approval, error) {
	as, err := s.approvals.Pending(ctx, sess.OrganizationID, sess.UserID, s.now())
	if err != nil {
		return nil, s.approvalStoreError(ctx, err)
	}
	return as, nil
}

// DecideApproval records the signed-in person's decision on one of their approvals. Another
// person's approval, an expired one or one already decided is refused, and every attempt is
// recorded.
func (s *Server) DecideApproval(ctx context.Context, sess *authkit.Session, id string, approve bool) (*Approval, error) {
	if !validApprovalID(id) {
		return nil, ErrApprovalNotFound
	}
	a, err := s.approvals.Get(ctx, id)
	if err != nil {
		return nil, s.approvalStoreError(ctx, err)
	}
	if a.Team != sess.OrganizationID {
		s.recordApproval(ctx, sess, a, OutcomeRefused, ErrApprovalOther)
		return nil, ErrApprovalOther
	}
	d, err := s.approvals.Decide(ctx, id, sess.UserID, approve, s.now())
	if err != nil {
		err = s.approvalStoreError(ctx, err)
		s.recordApproval(ctx, sess, a, OutcomeRefused, err)
		return nil, err
	}
	outcome := OutcomeApproved
	if !approve {
		outcome = OutcomeDenied
	}
	s.recordApproval(ctx, sess, d, outcome, nil)
	return d, nil
}

// recordApproval writes a console decision (or a refused attempt) like every other record.
func (s *Server) recordApproval(ctx context.Context, sess *authkit.Session, a *Approval, outcome Outcome, err error) {
	c := s.callerOf(ctx, sess)
	if c.team == nil {
		s.log.WarnContext(ctx, "approval attempt outside any team", "user", sess.UserID, "approval", a.ID, "outcome", string(outcome))
		return
	}
	class := ""
	s.write(context.WithoutCancel(ctx), entry{c: c, tool: "console", operation: a.Operation, class: class,
		environment: a.Environment, outcome: outcome, err: err})
}
