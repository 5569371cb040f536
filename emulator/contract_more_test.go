package emulator_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/workos-mcp/workos-mcp/emulator"
)

// Contract traffic for group role assignments, MFA, authorized applications, Radar, agent
// registrations, email verifications and data integrations (Pipes).

// eventData returns the data of the newest event of a kind.
func (c *contractClient) eventData(name string) obj {
	c.t.Helper()
	evs := data(c.must("GET", "/events"+q("events", name, "limit", "100"), nil))
	if len(evs) == 0 {
		c.t.Errorf("no %s event", name)
		return obj{}
	}
	d, _ := evs[0]["data"].(map[string]any)
	return d
}

func (c *contractClient) groupRoleAssignments() {
	g := str(c.must("POST", "/organizations/"+c.newOrg+"/groups", obj{"name": "Contract approvers"}), "id")
	c.must("POST", "/organizations/"+c.newOrg+"/groups/"+g+"/organization-memberships", obj{"organization_membership_id": c.membership})
	ws := str(c.must("POST", "/authorization/resources", obj{"external_id": "ws-group-contract", "name": "Group workspace", "resource_type_slug": "workspace", "organization_id": c.newOrg}), "id")
	base := "/authorization/groups/" + g + "/role_assignments"
	a := c.must("POST", base, obj{"role_slug": "member", "resource_id": ws})
	c.must("GET", base, nil)
	c.must("GET", base+"/"+str(a, "id"), nil)
	// The members hold the group's role: it is among their role assignments, from the group.
	inherited := false
	for _, ra := range data(c.must("GET", "/authorization/organization_memberships/"+c.membership+"/role_assignments", nil)) {
		src, _ := ra["source"].(map[string]any)
		inherited = inherited || (str(src, "type") == "group" && str(src, "group_role_assignment_id") == str(a, "id"))
	}
	if !inherited {
		c.t.Errorf("the group's role assignment is not among its member's role assignments")
	}
	c.invalid = true
	if status, body := c.do("POST", base, obj{"role_slug": "member", "resource_id": ws}); status != http.StatusConflict || str(body, "code") != "duplicate_group_role_assignment" {
		c.t.Errorf("duplicate group role assignment: %d %v, want 409 duplicate_group_role_assignment", status, body)
	}
	c.invalid = false
	replaced := c.must("PUT", base, obj{"role_assignments": []obj{
		{"role_slug": "member", "resource_id": ws},
		{"role_slug": "admin", "resource_external_id": "ws-group-contract", "resource_type_slug": "workspace"},
	}})
	if n := len(data(replaced)); n != 2 {
		c.t.Errorf("replace: %d assignments, want 2", n)
	}
	c.must("DELETE", base, obj{"role_slug": "admin", "resource_id": ws})
	c.must("DELETE", base+"/"+str(a, "id"), nil)
	c.expect(http.StatusNotFound, "GET", base+"/"+str(a, "id"), nil)
}

// totp computes an RFC 6238 code (SHA-1, 30 s, 6 digits), independently of the emulator.
func totp(secret string, at time.Time) string {
	key, _ := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(secret))
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(at.Unix()/30))
	m := hmac.New(sha1.New, key)
	m.Write(msg[:])
	sum := m.Sum(nil)
	o := sum[19] & 0x0f
	return fmt.Sprintf("%06d", (binary.BigEndian.Uint32(sum[o:o+4])&0x7fffffff)%1000000)
}

