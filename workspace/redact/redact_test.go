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
		{"a link is redacted like any string (the portal-link exemption is an option)",
			`{"link":"https://setup.workos.com/portal/launch?secret=JteZqfJZqUcgWGaYCC6iI0gW0"}`,
			`{"link":"https://setup.workos.com/portal/launch?secret=[REDACTED]"}`, 1},
		{"audit log export's pre-signed url",
			`{"object":"audit_log_export","id":"audit_log_export_01","state":"ready","url":"https://exports.example/x.csv","created_at":"2026-01-01"}`,
			`{"object":"audit_log_export","id":"audit_log_export_01","state":"ready","url":"[REDACTED]","created_at":"2026-01-01"}`, 1},
		{"other urls kept",
			`{"object":"webhook_endpoint","url":"https://hooks.example/x?intent=sso","endpoint_url":"https://hooks.example/y"}`,
			`{"object":"webhook_endpoint","url":"https://hooks.example/x?intent=sso","endpoint_url":"https://hooks.example/y"}`, 0},
		{"SigV4 pre-signed URL",
			`{"download":"https://b.s3.amazonaws.com/e.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=300&X-Amz-Security-Token=FwoGZXIvYXdzEJr&X-Amz-SignedHeaders=host&X-Amz-Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024"}`,
			`{"download":"https://b.s3.amazonaws.com/e.csv?X-Amz-Algorithm=[REDACTED]&X-Amz-Credential=[REDACTED]&X-Amz-Date=[REDACTED]&X-Amz-Expires=[REDACTED]&X-Amz-Security-Token=[REDACTED]&X-Amz-SignedHeaders=[REDACTED]&X-Amz-Signature=[REDACTED]"}`, 7},
		{"SigV4 lower case, S3 legacy",
			`{"a":"https://b/e?x-amz-security-token=tok123&x-amz-signature=abcdef","b":"https://b/e?AWSAccessKeyId=AKIAEXAMPLE&Expires=1700000000&Signature=vjbyPxybdZaNmGa%2ByT272YEAiv4%3D"}`,
			`{"a":"https://b/e?x-amz-security-token=[REDACTED]&x-amz-signature=[REDACTED]","b":"https://b/e?AWSAccessKeyId=[REDACTED]&Expires=1700000000&Signature=[REDACTED]"}`, 4},
		{"GCS signed URL",
			`{"u":"https://storage.googleapis.com/b/o?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=sa%40p.iam.gserviceaccount.com%2F20260101%2Fauto%2Fstorage%2Fgoog4_request&X-Goog-Date=20260101T000000Z&X-Goog-Expires=900&X-Goog-SignedHeaders=host&X-Goog-Signature=8f3a2b","v":"https://storage.googleapis.com/b/o?GoogleAccessId=sa@p.iam&Expires=1&Signature=abc%2Bdef"}`,
			`{"u":"https://storage.googleapis.com/b/o?X-Goog-Algorithm=[REDACTED]&X-Goog-Credential=[REDACTED]&X-Goog-Date=[REDACTED]&X-Goog-Expires=[REDACTED]&X-Goog-SignedHeaders=[REDACTED]&X-Goog-Signature=[REDACTED]","v":"https://storage.googleapis.com/b/o?GoogleAccessId=[REDACTED]&Expires=1&Signature=[REDACTED]"}`, 8},
		{"pre-signed POST form fields, and a header quoted in text",
			`{"url":"https://b.s3.amazonaws.com/","fields":{"key":"e.csv","X-Amz-Credential":"AKIAEXAMPLE/2026","x-amz-security-token":"tok","X-Amz-Signature":"abc"},"note":"sent X-Amz-Security-Token: tok2 upstream"}`,
			`{"url":"https://b.s3.amazonaws.com/","fields":{"key":"e.csv","X-Amz-Credential":"[REDACTED]","x-amz-security-token":"[REDACTED]","X-Amz-Signature":"[REDACTED]"},"note":"sent X-Amz-Security-Token: [REDACTED] upstream"}`, 4},
		{"Azure SAS",
			`{"u":"https://a.blob.core.windows.net/c/b.csv?sv=2022-11-02&ss=b&srt=o&sp=r&se=2026-01-01T00:00:00Z&st=2025-12-31T00:00:00Z&spr=https&skoid=abc&sig=nRnd%2FA%2B8%3D"}`,
			`{"u":"https://a.blob.core.windows.net/c/b.csv?sv=[REDACTED]&ss=[REDACTED]&srt=[REDACTED]&sp=[REDACTED]&se=[REDACTED]&st=[REDACTED]&spr=[REDACTED]&skoid=[REDACTED]&sig=[REDACTED]"}`, 9},
		{"SAS names without a SAS kept, sig always redacted",
			`{"a":"https://x.example/p?sp=1&se=2&st=open","b":"https://x.example/p?sig=abc&sp=1"}`,
			`{"a":"https://x.example/p?sp=1&se=2&st=open","b":"https://x.example/p?sig=[REDACTED]&sp=1"}`, 1},
		{"query-string tokens",
			`{"u":"https://x.example/cb?state=s1&code=c0de&access_token=at&api_key=k1&password=p&client_secret=cs&token=t&apikey=k2&jwt=j&intent=sso"}`,
			`{"u":"https://x.example/cb?state=s1&code=[REDACTED]&access_token=[REDACTED]&api_key=[REDACTED]&password=[REDACTED]&client_secret=[REDACTED]&token=[REDACTED]&apikey=[REDACTED]&jwt=[REDACTED]&intent=sso"}`, 8},
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

