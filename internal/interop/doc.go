// Package interop holds the interoperability tests: they build the real workos-mcp binary and
// drive it with the clients people use — the MCP conformance suite, the go-sdk client's OAuth
// flow (DCR and CIMD), mcp-remote, and headless Chromium on the sign-in pages.
//
// The tests need Node 22 and the npm packages of .ci/package.json (installed by .ci/run), and
// Chromium. Without them they skip with a message, except when CI=true, where they fail.
package interop
