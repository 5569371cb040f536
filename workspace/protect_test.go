package workspace

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/workos-mcp/workos-mcp/internal/mcptest"
	"github.com/workos-mcp/workos-mcp/workspace/catalog"
)

// callsSince returns the fake API's calls after the first n.
func (f *fakeAPI) callsSince(n int) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls[n:]...)
}

func (f *fakeAPI) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

func (f *fakeAPI) writeCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.writes
}

// noWrites fails if any call after the first n changed something (the team's audit events
// aside: they record the refusals).
func noWrites(t *testing.T, f *fakeAPI, n int) {
	t.Helper()
	for _, c := range f.callsSince(n) {
		if !strings.HasPrefix(c, "GET ") && c != "POST /audit_logs/events" {
			t.Errorf("a change reached WorkOS: %s (all: %v)", c, f.callsSince(n))
			return
		}
	}
}

// withEnv adds a managed environment to the harness's team.
func withEnv(name, kind, key string, baseURL func(*Config) string) func(*Config) {
	return func(c *Config) {
		c.Teams[0].Environments = append(c.Teams[0].Environments, Environment{Name: name, Kind: kind, APIKey: key, BaseURL: baseURL(c)})
	}
}

func sameURL(c *Config) string { return c.Teams[0].SignIn.BaseURL }

// TestSignInEnvironmentNeverWritable is the attack on the fake WorkOS: the team's
// sign-in environment is also managed, under another name, with the same key string, with
// another key string for the same environment, and with base URL variants. Every write there is
// refused before anything is sent, whatever the role; reads still work.
func TestSignInEnvironmentNeverWritable(t *testing.T) {
	const alias = "sk_test_fake_team_alias" // a second key of the same environment
	variants := map[string]func(*Config){
		"same key":  withEnv("corp", KindSandbox, teamAuditKy, sameURL),
		"other key": withEnv("corp", KindSandbox, alias, sameURL),
		"other key, base URL variant": withEnv("corp", KindSandbox, alias, func(c *Config) string {
			return strings.Replace(c.Teams[0].SignIn.BaseURL, "http://127.0.0.1", "http://LocalHost", 1) + "/"
		}),
		"same key, base URL with a trailing slash": withEnv("corp", KindSandbox, teamAuditKy, func(c *Config) string {
			return c.Teams[0].SignIn.BaseURL + "/"
		}),
	}
	for name, mod := range variants {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, mod)
			h.api.mu.Lock()
			h.api.envs[alias] = h.api.envs[teamAuditKy] // the same environment's data
			h.api.mu.Unlock()
			before := h.api.callCount()
			support := h.connect("support", nil)
			// Reads in the sign-in environment work: the person may look.
			mcptest.OK(t, support, "query", map[string]any{"operation": "organization_memberships.list", "environment": "corp",
				"params": map[string]any{"organization_id": teamOrg}})
			// The attack: promote one's own team membership.
			text := mcptest.Fails(t, support, "mutate", map[string]any{"operation": "organization_memberships.update", "environment": "corp",
				"params": map[string]any{"id": "om_team", "role_slug": "admin"}}, "sign-in environment")
			if !strings.Contains(text, "protected") {
				t.Errorf("refusal does not say why: %s", text)
			}
			admin := h.connect("admin", nil)
			mcptest.Fails(t, admin, "mutate", map[string]any{"operation": "redirect_uris.create", "environment": "corp",
				"params": map[string]any{"uri": "https://attacker.test/callback"}}, "sign-in environment")
			mcptest.Fails(t, admin, "mutate", map[string]any{"operation": "organizations.create", "environment": "corp",
				"params": map[string]any{"name": "Shadow"}}, "sign-in environment")
			// Task tools go through the same check.
			mcptest.Fails(t, admin, "onboard_customer", map[string]any{"name": "Shadow Corp", "admin_email": "mallory@attacker.test", "environment": "corp"},
				"sign-in environment")
			// whoami says so, once the server knows (the refusals above established it).
			for _, e := range mcptest.OK(t, admin, "whoami", nil)["environments"].([]any) {
				if e := e.(map[string]any); e["name"] == "corp" && e["access"] != "read" {
					t.Errorf("whoami shows %v access to the sign-in environment", e["access"])
				}
			}
			noWrites(t, h.api, before)
			if h.api.writeCount() != 0 {
				t.Fatalf("a membership changed")
			}
			// The other environments stay writable.
			mcptest.OK(t, admin, "mutate", map[string]any{"operation": "organizations.create", "params": map[string]any{"name": "Fine"}})
		})
	}
}

