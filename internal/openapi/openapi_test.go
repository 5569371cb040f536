package openapi_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/workos-mcp/workos-mcp/internal/openapi"
	"github.com/workos-mcp/workos-mcp/internal/openapi/openapitest"
)

// fixture is a small spec written for these tests (not taken from the WorkOS document).
const fixture = `
openapi: 3.1.0
paths:
  /widgets:
    get:
      operationId: listWidgets
      parameters:
        - {name: limit, in: query, schema: {type: integer}}
      responses:
        '200':
          content:
            application/json:
              schema: {$ref: '#/components/schemas/WidgetList'}
  /widgets/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string}}
    get:
      operationId: getWidget
      responses:
        '200':
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Widget'}
        '404':
          content:
            application/json:
              schema: {type: object, required: [message], properties: {message: {type: string}}}
    delete:
      operationId: deleteWidget
      x-sends-email: true
      responses:
        '204': {description: gone}
  /widgets/by_name/{name}:
    get:
      operationId: getWidgetByName
      parameters:
        - {name: name, in: path, required: true, schema: {type: string}}
      responses:
        '200':
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Widget'}
components:
  schemas:
    Widget:
      type: object
      required: [object, id, id]
      properties:
        object: {const: widget}
        id: {type: string}
        size: {type: [integer, "null"]}
    WidgetList:
      type: object
      required: [data]
      properties:
        data: {type: array, items: {$ref: '#/components/schemas/Widget'}}
`

