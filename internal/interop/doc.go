// Package interop holds the interoperability tests: they build the real workos-mcp binary and
// drive it with the clients people use — the MCP conformance suite, the go-sdk client's OAuth
// flow (DCR and CIMD), mcp-remote, and headless Chromium on the sign-in pages.
//
// adversarial_test.go is different: it attacks the binary (`workos-mcp dev`, and `workos-mcp
// serve` on dev's authorization server and emulator) as a hostile agent would — the attacks of
// issue 9 and their variants, one row each — and proves from the emulator's own state, serve's
// upstream traffic and the server's log that each was refused (or confirmed) and changed
// nothing. It needs nothing but Go.
//
// The other tests need Node 22 and the npm packages of .ci/package.json (installed by .ci/run), and
// Chromium. Without them they skip with a message, except when CI=true, where they fail. Finding
// those tools and driving the browser is internal/interop/harness, shared with localauth/interop.
package interop
