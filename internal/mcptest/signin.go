package mcptest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
)

// FetchCode plays the person's browser for the go-sdk client's OAuth handler
// (auth.AuthorizationCodeHandlerConfig.AuthorizationCodeFetcher) against an authorization server
// that approves by itself (localauth with AutoApprove, `workos-mcp dev --auto-approve`): it opens
// the authorization URL and reads the code from the redirect to the client, which it does not
// follow (the client's redirect URI need not listen). An error redirect, or none, is an error.
func FetchCode(ctx context.Context, args *auth.AuthorizationArgs) (*auth.AuthorizationResult, error) {
	hc := &http.Client{Timeout: time.Minute, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, args.URL, nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		return nil, fmt.Errorf("authorize answered %d without a redirect", resp.StatusCode)
	}
	q := loc.Query()
	if e := q.Get("error"); e != "" {
		return nil, fmt.Errorf("authorize: %s: %s", e, q.Get("error_description"))
	}
	if q.Get("code") == "" {
		return nil, fmt.Errorf("authorize redirected to %s without a code", loc.Redacted())
	}
	return &auth.AuthorizationResult{Code: q.Get("code"), State: q.Get("state"), Iss: q.Get("iss")}, nil
}

// RegisterClient registers a public client (no secret: token_endpoint_auth_method "none") named
// name by dynamic client registration (RFC 7591) at issuer's /oauth2/register, as an agent does
// before sending a person to sign in, and returns its client ID.
func RegisterClient(t testing.TB, issuer, name string, redirectURIs ...string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"client_name": name, "redirect_uris": redirectURIs, "token_endpoint_auth_method": "none"})
	resp, err := http.Post(issuer+"/oauth2/register", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var reg struct {
		ClientID string `json:"client_id"`
	}
	json.NewDecoder(resp.Body).Decode(&reg)
	if reg.ClientID == "" {
		t.Fatalf("register %s at %s: %d", name, issuer, resp.StatusCode)
	}
	return reg.ClientID
}
