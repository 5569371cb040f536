package redact

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// compact checks that want is JSON.
func compact(t testing.TB, s string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("bad test JSON %s: %v", s, err)
	}
	return s
}

func TestJSON(t *testing.T) {
	r := New()
	cases := []struct {
		name, in, want string
		count          int
	}{
		{"ids and plain fields kept",
			`{"object":"organization","id":"org_01HXYZ","name":"Acme","domains":[{"object":"organization_domain","id":"org_domain_01H","domain":"acme.com","state":"verified","verification_token":"abc123"}]}`,
			`{"object":"organization","id":"org_01HXYZ","name":"Acme","domains":[{"object":"organization_domain","id":"org_domain_01H","domain":"acme.com","state":"verified","verification_token":"abc123"}]}`, 0},
		{"webhook secret",
			`{"object":"webhook_endpoint","id":"we_01","endpoint_url":"https://example.com/hook","secret":"whsec_abcdefgh","status":"enabled"}`,
			`{"object":"webhook_endpoint","id":"we_01","endpoint_url":"https://example.com/hook","secret":"[REDACTED]","status":"enabled"}`, 1},
		{"api key value shown once",
			`{"object":"api_key","id":"api_key_01H","name":"CI","obfuscated_value":"sk_...3456","value":"sk_test_abcdef123456","key":"k-123456"}`,
			`{"object":"api_key","id":"api_key_01H","name":"CI","obfuscated_value":"sk_...3456","value":"[REDACTED]","key":"[REDACTED]"}`, 2},
		{"invitation",
			`{"object":"invitation","id":"invitation_01H","email":"a@example.com","state":"pending","token":"Z1uX3RbwcIl5fIGJJJCXXisdI","accept_invitation_url":"https://x.workos.com/invite?invitation_token=Z1uX3Rbw","organization_id":"org_01H"}`,
			`{"object":"invitation","id":"invitation_01H","email":"a@example.com","state":"pending","token":"[REDACTED]","accept_invitation_url":"[REDACTED]","organization_id":"org_01H"}`, 2},
		{"magic auth and password reset codes",
			`[{"object":"magic_auth","id":"magic_auth_01","code":"123456","user_id":"user_01"},{"object":"password_reset","id":"password_reset_01","password_reset_token":"tok","password_reset_url":"https://r?token=tok"}]`,
			`[{"object":"magic_auth","id":"magic_auth_01","code":"[REDACTED]","user_id":"user_01"},{"object":"password_reset","id":"password_reset_01","password_reset_token":"[REDACTED]","password_reset_url":"[REDACTED]"}]`, 3},
		{"error code kept",
			`{"code":"entity_not_found","message":"Organization not found","errors":[{"field":"name","code":"required"}]}`,
			`{"code":"entity_not_found","message":"Organization not found","errors":[{"field":"name","code":"required"}]}`, 0},
		{"totp enrolment",
			`{"object":"authentication_factor","id":"auth_factor_01","type":"totp","totp":{"issuer":"Acme","user":"a@example.com","secret":"JBSWY3DPEHPK3PXP","qr_code":"data:image/png;base64,iVBOR","uri":"otpauth://totp/Acme:a?secret=JBSWY3DPEHPK3PXP"}}`,
			`{"object":"authentication_factor","id":"auth_factor_01","type":"totp","totp":{"issuer":"Acme","user":"a@example.com","secret":"[REDACTED]","qr_code":"[REDACTED]","uri":"[REDACTED]"}}`, 3},
		{"tokens and sessions",
			`{"user":{"object":"user","id":"user_01"},"access_token":"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1In0.sig","refreshToken":"r1","id_token":null,"sealed_session":"Fe26.2**abc","authkit_authorization_code":"c","oauth_tokens":{"access_token":"x","provider":"GoogleOAuth"}}`,
			`{"user":{"object":"user","id":"user_01"},"access_token":"[REDACTED]","refreshToken":"[REDACTED]","id_token":null,"sealed_session":"[REDACTED]","authkit_authorization_code":"[REDACTED]","oauth_tokens":"[REDACTED]"}`, 5},
		{"client secret in any case",
			`{"CLIENT-SECRET":"abc","clientSecret":"def","client_secret_last_four":"1234","client_secret_required":true}`,
			`{"CLIENT-SECRET":"[REDACTED]","clientSecret":"[REDACTED]","client_secret_last_four":"1234","client_secret_required":true}`, 2},
		{"directory user emails kept, vault value not",
			`{"emails":[{"primary":true,"type":"work","value":"a@example.com"}],"vault":{"id":"obj_1","name":"db","value":"s3cr3t","metadata":{"key_id":"k1"}}}`,
			`{"emails":[{"primary":true,"type":"work","value":"a@example.com"}],"vault":{"id":"obj_1","name":"db","value":"[REDACTED]","metadata":{"key_id":"k1"}}}`, 1},
		{"api_key as a string or an object",
			`{"api_key":"k_123456","validation":{"api_key":{"object":"api_key","id":"api_key_01H","obfuscated_value":"sk_...3456"}}}`,
			`{"api_key":"[REDACTED]","validation":{"api_key":{"object":"api_key","id":"api_key_01H","obfuscated_value":"sk_...3456"}}}`, 1},
		{"JWKS public keys kept",
			`{"keys":[{"kty":"RSA","kid":"k1","n":"abc","e":"AQAB"}]}`,
			`{"keys":[{"kty":"RSA","kid":"k1","n":"abc","e":"AQAB"}]}`, 0},
		{"patterns inside free text",
			`{"description":"use sk_live_a1b2c3d4e5 or Bearer abcdefgh12345678 now","metadata":{"note":"jwt eyJhbGciOiJIUzI1NiJ9.eyJ4IjoxfQ.abc and whsec_ZZZZZZZZ"}}`,
			`{"description":"use [REDACTED] or Bearer [REDACTED] now","metadata":{"note":"jwt [REDACTED] and [REDACTED]"}}`, 4},
		{"escaped secret still caught",
			`{"note":"sk\u005ftest\u005fabcdefgh"}`,
			`{"note":"[REDACTED]"}`, 1},
		{"PEM private key",
			`{"cert":"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----","pk":"-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----"}`,
			`{"cert":"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----","pk":"[REDACTED]"}`, 1},
		{"URL with token parameter",
			`{"url":"https://example.com/callback?secret=abc123XYZ&intent=sso"}`,
			`{"url":"https://example.com/callback?secret=[REDACTED]&intent=sso"}`, 1},
		{"Admin Portal link kept",
			`{"link":"https://setup.workos.com/portal/launch?secret=JteZqfJZqUcgWGaYCC6iI0gW0"}`,
			`{"link":"https://setup.workos.com/portal/launch?secret=JteZqfJZqUcgWGaYCC6iI0gW0"}`, 0},
		{"JSON inside a string",
			`{"raw_attributes":"{\"client_secret\":\"abc\",\"id\":\"u1\"}","note":"password: hunter2"}`,
			`{"raw_attributes":"{\"client_secret\":\"[REDACTED]\",\"id\":\"u1\"}","note":"password: [REDACTED]"}`, 2},
		{"whitespace compacted, order kept, unicode kept",
			"{ \"z\" : 1 ,\n \"a\" : [ true , null , \"é\\u00e9\" ] }",
			`{"z":1,"a":[true,null,"é\u00e9"]}`, 0},
		{"scalar top level", `"sk_test_abcdef"`, `"[REDACTED]"`, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, n := r.JSON([]byte(tc.in))
			if string(got) != compact(t, tc.want) {
				t.Errorf("\ngot  %s\nwant %s", got, tc.want)
			}
			if n != tc.count {
				t.Errorf("count %d, want %d", n, tc.count)
			}
			if !json.Valid(got) {
				t.Errorf("output is not JSON: %s", got)
			}
		})
	}
}

