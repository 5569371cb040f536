package interop

// The adversarial suite of issue 9: every attack of the "Why", and variants, through the
// real binary — `workos-mcp dev`, and `workos-mcp serve` on dev's authorization server and
// emulator. Each row of attacks is role × environment × operation × hostile parameters with the
// expected answer; for each the suite asserts (a) the tool's answer (an error naming the reason
// category, or a confirmation), (b) nothing changed in WorkOS, read back with the environment's
// own key (the organization exists, its domain is verified, the membership role is unchanged,
// the person's own password still signs in, no redirect URI added, and a full snapshot is
// equal), and what serve sent upstream (no write), (c) the server's JSON log line for the
// request names the outcome and the reason. Adding a case is adding a row (or a line of
// testdata/adversarial/path_values.txt).

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/workos-mcp/workos-mcp/emulator"
)

// Expected answers.
const (
	refused = "refused" // an error naming the reason category; a record with a refusal outcome
	failed  = "failed"  // an error (refused before sending, or WorkOS said no); nothing changed
	confirm = "confirm" // confirmation_required, whose plan names what would be removed
	guarded = "guarded" // refused or confirmation_required; nothing changed
	allowed = "allowed" // a control: the call succeeds (the suite is not passing by refusing all)
	either  = "either"  // a read that may be answered (within the person's areas) or refused
)

// People of the demo team by role.
const (
	admin         = "admin@example.com"
	member        = "member@example.com"
	memberSandbox = "member-sandbox@example.com"
	support       = "support@example.com"
	supportViewer = "support-viewer@example.com"
)

// attack is one row: who, where, what, with which parameters, and what must come of it.
type attack struct {
	name   string
	modes  string // "dev", "serve" or "" (both)
	as     string // the person
	env    string // the tool's environment argument ("" = the default sandbox)
	in     string // the environment the fixture is made in and read back from; default: env, else sandbox
	tool   string // default mutate
	op     string
	params func(f *fixture) map[string]any // the operation's params (mutate, query)
	args   func(f *fixture) map[string]any // the whole arguments (task tools)
	want   string
	reason string   // category (see reasons) for refused
	plan   []string // words the confirmation plan must show (fixture fields by name: Domain, ...)
	check  func(t *testing.T, s *advSuite, srv *server, f *fixture, a answer)
}

func TestAdversarial(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the binary twice")
	}
	s := startSuite(t)
	pools := map[string]*fixture{}
	teamBefore := s.teamSnapshot(t)
	defer func() {
		if after := s.teamSnapshot(t); after != teamBefore {
			t.Errorf("the team's sign-in environment changed during the suite:\n%s", lineDiff(teamBefore, after))
		}
	}()
	for _, c := range attacks(t) {
		for _, srv := range s.servers() {
			if c.modes != "" && c.modes != srv.mode {
				continue
			}
			t.Run(srv.mode+"/"+c.name, func(t *testing.T) { s.run(t, srv, c, pools) })
		}
	}
	t.Run("passwords", func(t *testing.T) {
		for _, f := range pools {
			if f != nil && !f.env.signIn(t, f.Email, f.Password) {
				t.Errorf("%s (%s) can no longer sign in with their own password", f.Email, f.env.name)
			}
		}
	})
	t.Run("serve/check", s.checkConfigurations)
	t.Run("team", s.teamProtection)
	t.Run("records", s.records)
	t.Run("confirmation-replay", s.confirmationReplay)
	t.Run("limits", s.limits)
}

// waiting lists the cases that fail because a part of issue 9 has not landed on main yet, by
// subtest name prefix (after "TestAdversarial/"). Each is reported to the lead; remove the
// line when the part lands.
var waiting = []struct{ prefix, part string }{}

// skipIfWaiting skips a case that waits for a part of issue 9 (see waiting).
// WORKOS_MCP_ADVERSARIAL_ALL=1 runs them anyway (to see whether a part has landed).
func skipIfWaiting(t *testing.T) {
	t.Helper()
	if os.Getenv("WORKOS_MCP_ADVERSARIAL_ALL") == "1" {
		return
	}
	name := strings.TrimPrefix(t.Name(), "TestAdversarial/")
	for _, w := range waiting {
		if strings.HasPrefix(name, w.prefix) {
			t.Skip("waiting for " + w.part)
		}
	}
}

// run plays one row against one server.
func (s *advSuite) run(t *testing.T, srv *server, c attack, pools map[string]*fixture) {
	skipIfWaiting(t)
	envName := c.in
	if envName == "" {
		envName = c.env
	}
	env, ok := srv.envs[envName]
	if !ok {
		env = s.sandbox
	}
	// A fixture left intact by the previous case is as good as a fresh one; one a case changed
	// (or may have) is dropped.
	key := srv.mode + "/" + env.name
	f := pools[key]
	if f == nil {
		perms := []string{"documents:read", "documents:write", "billing:manage"}
		if env.name == "production" {
			perms = []string{"documents:read", "documents:write"}
		}
		f = newFixture(t, env, perms)
	}
	pools[key] = nil
	before := f.snapshot(t)
	teamBefore := ""
	if strings.HasPrefix(c.name, "team/") {
		teamBefore = s.teamSnapshot(t)
	}
	mark := 0
	if srv.sent != nil {
		mark = srv.sent.mark()
	}
	elsewhere := s.fake.elsewhere.mark()

	args := map[string]any{}
	tool := c.tool
	if tool == "" {
		tool = "mutate"
	}
	if c.args != nil {
		args = c.args(f)
	} else {
		args["operation"] = c.op
		args["params"] = c.params(f)
		if c.env != "" {
			args["environment"] = c.env
		}
	}
	a := srv.call(t, c.as, tool, args)

	switch c.want {
	case refused, failed:
		s.expectRefusal(t, srv, c, a)
	case confirm:
		s.expectConfirmation(t, srv, c, f, a)
	case guarded:
		if a.isError {
			checkRecord(t, srv, a.requestID, "any", anyRefusal)
		} else {
			s.expectConfirmation(t, srv, c, f, a)
		}
	case allowed:
		if a.isError {
			t.Errorf("control case refused: %s", clip(a.raw))
		}
	case either:
		if a.isError {
			checkRecord(t, srv, a.requestID, "any", anyRefusal)
		}
	}
	if c.want != allowed {
		if strings.HasPrefix(c.name, "takeover/") {
			f.intact(t, before)
		} else {
			f.intactState(t, before)
		}
		if teamBefore != "" {
			if after := s.teamSnapshot(t); after != teamBefore {
				t.Errorf("the team's sign-in environment changed:\n%s", lineDiff(teamBefore, after))
			}
		}
		if srv.sent != nil && (c.want != either || a.isError) {
			for _, r := range srv.sent.since(mark) {
				if r.Method != http.MethodGet {
					t.Errorf("serve sent a write: %s %s", r.Method, r.RawPath)
				}
			}
		}
	}
	if srv.sent != nil {
		for _, r := range srv.sent.since(mark) {
			if !pathSegmentsClean(r.RawPath) {
				t.Errorf("serve sent a path with a bent segment: %s %s", r.Method, r.RawPath)
			}
		}
	}
	if got := s.fake.elsewhere.since(elsewhere); len(got) > 0 {
		t.Errorf("another origin received requests:\n%s", describeSent(got))
	}
	sentArgs, _ := json.Marshal(args)
	logs := strings.Join(logText(srv, a.requestID), "\n")
	for _, secret := range append(seedSecrets, f.Password) {
		// An answer may echo what the agent itself sent; the log never holds a key.
		if strings.Contains(a.raw, secret) && !strings.Contains(string(sentArgs), secret) {
			t.Errorf("the answer contains a secret")
		}
		if strings.Contains(logs, secret) {
			t.Errorf("the server's log line for the call contains a secret")
		}
	}
	if c.check != nil {
		c.check(t, s, srv, f, a)
	}
	if !t.Failed() && c.want != allowed {
		pools[key] = f
	}
}

var anyRefusal = map[string]bool{"denied": true, "invalid": true, "refused": true, "error": true, "limited": true, "rate_limited": true}

func (s *advSuite) expectRefusal(t *testing.T, srv *server, c attack, a answer) {
	t.Helper()
	if !a.isError {
		t.Errorf("not refused: %s", clip(a.raw))
		return
	}
	if a.structured != nil && a.structured["confirmation_token"] != nil {
		t.Errorf("a refusal carries a confirmation token: %s", a.raw)
	}
	if c.want == failed {
		checkRecord(t, srv, a.requestID, "any", anyRefusal)
		return
	}
	if re := reasons[c.reason]; !re.MatchString(a.text) {
		t.Errorf("the error does not name the reason (%s): %s", c.reason, a.text)
	}
	checkRecord(t, srv, a.requestID, c.reason, refusalOutcomes)
}

