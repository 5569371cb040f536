// Package localauth is an AuthKit-compatible OAuth 2.1 authorization server
// that runs inside the process: the embedded default of `workos-mcp dev` and
// an offline stand-in for AuthKit in tests (like httptest, for OAuth; see
// package localauthtest).
//
// It serves AuthKit's own paths (see [Paths]): RFC 8414 metadata (also as
// OpenID configuration), /oauth2/authorize, /oauth2/token, /oauth2/register
// (RFC 7591), /oauth2/jwks, /oauth2/introspection (RFC 7662),
// /oauth2/userinfo, /oauth2/revoke (RFC 7009), and POST
// /authkit/oauth2/complete (Standalone Connect). People and organizations
// come from a [Directory]: a WorkOS environment read through the API
// ([WorkOSDirectory], real or emulated) or a seed file ([SeedDirectory]).
// State lives in SQLite at <DataDir>/localauth.db, or in memory.
//
// Decisions, once:
//   - PKCE S256 is required of every client; plain and a missing challenge
//     are refused. Codes are single-use and bound to client, redirect URI,
//     challenge and resource; a second use revokes the session they started.
//     A request that fails one of these checks doesn't spend the code.
//   - Access tokens are RS256 JWTs with AuthKit's claims; aud is the RFC 8707
//     resource, or the environment client ID (Options.ClientID) when none
//     was sent. Refresh tokens (with offline_access) rotate on every use; a
//     reused one revokes its whole session (sid), which also makes the
//     session's access tokens inactive at introspection and userinfo.
//   - Codes, refresh tokens and client secrets are stored as SHA-256 hashes.
//   - Loopback http redirect URIs match on any port (RFC 8252 §7.3). A bad
//     client or redirect URI gets an error page, never a redirect.
//   - Client ID Metadata Documents are fetched over https only, through a
//     dialer that refuses loopback, private, link-local, metadata and
//     unspecified addresses (and NAT64/6to4 forms of them) after DNS
//     resolution (no rebinding), through no proxy or caller-supplied
//     dialer, without redirects, within 5s and 32 KiB, and cached for 5
//     minutes.
//   - Sign-in, organization choice and consent are server-rendered pages
//     bound to the browser that first opened them (a cookie whose value is
//     also the forms' CSRF token), framed by no one, loading nothing
//     external.
//   - DCR clients that don't name token_endpoint_auth_method are public
//     ("none"): MCP clients are, and the response says so. Clients that
//     don't name grant_types get authorization_code and refresh_token; a
//     client registered without refresh_token gets no refresh token, and
//     the refresh grant answers it unauthorized_client.
package localauth
