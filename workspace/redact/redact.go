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
	"bytes"
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"
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

// secretPairAt reports whether the "=" or ":" at s[i] ends a secret name
// (see pairs), and where that name starts and whether it is a URL parameter.
func secretPairAt[S string | []byte](r *Redactor, s S, i int) (start int, isParam, ok bool) {
	c := s[i]
	j := i
	for j > 0 && (s[j-1] == ' ' || s[j-1] == '\t') {
		j--
	}
	quoted := j > 0 && s[j-1] == '"'
	if quoted {
		j--
	}
	end := j
	for j > 0 && isNameChar(s[j-1]) {
		j--
	}
	start = j
	if start == end || (quoted && (start == 0 || s[start-1] != '"')) {
		return start, false, false
	}
	name := s[start:end]
	isParam = !quoted && c == '=' && start > 0 && (s[start-1] == '?' || s[start-1] == '&' || s[start-1] == '#' || s[start-1] == ';' ||
		start >= 6 && strings.EqualFold(string(s[start-6:start]), `\u0026`)) // a JSON-escaped "&" in text
	if isParam && (in(r.param, name) || credentialParam(name) || in(r.sas, name) && isSAS(s)) {
		return start, true, true
	}
	ok = in(r.secret, name) || in(r.stringOnly, name) || credentialParam(name) || (quoted && c == ':' && in(r.ambiguous, name))
	return start, isParam, ok
}

// Text redacts value patterns, extra secrets, URL parameters and
// name: value / name=value pairs with a secret name from s.
func (r *Redactor) Text(s string) string {
	out, _ := r.ready().text(s)
	return out
}

func (r *Redactor) text(s string) (string, int) {
	return r.patterns(s, true)
}

// patterns applies the value patterns, secret-named pairs (when pairs) and
// extra secrets to s.
func (r *Redactor) patterns(s string, pairs bool) (string, int) {
	count := 0
	for _, p := range patterns {
		if !contains(s, p.trigger, p.fold) {
			continue
		}
		s = p.re.ReplaceAllStringFunc(s, func(m string) string {
			k := 0
			if p.keep != nil {
				k = p.keep(m)
			}
			if m[k:] == Placeholder {
				return m
			}
			count++
			return m[:k] + Placeholder
		})
	}
	if pairs && strings.ContainsAny(s, "=:") {
		var n int
		s, n = r.pairs(s)
		count += n
	}
	if r.extraRepl != nil && r.hasExtra(s) {
		s = r.extraRepl.Replace(s)
		count++
	}
	return s, count
}

// pairs redacts the values of secret-named pairs in s: URL parameters
// (?name=value, a few more names), name=value, name: value and
// "name": "value" (the context-dependent names only in that quoted form).
func (r *Redactor) pairs(s string) (string, int) {
	var out []byte
	last, count := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] != '=' && s[i] != ':' {
			continue
		}
		start, isParam, secret := secretPairAt(r, s, i)
		if !secret || start < last {
			continue
		}
		k := i + 1
		if !isParam {
			for k < len(s) && isSpace(s[k]) {
				k++
			}
		}
		var ve int
		var repl string
		if k < len(s) && s[k] == '"' && !isParam {
			ve = stringEnd(s, k)
			inner := strings.TrimSuffix(s[k+1:ve], `"`)
			if inner == Placeholder || inner == "" {
				continue
			}
			repl = `"` + Placeholder + `"`
		} else {
			stops := " \t\r\n,;&\"'}])<>"
			if isParam {
				stops = " \t\r\n&\"'#<>\\"
			}
			ve = k
			for ve < len(s) && strings.IndexByte(stops, s[ve]) < 0 {
				ve++
			}
			v := s[k:ve]
			if v == "" || v == "null" || strings.HasPrefix(v, Placeholder) || v[0] == '{' || v[0] == '[' {
				continue
			}
			repl = Placeholder
		}
		out = append(out, s[last:k]...)
		out = append(out, repl...)
		last = ve
		i = ve - 1
		count++
	}
	if count == 0 {
		return s, 0
	}
	out = append(out, s[last:]...)
	return string(out), count
}

