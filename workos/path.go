package workos

import (
	"errors"
	"net/url"
	"strings"
)

// MaxPathSegment is the longest value CheckPathSegment accepts, in bytes.
const MaxPathSegment = 256

// ErrInvalidPath matches (errors.Is) every *PathError: a request path the client refused to
// send, and a path parameter CheckPathSegment refused.
var ErrInvalidPath = errors.New("workos: invalid request path")

// PathError is a request path (or a path parameter) the client refused before sending
// anything. It never quotes the refused value: a path parameter may be a secret (an
// invitation token).
type PathError struct {
	// Param names the path parameter, when one was at fault.
	Param string
	// Rule says what was wrong ("is a dot segment", "contains a slash", …).
	Rule string
}

// Error names the parameter (if any) and the rule.
func (e *PathError) Error() string {
	if e.Param != "" {
		return "workos: path parameter " + e.Param + " " + e.Rule
	}
	return "workos: request path " + e.Rule
}

// Is reports whether target is ErrInvalidPath.
func (e *PathError) Is(target error) bool { return target == ErrInvalidPath }

// CheckPathSegment reports whether s may fill one path parameter of a request: one segment
// of an ID-like grammar, so that no value can change which endpoint a request reaches.
//
// Accepted: 1 to MaxPathSegment bytes of printable ASCII (0x21–0x7E), not made of dots alone,
// without "/", "\", "%" (no pre-encoded input), "?", "#" or ";". That covers what WorkOS path
// values hold: IDs (org_01…), slugs (posts:read), audit-log action names (user.signed_in),
// external IDs (auth0|123, emails with "+" and "@"), client IDs and invitation tokens.
//
// The error is a *PathError whose Rule says what was wrong, never the value.
func CheckPathSegment(s string) error {
	rule := segmentRule(s)
	if rule == "" {
		return nil
	}
	return &PathError{Rule: rule}
}

// segmentRule returns the rule s breaks as a path parameter, or "".
func segmentRule(s string) string {
	if s == "" {
		return "is empty"
	}
	if len(s) > MaxPathSegment {
		return "is longer than 256 bytes"
	}
	if strings.Trim(s, ".") == "" {
		return "is a dot segment (only dots)"
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 0x80:
			return "contains a non-ASCII byte"
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f':
			return "contains whitespace"
		case c < 0x20 || c == 0x7f:
			return "contains a control character"
		case c == '/':
			return "contains a slash"
		case c == '\\':
			return "contains a backslash"
		case c == '%':
			return "contains a percent sign (send the value unencoded)"
		case c == '?', c == '#', c == ';':
			return "contains a reserved character (?, # or ;)"
		}
	}
	return ""
}

// checkPath is the rule every request path obeys, whoever built it: it starts with one "/",
// has no empty, dot (".", "..", or only dots) or backslash segments, no encoded slash,
// backslash, dot or percent (%2F, %5C, %2E, %25), no control characters, and no fragment.
// path may carry a query after "?", which is not checked here.
func checkPath(path string) error {
	p, _, _ := strings.Cut(path, "?")
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") {
		return &PathError{Rule: `must start with a single "/"`}
	}
	if strings.ContainsAny(p, "#") {
		return &PathError{Rule: "must not carry a fragment"}
	}
	if p == "/" {
		return nil
	}
	for _, seg := range strings.Split(p[1:], "/") {
		if rule := pathSegmentRule(seg); rule != "" {
			return &PathError{Rule: rule}
		}
	}
	return nil
}

// pathSegmentRule checks one escaped segment of a path for checkPath.
func pathSegmentRule(seg string) string {
	if seg == "" {
		return "has an empty segment"
	}
	if strings.ContainsRune(seg, '\\') {
		return "contains a backslash"
	}
	lower := strings.ToLower(seg)
	for _, enc := range []string{"%2f", "%5c", "%2e", "%25"} {
		if strings.Contains(lower, enc) {
			return "contains an encoded slash, backslash, dot or percent sign"
		}
	}
	dec, err := url.PathUnescape(seg)
	if err != nil {
		return "has a malformed escape"
	}
	if strings.Trim(dec, ".") == "" {
		return "has a dot segment"
	}
	for i := 0; i < len(dec); i++ {
		if c := dec[i]; c < 0x20 || c == 0x7f {
			return "contains a control character"
		}
	}
	return ""
}

// expandTemplate fills template's {name} placeholders with the escaped, checked values of
// params. Every placeholder must be a whole segment and have a value; every value must fill
// a placeholder.
func expandTemplate(template string, params map[string]string) (string, error) {
	if err := checkTemplate(template); err != nil {
		return "", err
	}
	segs := strings.Split(template[1:], "/")
	used := 0
	for i, seg := range segs {
		name, ok := placeholder(seg)
		if !ok {
			continue
		}
		v, ok := params[name]
		if !ok {
			return "", &PathError{Param: name, Rule: "is missing"}
		}
		if rule := segmentRule(v); rule != "" {
			return "", &PathError{Param: name, Rule: rule}
		}
		segs[i] = url.PathEscape(v)
		used++
	}
	if used != len(params) {
		for name := range params {
			if !strings.Contains(template, "{"+name+"}") {
				return "", &PathError{Param: name, Rule: "is not in the path template"}
			}
		}
		return "", &PathError{Rule: "template repeats a parameter"}
	}
	return "/" + strings.Join(segs, "/"), nil
}

// checkTemplate accepts a path template: a valid path whose braces only form whole-segment
// placeholders.
func checkTemplate(template string) error {
	if strings.Contains(template, "?") {
		return &PathError{Rule: "template must not carry a query"}
	}
	if err := checkPath(template); err != nil {
		return err
	}
	for _, seg := range strings.Split(template[1:], "/") {
		if _, ok := placeholder(seg); !ok && strings.ContainsAny(seg, "{}") {
			return &PathError{Rule: "template has a placeholder that is not a whole segment"}
		}
	}
	return nil
}

// placeholder returns name when seg is "{name}".
func placeholder(seg string) (string, bool) {
	if len(seg) > 2 && seg[0] == '{' && seg[len(seg)-1] == '}' && !strings.ContainsAny(seg[1:len(seg)-1], "{}") {
		return seg[1 : len(seg)-1], true
	}
	return "", false
}

// matchTemplate verifies the escaped path of the URL about to be sent: the base path, then
// one segment per template segment, fixed segments equal, each parameter's segment the
// escaped form of its value (which unescapes back to exactly that value).
func matchTemplate(escapedPath, basePath, template string, params map[string]string) error {
	mismatch := &PathError{Rule: "differs from the operation's path template"}
	rest, ok := strings.CutPrefix(escapedPath, basePath)
	if !ok || !strings.HasPrefix(rest, "/") {
		return mismatch
	}
	got := strings.Split(rest[1:], "/")
	want := strings.Split(template[1:], "/")
	if len(got) != len(want) {
		return mismatch
	}
	for i, w := range want {
		name, isParam := placeholder(w)
		if !isParam {
			if got[i] != w {
				return mismatch
			}
			continue
		}
		v := params[name]
		dec, err := url.PathUnescape(got[i])
		if err != nil || got[i] != url.PathEscape(v) || dec != v || segmentRule(dec) != "" {
			return mismatch
		}
	}
	return nil
}
