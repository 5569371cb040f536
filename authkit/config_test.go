package authkit_test

import (
	"strings"
	"testing"

	"github.com/workos-mcp/workos-mcp/authkit"
)

func TestFromEnv(t *testing.T) {
	vars := []string{"AUTHKIT_DOMAIN", "WORKOS_AUTHKIT_DOMAIN", "MCP_USE_OAUTH_WORKOS_SUBDOMAIN", "BASE_URL",
		"WORKOS_API_KEY", "WORKOS_CLIENT_ID", "DOCS_URL", "MCP_PATH", "WORKOS_API_BASE_URL"}
	cases := []struct {
		name    string
		env     map[string]string
		wantErr string // substring; "" = success
		check   func(t *testing.T, c authkit.Config)
	}{
		{"full", map[string]string{"AUTHKIT_DOMAIN": "https://x.authkit.app", "BASE_URL": "https://mcp.example.com/",
			"WORKOS_API_KEY": "sk_test_1", "WORKOS_CLIENT_ID": "client_1", "DOCS_URL": "https://docs.example.com"}, "",
			func(t *testing.T, c authkit.Config) {
				if c.Issuer != "https://x.authkit.app" || c.ResourceURL != "https://mcp.example.com/mcp" ||
					c.APIKey != "sk_test_1" || c.ClientID != "client_1" || c.DocsURL != "https://docs.example.com" {
					t.Errorf("config = %+v", c)
				}
			}},
		{"bare domain gets https", map[string]string{"AUTHKIT_DOMAIN": "x.authkit.app", "BASE_URL": "https://m.example"}, "",
			func(t *testing.T, c authkit.Config) {
				if c.Issuer != "https://x.authkit.app" {
					t.Errorf("issuer = %s", c.Issuer)
				}
			}},
		{"WORKOS_AUTHKIT_DOMAIN", map[string]string{"WORKOS_AUTHKIT_DOMAIN": "https://y.authkit.app", "BASE_URL": "https://m.example"}, "",
			func(t *testing.T, c authkit.Config) {
				if c.Issuer != "https://y.authkit.app" {
					t.Errorf("issuer = %s", c.Issuer)
				}
			}},
		{"mcp-use subdomain", map[string]string{"MCP_USE_OAUTH_WORKOS_SUBDOMAIN": "acme", "BASE_URL": "https://m.example"}, "",
			func(t *testing.T, c authkit.Config) {
				if c.Issuer != "https://acme.authkit.app" {
					t.Errorf("issuer = %s", c.Issuer)
				}
			}},
		{"loopback http", map[string]string{"AUTHKIT_DOMAIN": "http://127.0.0.1:8080", "BASE_URL": "http://127.0.0.1:8080", "MCP_PATH": "/v1/mcp"}, "",
			func(t *testing.T, c authkit.Config) {
				if c.ResourceURL != "http://127.0.0.1:8080/v1/mcp" {
					t.Errorf("resource = %s", c.ResourceURL)
				}
			}},
		{"missing domain", map[string]string{"BASE_URL": "https://m.example"}, "AUTHKIT_DOMAIN", nil},
		{"http non-loopback", map[string]string{"AUTHKIT_DOMAIN": "http://x.authkit.app", "BASE_URL": "https://m.example"}, "AUTHKIT_DOMAIN", nil},
		{"bad subdomain", map[string]string{"MCP_USE_OAUTH_WORKOS_SUBDOMAIN": "evil.com/x", "BASE_URL": "https://m.example"}, "MCP_USE_OAUTH_WORKOS_SUBDOMAIN", nil},
		{"missing base", map[string]string{"AUTHKIT_DOMAIN": "x.authkit.app"}, "BASE_URL", nil},
		{"relative base", map[string]string{"AUTHKIT_DOMAIN": "x.authkit.app", "BASE_URL": "/mcp"}, "BASE_URL", nil},
		{"bad docs", map[string]string{"AUTHKIT_DOMAIN": "x.authkit.app", "BASE_URL": "https://m.example", "DOCS_URL": "docs"}, "DOCS_URL", nil},
		{"api key with a space", map[string]string{"AUTHKIT_DOMAIN": "x.authkit.app", "BASE_URL": "https://m.example", "WORKOS_API_KEY": "sk_test_secret123 x"}, "WORKOS_API_KEY", nil},
		{"client id with a newline", map[string]string{"AUTHKIT_DOMAIN": "x.authkit.app", "BASE_URL": "https://m.example", "WORKOS_CLIENT_ID": "client_1\nx"}, "WORKOS_CLIENT_ID", nil},
		{"base without a host name", map[string]string{"AUTHKIT_DOMAIN": "x.authkit.app", "BASE_URL": "http://:3000"}, "BASE_URL", nil},
		{"base with user info", map[string]string{"AUTHKIT_DOMAIN": "x.authkit.app", "BASE_URL": "https://u:p@m.example"}, "BASE_URL", nil},
		{"domain with a query", map[string]string{"AUTHKIT_DOMAIN": "https://x.authkit.app/?a=b", "BASE_URL": "https://m.example"}, "AUTHKIT_DOMAIN", nil},
		{"bad api base", map[string]string{"AUTHKIT_DOMAIN": "x.authkit.app", "BASE_URL": "https://m.example", "WORKOS_API_BASE_URL": "api.workos.com"}, "WORKOS_API_BASE_URL", nil},
		{"bad mcp path", map[string]string{"AUTHKIT_DOMAIN": "x.authkit.app", "BASE_URL": "https://m.example", "MCP_PATH": "mcp"}, "MCP_PATH", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, v := range vars {
				t.Setenv(v, "")
			}
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			c, err := authkit.FromEnv()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one naming %s", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "secret123") {
					t.Errorf("error quotes the API key: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, c)
			if _, err := authkit.New(c); err != nil {
				t.Errorf("New(FromEnv()) = %v", err)
			}
		})
	}
}

func TestNewValidates(t *testing.T) {
	cases := []struct {
		cfg     authkit.Config
		wantErr string
	}{
		{authkit.Config{ResourceURL: testResource}, "Issuer"},
		{authkit.Config{Issuer: "http://example.com", ResourceURL: testResource}, "loopback"},
		{authkit.Config{Issuer: "ftp://example.com", ResourceURL: testResource}, `Config.Issuer: "ftp://example.com" is not an absolute http(s) URL`},
		{authkit.Config{Issuer: "https://x.authkit.app", ResourceURL: testResource, APIBaseURL: "http://api.example.com"}, `Config.APIBaseURL: "http://api.example.com": use https`},
		{authkit.Config{Issuer: "https://x.authkit.app", ResourceURL: testResource, DocsURL: "docs"}, `Config.DocsURL: "docs" is not an absolute http(s) URL`},
		{authkit.Config{Issuer: "https://x.authkit.app"}, "ResourceURL"},
		{authkit.Config{Issuer: "https://x.authkit.app", ResourceURL: "mcp"}, "ResourceURL"},
		{authkit.Config{Issuer: "https://x.authkit.app", ResourceURL: testResource, Algorithms: []string{"HS256"}}, "HS256"},
		{authkit.Config{Issuer: "https://x.authkit.app", ResourceURL: testResource, Algorithms: []string{"none"}}, "none"},
	}
	for _, tc := range cases {
		_, err := authkit.New(tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("New(%+v) = %v, want an error naming %s", tc.cfg, err, tc.wantErr)
		}
	}
}
