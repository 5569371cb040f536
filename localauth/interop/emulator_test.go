package interop

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/workos-mcp/workos-mcp/emulator"
	"github.com/workos-mcp/workos-mcp/internal/openapi/openapitest"
	"github.com/workos-mcp/workos-mcp/localauth"
	"github.com/workos-mcp/workos-mcp/workos"
)

// TestWorkOSDirectoryOnEmulator reads the demo team through the WorkOS API
// emulator, as `workos-mcp dev` does.
func TestWorkOSDirectoryOnEmulator(t *testing.T) {
	ctx := context.Background()
	emu, err := emulator.New(ctx, emulator.Options{Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	api := httptest.NewServer(openapitest.Middleware(t)(emu.Handler()))
	t.Cleanup(api.Close)
	c := workos.New(workos.Options{BaseURL: api.URL, APIKey: emulator.DemoTeamAPIKey})
	dir := localauth.WorkOSDirectory(c, emulator.DemoTeamClientID, localauth.WithClientSecret(emulator.DemoTeamAPIKey))

	people, err := dir.People(ctx)
	if err != nil {
		t.Fatal(err)
	}
	emails := map[string]bool{}
	for _, p := range people {
		emails[p.Email] = true
	}
	for _, want := range []string{"admin@example.com", "member@example.com", "member-sandbox@example.com", "support@example.com", "support-viewer@example.com"} {
		if !emails[want] {
			t.Errorf("People lacks %s (%v)", want, people)
		}
	}
	p, err := dir.Authenticate(ctx, "support@example.com", emulator.DemoPassword)
	if err != nil || p.Email != "support@example.com" {
		t.Fatalf("Authenticate: %+v %v", p, err)
	}
	if _, err := dir.Authenticate(ctx, "support@example.com", "wrong password"); err != localauth.ErrBadCredentials {
		t.Fatalf("wrong password: %v", err)
	}
	ms, err := dir.Memberships(ctx, p.ID)
	if err != nil || len(ms) != 1 || ms[0].OrganizationID != emulator.DemoTeamOrganizationID || ms[0].Role != "support" {
		t.Fatalf("Memberships: %+v %v", ms, err)
	}
	if len(ms[0].Permissions) == 0 {
		t.Errorf("the support role resolved to no permissions: %+v", ms[0])
	}

	// The whole flow on top: the token carries the emulator's role.
	as := startAuthServer(t, func(o *localauth.Options) {
		o.Directory = dir
		o.ClientID = emulator.DemoTeamClientID
		o.AutoApprove = "admin@example.com"
	})
	tok := autoToken(t, as, "")
	claims := decode(t, tok)
	if claims["org_id"] != emulator.DemoTeamOrganizationID || claims["role"] != "admin" || claims["aud"] != emulator.DemoTeamClientID {
		t.Fatalf("claims: %v", claims)
	}
}