func (c *contractClient) mfa() {
	f := c.must("POST", "/auth/factors/enroll", obj{"type": "totp", "totp_issuer": "Contract", "totp_user": "alice@acme.test", "user_id": c.alice})
	tp, _ := f["totp"].(map[string]any)
	secret := str(tp, "secret")
	if secret == "" || !strings.HasPrefix(str(tp, "uri"), "otpauth://totp/") {
		c.t.Errorf("TOTP enrolment without secret or URI: %v", f)
	}
	id := str(f, "id")
	if got := c.must("GET", "/auth/factors/"+id, nil); got["totp"].(map[string]any)["secret"] != nil {
		c.t.Errorf("a factor read shows the TOTP secret: %v", got)
	}
	ch := c.must("POST", "/auth/factors/"+id+"/challenge", obj{})
	if v := c.must("POST", "/auth/challenges/"+str(ch, "id")+"/verify", obj{"code": totp(secret, time.Now())}); v["valid"] != true {
		c.t.Errorf("a correct TOTP code is not valid: %v", v)
	}

	sms := c.must("POST", "/auth/factors/enroll", obj{"type": "sms", "phone_number": "+15555550142"})
	ch = c.must("POST", "/auth/factors/"+str(sms, "id")+"/challenge", obj{"sms_template": "Your Contract code: {{code}}"})
	if v := c.must("POST", "/auth/challenges/"+str(ch, "id")+"/verify", obj{"code": "000000x"}); v["valid"] != false {
		c.t.Errorf("a wrong code is valid: %v", v)
	}
	code := str(c.outbox("+15555550142", "sms"), "code")
	if v := c.must("POST", "/auth/challenges/"+str(ch, "id")+"/verify", obj{"code": code}); v["valid"] != true {
		c.t.Errorf("the SMS code is not valid: %v", v)
	}

	generic := c.must("POST", "/auth/factors/enroll", obj{"type": "generic_otp"})
	ch = c.must("POST", "/auth/factors/"+str(generic, "id")+"/challenge", obj{})
	c.must("POST", "/auth/challenges/"+str(ch, "id")+"/verify", obj{"code": str(ch, "code")})

	both := c.must("POST", "/user_management/users/"+c.alice+"/auth_factors", obj{"type": "totp", "totp_issuer": "Contract"})
	if both["authentication_challenge"] == nil {
		c.t.Errorf("user factor enrolment without a challenge: %v", both)
	}
	if n := len(data(c.must("GET", "/user_management/users/"+c.alice+"/auth_factors", nil))); n < 2 {
		c.t.Errorf("alice has %d factors, want at least 2", n)
	}
	c.must("DELETE", "/auth/factors/"+id, nil)
	c.expect(http.StatusNotFound, "GET", "/auth/factors/"+id, nil)
}

func (c *contractClient) authorizedApplications() {
	apps := data(c.must("GET", "/user_management/users/"+c.alice+"/authorized_applications", nil))
	if len(apps) == 0 {
		c.t.Error("the seed gives alice no authorized application")
		return
	}
	app, _ := apps[0]["application"].(map[string]any)
	c.must("DELETE", "/user_management/users/"+c.alice+"/authorized_applications/"+str(app, "id"), nil)
	c.expect(http.StatusNotFound, "DELETE", "/user_management/users/"+c.alice+"/authorized_applications/"+str(app, "id"), nil)
}

func (c *contractClient) radarAgentsAndVerifications() {
	c.must("POST", "/radar/lists/ip_address/block", obj{"entry": "203.0.113.7"})
	c.must("POST", "/radar/lists/email/allow", obj{"entry": "Alice@Acme.test"})
	c.must("DELETE", "/radar/lists/ip_address/block", obj{"entry": "203.0.113.7"})
	c.invalid = true
	c.expect(http.StatusBadRequest, "POST", "/radar/lists/country/block", obj{"entry": "not a country"})
	c.expect(http.StatusNotFound, "DELETE", "/radar/lists/ip_address/block", obj{"entry": "203.0.113.7"})
	c.invalid = false

	c.must("GET", "/user_management/radar_challenges/"+str(c.eventData("radar.challenge_created"), "radar_challenge_id"), nil)
	c.must("GET", "/user_management/email_verification/"+str(c.eventData("email_verification.created"), "id"), nil)

	reg := str(c.eventData("agent.registration.created"), "id")
	c.must("GET", "/agents/registrations/"+reg, nil)
	v := c.must("POST", "/agents/credentials/validate", obj{"type": "api_key", "credential": "agent_key_sandbox_demo_0001"})
	if v["valid"] != true {
		c.t.Errorf("the seeded agent credential is not valid: %v", v)
	}
	if v := c.must("POST", "/agents/credentials/validate", obj{"type": "access_token", "credential": "not-a-token"}); v["valid"] != false {
		c.t.Errorf("an unknown access token is valid: %v", v)
	}
}

