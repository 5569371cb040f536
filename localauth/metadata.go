package localauth

import (
	"net/http"
	"slices"
	"strings"
)

// supportedScopes are AuthKit's scopes.
var supportedScopes = []string{"email", "offline_access", "openid", "profile"}

// metadata is the RFC 8414 document (also served as OpenID configuration).
func (s *Server) metadata() map[string]any {
	scopes := append([]string(nil), supportedScopes...)
	for _, sc := range s.opts.ExtraScopes {
		if !slices.Contains(scopes, sc) {
			scopes = append(scopes, sc)
		}
	}
	return map[string]any{
		"issuer":                                         s.issuer,
		"authorization_endpoint":                         s.endpoint("/oauth2/authorize"),
		"token_endpoint":                                 s.endpoint("/oauth2/token"),
		"registration_endpoint":                          s.endpoint("/oauth2/register"),
		"jwks_uri":                                       s.endpoint("/oauth2/jwks"),
		"introspection_endpoint":                         s.endpoint("/oauth2/introspection"),
		"userinfo_endpoint":                              s.endpoint("/oauth2/userinfo"),
		"revocation_endpoint":                            s.endpoint("/oauth2/revoke"),
		"scopes_supported":                               scopes,
		"response_types_supported":                       []string{"code"},
		"response_modes_supported":                       []string{"query"},
		"grant_types_supported":                          []string{"authorization_code", "refresh_token"},
		"code_challenge_methods_supported":               []string{"S256"},
		"token_endpoint_auth_methods_supported":          []string{"none", "client_secret_post", "client_secret_basic"},
		"introspection_endpoint_auth_methods_supported":  []string{"client_secret_post", "client_secret_basic"},
		"revocation_endpoint_auth_methods_supported":     []string{"none", "client_secret_post", "client_secret_basic"},
		"subject_types_supported":                        []string{"public"},
		"id_token_signing_alg_values_supported":          []string{"RS256"},
		"client_id_metadata_document_supported":          true,
		"authorization_response_iss_parameter_supported": true,
	}
}

func (s *Server) handleMetadata(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodOptions {
		cors(w)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		methodNotAllowed(w, "GET, HEAD, OPTIONS")
		return
	}
	cors(w)
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeJSON(w, http.StatusOK, s.metadata())
}

// cors lets browser-based MCP clients read the public endpoints.
// browserEndpoint starts an endpoint that browser-based clients call across origins: CORS on
// every answer, preflights answered, no caching, and 405 for other methods. It reports whether
// the handler should go on.
func browserEndpoint(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	cors(w)
	if r.Method == http.MethodOptions {
		w.WriteHeader(http.StatusNoContent)
		return false
	}
	w.Header().Set("Cache-Control", "no-store")
	if !slices.Contains(methods, r.Method) {
		methodNotAllowed(w, strings.Join(methods, ", "))
		return false
	}
	return true
}

func cors(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, MCP-Protocol-Version")
	h.Set("Access-Control-Max-Age", "600")
}