// credentialParam reports whether a URL parameter name has a pre-signed URL's credential
// prefix (X-Amz-…, X-Goog-…).
func credentialParam[S string | []byte](name S) bool {
	var buf [maxName]byte
	k := normKey(&buf, name)
	for _, p := range credentialParamPrefixes {
		if bytes.HasPrefix(k, []byte(p)) {
			return true
		}
	}
	return false
}

// isSAS reports whether s holds an Azure shared access signature: URL parameters sig and sv.
func isSAS[S string | []byte](s S) bool {
	return hasParam(string(s), "sig") && hasParam(string(s), "sv")
}

// hasParam reports whether s has a URL parameter name= (after ?, &, # or ;), any case.
func hasParam(s, name string) bool {
	for i := 0; i+len(name) < len(s); i++ {
		if (s[i] == '?' || s[i] == '&' || s[i] == '#' || s[i] == ';') &&
			strings.EqualFold(s[i+1:i+1+len(name)], name) && s[i+1+len(name)] == '=' {
			return true
		}
	}
	return false
}

func isNameChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-'
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func contains[S string | []byte](s S, sub string, fold bool) bool {
	if !fold {
		return strings.Contains(string(s), sub)
	}
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i]|0x20 == sub[0] && strings.EqualFold(string(s[i:i+len(sub)]), sub) {
			return true
		}
	}
	return false
}

// mayMatch is a cheap, single-pass test that no pattern can match b, to
// spare the regexps on the common, clean string. It looks for each pattern's
// trigger (and for the "=" or ":" of a name/value pair); TestMayMatchCoversTriggers
// keeps it in step with patterns.
func (r *Redactor) mayMatch(b []byte) bool {
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '=', ':':
			if _, _, ok := secretPairAt(r, b, i); ok {
				return true
			}
		case 's':
			if hasAt(b, i, "sk_") {
				return true
			}
		case 'e':
			if hasAt(b, i, "eyJ") {
				return true
			}
		case 'w':
			if hasAt(b, i, "whsec_") {
				return true
			}
		case 'o':
			if hasAt(b, i, "otpauth:") {
				return true
			}
		case 'P':
			if hasAt(b, i, "PRIVATE KEY") {
				return true
			}
		case 'b', 'B':
			if i+6 <= len(b) && strings.EqualFold(string(b[i:i+6]), "bearer") {
				return true
			}
		case '%':
			if i+3 <= len(b) && strings.EqualFold(string(b[i:i+3]), "%3d") {
				return true
			}
		}
	}
	return r.extraRepl != nil && r.hasExtraBytes(b)
}

func hasAt(b []byte, i int, lit string) bool {
	return i+len(lit) <= len(b) && string(b[i:i+len(lit)]) == lit
}

func (r *Redactor) hasExtra(s string) bool {
	for _, e := range r.extras {
		if strings.Contains(s, e) {
			return true
		}
	}
	return false
}

func (r *Redactor) hasExtraBytes(b []byte) bool {
	for _, e := range r.extraBytes {
		if bytes.Contains(b, e) {
			return true
		}
	}
	return false
}

// Option changes how JSON treats one answer.
type Option func(*options)

type options struct {
	portalLink bool
}

// PortalLink exempts the top-level "link" member of the answer from URL-parameter
// redaction: pass it for the portal-link operation's own answer (portal_links.create), and
// only there, since handing that link to the customer's IT admin is the point of generating
// it. Every other rule still applies to the link, and a "link" anywhere else, or in any other
// answer, is redacted like any string.
func PortalLink() Option { return func(o *options) { o.portalLink = true } }

// JSON returns raw with secrets redacted, and how many values were redacted.
// Valid JSON comes back as compact JSON with its member order kept; anything
// else goes through Text (and so is returned as text, redacted).
func (r *Redactor) JSON(raw []byte, opts ...Option) ([]byte, int) {
	r = r.ready()
	if !json.Valid(raw) {
		s, n := r.text(string(raw))
		return []byte(s), n
	}
	portalLink := false
	if len(opts) > 0 { // (only then: o escapes to the heap once an option sees it)
		o := new(options)
		for _, opt := range opts {
			opt(o)
		}
		portalLink = o.portalLink
	}
	w := walker{r: r, src: raw, out: make([]byte, 0, len(raw)+64), portalLink: portalLink}
	w.index()
	w.value(skipWS(raw, 0), nil)
	return w.out, w.count
}

