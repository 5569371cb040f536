package workspace_test

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/workos-mcp/workos-mcp/emulator"
	"github.com/workos-mcp/workos-mcp/internal/mcptest"
	"github.com/workos-mcp/workos-mcp/workos"
)

// These tests drive onboard_customer and describe_organization through the real pipeline
// against the emulator, and look at the emulator directly to see what changed.

// sandbox reads the emulator's sandbox environment directly, around the workspace server.
type sandbox struct {
	t   *testing.T
	api *workos.Client
}

func sandboxOf(t *testing.T, st *customStack) sandbox {
	return sandbox{t, workos.New(workos.Options{BaseURL: st.apiURL, APIKey: emulator.DemoSandboxAPIKey})}
}

func (s sandbox) list(path string, q url.Values) []map[string]any {
	s.t.Helper()
	if q == nil {
		q = url.Values{}
	}
	q.Set("limit", "100")
	var page struct {
		Data []map[string]any `json:"data"`
	}
	if _, err := s.api.Do(context.Background(), "GET", path, q, nil, &page); err != nil {
		s.t.Fatalf("GET %s: %v", path, err)
	}
	return page.Data
}

// orgsWithDomain lists the organizations that hold the domain, in any state.
func (s sandbox) orgsWithDomain(domain string) []map[string]any {
	return s.list("/organizations", url.Values{"domains": {domain}})
}

func (s sandbox) orgsNamed(name string) []map[string]any {
	var out []map[string]any
	for _, o := range s.list("/organizations", url.Values{"search": {name}}) {
		if strings.EqualFold(o["name"].(string), name) {
			out = append(out, o)
		}
	}
	return out
}

func (s sandbox) invitationsFor(email string) []map[string]any {
	return s.list("/user_management/invitations", url.Values{"email": {email}})
}

// writesSince returns the requests other than GET sent to the sandbox after the first n (the
// team's audit events go to another environment).
func writesSince(st *customStack, n int) []string {
	var out []string
	for _, r := range st.upstream.since(n) {
		if r.Method != "GET" && r.Authorization == "Bearer "+emulator.DemoSandboxAPIKey {
			out = append(out, r.Method+" "+r.URL)
		}
	}
	return out
}

