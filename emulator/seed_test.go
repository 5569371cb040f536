package emulator

import (
	"net/http"
	"net/url"
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

// TestDefaultSeedIsRich reads the default seed back through the API and checks it holds what
// the issue promises: enough to exercise every tool of the workspace server.
func TestDefaultSeedIsRich(t *testing.T) {
	te := newTestEmulator(t, Options{})
	list := func(key, path string) []map[string]any {
		t.Helper()
		return te.must(http.StatusOK, key, "GET", path, nil).list(t)
	}
	count := func(items []map[string]any, key, value string) int {
		n := 0
		for _, it := range items {
			if str(it, key) == value {
				n++
			}
		}
		return n
	}

	// The team's sign-in environment: one organization, one person per role.
	team := list(DemoTeamAPIKey, "/user_management/organization_memberships?limit=100&organization_id="+DemoTeamOrganizationID)
	roles := map[string]bool{}
	for _, m := range team {
		if r, ok := m["role"].(map[string]any); ok && str(m, "status") == "active" {
			roles[str(r, "slug")] = true
		}
	}
	for _, want := range DemoTeamRoles {
		if !roles[want] {
			t.Errorf("team: no active membership with role %q (got %v)", want, roles)
		}
	}

	orgs := list(sk, "/organizations?limit=100")
	if len(orgs) < 3 {
		t.Errorf("sandbox: %d organizations, want several", len(orgs))
	}
	var domains []map[string]any
	for _, o := range orgs {
		for _, d := range o["domains"].([]any) {
			domains = append(domains, d.(map[string]any))
		}
	}
	if count(domains, "state", "verified") == 0 || count(domains, "state", "pending") == 0 {
		t.Errorf("sandbox: want verified and pending domains, got %v", domains)
	}
	conns := list(sk, "/connections?limit=100")
	if count(conns, "state", "active") == 0 || count(conns, "state", "inactive") == 0 {
		t.Errorf("sandbox: want active and inactive connections, got %d", len(conns))
	}
	dirs := list(sk, "/directories")
	if len(dirs) == 0 {
		t.Fatal("sandbox: no directory")
	}
	dir := str(dirs[0], "id")
	if len(list(sk, "/directory_users?directory="+dir)) == 0 || len(list(sk, "/directory_groups?directory="+dir)) == 0 {
		t.Error("sandbox: the directory has no users or no groups")
	}
	users := list(sk, "/user_management/users?limit=100")
	withMembership := 0
	for _, u := range users {
		if len(list(sk, "/user_management/organization_memberships?user_id="+str(u, "id"))) > 0 {
			withMembership++
		}
	}
	if len(users) < 3 || withMembership < 2 {
		t.Errorf("sandbox: %d users, %d with memberships", len(users), withMembership)
	}
	if count(list(sk, "/user_management/invitations?limit=100"), "state", "pending") == 0 {
		t.Error("sandbox: no pending invitation")
	}
	envRoles := list(sk, "/authorization/roles")
	withPerms := 0
	for _, r := range envRoles {
		if ps, _ := r["permissions"].([]any); len(ps) > 0 {
			withPerms++
		}
	}
	if withPerms == 0 {
		t.Errorf("sandbox: no role with permissions in %d roles", len(envRoles))
	}
	if len(list(sk, "/audit_logs/actions")) == 0 {
		t.Error("sandbox: no audit-log actions")
	}
	acme := str(te.must(http.StatusOK, sk, "GET", "/organizations/external_id/acme", nil).json(t), "id")
	x := te.must(http.StatusCreated, sk, "POST", "/audit_logs/exports", map[string]any{"organization_id": acme,
		"range_start": "2000-01-01T00:00:00Z", "range_end": "2100-01-01T00:00:00Z"}).json(t)
	if u, err := url.Parse(str(x, "url")); err != nil || !strings.Contains(string(te.must(http.StatusOK, "", "GET", u.RequestURI(), nil).body), "user.signed_in") {
		t.Errorf("sandbox: the export of Acme's audit log has no seeded event (%v)", x)
	}
	hooks := list(sk, "/webhook_endpoints")
	if len(hooks) == 0 || !strings.HasPrefix(str(hooks[0], "secret"), "whsec_") {
		t.Errorf("sandbox: want a webhook endpoint with a secret, got %v", hooks)
	}
	keys := 0
	for _, o := range orgs {
		keys += len(list(sk, "/organizations/"+str(o, "id")+"/api_keys"))
	}
	if keys == 0 {
		t.Error("sandbox: no organization API key")
	}
	if len(list(sk, "/feature-flags")) == 0 {
		t.Error("sandbox: no feature flag")
	}

	// Production: the same kinds of data, fewer of them.
	prodOrgs := list(DemoProductionAPIKey, "/organizations?limit=100")
	if len(prodOrgs) == 0 || len(prodOrgs) >= len(orgs) {
		t.Errorf("production: %d organizations, want some but fewer than the sandbox's %d", len(prodOrgs), len(orgs))
	}
	if len(list(DemoProductionAPIKey, "/user_management/users")) == 0 {
		t.Error("production: no users")
	}
}
