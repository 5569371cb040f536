package localauthtest

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/workos-mcp/workos-mcp/localauth"
)

func TestToken(t *testing.T) {
	s := Start(t, localauth.Options{})
	for email, role := range map[string]string{AdminEmail: "admin", MemberEmail: "member"} {
		tok := s.Token(t, email, "https://mcp.example.com/mcp", "openid", "offline_access")
		b, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[1])
		if err != nil {
			t.Fatal(err)
		}
		var c map[string]any
		json.Unmarshal(b, &c)
		if c["role"] != role || c["org_id"] != OrganizationID || c["aud"] != "https://mcp.example.com/mcp" || c["iss"] != s.URL {
			t.Fatalf("%s: %v", email, c)
		}
	}
	if _, err := s.TokenResponse(t.Context(), "nobody@example.com", ""); err == nil {
		t.Fatal("a token for nobody")
	}
}
