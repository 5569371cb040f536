package workspace_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/workos-mcp/workos-mcp/internal/devstack"
	"github.com/workos-mcp/workos-mcp/internal/devstack/devstacktest"
	"github.com/workos-mcp/workos-mcp/internal/mcptest"
	"github.com/workos-mcp/workos-mcp/workspace"
)

// These tests prove that a destructive call runs only after an act by the signed-in person on
// the console, outside the agent's control: through the real stack, the person's "browser" is an
// HTTP client with a cookie jar that signs in through localauth (auto-approved in tests, as the
// person named by login_hint).

// browser is a person's browser on the console.
type browser struct {
	t    *testing.T
	hc   *http.Client
	base string
}

func signIn(t *testing.T, st *devstack.Stack, role string) *browser {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	b := &browser{t: t, hc: &http.Client{Jar: jar, Timeout: 30 * time.Second}, base: st.URL()}
	page, status := b.get("/console/login?login_hint=" + url.QueryEscape(devstacktest.DemoPeople[role]))
	if status != http.StatusOK || !strings.Contains(page, "Approvals") {
		t.Fatalf("%s sign-in: %d %s", role, status, page)
	}
	return b
}

func (b *browser) get(path string) (string, int) {
	b.t.Helper()
	resp, err := b.hc.Get(b.base + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body), resp.StatusCode
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// post sends a form as the page at path would (its CSRF token, the console's Origin); csrf ""
// means the token from that page.
func (b *browser) post(path string, form url.Values, withToken bool) (string, int) {
	b.t.Helper()
	if withToken {
		page, _ := b.get(path)
		m := csrfField.FindStringSubmatch(page)
		if m == nil {
			b.t.Fatalf("no CSRF token on %s: %s", path, page)
		}
		form.Set("csrf", m[1])
	}
	req, _ := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.base)
	resp, err := b.hc.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body), resp.StatusCode
}

func createOrg(t *testing.T, cs *mcp.ClientSession, name string) string {
	t.Helper()
	return mcptest.OK(t, cs, "mutate", map[string]any{"operation": "organizations.create", "params": map[string]any{"name": name}})["result"].(map[string]any)["id"].(string)
}

func orgExists(t *testing.T, st *devstack.Stack, id string) bool {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, st.EmulatorURL()+"/organizations/"+id, nil)
	req.Header.Set("Authorization", "Bearer sk_test_default")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// TestE2EApprovalByThePerson: the agent gets a link and a short handle, never a way to approve;
