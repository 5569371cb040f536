package main

import (
	"encoding/json"
	"testing"
)

// TestStripJSONCKeepsStrings checks that comment and comma markers inside strings, including
// after an escaped quote, survive, while real comments and trailing commas go.
func TestStripJSONCKeepsStrings(t *testing.T) {
	in := `{"a": "x\"// not a comment, }", /* c */ "b": [1, "/*,]*/",], // end
}`
	out, comments := stripJSONC([]byte(in))
	if !comments {
		t.Error("comments = false, want true")
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("stripped %q: %v", out, err)
	}
	if got["a"] != `x"// not a comment, }` {
		t.Errorf("a = %q", got["a"])
	}
	if b, _ := got["b"].([]any); len(b) != 2 || b[1] != "/*,]*/" {
		t.Errorf("b = %#v", got["b"])
	}
}