// walker rewrites one validated JSON document.
type walker struct {
	r       *Redactor
	src     []byte
	out     []byte
	count   int
	members []member // a stack shared by nested objects
	// portalLink exempts the top-level object's "link" string (see PortalLink); depth is
	// how many objects enclose the value being written.
	portalLink bool
	depth      int
	// starts and ends of every object and array, in document order, so that
	// skipping a nested value is a lookup, not a scan: deep nesting stays linear.
	starts, ends []int
}

// index records where every object and array of the (valid) document ends.
func (w *walker) index() {
	n := bytes.Count(w.src, []byte{'{'}) + bytes.Count(w.src, []byte{'['})
	w.starts = make([]int, 0, n)
	w.ends = make([]int, 0, n)
	var open []int
	for i := 0; i < len(w.src); i++ {
		switch w.src[i] {
		case '"':
			i = stringEnd(w.src, i) - 1
		case '{', '[':
			open = append(open, len(w.starts))
			w.starts = append(w.starts, i)
			w.ends = append(w.ends, len(w.src))
		case '}', ']':
			if len(open) > 0 {
				w.ends[open[len(open)-1]] = i + 1
				open = open[:len(open)-1]
			}
		}
	}
}

// end returns the index after the value starting at w.src[i].
func (w *walker) end(i int) int {
	switch w.src[i] {
	case '"':
		return stringEnd(w.src, i)
	case '{', '[':
		if k := sort.SearchInts(w.starts, i); k < len(w.starts) && w.starts[k] == i {
			return w.ends[k]
		}
		return valueEnd(w.src, i)
	default:
		return scalarEnd(w.src, i)
	}
}

type member struct {
	keyStart, keyEnd int // the key's raw bytes, quotes included
	valStart, valEnd int
}

// value writes the value at i (already past whitespace) and returns the index after it.
func (w *walker) value(i int, parentKey []byte) int {
	switch w.src[i] {
	case '{':
		return w.object(i, parentKey)
	case '[':
		i++
		w.out = append(w.out, '[')
		i = skipWS(w.src, i)
		first := true
		for w.src[i] != ']' {
			if !first {
				w.out = append(w.out, ',')
			}
			first = false
			i = w.value(i, parentKey)
			i = skipWS(w.src, i)
			if w.src[i] == ',' {
				i = skipWS(w.src, i+1)
			}
		}
		w.out = append(w.out, ']')
		return i + 1
	case '"':
		end := stringEnd(w.src, i)
		w.str(w.src[i:end], false)
		return end
	default:
		end := scalarEnd(w.src, i)
		lit := w.src[i:end]
		if w.r.extraRepl != nil && w.r.hasExtraBytes(lit) {
			w.out = append(w.out, '"')
			w.out = append(w.out, Placeholder...)
			w.out = append(w.out, '"')
			w.count++
		} else {
			w.out = append(w.out, lit...)
		}
		return end
	}
}

// str writes a raw JSON string (quotes included), redacting what Text would
// (a string may hold free text, a URL, or JSON of its own), but for the URL
// parameters when link (the portal link, see PortalLink).
func (w *walker) str(raw []byte, link bool) {
	body := raw[1 : len(raw)-1]
	escaped := bytes.IndexByte(body, '\\') >= 0
	if !escaped && !w.r.mayMatch(body) {
		w.out = append(w.out, raw...)
		return
	}
	s := string(body)
	if escaped {
		if err := json.Unmarshal(raw, &s); err != nil {
			s = string(body) // cannot happen after json.Valid; redact the raw text anyway
		}
	}
	red, n := w.r.patterns(s, !link)
	if n == 0 {
		w.out = append(w.out, raw...)
		return
	}
	w.count += n
	w.out = appendString(w.out, red)
}