func (s *advSuite) expectConfirmation(t *testing.T, srv *server, c attack, f *fixture, a answer) {
	t.Helper()
	if a.isError || a.structured == nil || (a.structured["status"] != "confirmation_required" && a.structured["status"] != "approval_required") {
		t.Errorf("no confirmation asked: %s", clip(a.raw))
		return
	}
	if tok, _ := a.structured["confirmation_token"].(string); tok == "" {
		t.Errorf("no confirmation token: %s", a.raw)
	}
	for _, w := range c.plan {
		v := fixtureField(f, w)
		if !strings.Contains(a.raw, v) {
			t.Errorf("the plan does not say that %s (%s) would be removed: %s", w, v, a.raw)
		}
	}
	for _, l := range srv.logLines(a.requestID) {
		if l["outcome"] == "confirmation_required" || l["outcome"] == "approval_required" {
			return
		}
	}
	t.Errorf("no confirmation_required (or approval_required) log line for %s: %v", a.requestID, logText(srv, a.requestID))
}

// fixtureField is a fixture's value by field name (for plans), or the word itself.
func fixtureField(f *fixture, name string) string {
	switch name {
	case "Domain":
		return f.Domain
	case "Permission0":
		return f.Permissions[0]
	case "Permission1":
		return f.Permissions[1]
	case "Permission2":
		return f.Permissions[len(f.Permissions)-1]
	case "GroupID":
		return f.GroupID
	}
	return name
}

// seedSecrets are the demo seed's secrets (API keys, passwords, invitation tokens, webhook
// secrets, organization API keys): no answer and no log line shows one.
var seedSecrets = emulator.DefaultSeed().Secrets()

// ---- the rows

func attacks(t *testing.T) []attack {
	var rows []attack
	rows = append(rows, pathTraversal(t)...)
	rows = append(rows, accountTakeover()...)
	rows = append(rows, disguisedDestruction()...)
	rows = append(rows, roleAreas()...)
	rows = append(rows, teamRows()...)
	rows = append(rows, secretsAndRedirects()...)
	rows = append(rows, onboarding()...)
	rows = append(rows, smuggling()...)
	return rows
}

type hostile struct {
	class string
	value string
}

