package authkit

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
)

// Middleware requires a valid bearer token on every request to next.
// Refusals are RFC 6750 challenges carrying the absolute resource_metadata
// URL: 401 for a missing, malformed, invalid or expired token, 403
// insufficient_scope naming every missing scope, each with a JSON body.
// Accepted requests carry the Session (SessionFromContext) and, for go-sdk
// handlers, the TokenInfo (req.Extra.TokenInfo). When next takes the token
// itself (a handler with a WithTokenInfo method: mcpfast's), it is handed over
// directly, without go-sdk's auth middleware and its second copy of the request.
func (a *AuthKit) Middleware(next http.Handler) http.Handler {
	if b, ok := next.(tokenInfoTaker); ok {
		return a.middleware(next, func(w http.ResponseWriter, r *http.Request, v *verified) {
			ctx := context.WithValue(r.Context(), sessionKey{}, v.state)
			next.ServeHTTP(w, r.WithContext(b.WithTokenInfo(ctx, v.info)))
		})
	}
	bound := a.sdkBind(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rs, ok := r.Context().Value(sessionKey{}).(*requestState); ok && rs.header != nil {
			r.Header = rs.header // r is go-sdk's copy: safe to modify
		}
		next.ServeHTTP(w, r)
	}))
	return a.middleware(next, func(w http.ResponseWriter, r *http.Request, v *verified) {
		// go-sdk's middleware re-parses the Authorization header (strings.Fields over the
		// whole token); hand it a stand-in header and restore the real one behind it.
		rs := &requestState{verified: v, header: r.Header}
		r = r.WithContext(context.WithValue(r.Context(), sessionKey{}, rs))
		r.Header = sdkProbeHeader
		bound.ServeHTTP(w, r)
	})
}

// tokenInfoTaker is a handler that takes a verified token in its context itself (mcpfast's).
type tokenInfoTaker interface {
	WithTokenInfo(ctx context.Context, ti *auth.TokenInfo) context.Context
}

// middleware checks every request's token and hands an accepted one to pass.
func (a *AuthKit) middleware(next http.Handler, pass func(http.ResponseWriter, *http.Request, *verified)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A CORS preflight never carries credentials; let the handler answer it.
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			next.ServeHTTP(w, r)
			return
		}
		token, aerr := bearerToken(r)
		if aerr == nil {
			var v *verified
			v, aerr = a.verify(r.Context(), token, true)
			if aerr == nil {
				aerr = a.checkScopes(v.session)
				if aerr == nil && len(a.cfg.ToolScopes) > 0 && r.Method == http.MethodPost {
					aerr = a.checkToolScopes(r, v.session)
				}
				if aerr == nil {
					pass(w, r, v)
					return
				}
			}
		}
		a.refuse(w, r, aerr)
	})
}

// missingToken is the refusal for a request with no credentials: RFC 6750
// §3.1 says such a challenge carries no error code.
var missingToken = &AuthError{Status: http.StatusUnauthorized, Code: "", Reason: "missing_token",
	Description: "this resource requires a bearer token in the Authorization header"}

func bearerToken(r *http.Request) (string, *AuthError) {
	if q := r.URL.RawQuery; q != "" && strings.Contains(q, "access_token") && r.URL.Query().Has("access_token") {
		return "", &AuthError{Status: http.StatusUnauthorized, Code: "invalid_request", Reason: "token_in_query",
			Description: "send the token in the Authorization header; tokens in the query string are refused"}
	}
	values := r.Header.Values("Authorization")
	if len(values) == 0 {
		return "", missingToken
	}
	if len(values) > 1 {
		return "", &AuthError{Status: http.StatusUnauthorized, Code: "invalid_request", Reason: "invalid_request",
			Description: "more than one Authorization header"}
	}
	scheme, rest, _ := strings.Cut(values[0], " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", &AuthError{Status: http.StatusUnauthorized, Code: "invalid_request", Reason: "invalid_request",
			Description: "the Authorization header must use the Bearer scheme"}
	}
	token := strings.TrimLeft(rest, " ")
	if token == "" {
		return "", &AuthError{Status: http.StatusUnauthorized, Code: "invalid_request", Reason: "invalid_request",
			Description: "the Bearer credentials are empty"}
	}
	return token, nil // its b64token syntax is checked by verify, once per token
}

