package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestSpliceJSONCKeepsEverythingElse edits JSONC files in place: the entry lands where the merge
// puts it, and every comment, string and trailing comma around it stays byte for byte.
func TestSpliceJSONCKeepsEverythingElse(t *testing.T) {
	entry := obj("url", "http://127.0.0.1:8080/mcp")
	for _, tc := range []struct {
		name, doc string
		container []string
		want      string // the exact result
		replaced  bool
	}{{
		name:      "insert after the last member",
		doc:       "// c\n{\n  \"servers\": {\n    \"a\": {\"x\": \"// not a comment {\"}, // a\n  },\n}\n",
		container: []string{"servers"},
		want:      "// c\n{\n  \"servers\": {\n    \"a\": {\"x\": \"// not a comment {\"}, // a\n    \"workos\": {\n      \"url\": \"http://127.0.0.1:8080/mcp\"\n    }\n  },\n}\n",
	}, {
		name:      "no comma after the last member",
		doc:       "{\"servers\": {\n  \"a\": 1 // one\n}} // end",
		container: []string{"servers"},
		want:      "{\"servers\": {\n  \"a\": 1, // one\n  \"workos\": {\n    \"url\": \"http://127.0.0.1:8080/mcp\"\n  }\n}} // end",
	}, {
		name:      "replace in place",
		doc:       "{\n  /* keep */ \"servers\": {\"workos\": {\"url\": \"http://old\"}, \"b\": 1}\n}",
		container: []string{"servers"},
		want:      "{\n  /* keep */ \"servers\": {\"workos\": {\n    \"url\": \"http://127.0.0.1:8080/mcp\"\n  }, \"b\": 1}\n}",
		replaced:  true,
	}, {
		name:      "create the container",
		doc:       "// only settings\n{\"theme\": \"x\" /* t */}\n",
		container: []string{"context_servers"},
		want:      "// only settings\n{\"theme\": \"x\",\n  \"context_servers\": {\n    \"workos\": {\n      \"url\": \"http://127.0.0.1:8080/mcp\"\n    }\n  } /* t */}\n",
	}, {
		name:      "empty container",
		doc:       "{\"servers\": {} // none yet\n}",
		container: []string{"servers"},
		want:      "{\"servers\": {\n  \"workos\": {\n    \"url\": \"http://127.0.0.1:8080/mcp\"\n  }\n} // none yet\n}",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got, replaced, err := spliceJSONC([]byte(tc.doc), tc.container, "workos", entry)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want || replaced != tc.replaced {
				t.Errorf("replaced=%v\n--- got\n%s\n--- want\n%s", replaced, got, tc.want)
			}
			// And through mergeJSON: the same bytes, no comment reported lost.
			out, rep, dropped, err := mergeJSON([]byte(tc.doc), tc.container, "workos", entry)
			if err != nil || dropped || rep != tc.replaced || !bytes.Equal(out, got) {
				t.Errorf("mergeJSON: err=%v dropped=%v replaced=%v\n%s", err, dropped, rep, out)
			}
		})
	}
	if _, _, err := spliceJSONC([]byte(`// c
{"servers": "not an object"}`), []string{"servers"}, "workos", entry); err == nil || !strings.Contains(err.Error(), "not an object") {
		t.Errorf("a non-object container: %v", err)
	}
	if _, _, err := spliceJSONC([]byte("// c\n{\"servers\": {\"a\": 1}"), []string{"servers"}, "workos", entry); err == nil {
		t.Error("an unterminated document was spliced")
	}
}