func hostileValues(t *testing.T) []hostile {
	t.Helper()
	fh, err := os.Open(filepath.Join("testdata", "adversarial", "path_values.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	var out []hostile
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		class, quoted, _ := strings.Cut(line, " ")
		v, err := strconv.Unquote(strings.TrimSpace(quoted))
		if err != nil || (class != "hard" && class != "soft" && class != "missing") {
			t.Fatalf("path_values.txt: bad line %q", line)
		}
		if v == "LONG" {
			v = strings.Repeat("a", 300)
		}
		out = append(out, hostile{class, v})
	}
	return out
}

// pathOps are operations with path parameters, each with valid parameters from the fixture;
// every hostile value is tried in each of the listed path parameters. full: every value (the
// issue's two operations); otherwise the first values of the file (the hard core).
var pathOps = []struct {
	op, tool string
	full     bool
	params   func(f *fixture) map[string]any
	path     []string
}{
	{"group_members.remove", "mutate", true, func(f *fixture) map[string]any {
		return map[string]any{"organizationId": f.OrgID, "groupId": f.GroupID, "omId": f.MembershipID}
	}, []string{"organizationId", "groupId", "omId"}},
	{"organization_roles.remove_permission", "mutate", true, func(f *fixture) map[string]any {
		return map[string]any{"organizationId": f.OrgID, "slug": f.OrgRoleSlug, "permissionSlug": f.Permissions[0]}
	}, []string{"organizationId", "slug", "permissionSlug"}},
	{"organization_roles.add_permission", "mutate", false, func(f *fixture) map[string]any {
		return map[string]any{"organizationId": f.OrgID, "role_slug": f.OrgRoleSlug, "slug": f.Permissions[2]}
	}, []string{"organizationId", "role_slug"}},
	{"organization_roles.update", "mutate", false, func(f *fixture) map[string]any {
		return map[string]any{"organizationId": f.OrgID, "slug": f.OrgRoleSlug, "description": "changed by an attack"}
	}, []string{"organizationId", "slug"}},
	{"organization_roles.set_permissions", "mutate", false, func(f *fixture) map[string]any {
		return map[string]any{"organizationId": f.OrgID, "slug": f.OrgRoleSlug, "permissions": f.Permissions}
	}, []string{"organizationId", "slug"}},
	{"roles.set_permissions", "mutate", false, func(f *fixture) map[string]any {
		return map[string]any{"slug": f.EnvRoleSlug, "permissions": f.Permissions}
	}, []string{"slug"}},
	{"groups.update", "mutate", false, func(f *fixture) map[string]any {
		return map[string]any{"organizationId": f.OrgID, "groupId": f.GroupID, "name": "changed by an attack"}
	}, []string{"organizationId", "groupId"}},
	{"group_members.add", "mutate", false, func(f *fixture) map[string]any {
		return map[string]any{"organizationId": f.OrgID, "groupId": f.GroupID, "organization_membership_id": f.MembershipID}
	}, []string{"organizationId", "groupId"}},
	{"users.update", "mutate", false, func(f *fixture) map[string]any {
		return map[string]any{"id": f.UserID, "first_name": "Changed"}
	}, []string{"id"}},
	{"organization_memberships.update", "mutate", false, func(f *fixture) map[string]any {
		return map[string]any{"id": f.MembershipID, "role_slug": "admin"}
	}, []string{"id"}},
	{"organization_memberships.deactivate", "mutate", false, func(f *fixture) map[string]any {
		return map[string]any{"id": f.MembershipID}
	}, []string{"id"}},
	{"organizations.update", "mutate", false, func(f *fixture) map[string]any {
		return map[string]any{"id": f.OrgID, "name": "changed by an attack"}
	}, []string{"id"}},
	{"organization_domains.verify", "mutate", false, func(f *fixture) map[string]any {
		return map[string]any{"id": f.DomainID}
	}, []string{"id"}},
	{"invitations.revoke", "mutate", false, func(f *fixture) map[string]any {
		return map[string]any{"id": "invitation_x"}
	}, []string{"id"}},
	{"organizations.get", "query", false, func(f *fixture) map[string]any {
		return map[string]any{"id": f.OrgID}
	}, []string{"id"}},
	{"organization_api_keys.list", "query", false, func(f *fixture) map[string]any {
		return map[string]any{"organizationId": f.OrgID}
	}, []string{"organizationId"}},
	{"users.get", "query", false, func(f *fixture) map[string]any {
		return map[string]any{"id": f.UserID}
	}, []string{"id"}},
}

// coreValues is how many of the file's first values every operation gets.
const coreValues = 7

func pathTraversal(t *testing.T) []attack {
	values := hostileValues(t)
	var rows []attack
	// The issue's own attack, as support (who may write organizations and users).
	rows = append(rows,
		// support's role does not reach groups: refused for that first.
		attack{name: "path/issue/group_members.remove-dotdot-as-support", as: support, op: "group_members.remove", want: refused, reason: "area",
			params: func(f *fixture) map[string]any {
				return map[string]any{"organizationId": f.OrgID, "groupId": "..", "omId": ".."}
			}},
		attack{name: "path/issue/organization_roles.remove_permission-dotdot-as-admin", as: admin, op: "organization_roles.remove_permission", want: refused, reason: "path",
			params: func(f *fixture) map[string]any {
				return map[string]any{"organizationId": f.OrgID, "slug": f.OrgRoleSlug, "permissionSlug": ".."}
			}},
		attack{name: "path/issue/group_members.remove-dotdot-production-as-member", as: member, env: "production", op: "group_members.remove", want: refused, reason: "path",
			params: func(f *fixture) map[string]any {
				return map[string]any{"organizationId": f.OrgID, "groupId": "..", "omId": ".."}
			}},
		attack{name: "path/issue/group_members.remove-dotdot-as-admin", as: admin, op: "group_members.remove", want: refused, reason: "path",
			params: func(f *fixture) map[string]any {
				return map[string]any{"organizationId": f.OrgID, "groupId": "..", "omId": ".."}
			}},
		attack{name: "path/issue/organization_memberships.update-dotdot-as-support", as: support, op: "organization_memberships.update", want: refused, reason: "path",
			params: func(f *fixture) map[string]any { return map[string]any{"id": "..", "role_slug": "admin"} }},
		attack{name: "path/issue/users.update-dotdot-as-support", as: support, op: "users.update", want: refused, reason: "path",
			params: func(f *fixture) map[string]any { return map[string]any{"id": "../" + f.UserID, "first_name": "x"} }},
	)
	for _, po := range pathOps {
		for _, param := range po.path {
			for i, h := range values {
				if !po.full && i >= coreValues {
					break
				}
				po, param, h := po, param, h
				want, reason := refused, "path"
				switch h.class {
				case "soft":
					want, reason = failed, ""
				case "missing":
					reason = "invalid"
				}
				// dev and serve share the pipeline; serve also shows what was sent. The whole
				// matrix runs on serve, the core of the two operations on dev too.
				modes := "serve"
				if po.full && i < coreValues {
					modes = ""
				}
				rows = append(rows, attack{
					name:  fmt.Sprintf("path/%s/%s=%s", po.op, param, strconv.Quote(shorten(h.value))),
					modes: modes, as: admin, tool: po.tool, op: po.op, want: want, reason: reason,
					params: func(f *fixture) map[string]any {
						p := po.params(f)
						p[param] = h.value
						return p
					},
				})
			}
		}
	}
	return rows
}

// clip keeps messages about long answers readable.
func clip(s string) string {
	if len(s) > 700 {
		return s[:700] + "…"
	}
	return s
}

func shorten(s string) string {
	if len(s) > 24 {
		return s[:12] + "…" + strconv.Itoa(len(s))
	}
	return s
}

func accountTakeover() []attack {
	const attackerPassword = "attacker-Passw0rd-xyz"
	signInFails := func(t *testing.T, s *advSuite, srv *server, f *fixture, a answer) {
		if f.env.signIn(t, f.Email, attackerPassword) {
			t.Errorf("the attacker's password signs in as %s", f.Email)
		}
	}
	noUser := func(email string) func(t *testing.T, s *advSuite, srv *server, f *fixture, a answer) {
		return func(t *testing.T, s *advSuite, srv *server, f *fixture, a answer) {
			e := strings.ReplaceAll(email, "N", strconv.FormatInt(f.n, 10))
			if _, b := f.env.call(t, "GET", "/user_management/users?email="+e, nil); strings.Contains(string(b), e) {
				t.Errorf("a user %s was created: %s", e, b)
			}
			if f.env.signIn(t, e, attackerPassword) {
				t.Errorf("the attacker signs in as the user they created")
			}
		}
	}
	var rows []attack
	for _, who := range []struct{ as, env string }{{member, "production"}, {admin, "sandbox"}, {support, "sandbox"}, {memberSandbox, ""}} {
		who := who
		add := func(name string, p func(f *fixture) map[string]any, check func(t *testing.T, s *advSuite, srv *server, f *fixture, a answer)) {
			rows = append(rows, attack{name: "takeover/" + name + "/" + who.as + "@" + who.env, as: who.as, env: who.env, op: "users.update",
				want: refused, reason: "credential", params: p, check: check})
		}
		add("password", func(f *fixture) map[string]any { return map[string]any{"id": f.UserID, "password": attackerPassword} }, signInFails)
		add("password-with-a-benign-field", func(f *fixture) map[string]any {
			return map[string]any{"id": f.UserID, "first_name": "Innocent", "password": attackerPassword}
		}, signInFails)
		add("password_hash", func(f *fixture) map[string]any {
			return map[string]any{"id": f.UserID, "password_hash": "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy", "password_hash_type": "bcrypt"}
		}, signInFails)
		add("email", func(f *fixture) map[string]any { return map[string]any{"id": f.UserID, "email": "attacker@evil.test"} }, nil)
		add("email-and-verified", func(f *fixture) map[string]any {
			return map[string]any{"id": f.UserID, "email": "attacker@evil.test", "email_verified": true}
		}, nil)
		add("email_verified-false", func(f *fixture) map[string]any { return map[string]any{"id": f.UserID, "email_verified": false} }, nil)
		add("email-case-variant", func(f *fixture) map[string]any {
			return map[string]any{"id": f.UserID, "email": strings.ToUpper(f.Email)}
		}, nil)
		rows = append(rows,
			attack{name: "takeover/users.create-with-password/" + who.as + "@" + who.env, as: who.as, env: who.env, op: "users.create",
				want: refused, reason: "credential", check: noUser("takeoverN@evil.test"),
				params: func(f *fixture) map[string]any {
					return map[string]any{"email": fmt.Sprintf("takeover%d@evil.test", f.n), "password": attackerPassword}
				}},
			attack{name: "takeover/users.create-with-password_hash/" + who.as + "@" + who.env, as: who.as, env: who.env, op: "users.create",
				want: refused, reason: "credential", check: noUser("takeoverN@evil.test"),
				params: func(f *fixture) map[string]any {
					return map[string]any{"email": fmt.Sprintf("takeover%d@evil.test", f.n), "password_hash": "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy", "password_hash_type": "bcrypt"}
				}},
		)
	}
	// Excluded operations stay excluded whatever the spelling.
	for _, op := range []string{"password_resets.confirm", "users.enroll_auth_factor", "users.confirm_email_change", "users.confirm_email_verification",
		"organization_api_keys.create", "user_api_keys.create", "invitations.accept", "user_management.authenticate", "widgets.create_token",
		"client_tokens.create", "Password_Resets.Confirm", " password_resets.confirm", "password_resets.confirm "} {
		op := op
		rows = append(rows, attack{name: "takeover/excluded/" + strconv.Quote(op), as: admin, op: op, want: refused, reason: "excluded",
			params: func(f *fixture) map[string]any {
				return map[string]any{"token": "x", "new_password": attackerPassword, "password": attackerPassword}
			}})
	}
	// Starting an email change to the attacker's address: refused or harmless (the email stays).
	rows = append(rows, attack{name: "takeover/users.send_email_change", as: admin, op: "users.send_email_change", want: either,
		params: func(f *fixture) map[string]any {
			return map[string]any{"id": f.UserID, "new_email": "attacker@evil.test"}
		}})
	// A magic-auth code signs in as the person: never shown.
	rows = append(rows, attack{name: "takeover/magic_auth.create-code-hidden", as: admin, op: "magic_auth.create", want: either,
		params: func(f *fixture) map[string]any { return map[string]any{"email": f.Email} },
		check: func(t *testing.T, s *advSuite, srv *server, f *fixture, a answer) {
			var res struct {
				Result map[string]any `json:"result"`
			}
			b, _ := json.Marshal(a.structured)
			json.Unmarshal(b, &res)
			if v, _ := res.Result["code"].(string); v != "" && !strings.Contains(strings.ToLower(v), "redacted") {
				t.Errorf("the answer shows the magic-auth code %q", v)
			}
		}})
	// A password reset answers with a token that resets the password: never shown.
	rows = append(rows, attack{name: "takeover/password_resets.create-token-redacted", as: admin, op: "password_resets.create", want: allowed,
		params: func(f *fixture) map[string]any { return map[string]any{"email": f.Email} },
		check: func(t *testing.T, s *advSuite, srv *server, f *fixture, a answer) {
			var res struct {
				Result map[string]any `json:"result"`
			}
			b, _ := json.Marshal(a.structured)
			json.Unmarshal(b, &res)
			for _, k := range []string{"password_reset_token", "password_reset_url"} {
				if v, _ := res.Result[k].(string); v != "" && !strings.Contains(strings.ToLower(v), "redacted") {
					if k == "password_reset_url" && !strings.Contains(v, "token=") {
						continue
					}
					t.Errorf("the answer shows %s: %s", k, v)
				}
			}
		}})
	return rows
}

func disguisedDestruction() []attack {
	var rows []attack
	for _, who := range []struct{ as, env string }{{admin, ""}, {member, "production"}, {support, ""}} {
		who := who
		sfx := "/" + who.as + "@" + who.env
		rows = append(rows,
			attack{name: "destroy/organizations.update-domain_data-empty" + sfx, as: who.as, env: who.env, op: "organizations.update", want: confirm, plan: []string{"Domain"},
				params: func(f *fixture) map[string]any { return map[string]any{"id": f.OrgID, "domain_data": []any{}} }},
			attack{name: "destroy/organizations.update-domains-empty" + sfx, as: who.as, env: who.env, op: "organizations.update", want: confirm, plan: []string{"Domain"},
				params: func(f *fixture) map[string]any { return map[string]any{"id": f.OrgID, "domains": []any{}} }},
			attack{name: "destroy/organizations.update-domain_data-replaced" + sfx, as: who.as, env: who.env, op: "organizations.update", want: confirm, plan: []string{"Domain"},
				params: func(f *fixture) map[string]any {
					return map[string]any{"id": f.OrgID, "domain_data": []any{map[string]any{"domain": fmt.Sprintf("replacement%d.test", f.n), "state": "pending"}}}
				}},
			// The same domain listed as pending: allowed or not, it must stay verified.
			attack{name: "destroy/organizations.update-domain_data-downgraded" + sfx, as: who.as, env: who.env, op: "organizations.update", want: allowed,
				params: func(f *fixture) map[string]any {
					return map[string]any{"id": f.OrgID, "domain_data": []any{map[string]any{"domain": f.Domain, "state": "pending"}}}
				},
				check: func(t *testing.T, s *advSuite, srv *server, f *fixture, a answer) {
					if _, b := f.env.call(t, "GET", "/organization_domains/"+f.DomainID, nil); !strings.Contains(string(b), `"state":"verified"`) {
						t.Errorf("listing a verified domain as pending unverified it without a confirmation: %s", b)
					}
				}},
			attack{name: "destroy/organizations.update-domain_data-empty-with-name" + sfx, as: who.as, env: who.env, op: "organizations.update", want: confirm, plan: []string{"Domain"},
				params: func(f *fixture) map[string]any {
					return map[string]any{"id": f.OrgID, "name": "Renamed", "domain_data": []any{}}
				}},
		)
	}
	for _, who := range []struct{ as, env string }{{admin, ""}, {member, "production"}} {
		who := who
		sfx := "/" + who.as + "@" + who.env
		rows = append(rows,
			attack{name: "destroy/roles.set_permissions-shorter" + sfx, as: who.as, env: who.env, op: "roles.set_permissions", want: confirm, plan: []string{"Permission2"},
				params: func(f *fixture) map[string]any {
					return map[string]any{"slug": f.EnvRoleSlug, "permissions": []any{f.Permissions[0]}}
				}},
			attack{name: "destroy/roles.set_permissions-empty" + sfx, as: who.as, env: who.env, op: "roles.set_permissions", want: confirm, plan: []string{"Permission0", "Permission2"},
				params: func(f *fixture) map[string]any { return map[string]any{"slug": f.EnvRoleSlug, "permissions": []any{}} }},
			attack{name: "destroy/roles.set_permissions-same-length-swapped" + sfx, as: who.as, env: who.env, op: "roles.set_permissions", want: guarded,
				params: func(f *fixture) map[string]any {
					p := append([]string{"reports:export"}, f.Permissions[1:]...)
					return map[string]any{"slug": f.EnvRoleSlug, "permissions": p}
				}},
			attack{name: "destroy/organization_roles.set_permissions-shorter" + sfx, as: who.as, env: who.env, op: "organization_roles.set_permissions", want: confirm, plan: []string{"Permission2"},
				params: func(f *fixture) map[string]any {
					return map[string]any{"organizationId": f.OrgID, "slug": f.OrgRoleSlug, "permissions": []any{f.Permissions[0]}}
				}},
			attack{name: "destroy/group_role_assignments.replace-empty" + sfx, as: who.as, env: who.env, op: "group_role_assignments.replace", want: confirm,
				params: func(f *fixture) map[string]any {
					return map[string]any{"group_id": f.GroupID, "role_assignments": []any{}}
				},
				check: planNamesAssignment},
			attack{name: "destroy/group_role_assignments.replace-other-role" + sfx, as: who.as, env: who.env, op: "group_role_assignments.replace", want: confirm,
				params: func(f *fixture) map[string]any {
					return map[string]any{"group_id": f.GroupID, "role_assignments": []any{map[string]any{"role_slug": "member", "resource_external_id": "doc-x", "resource_type_slug": "document"}}}
				},
				check: planNamesAssignment},
			attack{name: "destroy/group_role_assignments.delete_matching" + sfx, as: who.as, env: who.env, op: "group_role_assignments.delete_matching", want: guarded,
				params: func(f *fixture) map[string]any {
					return map[string]any{"group_id": f.GroupID, "role_slug": f.EnvRoleSlug}
				}},
			attack{name: "destroy/group_role_assignments.delete" + sfx, as: who.as, env: who.env, op: "group_role_assignments.delete", want: guarded,
				params: func(f *fixture) map[string]any {
					return map[string]any{"group_id": f.GroupID, "role_assignment_id": f.GroupAssignmentID}
				}},
			attack{name: "destroy/group_members.remove" + sfx, as: who.as, env: who.env, op: "group_members.remove", want: confirm,
				params: func(f *fixture) map[string]any {
					return map[string]any{"organizationId": f.OrgID, "groupId": f.GroupID, "omId": f.MembershipID}
				}},
			attack{name: "destroy/organization_memberships.update-role_slugs-empty" + sfx, as: who.as, env: who.env, op: "organization_memberships.update", want: guarded,
				params: func(f *fixture) map[string]any { return map[string]any{"id": f.MembershipID, "role_slugs": []any{}} }},
		)
	}
	// Controls: a rename is an ordinary write.
	rows = append(rows, attack{name: "destroy/control-organizations.update-name", as: admin, op: "organizations.update", want: allowed,
		params: func(f *fixture) map[string]any { return map[string]any{"id": f.OrgID, "name": f.OrgName + " renamed"} }})
	return rows
}

func roleAreas() []attack {
	outside := func(as, tool, op string, p func(f *fixture) map[string]any) attack {
		return attack{name: "area/" + op + "/" + as, as: as, tool: tool, op: op, want: refused, reason: "area", params: p}
	}
	org := func(k string) func(f *fixture) map[string]any {
		return func(f *fixture) map[string]any { return map[string]any{k: f.OrgID} }
	}
	rows := []attack{
		outside(support, "query", "organization_api_keys.list", org("organizationId")),
		outside(supportViewer, "query", "organization_api_keys.list", org("organizationId")),
		outside(support, "query", "audit_log_retention.get", org("id")),
		outside(support, "mutate", "audit_log_retention.update", func(f *fixture) map[string]any {
			return map[string]any{"id": f.OrgID, "retention_period_in_days": 30}
		}),
		outside(support, "query", "groups.list", org("organizationId")),
		outside(supportViewer, "query", "groups.list", org("organizationId")),
		outside(support, "mutate", "groups.delete", func(f *fixture) map[string]any {
			return map[string]any{"organizationId": f.OrgID, "groupId": f.GroupID}
		}),
		outside(support, "mutate", "group_members.remove", func(f *fixture) map[string]any {
			return map[string]any{"organizationId": f.OrgID, "groupId": f.GroupID, "omId": f.MembershipID}
		}),
		outside(support, "mutate", "organization_roles.remove_permission", func(f *fixture) map[string]any {
			return map[string]any{"organizationId": f.OrgID, "slug": f.OrgRoleSlug, "permissionSlug": f.Permissions[0]}
		}),
		outside(support, "mutate", "roles.set_permissions", func(f *fixture) map[string]any {
			return map[string]any{"slug": f.EnvRoleSlug, "permissions": f.Permissions}
		}),
		outside(support, "mutate", "redirect_uris.create", func(f *fixture) map[string]any {
			return map[string]any{"uri": "https://attacker.example/callback"}
		}),
		outside(support, "mutate", "webhook_endpoints.create", func(f *fixture) map[string]any {
			return map[string]any{"endpoint_url": "https://attacker.example/hook", "events": []any{"user.created"}}
		}),
		outside(supportViewer, "query", "connections.list", func(f *fixture) map[string]any { return map[string]any{} }),
		outside(supportViewer, "query", "directories.list", func(f *fixture) map[string]any { return map[string]any{} }),
		{name: "area/support-viewer-writes", as: supportViewer, op: "organizations.update", want: refused, reason: "role",
			params: func(f *fixture) map[string]any { return map[string]any{"id": f.OrgID, "name": "x"} }},
		{name: "area/member-sandbox-writes-production", as: memberSandbox, env: "production", op: "organizations.update", want: refused, reason: "role",
			params: func(f *fixture) map[string]any { return map[string]any{"id": f.OrgID, "name": "x"} }},
		// events.list answers only the event types of the person's areas.
		{name: "area/events.list-support-viewer", as: supportViewer, tool: "query", op: "events.list", want: allowed,
			params: func(f *fixture) map[string]any { return map[string]any{"limit": 100} },
			check:  eventsOnlyInAreas(true)},
		{name: "area/events.list-support-viewer-asks-api_key", as: supportViewer, tool: "query", op: "events.list", want: guarded,
			params: func(f *fixture) map[string]any {
				return map[string]any{"events": []any{"api_key.created", "connection.activated", "dsync.activated"}, "limit": 100}
			},
			check: eventsOnlyInAreas(false)},
		{name: "area/events.list-support-viewer-smuggles-a-filter", as: supportViewer, tool: "query", op: "events.list", want: either,
			params: func(f *fixture) map[string]any {
				return map[string]any{"organization_id": "org_x&events=api_key.created", "limit": 100}
			},
			check: eventsOnlyInAreas(false)},
		{name: "area/audit_logs-support-viewer", as: supportViewer, tool: "audit_logs", want: refused, reason: "area",
			args: func(f *fixture) map[string]any { return map[string]any{"organization_id": acmeOrgID} }},
		{name: "area/events.list-control-admin", as: admin, tool: "query", op: "events.list", want: allowed,
			params: func(f *fixture) map[string]any {
				return map[string]any{"events": []any{"api_key.created", "connection.activated", "dsync.activated"}, "limit": 100}
			},
			check: func(t *testing.T, s *advSuite, srv *server, f *fixture, a answer) {
				if !strings.Contains(a.raw, "connection.activated") && !strings.Contains(a.raw, "api_key.created") {
					t.Errorf("the control (admin) sees no api_key/connection event, so the support-viewer rows prove nothing: %s", shorten(a.raw))
				}
			}},
		// Task tools and the catalog keep to the person's areas too.
		{name: "area/describe_organization-support-viewer", as: supportViewer, tool: "describe_organization", want: allowed,
			args:  func(f *fixture) map[string]any { return map[string]any{"domain": "acme.test"} },
			check: noIDsOutsideAreas},
		{name: "area/audit_configuration-support-viewer", as: supportViewer, tool: "audit_configuration", want: either,
			args:  func(f *fixture) map[string]any { return map[string]any{} },
			check: noIDsOutsideAreas},
		{name: "area/debug_sign_in-support-viewer", as: supportViewer, tool: "debug_sign_in", want: either,
			args:  func(f *fixture) map[string]any { return map[string]any{"email": "alice@acme.test"} },
			check: noIDsOutsideAreas},
		{name: "area/list_operations-support", as: support, tool: "list_operations", want: allowed,
			args: func(f *fixture) map[string]any { return map[string]any{"words": "groups api keys retention roles"} },
			check: func(t *testing.T, s *advSuite, srv *server, f *fixture, a answer) {
				for _, op := range []string{"groups.list", "group_members.remove", "organization_api_keys.list", "audit_log_retention.update", "roles.set_permissions", "organization_roles.remove_permission"} {
					if strings.Contains(a.raw, `"name":"`+op+`"`) || strings.Contains(a.raw, `\"name\":\"`+op+`\"`) {
						t.Errorf("list_operations offers support %s, outside its areas", op)
					}
				}
			}},
		{name: "area/list_operations-support-one", as: support, tool: "list_operations", want: refused, reason: "role",
			args: func(f *fixture) map[string]any { return map[string]any{"operation": "organization_api_keys.list"} }},
		// A confirmation plan shows only what the person may read.
		{name: "area/plan-shows-only-readable", as: support, op: "organizations.delete", want: guarded,
			params: func(f *fixture) map[string]any { return map[string]any{"id": f.OrgID} },
			check: func(t *testing.T, s *advSuite, srv *server, f *fixture, a answer) {
				for _, hidden := range []string{f.GroupID, "Adversary group", f.OrgRoleSlug} {
					if strings.Contains(a.raw, hidden) {
						t.Errorf("support's plan shows %q, outside support's areas: %s", hidden, a.raw)
					}
				}
			}},
	}
	return rows
}

// planNamesAssignment checks that a confirmation plan for replacing a group's role assignments
// names the one that would go (its ID or its role).
func planNamesAssignment(t *testing.T, s *advSuite, srv *server, f *fixture, a answer) {
	if !a.isError && !strings.Contains(a.raw, f.GroupAssignmentID) && !strings.Contains(a.raw, f.EnvRoleSlug) {
		t.Errorf("the plan does not say which role assignment would be removed: %s", clip(a.raw))
	}
}

// noIDsOutsideAreas checks that a support person's answer shows no SSO connection, directory,
// webhook endpoint or organization API key (IDs conn_, directory_, we_, api_key_).
func noIDsOutsideAreas(t *testing.T, s *advSuite, srv *server, f *fixture, a answer) {
	for _, prefix := range []string{`"conn_`, `"directory_`, `"we_`, `"api_key_`, `\"conn_`, `\"directory_`, `\"we_`, `\"api_key_`} {
		if strings.Contains(a.raw, prefix) {
			t.Errorf("support-viewer's answer shows %s… objects, outside its areas: %s", strings.Trim(prefix, `\"`), clip(a.raw))
		}
	}
}

// eventsOnlyInAreas checks that an events.list answer has no api_key, connection, dsync, group,
// role or permission event; mustHave: it still has the areas' own events (not trivially empty).
func eventsOnlyInAreas(mustHave bool) func(t *testing.T, s *advSuite, srv *server, f *fixture, a answer) {
	return func(t *testing.T, s *advSuite, srv *server, f *fixture, a answer) {
		if a.isError {
			return
		}
		for _, bad := range []string{`"event":"api_key.`, `"event":"connection.`, `"event":"dsync.`, `"event":"group.`, `"event":"permission.`, `"event":"role.`, `"event":"flag.`} {
			if strings.Contains(strings.ReplaceAll(a.raw, `\"`, `"`), bad) {
				t.Errorf("support-viewer's events.list shows %s… events", strings.TrimPrefix(bad, `"event":"`))
			}
		}
		if mustHave && !strings.Contains(a.raw, "organization.created") && !strings.Contains(a.raw, "user.created") {
			t.Errorf("support-viewer's events.list has no organization or user event: %s", shorten(a.raw))
		}
	}
}

func teamRows() []attack {
	team := emulator.DemoTeamOrganizationID
	var rows []attack
	// dev manages sandbox and production only: the team's environment is not reachable by any
	// spelling of its name.
	for _, name := range []string{"team", "Team", "TEAM", " team", "team ", "team\n", "sandbox/../team", "../team", "Demo Team", emulator.DemoTeamClientID, emulator.DemoTeamAPIKey} {
		name := name
		rows = append(rows, attack{name: "team/environment-" + strconv.Quote(shorten(name)), modes: "dev", as: support, env: name, in: "sandbox",
			op: "organization_memberships.update", want: refused, reason: "environment",
			params: func(f *fixture) map[string]any { return map[string]any{"id": f.MembershipID, "role_slug": "admin"} }})
	}
	// The team's organization is protected in every environment, by any ID form.
	for _, id := range []string{team, strings.ToUpper(team), " " + team, team + " ", team + "\t"} {
		id := id
		rows = append(rows,
			attack{name: "team/organizations.delete-" + strconv.Quote(id), as: admin, op: "organizations.delete", want: failed,
				params: func(f *fixture) map[string]any { return map[string]any{"id": id} }},
			attack{name: "team/organization_memberships.create-" + strconv.Quote(id), as: support, op: "organization_memberships.create", want: failed,
				params: func(f *fixture) map[string]any {
					return map[string]any{"user_id": f.UserID, "organization_id": id, "role_slug": "admin"}
				}},
			attack{name: "team/organizations.update-" + strconv.Quote(id), as: support, op: "organizations.update", want: failed,
				params: func(f *fixture) map[string]any { return map[string]any{"id": id, "name": "Taken"} }},
		)
	}
	rows = append(rows, attack{name: "team/organizations.delete-exact-named", as: admin, op: "organizations.delete", want: refused, reason: "team",
		params: func(f *fixture) map[string]any { return map[string]any{"id": team} }})
	return rows
}

func secretsAndRedirects() []attack {
	noSecrets := func(t *testing.T, s *advSuite, srv *server, f *fixture, a answer) {
		logs := strings.Join(logText(srv, a.requestID), "\n")
		for _, sec := range presignedSecrets {
			if strings.Contains(a.raw, sec) {
				t.Errorf("the answer contains a pre-signed URL credential %q: %s", sec, a.raw)
			}
			if strings.Contains(logs, sec) {
				t.Errorf("the log contains a pre-signed URL credential %q", sec)
			}
		}
	}
	var rows []attack
	for _, id := range []string{"audit_log_export_s3", "audit_log_export_gcs", "audit_log_export_azure"} {
		id := id
		rows = append(rows, attack{name: "secrets/audit_log_exports.get-" + id, modes: "serve", as: admin, env: "upstream", in: "sandbox",
			tool: "query", op: "audit_log_exports.get", want: allowed, check: noSecrets,
			params: func(f *fixture) map[string]any { return map[string]any{"auditLogExportId": id} }})
	}
	for _, id := range []string{"audit_log_export_error", "audit_log_export_notfound"} {
		id := id
		rows = append(rows, attack{name: "secrets/upstream-error-" + id, modes: "serve", as: admin, env: "upstream", in: "sandbox",
			tool: "query", op: "audit_log_exports.get", want: failed, check: noSecrets,
			params: func(f *fixture) map[string]any { return map[string]any{"auditLogExportId": id} }})
	}
	for _, op := range []string{"webhook_endpoints.list", "invitations.list", "organization_api_keys.list"} {
		op := op
		rows = append(rows, attack{name: "secrets/" + op + "-seed-secrets-redacted", as: admin, tool: "query", op: op, want: allowed,
			params: func(f *fixture) map[string]any {
				if op == "organization_api_keys.list" {
					return map[string]any{"organizationId": acmeOrgID}
				}
				return map[string]any{"limit": 100}
			}})
	}
	rows = append(rows, attack{name: "secrets/link-member-outside-portal-links", modes: "serve", as: admin, env: "upstream", in: "sandbox",
		tool: "query", op: "organizations.get", want: allowed, check: noSecrets,
		params: func(f *fixture) map[string]any { return map[string]any{"id": "org_link"} }})
	// Redirects: the fake upstream answers 3xx to another origin; the client follows none.
	for _, code := range []int{301, 302, 303, 307, 308} {
		code := code
		rows = append(rows,
			attack{name: fmt.Sprintf("redirect/organizations.get-%d", code), modes: "serve", as: admin, env: "upstream", in: "sandbox",
				tool: "query", op: "organizations.get", want: refused, reason: "redirect", check: noSecrets,
				params: func(f *fixture) map[string]any { return map[string]any{"id": fmt.Sprintf("org_%d", code)} }},
		)
	}
	rows = append(rows,
		attack{name: "redirect/organizations.update-307", modes: "serve", as: admin, env: "upstream", in: "sandbox",
			op: "organizations.update", want: refused, reason: "redirect",
			params: func(f *fixture) map[string]any { return map[string]any{"id": "org_307", "name": "x"} }},
		attack{name: "redirect/users.update-308", modes: "serve", as: admin, env: "upstream", in: "sandbox",
			op: "users.update", want: refused, reason: "redirect",
			params: func(f *fixture) map[string]any { return map[string]any{"id": "user_308", "first_name": "x"} }},
		attack{name: "redirect/organizations.delete-307", modes: "serve", as: admin, env: "upstream", in: "sandbox",
			op: "organizations.delete", want: failed,
			params: func(f *fixture) map[string]any { return map[string]any{"id": "org_307"} }},
		attack{name: "redirect/audit_log_exports.get-307", modes: "serve", as: admin, env: "upstream", in: "sandbox",
			tool: "query", op: "audit_log_exports.get", want: refused, reason: "redirect",
			params: func(f *fixture) map[string]any { return map[string]any{"auditLogExportId": "audit_log_export_307"} }},
	)
	return rows
}

func logText(srv *server, rid string) []string {
	var out []string
	for _, l := range srv.logLines(rid) {
		b, _ := json.Marshal(l)
		out = append(out, string(b))
	}
	return out
}

func onboarding() []attack {
	nothingCreated := func(domainOf func(f *fixture) string, email func(f *fixture) string) func(t *testing.T, s *advSuite, srv *server, f *fixture, a answer) {
		return func(t *testing.T, s *advSuite, srv *server, f *fixture, a answer) {
			d := domainOf(f)
			if _, b := f.env.call(t, "GET", "/organizations?domains="+d+"&limit=100", nil); strings.Contains(string(b), `"object":"organization"`) && d != "acme.test" {
				t.Errorf("an organization for %s was created: %s", d, b)
			}
			if _, b := f.env.call(t, "GET", "/organizations?limit=100", nil); strings.Contains(string(b), fmt.Sprintf("Onboard Attack %d", f.n)) {
				t.Errorf("an organization named Onboard Attack %d was created", f.n)
			}
			if e := email(f); e != "" {
				if _, b := f.env.call(t, "GET", "/user_management/invitations?email="+e, nil); strings.Contains(string(b), e) {
					t.Errorf("an invitation to %s was sent: %s", e, b)
				}
			}
			if d == "acme.test" {
				_, b := f.env.call(t, "GET", "/organizations?domains=acme.test&limit=100", nil)
				if n := strings.Count(string(b), `"object":"organization"`); n != 1 {
					t.Errorf("%d organizations own acme.test: %s", n, b)
				}
			}
		}
	}
	fresh := func(f *fixture) string { return fmt.Sprintf("onboard%d.test", f.n) }
	adminOf := func(f *fixture) string { return "it@" + fresh(f) }
	args := func(mod func(f *fixture, a map[string]any)) func(f *fixture) map[string]any {
		return func(f *fixture) map[string]any {
			a := map[string]any{"name": fmt.Sprintf("Onboard Attack %d", f.n), "domains": []any{fresh(f)}, "admin_email": adminOf(f)}
			mod(f, a)
			return a
		}
	}
	var rows []attack
	// (Case and surrounding spaces are normalised by the product: "SSO" is sso, not an attack.)
	for _, intent := range []string{"bogus", "../sso", "sso&intent=dsync", "javascript:alert(1)"} {
		intent := intent
		rows = append(rows, attack{name: "onboard/portal_intent-" + strconv.Quote(intent), as: admin, tool: "onboard_customer", want: refused, reason: "invalid",
			args:  args(func(f *fixture, a map[string]any) { a["portal_intent"] = intent }),
			check: nothingCreated(fresh, adminOf)})
	}
	for _, d := range []string{"acme.test", "ACME.test", " acme.test", "acme.test.", "Acme.Test"} {
		d := d
		rows = append(rows, attack{name: "onboard/domain-owned-by-acme-" + strconv.Quote(d), as: admin, tool: "onboard_customer", want: refused, reason: "domain",
			args: args(func(f *fixture, a map[string]any) {
				a["domains"] = []any{d}
				a["admin_email"] = fmt.Sprintf("it%d@acme.test", f.n)
			}),
			check: func(t *testing.T, s *advSuite, srv *server, f *fixture, a answer) {
				nothingCreated(func(*fixture) string { return "acme.test" }, func(f *fixture) string { return fmt.Sprintf("it%d@acme.test", f.n) })(t, s, srv, f, a)
				if !a.isError || !strings.Contains(a.text, "Acme Corp") && !strings.Contains(a.text, "org_") {
					t.Errorf("the refusal does not name the organization that owns the domain: %s", a.text)
				}
			}})
	}
	rows = append(rows,
		attack{name: "onboard/domain-owned-by-the-victim-fixture", as: admin, tool: "onboard_customer", want: refused, reason: "domain",
			args: args(func(f *fixture, a map[string]any) { a["domains"] = []any{f.Domain} }),
			check: func(t *testing.T, s *advSuite, srv *server, f *fixture, a answer) {
				if !strings.Contains(a.text, f.OrgName) && !strings.Contains(a.text, f.OrgID) {
					t.Errorf("the refusal does not name %s: %s", f.OrgName, a.text)
				}
			}},
		attack{name: "onboard/unknown-admin_role", as: admin, tool: "onboard_customer", want: refused, reason: "invalid",
			args:  args(func(f *fixture, a map[string]any) { a["admin_role"] = "no-such-role" }),
			check: nothingCreated(fresh, adminOf)},
		attack{name: "onboard/bad-domain", as: admin, tool: "onboard_customer", want: refused, reason: "invalid",
			args:  args(func(f *fixture, a map[string]any) { a["domains"] = []any{fresh(f), "not a domain/../x"} }),
			check: nothingCreated(fresh, adminOf)},
		attack{name: "onboard/support-viewer-cannot", as: supportViewer, tool: "onboard_customer", want: refused, reason: "role",
			args: args(func(f *fixture, a map[string]any) {}), check: nothingCreated(fresh, adminOf)},
		attack{name: "onboard/rerun-returns-the-same-organization", as: admin, tool: "onboard_customer", want: allowed,
			args: args(func(f *fixture, a map[string]any) {}),
			check: func(t *testing.T, s *advSuite, srv *server, f *fixture, first answer) {
				again := srv.call(t, admin, "onboard_customer", args(func(f *fixture, a map[string]any) {})(f))
				id1, id2 := orgIDIn(first.raw), orgIDIn(again.raw)
				if again.isError || id1 == "" || id1 != id2 {
					t.Errorf("a re-run did not return the same organization (%q, %q): %s", id1, id2, again.raw)
				}
				_, b := f.env.call(t, "GET", "/organizations?domains="+fresh(f)+"&limit=100", nil)
				if n := strings.Count(string(b), `"object":"organization"`); n != 1 {
					t.Errorf("%d organizations for %s after a re-run", n, fresh(f))
				}
			}},
		attack{name: "onboard/describe-acme-after-attempts", as: admin, tool: "describe_organization", want: allowed,
			args: func(f *fixture) map[string]any { return map[string]any{"domain": "acme.test"} },
			check: func(t *testing.T, s *advSuite, srv *server, f *fixture, a answer) {
				if !strings.Contains(a.raw, "Acme Corp") {
					t.Errorf("describe_organization acme.test does not answer Acme Corp: %s", clip(a.raw))
				}
			}},
	)
	return rows
}

func orgIDIn(raw string) string {
	i := strings.Index(raw, "org_01")
	if i < 0 {
		return ""
	}
	j := i
	for j < len(raw) && (raw[j] == '_' || raw[j] >= '0' && raw[j] <= '9' || raw[j] >= 'A' && raw[j] <= 'Z' || raw[j] >= 'a' && raw[j] <= 'z') {
		j++
	}
	return raw[i:j]
}

// smuggling: the same effects through other spellings of fields, operations and tools.
func smuggling() []attack {
	return []attack{
		{name: "smuggle/Password-field-case", as: admin, op: "users.update", want: refused, reason: "invalid",
			params: func(f *fixture) map[string]any {
				return map[string]any{"id": f.UserID, "Password": "attacker-Passw0rd-xyz"}
			}},
		{name: "smuggle/unknown-path-override", as: admin, op: "group_members.remove", want: refused, reason: "invalid",
			params: func(f *fixture) map[string]any {
				return map[string]any{"organizationId": f.OrgID, "groupId": f.GroupID, "omId": f.MembershipID, "path": "/organizations/" + f.OrgID}
			}},
		{name: "smuggle/write-through-query", as: admin, tool: "query", op: "organizations.delete", want: refused, reason: "invalid",
			params: func(f *fixture) map[string]any { return map[string]any{"id": f.OrgID} }},
		{name: "smuggle/destructive-with-forged-token", as: admin, op: "organizations.delete", want: refused, reason: "confirm",
			args: func(f *fixture) map[string]any {
				return map[string]any{"operation": "organizations.delete", "params": map[string]any{"id": f.OrgID}, "confirmation_token": "forged.token.value"}
			}},
		{name: "smuggle/id-as-number", as: admin, op: "organizations.delete", want: refused, reason: "invalid",
			params: func(f *fixture) map[string]any { return map[string]any{"id": 0} }},
		{name: "smuggle/id-as-array", as: admin, op: "users.update", want: refused, reason: "invalid",
			params: func(f *fixture) map[string]any { return map[string]any{"id": []any{f.UserID, ".."}, "first_name": "x"} }},
	}
}

// ---- the tests beside the table

// teamSnapshot reads the team's sign-in environment: its organization, memberships and roles,
// redirect URIs.
func (s *advSuite) teamSnapshot(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for _, p := range []string{
		"/organizations/" + emulator.DemoTeamOrganizationID,
		"/user_management/organization_memberships?organization_id=" + emulator.DemoTeamOrganizationID + "&limit=100",
		"/user_management/redirect_uris?limit=100",
		"/authorization/roles",
	} {
		code, body := s.team.call(t, http.MethodGet, p, nil)
		fmt.Fprintf(&b, "GET %s -> %d %s\n", p, code, canonical(body))
	}
	return b.String()
}

// checkConfigurations: serve refuses, at --check, a managed environment that is the team's
// sign-in environment (same key under any name or base URL form); one reached through another
// key of it is refused too, or protected at run time (teamProtection).
func (s *advSuite) checkConfigurations(t *testing.T) {
	vars := []string{"WORKOS_API_KEY=" + emulator.DemoTeamAPIKey, "TEAM_KEY=" + emulator.DemoTeamAPIKey, "SANDBOX_KEY=" + emulator.DemoSandboxAPIKey,
		"PRODUCTION_KEY=" + emulator.DemoProductionAPIKey, "UPSTREAM_KEY=x", "ALIAS_KEY=" + s.aliasKey}
	dev := s.dev.p.base
	emu := dev + "/workos"
	localhost := strings.Replace(emu, "127.0.0.1", "localhost", 1)
	for _, c := range []struct{ name, env string }{
		{"team-env-named-team", "      - {name: team, kind: sandbox, api_key_env: TEAM_KEY, base_url: " + emu + "}\n"},
		{"team-env-named-sandbox2", "      - {name: sandbox2, kind: sandbox, api_key_env: TEAM_KEY, base_url: " + emu + "/}\n"},
		{"team-env-localhost", "      - {name: other, kind: sandbox, api_key_env: TEAM_KEY, base_url: " + localhost + "}\n"},
		{"team-env-key-file-with-newline", "      - {name: other, kind: sandbox, api_key_file: KEYFILE, base_url: " + emu + "}\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			env := c.env
			if strings.Contains(env, "KEYFILE") {
				kf := filepath.Join(t.TempDir(), "team.key")
				os.WriteFile(kf, []byte(emulator.DemoTeamAPIKey+"\n"), 0o600)
				env = strings.Replace(env, "KEYFILE", kf, 1)
			}
			cfg := serveConfig(dev, "      - {name: sandbox, kind: sandbox, api_key_env: SANDBOX_KEY, base_url: "+emu+"}\n"+env)
			code, out := serveCheck(t, cfg, vars)
			if code == 0 {
				t.Fatalf("serve --check accepted a managed environment that is the team's sign-in environment:\n%s", out)
			}
			if !reasons["signin"].MatchString(out) {
				t.Errorf("the refusal does not say why (the sign-in environment): %s", out)
			}
		})
	}
	t.Run("control-accepted", func(t *testing.T) {
		cfg := serveConfig(dev, "      - {name: sandbox, kind: sandbox, api_key_env: SANDBOX_KEY, base_url: "+emu+"}\n")
		if code, out := serveCheck(t, cfg, vars); code != 0 {
			t.Fatalf("serve --check refused a configuration without the sign-in environment, so the refusals above prove nothing: %s", out)
		}
	})
	t.Run("alias-key", func(t *testing.T) {
		if !s.aliasOK {
			return // refused at --check: protection could not be established
		}
		t.Log("serve accepted the sign-in environment under another key; teamProtection attacks it")
	})
}

