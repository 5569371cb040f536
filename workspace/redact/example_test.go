package redact_test

import (
	"fmt"

	"github.com/workos-mcp/workos-mcp/workspace/redact"
)

func ExampleRedactor_JSON() {
	r := redact.New()
	out, n := r.JSON([]byte(`{"object":"webhook_endpoint","id":"we_01H","secret":"whsec_abc123","endpoint_url":"https://example.com/hook"}`))
	fmt.Println(string(out), n)
	// Output: {"object":"webhook_endpoint","id":"we_01H","secret":"[REDACTED]","endpoint_url":"https://example.com/hook"} 1
}

func ExampleRedactor_Text() {
	r := redact.New("my-environment-api-key")
	fmt.Println(r.Text("upstream rejected my-environment-api-key and sk_live_a1b2c3d4 for org_01H"))
	// Output: upstream rejected [REDACTED] and [REDACTED] for org_01H
}