func (c *contractClient) dataIntegrations() {
	c.must("GET", "/data-integrations", nil)
	c.must("POST", "/data-integrations", obj{"provider": "notion", "description": "Notion pages", "scopes": []string{"read_content", "update_content"},
		"credentials": obj{"type": "custom", "client_id": "notion-client", "client_secret": "notion-secret-contract"}})
	c.must("GET", "/data-integrations/notion", nil)
	c.must("PUT", "/data-integrations/notion", obj{"description": "Notion pages and databases"})
	c.must("PUT", "/organizations/"+c.acme+"/data_integration_configurations/notion", obj{"enabled": true, "scopes": []string{"read_content"},
		"client_id": "acme-notion", "client_secret": "acme-notion-secret"})
	c.must("GET", "/organizations/"+c.acme+"/data_integration_configurations", nil)

	ca := "/user_management/users/" + c.alice + "/connected_accounts/notion"
	c.must("POST", ca, obj{"access_token": "notion-at-contract", "refresh_token": "notion-rt-contract", "scopes": []string{"read_content"},
		"expires_at": "2030-01-01T00:00:00Z"})
	c.must("GET", ca, nil)
	c.must("PUT", ca, obj{"state": "needs_reauthorization"})
	if tok := c.must("POST", "/data-integrations/notion/token", obj{"user_id": c.alice}); tok["active"] != false || str(tok, "error") != "needs_reauthorization" {
		c.t.Errorf("token of an account to reauthorize: %v", tok)
	}
	c.must("PUT", ca, obj{"state": "connected"})
	tok := c.must("POST", "/data-integrations/notion/token", obj{"user_id": c.alice})
	if at, _ := tok["access_token"].(map[string]any); str(at, "access_token") != "notion-at-contract" {
		c.t.Errorf("token: %v", tok)
	}
	c.must("POST", "/data-integrations/notion/credentials", obj{"user_id": c.alice})
	c.must("GET", "/user_management/users/"+c.alice+"/data_providers", nil)
	c.must("GET", "/user_management/users/"+c.alice+"/data_providers"+q("organization_id", c.acme), nil)
	c.must("DELETE", ca, nil)
	if tok := c.must("POST", "/data-integrations/notion/token", obj{"user_id": c.alice}); str(tok, "error") != "not_installed" {
		c.t.Errorf("token after disconnecting: %v", tok)
	}

	// The authorize URL connects the account when opened (the emulator's stand-in for consent).
	u := c.must("POST", "/data-integrations/notion/authorize", obj{"user_id": c.alice, "return_to": "https://app.contract.test/connected"})
	key := c.key
	c.key = ""
	if status, body := c.do("GET", strings.TrimPrefix(str(u, "url"), c.base), nil); status != http.StatusFound {
		c.t.Errorf("opening the authorize URL: %d %v, want 302", status, body)
	}
	c.key = key
	c.must("GET", ca, nil)

	c.must("PUT", "/data-integrations/linear/api-key", obj{"user_id": c.alice, "secret": "lin_api_contract_0001"})
	if cr := c.must("POST", "/data-integrations/linear/credentials", obj{"user_id": c.alice}); cr["credential"].(map[string]any)["value"] != "lin_api_contract_0001" {
		c.t.Errorf("api-key credential: %v", cr)
	}
	c.must("POST", "/data-integrations", obj{"provider": "acme-erp", "auth_methods": []string{"client_credentials"}, "scopes": []string{"orders:read"}})
	c.must("PUT", "/data-integrations/acme-erp/client-credentials", obj{"user_id": c.alice, "organization_id": c.acme, "client_id": "erp-client", "client_secret": "erp-secret-contract"})
	c.must("POST", "/data-integrations/acme-erp/credentials", obj{"user_id": c.alice, "organization_id": c.acme})
	c.invalid = true
	if status, body := c.do("PUT", "/data-integrations/acme-erp/api-key", obj{"user_id": c.alice, "secret": "x"}); status != http.StatusUnprocessableEntity || str(body, "code") != "auth_method_mismatch" {
		c.t.Errorf("api key on a client-credentials integration: %d %v, want 422 auth_method_mismatch", status, body)
	}
	c.expect(http.StatusConflict, "POST", "/data-integrations", obj{"provider": "notion"})
	c.invalid = false
	c.must("DELETE", "/data-integrations/acme-erp", nil)
	c.must("DELETE", "/data-integrations/notion", nil)
	c.expect(http.StatusNotFound, "GET", "/data-integrations/notion", nil)
}