// teamProtection attacks the team through serve's alias environment when serve accepted it, and
// in every mode through the team's organization in the managed environments.
func (s *advSuite) teamProtection(t *testing.T) {
	supportMembership := s.teamMembership(t, support)
	for _, c := range []struct {
		name, as, tool, op string
		params             map[string]any
	}{
		{"support-promotes-itself", support, "mutate", "organization_memberships.update", map[string]any{"id": supportMembership, "role_slug": "admin"}},
		{"support-adds-a-role", support, "mutate", "organization_memberships.update", map[string]any{"id": supportMembership, "role_slugs": []any{"support", "admin"}}},
		{"admin-adds-a-redirect-uri", admin, "mutate", "redirect_uris.create", map[string]any{"uri": "https://attacker.example/callback"}},
		{"admin-adds-a-cors-origin", admin, "mutate", "cors_origins.create", map[string]any{"origin": "https://attacker.example"}},
		{"admin-renames-the-team", admin, "mutate", "organizations.update", map[string]any{"id": emulator.DemoTeamOrganizationID, "name": "Owned"}},
		{"admin-sets-a-team-password", admin, "mutate", "users.update", map[string]any{"id": s.teamUserID(t, member), "first_name": "Owned"}},
	} {
		for _, srv := range s.servers() {
			// Redirect URIs and CORS origins belong to an environment: only the sign-in
			// environment's are the team's. The rest names the team's objects, which no
			// managed environment may change either.
			envs := []string{"sandbox", "production"}
			if c.op == "redirect_uris.create" || c.op == "cors_origins.create" {
				envs = nil
			}
			if srv.mode == "serve" && s.aliasOK {
				envs = append(envs, "team-alias")
			}
			for _, env := range envs {
				t.Run(srv.mode+"/"+env+"/"+c.name, func(t *testing.T) {
					before := s.teamSnapshot(t)
					a := srv.call(t, c.as, c.tool, map[string]any{"operation": c.op, "params": c.params, "environment": env})
					if !a.isError {
						t.Errorf("not refused: %s", clip(a.raw))
					}
					if env == "team-alias" {
						if !reasons["team"].MatchString(a.text) {
							t.Errorf("the refusal does not name the team: %s", a.text)
						}
						checkRecord(t, srv, a.requestID, "team", refusalOutcomes)
					}
					if after := s.teamSnapshot(t); after != before {
						t.Errorf("the team changed:\n%s", lineDiff(before, after))
					}
				})
			}
		}
	}
}

