package openapi_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/workos-mcp/workos-mcp/internal/openapi"
)

func ExampleValidatingHandler() {
	spec, err := openapi.Parse([]byte(`
openapi: 3.1.0
paths:
  /things/{id}:
    get:
      operationId: getThing
      responses:
        '200':
          content:
            application/json:
              schema: {type: object, required: [id], properties: {id: {type: string}}}
`))
	if err != nil {
		panic(err)
	}
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"name":"no id here"}`)
	})
	reports := make(chan error, 1)
	srv := httptest.NewServer(openapi.ValidatingHandler(spec, api, func(err error) { reports <- err }))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/things/t_1")
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(<-reports) // reported once the handler has returned
	// Output: GET /things/t_1 (getThing) -> 200: at '': missing property 'id'
}