func (c *contractClient) radarAttempts() {
	c.must("POST", "/radar/lists/domain/block", obj{"entry": "blocked.contract.test"})
	attempt := obj{"ip_address": "198.51.100.4", "user_agent": "Contract/1.0", "email": "eve@blocked.contract.test", "auth_method": "Password", "action": "sign-in"}
	if v := c.must("POST", "/radar/attempts", attempt); str(v, "verdict") != "block" || str(v, "blocklist_type") != "domain" {
		c.t.Errorf("an attempt from a blocked domain: %v", v)
	}
	attempt["email"] = "alice@acme.test"
	v := c.must("POST", "/radar/attempts", attempt)
	if str(v, "verdict") != "allow" {
		c.t.Errorf("an ordinary attempt: %v", v)
	}
	c.must("PUT", "/radar/attempts/"+str(v, "attempt_id"), obj{"attempt_status": "success"})
	c.invalid = true
	c.expect(http.StatusNotFound, "PUT", "/radar/attempts/radar_attempt_missing", obj{"attempt_status": "success"})
	c.expect(http.StatusBadRequest, "POST", "/radar/attempts", obj{"ip_address": "nope"})
	c.invalid = false
}

func (c *contractClient) vaultDataKeys() {
	k := c.must("POST", "/vault/v1/keys/data-key", obj{"context": obj{"organization_id": c.acme}})
	d := c.must("POST", "/vault/v1/keys/decrypt", obj{"keys": str(k, "encrypted_keys")})
	if str(d, "data_key") == "" || str(d, "data_key") != str(k, "data_key") {
		c.t.Errorf("decrypt gives %q, want the data key %q", str(d, "data_key"), str(k, "data_key"))
	}
	r := c.must("POST", "/vault/v1/keys/rekey", obj{"context": obj{"organization_id": c.globex}, "encrypted_keys": str(k, "encrypted_keys")})
	if str(r, "data_key") != str(k, "data_key") || str(r, "encrypted_keys") == str(k, "encrypted_keys") {
		c.t.Errorf("rekey: %v", r)
	}
	c.invalid = true
	c.expect(http.StatusBadRequest, "POST", "/vault/v1/keys/decrypt", obj{"keys": "bm90IGEga2V5"})
	c.expect(http.StatusUnprocessableEntity, "POST", "/vault/v1/keys/data-key", obj{"context": obj{}})
	c.invalid = false
	// Another environment cannot decrypt it.
	key := c.key
	c.key = emulator.DemoProductionAPIKey
	c.expect(http.StatusBadRequest, "POST", "/vault/v1/keys/decrypt", obj{"keys": str(k, "encrypted_keys")})
	c.key = key
}
