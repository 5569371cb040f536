// Package interop holds localauth's interoperability tests: real clients
// (the go-sdk OAuth client, headless Chromium, the MCP conformance suite)
// against a real localauth server and an authkit-protected MCP server. It
// lives apart from localauth so that localauth's own tests don't depend on
// authkit. The browser, Node and the conformance suite are found and driven by
// internal/interop/harness, as for the binary's suite.
package interop