func (s *advSuite) teamUserID(t *testing.T, email string) string {
	t.Helper()
	_, b := s.team.call(t, "GET", "/user_management/users?email="+email, nil)
	var l struct {
		Data []struct{ ID string } `json:"data"`
	}
	json.Unmarshal(b, &l)
	if len(l.Data) != 1 {
		t.Fatalf("team user %s: %s", email, b)
	}
	return l.Data[0].ID
}

func (s *advSuite) teamMembership(t *testing.T, email string) string {
	t.Helper()
	uid := s.teamUserID(t, email)
	_, b := s.team.call(t, "GET", "/user_management/organization_memberships?user_id="+uid, nil)
	var l struct {
		Data []struct{ ID string } `json:"data"`
	}
	json.Unmarshal(b, &l)
	if len(l.Data) == 0 {
		t.Fatalf("team membership of %s: %s", email, b)
	}
	return l.Data[0].ID
}

// records: a confirmed organizations.delete is recorded with the actor's email and the target's
// type, ID and name — in the log line and in the team's WorkOS audit log.
func (s *advSuite) records(t *testing.T) {
	for _, srv := range s.servers() {
		t.Run(srv.mode, func(t *testing.T) {
			skipIfWaiting(t)
			f := newFixture(t, s.sandbox, []string{"documents:read"})
			del := map[string]any{"operation": "organizations.delete", "params": map[string]any{"id": f.OrgID}}
			first := srv.call(t, admin, "mutate", del)
			tok, _ := first.structured["confirmation_token"].(string)
			if tok == "" {
				t.Fatalf("no confirmation: %s", first.raw)
			}
			if u, _ := first.structured["approval_url"].(string); u != "" {
				// The person approves on the console, signed in as themselves.
				approveOnConsole(t, u)
			}
			del["confirmation_token"] = tok
			done := srv.call(t, admin, "mutate", del)
			if done.isError {
				t.Fatalf("confirmed delete: %s", done.raw)
			}
			if code, _ := f.env.call(t, "GET", "/organizations/"+f.OrgID, nil); code != http.StatusNotFound {
				t.Fatalf("the organization still exists after a confirmed delete (%d)", code)
			}
			var line string
			for _, l := range srv.logLines(done.requestID) {
				if l["outcome"] == "ok" && l["operation"] == "organizations.delete" {
					b, _ := json.Marshal(l)
					line = string(b)
				}
			}
			if line == "" {
				t.Fatalf("no ok log line for the delete: %v", logText(srv, done.requestID))
			}
			for _, want := range []string{admin, "organization", f.OrgID, f.OrgName} {
				if !strings.Contains(line, want) {
					t.Errorf("the log line does not name %q: %s", want, line)
				}
			}
			row := s.auditEvent(t, "workos_mcp.organizations.delete", f.OrgID)
			if row == "" {
				t.Fatalf("no team audit event names the deleted organization %s", f.OrgID)
			}
			for _, want := range []string{admin, "organization:" + f.OrgID, f.OrgName} {
				if !strings.Contains(row, want) {
					t.Errorf("the team audit event does not name %q: %s", want, row)
				}
			}
		})
	}
}

