package workspace

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// A destructive call runs only after an act by the signed-in person outside the agent's control:
// the first call creates an Approval, the person approves or denies it on the server's console
// (signed in through AuthKit, as themselves), and the call, repeated, runs at most once. The
// agent never holds anything that approves: the approval's handle only names the request.

// ConfirmationMode says how a team's destructive calls are confirmed.
type ConfirmationMode string

// The confirmation modes.
const (
	// ConfirmHuman (the default) requires the signed-in person's approval on the console (reached
	// by URL-mode elicitation or a link the agent shows), or by form elicitation in the client.
	ConfirmHuman ConfirmationMode = "human"
	// ConfirmAgent accepts the sealed token of the confirmation_required answer from the agent
	// itself: for scripted use only; an operator must choose it for a team.
	ConfirmAgent ConfirmationMode = "agent"
)

// Approval states.
const (
	ApprovalPending  = "pending"
	ApprovalApproved = "approved"
	ApprovalDenied   = "denied"
	ApprovalUsed     = "used"   // approved, then run (or refused at run time): spent
	ApprovalClosed   = "closed" // denied, and the denial was reported to the agent
)

// Approval is one destructive call waiting for, or holding, the person's decision. It is bound
// as a confirmation token is: to the person, team, environment, operation, parameters and the
// target's state when it was created.
type Approval struct {
	ID          string         `json:"id"` // the handle: short, random, names the request only
	Binding     string         `json:"binding"`
	Subject     string         `json:"sub"`
	Email       string         `json:"email,omitempty"`
	Team        string         `json:"team"`
	Role        string         `json:"role"`
	Environment string         `json:"env"`
	EnvKind     string         `json:"env_kind"`
	Operation   string         `json:"op"`
	ParamsHash  string         `json:"params"`
	Target      string         `json:"target"` // fingerprint of the target and its dependents
	TargetName  string         `json:"name"`
	Plan        map[string]any `json:"plan"` // what would be destroyed (redacted, readable by the person)
	State       string         `json:"state"`
	CreatedAt   time.Time      `json:"created_at"`
	ExpiresAt   time.Time      `json:"expires_at"`
	DecidedAt   time.Time      `json:"decided_at,omitzero"`
}

// Expired reports whether the approval can no longer be decided or used.
func (a *Approval) Expired(now time.Time) bool { return !now.Before(a.ExpiresAt) }

// Approval refusals.
var (
	ErrApprovalNotFound = errors.New("no such approval request")
	ErrApprovalExpired  = errors.New("the approval request has expired")
	ErrApprovalDecided  = errors.New("the approval request was already decided")
	ErrApprovalOther    = errors.New("the approval request belongs to another person")
	ErrApprovalNotReady = errors.New("the approval request is not approved")
)

// ApprovalStore keeps approval requests. Replicas share one (Redis) for an approval given on one
// to be honoured, once, on another.
type ApprovalStore interface {
	// Create stores a new pending approval.
	Create(ctx context.Context, a *Approval) error
	// Get returns an approval by ID (ErrApprovalNotFound).
	Get(ctx context.Context, id string) (*Approval, error)
	// Latest returns the most recent approval for a binding, or ErrApprovalNotFound.
	Latest(ctx context.Context, binding string) (*Approval, error)
	// Decide moves a pending, unexpired approval of subject to approved or denied, atomically:
	// of two concurrent decisions exactly one succeeds. It refuses another person's approval
	// (ErrApprovalOther), an expired one and one already decided.
	Decide(ctx context.Context, id, subject string, approve bool, now time.Time) (*Approval, error)
	// Use moves an approved, unexpired approval to used (or a denied one to closed),
	// atomically: exactly one caller gets it.
	Use(ctx context.Context, id string, now time.Time) (*Approval, error)
	// Pending lists a person's pending, unexpired approvals in a team, newest first.
	Pending(ctx context.Context, team, subject string, now time.Time) ([]*Approval, error)
}

// transition applies Decide's and Use's rules to a copy of a; shared by the stores.
func transition(a *Approval, op, subject string, approve bool, now time.Time) (*Approval, error) {
	b := *a
	switch op {
	case "decide":
		if a.Subject != subject {
			return nil, ErrApprovalOther
		}
		if a.State != ApprovalPending {
			return nil, ErrApprovalDecided
		}
		if a.Expired(now) {
			return nil, ErrApprovalExpired
		}
		b.State, b.DecidedAt = ApprovalDenied, now
		if approve {
			b.State = ApprovalApproved
		}
	case "use":
		switch {
		case a.State == ApprovalDenied:
			b.State = ApprovalClosed
		case a.State != ApprovalApproved:
			return nil, ErrApprovalNotReady
		case a.Expired(now):
			return nil, ErrApprovalExpired
		default:
			b.State = ApprovalUsed
		}
	}
	return &b, nil
}

