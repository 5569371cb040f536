package authkit_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/workos-mcp/workos-mcp/authkit"
)

func TestToolScopes(t *testing.T) {
	as := newIssuer(t)
	kit := newKit(t, as, func(c *authkit.Config) {
		c.RequiredScopes = []string{"openid"}
		c.ToolScopes = map[string][]string{"delete_everything": {"admin:write", "admin:delete"}}
	})
	var seen string
	srv := protectedEcho(t, kit, &seen)
	post := func(token, body string) (*http.Response, string) {
		req, _ := http.NewRequest(http.MethodPost, srv, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	low := as.Token(map[string]any{"scope": "openid admin:write"})
	high := as.Token(map[string]any{"scope": "openid admin:write admin:delete"})
	call := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"delete_everything","arguments":{}}}`

	// Other tools and methods pass, and the body reaches the handler intact.
	other := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami"}}`
	if resp, _ := post(low, other); resp.StatusCode != 200 || seen != other {
		t.Fatalf("other tool: %d, handler saw %q", resp.StatusCode, seen)
	}
	for name, body := range map[string]string{
		"plain":          call,
		"batch":          `[{"jsonrpc":"2.0","id":0,"method":"ping"},` + call + `]`,
		"key case":       `{"jsonrpc":"2.0","id":1,"METHOD":"tools/call","Params":{"NAME":"delete_everything"}}`,
		"duplicate name": `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami","name":"delete_everything"}}`,
	} {
		resp, _ := post(low, body)
		_, ch := parseChallenge(resp.Header.Get("WWW-Authenticate"))
		if resp.StatusCode != http.StatusForbidden || ch["error"] != "insufficient_scope" ||
			ch["scope"] != "openid admin:write admin:delete" || !strings.Contains(ch["error_description"], "admin:delete") ||
			strings.Contains(ch["error_description"], "admin:write") {
			t.Errorf("%s: %d %v", name, resp.StatusCode, ch)
		}
	}
	if resp, _ := post(high, call); resp.StatusCode != 200 || seen != call {
		t.Errorf("with every scope: %d", resp.StatusCode)
	}
	if resp, body := post(high, `{"x":"`+strings.Repeat("a", 5<<20)+`"}`); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: %d %.100s", resp.StatusCode, body)
	}
}
