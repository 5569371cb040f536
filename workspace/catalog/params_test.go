package catalog_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/workos-mcp/workos-mcp/workspace/catalog"
)

// TestParamError: a schema failure is a typed error whose violations locate each broken rule by
// a JSON pointer, and whose record rendering (Rule) carries nothing measured from the value.
func TestParamError(t *testing.T) {
	create, _ := catalog.Lookup("organizations.create")
	err := create.ValidateParams(map[string]any{
		"name":        "Acme",
		"external_id": strings.Repeat("x", 129) + "é",
		"domain_data": []any{map[string]any{"domain": "acme.test", "state": "hunter2"}, map[string]any{"state": "pending"}},
	})
	var pe *catalog.ParamError
	if !errors.As(err, &pe) {
		t.Fatalf("err %T %v: want a *catalog.ParamError", err, err)
	}
	if pe.Operation != "organizations.create" {
		t.Errorf("Operation = %q", pe.Operation)
	}
	got := map[string]catalog.Violation{}
	for _, v := range pe.Violations {
		got[v.Pointer+" "+v.Message] = v
	}
	for _, want := range []catalog.Violation{
		{Pointer: "/external_id", Message: "maxLength", Want: "128", Got: "130"},
		{Pointer: "/external_id", Message: `does not match pattern "^[\\x00-\\x7F]+$"`},
		{Pointer: "/domain_data/0/state", Message: "value must be one of 'pending', 'verified'"},
		{Pointer: "/domain_data/1", Message: "missing property 'domain'"},
	} {
		if v, ok := got[want.Pointer+" "+want.Message]; !ok || v != want {
			t.Errorf("no violation %+v in %+v", want, pe.Violations)
		}
	}
	if len(pe.Violations) != 4 {
		t.Errorf("violations = %+v, want 4", pe.Violations)
	}
	for _, v := range pe.Violations {
		if strings.Contains(v.Rule(), "130") || strings.Contains(v.String(), "hunter2") || strings.Contains(v.String(), "xxx") {
			t.Errorf("violation %+v renders a value: %q / %q", v, v.String(), v.Rule())
		}
	}
	if !strings.HasPrefix(err.Error(), "organizations.create: invalid parameters: at '/") || !strings.Contains(err.Error(), "maxLength: got 130, want 128") {
		t.Errorf("Error() = %q", err)
	}
	if s := pe.Describe(catalog.Violation.Rule); !strings.Contains(s, "maxLength: want 128") || strings.Contains(s, "130") {
		t.Errorf("Describe(Rule) = %q", s)
	}

	// A key with "/" or "~" is escaped as RFC 6901 says.
	meta := map[string]any{"name": "Acme", "metadata": map[string]any{"a/b~c": 7}}
	if err := create.ValidateParams(meta); !errors.As(err, &pe) || pe.Violations[0].Pointer != "/metadata/a~1b~0c" {
		t.Errorf("metadata key: %v", err)
	}
}

// TestParamErrorBounds: every bound renders both sides for the caller and only the bound for
// records; more than ten violations are counted, not listed.
func TestParamErrorBounds(t *testing.T) {
	v := catalog.Violation{Pointer: "/limit", Message: "maximum", Want: "100", Got: "987654"}
	if v.String() != "at '/limit': maximum: got 987654, want 100" || v.Rule() != "at '/limit': maximum: want 100" {
		t.Errorf("String %q Rule %q", v.String(), v.Rule())
	}
	plain := catalog.Violation{Pointer: "", Message: "got array, want object"}
	if plain.String() != "at '': got array, want object" || plain.Rule() != plain.String() {
		t.Errorf("String %q Rule %q", plain.String(), plain.Rule())
	}
	pe := &catalog.ParamError{Operation: "x.list"}
	for i := 0; i < 12; i++ {
		pe.Violations = append(pe.Violations, catalog.Violation{Pointer: "/a", Message: "m"})
	}
	if got := pe.Error(); !strings.HasSuffix(got, "; and 2 more") || strings.Count(got, "at '/a'") != 10 {
		t.Errorf("Error() = %q", got)
	}
	list, _ := catalog.Lookup("organizations.list")
	err := list.ValidateParams(map[string]any{"limit": 0})
	var got *catalog.ParamError
	if !errors.As(err, &got) || !reflect.DeepEqual(got.Violations, []catalog.Violation{{Pointer: "/limit", Message: "minimum", Want: "1", Got: "0"}}) {
		t.Errorf("limit 0: %#v", err)
	}
}
