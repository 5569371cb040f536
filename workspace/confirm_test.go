package workspace

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/workos-mcp/workos-mcp/authkit"
	"github.com/workos-mcp/workos-mcp/internal/mcptest"
)

func deleteAcme(extra map[string]any) map[string]any {
	args := map[string]any{"operation": "organizations.delete", "params": map[string]any{"id": "org_acme"}}
	for k, v := range extra {
		args[k] = v
	}
	return args
}

func confirmationToken(t *testing.T, cs *mcp.ClientSession, args map[string]any) (string, map[string]any) {
	t.Helper()
	m := mcptest.OK(t, cs, "mutate", args)
	if m["status"] != "confirmation_required" {
		t.Fatalf("first call: %v", m)
	}
	tok, _ := m["confirmation_token"].(string)
	if tok == "" {
		t.Fatalf("no token: %v", m)
	}
	return tok, m
}

func TestConfirmationHappyPath(t *testing.T) {
	h := newHarness(t, nil)
	cs := h.connect("admin", nil)
	tok, m := confirmationToken(t, cs, deleteAcme(nil))
	if h.api.deleteCount() != 0 {
		t.Fatal("the first call deleted")
	}
	wd := m["would_destroy"].(map[string]any)
	for key, n := range map[string]float64{"domains": 2, "connections": 1, "directories": 1, "members": 2, "invitations": 1} {
		got, _ := wd[key].(map[string]any)
		if got == nil || got["count"] != n {
			t.Errorf("would_destroy[%s] = %v, want count %v", key, got, n)
		}
	}
	if names := wd["domains"].(map[string]any)["names"].([]any); len(names) != 2 || names[0] != "acme.test" {
		t.Errorf("domain names = %v", names)
	}
	if m["target"] != "Acme" || m["expires_in_minutes"] != float64(5) || m["expires_at"] == nil {
		t.Errorf("answer = %v", m)
	}
	mcptest.OK(t, cs, "mutate", deleteAcme(map[string]any{"confirmation_token": tok}))
	if h.api.deleteCount() != 1 {
		t.Fatalf("deletes = %d, want 1", h.api.deleteCount())
	}
	// Replay: refused.
	mcptest.Fails(t, cs, "mutate", deleteAcme(map[string]any{"confirmation_token": tok}), "already used")
}

func TestConfirmationRefusals(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		// A second team managing the same environments: a token never crosses teams.
		second := c.Teams[0]
		signIn := *second.SignIn
		signIn.OrganizationID = ""
		second.OrganizationID, second.SignIn = "org_team2", &signIn
		c.Teams = append(c.Teams, second)
	})
	h.sessions["admin-team2"] = &authkit.Session{UserID: "user_admin", OrganizationID: "org_team2", Role: "admin"}
	admin := h.connect("admin", nil)
	tok, _ := confirmationToken(t, admin, deleteAcme(nil))
	mcptest.Fails(t, h.connect("admin-team2", nil), "mutate", deleteAcme(map[string]any{"confirmation_token": tok}), "another team")

	tampered := tok[:len(tok)-3] + map[bool]string{true: "AAA", false: "BBB"}[!strings.HasSuffix(tok, "AAA")]
	mcptest.Fails(t, admin, "mutate", deleteAcme(map[string]any{"confirmation_token": tampered}), "not valid")
	mcptest.Fails(t, admin, "mutate", deleteAcme(map[string]any{"confirmation_token": "garbage"}), "not valid")
	mcptest.Fails(t, h.connect("member", nil), "mutate", deleteAcme(map[string]any{"confirmation_token": tok}), "another person")
	mcptest.Fails(t, admin, "mutate", deleteAcme(map[string]any{"confirmation_token": tok, "environment": "production"}), "environment")
	mcptest.Fails(t, admin, "mutate", map[string]any{"operation": "organizations.delete", "params": map[string]any{"id": "org_other"}, "confirmation_token": tok}, "parameters differ")
	mcptest.Fails(t, admin, "mutate", map[string]any{"operation": "organizations.update", "params": map[string]any{"id": "org_acme", "name": "x"}, "confirmation_token": tok}, "takes no confirmation_token")

	// Expired.
	h.srv.now = func() time.Time { return time.Now().Add(6 * time.Minute) }
	mcptest.Fails(t, admin, "mutate", deleteAcme(map[string]any{"confirmation_token": tok}), "expired")
	h.srv.now = time.Now

	// The target changed after the token was issued.
	tok2, _ := confirmationToken(t, admin, deleteAcme(nil))
	mcptest.OK(t, admin, "mutate", map[string]any{"operation": "organizations.update", "params": map[string]any{"id": "org_acme", "name": "Acme 2"}})
	mcptest.Fails(t, admin, "mutate", deleteAcme(map[string]any{"confirmation_token": tok2}), "target changed")

	if h.api.deleteCount() != 0 {
		t.Fatalf("a refused confirmation deleted something: %d", h.api.deleteCount())
	}
	// Refusals on the binding did not spend the first token, but the target changed since it
	// was issued, so it is refused as well.
	mcptest.Fails(t, admin, "mutate", deleteAcme(map[string]any{"confirmation_token": tok}), "target changed")
}

