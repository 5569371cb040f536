package workspace

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/workos-mcp/workos-mcp/internal/redistest"
)

// approvalStoreContract runs the rules every ApprovalStore keeps: only the owner decides, once,
// before expiry; an approved approval is used once; a denial is closed once; replicas (separate
// stores on the same backend) see each other's changes.
func approvalStoreContract(t *testing.T, newStore func() ApprovalStore) {
	ctx := context.Background()
	now := time.Now()
	mk := func(sub string, ttl time.Duration) *Approval {
		return &Approval{ID: newApprovalID(), Binding: newTokenID(), Subject: sub, Team: "org_team", Operation: "organizations.delete",
			State: ApprovalPending, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	}
	a, b := newStore(), newStore() // two replicas
	ap := mk("user_a", time.Minute)
	if err := a.Create(ctx, ap); err != nil {
		t.Fatal(err)
	}
	if got, err := b.Latest(ctx, ap.Binding); err != nil || got.ID != ap.ID {
		t.Fatalf("Latest on the other replica = %v, %v", got, err)
	}
	if p, err := b.Pending(ctx, "org_team", "user_a", now); err != nil || len(p) != 1 || p[0].ID != ap.ID {
		t.Fatalf("Pending = %v, %v", p, err)
	}
	if p, _ := b.Pending(ctx, "org_team", "user_b", now); len(p) != 0 {
		t.Fatalf("another person's Pending = %v", p)
	}
	if _, err := b.Use(ctx, ap.ID, now); !errors.Is(err, ErrApprovalNotReady) {
		t.Fatalf("Use before approval: %v", err)
	}
	if _, err := b.Decide(ctx, ap.ID, "user_b", true, now); !errors.Is(err, ErrApprovalOther) {
		t.Fatalf("another person's decision: %v", err)
	}
	if _, err := a.Decide(ctx, ap.ID, "user_a", true, now.Add(2*time.Minute)); !errors.Is(err, ErrApprovalExpired) {
		t.Fatalf("late decision: %v", err)
	}
	// Concurrent decisions and uses on two replicas: exactly one of each wins.
	var decided, used atomic.Int32
	// onReplicas runs eight callers at once, alternating between the two replicas.
	onReplicas := func(f func(i int, s ApprovalStore)) {
		var wg sync.WaitGroup
		for i := range 8 {
			s := a
			if i%2 == 1 {
				s = b
			}
			wg.Go(func() { f(i, s) })
		}
		wg.Wait()
	}
	onReplicas(func(i int, s ApprovalStore) {
		if _, err := s.Decide(ctx, ap.ID, "user_a", i%3 != 0, now); err == nil {
			decided.Add(1)
		} else if !errors.Is(err, ErrApprovalDecided) {
			t.Errorf("decide: %v", err)
		}
	})
	if decided.Load() != 1 {
		t.Fatalf("%d decisions succeeded", decided.Load())
	}
	got, _ := a.Get(ctx, ap.ID)
	if got.State == ApprovalApproved {
		onReplicas(func(_ int, s ApprovalStore) {
			if _, err := s.Use(ctx, ap.ID, now); err == nil {
				used.Add(1)
			}
		})
		if used.Load() != 1 {
			t.Fatalf("%d uses succeeded", used.Load())
		}
		if got, _ := b.Get(ctx, ap.ID); got.State != ApprovalUsed {
			t.Fatalf("state after use: %s", got.State)
		}
	}
	if p, _ := a.Pending(ctx, "org_team", "user_a", now); len(p) != 0 {
		t.Fatalf("a decided approval is still pending: %v", p)
	}
	// A denial is closed once; an approval past its expiry cannot be used.
	dn := mk("user_a", time.Minute)
	_ = a.Create(ctx, dn)
	if _, err := b.Decide(ctx, dn.ID, "user_a", false, now); err != nil {
		t.Fatal(err)
	}
	if got, err := a.Use(ctx, dn.ID, now); err != nil || got.State != ApprovalClosed {
		t.Fatalf("closing a denial: %v %v", got, err)
	}
	if _, err := a.Use(ctx, dn.ID, now); !errors.Is(err, ErrApprovalNotReady) {
		t.Fatalf("closing twice: %v", err)
	}
	late := mk("user_a", time.Minute)
	_ = a.Create(ctx, late)
	if _, err := a.Decide(ctx, late.ID, "user_a", true, now); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Use(ctx, late.ID, now.Add(time.Hour)); !errors.Is(err, ErrApprovalExpired) {
		t.Fatalf("use after expiry: %v", err)
	}
	if _, err := a.Get(ctx, newApprovalID()); !errors.Is(err, ErrApprovalNotFound) {
		t.Fatalf("unknown id: %v", err)
	}
}

func TestMemoryApprovals(t *testing.T) {
	shared := &MemoryApprovals{}
	approvalStoreContract(t, func() ApprovalStore { return shared })
}

func TestRedisApprovals(t *testing.T) {
	prefix := testPrefix(t)
	approvalStoreContract(t, func() ApprovalStore { return NewRedisApprovals(redistest.Client(t), prefix) })
}

func TestApprovalHandles(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := newApprovalID()
		if !validApprovalID(id) || len(id) != 24 || seen[id] {
			t.Fatalf("handle %q", id)
		}
		seen[id] = true
	}
	for _, bad := range []string{"", "apv_", "apv_ABCDEFGHIJKLMNOPQRST", "apv_aaaaaaaaaaaaaaaaaaa1", "apv_aaaaaaaaaaaaaaaaaaaaa", "wmc1_x", "apv_../../../../../../a"} {
		if validApprovalID(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
}