func parseFixture(t *testing.T) *openapi.Spec {
	t.Helper()
	s, err := openapi.Parse([]byte(fixture))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestParseOperations(t *testing.T) {
	s := parseFixture(t)
	var keys []string
	for _, op := range s.Operations {
		keys = append(keys, op.Key()+"="+op.ID)
	}
	want := "GET /widgets=listWidgets,GET /widgets/by_name/{name}=getWidgetByName,DELETE /widgets/{id}=deleteWidget,GET /widgets/{id}=getWidget"
	if got := strings.Join(keys, ","); got != want {
		t.Fatalf("operations:\n got %s\nwant %s", got, want)
	}
	del, ok := s.Operation("delete", "/widgets/{id}")
	if !ok || !del.SendsEmail {
		t.Fatalf("deleteWidget: found %v, SendsEmail %v", ok, del != nil && del.SendsEmail)
	}
	if len(del.Parameters) != 1 || del.Parameters[0].Name != "id" || !del.Parameters[0].Required {
		t.Fatalf("path-level parameter not inherited: %+v", del.Parameters)
	}
}

func TestFindPrefersLiteralSegments(t *testing.T) {
	s := parseFixture(t)
	cases := []struct{ method, path, op, param, value string }{
		{"GET", "/widgets", "listWidgets", "", ""},
		{"GET", "/widgets/w_1?x=1", "getWidget", "id", "w_1"},
		{"get", "/widgets/by_name/big", "getWidgetByName", "name", "big"},
		{"DELETE", "/widgets/by_name", "deleteWidget", "id", "by_name"},
	}
	for _, c := range cases {
		op, vals, ok := s.Find(c.method, c.path)
		if !ok || op.ID != c.op {
			t.Errorf("Find(%s %s) = %v %v, want %s", c.method, c.path, op, ok, c.op)
			continue
		}
		if c.param != "" && vals[c.param] != c.value {
			t.Errorf("Find(%s %s) params %v, want %s=%s", c.method, c.path, vals, c.param, c.value)
		}
	}
	if _, _, ok := s.Find("POST", "/widgets"); ok {
		t.Error("POST /widgets found; the fixture has no such operation")
	}
	if _, _, ok := s.Find("GET", "/widgets/a/b/c"); ok {
		t.Error("GET /widgets/a/b/c found")
	}
}

func TestValidateResponse(t *testing.T) {
	s := parseFixture(t)
	ok := []struct {
		method, path string
		status       int
		body         string
	}{
		{"GET", "/widgets/w_1", 200, `{"object":"widget","id":"w_1","size":null}`},
		{"GET", "/widgets/w_1", 200, `{"object":"widget","id":"w_1","size":3}`},
		{"GET", "/widgets/w_1", 404, `{"message":"nope"}`},
		{"GET", "/widgets", 200, `{"data":[{"object":"widget","id":"a"}]}`},
		{"DELETE", "/widgets/w_1", 204, ``},
	}
	for _, c := range ok {
		if err := s.ValidateResponse(c.method, c.path, c.status, []byte(c.body)); err != nil {
			t.Errorf("%s %s %d %s: %v", c.method, c.path, c.status, c.body, err)
		}
	}
	bad := []struct {
		method, path string
		status       int
		body, want   string
		is           error
	}{
		{"GET", "/widgets/w_1", 200, `{"object":"gadget","id":"w_1"}`, "getWidget", nil},
		{"GET", "/widgets/w_1", 200, `{"object":"widget"}`, "missing", nil},
		{"GET", "/widgets/w_1", 200, `{"object":"widget","id":"w_1","size":"big"}`, "size", nil},
		{"GET", "/widgets", 200, `{"data":[{"id":1}]}`, "listWidgets", nil},
		{"GET", "/widgets/w_1", 200, `not json`, "not JSON", nil},
		{"GET", "/widgets/w_1", 200, ``, "empty body", nil},
		{"DELETE", "/widgets/w_1", 204, `{}`, "204", nil},
		{"GET", "/widgets/w_1", 500, `{}`, "documented: 200, 404", openapi.ErrUndocumentedStatus},
		{"GET", "/gadgets", 200, `{}`, "not in spec", openapi.ErrNotInSpec},
	}
	for _, c := range bad {
		err := s.ValidateResponse(c.method, c.path, c.status, []byte(c.body))
		if err == nil {
			t.Errorf("%s %s %d %s: no error", c.method, c.path, c.status, c.body)
			continue
		}
		var ve *openapi.ValidationError
		if !errors.As(err, &ve) || ve.Status != c.status {
			t.Errorf("%s %s: error %T %v is not a *ValidationError with status %d", c.method, c.path, err, err, c.status)
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %s %d %s: error %q does not mention %q", c.method, c.path, c.status, c.body, err, c.want)
		}
		if c.is != nil && !errors.Is(err, c.is) {
			t.Errorf("%s %s: error %v is not %v", c.method, c.path, err, c.is)
		}
	}
}

func TestValidatingHandler(t *testing.T) {
	s := parseFixture(t)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /widgets/{id}", func(w http.ResponseWriter, r *http.Request) {
		switch r.PathValue("id") {
		case "good":
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			io.WriteString(w, `{"object":"widget","id":"good"}`)
		case "badct":
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, `{"object":"widget","id":"badct"}`)
		default:
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"object":"widget"}`)
		}
	})
	var mu sync.Mutex
	var reports []error
	srv := httptest.NewServer(openapi.ValidatingHandler(s, mux, func(err error) {
		mu.Lock()
		defer mu.Unlock()
		reports = append(reports, err)
	}))
	defer srv.Close()
	for _, id := range []string{"good", "badct", "bad"} {
		resp, err := http.Get(srv.URL + "/widgets/" + id)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"object":"widget"`) {
			t.Fatalf("%s: the wrapped response changed: %d %s", id, resp.StatusCode, body)
		}
	}
	srv.Close() // waits for the handlers, which report after responding
	mu.Lock()
	defer mu.Unlock()
	if len(reports) != 2 {
		t.Fatalf("reports = %v, want 2 (badct, bad)", reports)
	}
	if !strings.Contains(reports[0].Error(), "Content-Type") || !strings.Contains(reports[1].Error(), "/widgets/bad ") {
		t.Fatalf("reports = %v", reports)
	}
}

func TestSpecPath(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "spec.yaml")
	if err := os.WriteFile(p, []byte(fixture), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(openapi.EnvSpecPath, p)
	got, err := openapi.SpecPath()
	if err != nil || got != p {
		t.Fatalf("SpecPath() = %q, %v; want %q", got, err, p)
	}
	s, err := openapi.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if s2, _ := openapi.Load(p); s2 != s {
		t.Fatal("Load parsed the same file twice")
	}
	t.Setenv(openapi.EnvSpecPath, filepath.Join(dir, "missing.yaml"))
	if _, err := openapi.SpecPath(); !errors.Is(err, openapi.ErrSpecNotFound) {
		t.Fatalf("missing spec: err = %v, want ErrSpecNotFound", err)
	}
}

func TestParseRejectsBadDocuments(t *testing.T) {
	for _, doc := range []string{"", "[1,2]", "openapi: 3.0.0\npaths: {/a: {get: {}}}", "openapi: 3.1.0\npaths: {}", "openapi: 3.1.0\npaths: {/a: {get: {parameters: [{in: query}]}}}"} {
		if _, err := openapi.Parse([]byte(doc)); err == nil {
			t.Errorf("Parse(%q) accepted", doc)
		}
	}
}

