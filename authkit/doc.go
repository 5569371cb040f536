// Package authkit protects an MCP server with WorkOS AuthKit (or any OAuth 2.1
// authorization server that publishes RFC 8414 metadata and a JWKS).
//
// The MCP server is the OAuth resource server. authkit serves the RFC 9728
// protected resource metadata, passes the authorization server's RFC 8414
// metadata through for older clients, verifies bearer tokens (JWT, RS256 by
// default) against the issuer's JWKS, answers RFC 6750 challenges, and puts a
// [Session] in the request context. It is plain net/http middleware, so it
// protects a server built on any Go MCP library; go-sdk tool handlers see the
// session through req.Extra.TokenInfo ([SessionFromTokenInfo]) and mcp-go
// handlers through the adapter in authkit/mcpgo. In front of a handler that
// takes the verified token itself (mcpfast's: a WithTokenInfo method), the
// token is handed over directly instead of through go-sdk's auth middleware,
// which would copy the request again and parse the header again.
//
// Decisions worth knowing:
//   - aud must contain the resource URL (RFC 8707) or a configured audience;
//     the WorkOS client ID is accepted automatically, because AuthKit puts it in
//     aud when the client sent no resource parameter.
//   - A token's kid that is not in the cached JWKS causes at most one refetch
//     per [Config.JWKSMinRefetchInterval], shared by all concurrent requests; a
//     forged token with a known kid causes none; cached keys keep working while
//     the authorization server is down.
//   - Verified tokens are cached by their SHA-256 until they expire, so the hot
//     path costs a hash and a map lookup.
//   - Expired tokens get 401 invalid_token (never 400), and a token short of
//     the required scopes gets 403 insufficient_scope naming what is missing.
package authkit
