package schemaerr_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/workos-mcp/workos-mcp/internal/schemaerr"
)

// TestViolations: every leaf of the validator's error tree is one violation, located by its
// pointer; bounds keep their two sides apart, patterns and formats never quote the value.
func TestViolations(t *testing.T) {
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(`{"type":"object","properties":{
		"n":{"type":"integer","maximum":100},
		"p":{"type":"string","pattern":"^[a-z]+$"},
		"s":{"type":"string","format":"email"},
		"a":{"type":"array","items":{"enum":["x","y"]}}},"required":["r"]}`))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("urn:t", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("urn:t")
	if err != nil {
		t.Fatal(err)
	}
	inst, _ := jsonschema.UnmarshalJSON(strings.NewReader(`{"n":987654,"p":"Hunter2!","s":"Hunter3!","a":["x","secret-z"]}`))
	vs, ok := schemaerr.Violations(sch.Validate(inst))
	if !ok {
		t.Fatal("not a validation error")
	}
	want := []schemaerr.Violation{
		{Pointer: "", Message: "missing property 'r'"},
		{Pointer: "/a/1", Message: "value must be one of 'x', 'y'"},
		{Pointer: "/n", Message: "maximum", Want: "100", Got: "987654"},
		{Pointer: "/p", Message: `does not match pattern "^[a-z]+$"`},
		{Pointer: "/s", Message: "is not a valid email"},
	}
	// Sorted by pointer, then message: the same call is described the same way every time
	// (the validator's order follows map iteration).
	if !reflect.DeepEqual(vs, want) {
		t.Errorf("violations\n got %+v\nwant %+v", vs, want)
	}
	all := schemaerr.Describe(vs, schemaerr.Violation.String)
	rules := schemaerr.Describe(vs, schemaerr.Violation.Rule)
	for _, secret := range []string{"Hunter2", "Hunter3", "secret-z"} {
		if strings.Contains(all, secret) {
			t.Errorf("String renders the value %q: %s", secret, all)
		}
	}
	if !strings.Contains(all, "at '/n': maximum: got 987654, want 100") || strings.Contains(rules, "987654") || !strings.Contains(rules, "at '/n': maximum: want 100") {
		t.Errorf("String %q\nRule %q", all, rules)
	}
	if _, ok := schemaerr.Violations(errors.New("other")); ok {
		t.Error("a plain error is not a validation error")
	}
}

// TestDescribe: ten violations at most, the rest counted; none says the schema did not match.
func TestDescribe(t *testing.T) {
	var vs []schemaerr.Violation
	for i := 0; i < 12; i++ {
		vs = append(vs, schemaerr.Violation{Pointer: "/a", Message: "m"})
	}
	if got := schemaerr.Describe(vs, schemaerr.Violation.String); !strings.HasSuffix(got, "; and 2 more") || strings.Count(got, "at '/a': m") != 10 {
		t.Errorf("Describe = %q", got)
	}
	if got := schemaerr.Describe(nil, schemaerr.Violation.String); got != "does not match the schema" {
		t.Errorf("Describe(nil) = %q", got)
	}
	v := schemaerr.Violation{Pointer: "", Message: "got array, want object"}
	if !reflect.DeepEqual([]string{v.String(), v.Rule()}, []string{"at '': got array, want object", "at '': got array, want object"}) {
		t.Errorf("String %q Rule %q", v.String(), v.Rule())
	}
}
