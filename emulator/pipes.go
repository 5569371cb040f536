package emulator

import (
	"errors"
	"html"
	"net/http"
	"net/url"
	"slices"
	"time"
)

// What an application asks Pipes for on behalf of a connected user: the URL that connects an
// account (POST /data-integrations/{slug}/authorize), and the user's current access token or
// credential (…/token, …/credentials). The authorize URL opens an emulator page that connects
// the account at once, as if the user had consented at the provider, then redirects to
// return_to.

// pipesAuthorization is a pending OAuth connection, found by its state in the authorize URL.
type pipesAuthorization struct {
	ID             string `json:"id"` // the state: unguessable, one use
	Slug           string `json:"slug"`
	UserID         string `json:"user_id"`
	OrganizationID string `json:"organization_id,omitempty"`
	ReturnTo       string `json:"return_to,omitempty"`
	ExpiresAt      string `json:"expires_at"`
}

type pipesUserInput struct {
	UserID         string         `json:"user_id"`
	OrganizationID string         `json:"organization_id"`
	ReturnTo       string         `json:"return_to"`
	Config         map[string]any `json:"config"`
}

// pipesTarget reads the integration a Pipes call names and the user (and organization) it is for.
func pipesTarget(c *call) (*storedIntegration, *pipesUserInput, error) {
	var in pipesUserInput
	if err := c.decode(&in); err != nil {
		return nil, nil, err
	}
	if in.UserID == "" {
		return nil, nil, badRequest("user_id_required", "user_id is required.")
	}
	t := c.t
	d, err := t.integration(c.param("slug"))
	if err != nil {
		return nil, nil, err
	}
	if _, err := t.user(in.UserID); err != nil {
		return nil, nil, err
	}
	if in.OrganizationID != "" {
		if _, err := t.organization(in.OrganizationID); err != nil {
			return nil, nil, err
		}
	}
	return d, &in, nil
}

func authorizeIntegration(c *call) (int, any, error) {
	d, in, err := pipesTarget(c)
	if err != nil {
		return 0, nil, err
	}
	if !slices.Contains(d.AuthMethods, "oauth") {
		return 0, nil, badRequest("auth_method_mismatch", "The integration does not use OAuth.")
	}
	if !d.Enabled {
		return 0, nil, &apiError{Status: http.StatusForbidden, Code: "data_integration_disabled", Message: "The data integration is disabled."}
	}
	if in.ReturnTo != "" && !validURL(in.ReturnTo) {
		return 0, nil, badRequest("invalid_return_to", "return_to must be an http(s) URL.")
	}
	t := c.t
	pa := &pipesAuthorization{ID: "pipes_state_" + randomToken(24), Slug: d.Slug, UserID: in.UserID, OrganizationID: in.OrganizationID,
		ReturnTo: in.ReturnTo, ExpiresAt: formatTime(t.now.Add(10 * time.Minute))}
	if err := t.save("pipes_authorization", pa.ID, "", pa); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"url": c.baseURL() + "/_emulator/data-integrations/authorize?state=" + url.QueryEscape(pa.ID)}, nil
}

