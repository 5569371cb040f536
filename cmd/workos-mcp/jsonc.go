package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// The client configuration files we merge into are JSON, sometimes with comments and trailing
// commas (VS Code, Zed). Merging must keep what is there, in its order, so the file is decoded
// into an ordered tree rather than a map.

// member is one key of a JSON object.
type member struct {
	key string
	val any
}

// object is a JSON object that keeps its keys in order. Values are *object, []any, string,
// json.Number, bool or nil.
type object struct{ members []member }

func (o *object) get(key string) (any, bool) {
	for _, m := range o.members {
		if m.key == key {
			return m.val, true
		}
	}
	return nil, false
}

// set replaces key's value in place or appends it; it reports whether the key existed.
func (o *object) set(key string, val any) bool {
	for i := range o.members {
		if o.members[i].key == key {
			o.members[i].val = val
			return true
		}
	}
	o.members = append(o.members, member{key, val})
	return false
}

// obj builds an object from alternating keys and values.
func obj(kv ...any) *object {
	o := &object{}
	for i := 0; i+1 < len(kv); i += 2 {
		o.set(kv[i].(string), kv[i+1])
	}
	return o
}

// stripJSONC removes // and /* */ comments and trailing commas, leaving strings alone; it
// reports whether there were comments (which the rewritten file cannot keep).
func stripJSONC(in []byte) ([]byte, bool) {
	noComments, comments := stripComments(in)
	return stripTrailingCommas(noComments), comments
}

func stripComments(in []byte) ([]byte, bool) {
	out := make([]byte, 0, len(in))
	comments := false
	inString := false
	for i := 0; i < len(in); i++ {
		c := in[i]
		if inString {
			i, out, inString = copyStringByte(in, i, out)
			continue
		}
		switch {
		case c == '"':
			inString = true
			out = append(out, c)
		case c == '/' && i+1 < len(in) && in[i+1] == '/':
			comments = true
			for i < len(in) && in[i] != '\n' {
				i++
			}
			if i < len(in) {
				out = append(out, '\n')
			}
		case c == '/' && i+1 < len(in) && in[i+1] == '*':
			comments = true
			end := bytes.Index(in[i+2:], []byte("*/"))
			if end < 0 {
				i = len(in)
			} else {
				i += 2 + end + 1
			}
			out = append(out, ' ')
		default:
			out = append(out, c)
		}
	}
	return out, comments
}

// copyStringByte copies the byte at in[i], inside a JSON string, to out: an escape with the
// byte it protects, so that an escaped quote does not end the string. It returns the index of
// the last byte copied, out, and whether the string is still open.
func copyStringByte(in []byte, i int, out []byte) (int, []byte, bool) {
	c := in[i]
	out = append(out, c)
	if c == '\\' && i+1 < len(in) {
		i++
		return i, append(out, in[i]), true
	}
	return i, out, c != '"'
}

// stripTrailingCommas drops a comma followed (after blanks) by a closing bracket.
func stripTrailingCommas(in []byte) []byte {
	out := make([]byte, 0, len(in))
	inString := false
	for i := 0; i < len(in); i++ {
		c := in[i]
		if inString {
			i, out, inString = copyStringByte(in, i, out)
			continue
		}
		if c == '"' {
			inString = true
		}
		if c == ',' {
			j := i + 1
			for j < len(in) && (in[j] == ' ' || in[j] == '\t' || in[j] == '\n' || in[j] == '\r') {
				j++
			}
			if j < len(in) && (in[j] == '}' || in[j] == ']') {
				continue
			}
		}
		out = append(out, c)
	}
	return out
}

// parseConfigJSON decodes a JSON (or JSONC) document whose top level must be an object; an
// empty or blank document is an empty object.
func parseConfigJSON(data []byte) (*object, bool, error) {
	clean, comments := stripJSONC(data)
	if len(bytes.TrimSpace(clean)) == 0 {
		return &object{}, comments, nil
	}
	dec := json.NewDecoder(bytes.NewReader(clean))
	dec.UseNumber()
	v, err := decodeValue(dec)
	if err != nil {
		return nil, comments, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, comments, errors.New("unexpected data after the top-level value")
	}
	o, ok := v.(*object)
	if !ok {
		return nil, comments, errors.New("the top level is not a JSON object")
	}
	return o, comments, nil
}

func decodeValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := &object{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, ok := kt.(string)
				if !ok {
					return nil, errors.New("object key is not a string")
				}
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				o.set(key, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return o, nil
		case '[':
			a := []any{}
			for dec.More() {
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return a, nil
		}
		return nil, fmt.Errorf("unexpected %q", t)
	default:
		return t, nil
	}
}

// encodeJSON writes v with two-space indentation and a final newline.
func encodeJSON(v any) []byte {
	var b bytes.Buffer
	writeJSON(&b, v, "")
	b.WriteByte('\n')
	return b.Bytes()
}

func writeJSON(b *bytes.Buffer, v any, indent string) {
	switch t := v.(type) {
	case *object:
		if len(t.members) == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteString("{\n")
		for i, m := range t.members {
			b.WriteString(indent + "  ")
			writeString(b, m.key)
			b.WriteString(": ")
			writeJSON(b, m.val, indent+"  ")
			if i < len(t.members)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(indent + "}")
	case []any:
		if len(t) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteString("[\n")
		for i, e := range t {
			b.WriteString(indent + "  ")
			writeJSON(b, e, indent+"  ")
			if i < len(t)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(indent + "]")
	case []string:
		a := make([]any, len(t))
		for i, s := range t {
			a[i] = s
		}
		writeJSON(b, a, indent)
	case string:
		writeString(b, t)
	case json.Number:
		b.WriteString(t.String())
	case bool:
		b.WriteString(strconv.FormatBool(t))
	case int:
		b.WriteString(strconv.Itoa(t))
	case nil:
		b.WriteString("null")
	default:
		raw, _ := json.Marshal(t)
		b.Write(raw)
	}
}

// writeString writes s as a JSON string without HTML escaping (URLs stay readable).
func writeString(b *bytes.Buffer, s string) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	b.Write(bytes.TrimRight(buf.Bytes(), "\n"))
}
