package workspace

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/workos-mcp/workos-mcp/workspace/catalog"
)

// TestPolicyTable runs the policy (decide) over the rows of testdata/policy/*.txt, in the style
// of the go-sdk's conformance data: adding a case is adding a row, or a file. The format is
// described at the top of each file; in short:
//
//	settings production=off
//	role auditor sandbox=read production=none areas=audit_logs,events
//	member-sandbox production organizations.update id domains:removes -> refuse role
//
// A row names the role, the environment's kind, the operation and the fields the call sets, then
// the verdict: allow, confirm, or refuse and the refusal (the Err* it wraps). A malformed line,
// an unknown operation or field, or a removes/keeps on a field that replaces nothing fails the
// test rather than being skipped.
func TestPolicyTable(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "policy", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no policy tables: %v", err)
	}
	rows := 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		cases, err := parsePolicyTable(string(data))
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, pc := range cases {
			rows++
			name := fmt.Sprintf("%s:%d", filepath.Base(file), pc.line)
			got := decide(pc.call)
			switch {
			case got.verdict != pc.want:
				t.Errorf("%s: %s: got %s (%v), want %s %s", name, pc.text, got.verdict, got.err, pc.want, pc.reason)
			case pc.want == refuse && !errors.Is(got.err, policyReasons[pc.reason]):
				t.Errorf("%s: %s: refused with %v, want %s", name, pc.text, got.err, pc.reason)
			case pc.want != refuse && got.err != nil:
				t.Errorf("%s: %s: %s with an error: %v", name, pc.text, got.verdict, got.err)
			}
		}
	}
	// The issue asks for every default role × environment kind × kind of call × setting: a
	// table that lost its rows to a parser change must not pass quietly.
	if rows < 150 {
		t.Errorf("%d policy rows, want at least 150", rows)
	}
}

// policyReasons are the refusals a table names, by the word it uses.
var policyReasons = map[string]error{
	"disabled":      ErrDisabled,
	"role":          ErrRole,
	"environment":   ErrEnvironment,
	"write-off":     ErrWriteOff,
	"refused-field": ErrRefusedField,
}

// policyCase is one row of a policy table.
type policyCase struct {
	line   int
	text   string
	call   policyCall
	want   verdict
	reason string // with refuse: a key of policyReasons
}

