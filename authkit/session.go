package authkit

import (
	"context"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/modelcontextprotocol/go-sdk/auth"
)

// Session is who a verified access token speaks for, from its claims
// (AuthKit's names in parentheses). Treat it as read-only: it is shared by
// every request that presents the same token.
type Session struct {
	UserID         string // sub
	SessionID      string // sid
	OrganizationID string // org_id
	ClientID       string // client_id (else azp)
	Role           string // role
	Roles          []string
	Permissions    []string
	Entitlements   []string
	FeatureFlags   []string // feature_flags
	Scopes         []string // scope (space-separated) or scp
	Audience       []string
	ExpiresAt      time.Time
	IssuedAt       time.Time
	Claims         map[string]any // every claim, as decoded
}

// HasScope reports whether the token was granted scope.
func (s *Session) HasScope(scope string) bool {
	for _, v := range s.Scopes {
		if v == scope {
			return true
		}
	}
	return false
}

// HasPermission reports whether the token carries permission.
func (s *Session) HasPermission(permission string) bool {
	for _, v := range s.Permissions {
		if v == permission {
			return true
		}
	}
	return false
}

type sessionKey struct{}

// SessionFromContext returns the Session that Middleware put in ctx.
func SessionFromContext(ctx context.Context) (*Session, bool) {
	rs, ok := ctx.Value(sessionKey{}).(*requestState)
	if !ok || rs == nil || rs.verified == nil {
		return nil, false
	}
	return rs.session, true
}

// ContextWithSession returns ctx carrying s, for adapters and tests that
// verify tokens themselves.
func ContextWithSession(ctx context.Context, s *Session) context.Context {
	return context.WithValue(ctx, sessionKey{}, &requestState{verified: &verified{session: s, expires: s.ExpiresAt}})
}

// SessionFromTokenInfo returns the Session inside a go-sdk TokenInfo
// (req.Extra.TokenInfo in a go-sdk tool handler).
func SessionFromTokenInfo(ti *auth.TokenInfo) (*Session, bool) {
	if ti == nil {
		return nil, false
	}
	s, ok := ti.Extra[SessionExtraKey].(*Session)
	return s, ok && s != nil
}

func sessionFromClaims(c jwt.MapClaims) *Session {
	s := &Session{Claims: c}
	s.UserID, _ = c["sub"].(string)
	s.SessionID, _ = c["sid"].(string)
	s.OrganizationID, _ = c["org_id"].(string)
	s.ClientID, _ = c["client_id"].(string)
	if s.ClientID == "" {
		s.ClientID, _ = c["azp"].(string)
	}
	s.Role, _ = c["role"].(string)
	s.Roles = stringList(c["roles"])
	s.Permissions = stringList(c["permissions"])
	s.Entitlements = stringList(c["entitlements"])
	s.FeatureFlags = stringList(c["feature_flags"])
	switch sc := c["scope"].(type) {
	case string:
		s.Scopes = strings.Fields(sc)
	case []any:
		s.Scopes = stringList(sc)
	}
	if s.Scopes == nil {
		s.Scopes = stringList(c["scp"])
	}
	s.Audience, _ = c.GetAudience()
	if t, err := c.GetExpirationTime(); err == nil && t != nil {
		s.ExpiresAt = t.Time
	}
	if t, err := c.GetIssuedAt(); err == nil && t != nil {
		s.IssuedAt = t.Time
	}
	return s
}

func stringList(v any) []string {
	switch v := v.(type) {
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			if str, ok := e.(string); ok {
				out = append(out, str)
			}
		}
		return out
	case string:
		if v == "" {
			return nil
		}
		return []string{v}
	}
	return nil
}
