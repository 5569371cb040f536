package authkit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/modelcontextprotocol/go-sdk/auth"
)

// Introspection enables RFC 7662 token introspection for opaque (non-JWT)
// access tokens. JWTs are always verified locally.
type Introspection struct {
	// URL is the introspection endpoint; default: the authorization
	// server metadata's introspection_endpoint.
	URL string
	// ClientID and ClientSecret authenticate this resource server to the
	// endpoint (HTTP Basic, RFC 7662 §2.1).
	ClientID, ClientSecret string
	// CacheTTL bounds how long an active answer is reused (default 1m; never
	// past the token's exp). Inactive answers are not cached.
	CacheTTL time.Duration
}

// introspect asks the authorization server about an opaque token. The
// answer must be active, from our issuer (when it says), for our audience,
// unexpired, with a subject.
func (a *AuthKit) introspect(ctx context.Context, token string) (*verified, *AuthError) {
	in := a.cfg.Introspection
	endpoint := in.URL
	if endpoint == "" {
		doc, err := a.metadata(ctx)
		if err == nil {
			var m struct {
				Endpoint string `json:"introspection_endpoint"`
			}
			_ = json.Unmarshal(doc.raw, &m)
			endpoint = m.Endpoint
		}
	}
	unavailable := &AuthError{Status: http.StatusServiceUnavailable, Code: "temporarily_unavailable",
		Description: "the authorization server could not be asked about this token; retry later", Reason: "introspection_unavailable"}
	if _, err := parseIssuer(endpoint); err != nil {
		return nil, unavailable
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	form := url.Values{"token": {token}, "token_type_hint": {"access_token"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, unavailable
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if in.ClientID != "" {
		req.SetBasicAuth(url.QueryEscape(in.ClientID), url.QueryEscape(in.ClientSecret))
	}
	resp, err := a.cfg.HTTPClient.Do(req)
	if err != nil {
		a.cfg.Logger.Warn("authkit: introspection failed", "endpoint", endpoint, "err", scrubToken(err, token))
		return nil, unavailable
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocumentBytes))
	if err != nil || resp.StatusCode != http.StatusOK {
		a.cfg.Logger.Warn("authkit: introspection failed", "endpoint", endpoint, "status", resp.StatusCode)
		return nil, unavailable
	}
	var payload any
	if json.Unmarshal(body, &payload) != nil {
		return nil, unavailable
	}
	m, ok := payload.(map[string]any)
	if !ok {
		return nil, unavailable
	}
	if active, _ := m["active"].(bool); !active {
		return nil, invalidToken("inactive", "token is not active")
	}
	claims := jwt.MapClaims(m)
	if iss, ok := m["iss"]; ok && iss != a.cfg.Issuer {
		return nil, invalidToken("issuer", "token issuer is not accepted")
	}
	now := time.Now()
	if exp, err := claims.GetExpirationTime(); err != nil {
		return nil, invalidToken("malformed", "introspection answer has a malformed exp")
	} else if exp != nil && !now.Before(exp.Add(a.cfg.Leeway)) {
		return nil, invalidToken("expired", "token has expired")
	}
	if nbf, err := claims.GetNotBefore(); err == nil && nbf != nil && now.Add(a.cfg.Leeway).Before(nbf.Time) {
		return nil, invalidToken("not_yet_valid", "token is not valid yet")
	}
	s, aerr := a.sessionFor(claims)
	if aerr != nil {
		return nil, aerr
	}
	ttl := in.CacheTTL
	if ttl <= 0 {
		ttl = time.Minute
	}
	expires := now.Add(ttl)
	if !s.ExpiresAt.IsZero() && s.ExpiresAt.Before(expires) {
		expires = s.ExpiresAt
	}
	info := &auth.TokenInfo{Scopes: s.Scopes, Expiration: expires, UserID: s.UserID,
		Extra: map[string]any{SessionExtraKey: s}}
	return &verified{session: s, info: info, expires: expires}, nil
}

// scrubToken keeps the token out of an error that may quote the request.
func scrubToken(err error, token string) error {
	msg := err.Error()
	if token != "" && strings.Contains(msg, token) {
		return errors.New(strings.ReplaceAll(msg, token, "[REDACTED]"))
	}
	return fmt.Errorf("%s", msg)
}
