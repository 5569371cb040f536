// Package harness is what the interoperability suites (internal/interop for the binary,
// localauth/interop for the authorization server as a library) share to drive the clients people
// use: headless Chromium over the DevTools pipe, Node 22 and the npm tools of .ci/package.json
// (the MCP conformance suite, mcp-remote), and the CI artifacts directory .ci/out.
//
// One rule decides what happens when a tool is missing: the test skips with a message saying how
// to get it, except under CI=true, where it fails — CI must never pass by skipping.
//
// It imports testing and is imported only by tests; the binary never links it.
package harness
