package emulator

import (
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestDefaultSeedMatchesTheDemoConstants(t *testing.T) {
	s := DefaultSeed()
	byName := map[string]SeedEnvironment{}
	for _, env := range s.Environments {
		byName[env.Name] = env
	}
	team, sandbox, prod := byName[DemoTeamEnvironment], byName["sandbox"], byName["production"]
	if team.APIKey != DemoTeamAPIKey || team.ClientID != DemoTeamClientID || sandbox.APIKey != DemoSandboxAPIKey ||
		sandbox.ClientID != DemoSandboxClientID || prod.APIKey != DemoProductionAPIKey || prod.ClientID != DemoProductionClientID || prod.Kind != "production" {
		t.Fatalf("environments do not match the Demo constants: %+v", s.Environments)
	}
	if len(team.Organizations) != 1 || team.Organizations[0].ID != DemoTeamOrganizationID || team.Organizations[0].Name != DemoTeamOrganizationName {
		t.Fatalf("team organization: %+v", team.Organizations)
	}
	for _, role := range DemoTeamRoles {
		i := slices.IndexFunc(team.Users, func(u SeedUser) bool { return u.Email == role+"@example.com" })
		if i < 0 || team.Users[i].Password != DemoPassword {
			t.Errorf("no %s@example.com with DemoPassword", role)
		}
	}
	secrets := s.Secrets()
	for _, want := range []string{DemoTeamAPIKey, DemoSandboxAPIKey, DemoProductionAPIKey, DemoPassword, "whsec_sandbox_demo_secret_0001", "inv_tok_sandbox_grace_0001"} {
		if !slices.Contains(secrets, want) {
			t.Errorf("Secrets() misses %q", want)
		}
	}
	te := newTestEmulator(t, Options{})
	envs := te.Environments()
	if len(envs) != 3 {
		t.Fatalf("environments: %+v", envs)
	}
	// No seeded secret appears in a listing of the workspace except where WorkOS shows it
	// (webhook secrets, invitation tokens): organization API key values never do.
	body := te.must(http.StatusOK, sk, "GET", "/organizations/"+str(te.must(200, sk, "GET", "/organizations/external_id/acme", nil).json(t), "id")+"/api_keys", nil).body
	if strings.Contains(string(body), "sk_org_sandbox_acme_ci_demo_0001") {
		t.Fatal("an API key value is listed")
	}
}

func TestLoadSeedFile(t *testing.T) {
	s, err := LoadSeed(filepath.Join("testdata", "example-seed.json"))
	if err != nil {
		t.Fatal(err)
	}
	te := newTestEmulator(t, Options{Seed: s})
	const key = "sk_test_example_dev"
	org := te.must(200, key, "GET", "/organizations/org_01JD0EXAMPLE0000000000000", nil).json(t)
	if len(org["domains"].([]any)) != 2 {
		t.Fatalf("organization: %v", org)
	}
	te.must(200, key, "GET", "/user_management/invitations/by_token/inv_tok_example_0001", nil)
	te.mustSignIn(t, "dev", "owner@example.test", "example-password-1")
	te.must(http.StatusUnauthorized, DemoSandboxAPIKey, "GET", "/organizations", nil)
	if got := s.Secrets(); len(got) != 5 {
		t.Fatalf("secrets: %v", got)
	}
}

func TestBadSeeds(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]string{
		"empty":         `{"environments": []}`,
		"unknown field": `{"environments": [{"name": "a", "kind": "sandbox", "api_key": "k", "client_id": "c", "colour": 1}]}`,
		"bad kind":      `{"environments": [{"name": "a", "kind": "staging", "api_key": "k", "client_id": "c"}]}`,
		"duplicate key": `{"environments": [{"name": "a", "kind": "sandbox", "api_key": "k", "client_id": "c"}, {"name": "b", "kind": "sandbox", "api_key": "k", "client_id": "d"}]}`,
		"not json":      `{`,
	}
	for name, data := range cases {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".json")
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadSeed(p); err == nil {
			t.Errorf("%s: LoadSeed accepted it", name)
		}
	}
	if _, err := LoadSeed(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("missing file accepted")
	}
	// A seed whose objects are inconsistent fails New with a message naming the object.
	bad := &Seed{Environments: []SeedEnvironment{{Name: "a", Kind: "sandbox", APIKey: "k", ClientID: "c",
		Memberships: []SeedMembership{{User: "ghost@x.test", Organization: "Nowhere"}}}}}
	_, err := New(t.Context(), Options{Seed: bad})
	if err == nil || !strings.Contains(err.Error(), "ghost@x.test") {
		t.Fatalf("New with a bad seed: %v", err)
	}
}