func TestExtraSecrets(t *testing.T) {
	r := New("hunter2-long-secret", "abc", "", "424242")
	got, n := r.JSON([]byte(`{"a":"x hunter2-long-secret y","b":424242,"c":"abc","d":["424242"]}`))
	want := `{"a":"x [REDACTED] y","b":"[REDACTED]","c":"abc","d":["[REDACTED]"]}`
	if string(got) != want || n != 3 {
		t.Fatalf("got %s (%d)", got, n)
	}
	if s := r.Text("key hunter2-long-secret!"); s != "key [REDACTED]!" {
		t.Fatalf("text %q", s)
	}
}

func TestInvalidJSONFailsClosed(t *testing.T) {
	r := New()
	cases := map[string]string{
		`{"client_secret": "abc", "name": "x"`:       `{"client_secret": "[REDACTED]", "name": "x"`,
		`{"object":"api_key","value":"plainvalue`:    `{"object":"api_key","value":"[REDACTED]"`,
		`{"id":"org_01H","secret":"abc\"def", tru`:   `{"id":"org_01H","secret":"[REDACTED]", tru`,
		`password=hunter22 & token: abcdef`:          `password=[REDACTED] & token: [REDACTED]`,
		`upstream said: sk_live_abcdefgh (truncated`: `upstream said: [REDACTED] (truncated`,
		`{"accessToken": null, "x`:                   `{"accessToken": null, "x`,
		"-----BEGIN PRIVATE KEY-----\nMIIE":          "[REDACTED]",
	}
	for in, want := range cases {
		got, _ := r.JSON([]byte(in))
		if string(got) != want {
			t.Errorf("JSON(%q)\ngot  %q\nwant %q", in, got, want)
		}
		if s := r.Text(in); s != want {
			t.Errorf("Text(%q) = %q", in, s)
		}
	}
}