// requestState is the per-request context value: the (shared) verification
// result and the request's real header while go-sdk sees sdkProbeHeader.
type requestState struct {
	*verified
	header http.Header
}

// sdkProbeHeader is what go-sdk's RequireBearerToken parses; it is never
// written to.
var sdkProbeHeader = http.Header{"Authorization": {"Bearer authkit"}}

var token68Chars = func() (t [256]bool) {
	for c := range 256 {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/'
	}
	return t
}()

// isToken68 checks RFC 6750 §2.1's b64token syntax.
func isToken68(s string) bool {
	i := 0
	for i < len(s) && token68Chars[s[i]] {
		i++
	}
	if i == 0 {
		return false
	}
	for ; i < len(s); i++ {
		if s[i] != '=' {
			return false
		}
	}
	return true
}

func (a *AuthKit) checkScopes(s *Session) *AuthError {
	var missing []string
	for _, want := range a.required {
		if !s.HasScope(want) {
			missing = append(missing, want)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return &AuthError{Status: http.StatusForbidden, Code: "insufficient_scope", Reason: "insufficient_scope",
		Description: "token lacks required scopes: " + strings.Join(missing, " ")}
}

// Challenge returns the WWW-Authenticate value for e.
func (a *AuthKit) Challenge(e *AuthError) string {
	var b strings.Builder
	b.WriteString("Bearer ")
	if e.Code != "" && e.Code != "temporarily_unavailable" {
		b.WriteString("error=")
		b.WriteString(quote(e.Code))
		b.WriteString(", error_description=")
		b.WriteString(quote(e.Description))
		b.WriteString(", ")
	}
	if len(e.scopes) == 0 {
		b.WriteString(a.challenge)
		return b.String()
	}
	// Ask for everything needed at once: the required scopes and the tool's.
	scopes := append([]string(nil), a.required...)
	for _, s := range e.scopes {
		if !slices.Contains(scopes, s) {
			scopes = append(scopes, s)
		}
	}
	b.WriteString("resource_metadata=")
	b.WriteString(quote(a.prmURL))
	b.WriteString(", scope=")
	b.WriteString(quote(strings.Join(scopes, " ")))
	return b.String()
}

// refuse writes the challenge and the JSON body for e. A browser-based
// client must be able to read the challenge to start sign-in, so refusals
// of cross-origin requests carry CORS headers (they hold nothing private).
func (a *AuthKit) refuse(w http.ResponseWriter, r *http.Request, e *AuthError) {
	if a.cfg.Hooks.AuthFailure != nil {
		a.cfg.Hooks.AuthFailure(e.Reason)
	}
	if r.Header.Get("Origin") != "" && w.Header().Get("Access-Control-Allow-Origin") == "" {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Access-Control-Expose-Headers", "WWW-Authenticate")
	}
	switch e.Status {
	case http.StatusUnauthorized, http.StatusForbidden:
		w.Header().Set("WWW-Authenticate", a.Challenge(e))
	case http.StatusServiceUnavailable:
		w.Header().Set("Retry-After", "5")
	}
	code := e.Code
	if code == "" {
		code = "unauthorized"
	}
	writeJSONError(w, e.Status, code, e.Description)
}

// bindTokenInfo makes go-sdk handlers see our verification result. go-sdk's
// context key is unexported, so its own middleware must store the TokenInfo;
// its verifier just hands back the one Middleware already built. Its own
// expiry check can only differ from ours for a token expiring in between;
// the resource_metadata then still tells the client where to go.
func bindTokenInfo(leeway time.Duration, prmURL string) func(http.Handler) http.Handler {
	return auth.RequireBearerToken(func(ctx context.Context, _ string, _ *http.Request) (*auth.TokenInfo, error) {
		rs, ok := ctx.Value(sessionKey{}).(*requestState)
		if !ok || rs.info == nil {
			return nil, auth.ErrInvalidToken
		}
		return rs.info, nil
	}, &auth.RequireBearerTokenOptions{ClockSkew: leeway, ResourceMetadataURL: prmURL})
}
