package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// A JSONC file with comments (VS Code's mcp.json, Zed's settings.json) cannot go through the
// decode-and-encode merge without losing them. spliceJSONC edits such a file in place instead:
// it finds the container object by byte offsets and replaces or inserts the one member, leaving
// every other byte (comments, formatting, trailing commas) as it was.

// memberSpan is one member of an object in the source text.
type memberSpan struct {
	key                        string
	keyStart, valStart, valEnd int
}

// jsoncScanner walks JSONC text: blanks and comments are skipped, strings are respected.
type jsoncScanner struct {
	b []byte
	i int
}

var errJSONC = errors.New("unexpected JSONC structure")

// skip moves past blanks and comments.
func (s *jsoncScanner) skip() {
	for s.i < len(s.b) {
		switch c := s.b[s.i]; {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			s.i++
		case c == '/' && s.i+1 < len(s.b) && s.b[s.i+1] == '/':
			for s.i < len(s.b) && s.b[s.i] != '\n' {
				s.i++
			}
		case c == '/' && s.i+1 < len(s.b) && s.b[s.i+1] == '*':
			end := bytes.Index(s.b[s.i+2:], []byte("*/"))
			if end < 0 {
				s.i = len(s.b)
				return
			}
			s.i += 2 + end + 2
		default:
			return
		}
	}
}

// str moves past the string starting at s.i and returns its decoded value.
func (s *jsoncScanner) str() (string, error) {
	start := s.i
	s.i++
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case '\\':
			s.i += 2
			continue
		case '"':
			s.i++
			var v string
			if err := json.Unmarshal(s.b[start:s.i], &v); err != nil {
				return "", err
			}
			return v, nil
		}
		s.i++
	}
	return "", errJSONC
}

// value moves past the value starting at s.i (after skip).
func (s *jsoncScanner) value() error {
	if s.i >= len(s.b) {
		return errJSONC
	}
	switch s.b[s.i] {
	case '{':
		_, err := s.object()
		return err
	case '[':
		s.i++
		for {
			s.skip()
			if s.i >= len(s.b) {
				return errJSONC
			}
			if s.b[s.i] == ']' {
				s.i++
				return nil
			}
			if err := s.value(); err != nil {
				return err
			}
			s.skip()
			if s.i < len(s.b) && s.b[s.i] == ',' {
				s.i++
			}
		}
	case '"':
		_, err := s.str()
		return err
	}
	start := s.i
	for s.i < len(s.b) && !bytes.ContainsAny(s.b[s.i:s.i+1], ",}] \t\r\n/") {
		s.i++
	}
	if s.i == start {
		return errJSONC
	}
	return nil
}

// object reads the object starting at s.i and returns its members; s.i ends past its '}'.
func (s *jsoncScanner) object() ([]memberSpan, error) {
	if s.i >= len(s.b) || s.b[s.i] != '{' {
		return nil, errJSONC
	}
	s.i++
	var ms []memberSpan
	for {
		s.skip()
		if s.i >= len(s.b) {
			return nil, errJSONC
		}
		if s.b[s.i] == '}' {
			s.i++
			return ms, nil
		}
		if s.b[s.i] != '"' {
			return nil, errJSONC
		}
		m := memberSpan{keyStart: s.i}
		key, err := s.str()
		if err != nil {
			return nil, err
		}
		m.key = key
		s.skip()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return nil, errJSONC
		}
		s.i++
		s.skip()
		m.valStart = s.i
		if err := s.value(); err != nil {
			return nil, err
		}
		m.valEnd = s.i
		ms = append(ms, m)
		s.skip()
		if s.i < len(s.b) && s.b[s.i] == ',' {
			s.i++
		}
	}
}

// lineIndent is the run of blanks that starts the line holding offset i.
func lineIndent(b []byte, i int) string {
	start := bytes.LastIndexByte(b[:i], '\n') + 1
	end := start
	for end < len(b) && (b[end] == ' ' || b[end] == '\t') {
		end++
	}
	return string(b[start:end])
}

// spliceJSONC sets container...[name] = entry by editing the text of doc in place. It reports
// whether name was already there. Containers missing on the way are created.
func spliceJSONC(doc []byte, container []string, name string, entry any) ([]byte, bool, error) {
	s := &jsoncScanner{b: doc}
	s.skip()
	objStart := s.i
	path := append(append([]string{}, container...), name)
	for depth, key := range path {
		s.i = objStart
		ms, err := s.object()
		if err != nil {
			return nil, false, err
		}
		closeAt := s.i - 1
		var found *memberSpan
		for i := range ms {
			if ms[i].key == key {
				found = &ms[i]
			}
		}
		if found != nil && depth == len(path)-1 {
			var val bytes.Buffer
			writeJSON(&val, entry, lineIndent(doc, found.keyStart))
			return splice(doc, found.valStart, found.valEnd, val.Bytes()), true, nil
		}
		if found != nil {
			if doc[found.valStart] != '{' {
				return nil, false, fmt.Errorf("%q is not an object", key)
			}
			objStart = found.valStart
			continue
		}
		// Insert key here, with what remains of the path below it.
		var val any = entry
		for i := len(path) - 1; i > depth; i-- {
			val = obj(path[i], val)
		}
		indent := lineIndent(doc, objStart) + "  "
		if len(ms) > 0 {
			if first := lineIndent(doc, ms[0].keyStart); len(first) > len(lineIndent(doc, objStart)) {
				indent = first
			}
		}
		var m bytes.Buffer
		m.WriteString("\n" + indent)
		writeString(&m, key)
		m.WriteString(": ")
		writeJSON(&m, val, indent)
		if len(ms) > 0 {
			// After the last member, its comma (added if missing) and a comment on its line.
			last := ms[len(ms)-1].valEnd
			j := skipBlanks(doc, last)
			comma := j >= len(doc) || doc[j] != ','
			at := last
			if !comma {
				at = j + 1
				j = skipBlanks(doc, at)
			}
			if bytes.HasPrefix(doc[j:], []byte("//")) {
				at = len(doc)
				if nl := bytes.IndexByte(doc[j:], '\n'); nl >= 0 {
					at = j + nl
				}
			}
			out := splice(doc, at, at, m.Bytes())
			if comma {
				out = splice(out, last, last, []byte(","))
			}
			return out, false, nil
		}
		if !bytes.ContainsRune(doc[objStart+1:closeAt], '\n') {
			m.WriteString("\n" + lineIndent(doc, objStart))
		}
		return splice(doc, objStart+1, objStart+1, m.Bytes()), false, nil
	}
	return nil, false, errJSONC
}

// skipBlanks moves past spaces and tabs (not newlines) from i.
func skipBlanks(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	return i
}

func splice(doc []byte, from, to int, with []byte) []byte {
	out := make([]byte, 0, len(doc)+len(with))
	out = append(out, doc[:from]...)
	out = append(out, with...)
	return append(out, doc[to:]...)
}
