// Package localauth is an AuthKit-compatible OAuth 2.1 authorization server
// that runs inside the process: the embedded default of `workos-mcp dev` and
// an offline stand-in for AuthKit in tests (like httptest, for OAuth).
//
// It serves AuthKit's own paths (RFC 8414 metadata, /oauth2/authorize,
// /oauth2/token, /oauth2/register, /oauth2/jwks, introspection, userinfo,
// revocation), issues RS256 access tokens with AuthKit's claims, and reads
// people and organizations from a [Directory]: a WorkOS environment through
// the API ([WorkOSDirectory], real or emulated) or a seed file
// ([SeedDirectory]). State lives in SQLite under Options.DataDir, or in
// memory.
package localauth
