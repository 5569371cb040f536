package workspace

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// query's fields parameter: an agent asks for the top-level fields it needs of each item of a
// list (or of one object), so that a list is not a raw dump. It applies to the redacted answer,
// so it can only leave things out, never show what redaction hid.

const maxFields = 50

// checkFields refuses a field list that cannot mean anything, before WorkOS is called.
func checkFields(fields []string) error {
	if len(fields) > maxFields {
		return fmt.Errorf("%w: at most %d fields", ErrInvalidInput, maxFields)
	}
	seen := map[string]bool{}
	for _, f := range fields {
		switch {
		case strings.TrimSpace(f) == "":
			return fmt.Errorf("%w: fields: an empty field name", ErrInvalidInput)
		case seen[f]:
			return fmt.Errorf("%w: fields: %q is named twice", ErrInvalidInput, f)
		}
		seen[f] = true
	}
	return nil
}

// selectFields keeps only the named top-level fields of each item of a list answer (its data;
// the list's own fields, such as list_metadata, stay) or of an object answer. It returns the
// fields no item has, so that a misspelt name is reported rather than silently dropped; an
// empty list has no items to tell, so it reports none.
func selectFields(data json.RawMessage, fields []string) (json.RawMessage, []string, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil || obj == nil {
		return nil, nil, errors.New("fields apply to an object or a list, and this answer is neither: call again without fields")
	}
	var items []map[string]json.RawMessage
	if raw, ok := obj["data"]; ok && json.Unmarshal(raw, &items) == nil && isList(obj) {
		have := map[string]bool{}
		for i, it := range items {
			for k := range it {
				have[k] = true
			}
			items[i] = onlyFields(it, fields)
		}
		b, err := json.Marshal(items)
		if err != nil {
			return nil, nil, err
		}
		obj["data"] = b
		out, err := json.Marshal(obj)
		if len(items) == 0 {
			return out, nil, err
		}
		return out, missingFields(have, fields), err
	}
	have := map[string]bool{}
	for k := range obj {
		have[k] = true
	}
	out, err := json.Marshal(onlyFields(obj, fields))
	return out, missingFields(have, fields), err
}

// isList tells a WorkOS list ({"object":"list","data":[...],"list_metadata":{...}}) from an object
// that happens to have a data field.
func isList(obj map[string]json.RawMessage) bool {
	if _, ok := obj["list_metadata"]; ok {
		return true
	}
	return string(obj["object"]) == `"list"`
}

func onlyFields(m map[string]json.RawMessage, fields []string) map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(fields))
	for _, f := range fields {
		if v, ok := m[f]; ok {
			out[f] = v
		}
	}
	return out
}

func missingFields(have map[string]bool, fields []string) []string {
	var out []string
	for _, f := range fields {
		if !have[f] {
			out = append(out, f)
		}
	}
	sort.Strings(out)
	return out
}
