package mcpfast

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	sjson "github.com/segmentio/encoding/json"
)

// maxDepth bounds the nesting of any JSON the fast path decodes, as the SDK does: a deeply nested
// document would otherwise cost stack and time out of proportion to its size.
const maxDepth = 1000

var errTooDeep = fmt.Errorf("json: exceeded maximum nesting depth of %d", maxDepth)

// decode parses one JSON value from data into v, as the SDK decodes what it receives: object keys
// match struct fields case-sensitively (`{"Name":…}` does not fill a field tagged "name") and
// nesting is bounded. It is stricter in one way: nothing but white space may follow the value
// (the SDK ignores what follows), so a request with trailing bytes fails here and is left to the
// SDK, which answers it. Unlike the SDK it parses the bytes in place instead of building a stream
// decoder (and its read buffer) for every value.
func decode(data []byte, v any) error {
	if err := checkDepth(data); err != nil {
		return err
	}
	rest, err := sjson.Parse(data, v, sjson.DontMatchCaseInsensitiveStructFields)
	if err != nil {
		return err
	}
	if len(bytes.TrimLeft(rest, " \t\r\n")) != 0 {
		return errors.New("json: invalid character after top-level value")
	}
	return nil
}

// checkDepth fails when data nests objects and arrays deeper than maxDepth.
func checkDepth(data []byte) error {
	depth, inString, escaped := 0, false, false
	for _, b := range data {
		if inString {
			switch {
			case escaped:
				escaped = false
			case b == '\\':
				escaped = true
			case b == '"':
				inString = false
			}
			continue
		}
		switch b {
		case '"':
			inString = true
		case '{', '[':
			depth++
			if depth > maxDepth {
				return errTooDeep
			}
		case '}', ']':
			if depth > 0 {
				depth--
			}
		}
	}
	return nil
}

// marshal encodes v as the SDK encodes what it sends: encoding/json without HTML escaping, no
// trailing newline.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}