// TestOnboardRefusesBadInputChangingNothing: every bad input is refused before the first
// write, with a message naming the problem; the emulator has no organization and no invitation.
func TestOnboardRefusesBadInputChangingNothing(t *testing.T) {
	st := newLocalStack(t, nil)
	api := sandboxOf(t, st)
	admin := st.as(t, "admin")
	good := func(mod func(m map[string]any)) map[string]any {
		m := map[string]any{"name": "Initrode", "domains": []any{"initrode.test"}, "admin_email": "it@initrode.test", "portal_intent": "sso"}
		mod(m)
		return m
	}
	cases := []struct {
		name string
		args map[string]any
		want string
	}{
		{"portal intent outside the spec's enum", good(func(m map[string]any) { m["portal_intent"] = "everything" }), `portal_intent "everything" is not one of: sso, dsync`},
		{"portal intent as a path", good(func(m map[string]any) { m["portal_intent"] = "../sso" }), "portal_intent"},
		{"blank name", good(func(m map[string]any) { m["name"] = "  " }), "name is required"},
		{"name too long", good(func(m map[string]any) { m["name"] = strings.Repeat("n", 201) }), "longer than 200"},
		{"name with a direction override", good(func(m map[string]any) { m["name"] = "Initrode\u202eevil" }), "invisible"},
		{"name with a line break", good(func(m map[string]any) { m["name"] = "Initrode\nAdmin: yes" }), "control"},
		{"email with a display name", good(func(m map[string]any) { m["admin_email"] = "IT <it@initrode.test>" }), "bare address"},
		{"two at signs", good(func(m map[string]any) { m["admin_email"] = "it@evil.test@initrode.test" }), "one address"},
		{"two addresses", good(func(m map[string]any) { m["admin_email"] = "it@initrode.test, boss@evil.test" }), "admin_email"},
		{"email without a domain", good(func(m map[string]any) { m["admin_email"] = "it@localhost" }), "valid domain"},
		{"blank email", good(func(m map[string]any) { m["admin_email"] = " " }), "admin_email is required"},
		{"domain as a URL", good(func(m map[string]any) { m["domains"] = []any{"https://initrode.test"} }), "is a URL"},
		{"domain with a path", good(func(m map[string]any) { m["domains"] = []any{"initrode.test/admin"} }), "has a path"},
		{"domain with a port", good(func(m map[string]any) { m["domains"] = []any{"initrode.test:443"} }), "has a port"},
		{"wildcard domain", good(func(m map[string]any) { m["domains"] = []any{"*.initrode.test"} }), "wildcard"},
		{"address as a domain", good(func(m map[string]any) { m["domains"] = []any{"it@initrode.test"} }), "email address"},
		{"single label", good(func(m map[string]any) { m["domains"] = []any{"localhost"} }), "two labels"},
		{"IP address", good(func(m map[string]any) { m["domains"] = []any{"10.0.0.1"} }), "IP address"},
		{"look-alike letters", good(func(m map[string]any) { m["domains"] = []any{"\u0430cme.test"} }), "xn--"},
		{"bad label", good(func(m map[string]any) { m["domains"] = []any{"-initrode.test"} }), "not a valid domain"},
		{"empty domain", good(func(m map[string]any) { m["domains"] = []any{""} }), "is empty"},
		{"duplicate after normalizing", good(func(m map[string]any) { m["domains"] = []any{"initrode.test", " INITRODE.test. "} }), "listed twice"},
		{"public email provider", good(func(m map[string]any) { m["domains"] = []any{"Gmail.com"} }), "public email provider"},
		{"unknown admin role", good(func(m map[string]any) { m["admin_role"] = "owner" }), `admin_role "owner" is not a role of this environment; its roles are: admin, member`},
		{"an organization role of another organization", good(func(m map[string]any) { m["admin_role"] = "org-billing-admin" }), "not a role of this environment"},
		{"admin role with spaces", good(func(m map[string]any) { m["admin_role"] = "admin " }), "role slug"},
		{"external ID not ASCII", good(func(m map[string]any) { m["external_id"] = "ïnitrode" }), "external_id"},
		{"external ID too long", good(func(m map[string]any) { m["external_id"] = strings.Repeat("x", 129) }), "external_id"},
		{"external ID with a control character", good(func(m map[string]any) { m["external_id"] = "a\x00b" }), "control"},
		{"unknown environment", good(func(m map[string]any) { m["environment"] = "staging" }), "unknown environment"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := st.upstream.count()
			mcptest.Fails(t, admin, "onboard_customer", tc.args, tc.want)
			if w := writesSince(st, n); len(w) > 0 {
				t.Errorf("sent writes: %v", w)
			}
		})
	}
	if o := api.orgsNamed("Initrode"); len(o) != 0 {
		t.Errorf("organizations created: %v", o)
	}
	if o := api.orgsWithDomain("initrode.test"); len(o) != 0 {
		t.Errorf("organizations with the domain: %v", o)
	}
	if inv := api.invitationsFor("it@initrode.test"); len(inv) != 0 {
		t.Errorf("invitations sent: %v", inv)
	}
	// Every problem is named at once.
	text, _, _ := mcptest.Call(t, admin, "onboard_customer", map[string]any{"name": "", "admin_email": "x", "domains": []any{"gmail.com"}, "portal_intent": "nope"})
	for _, want := range []string{"name is required", "admin_email", "gmail.com", "portal_intent"} {
		if !strings.Contains(text, want) {
			t.Errorf("%q missing from %s", want, text)
		}
	}
	// A role that may not run every step (support: no Admin Portal links) changes nothing.
	n := st.upstream.count()
	mcptest.Fails(t, st.as(t, "support"), "onboard_customer", map[string]any{"name": "Initrode", "domains": []any{"initrode.test"}, "admin_email": "it@initrode.test"}, "role")
	mcptest.Fails(t, st.as(t, "support"), "onboard_customer", map[string]any{"name": "Initrode", "admin_email": "it@initrode.test", "admin_role": "admin"}, "admin_role cannot be checked")
	if w := writesSince(st, n); len(w) > 0 {
		t.Errorf("sent writes for support: %v", w)
	}
}