// TestEstablishProtection: start-up establishes every environment, and refuses the sign-in key
// reused for a managed environment, an environment that cannot be reached or answers
// otherwise, and a team organization the sign-in key does not find.
func TestEstablishProtection(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, nil)
	found, err := h.srv.EstablishProtection(ctx)
	if err != nil || len(found) != 2 || found[0].SignIn || found[1].SignIn {
		t.Fatalf("found %+v, %v", found, err)
	}

	h = newHarness(t, withEnv("corp", KindSandbox, teamAuditKy, sameURL))
	if _, err := h.srv.EstablishProtection(ctx); err == nil || !strings.Contains(err.Error(), `environment "corp" uses the sign-in environment's API key`) {
		t.Fatalf("same key: %v", err)
	}

	h = newHarness(t, withEnv("corp", KindSandbox, "sk_test_fake_team_alias", sameURL))
	h.api.envs["sk_test_fake_team_alias"] = h.api.envs[teamAuditKy]
	found, err = h.srv.EstablishProtection(ctx)
	if err != nil || len(found) != 3 || !found[2].SignIn || found[2].Environment != "corp" {
		t.Fatalf("other key: %+v, %v", found, err)
	}

	h = newHarness(t, withEnv("gone", KindSandbox, "sk_test_gone", func(*Config) string { return "http://127.0.0.1:1" }))
	if _, err := h.srv.EstablishProtection(ctx); err == nil || !strings.Contains(err.Error(), `environment "gone": protection cannot be established: the WorkOS API could not be reached`) {
		t.Fatalf("unreachable: %v", err)
	}

	h = newHarness(t, withEnv("stale", KindSandbox, "sk_test_revoked", sameURL))
	if _, err := h.srv.EstablishProtection(ctx); err == nil || !strings.Contains(err.Error(), `environment "stale": protection cannot be established: GET /organizations/{team organization} answered 401`) {
		t.Fatalf("unknown key: %v", err)
	}
	if err != nil && strings.Contains(err.Error(), "sk_test_revoked") {
		t.Errorf("the error shows a key: %v", err)
	}

	h = newHarness(t, nil)
	delete(h.api.envs[teamAuditKy].orgs, teamOrg)
	if _, err := h.srv.EstablishProtection(ctx); err == nil || !strings.Contains(err.Error(), "does not find organization org_team") {
		t.Fatalf("wrong organization: %v", err)
	}
}

// TestProtectionFailsClosed: a write in an environment whose identity cannot be established is
// refused; the server tries again at most every ProtectionRetry, and writes once it can.
func TestProtectionFailsClosed(t *testing.T) {
	const key = "sk_test_fake_later"
	h := newHarness(t, withEnv("later", KindSandbox, key, sameURL))
	now := time.Unix(1_700_000_000, 0)
	h.srv.now = func() time.Time { return now }
	admin := h.connect("admin", nil)
	create := map[string]any{"operation": "organizations.create", "environment": "later", "params": map[string]any{"name": "X"}}
	probes := func() int {
		n := 0
		for _, c := range h.api.callsSince(0) {
			if c == "GET /organizations/"+teamOrg {
				n++
			}
		}
		return n
	}
	before := h.api.callCount()
	mcptest.Fails(t, admin, "mutate", create, "cannot establish")
	p := probes()
	mcptest.Fails(t, admin, "mutate", create, "cannot establish")
	if probes() != p {
		t.Errorf("probed again within the retry interval")
	}
	noWrites(t, h.api, before)

	// The key starts working (the environment exists now); after the interval, the write goes.
	h.api.mu.Lock()
	h.api.envs[key] = seedEnv()
	h.api.mu.Unlock()
	now = now.Add(DefaultProtectionRetry)
	mcptest.OK(t, admin, "mutate", create)
	if probes() == p {
		t.Errorf("did not probe again after the interval")
	}

	// The sign-in key does not find the team's organization: nothing is writable anywhere.
	h = newHarness(t, nil)
	h.api.mu.Lock()
	delete(h.api.envs[teamAuditKy].orgs, teamOrg)
	h.api.mu.Unlock()
	mcptest.Fails(t, h.connect("admin", nil), "mutate", map[string]any{"operation": "organizations.create", "params": map[string]any{"name": "X"}},
		"does not find organization org_team")
}