func TestConfirmationConcurrent(t *testing.T) {
	h := newHarness(t, nil)
	admin := h.connect("admin", nil)
	tok, _ := confirmationToken(t, admin, deleteAcme(nil))
	const n = 4
	var wg sync.WaitGroup
	errs := make([]bool, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			cs := admin
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "mutate", Arguments: deleteAcme(map[string]any{"confirmation_token": tok})})
			errs[i] = err != nil || res.IsError
		}(i)
	}
	wg.Wait()
	ok := 0
	for _, e := range errs {
		if !e {
			ok++
		}
	}
	if ok != 1 || h.api.deleteCount() != 1 {
		t.Fatalf("successes = %d, deletes = %d; want exactly one of each", ok, h.api.deleteCount())
	}
}

func TestConfirmationElicitation(t *testing.T) {
	h := newHarness(t, nil)
	typed := func(name string, action string) func(context.Context, *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
		return func(_ context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
			if !strings.Contains(req.Params.Message, "Acme") {
				t.Errorf("elicitation message %q does not name the target", req.Params.Message)
			}
			return &mcp.ElicitResult{Action: action, Content: map[string]any{"name": name}}, nil
		}
	}
	m := mcptest.OK(t, h.connect("admin", typed("Acme", "decline")), "mutate", deleteAcme(nil))
	if m["status"] != "cancelled" || h.api.deleteCount() != 0 {
		t.Fatalf("declined: %v, deletes %d", m, h.api.deleteCount())
	}
	mcptest.Fails(t, h.connect("admin", typed("Acme Inc", "accept")), "mutate", deleteAcme(nil), "does not match")
	if h.api.deleteCount() != 0 {
		t.Fatal("a wrong name deleted")
	}
	mcptest.OK(t, h.connect("admin", typed("Acme", "accept")), "mutate", deleteAcme(nil))
	if h.api.deleteCount() != 1 {
		t.Fatalf("deletes = %d, want 1", h.api.deleteCount())
	}
}

func TestSealer(t *testing.T) {
	s, err := newSealer(nil)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := s.seal(ConfirmationToken{ID: "x", Subject: "u", ExpiresAt: 1})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.open(tok)
	if err != nil || got.Subject != "u" {
		t.Fatalf("open = %v, %v", got, err)
	}
	other, _ := newSealer(nil)
	if _, err := other.open(tok); err != ErrTokenInvalid {
		t.Fatalf("another key opened the token: %v", err)
	}
	if _, err := newSealer(make([]byte, 16)); err == nil {
		t.Fatal("a 16-byte key was accepted")
	}
	var used MemoryUsedTokens
	first, _ := used.MarkUsed(context.Background(), "a", time.Now().Add(time.Minute))
	second, _ := used.MarkUsed(context.Background(), "a", time.Now().Add(time.Minute))
	if !first || second {
		t.Fatalf("MarkUsed = %v, %v", first, second)
	}
}