// TestOnboardRefusesADomainAnotherOrganizationHolds: the demo seed has acme.test verified and
// acme-corp.test pending on "Acme Corp".
func TestOnboardRefusesADomainAnotherOrganizationHolds(t *testing.T) {
	st := newLocalStack(t, nil)
	api := sandboxOf(t, st)
	admin := st.as(t, "admin")
	acme := api.orgsWithDomain("acme.test")
	if len(acme) != 1 || acme[0]["name"] != "Acme Corp" {
		t.Fatalf("seed: %v", acme)
	}
	acmeID := acme[0]["id"].(string)
	cases := []struct {
		name string
		args map[string]any
		want []string
	}{
		{"verified domain", map[string]any{"name": "Acme Impostor", "domains": []any{"acme.test"}, "admin_email": "it@acme.test"},
			[]string{`"Acme Corp" (` + acmeID + `) holds acme.test (verified)`, "nothing was created"}},
		{"verified domain, other case and a trailing dot", map[string]any{"name": "Acme Impostor", "domains": []any{"new.test", " ACME.Test. "}, "admin_email": "it@new.test"},
			[]string{`"Acme Corp" (` + acmeID + `) holds acme.test (verified)`}},
		{"pending domain", map[string]any{"name": "Acme Impostor", "domains": []any{"acme-corp.test"}, "admin_email": "it@acme-corp.test"},
			[]string{`"Acme Corp" (` + acmeID + `) holds acme-corp.test (pending)`}},
		{"subdomain of a verified domain", map[string]any{"name": "Acme EU", "domains": []any{"eu.acme.test"}, "admin_email": "it@eu.acme.test"},
			[]string{`"Acme Corp" (` + acmeID + `) eu.acme.test is under acme.test, verified`}},
		{"same name, fewer domains: not a re-run", map[string]any{"name": "Acme Corp", "domains": []any{"acme.test"}, "admin_email": "it@acme.test"},
			[]string{acmeID, "is not this onboarding again because its domains are [acme-corp.test, acme.test]"}},
		{"same name and domains, other external ID", map[string]any{"name": "acme corp", "domains": []any{"acme.test", "acme-corp.test"}, "external_id": "acme-2", "admin_email": "it@acme.test"},
			[]string{acmeID, `its external_id is "acme"`}},
		{"external ID of another organization", map[string]any{"name": "Fresh", "domains": []any{"fresh.test"}, "external_id": "acme", "admin_email": "it@fresh.test"},
			[]string{`"Acme Corp" (` + acmeID + `) has external_id "acme"`}},
		// An existing customer's exact name and domains are not an unfinished onboarding: the tool
		// does not invite a new person into it (nor make a portal link for it).
		{"an existing customer's name and domains with another admin", map[string]any{"name": "ACME CORP", "domains": []any{"acme.test", "acme-corp.test"}, "external_id": "acme", "admin_email": "mallory@evil.test", "admin_role": "admin"},
			[]string{`"Acme Corp" (` + acmeID + `) has this name and these domains but already has people`, "none for mallory@evil.test", "mutate invitations.send"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := st.upstream.count()
			text, _, isErr := mcptest.Call(t, admin, "onboard_customer", tc.args)
			if !isErr {
				t.Fatalf("accepted: %s", text)
			}
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("%q missing from %s", w, text)
				}
			}
			if w := writesSince(st, n); len(w) > 0 {
				t.Errorf("sent writes: %v", w)
			}
		})
	}
	for _, d := range []string{"acme.test", "acme-corp.test", "eu.acme.test", "new.test", "fresh.test"} {
		if o := api.orgsWithDomain(d); len(o) > 1 || (len(o) == 1 && o[0]["id"] != acmeID) {
			t.Errorf("%s is held by %v", d, o)
		}
	}
	for _, e := range []string{"it@acme.test", "it@acme-corp.test", "it@eu.acme.test", "it@new.test", "it@fresh.test", "mallory@evil.test"} {
		if inv := api.invitationsFor(e); len(inv) != 0 {
			t.Errorf("invitation sent to %s: %v", e, inv)
		}
	}
	// describe_organization still answers with Acme Corp, the only holder.
	if m := mcptest.OK(t, admin, "describe_organization", map[string]any{"domain": "acme.test"}); m["organization"].(map[string]any)["id"] != acmeID {
		t.Errorf("describe_organization = %v", m["organization"])
	}
}

