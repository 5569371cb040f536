package interop

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/workos-mcp/workos-mcp/emulator"
	"github.com/workos-mcp/workos-mcp/internal/devstack"
	"github.com/workos-mcp/workos-mcp/internal/devstack/devstacktest"
	"github.com/workos-mcp/workos-mcp/internal/interop/harness"
)

// orgInEmulator reports whether the organization still exists in the binary's WorkOS emulator.
func orgInEmulator(t *testing.T, p *process, id string) bool {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, p.base+devstack.EmulatorPath+"/organizations/"+url.PathEscape(id), nil)
	req.Header.Set("Authorization", "Bearer "+emulator.DemoSandboxAPIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		return true
	case http.StatusNotFound:
		return false
	}
	t.Fatalf("emulator GET organization %s: %d", id, resp.StatusCode)
	return false
}

// TestConsoleInChromium: a person confirms an agent's destructive call on the console of the real
// binary, in headless Chromium. The agent's delete answers approval_required with a link; the
// person signs in through /console/login (localauth, auto-approved as them), opens the link and
// clicks Approve; nothing runs until the agent repeats the call, which runs once, and a second
// repeat is refused. A denial clicked in the browser is reported to the agent and runs nothing.
// The settings (as a team admin) and activity pages render; every page is kept as a screenshot
// under .ci/out/screenshots/ (console-*.png), the approval and activity pages also at a phone's
// width (390px).
func TestConsoleInChromium(t *testing.T) {
	browser := harness.Chromium(t)
	p := startDev(t, nil, "--auto-approve", devstacktest.DemoPeople["admin"])
	tok := p.token(t, devstacktest.DemoPeople["admin"])
	if tok == "" {
		t.FailNow()
	}
	mutate := func(args map[string]any) (map[string]any, string) {
		t.Helper()
		return toolCall(t, p.mcpURL(), tok, "mutate", args)
	}
	createOrg := func(name string) string {
		t.Helper()
		res, raw := mutate(map[string]any{"operation": "organizations.create", "params": map[string]any{"name": name}})
		org, _ := res["result"].(map[string]any)
		id, _ := org["id"].(string)
		if id == "" {
			t.Fatalf("organizations.create: %s", raw)
		}
		return id
	}
	askDelete := func(id string) (map[string]any, string) {
		t.Helper()
		del := map[string]any{"operation": "organizations.delete", "params": map[string]any{"id": id}}
		m, raw := mutate(del)
		link, _ := m["approval_url"].(string)
		if m["status"] != "approval_required" || !strings.HasPrefix(link, p.base+"/console/approvals/apv_") {
			t.Fatalf("delete without approval: %s", raw)
		}
		return del, link
	}

	org := createOrg("Chromium Approves Me")
	del, link := askDelete(org)
	handle := link[strings.LastIndex(link, "/")+1:]

	// Sign in: the browser follows /console/login through localauth and back with its cookie.
	b := harness.OpenPage(t, browser)
	shots := harness.OutDir(t, "screenshots")
	b.Navigate(p.base + "/console/login?login_hint=" + url.QueryEscape(devstacktest.DemoPeople["admin"]))
	if loc := b.Location(); loc != p.base+"/console/approvals" {
		t.Fatalf("after sign-in the browser is at %s:\n%s", loc, b.Text())
	}
	var listed bool
	b.Eval(`document.querySelector('a[href="/console/approvals/`+handle+`"]') !== null`, &listed)
	if list := b.Text(); !listed || !strings.Contains(list, "organizations.delete") || !strings.Contains(list, "Chromium Approves Me") {
		t.Fatalf("the approvals list lacks the request %s:\n%s", handle, list)
	}
	b.Screenshot(shots, "console-approvals.png")

	b.Navigate(link)
	page := b.Text()
	for _, want := range []string{"organizations.delete", "Chromium Approves Me", "It would destroy", "sandbox", "Approve: it cannot be undone", "Deny"} {
		if !strings.Contains(page, want) {
			t.Fatalf("the approval page lacks %q:\n%s", want, page)
		}
	}
	// The plan reads as counts and names, not as a JSON dump.
	if strings.Contains(page, `"count"`) || !strings.Contains(page, "How many") {
		t.Errorf("the approval page shows the plan as raw JSON:\n%s", page)
	}
	b.Screenshot(shots, "console-approval.png")
	b.Viewport(390, 844, true)
	b.Navigate(link)
	var overflow bool
	b.Eval(`document.documentElement.scrollWidth > window.innerWidth`, &overflow)
	if overflow {
		t.Error("the approval page is wider than a phone's screen (390px)")
	}
	b.Screenshot(shots, "console-approval-phone.png")
	b.Viewport(1280, 900, false)
	if !orgInEmulator(t, p, org) {
		t.Fatal("the organization was deleted before anyone approved")
	}

	// Approve with a click: the form posts with the browser's session and CSRF token.
	b.ClickAndLoad(`button[name="decision"][value="approve"]`)
	if page := b.Text(); !strings.Contains(page, "Approved") {
		t.Fatalf("after clicking Approve:\n%s", page)
	}
	b.Screenshot(shots, "console-approved.png")
	if !orgInEmulator(t, p, org) {
		t.Fatal("approving ran the call by itself")
	}
	if m, raw := mutate(del); m == nil || m["status"] == "approval_required" || m["status"] == "denied" {
		t.Fatalf("the agent's repeated call after approval: %s", raw)
	}
	if orgInEmulator(t, p, org) {
		t.Fatal("the approved call did not delete the organization")
	}
	again := map[string]any{"operation": "organizations.delete", "params": map[string]any{"id": org}, "confirmation_token": handle}
	if m, raw := mutate(again); m != nil || !strings.Contains(raw, "already used") {
		t.Fatalf("a second repeat with the used approval: %s", raw)
	}

	// Deny with a click: the agent is told, nothing runs.
	org2 := createOrg("Chromium Denies Me")
	del2, link2 := askDelete(org2)
	b.Navigate(link2)
	b.ClickAndLoad(`button[name="decision"][value="deny"]`)
	if page := b.Text(); !strings.Contains(page, "Denied") {
		t.Fatalf("after clicking Deny:\n%s", page)
	}
	b.Screenshot(shots, "console-denied.png")
	if m, raw := mutate(del2); m == nil || m["status"] != "denied" {
		t.Errorf("the agent's repeated call after the denial: %s", raw)
	}
	if !orgInEmulator(t, p, org2) {
		t.Fatal("a denied call deleted the organization")
	}

	// Settings, as a team admin.
	b.Navigate(p.base + "/console/settings")
	page = b.Text()
	for _, want := range []string{"MCP access enabled", "Allow production environments", "Allow writes", "Save"} {
		if !strings.Contains(page, want) {
			t.Fatalf("the settings page lacks %q:\n%s", want, page)
		}
	}
	b.Screenshot(shots, "console-settings.png")

	// Activity: the agent's calls, the approved delete among them.
	b.Navigate(p.base + "/console/activity")
	page = b.Text()
	for _, want := range []string{"organizations.create", "organizations.delete", devstacktest.DemoPeople["admin"]} {
		if !strings.Contains(page, want) {
			t.Fatalf("the activity page lacks %q:\n%s", want, page)
		}
	}
	b.Screenshot(shots, "console-activity.png")
	b.Viewport(390, 844, true)
	b.Navigate(p.base + "/console/activity")
	b.Eval(`document.documentElement.scrollWidth > window.innerWidth`, &overflow)
	if overflow {
		t.Error("the activity page is wider than a phone's screen (390px); only its table may scroll")
	}
	b.Screenshot(shots, "console-activity-phone.png")
}