// approveOnConsole signs in to the console (dev approves the sign-in as its --auto-approve
// person, the admin) and approves the call at approvalURL, as the person would in a browser.
func approveOnConsole(t *testing.T, approvalURL string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: time.Minute}
	resp, err := hc.Get(approvalURL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(page)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("the approval page: %d %s", resp.StatusCode, clip(string(page)))
	}
	u, _ := url.Parse(approvalURL)
	req, _ := http.NewRequest(http.MethodPost, approvalURL, strings.NewReader(url.Values{"csrf": {html.UnescapeString(string(m[1]))}, "decision": {"approve"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", u.Scheme+"://"+u.Host)
	resp, err = hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("approving on the console: %d %s", resp.StatusCode, clip(string(b)))
	}
}

// auditEvent exports the team's audit log and returns the CSV row of the action that names id.
func (s *advSuite) auditEvent(t *testing.T, action, id string) string {
	t.Helper()
	now := time.Now().UTC()
	x := s.team.must(t, "POST", "/audit_logs/exports", map[string]any{
		"organization_id": emulator.DemoTeamOrganizationID, "actions": []any{action},
		"range_start": now.Add(-time.Hour).Format(time.RFC3339), "range_end": now.Add(time.Minute).Format(time.RFC3339),
	})
	u, _ := x["url"].(string)
	resp, err := noRedirects.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rows, err := csv.NewReader(resp.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// The delete's own event (outcome ok), not the confirmation's.
	found := ""
	for _, r := range rows {
		line := strings.Join(r, " | ")
		if strings.Contains(line, id) && (found == "" || strings.Contains(line, `"outcome":"ok"`)) {
			found = line
		}
	}
	return found
}

// confirmationReplay: a confirmation for one organization does not delete another.
func (s *advSuite) confirmationReplay(t *testing.T) {
	for _, srv := range s.servers() {
		t.Run(srv.mode, func(t *testing.T) {
			f1 := newFixture(t, s.sandbox, []string{"documents:read"})
			f2 := newFixture(t, s.sandbox, []string{"documents:read"})
			before := f2.snapshot(t)
			first := srv.call(t, admin, "mutate", map[string]any{"operation": "organizations.delete", "params": map[string]any{"id": f1.OrgID}})
			tok, _ := first.structured["confirmation_token"].(string)
			if tok == "" {
				t.Fatalf("no confirmation: %s", first.raw)
			}
			for _, as := range []string{admin, member} {
				a := srv.call(t, as, "mutate", map[string]any{"operation": "organizations.delete", "params": map[string]any{"id": f2.OrgID}, "confirmation_token": tok})
				if !a.isError || !reasons["confirm"].MatchString(a.text) {
					t.Errorf("%s replayed a confirmation on another organization: %s", as, a.raw)
				}
			}
			f2.intact(t, before)
		})
	}
}

// limits: a loop is limited for one person, not for another.
func (s *advSuite) limits(t *testing.T) {
	for _, srv := range s.servers() {
		t.Run(srv.mode, func(t *testing.T) {
			skipIfWaiting(t)
			orgID := newFixture(t, s.sandbox, []string{"documents:read"}).OrgID
			var limited *answer
			for i := 0; i < 300 && limited == nil; i++ {
				a := srv.callNow(t, supportViewer, "query", map[string]any{"operation": "organizations.get", "params": map[string]any{"id": orgID}})
				if a.isError {
					if !reasons["limit"].MatchString(a.text) {
						t.Fatalf("call %d failed for another reason: %s", i, a.text)
					}
					limited = &a
				}
			}
			if limited == nil {
				t.Fatalf("300 calls in a row by one person were not limited")
			}
			if !strings.ContainsAny(limited.text, "0123456789") {
				t.Errorf("the limit does not say how long to wait: %s", limited.text)
			}
			checkRecord(t, srv, limited.requestID, "limit", refusalOutcomes)
			if a := srv.call(t, support, "query", map[string]any{"operation": "organizations.get", "params": map[string]any{"id": orgID}}); a.isError {
				t.Errorf("another person is limited too: %s", a.text)
			}
		})
	}
}