func (w *walker) object(i int, parentKey []byte) int {
	w.depth++
	base := len(w.members)
	i = skipWS(w.src, i+1)
	for w.src[i] != '}' {
		ks := i
		ke := stringEnd(w.src, i)
		i = skipWS(w.src, ke)
		i = skipWS(w.src, i+1) // ':'
		vs := i
		ve := w.end(i)
		w.members = append(w.members, member{ks, ke, vs, ve})
		i = skipWS(w.src, ve)
		if w.src[i] == ',' {
			i = skipWS(w.src, i+1)
		}
	}
	end := i + 1
	ms := w.members[base:]
	objType := w.objectType(ms)
	w.out = append(w.out, '{')
	for j := range ms {
		m := ms[j]
		if j > 0 {
			w.out = append(w.out, ',')
		}
		keyRaw := w.src[m.keyStart:m.keyEnd]
		key := keyRaw[1 : len(keyRaw)-1]
		if bytes.IndexByte(key, '\\') >= 0 {
			var k string
			if json.Unmarshal(keyRaw, &k) == nil {
				key = []byte(k)
			}
		}
		w.str(keyRaw, false)
		w.out = append(w.out, ':')
		val := w.src[m.valStart:m.valEnd]
		if w.secretMember(key, val, objType, ms, parentKey) {
			w.out = append(w.out, '"')
			w.out = append(w.out, Placeholder...)
			w.out = append(w.out, '"')
			w.count++
			continue
		}
		if w.portalLink && w.depth == 1 && string(key) == portalLinkKey && val[0] == '"' {
			w.str(val, true)
			continue
		}
		w.value(m.valStart, key)
	}
	w.out = append(w.out, '}')
	w.members = w.members[:base]
	w.depth--
	return end
}

// objectType is the object's "object" member, when it is a plain string.
func (w *walker) objectType(ms []member) []byte {
	for _, m := range ms {
		if string(w.src[m.keyStart:m.keyEnd]) == `"object"` && w.src[m.valStart] == '"' {
			v := w.src[m.valStart+1 : m.valEnd-1]
			if bytes.IndexByte(v, '\\') < 0 {
				return v
			}
		}
	}
	return nil
}

func (w *walker) hasMember(ms []member, names []string) bool {
	for _, m := range ms {
		k := w.src[m.keyStart+1 : m.keyEnd-1]
		for _, n := range names {
			if string(k) == n {
				return true
			}
		}
	}
	return false
}

// secretMember decides, by name and context, whether a member's value is a secret.
func (w *walker) secretMember(key, val, objType []byte, siblings []member, parentKey []byte) bool {
	if string(val) == "null" {
		return false
	}
	var buf [maxName]byte
	nk := normKey(&buf, key)
	if nk == nil {
		return false
	}
	if w.r.secret[string(nk)] || credentialParam(nk) {
		return true // credentialParam: the fields of a pre-signed POST form (X-Amz-Signature, ...)
	}
	isString := val[0] == '"'
	if w.r.stringOnly[string(nk)] {
		return isString
	}
	switch string(nk) {
	case "value":
		if w.r.valueOwner[string(objType)] || w.hasMember(siblings, []string{"obfuscated_value", "key_context"}) {
			return true
		}
		// Fail closed: public only where the shape says so (emails, choices).
		return !w.hasMember(siblings, valueSafeSiblings)
	case "key":
		return w.r.valueOwner[string(objType)]
	case "code":
		return w.r.codeOwner[string(objType)]
	case "uri":
		return string(parentKey) == "totp" || w.hasMember(siblings, uriSecretSiblings)
	case "url":
		return w.r.urlOwner[string(objType)]
	}
	return false
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index after the string starting at b[i] == '"'.
func stringEnd[S string | []byte](b S, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(b)
}

func scalarEnd(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}

// valueEnd returns the index after the value starting at b[i].
func valueEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = stringEnd(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	default:
		return scalarEnd(b, i)
	}
}

// appendString appends s as a JSON string.
func appendString(out []byte, s string) []byte {
	const hex = "0123456789abcdef"
	out = append(out, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				out = append(out, '\\', c)
			case c == '\n':
				out = append(out, '\\', 'n')
			case c == '\r':
				out = append(out, '\\', 'r')
			case c == '\t':
				out = append(out, '\\', 't')
			case c < 0x20:
				out = append(out, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				out = append(out, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			out = append(out, `\ufffd`...)
		} else {
			out = append(out, s[i:i+size]...)
		}
		i += size
	}
	return append(out, '"')
}