func TestMayMatchCoversTriggers(t *testing.T) {
	r := New()
	for _, p := range patterns {
		for _, s := range []string{p.trigger, "x " + p.trigger + " y", strings.ToUpper(p.trigger)} {
			if s == strings.ToUpper(p.trigger) && !p.fold {
				continue
			}
			if !r.mayMatch([]byte(s)) {
				t.Errorf("mayMatch misses trigger %q in %q", p.trigger, s)
			}
		}
	}
	if r.mayMatch([]byte("org_01HXYZ user@example.com 2026-01-01")) {
		t.Error("mayMatch fires on clean text")
	}
}

func TestZeroRedactorDoesNotFailOpen(t *testing.T) {
	var zero Redactor
	var nilR *Redactor
	for _, r := range []*Redactor{&zero, nilR} {
		if out, n := r.JSON([]byte(`{"client_secret":"abc"}`)); string(out) != `{"client_secret":"[REDACTED]"}` || n != 1 {
			t.Fatalf("got %s %d", out, n)
		}
		if s := r.Text("password=abc"); s != "password=[REDACTED]" {
			t.Fatalf("got %q", s)
		}
	}
}

func TestDeepNesting(t *testing.T) {
	const depth = 9000 // under encoding/json's nesting limit
	in := strings.Repeat(`{"a":[`, depth) + `{"secret":"x","id":"org_01H"}` + strings.Repeat("]}", depth)
	out, n := New().JSON([]byte(in))
	want := strings.Repeat(`{"a":[`, depth) + `{"secret":"[REDACTED]","id":"org_01H"}` + strings.Repeat("]}", depth)
	if string(out) != want || n != 1 {
		t.Fatalf("deep document: %d redactions, output differs: %v", n, string(out) != want)
	}
}

func TestTextKeepsIDs(t *testing.T) {
	r := New()
	in := "org_01HXYZ user_01HABC conn_01H directory_01H api_key_01H we_01H invitation_01H: not found (request req_123)"
	if got := r.Text(in); got != in {
		t.Fatalf("got %q", got)
	}
}