func TestPortalLinkOption(t *testing.T) {
	r := New()
	in := `{"link":"https://setup.workos.com/portal/launch?secret=JteZqfJZqUcgWGaYCC6iI0gW0","nested":{"link":"https://x.example/?secret=abcdef12"},"note":"sk_live_abcdefgh"}`
	got, n := r.JSON([]byte(in), PortalLink())
	want := `{"link":"https://setup.workos.com/portal/launch?secret=JteZqfJZqUcgWGaYCC6iI0gW0","nested":{"link":"https://x.example/?secret=[REDACTED]"},"note":"[REDACTED]"}`
	if string(got) != want || n != 2 {
		t.Fatalf("with PortalLink:\ngot  %s (%d)\nwant %s", got, n, want)
	}
	// Value patterns still apply to the portal link itself.
	got, _ = r.JSON([]byte(`{"link":"https://setup.workos.com/portal/launch?x=sk_live_abcdefgh"}`), PortalLink())
	if strings.Contains(string(got), "sk_live_abcdefgh") {
		t.Errorf("a key inside the portal link passed: %s", got)
	}
	// Without the option, the same answer is redacted.
	got, _ = r.JSON([]byte(in))
	if strings.Contains(string(got), "JteZqfJZqUcgWGaYCC6iI0gW0") {
		t.Errorf("without PortalLink the link passed: %s", got)
	}
}

// TestTextURLCredentials: error texts quote URLs (upstream messages, Go's url.Error); their
// credentials are redacted like those in JSON strings.
func TestTextURLCredentials(t *testing.T) {
	r := New()
	presigned := "https://b.s3.amazonaws.com/e.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Security-Token=FwoGZXIvYXdzEJr&X-Amz-SignedHeaders=host&X-Amz-Signature=fe5f80f77d5fa3be"
	secrets := []string{"AKIAIOSFODNN7EXAMPLE", "FwoGZXIvYXdzEJr", "fe5f80f77d5fa3be", "nRndA8", "8f3a2b", "c0de99", "tok777"}
	for _, in := range []string{
		`Get "` + presigned + `": dial tcp 127.0.0.1:1: connect: connection refused`,
		"workos: 400 Bad Request (invalid_request): could not fetch " + presigned + " (expired)",
		`upstream said {"url":"` + presigned + `"}`,
		`upstream said {"url":"https://b/e?a=1&X-Amz-Signature=fe5f80f77d5fa3be&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE"}`,
		"redirect to https://a.blob.core.windows.net/c/b?sv=2022-11-02&sr=b&sig=nRndA8%3D failed",
		"see https://storage.googleapis.com/b/o?X-Goog-Signature=8f3a2b&X-Goog-Credential=sa",
		"callback https://app.example/cb?code=c0de99&state=x and https://x.example/?token=tok777",
		"next=https%3A%2F%2Fb.s3.amazonaws.com%2Fe.csv%3FX-Amz-Credential%3DAKIAIOSFODNN7EXAMPLE%252F2026%26X-Amz-Signature%3Dfe5f80f77d5fa3be%26x%3D1",
	} {
		out := r.Text(in)
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("Text(%q) = %q: %s passed", in, out, s)
			}
		}
		if !strings.Contains(out, Placeholder) {
			t.Errorf("Text(%q): nothing redacted", in)
		}
	}
	if got := r.Text("see https://b.s3.amazonaws.com/e.csv and state=open, org_01H"); strings.Contains(got, Placeholder) {
		t.Errorf("a plain URL was redacted: %s", got)
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
		if out, n, ok := r.ValidJSON([]byte(in)); ok || out != nil || n != 0 {
			t.Errorf("ValidJSON(%q) = %q, %d, %v: want nothing for invalid JSON", in, out, n, ok)
		}
	}
	valid := `{"client_secret":"abc","name":"x"}`
	out, n, ok := r.ValidJSON([]byte(valid))
	want, wn := r.JSON([]byte(valid))
	if !ok || string(out) != string(want) || n != wn || n != 1 {
		t.Errorf("ValidJSON(%q) = %q, %d, %v; JSON gives %q, %d", valid, out, n, ok, want, wn)
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