// TestTeamOrganizationProtectedEverywhere: in every environment, a write naming the team's
// organization anywhere, in any form, is refused before anything is sent, and so is a change to
// a membership or a user of the team's organization, found by reading it first.
func TestTeamOrganizationProtectedEverywhere(t *testing.T) {
	h := newHarness(t, nil)
	before := h.api.callCount()
	admin := h.connect("admin", nil)
	for _, tc := range []struct {
		op     string
		params map[string]any
	}{
		{"organizations.update", map[string]any{"id": teamOrg, "name": "x"}},
		{"organizations.delete", map[string]any{"id": teamOrg}},
		{"organization_memberships.create", map[string]any{"user_id": "user_x", "organization_id": "  ORG_TEAM\t", "role_slug": "admin"}},
		{"invitations.send", map[string]any{"email": "x@attacker.test", "organization_id": "Org_Team", "role_slug": "admin"}},
		{"organizations.update", map[string]any{"id": "org_acme", "metadata": map[string]any{"note": "merge into org_team please"}}},
		{"organizations.update", map[string]any{"id": "org_acme", "external_id": "org%5Fteam"}},
		{"organizations.update", map[string]any{"id": "org_acme", "domain_data": []any{map[string]any{"domain": "org_team.test", "state": "verified"}}}},
		// Memberships and users of the team's organization, by ID: read first, refused.
		{"organization_memberships.update", map[string]any{"id": "om_team", "role_slug": "admin"}},
		{"organization_memberships.deactivate", map[string]any{"id": "om_team"}},
		{"users.update", map[string]any{"id": "user_lookup", "first_name": "Mallory"}},
	} {
		for _, env := range []string{"sandbox", "production"} {
			args := map[string]any{"operation": tc.op, "params": tc.params, "environment": env}
			text, _, isErr := mcptest.Call(t, admin, "mutate", args)
			if !isErr || !strings.Contains(text, "team's own organization") {
				t.Errorf("%s %v in %s: not refused as the team's: %s", tc.op, tc.params, env, text)
			}
		}
	}
	noWrites(t, h.api, before)
	if h.api.writeCount() != 0 {
		t.Fatal("a membership changed")
	}
	// Other organizations' memberships are not affected.
	args := map[string]any{"operation": "organization_memberships.update", "params": map[string]any{"id": "om_1", "role_slug": "member"}}
	if m := mcptest.OK(t, admin, "mutate", args); m["status"] == "confirmation_required" {
		// Replacing a role is confirmed first; then it runs.
		args["confirmation_token"] = m["confirmation_token"]
		mcptest.OK(t, admin, "mutate", args)
	}
	if h.api.writeCount() != 1 {
		t.Fatalf("membership writes = %d, want 1", h.api.writeCount())
	}
}

func TestFindMention(t *testing.T) {
	ids := []string{"org_01TEAM"}
	for _, tc := range []struct {
		params map[string]any
		at     string
	}{
		{map[string]any{"id": "org_01TEAM"}, "id"},
		{map[string]any{"id": " org_01team\n"}, "id"},
		{map[string]any{"a": map[string]any{"b": []any{1, map[string]any{"c": "x ORG_01TEAM y"}}}}, "a.b[1].c"},
		{map[string]any{"a": []any{[]any{"org_01T\u200bEAM"}}}, "a[0][0]"},
		{map[string]any{"a": "org%5F01TEAM"}, "a"},
		{map[string]any{"a": "org%255F01TEAM"}, "a"},
		{map[string]any{"m": map[string]any{"org_01TEAM": true}}, "m.org_01TEAM"},
	} {
		at, ok := findMention(ids, tc.params)
		if !ok || at != tc.at {
			t.Errorf("%v: found at %q (%v), want %q", tc.params, at, ok, tc.at)
		}
	}
	for _, p := range []map[string]any{
		{"id": "org_01TEAX"}, {"n": 3.0}, {"a": []any{"org_01", "TEAM"}}, {},
	} {
		if at, ok := findMention(ids, p); ok {
			t.Errorf("%v: found at %q", p, at)
		}
	}
}

// TestReadBeforeWrite: the writes that target an object of the team's organization by ID find
// the read that tells whose the object is, whatever the path parameter is called.
func TestReadBeforeWrite(t *testing.T) {
	covered, total := 0, 0
	for _, op := range catalogWrites() {
		segs := strings.Split(op.Path, "/")
		for i, seg := range segs {
			if !isParam(seg) {
				continue
			}
			total++
			if _, _, ok := readOf(segs[:i+1], map[string]any{seg[1 : len(seg)-1]: "x"}); ok {
				covered++
			}
			break
		}
	}
	t.Logf("%d of %d writes by ID have a read of their first object", covered, total)
	for name, read := range map[string]string{
		"organization_memberships.update":     "organization_memberships.get",
		"organization_memberships.deactivate": "organization_memberships.get",
		"organization_memberships.delete":     "organization_memberships.get",
		"users.update":                        "users.get",
		"organization_domains.delete":         "organization_domains.get",
		"connections.delete":                  "connections.get",
		"directories.delete":                  "directories.get",
	} {
		op, ok := catalogLookup(name)
		if !ok {
			t.Errorf("%s is not in the catalog", name)
			continue
		}
		segs := strings.Split(op.Path, "/")
		n := 0
		for n < len(segs) && !isParam(segs[n]) {
			n++
		}
		got, params, ok := readOf(segs[:n+1], map[string]any{segs[n][1 : len(segs[n])-1]: "obj_1"})
		if !ok || got.Name != read {
			t.Errorf("%s: read %v, want %s", name, got, read)
			continue
		}
		if len(params) != 1 {
			t.Errorf("%s: read params %v", name, params)
		}
	}
}

func catalogWrites() []*catalog.Operation {
	var out []*catalog.Operation
	for _, op := range catalog.All() {
		if op.Class != catalog.Read && !excluded(op.Name) {
			out = append(out, op)
		}
	}
	return out
}

func catalogLookup(name string) (*catalog.Operation, bool) { return catalog.Lookup(name) }
