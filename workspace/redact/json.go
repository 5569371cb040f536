package redact

import (
	"bytes"
	"encoding/json"
	"sort"
	"unicode/utf8"
)

// JSON: one pass over a validated document that redacts members by name (and by their
// object's shape) and every string value as text.

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
	if out, n, ok := r.ValidJSON(raw, opts...); ok {
		return out, n
	}
	s, n := r.ready().text(string(raw))
	return []byte(s), n
}

// ValidJSON is JSON for valid JSON only: ok is false, and nothing is returned, when raw is not
// valid JSON (a caller that must answer JSON then decides what to send instead, without
// validating raw a second time).
func (r *Redactor) ValidJSON(raw []byte, opts ...Option) (out []byte, redacted int, ok bool) {
	r = r.ready()
	if !json.Valid(raw) {
		return nil, 0, false
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
	return w.out, w.count, true
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
