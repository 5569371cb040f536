package mcptest

import (
	"context"
	"fmt"
	"net/http"
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
