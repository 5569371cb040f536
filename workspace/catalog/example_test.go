package catalog_test

import (
	"fmt"

	"github.com/workos-mcp/workos-mcp/workspace/catalog"
)

func ExampleSearch() {
	for _, op := range catalog.Search("delete organization", catalog.Destructive)[:2] {
		fmt.Println(op.Name, op.Method, op.Path)
	}
	// Output:
	// organizations.delete DELETE /organizations/{id}
	// organization_domains.delete DELETE /organization_domains/{id}
}

func ExampleOperation_Request() {
	op, _ := catalog.Lookup("organizations.update")
	params := map[string]any{"id": "org_01EHZNVPK3SFK441A1RGBFSHRT", "name": "Acme, Inc."}
	if err := op.ValidateParams(params); err != nil {
		fmt.Println(err)
		return
	}
	path, query, body, _ := op.Request(params)
	fmt.Println(op.Method, path, query.Encode(), body, op.Class)
	// Output: PUT /organizations/org_01EHZNVPK3SFK441A1RGBFSHRT  map[name:Acme, Inc.] write
}

func ExampleOperation_ValidateParams() {
	op, _ := catalog.Lookup("organizations.list")
	fmt.Println(op.ValidateParams(map[string]any{"limit": 500}))
	// Output: organizations.list: invalid parameters: at '/limit': maximum: got 500, want 100
}