// MemoryApprovals is an in-process ApprovalStore, for a single replica. The zero value is ready.
type MemoryApprovals struct {
	mu      sync.Mutex
	byID    map[string]*Approval
	binding map[string]string
}

func (m *MemoryApprovals) init() {
	if m.byID == nil {
		m.byID, m.binding = map[string]*Approval{}, map[string]string{}
	}
}

// sweep forgets approvals long past their expiry, so the maps stay bounded.
func (m *MemoryApprovals) sweep(now time.Time) {
	if len(m.byID) < 1024 {
		return
	}
	for id, a := range m.byID {
		if now.Sub(a.ExpiresAt) > approvalRetention {
			delete(m.byID, id)
			if m.binding[a.Binding] == id {
				delete(m.binding, a.Binding)
			}
		}
	}
}

// approvalRetention is how long a finished approval is kept after its expiry (for the console).
const approvalRetention = time.Hour

// Create implements ApprovalStore.
func (m *MemoryApprovals) Create(_ context.Context, a *Approval) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.init()
	m.sweep(a.CreatedAt)
	c := *a
	m.byID[a.ID] = &c
	m.binding[a.Binding] = a.ID
	return nil
}

// Get implements ApprovalStore.
func (m *MemoryApprovals) Get(_ context.Context, id string) (*Approval, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.init()
	a, ok := m.byID[id]
	if !ok {
		return nil, ErrApprovalNotFound
	}
	c := *a
	return &c, nil
}

// Latest implements ApprovalStore.
func (m *MemoryApprovals) Latest(ctx context.Context, binding string) (*Approval, error) {
	m.mu.Lock()
	id, ok := m.binding[binding]
	m.mu.Unlock()
	if !ok {
		return nil, ErrApprovalNotFound
	}
	return m.Get(ctx, id)
}

func (m *MemoryApprovals) apply(id, op, subject string, approve bool, now time.Time) (*Approval, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.init()
	a, ok := m.byID[id]
	if !ok {
		return nil, ErrApprovalNotFound
	}
	b, err := transition(a, op, subject, approve, now)
	if err != nil {
		return nil, err
	}
	m.byID[id] = b
	c := *b
	return &c, nil
}

// Decide implements ApprovalStore.
func (m *MemoryApprovals) Decide(_ context.Context, id, subject string, approve bool, now time.Time) (*Approval, error) {
	return m.apply(id, "decide", subject, approve, now)
}

// Use implements ApprovalStore.
func (m *MemoryApprovals) Use(_ context.Context, id string, now time.Time) (*Approval, error) {
	return m.apply(id, "use", "", false, now)
}

// Pending implements ApprovalStore.
func (m *MemoryApprovals) Pending(_ context.Context, team, subject string, now time.Time) ([]*Approval, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.init()
	var out []*Approval
	for _, a := range m.byID {
		if a.Team == team && a.Subject == subject && a.State == ApprovalPending && !a.Expired(now) {
			c := *a
			out = append(out, &c)
		}
	}
	sortNewest(out)
	return out, nil
}

func sortNewest(as []*Approval) {
	sort.Slice(as, func(i, j int) bool { return as[i].CreatedAt.After(as[j].CreatedAt) })
}

// newApprovalID is the handle: "apv_" and 20 base32 characters (100 random bits), short enough
// for a model to copy, and unguessable.
func newApprovalID() string {
	b := make([]byte, 13)
	_, _ = rand.Read(b)
	return "apv_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))[:20]
}

// validApprovalID reports whether s has the handle's shape (before any store is asked).
func validApprovalID(s string) bool {
	rest, ok := strings.CutPrefix(s, "apv_")
	if !ok || len(rest) != 20 {
		return false
	}
	for _, c := range rest {
		if !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}

// bindingOf is what an approval is for: this person, team, environment, operation and exact
// parameters. A repeated call finds its approval by it.
func bindingOf(oc *opCall) string {
	return hashJSON([]string{oc.c.session.UserID, oc.c.team.OrganizationID, oc.env.Name, oc.op.Name, hashJSON(oc.params)})
}

func approvalError(err error) error {
	return fmt.Errorf("%w; nothing was done", err)
}