// nothing runs until the same person approves on the console; another person cannot approve; a
// form without the CSRF token is refused; the approved call runs once; a denial is reported.
func TestE2EApprovalByThePerson(t *testing.T) {
	st := devstacktest.Start(t, devstack.Options{})
	agent := as(t, st, "admin")
	org := createOrg(t, agent, "Approve Me")
	del := map[string]any{"operation": "organizations.delete", "params": map[string]any{"id": org}}

	m := mcptest.OK(t, agent, "mutate", del)
	if m["status"] != "approval_required" || !strings.HasPrefix(m["approval_url"].(string), st.URL()+"/console/approvals/apv_") {
		t.Fatalf("first call: %v", m)
	}
	handle := m["confirmation_token"].(string)
	if len(handle) > 40 || !strings.HasSuffix(m["approval_url"].(string), handle) {
		t.Errorf("handle %q is not a short handle of the link", handle)
	}
	// The agent on its own: repeating, sending the handle, or forging a sealed token does nothing.
	if m := mcptest.OK(t, agent, "mutate", del); m["status"] != "approval_required" || m["confirmation_token"] != handle {
		t.Errorf("repeat before approval: %v", m)
	}
	if m := mcptest.OK(t, agent, "mutate", map[string]any{"operation": "organizations.delete", "params": map[string]any{"id": org}, "confirmation_token": handle}); m["status"] != "approval_required" {
		t.Errorf("handle before approval: %v", m)
	}
	mcptest.Fails(t, agent, "mutate", map[string]any{"operation": "organizations.delete", "params": map[string]any{"id": org}, "confirmation_token": "wmc1_AAAA"}, "not accepted")
	mcptest.Fails(t, agent, "mutate", map[string]any{"operation": "organizations.delete", "params": map[string]any{"id": org}, "confirmation_token": "apv_zzzzzzzzzzzzzzzzzzzz"}, "no such approval")
	if !orgExists(t, st, org) {
		t.Fatal("the organization was deleted without approval")
	}

	// Another person cannot see or decide it.
	other := signIn(t, st, "member")
	if page, status := other.get("/console/approvals/" + handle); status != http.StatusForbidden || !strings.Contains(page, "another person") {
		t.Errorf("another person sees the approval: %d %s", status, page)
	}
	if page, _ := other.get("/console/approvals"); strings.Contains(page, handle) {
		t.Error("another person's list shows the approval")
	}
	mine := signIn(t, st, "admin")
	page, _ := mine.get("/console/approvals/" + handle)
	token := csrfField.FindStringSubmatch(page)[1]
	if _, status := other.post("/console/approvals/"+handle, url.Values{"decision": {"approve"}}, false); status != http.StatusForbidden {
		t.Errorf("another person's post without their CSRF token: %d", status)
	}
	if _, status := other.post("/console/approvals/"+handle, url.Values{"decision": {"approve"}, "csrf": {token}}, false); status != http.StatusForbidden {
		t.Errorf("another person's post with the owner's CSRF token: %d", status)
	}
	if page, status := other.post("/console/approvals", url.Values{}, true); status == http.StatusOK && strings.Contains(page, "Approved") {
		t.Error("odd post accepted")
	}
	// The owner: the list and the page show the plan; a post without the token is refused.
	if list, _ := mine.get("/console/approvals"); !strings.Contains(list, handle) || !strings.Contains(list, "organizations.delete") {
		t.Errorf("the owner's list: %s", list)
	}
	if !strings.Contains(page, "Approve Me") || !strings.Contains(page, "sandbox") || !strings.Contains(page, "It would destroy") {
		t.Errorf("the approval page lacks the plan: %s", page)
	}
	if _, status := mine.post("/console/approvals/"+handle, url.Values{"decision": {"approve"}}, false); status != http.StatusForbidden {
		t.Errorf("post without CSRF token: %d", status)
	}
	if !orgExists(t, st, org) {
		t.Fatal("refused posts deleted the organization")
	}
	if page, status := mine.post("/console/approvals/"+handle, url.Values{"decision": {"approve"}}, true); status != http.StatusOK || !strings.Contains(page, "Approved") {
		t.Fatalf("approve: %d %s", status, page)
	}
	if _, status := mine.post("/console/approvals/"+handle, url.Values{"decision": {"deny"}}, true); status != http.StatusConflict {
		t.Errorf("a second decision: %d", status)
	}
	// Approval alone runs nothing: the agent's repeated call does, once.
	if !orgExists(t, st, org) {
		t.Fatal("approving ran the call by itself")
	}
	m = mcptest.OK(t, agent, "mutate", del)
	if m["status"] != float64(202) && m["status"] != float64(200) && m["status"] != float64(204) {
		t.Fatalf("after approval: %v", m)
	}
	if orgExists(t, st, org) {
		t.Fatal("the approved call did not run")
	}
	mcptest.Fails(t, agent, "mutate", map[string]any{"operation": "organizations.delete", "params": map[string]any{"id": org}, "confirmation_token": handle}, "already used")

	// Denied: reported once, nothing done.
	org2 := createOrg(t, agent, "Deny Me")
	del2 := map[string]any{"operation": "organizations.delete", "params": map[string]any{"id": org2}}
	h2 := mcptest.OK(t, agent, "mutate", del2)["confirmation_token"].(string)
	if page, status := mine.post("/console/approvals/"+h2, url.Values{"decision": {"deny"}}, true); status != http.StatusOK || !strings.Contains(page, "Denied") {
		t.Fatalf("deny: %d %s", status, page)
	}
	if m := mcptest.OK(t, agent, "mutate", del2); m["status"] != "denied" {
		t.Errorf("after denial: %v", m)
	}
	if m := mcptest.OK(t, agent, "mutate", del2); m["status"] != "approval_required" || m["confirmation_token"] == h2 {
		t.Errorf("after the denial was reported, a new request: %v", m)
	}
	if !orgExists(t, st, org2) {
		t.Fatal("a denied call ran")
	}
	// whoami says which mode is in effect.
	if w := mcptest.OK(t, agent, "whoami", nil); w["confirmation"].(map[string]any)["mode"] != "human" {
		t.Errorf("whoami confirmation: %v", w["confirmation"])
	}
	// Signed out: pages redirect to sign-in, posts are refused.
	jar, _ := cookiejar.New(nil)
	anon := &browser{t: t, hc: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}, base: st.URL()}
	if _, status := anon.get("/console/approvals/" + h2); status != http.StatusSeeOther {
		t.Errorf("signed-out page: %d", status)
	}
	if _, status := anon.post("/console/approvals/"+h2, url.Values{"decision": {"approve"}, "csrf": {token}}, false); status != http.StatusUnauthorized {
		t.Errorf("signed-out post: %d", status)
	}
}