// TestOnboardRerunReuses: running the same onboarding again returns the same organization and
// the pending invitation (no second email), with a fresh Admin Portal link.
func TestOnboardRerunReuses(t *testing.T) {
	st := newLocalStack(t, nil)
	api := sandboxOf(t, st)
	admin := st.as(t, "admin")
	args := map[string]any{"name": "Umbrella", "domains": []any{"umbrella.test", "umbrella-corp.test"}, "admin_email": "it@umbrella.test",
		"admin_role": "admin", "external_id": "umbrella", "portal_intent": "dsync"}
	first := mcptest.OK(t, admin, "onboard_customer", args)
	if first["reused"] != false {
		t.Fatalf("first run: %v", first)
	}
	org := first["organization"].(map[string]any)
	inv := first["invitation"].(map[string]any)
	if link, _ := first["admin_portal_link"].(string); !strings.Contains(link, "http") || first["admin_portal_intent"] != "dsync" {
		t.Errorf("first link: %v", first)
	}
	// The same onboarding, written differently: case, spaces, order of the domains.
	again := map[string]any{"name": " umbrella ", "domains": []any{"UMBRELLA-corp.test", "umbrella.test."}, "admin_email": "IT@umbrella.test",
		"admin_role": "admin", "external_id": "umbrella", "portal_intent": "DSYNC"}
	for i, a := range []map[string]any{args, again} {
		n := st.upstream.count()
		m := mcptest.OK(t, admin, "onboard_customer", a)
		if m["reused"] != true || m["organization"].(map[string]any)["id"] != org["id"] {
			t.Fatalf("re-run %d: %v", i, m)
		}
		if m["invitation"].(map[string]any)["id"] != inv["id"] || m["invitation_reused"] != true {
			t.Errorf("re-run %d invitation: %v", i, m["invitation"])
		}
		if link, _ := m["admin_portal_link"].(string); !strings.Contains(link, "http") {
			t.Errorf("re-run %d link: %v", i, m)
		}
		// The only write of a re-run is the fresh Admin Portal link.
		if w := writesSince(st, n); len(w) != 1 || !strings.HasPrefix(w[0], "POST /portal/generate_link") {
			t.Errorf("re-run %d writes: %v", i, w)
		}
	}
	if o := api.orgsWithDomain("umbrella.test"); len(o) != 1 {
		t.Errorf("organizations with umbrella.test: %v", o)
	}
	if i := api.invitationsFor("it@umbrella.test"); len(i) != 1 {
		t.Errorf("invitations: %v", i)
	}
	// The same organization with another admin is not a re-run: refused, nobody invited.
	n := st.upstream.count()
	other := map[string]any{"name": "Umbrella", "domains": []any{"umbrella.test", "umbrella-corp.test"}, "admin_email": "someone@umbrella.test", "external_id": "umbrella"}
	mcptest.Fails(t, admin, "onboard_customer", other, "none for someone@umbrella.test")
	if w := writesSince(st, n); len(w) != 0 {
		t.Errorf("writes: %v", w)
	}
	// Without domains, a re-run is recognized by name (and external ID when given).
	m1 := mcptest.OK(t, admin, "onboard_customer", map[string]any{"name": "Hooli", "admin_email": "it@hooli.test"})
	m2 := mcptest.OK(t, admin, "onboard_customer", map[string]any{"name": "HOOLI", "admin_email": "it@hooli.test"})
	if m2["reused"] != true || m1["organization"].(map[string]any)["id"] != m2["organization"].(map[string]any)["id"] {
		t.Errorf("no-domain re-run: %v then %v", m1, m2)
	}
	if o := api.orgsNamed("Hooli"); len(o) != 1 {
		t.Errorf("organizations named Hooli: %v", o)
	}
}

