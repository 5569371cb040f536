package workspace

import (
	"slices"
	"strings"
	"testing"
)

func TestNormalizeDomain(t *testing.T) {
	for in, want := range map[string]string{
		"example.com": "example.com", " Example.COM. ": "example.com", "xn--bcher-kva.example": "xn--bcher-kva.example",
		"a-b.c.example": "a-b.c.example", "123.example": "123.example",
	} {
		if got, err := normalizeDomain(in); err != nil || got != want {
			t.Errorf("normalizeDomain(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for in, want := range map[string]string{
		"": "empty", ".": "empty", "http://example.com": "URL", "example.com/x": "path", `example.com\x`: "path",
		"example.com?x": "path", "a@example.com": "email address", "*.example.com": "wildcard", "example.com:443": "port",
		"[::1]": "port", "bücher.example": "xn--", "exa mple.com": "not a valid", "example": "two labels",
		"-a.example": "not a valid", "a-.example": "not a valid", "a..example": "not a valid", "192.168.0.1": "IP address",
		strings.Repeat("a", 64) + ".example": "not a valid", strings.Repeat("a.", 127) + "example": "longer than 253",
		"example.com\x00": "not a valid", "exa\u200bmple.com": "xn--",
	} {
		if got, err := normalizeDomain(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("normalizeDomain(%q) = %q, %v; want an error containing %q", in, got, err, want)
		}
	}
}

// FuzzNormalizeDomain: whatever is accepted is a plain lower-case DNS name that normalizes to
// itself, so that two spellings of one domain cannot pass as two domains.
func FuzzNormalizeDomain(f *testing.F) {
	for _, s := range []string{"example.com", " A.B.example. ", "https://x.test", "x.test:1", "*.x", "1.2.3.4", "xn--a.b", "a..b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := normalizeDomain(s)
		if err != nil {
			return
		}
		if d != strings.ToLower(d) || strings.ContainsAny(d, ":/@*?#\\ \t\n") || strings.Count(d, ".") < 1 || len(d) > 253 {
			t.Fatalf("accepted %q as %q", s, d)
		}
		for _, r := range d {
			if r > 127 {
				t.Fatalf("accepted non-ASCII %q as %q", s, d)
			}
		}
		if again, err := normalizeDomain(d); err != nil || again != d {
			t.Fatalf("not idempotent: %q -> %q -> %q, %v", s, d, again, err)
		}
	})
}

func TestNormalizeEmail(t *testing.T) {
	for in, want := range map[string]string{"it@example.com": "it@example.com", " IT@Example.com ": "it@example.com", "a.b+c@x.example": "a.b+c@x.example"} {
		if got, err := normalizeEmail(in); err != nil || got != want {
			t.Errorf("normalizeEmail(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "it", "it@", "@example.com", "it@example", "IT <it@example.com>", "<it@example.com>",
		"it@example.com (boss)", `"a b"@example.com`, "a@b@example.com", "it@example.com, x@evil.test", "it@exa mple.com",
		"it@example.com.", "it@[127.0.0.1]", "it@127.0.0.1", strings.Repeat("a", 250) + "@example.com"} {
		if got, err := normalizeEmail(in); err == nil {
			t.Errorf("normalizeEmail(%q) = %q, want an error", in, got)
		}
	}
}

func TestParentDomains(t *testing.T) {
	for in, want := range map[string][]string{"example.com": nil, "a.example.com": {"example.com"}, "a.b.example.com": {"b.example.com", "example.com"}} {
		if got := parentDomains(in); !slices.Equal(got, want) {
			t.Errorf("parentDomains(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestPortalIntentsComeFromTheCatalog(t *testing.T) {
	intents, err := portalIntents()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"sso", "dsync", "domain_verification", "audit_logs", "log_streams"} {
		if !slices.Contains(intents, want) {
			t.Errorf("intents %v lack %s", intents, want)
		}
	}
	// Case and spaces are forgiven; anything else outside the set is refused.
	p, err := checkOnboardInput(onboardCustomerIn{Name: "N", AdminEmail: "a@n.test", PortalIntent: " DSync "}, intents)
	if err != nil || p.intent != "dsync" {
		t.Fatalf("plan = %+v, %v", p, err)
	}
	if _, err := checkOnboardInput(onboardCustomerIn{Name: "N", AdminEmail: "a@n.test", PortalIntent: "sso,dsync"}, intents); err == nil {
		t.Fatal("accepted two intents")
	}
}