// TestE2EApprovalURLElicitation: a client that declares URL-mode elicitation gets the
// URL-elicitation-required error with the approval link; after the person approves, the repeated
// call runs.
func TestE2EApprovalURLElicitation(t *testing.T) {
	st := devstacktest.Start(t, devstack.Options{})
	admin := as(t, st, "admin")
	org := createOrg(t, admin, "Elicit Me")
	token := devstacktest.AccessToken(t, st, devstacktest.DemoPeople["admin"])
	client := mcp.NewClient(&mcp.Implementation{Name: "url-elicitation", Version: "1"}, &mcp.ClientOptions{
		Capabilities: &mcp.ClientCapabilities{Elicitation: &mcp.ElicitationCapabilities{URL: &mcp.URLElicitationCapabilities{}}},
		ElicitationHandler: func(context.Context, *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
			return &mcp.ElicitResult{Action: "accept"}, nil
		},
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: st.MCPURL(), HTTPClient: mcptest.HTTPClient(mcptest.Bearer(token))}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	params := &mcp.CallToolParams{Name: "mutate", Arguments: map[string]any{"operation": "organizations.delete", "params": map[string]any{"id": org}}}
	_, err = cs.CallTool(ctx, params)
	var rpcErr *jsonrpc.Error
	if !errors.As(err, &rpcErr) || rpcErr.Code != mcp.CodeURLElicitationRequired {
		t.Fatalf("want the URL-elicitation-required error, got %v", err)
	}
	link := regexp.MustCompile(`"url":"([^"]+)"`).FindStringSubmatch(string(rpcErr.Data))
	id := regexp.MustCompile(`"elicitationId":"([^"]+)"`).FindStringSubmatch(string(rpcErr.Data))
	if link == nil || id == nil || !strings.HasSuffix(link[1], "/console/approvals/"+id[1]) {
		t.Fatalf("elicitation data: %s", rpcErr.Data)
	}
	if !orgExists(t, st, org) {
		t.Fatal("deleted before approval")
	}
	person := signIn(t, st, "admin")
	path := strings.TrimPrefix(link[1], st.URL())
	if page, status := person.post(path, url.Values{"decision": {"approve"}}, true); status != http.StatusOK || !strings.Contains(page, "Approved") {
		t.Fatalf("approve: %d %s", status, page)
	}
	res, err := cs.CallTool(ctx, params)
	if err != nil || res.IsError {
		t.Fatalf("repeated call: %v %v", err, res)
	}
	if orgExists(t, st, org) {
		t.Fatal("the approved call did not run")
	}
}

// TestE2EConsoleSettings: a team admin turns production off on the console; this replica and a
// second one (another workspace server reading the same team) refuse production within their
// settings TTL; a non-admin cannot reach the settings; the change is recorded with its author.
func TestE2EConsoleSettings(t *testing.T) {
	st := devstacktest.Start(t, devstack.Options{SettingsTTL: 200 * time.Millisecond})
	agent := as(t, st, "member")
	prod := map[string]any{"operation": "organizations.list", "environment": "production"}
	mcptest.OK(t, agent, "query", prod)

	// A second replica: another workspace server for the same team, the same AuthKit.
	team := demoTeam(st.Emulator(), st.EmulatorURL())
	team.Confirmation = ""
	ws2, err := workspace.New(workspace.Config{Teams: []workspace.Team{team}, ConsoleURL: st.URL() + "/console", SettingsTTL: 200 * time.Millisecond}, st.AuthKit())
	if err != nil {
		t.Fatal(err)
	}
	srv2 := httptest.NewServer(st.AuthKit().Middleware(ws2.Handler()))
	defer srv2.Close()
	agent2 := mcptest.Connect(t, srv2.URL, mcptest.Bearer(devstacktest.AccessToken(t, st, devstacktest.DemoPeople["member"])), nil)
	mcptest.OK(t, agent2, "query", prod)

	member := signIn(t, st, "member")
	if page, status := member.get("/console/settings"); status != http.StatusForbidden || !strings.Contains(page, "Only team admins") {
		t.Errorf("a non-admin reaches settings: %d", status)
	}
	if page, _ := member.get("/console/approvals"); strings.Contains(page, `href="/console/settings"`) {
		t.Error("a non-admin is offered the settings page")
	}
	if _, status := member.post("/console/settings", url.Values{"enabled": {"on"}}, false); status != http.StatusForbidden {
		t.Errorf("a non-admin's post: %d", status)
	}
	admin := signIn(t, st, "admin")
	page, status := admin.post("/console/settings", url.Values{"enabled": {"on"}, "allow_write": {"on"}}, true)
	if status != http.StatusOK || !strings.Contains(page, "Saved") {
		t.Fatalf("save: %d %s", status, page)
	}
	for i, cs := range []*mcp.ClientSession{agent, agent2} {
		deadline := time.Now().Add(10 * time.Second)
		for {
			text, _, isErr := mcptest.Call(t, cs, "query", prod)
			if isErr && strings.Contains(text, "production") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("replica %d still serves production: %s", i+1, text)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	if w := mcptest.OK(t, agent2, "whoami", nil); w["settings"].(map[string]any)["allow_production"] != false || w["settings"].(map[string]any)["source"] != "console" {
		t.Errorf("whoami on replica 2: %v", w["settings"])
	}
	// Back on.
	if _, status := admin.post("/console/settings", url.Values{"enabled": {"on"}, "allow_write": {"on"}, "allow_production": {"on"}}, true); status != http.StatusOK {
		t.Fatalf("save: %d", status)
	}
	time.Sleep(300 * time.Millisecond)
	mcptest.OK(t, agent2, "query", prod)

	// The activity page shows the change with its author, and agents' actions.
	act, status := admin.get("/console/activity")
	if status != http.StatusOK || !strings.Contains(act, "workos_mcp.settings.update") || !strings.Contains(act, "organizations.list") {
		t.Errorf("activity: %d %s", status, act)
	}
	if act, _ := member.get("/console/activity?person=" + url.QueryEscape(devstacktest.DemoPeople["admin"])); strings.Contains(act, "settings.update") {
		t.Error("a non-admin sees another person's actions")
	}
}