// TestOnboardStepFailureSaysWhatWasDone: a step that fails after the organization exists is
// reported with what was done and how to finish; the invitation is never sent before the
// Admin Portal link worked; a re-run finishes the job.
func TestOnboardStepFailureSaysWhatWasDone(t *testing.T) {
	st := newLocalStack(t, nil)
	api := sandboxOf(t, st)
	admin := st.as(t, "admin")
	args := map[string]any{"name": "Soylent", "domains": []any{"soylent.test"}, "admin_email": "it@soylent.test"}

	remove := st.emu.InjectFault(emulator.Fault{Method: "POST", Path: "/portal/generate_link", Status: 400})
	text, _, isErr := mcptest.Call(t, admin, "onboard_customer", args)
	remove()
	if !isErr {
		t.Fatalf("accepted: %s", text)
	}
	orgs := api.orgsWithDomain("soylent.test")
	if len(orgs) != 1 {
		t.Fatalf("organizations: %v", orgs)
	}
	id := orgs[0]["id"].(string)
	for _, want := range []string{"stopped at the Admin Portal link", "400", "created organization \"Soylent\" (" + id + ")", "not rolled back",
		"invitation to it@soylent.test was not sent", "run onboard_customer again with the same arguments"} {
		if !strings.Contains(text, want) {
			t.Errorf("%q missing from %s", want, text)
		}
	}
	if inv := api.invitationsFor("it@soylent.test"); len(inv) != 0 {
		t.Errorf("invitation sent before the link worked: %v", inv)
	}

	// The invitation fails: the answer says so and how to send it.
	remove = st.emu.InjectFault(emulator.Fault{Method: "POST", Path: "/user_management/invitations", Status: 500})
	text, _, isErr = mcptest.Call(t, admin, "onboard_customer", args)
	remove()
	if !isErr {
		t.Fatalf("accepted: %s", text)
	}
	for _, want := range []string{"stopped at the invitation", "found organization \"Soylent\" (" + id + ")", "generated an Admin Portal link",
		"mutate invitations.send with email it@soylent.test and organization_id " + id} {
		if !strings.Contains(text, want) {
			t.Errorf("%q missing from %s", want, text)
		}
	}
	if strings.Contains(text, "/_emulator/portal") {
		t.Errorf("portal link in an error: %s", text)
	}

	// The re-run finishes: same organization, one invitation.
	m := mcptest.OK(t, admin, "onboard_customer", args)
	if m["reused"] != true || m["organization"].(map[string]any)["id"] != id || m["invitation"].(map[string]any)["email"] != "it@soylent.test" {
		t.Errorf("finishing re-run: %v", m)
	}
	if inv := api.invitationsFor("it@soylent.test"); len(inv) != 1 {
		t.Errorf("invitations: %v", inv)
	}

	// The organization is created but the answer is lost: the re-run finds it.
	remove = st.emu.InjectFault(emulator.Fault{Method: "POST", Path: "/organizations", Status: 502, AfterApply: true, Times: 1 + workos.DefaultMaxRetries})
	text, _, isErr = mcptest.Call(t, admin, "onboard_customer", map[string]any{"name": "Wonka", "domains": []any{"wonka.test"}, "admin_email": "it@wonka.test"})
	remove()
	if !isErr || !strings.Contains(text, "run onboard_customer again with the same arguments") {
		t.Fatalf("lost answer: error=%v %s", isErr, text)
	}
	m = mcptest.OK(t, admin, "onboard_customer", map[string]any{"name": "Wonka", "domains": []any{"wonka.test"}, "admin_email": "it@wonka.test"})
	if m["reused"] != true || len(api.orgsWithDomain("wonka.test")) != 1 {
		t.Errorf("after a lost answer: %v", m)
	}
}

