// Package redact removes secrets from what the workspace server hands to an
// agent: WorkOS API responses (JSON) and any other text (error messages,
// unparseable bodies).
//
// Two independent nets catch a secret: field names (a "client_secret" is
// redacted whatever it holds) and value patterns (an "sk_live_…" key is
// redacted wherever it appears, in any string). URL parameters are names too:
// the credentials of pre-signed URLs (X-Amz-*, X-Goog-*, Azure SAS) and
// query-string tokens are redacted in any string, JSON or free text. Identifiers such as
// "org_01…" or "user_01…" match neither, so the agent keeps them.
// Input that does not parse as JSON is treated as text: the Redactor never
// fails open.
package redact

import (
	"regexp"
	"sort"
	"strings"
)

// Placeholder replaces every redacted value.
const Placeholder = "[REDACTED]"

// minExtraLen is the shortest extra secret New accepts: shorter values would
// blank out ordinary words and numbers.
const minExtraLen = 4

// Redactor redacts secrets from JSON and text. It is immutable and safe for
// concurrent use. The zero value (and a nil *Redactor) redacts like New().
type Redactor struct {
	secret     map[string]bool // redacted wherever they appear
	stringOnly map[string]bool // redacted when the value is a string
	ambiguous  map[string]bool // context-dependent: only in their quoted form in Text
	param      map[string]bool // URL parameters
	sas        map[string]bool // URL parameters of an Azure SAS query
	valueOwner map[string]bool
	urlOwner   map[string]bool
	codeOwner  map[string]bool
	extras     []string
	extraBytes [][]byte
	extraRepl  *strings.Replacer
}

// pattern is a value pattern: re matches a secret, trigger is a literal that
// every match contains (a cheap pre-check), keep is how many leading bytes of
// a match to keep ("Bearer ").
type pattern struct {
	re      *regexp.Regexp
	trigger string
	fold    bool
	keep    func(m string) int
}

var (
	pemRe     = regexp.MustCompile(`(?s)-----BEGIN[A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END[A-Z0-9 ]*PRIVATE KEY-----|\z)`)
	jwtRe     = regexp.MustCompile(`eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*`)
	skRe      = regexp.MustCompile(`sk_(?:live|test)_[A-Za-z0-9_-]{4,}`)
	whsecRe   = regexp.MustCompile(`whsec_[A-Za-z0-9+/=_-]{4,}`)
	otpauthRe = regexp.MustCompile(`otpauth://[^\s"'<>]*`)
	bearerRe  = regexp.MustCompile(`(?i)\bbearer\s+[A-Za-z0-9._~+/-]{8,}=*`)
	// A credential parameter of a URL that is itself percent-encoded (a pre-signed URL quoted
	// in another URL's query, as error texts do): %3F or %26, the name, %3D, the value up to
	// the next encoded "&".
	encodedParamRe = regexp.MustCompile(`(?i)(?:%3F|%26)(?:x-amz-[a-z0-9-]+|x-goog-[a-z0-9-]+|sig|signature|token|access_token|refresh_token|id_token|code|key|secret|client_secret|password|api_key|awsaccesskeyid|googleaccessid)%3D(?:[^%&\s"'<>\\]|%(?:[013-9a-f][0-9a-f]|2[0-57-9a-f]))+`)
)

// patterns run in this order: multi-line PEM blocks first, bearer last so
// that a bearer JWT is counted once.
var patterns = []pattern{
	{re: pemRe, trigger: "PRIVATE KEY"},
	{re: jwtRe, trigger: "eyJ"},
	{re: skRe, trigger: "sk_"},
	{re: whsecRe, trigger: "whsec_"},
	{re: otpauthRe, trigger: "otpauth:"},
	{re: encodedParamRe, trigger: "%3d", fold: true, keep: func(m string) int {
		return strings.Index(strings.ToLower(m), "%3d") + 3
	}},
	{re: bearerRe, trigger: "bearer", fold: true, keep: func(m string) int {
		i := len("bearer")
		for i < len(m) && isSpace(m[i]) {
			i++
		}
		return i
	}},
}

// New returns a Redactor with the built-in field names and value patterns,
// plus extraSecrets: exact values (say, the API keys in use) redacted
// wherever they appear. Extras shorter than 4 bytes are ignored.
func New(extraSecrets ...string) *Redactor {
	r := &Redactor{
		secret:     set(secretNames),
		stringOnly: set(stringOnlyNames),
		ambiguous:  set(ambiguousNames),
		param:      set(append(append([]string(nil), secretNames...), paramOnlyNames...)),
		sas:        set(sasNames),
		valueOwner: exact(valueOwners),
		urlOwner:   exact(urlOwners),
		codeOwner:  exact(codeOwners),
	}
	seen := map[string]bool{}
	for _, s := range extraSecrets {
		if len(s) >= minExtraLen && !seen[s] {
			seen[s] = true
			r.extras = append(r.extras, s)
		}
	}
	// Longest first, so that a secret containing another is replaced whole.
	sort.Slice(r.extras, func(i, j int) bool { return len(r.extras[i]) > len(r.extras[j]) })
	if len(r.extras) > 0 {
		args := make([]string, 0, 2*len(r.extras))
		for _, s := range r.extras {
			args = append(args, s, Placeholder)
			r.extraBytes = append(r.extraBytes, []byte(s))
		}
		r.extraRepl = strings.NewReplacer(args...)
	}
	return r
}

func set(names []string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		var buf [maxName]byte
		m[string(normKey(&buf, n))] = true
	}
	return m
}

// exact is a set of object types, compared as they are.
func exact(names []string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

var builtin = New()

// ready returns r, or the built-in Redactor when r was not made by New: a
// zero Redactor must not fail open.
func (r *Redactor) ready() *Redactor {
	if r == nil || r.secret == nil {
		return builtin
	}
	return r
}

// maxName bounds the names we know; longer keys are never secret names.
const maxName = 48

// normKey lower-cases key and drops "_" and "-" into buf, so that
// "client_secret", "clientSecret" and "Client-Secret" are one name. It
// returns nil for keys too long to be one of ours.
func normKey[S string | []byte](buf *[maxName]byte, key S) []byte {
	n := 0
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c == '_' || c == '-' {
			continue
		}
		if n == len(buf) {
			return nil
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[n] = c
		n++
	}
	return buf[:n]
}

func in[S string | []byte](m map[string]bool, name S) bool {
	var buf [maxName]byte
	k := normKey(&buf, name)
	return k != nil && m[string(k)]
}