// completeAuthorization is the page an authorize URL opens (no API key: the browser calls it).
func completeAuthorization(c *call) (int, any, error) {
	state := c.query.Get("state")
	if state == "" {
		return 0, nil, badRequest("state_required", "state is required.")
	}
	var pa *pipesAuthorization
	for _, env := range c.e.Environments() {
		c.t.env, c.t.clientID = env.Name, env.ClientID
		found, err := load[pipesAuthorization](c.t, "pipes_authorization", state)
		if err == nil {
			pa = found
			break
		}
		if !errors.Is(err, errNotFound) {
			return 0, nil, err
		}
	}
	if pa == nil || pa.ExpiresAt < formatTime(c.t.now) {
		return 0, nil, badRequest("invalid_state", "The authorization link is unknown, used or expired.")
	}
	t := c.t
	if err := t.remove("pipes_authorization", pa.ID); err != nil {
		return 0, nil, err
	}
	d, err := t.integration(pa.Slug)
	if err != nil {
		return 0, nil, err
	}
	expires := formatTime(t.now.Add(time.Hour))
	if _, err := t.upsertAccount(d, pa.UserID, pa.OrganizationID, accountSecret{method: "oauth", accessToken: "emulator_pipes_at_" + randomToken(24),
		refreshToken: "emulator_pipes_rt_" + randomToken(24), expiresAt: &expires}); err != nil {
		return 0, nil, err
	}
	if pa.ReturnTo != "" {
		return http.StatusFound, rawBody{header: http.Header{"Location": {pa.ReturnTo}}}, nil
	}
	page := "<!doctype html><title>Connected (emulated)</title><h1>Account connected</h1><p>The WorkOS emulator connected the account to " +
		html.EscapeString(d.name()) + ". You can close this page.</p>\n"
	return http.StatusOK, rawBody{contentType: "text/html; charset=utf-8", data: []byte(page)}, nil
}

// liveAccount is the connected account a token or credential request is for, or the reason
// there is none ("not_installed", "needs_reauthorization").
func liveAccount(c *call) (*storedIntegration, *storedAccount, string, error) {
	d, in, err := pipesTarget(c)
	if err != nil {
		return nil, nil, "", err
	}
	a, err := c.t.account(d, in.UserID, in.OrganizationID)
	if errors.As(err, new(*apiError)) {
		return d, nil, "not_installed", nil
	}
	if err != nil {
		return nil, nil, "", err
	}
	if a.State != "connected" {
		return d, nil, "needs_reauthorization", nil
	}
	return d, a, "", nil
}

// missingScopes lists the integration's scopes the account was not granted.
func missingScopes(d *storedIntegration, a *storedAccount) []string {
	out := []string{}
	for _, s := range d.Scopes {
		if !slices.Contains(a.Scopes, s) {
			out = append(out, s)
		}
	}
	return out
}

func integrationToken(c *call) (int, any, error) {
	d, a, reason, err := liveAccount(c)
	if err != nil {
		return 0, nil, err
	}
	if a == nil {
		return http.StatusOK, map[string]any{"active": false, "error": reason}, nil
	}
	if a.AuthMethod != "oauth" {
		return 0, nil, &apiError{Status: http.StatusUnprocessableEntity, Code: "auth_method_mismatch", Message: "The account is connected with " + a.AuthMethod + ", not OAuth: ask for its credentials."}
	}
	return http.StatusOK, map[string]any{"active": true, "access_token": map[string]any{"object": "access_token", "access_token": a.AccessToken,
		"expires_at": a.ExpiresAt, "scopes": a.render().Scopes, "missing_scopes": missingScopes(d, a)}}, nil
}

func integrationCredential(c *call) (int, any, error) {
	d, a, reason, err := liveAccount(c)
	if err != nil {
		return 0, nil, err
	}
	if a == nil {
		return http.StatusOK, map[string]any{"active": false, "error": reason}, nil
	}
	cred := map[string]any{"object": "credential", "auth_method": a.AuthMethod}
	switch a.AuthMethod {
	case "api_key":
		cred["value"] = a.APIKey
	case "client_credentials":
		// The emulator does not call the provider's token endpoint: it mints an opaque token.
		expires := formatTime(c.t.now.Add(time.Hour))
		meta := a.Config
		if meta == nil {
			meta = map[string]any{}
		}
		cred["value"], cred["expires_at"], cred["scopes"], cred["missing_scopes"], cred["metadata"] =
			"emulator_pipes_cc_"+randomToken(24), expires, a.render().Scopes, missingScopes(d, a), meta
	default:
		cred["value"], cred["expires_at"], cred["scopes"], cred["missing_scopes"] = a.AccessToken, a.ExpiresAt, a.render().Scopes, missingScopes(d, a)
	}
	return http.StatusOK, map[string]any{"active": true, "credential": cred}, nil
}
