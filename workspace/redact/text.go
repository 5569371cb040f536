package redact

import (
	"bytes"
	"strings"
)

// Free text: value patterns, secret-named pairs (name: value, name=value), URL parameters and
// extra secrets, found by scanning the string; JSON strings go through the same scan.

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