// paramRe finds URL parameters with a secret name (the invariant checked by the fuzz test).
var paramRe = regexp.MustCompile(`[?&#;](?:token|secret|client_secret|code|password|access_token|refresh_token|id_token|api_key|key|sig|signature|invitation_token)=[^&\s"'#<>]+`)

// secretPatterns are the shapes no output may contain (the placeholder aside).
var secretPatterns = []struct {
	name string
	find func(string) []string
}{
	{"sk key", func(s string) []string { return skRe.FindAllString(s, -1) }},
	{"whsec", func(s string) []string { return whsecRe.FindAllString(s, -1) }},
	{"jwt", func(s string) []string { return jwtRe.FindAllString(s, -1) }},
	{"otpauth", func(s string) []string { return otpauthRe.FindAllString(s, -1) }},
	{"pem", func(s string) []string {
		if strings.Contains(s, "PRIVATE KEY-----") && pemRe.MatchString(s) {
			return []string{s}
		}
		return nil
	}},
	{"bearer", func(s string) []string { return bearerRe.FindAllString(s, -1) }},
}

func checkNoSecret(t *testing.T, out string, params bool) {
	t.Helper()
	for _, p := range secretPatterns {
		if ms := p.find(out); len(ms) > 0 {
			t.Fatalf("%s survived in %q: %q", p.name, out, ms)
		}
	}
	if !params {
		return
	}
	for _, m := range paramRe.FindAllString(out, -1) {
		// A shorter match (name=value stops at ",") may leave text after the placeholder.
		if !strings.HasPrefix(m[strings.IndexByte(m, '=')+1:], Placeholder) {
			t.Fatalf("URL parameter survived in %q: %q", out, m)
		}
	}
}

// stringsIn collects every string (keys included) of a decoded JSON value.
func stringsIn(v any, acc []string) []string {
	switch v := v.(type) {
	case string:
		acc = append(acc, v)
	case []any:
		for _, e := range v {
			acc = stringsIn(e, acc)
		}
	case map[string]any:
		for k, e := range v {
			acc = append(acc, k)
			acc = stringsIn(e, acc)
		}
	}
	return acc
}

func FuzzRedact(f *testing.F) {
	seeds := []string{
		`{"secret":"whsec_abc","id":"org_01"}`,
		`sk_live_abcd sk_test_efgh`,
		`{"a":"eyJhbGciOiJ9.eyJzdWIiOiJ9.x"}`,
		"-----BEGIN EC PRIVATE KEY-----\nabc\n-----END EC PRIVATE KEY-----",
		`Authorization: Bearer abcdefghijkl`,
		`{"url":"https://x/?token=abc&code=def"}`,
		`{"object":"api_key","value":"x"}`,
		`otpauth://totp/x?secret=y`,
		`[1,2,{"k":[{"v":"sk_test_\u0041BCD"}]}]`,
	}
	for _, s := range seeds {
		f.Add(s)
	}
	r := New("extra-secret-value")
	f.Fuzz(func(t *testing.T, in string) {
		out, _ := r.JSON([]byte(in))
		// An Admin Portal link keeps its URL parameters (see names.go).
		hasLink := strings.Contains(in, "link") || strings.Contains(in, `\u`)
		if json.Valid([]byte(in)) {
			if !json.Valid(out) {
				t.Fatalf("valid input, invalid output: %q -> %q", in, out)
			}
			var v any
			_ = json.Unmarshal(out, &v)
			// Check decoded strings too: escapes must not hide a secret.
			for _, s := range stringsIn(v, nil) {
				checkNoSecret(t, s, !hasLink)
			}
		}
		checkNoSecret(t, string(out), !hasLink)
		if strings.Contains(string(out), "extra-secret-value") {
			t.Fatalf("extra secret survived: %q", out)
		}
		txt := r.Text(in)
		checkNoSecret(t, txt, true)
	})
}
