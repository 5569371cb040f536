package catalog_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/workos-mcp/workos-mcp/internal/openapi/openapitest"
	"github.com/workos-mcp/workos-mcp/workspace/catalog"
)

var update = flag.Bool("update", false, "rewrite testdata/catalog.golden")

// TestGolden pins every name, class and flag: a renamed or reclassified operation is a reviewed
// diff of testdata/catalog.golden (go test ./workspace/catalog -run Golden -update).
func TestGolden(t *testing.T) {
	var b strings.Builder
	for _, op := range catalog.All() {
		flags := ""
		if op.SendsEmail {
			flags += " sends_email"
		}
		if op.Idempotent {
			flags += " idempotent"
		}
		fmt.Fprintf(&b, "%-58s %-11s %-17s %-6s %s%s\n", op.Name, op.Class, op.Area, op.Method, op.Path, flags)
	}
	b.WriteString("\n# excluded\n")
	for _, x := range catalog.Excluded() {
		fmt.Fprintf(&b, "%-58s %-6s %s\n", x.Name, x.Method, x.Path)
	}
	// Every body field of every write operation with its effect, and how a replacing field is
	// compared with what exists: a new field in the spec, or a changed effect, is a reviewed diff.
	b.WriteString("\n# body field effects of write operations\n")
	for _, op := range catalog.All() {
		fields := make([]string, 0, len(op.Effects))
		for f := range op.Effects {
			fields = append(fields, f)
		}
		sort.Strings(fields)
		for _, f := range fields {
			line := fmt.Sprintf("%-58s %-36s %s", op.Name, f, op.Effects[f])
			if r, ok := op.Replacement(f); ok {
				if r.Read == "" {
					line += " (current value not readable: always confirmed)"
				} else {
					line += fmt.Sprintf(" (compared with GET %s .%s)", r.Read, r.Current)
				}
			}
			b.WriteString(line + "\n")
		}
	}
	golden := filepath.Join("testdata", "catalog.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got := b.String(); got != string(want) {
		t.Errorf("catalog differs from %s; review and run with -update:\n%s", golden, diff(string(want), got))
	}
}

func diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	inW, inG := map[string]bool{}, map[string]bool{}
	for _, l := range w {
		inW[l] = true
	}
	for _, l := range g {
		inG[l] = true
	}
	var b strings.Builder
	for _, l := range w {
		if !inG[l] {
			b.WriteString("- " + l + "\n")
		}
	}
	for _, l := range g {
		if !inW[l] {
			b.WriteString("+ " + l + "\n")
		}
	}
	return b.String()
}

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$`)

func TestNamesUniqueAndWellFormed(t *testing.T) {
	seen := map[string]bool{}
	keys := map[string]string{}
	all := catalog.All()
	for i, op := range all {
		if !nameRE.MatchString(op.Name) || op.Name != op.Resource+"."+op.Action {
			t.Errorf("bad name %q (resource %q, action %q)", op.Name, op.Resource, op.Action)
		}
		if seen[op.Name] {
			t.Errorf("duplicate name %s", op.Name)
		}
		seen[op.Name] = true
		if other, dup := keys[op.Method+" "+op.Path]; dup {
			t.Errorf("%s and %s are the same operation", other, op.Name)
		}
		keys[op.Method+" "+op.Path] = op.Name
		if i > 0 && all[i-1].Name >= op.Name {
			t.Errorf("All() not sorted at %s", op.Name)
		}
		if got, ok := catalog.Lookup(op.Name); !ok || got != op {
			t.Errorf("Lookup(%s) = %v %v", op.Name, got, ok)
		}
		if op.Description == "" || !strings.HasSuffix(op.Description, ".") {
			t.Errorf("%s: description %q", op.Name, op.Description)
		}
		switch op.Class {
		case catalog.Read, catalog.Write, catalog.Destructive:
		default:
			t.Errorf("%s: class %q", op.Name, op.Class)
		}
	}
	for _, x := range catalog.Excluded() {
		if seen[x.Name] {
			t.Errorf("%s is both in the catalog and excluded", x.Name)
		}
		seen[x.Name] = true
		if x.Reason == "" {
			t.Errorf("%s excluded without a reason", x.Name)
		}
		if _, ok := catalog.Lookup(x.Name); ok {
			t.Errorf("excluded %s found by Lookup", x.Name)
		}
	}
	if n := len(all) + len(catalog.Excluded()); n != catalog.SpecOperations() {
		t.Errorf("%d operations + exclusions, spec had %d", n, catalog.SpecOperations())
	}
	if _, ok := catalog.Lookup("organizations.nope"); ok {
		t.Error("Lookup of an unknown name succeeded")
	}
}

// TestClasses pins the decisions the guardrails rest on.
func TestClasses(t *testing.T) {
	want := map[string]catalog.Class{
		"organizations.list":                   catalog.Read,
		"organizations.get":                    catalog.Read,
		"organizations.create":                 catalog.Write,
		"organizations.update":                 catalog.Write,
		"organizations.delete":                 catalog.Destructive,
		"connections.delete":                   catalog.Destructive,
		"directories.delete":                   catalog.Destructive,
		"users.delete":                         catalog.Destructive,
		"sessions.revoke":                      catalog.Destructive,
		"invitations.revoke":                   catalog.Destructive,
		"api_keys.delete":                      catalog.Destructive,
		"webhook_endpoints.delete":             catalog.Destructive,
		"organization_memberships.deactivate":  catalog.Write,
		"organization_memberships.reactivate":  catalog.Write,
		"organization_memberships.delete":      catalog.Destructive,
		"directory_users.list":                 catalog.Read,
		"users.list":                           catalog.Read,
		"webhook_endpoints.list":               catalog.Read,
		"audit_log_exports.create":             catalog.Read,
		"authorization.check":                  catalog.Read,
		"feature_flags.disable":                catalog.Write,
		"invitations.send":                     catalog.Write,
		"portal_links.create":                  catalog.Write,
		"audit_log_retention.update":           catalog.Destructive,
		"membership_role_assignments.delete":   catalog.Destructive,
		"group_members.remove":                 catalog.Destructive,
		"organization_domains.delete":          catalog.Destructive,
		"application_client_secrets.delete":    catalog.Destructive,
		"user_authorized_applications.delete":  catalog.Destructive,
		"organization_roles.remove_permission": catalog.Destructive,
	}
	for name, class := range want {
		op, ok := catalog.Lookup(name)
		if !ok {
			t.Errorf("%s missing", name)
			continue
		}
		if op.Class != class {
			t.Errorf("%s: class %s, want %s", name, op.Class, class)
		}
	}
	for _, op := range catalog.All() {
		if op.Method == "GET" && op.Class != catalog.Read {
			t.Errorf("%s: GET classed %s", op.Name, op.Class)
		}
		if op.Method == "DELETE" && op.Class == catalog.Read {
			t.Errorf("%s: DELETE classed read", op.Name)
		}
	}
	for _, name := range []string{"invitations.send", "invitations.resend", "magic_auth.create", "password_resets.create", "users.send_verification_email"} {
		if op, ok := catalog.Lookup(name); !ok || !op.SendsEmail {
			t.Errorf("%s should be marked SendsEmail", name)
		}
	}
	excluded := map[string]bool{}
	for _, x := range catalog.Excluded() {
		excluded[x.Name] = true
	}
	for _, name := range []string{
		"organization_api_keys.create", "user_api_keys.create", "application_client_secrets.create",
		"sso.token", "sso.authorize", "user_management.authenticate", "user_management.authorize",
		"invitations.accept", "authkit.complete_login", "widgets.create_token", "client_tokens.create",
		"vault_keys.rekey", "auth_factors.enroll",
	} {
		if !excluded[name] {
			t.Errorf("%s should be excluded", name)
		}
	}
}

// TestCoversSpec: every operation of the spec is either in the catalog or excluded, and the
// descriptions are ours, not the spec's.
func TestCoversSpec(t *testing.T) {
	spec := openapitest.Spec(t)
	byKey := map[string]string{}
	for _, op := range catalog.All() {
		byKey[op.Method+" "+shape(op.Path)] = op.Name
	}
	for _, x := range catalog.Excluded() {
		byKey[x.Method+" "+shape(x.Path)] = x.Name
	}
	for _, sop := range spec.Operations {
		name, ok := byKey[sop.Method+" "+shape(sop.Path)]
		if !ok {
			t.Errorf("spec operation %s (%s) is neither in the catalog nor excluded: run go generate ./workspace/catalog", sop.Key(), sop.ID)
			continue
		}
		op, inCatalog := catalog.Lookup(name)
		if !inCatalog {
			continue
		}
		if op.SendsEmail != sop.SendsEmail && !op.SendsEmail {
			t.Errorf("%s: SendsEmail false, spec says x-sends-email", name)
		}
		ours := strings.ToLower(strings.TrimSuffix(op.Description, "."))
		for _, prose := range []string{sop.Summary, sop.Description} {
			if p := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(prose), ".")); p != "" && (p == ours || strings.Contains(p, ours) && len(ours) > 30) {
				t.Errorf("%s: description copies the spec's prose: %q", name, op.Description)
			}
		}
	}
	if len(spec.Operations) != catalog.SpecOperations() {
		t.Errorf("spec has %d operations, catalog was generated from %d: run go generate ./workspace/catalog", len(spec.Operations), catalog.SpecOperations())
	}
}

// shape replaces path parameter names with {} so that a renamed placeholder still matches.
func shape(p string) string {
	return regexp.MustCompile(`\{[^}]*\}`).ReplaceAllString(p, "{}")
}

var ourParamDescriptions = regexp.MustCompile(`^(Page size, 1 to 100\.|Cursor: .*|Sort order by creation time\.|ID of the .*|Slug of the .*|Your external ID of the .*|Path parameter: .*)$`)

func TestParamsSchemas(t *testing.T) {
	for _, op := range catalog.All() {
		if _, err := op.Schema(); err != nil {
			t.Errorf("%s: %v", op.Name, err)
			continue
		}
		var s struct {
			Type                 string                     `json:"type"`
			Properties           map[string]json.RawMessage `json:"properties"`
			Required             []string                   `json:"required"`
			AdditionalProperties *bool                      `json:"additionalProperties"`
		}
		if err := json.Unmarshal(op.Params, &s); err != nil {
			t.Errorf("%s: %v", op.Name, err)
			continue
		}
		if s.Type != "object" || s.AdditionalProperties == nil || *s.AdditionalProperties {
			t.Errorf("%s: params must be a closed object", op.Name)
		}
		if len(s.Properties) != len(op.In) {
			t.Errorf("%s: %d properties, %d locations", op.Name, len(s.Properties), len(op.In))
		}
		for name := range s.Properties {
			if _, ok := op.In[name]; !ok {
				t.Errorf("%s: property %s has no location", op.Name, name)
			}
		}
		for _, seg := range strings.Split(op.Path, "/") {
			if strings.HasPrefix(seg, "{") {
				name := strings.Trim(seg, "{}")
				if op.In[name] != catalog.InPath || !contains(op.Required, name) {
					t.Errorf("%s: path parameter %s must be a required path param", op.Name, name)
				}
			}
		}
		if strings.Join(s.Required, ",") != strings.Join(op.Required, ",") {
			t.Errorf("%s: schema requires %v, Required says %v", op.Name, s.Required, op.Required)
		}
		checkDescriptions(t, op.Name, op.Params)
	}
}

// checkDescriptions fails on any "description" in a params schema that is not one of ours.
func checkDescriptions(t *testing.T, name string, raw []byte) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	var walk func(v any, inProps bool)
	walk = func(v any, inProps bool) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if k == "description" && !inProps {
					if s, _ := e.(string); !ourParamDescriptions.MatchString(s) {
						t.Errorf("%s: description %q is not ours", name, s)
					}
					continue
				}
				walk(e, k == "properties" && !inProps)
			}
		case []any:
			for _, e := range x {
				walk(e, false)
			}
		}
	}
	walk(v, false)
}

func contains(s []string, x string) bool {
	for _, e := range s {
		if e == x {
			return true
		}
	}
	return false
}

func TestValidateParams(t *testing.T) {
	get, _ := catalog.Lookup("organizations.get")
	list, _ := catalog.Lookup("organizations.list")
	create, _ := catalog.Lookup("users.create")
	cases := []struct {
		op     *catalog.Operation
		params string
		ok     bool
		want   string
	}{
		{get, `{"id":"org_1"}`, true, ""},
		{get, `{}`, false, "id"},
		{get, `{"id":"org_1","bogus":1}`, false, "bogus"},
		{get, `{"id":7}`, false, "string"},
		{list, `{}`, true, ""},
		{list, `{"limit":10,"order":"desc","domains":["a.com"]}`, true, ""},
		{list, `{"limit":1000}`, false, "limit"},
		{list, `{"order":"sideways"}`, false, "order"},
		{create, `{"email":"a@example.com","first_name":"A"}`, true, ""},
		{create, `{"first_name":"A"}`, false, "email"},
		{create, `{"email":"a@example.com","password":"x","password_hash":"y","password_hash_type":"bcrypt"}`, false, ""},
		{get, `[1]`, false, "object"},
		{get, `not json`, false, "not JSON"},
		{create, `{"email":"secret-value-not-an-email"}`, false, "at '/email': is not a valid email"},
	}
	for _, c := range cases {
		err := c.op.ValidateParams(json.RawMessage(c.params))
		if (err == nil) != c.ok {
			t.Errorf("%s %s: err = %v, want ok=%v", c.op.Name, c.params, err, c.ok)
			continue
		}
		if err != nil && !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %s: error %q does not mention %q", c.op.Name, c.params, err, c.want)
		}
	}
	if err := create.ValidateParams(json.RawMessage(`{"email":"secret-value-not-an-email"}`)); err == nil || strings.Contains(err.Error(), "secret-value") {
		t.Errorf("error echoes the parameter's value: %v", err)
	}
	if err := get.ValidateParams(map[string]any{"id": "org_1"}); err != nil {
		t.Errorf("map params: %v", err)
	}
}

func TestRequest(t *testing.T) {
	list, _ := catalog.Lookup("organizations.list")
	path, q, body, err := list.Request(map[string]any{"domains": []any{"a.com", "b.com"}, "limit": float64(5)})
	if err != nil || path != "/organizations" || q.Get("limit") != "5" || body != nil {
		t.Fatalf("list: %q %v %v %v", path, q, body, err)
	}
	if got := q["domains"]; len(got) != 1 || got[0] != "a.com,b.com" {
		t.Errorf("domains (explode=false) sent as %v, want one comma-joined value", got)
	}
	upd, _ := catalog.Lookup("organizations.update")
	// A path parameter is one segment of an ID-like grammar: "org/1" used to be sent escaped
	// (org%2F1); issue 9 refuses it, as it does ".." and the other ways to bend a path.
	for _, bad := range []string{"org/1", "..", ".", "%2e%2e", "a b", `a\b`, "x?y"} {
		if _, _, _, err := upd.Request(map[string]any{"id": bad, "name": "Acme"}); err == nil || !strings.Contains(err.Error(), `path parameter "id"`) {
			t.Errorf("update with id %q: %v, want a refusal naming the parameter", bad, err)
		}
	}
	path, q, body, err = upd.Request(map[string]any{"id": "auth0|1", "name": "Acme"})
	if err != nil || path != "/organizations/auth0%7C1" || len(q) != 0 {
		t.Fatalf("update: %q %v %v", path, q, err)
	}
	if m, ok := body.(map[string]any); !ok || m["name"] != "Acme" || m["id"] != nil {
		t.Errorf("update body = %#v", body)
	}
	addPerm, _ := catalog.Lookup("roles.add_permission")
	path, _, body, err = addPerm.Request(map[string]any{"role_slug": "admin", "slug": "users:read"})
	if err != nil || path != "/authorization/roles/admin/permissions" {
		t.Fatalf("add_permission: %q %v", path, err)
	}
	if m, _ := body.(map[string]any); m["slug"] != "users:read" {
		t.Errorf("add_permission body = %#v", body)
	}
	if _, _, _, err := upd.Request(map[string]any{"name": "x"}); err == nil {
		t.Error("missing path parameter accepted")
	}
	if _, _, _, err := upd.Request(map[string]any{"id": "o", "nope": 1}); err == nil {
		t.Error("unknown parameter accepted")
	}
	raw := &catalog.Operation{Name: "things.replace", Method: "PUT", Path: "/things/{id}",
		In: map[string]catalog.ParamIn{"id": catalog.InPath, catalog.BodyParam: catalog.InBody}}
	if _, _, body, err := raw.Request(map[string]any{"id": "t", "body": []any{"a", "b"}}); err != nil || fmt.Sprint(body) != "[a b]" {
		t.Errorf("a non-object body: %v %v, want it sent as is", body, err)
	}
	del, _ := catalog.Lookup("organizations.delete")
	if _, _, body, err := del.Request(map[string]any{"id": "org_1"}); err != nil || body != nil {
		t.Errorf("delete: body %v err %v", body, err)
	}
}

func TestSearch(t *testing.T) {
	first := func(words string, classes ...catalog.Class) string {
		r := catalog.Search(words, classes...)
		if len(r) == 0 {
			return ""
		}
		return r[0].Name
	}
	cases := map[string]string{
		"delete organization": "organizations.delete",
		"delete org":          "organizations.delete",
		"organizations list":  "organizations.list",
		"directory users":     "directory_users.list",
		"webhook":             "webhook_endpoints.list",
		"revoke session":      "sessions.revoke",
		"invite":              "invitations.send",
	}
	for words, want := range cases {
		if got := first(words); got != want {
			t.Errorf("Search(%q)[0] = %s, want %s", words, got, want)
		}
	}
	for _, op := range catalog.Search("", catalog.Read) {
		if op.Class != catalog.Read {
			t.Errorf("Search read returned %s (%s)", op.Name, op.Class)
		}
	}
	if n := len(catalog.Search("")); n != len(catalog.All()) {
		t.Errorf("empty search returned %d of %d", n, len(catalog.All()))
	}
	if r := catalog.Search("delete organization", catalog.Read); len(r) != 0 {
		t.Errorf("read-only search for delete returned %s", r[0].Name)
	}
	if r := catalog.Search("xyzzy"); len(r) != 0 {
		t.Errorf("nonsense matched %s", r[0].Name)
	}
	for _, op := range catalog.Search("api key create") {
		if op.Name == "organization_api_keys.create" || op.Name == "user_api_keys.create" {
			t.Errorf("excluded %s found by Search", op.Name)
		}
	}
}