// TestDescribeOrganizationAmbiguousDomain: a domain held by several organizations is answered
// with their list, not with one of them.
func TestDescribeOrganizationAmbiguousDomain(t *testing.T) {
	st := newLocalStack(t, nil)
	api := sandboxOf(t, st)
	admin := st.as(t, "admin")
	acmeID := api.orgsWithDomain("acme.test")[0]["id"].(string)
	// Someone created a second organization claiming acme.test around the server (pending: the
	// API allows that, only one organization can verify it).
	var dup map[string]any
	if _, err := api.api.Do(context.Background(), "POST", "/organizations", nil, map[string]any{
		"name": "Acme Duplicate", "domain_data": []any{map[string]any{"domain": "acme.test", "state": "pending"}},
	}, &dup); err != nil {
		t.Fatal(err)
	}
	dupID := dup["id"].(string)
	for _, d := range []string{"acme.test", " ACME.test. "} {
		text, _, isErr := mcptest.Call(t, admin, "describe_organization", map[string]any{"domain": d})
		if !isErr {
			t.Fatalf("%q answered with one organization: %s", d, text)
		}
		for _, want := range []string{"matches 2 organizations", `"Acme Corp" (` + acmeID + `) (domain verified)`, `"Acme Duplicate" (` + dupID + `) (domain pending)`,
			`"Acme Corp" (` + acmeID + `) verified it and owns it`, "organization_id"} {
			if !strings.Contains(text, want) {
				t.Errorf("%q missing from %s", want, text)
			}
		}
	}
	// By organization_id each answers.
	for _, id := range []string{acmeID, dupID} {
		if m := mcptest.OK(t, admin, "describe_organization", map[string]any{"organization_id": id}); m["organization"].(map[string]any)["id"] != id {
			t.Errorf("by id: %v", m["organization"])
		}
	}
	// onboard_customer refuses the domain naming both.
	text, _, _ := mcptest.Call(t, admin, "onboard_customer", map[string]any{"name": "Acme Third", "domains": []any{"acme.test"}, "admin_email": "it@acme.test"})
	if !strings.Contains(text, acmeID) || !strings.Contains(text, dupID) {
		t.Errorf("onboard_customer: %s", text)
	}
	mcptest.Fails(t, admin, "describe_organization", map[string]any{"domain": "https://acme.test"}, "is a URL")
}

// TestOnboardConcurrentRetries: an agent that retries a slow onboarding while the first call
// still runs gets the same organization, not a second one.
func TestOnboardConcurrentRetries(t *testing.T) {
	st := newLocalStack(t, nil)
	api := sandboxOf(t, st)
	const n = 4
	sessions := make([]*mcp.ClientSession, n)
	for i := range sessions {
		sessions[i] = st.as(t, "admin")
	}
	args := map[string]any{"name": "Massive Dynamic", "domains": []any{"massive.test"}, "admin_email": "it@massive.test"}
	type answer struct {
		text  string
		m     map[string]any
		isErr bool
	}
	answers := make(chan answer, n)
	var wg sync.WaitGroup
	for _, cs := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			text, m, isErr := mcptest.Call(t, cs, "onboard_customer", args)
			answers <- answer{text, m, isErr}
		}()
	}
	wg.Wait()
	close(answers)
	created, ids := 0, map[any]bool{}
	for a := range answers {
		if a.isErr {
			t.Errorf("error: %s", a.text)
			continue
		}
		if a.m["reused"] == false {
			created++
		}
		ids[a.m["organization"].(map[string]any)["id"]] = true
	}
	if created != 1 || len(ids) != 1 {
		t.Errorf("%d answers created an organization, %d distinct organizations", created, len(ids))
	}
	if o := api.orgsWithDomain("massive.test"); len(o) != 1 {
		t.Errorf("organizations: %v", o)
	}
	if i := api.invitationsFor("it@massive.test"); len(i) != 1 {
		t.Errorf("invitations: %v", i)
	}
}