// The WorkOS spec itself: every documented response schema compiles, and path lookup picks the
// specific template over the generic one.
func TestWorkOSSpec(t *testing.T) {
	s := openapitest.Spec(t)
	if len(s.Operations) < 100 {
		t.Fatalf("only %d operations", len(s.Operations))
	}
	n := 0
	for _, op := range s.Operations {
		if op.ID == "" {
			t.Errorf("%s has no operationId", op.Key())
		}
		for _, r := range op.Responses {
			if r.Schema == nil {
				continue
			}
			if _, err := s.Schema(r.Pointer); err != nil {
				t.Errorf("%s %s: %v", op.Key(), r.Status, err)
			}
			n++
		}
	}
	t.Logf("%d operations, %d response schemas compiled", len(s.Operations), n)

	op, vals, ok := s.Find("GET", "/organizations/external_id/ext_1")
	if !ok || op.Path != "/organizations/external_id/{external_id}" || vals["external_id"] != "ext_1" {
		t.Fatalf("Find external_id: %v %v %v", op, vals, ok)
	}
	if op, _, ok := s.Find("GET", "/organizations/org_1"); !ok || op.Path != "/organizations/{id}" {
		t.Fatalf("Find org: %v %v", op, ok)
	}
	if op, ok := s.Operation("POST", "/user_management/invitations"); !ok || !op.SendsEmail {
		t.Fatal("POST /user_management/invitations should carry x-sends-email")
	}

	org := `{"object":"organization","id":"org_01","name":"Acme","domains":[],"metadata":{},` +
		`"external_id":null,"allow_profiles_outside_organization":false,` +
		`"created_at":"2026-01-15T12:00:00.000Z","updated_at":"2026-01-15T12:00:00.000Z"}`
	if err := s.ValidateResponse("GET", "/organizations/org_01", 200, []byte(org)); err != nil {
		t.Errorf("a well-formed organization fails: %v", err)
	}
	list := `{"object":"list","data":[` + org + `],"list_metadata":{"before":null,"after":null}}`
	if err := s.ValidateResponse("GET", "/organizations", 200, []byte(list)); err != nil {
		t.Errorf("a well-formed organization list fails: %v", err)
	}
	if err := s.ValidateResponse("GET", "/organizations", 200, []byte(`{"object":"list","data":[{"id":"org_01"}]}`)); err == nil {
		t.Error("a list without list_metadata and with a partial organization passes")
	}
}

func TestSchemaErrorsDoNotEchoValues(t *testing.T) {
	s, err := openapi.Parse([]byte(`
openapi: 3.1.0
paths:
  /keys:
    get:
      responses:
        '200':
          content:
            application/json:
              schema:
                type: object
                properties:
                  key: {type: string, pattern: '^pk_'}
                  email: {type: string, format: email}
                  n: {type: integer}
`))
	if err != nil {
		t.Fatal(err)
	}
	err = s.ValidateResponse("GET", "/keys", 200, []byte(`{"key":"sk_live_SECRETVALUE","n":"x"}`))
	if err == nil {
		t.Fatal("a key that breaks its pattern passed")
	}
	if strings.Contains(err.Error(), "SECRETVALUE") {
		t.Fatalf("error echoes the value: %v", err)
	}
	for _, want := range []string{"at '/key': does not match pattern", "at '/n': got string, want integer"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestValidateRequest(t *testing.T) {
	s := openapitest.Spec(t)
	cases := []struct {
		method, path, body string
		ok                 bool
	}{
		{"POST", "/organizations", `{"name":"Acme","domain_data":[{"domain":"acme.test","state":"pending"}]}`, true},
		{"POST", "/organizations", `{"domain_data":[]}`, false},
		{"POST", "/organizations", ``, false},
		{"POST", "/organizations", `{"name":3}`, false},
		{"PUT", "/user_management/organization_memberships/om_1/deactivate", ``, true},
		{"GET", "/organizations", `{"x":1}`, false},
		{"POST", "/nowhere", `{}`, false},
	}
	for _, c := range cases {
		err := s.ValidateRequest(c.method, c.path, []byte(c.body))
		if (err == nil) != c.ok {
			t.Errorf("%s %s %s: err = %v, want ok=%v", c.method, c.path, c.body, err, c.ok)
		}
	}
}