// parsePolicyTable reads one policy table; the first error names its line.
func parsePolicyTable(data string) ([]policyCase, error) {
	roles := DefaultRoles()
	settings := Settings{}
	var out []policyCase
	for i, raw := range strings.Split(data, "\n") {
		line := strings.TrimSpace(raw)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fail := func(format string, args ...any) ([]policyCase, error) {
			return nil, fmt.Errorf("line %d: %s: %s", i+1, fmt.Sprintf(format, args...), line)
		}
		f := strings.Fields(line)
		switch f[0] {
		case "settings":
			settings = Settings{}
			for _, kv := range f[1:] {
				k, v, _ := strings.Cut(kv, "=")
				if v != "on" && v != "off" {
					return fail("%s: want on or off", kv)
				}
				b := v == "on"
				switch k {
				case "enabled":
					settings.Enabled = &b
				case "production":
					settings.AllowProduction = &b
				case "write":
					settings.AllowWrite = &b
				default:
					return fail("unknown setting %q", k)
				}
			}
			continue
		case "role":
			if len(f) < 4 {
				return fail("want: role <slug> sandbox=<access> production=<access> [areas=a,b]")
			}
			r := Role{}
			for _, kv := range f[2:] {
				k, v, _ := strings.Cut(kv, "=")
				switch k {
				case "sandbox", "production":
					a := Access(v)
					if a != AccessNone && a != AccessRead && a != AccessWrite {
						return fail("access %q: want none, read or write", v)
					}
					if k == "sandbox" {
						r.Sandbox = a
					} else {
						r.Production = a
					}
				case "areas":
					for _, a := range strings.Split(v, ",") {
						if err := checkArea(a); err != nil {
							return fail("%v", err)
						}
						r.Areas = append(r.Areas, a)
					}
				default:
					return fail("unknown role attribute %q", k)
				}
			}
			roles[f[1]] = r
			continue
		}
		left, right, ok := strings.Cut(line, "->")
		lf, rf := strings.Fields(left), strings.Fields(right)
		if !ok || len(lf) < 3 || len(rf) == 0 {
			return fail("want: <role> <environment kind> <operation> [field ...] -> <verdict> [reason]")
		}
		pc := policyCase{line: i + 1, text: strings.Join(strings.Fields(line), " "), want: verdict(rf[0])}
		switch {
		case pc.want == refuse && len(rf) == 2 && policyReasons[rf[1]] != nil:
			pc.reason = rf[1]
		case (pc.want == allow || pc.want == confirm) && len(rf) == 1:
		default:
			return fail("verdict: want allow, confirm, or refuse and one of disabled, role, environment, write-off, refused-field")
		}
		role, known := roles[lf[0]]
		kind := lf[1]
		if kind != KindSandbox && kind != KindProduction {
			return fail("environment kind %q: want %s or %s", kind, KindSandbox, KindProduction)
		}
		op, found := catalog.Lookup(lf[2])
		if !found || excluded(op.Name) {
			return fail("unknown operation %q", lf[2])
		}
		call := policyCall{
			principal: principal{roleSlug: lf[0], role: role, roleKnown: known, settings: settings},
			env:       environment{name: kind, kind: kind},
			op:        op,
		}
		for _, field := range lf[3:] {
			name, removal, hasRemoval := strings.Cut(field, ":")
			if _, ok := op.In[name]; !ok {
				return fail("%s takes no parameter %q", op.Name, name)
			}
			if hasRemoval {
				if op.Effect(name) != catalog.Replaces {
					return fail("%s.%s replaces nothing: %q means nothing", op.Name, name, field)
				}
				switch removal {
				case "removes":
					call.removes = true
				case "keeps":
				default:
					return fail("%q: want %s:removes or %s:keeps", field, name, name)
				}
			}
			call.fields = append(call.fields, name)
		}
		pc.call = call
		out = append(out, pc)
	}
	return out, nil
}

// TestPolicyTableParser: the parser refuses what it does not understand, so that a typo in a
// table fails instead of testing something else.
func TestPolicyTableParser(t *testing.T) {
	for _, bad := range []string{
		"admin sandbox organizations.list",
		"admin sandbox organizations.list -> maybe",
		"admin sandbox organizations.list -> refuse",
		"admin sandbox organizations.list -> refuse because",
		"admin sandbox organizations.list -> allow role",
		"admin staging organizations.list -> allow",
		"admin sandbox organisations.list -> allow",
		"admin sandbox sso.get_profile -> refuse role",
		"admin sandbox organizations.update colour -> allow",
		"admin sandbox organizations.update name:removes -> confirm",
		"admin sandbox organizations.update domains:maybe -> confirm",
		"settings production=no",
		"settings sandbox=off",
		"role x sandbox=admin production=read",
		"role x sandbox=read production=read areas=/organizations",
		"role x sandbox=read",
	} {
		if _, err := parsePolicyTable(bad); err == nil {
			t.Errorf("parsed %q", bad)
		}
	}
	cases, err := parsePolicyTable("# comment\n\nsettings write=off\nrole ops sandbox=write production=none\nops sandbox organizations.update id domains:removes -> refuse write-off\n")
	if err != nil || len(cases) != 1 {
		t.Fatalf("cases %v err %v", cases, err)
	}
	c := cases[0].call
	if c.roleSlug != "ops" || !c.roleKnown || c.role.Production != AccessNone || on(c.settings.AllowWrite) || !on(c.settings.AllowProduction) ||
		!c.removes || strings.Join(c.fields, ",") != "id,domains" || c.env.kind != KindSandbox {
		t.Errorf("parsed %+v", c)
	}
}
