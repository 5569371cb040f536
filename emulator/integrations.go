package emulator

import (
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Data integrations (WorkOS Pipes): third-party providers the environment's users connect their
// accounts to (OAuth, an API key or client credentials), each organization's configuration of
// them, the connected accounts, and the credentials an application fetches for a connected
// user. The emulator does not talk to providers: an OAuth connection is completed by opening the
// URL that POST /data-integrations/{slug}/authorize answers (an emulator page that connects at
// once), and the access tokens it hands out are opaque values it generated or was given.

type integrationCredentials struct {
	Type                 string  `json:"type"`
	ClientID             *string `json:"client_id"`
	RedactedClientSecret *string `json:"redacted_client_secret"`
}

type integrationInstallation struct {
	ID             string  `json:"id"`
	UserID         string  `json:"user_id"`
	OrganizationID *string `json:"organization_id"`
	APIKeyLast4    *string `json:"api_key_last_4"`
}

type customProvider struct {
	Name                              string         `json:"name"`
	AuthorizationURL                  *string        `json:"authorization_url"`
	TokenURL                          *string        `json:"token_url"`
	RefreshTokenURL                   *string        `json:"refresh_token_url"`
	PKCEEnabled                       bool           `json:"pkce_enabled"`
	RequestScopeSeparator             string         `json:"request_scope_separator"`
	ScopesRequired                    bool           `json:"scopes_required"`
	ClientSecretRequired              bool           `json:"client_secret_required"`
	AdditionalAuthorizationParameters map[string]any `json:"additional_authorization_parameters"`
	TokenBodyContentType              string         `json:"token_body_content_type"`
	AuthenticateVia                   string         `json:"authenticate_via"`
}

type dataIntegration struct {
	Object          string                   `json:"object"`
	ID              string                   `json:"id"`
	Slug            string                   `json:"slug"`
	IntegrationType string                   `json:"integration_type"`
	Description     *string                  `json:"description"`
	Enabled         bool                     `json:"enabled"`
	State           string                   `json:"state"`
	Scopes          []string                 `json:"scopes"`
	RedirectURI     string                   `json:"redirect_uri"`
	AuthMethods     []string                 `json:"auth_methods"`
	Credentials     *integrationCredentials  `json:"credentials"`
	Installation    *integrationInstallation `json:"installation"`
	Config          map[string]any           `json:"config"`
	CustomProvider  *customProvider          `json:"custom_provider"`
	CreatedAt       string                   `json:"created_at"`
	UpdatedAt       string                   `json:"updated_at"`
}

// storedIntegration keeps the client secret beside the integration; answers show its last four.
type storedIntegration struct {
	dataIntegration
	ClientSecret string `json:"client_secret,omitempty"`
}

func (d *storedIntegration) render() *dataIntegration {
	cp := d.dataIntegration
	if cp.Config == nil {
		cp.Config = map[string]any{}
	}
	if cp.AuthMethods == nil {
		cp.AuthMethods = []string{}
	}
	return &cp
}

// name is how users see the provider: the custom provider's name, else the slug in words.
func (d *storedIntegration) name() string {
	if d.CustomProvider != nil && d.CustomProvider.Name != "" {
		return d.CustomProvider.Name
	}
	words := strings.FieldsFunc(d.IntegrationType, func(r rune) bool { return r == '-' || r == '_' })
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ")
}

// last4 is the last four characters of a secret, the only part WorkOS shows again.
func last4(s string) *string {
	if s == "" {
		return nil
	}
	if len(s) > 4 {
		s = s[len(s)-4:]
	}
	return &s
}

var providerSlugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

var authMethodNames = []string{"oauth", "api_key", "client_credentials"}

func (t *tx) integration(slug string) (*storedIntegration, error) {
	d, err := find(t, "data_integration", "", func(d *storedIntegration) bool { return d.Slug == slug })
	if errors.Is(err, errNotFound) {
		return nil, notFound("Data integration", slug)
	}
	return d, err
}

type credentialsInput struct {
	Type         string `json:"type"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

type installationKeyInput struct {
	Secret         string `json:"secret"`
	UserID         string `json:"user_id"`
	OrganizationID string `json:"organization_id"`
}

type integrationInput struct {
	Provider       string                `json:"provider"`
	Description    *string               `json:"description"`
	Enabled        *bool                 `json:"enabled"`
	Scopes         *[]string             `json:"scopes"`
	AuthMethods    *[]string             `json:"auth_methods"`
	Config         map[string]any        `json:"config"`
	Credentials    *credentialsInput     `json:"credentials"`
	APIKey         *installationKeyInput `json:"api_key"`
	CustomProvider *json.RawMessage      `json:"custom_provider"`
}

// apply sets the fields of an integration a create or update names.
func (in *integrationInput) apply(t *tx, d *storedIntegration) error {
	if in.Description != nil {
		d.Description = in.Description
	}
	if in.Enabled != nil {
		d.Enabled = *in.Enabled
	}
	if in.Scopes != nil {
		d.Scopes = *in.Scopes
	}
	if in.AuthMethods != nil {
		if len(*in.AuthMethods) == 0 {
			return invalidField("auth_methods", "invalid_auth_methods", "auth_methods cannot be empty.")
		}
		for _, m := range *in.AuthMethods {
			if !slices.Contains(authMethodNames, m) {
				return invalidField("auth_methods", "invalid_auth_methods", "auth_methods holds oauth, api_key or client_credentials.")
			}
		}
		d.AuthMethods = slices.Compact(slices.Sorted(slices.Values(*in.AuthMethods)))
	}
	if in.Config != nil {
		d.Config = in.Config
	}
	if in.CustomProvider != nil {
		cp := customProvider{RequestScopeSeparator: " ", TokenBodyContentType: "application/x-www-form-urlencoded", AuthenticateVia: "request_body",
			ClientSecretRequired: true, AdditionalAuthorizationParameters: map[string]any{}}
		if d.CustomProvider != nil {
			cp = *d.CustomProvider
		}
		if err := json.Unmarshal(*in.CustomProvider, &cp); err != nil {
			return invalidField("custom_provider", "invalid_custom_provider", "custom_provider is not valid.")
		}
		if strings.TrimSpace(cp.Name) == "" {
			return invalidField("custom_provider.name", "required", "custom_provider.name is required.")
		}
		for _, u := range []*string{cp.AuthorizationURL, cp.TokenURL, cp.RefreshTokenURL} {
			if u != nil && *u != "" && !validURL(*u) {
				return invalidField("custom_provider", "invalid_url", "The custom provider's URLs must be http(s) URLs.")
			}
		}
		if cp.AuthenticateVia != "request_body" && cp.AuthenticateVia != "basic_auth_header" {
			return invalidField("custom_provider.authenticate_via", "invalid", "authenticate_via must be request_body or basic_auth_header.")
		}
		if cp.AdditionalAuthorizationParameters == nil {
			cp.AdditionalAuthorizationParameters = map[string]any{}
		}
		d.CustomProvider = &cp
	}
	if in.Credentials != nil {
		cr := in.Credentials
		if cr.Type != "custom" && cr.Type != "organization" {
			return invalidField("credentials.type", "invalid", "credentials.type must be custom or organization.")
		}
		out := &integrationCredentials{Type: cr.Type}
		if cr.Type == "custom" {
			if cr.ClientID == "" {
				return invalidField("credentials.client_id", "required", "credentials.client_id is required for custom credentials.")
			}
			out.ClientID = &cr.ClientID
			if cr.ClientSecret != "" {
				d.ClientSecret = cr.ClientSecret
			}
			out.RedactedClientSecret = last4(d.ClientSecret)
		} else {
			d.ClientSecret = "" // each organization brings its own
		}
		d.Credentials = out
	}
	d.State = "valid"
	if slices.Contains(d.AuthMethods, "oauth") && d.Credentials == nil && d.CustomProvider != nil {
		d.State = "invalid" // a custom OAuth provider has no shared credentials to fall back on
	}
	if in.APIKey != nil {
		if !slices.Contains(d.AuthMethods, "api_key") {
			return &apiError{Status: http.StatusUnprocessableEntity, Code: "auth_method_mismatch", Message: "The integration does not accept API keys."}
		}
		a, err := t.upsertAccount(d, in.APIKey.UserID, in.APIKey.OrganizationID, accountSecret{method: "api_key", apiKey: in.APIKey.Secret})
		if err != nil {
			return err
		}
		var org *string
		if a.OrganizationID != "" {
			org = &a.OrganizationID
		}
		d.Installation = &integrationInstallation{ID: a.ID, UserID: a.UserID, OrganizationID: org, APIKeyLast4: last4(a.APIKey)}
	}
	return nil
}

func createIntegration(c *call) (int, any, error) {
	var in integrationInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	t := c.t
	d, err := t.createIntegration(in, c.baseURL())
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, d.render(), nil
}

func (t *tx) createIntegration(in integrationInput, baseURL string) (*storedIntegration, error) {
	slug := strings.ToLower(strings.TrimSpace(in.Provider))
	if slug == "" {
		return nil, invalidField("provider", "required", "provider is required.")
	}
	if !providerSlugRE.MatchString(slug) {
		return nil, invalidField("provider", "invalid_provider", "provider must be a slug (lower-case letters, digits, - and _).")
	}
	if _, err := t.integration(slug); err == nil {
		return nil, conflict("data_integration_already_exists", "A data integration for '"+slug+"' already exists.")
	}
	now := formatTime(t.now)
	d := &storedIntegration{dataIntegration: dataIntegration{Object: "data_integration", ID: t.newID("data_integration_"), Slug: slug, IntegrationType: slug,
		Enabled: true, AuthMethods: []string{"oauth"}, Config: map[string]any{}, RedirectURI: strings.TrimRight(baseURL, "/") + "/_emulator/data-integrations/callback",
		CreatedAt: now, UpdatedAt: now}}
	if in.CustomProvider != nil {
		d.IntegrationType = "custom"
	}
	// The integration exists before an API-key installation refers to it.
	if err := t.save("data_integration", d.ID, "", d); err != nil {
		return nil, err
	}
	if err := in.apply(t, d); err != nil {
		return nil, err
	}
	return d, t.save("data_integration", d.ID, "", d)
}

func listIntegrations(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	ds, err := loadAll[storedIntegration](c.t, "data_integration", "")
	if err != nil {
		return 0, nil, err
	}
	out := make([]*dataIntegration, 0, len(ds))
	for _, d := range ds {
		out = append(out, d.render())
	}
	return http.StatusOK, paginate(out, func(d *dataIntegration) string { return d.ID }, p), nil
}

func getIntegration(c *call) (int, any, error) {
	d, err := c.t.integration(c.param("slug"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, d.render(), nil
}

func updateIntegration(c *call) (int, any, error) {
	var in integrationInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if in.Provider != "" || in.AuthMethods != nil {
		return 0, nil, invalidField("provider", "immutable", "provider and auth_methods cannot be changed.")
	}
	t := c.t
	d, err := t.integration(c.param("slug"))
	if err != nil {
		return 0, nil, err
	}
	if err := in.apply(t, d); err != nil {
		return 0, nil, err
	}
	d.UpdatedAt = formatTime(t.now)
	return http.StatusOK, d.render(), t.save("data_integration", d.ID, "", d)
}

// deleteIntegration removes the integration with its organization configurations and connected
// accounts.
func deleteIntegration(c *call) (int, any, error) {
	t := c.t
	d, err := t.integration(c.param("slug"))
	if err != nil {
		return 0, nil, err
	}
	accounts, err := filter(t, "connected_account", "", func(a *storedAccount) bool { return a.IntegrationID == d.ID })
	if err != nil {
		return 0, nil, err
	}
	for _, a := range accounts {
		if err := t.disconnect(a); err != nil {
			return 0, nil, err
		}
	}
	confs, err := filter(t, "data_integration_configuration", "", func(x *storedIntegrationConfig) bool { return x.IntegrationID == d.ID })
	if err != nil {
		return 0, nil, err
	}
	for _, x := range confs {
		if err := t.remove("data_integration_configuration", x.ID); err != nil {
			return 0, nil, err
		}
	}
	return http.StatusNoContent, nil, t.remove("data_integration", d.ID)
}

// Connected accounts: one per integration, user and (optionally) organization.

type connectedAccount struct {
	Object            string         `json:"object"`
	ID                string         `json:"id"`
	UserID            *string        `json:"user_id"`
	OrganizationID    *string        `json:"organization_id"`
	Scopes            []string       `json:"scopes"`
	AuthMethod        string         `json:"auth_method,omitempty"`
	APIKeyLast4       *string        `json:"api_key_last_4,omitempty"`
	ClientID          *string        `json:"client_id,omitempty"`
	ClientSecretLast4 *string        `json:"client_secret_last_4,omitempty"`
	Config            map[string]any `json:"config,omitempty"`
	State             string         `json:"state"`
	CreatedAt         string         `json:"created_at"`
	UpdatedAt         string         `json:"updated_at"`
}

type storedAccount struct {
	ID             string         `json:"id"`
	IntegrationID  string         `json:"integration_id"`
	Slug           string         `json:"slug"`
	UserID         string         `json:"user_id"`
	OrganizationID string         `json:"organization_id,omitempty"`
	Scopes         []string       `json:"scopes"`
	AuthMethod     string         `json:"auth_method"`
	APIKey         string         `json:"api_key,omitempty"`
	ClientID       string         `json:"client_id,omitempty"`
	ClientSecret   string         `json:"client_secret,omitempty"`
	Config         map[string]any `json:"config,omitempty"`
	AccessToken    string         `json:"access_token,omitempty"`
	RefreshToken   string         `json:"refresh_token,omitempty"`
	ExpiresAt      *string        `json:"expires_at,omitempty"`
	State          string         `json:"state"`
	CreatedAt      string         `json:"created_at"`
	UpdatedAt      string         `json:"updated_at"`
}

func (a *storedAccount) render() *connectedAccount {
	out := &connectedAccount{Object: "connected_account", ID: a.ID, UserID: &a.UserID, Scopes: a.Scopes, AuthMethod: a.AuthMethod,
		State: a.State, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt, Config: a.Config}
	if a.OrganizationID != "" {
		out.OrganizationID = &a.OrganizationID
	}
	if out.Scopes == nil {
		out.Scopes = []string{}
	}
	switch a.AuthMethod {
	case "api_key":
		out.APIKeyLast4 = last4(a.APIKey)
	case "client_credentials":
		out.ClientID, out.ClientSecretLast4 = &a.ClientID, last4(a.ClientSecret)
	}
	return out
}

// pipesEvent is a connected account as Pipes events carry it.
func (a *storedAccount) pipesEvent() map[string]any {
	r := a.render()
	state := a.State
	if state == "disconnected" {
		state = "connected" // the event schema knows the two live states; the event's name says it ended
	}
	return map[string]any{"object": "connected_account", "id": a.ID, "data_integration_id": a.IntegrationID, "provider_slug": a.Slug,
		"user_id": r.UserID, "organization_id": r.OrganizationID, "scopes": r.Scopes, "state": state, "created_at": a.CreatedAt, "updated_at": a.UpdatedAt}
}

func (t *tx) account(d *storedIntegration, userID, orgID string) (*storedAccount, error) {
	a, err := find(t, "connected_account", "", func(a *storedAccount) bool {
		return a.IntegrationID == d.ID && a.UserID == userID && a.OrganizationID == orgID
	})
	if errors.Is(err, errNotFound) {
		return nil, notFound("Connected account", d.Slug)
	}
	return a, err
}

// accountSecret is what a connection stores: an OAuth token set, an API key or client credentials.
type accountSecret struct {
	method                    string
	apiKey                    string
	clientID, clientSecret    string
	config                    map[string]any
	accessToken, refreshToken string
	expiresAt                 *string
	scopes                    []string
	needsReauthorization      bool
}

// upsertAccount connects (or reconnects) a user's account to an integration.
func (t *tx) upsertAccount(d *storedIntegration, userID, orgID string, s accountSecret) (*storedAccount, error) {
	if userID == "" {
		return nil, invalidField("user_id", "required", "user_id is required.")
	}
	if _, err := t.user(userID); err != nil {
		return nil, err
	}
	if orgID != "" {
		if _, err := t.organization(orgID); err != nil {
			return nil, err
		}
	}
	switch s.method {
	case "api_key":
		if s.apiKey == "" {
			return nil, invalidField("secret", "required", "secret is required.")
		}
	case "client_credentials":
		if s.clientID == "" || s.clientSecret == "" {
			return nil, invalidField("client_id", "required", "client_id and client_secret are required.")
		}
	}
	now := formatTime(t.now)
	a, err := t.account(d, userID, orgID)
	var ae *apiError
	switch {
	case errors.As(err, &ae):
		a = &storedAccount{ID: t.newID("connected_account_"), IntegrationID: d.ID, Slug: d.Slug, UserID: userID, OrganizationID: orgID, CreatedAt: now}
	case err != nil:
		return nil, err
	}
	a.AuthMethod, a.State, a.UpdatedAt = s.method, "connected", now
	if s.needsReauthorization {
		a.State = "needs_reauthorization"
	}
	a.APIKey, a.ClientID, a.ClientSecret, a.Config = s.apiKey, s.clientID, s.clientSecret, s.config
	a.AccessToken, a.RefreshToken, a.ExpiresAt = s.accessToken, s.refreshToken, s.expiresAt
	a.Scopes = s.scopes
	if a.Scopes == nil {
		a.Scopes = slices.Clone(d.Scopes)
	}
	if err := t.save("connected_account", a.ID, orgID, a); err != nil {
		return nil, err
	}
	name := "pipes.connected_account.connected"
	if a.State == "needs_reauthorization" {
		name = "pipes.connected_account.reauthorization_needed"
	}
	return a, t.emit(name, orgID, a.pipesEvent())
}

func (t *tx) disconnect(a *storedAccount) error {
	if err := t.remove("connected_account", a.ID); err != nil {
		return err
	}
	a.State, a.UpdatedAt = "disconnected", formatTime(t.now)
	return t.emit("pipes.connected_account.disconnected", a.OrganizationID, a.pipesEvent())
}

// accountScope reads the integration and user a connected-account route names, and the
// optional organization (?organization_id=).
func accountScope(c *call) (*storedIntegration, string, string, error) {
	u, err := c.t.user(c.param("user_id"))
	if err != nil {
		return nil, "", "", err
	}
	org := c.query.Get("organization_id")
	if org != "" {
		if _, err := c.t.organization(org); err != nil {
			return nil, "", "", err
		}
	}
	d, err := c.t.integration(c.param("slug"))
	if err != nil {
		return nil, "", "", err
	}
	return d, u.ID, org, nil
}

type tokenImport struct {
	AccessToken  *string   `json:"access_token"`
	RefreshToken *string   `json:"refresh_token"`
	ExpiresAt    *string   `json:"expires_at"`
	Scopes       *[]string `json:"scopes"`
	State        string    `json:"state"`
}

// apply sets what the caller gave on s; what it left out keeps its value.
func (in *tokenImport) apply(s *accountSecret) {
	if in.AccessToken != nil {
		s.accessToken = *in.AccessToken
	}
	if in.RefreshToken != nil {
		s.refreshToken = *in.RefreshToken
	}
	if in.ExpiresAt != nil {
		s.expiresAt = in.ExpiresAt
	}
	if in.Scopes != nil {
		s.scopes = *in.Scopes
	}
	if in.State != "" {
		s.needsReauthorization = in.State == "needs_reauthorization"
	}
}

func (in *tokenImport) check() error {
	if in.ExpiresAt != nil {
		if _, err := time.Parse(time.RFC3339, *in.ExpiresAt); err != nil {
			return invalidField("expires_at", "invalid_date", "expires_at must be an RFC 3339 timestamp.")
		}
	}
	if in.State != "" && in.State != "connected" && in.State != "needs_reauthorization" {
		return invalidField("state", "invalid_state", "state must be connected or needs_reauthorization.")
	}
	return nil
}

// importAccount records an OAuth connection made elsewhere (tokens the caller already holds).
func importAccount(c *call) (int, any, error) {
	var in tokenImport
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if err := in.check(); err != nil {
		return 0, nil, err
	}
	t := c.t
	d, user, org, err := accountScope(c)
	if err != nil {
		return 0, nil, err
	}
	if _, err := t.account(d, user, org); err == nil {
		return 0, nil, conflict("connected_account_already_exists", "The user already has a connected account for '"+d.Slug+"'.")
	}
	if !slices.Contains(d.AuthMethods, "oauth") {
		return 0, nil, invalidField("slug", "auth_method_mismatch", "The integration does not use OAuth.")
	}
	s := accountSecret{method: "oauth", accessToken: "emulator_pipes_at_" + randomToken(24)}
	in.apply(&s)
	a, err := t.upsertAccount(d, user, org, s)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, a.render(), nil
}

// pathAccount is the connected account the path names, with its integration.
func pathAccount(c *call) (*storedIntegration, *storedAccount, error) {
	d, user, org, err := accountScope(c)
	if err != nil {
		return nil, nil, err
	}
	a, err := c.t.account(d, user, org)
	return d, a, err
}

func getAccount(c *call) (int, any, error) {
	_, a, err := pathAccount(c)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, a.render(), nil
}

func updateAccount(c *call) (int, any, error) {
	var in tokenImport
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if err := in.check(); err != nil {
		return 0, nil, err
	}
	t := c.t
	d, a, err := pathAccount(c)
	if err != nil {
		return 0, nil, err
	}
	s := accountSecret{method: a.AuthMethod, apiKey: a.APIKey, clientID: a.ClientID, clientSecret: a.ClientSecret, config: a.Config,
		accessToken: a.AccessToken, refreshToken: a.RefreshToken, expiresAt: a.ExpiresAt, scopes: a.Scopes, needsReauthorization: a.State == "needs_reauthorization"}
	in.apply(&s)
	a, err = t.upsertAccount(d, a.UserID, a.OrganizationID, s)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, a.render(), nil
}

func deleteAccount(c *call) (int, any, error) {
	_, a, err := pathAccount(c)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, c.t.disconnect(a)
}

// setAccountSecret is PUT /data-integrations/{slug}/api-key and …/client-credentials.
func setAccountSecret(method string) handlerFunc {
	return func(c *call) (int, any, error) {
		var in struct {
			UserID         string         `json:"user_id"`
			OrganizationID string         `json:"organization_id"`
			Secret         string         `json:"secret"`
			ClientID       string         `json:"client_id"`
			ClientSecret   string         `json:"client_secret"`
			Config         map[string]any `json:"config"`
		}
		if err := c.decode(&in); err != nil {
			return 0, nil, err
		}
		t := c.t
		d, err := t.integration(c.param("slug"))
		if err != nil {
			return 0, nil, err
		}
		if !slices.Contains(d.AuthMethods, method) {
			return 0, nil, &apiError{Status: http.StatusUnprocessableEntity, Code: "auth_method_mismatch",
				Message: "The integration does not accept " + strings.ReplaceAll(method, "_", " ") + "."}
		}
		s := accountSecret{method: method}
		if method == "api_key" {
			s.apiKey = in.Secret
		} else {
			s.clientID, s.clientSecret, s.config = in.ClientID, in.ClientSecret, in.Config
		}
		a, err := t.upsertAccount(d, in.UserID, in.OrganizationID, s)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, a.render(), nil
	}
}

// Organization configurations: whether an organization's users may connect to an integration,
// with which scopes and, optionally, the organization's own OAuth client.

type integrationConfigCredentials struct {
	CredentialsType      string  `json:"credentials_type"`
	HasCredentials       bool    `json:"has_credentials"`
	ClientID             *string `json:"client_id"`
	ClientSecretLastFour *string `json:"client_secret_last_four"`
	RedirectURI          string  `json:"redirect_uri"`
}

type integrationConfig struct {
	Object         string                        `json:"object"`
	ID             string                        `json:"id"`
	OrganizationID string                        `json:"organization_id"`
	Slug           string                        `json:"slug"`
	Name           string                        `json:"name"`
	Enabled        bool                          `json:"enabled"`
	Scopes         []string                      `json:"scopes"`
	Config         map[string]any                `json:"config"`
	CreatedAt      string                        `json:"created_at"`
	UpdatedAt      string                        `json:"updated_at"`
	Credentials    *integrationConfigCredentials `json:"credentials,omitempty"`
}

type storedIntegrationConfig struct {
	ID             string         `json:"id"`
	IntegrationID  string         `json:"integration_id"`
	OrganizationID string         `json:"organization_id"`
	Enabled        bool           `json:"enabled"`
	Scopes         []string       `json:"scopes"`
	ClientID       string         `json:"client_id,omitempty"`
	ClientSecret   string         `json:"client_secret,omitempty"`
	Config         map[string]any `json:"config,omitempty"`
	CreatedAt      string         `json:"created_at"`
	UpdatedAt      string         `json:"updated_at"`
}

// renderConfig is an organization's view of an integration; without a configuration of its
// own, the organization follows the environment's settings (and the integration's ID stands in
// for the configuration's).
func renderConfig(d *storedIntegration, orgID string, x *storedIntegrationConfig) *integrationConfig {
	out := &integrationConfig{Object: "data_integration_configuration", ID: d.ID, OrganizationID: orgID, Slug: d.Slug, Name: d.name(),
		Enabled: d.Enabled, Scopes: d.Scopes, Config: map[string]any{}, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
	creds := &integrationConfigCredentials{CredentialsType: "shared", HasCredentials: true, RedirectURI: d.RedirectURI}
	if d.Credentials != nil {
		creds.CredentialsType = d.Credentials.Type
		creds.ClientID, creds.ClientSecretLastFour = d.Credentials.ClientID, d.Credentials.RedactedClientSecret
		creds.HasCredentials = d.Credentials.Type == "custom" && d.Credentials.ClientID != nil
	}
	if x != nil {
		out.ID, out.Enabled, out.Scopes, out.CreatedAt, out.UpdatedAt = x.ID, x.Enabled, x.Scopes, x.CreatedAt, x.UpdatedAt
		if x.Config != nil {
			out.Config = x.Config
		}
		if x.ClientID != "" {
			creds.CredentialsType, creds.HasCredentials = "organization", x.ClientSecret != ""
			creds.ClientID, creds.ClientSecretLastFour = &x.ClientID, last4(x.ClientSecret)
		}
	}
	if slices.Contains(d.AuthMethods, "oauth") {
		out.Credentials = creds
	}
	return out
}

func (t *tx) integrationConfig(d *storedIntegration, orgID string) (*storedIntegrationConfig, error) {
	x, err := find(t, "data_integration_configuration", orgID, func(x *storedIntegrationConfig) bool { return x.IntegrationID == d.ID })
	if errors.Is(err, errNotFound) {
		return nil, nil
	}
	return x, err
}

func listIntegrationConfigs(c *call) (int, any, error) {
	t := c.t
	o, err := t.organization(c.param("organizationId"))
	if err != nil {
		return 0, nil, err
	}
	ds, err := loadAll[storedIntegration](t, "data_integration", "")
	if err != nil {
		return 0, nil, err
	}
	out := make([]*integrationConfig, 0, len(ds))
	for _, d := range ds {
		x, err := t.integrationConfig(d, o.ID)
		if err != nil {
			return 0, nil, err
		}
		out = append(out, renderConfig(d, o.ID, x))
	}
	return http.StatusOK, map[string]any{"object": "list", "data": out}, nil
}

func configureIntegration(c *call) (int, any, error) {
	var in struct {
		Enabled      *bool          `json:"enabled"`
		Scopes       *[]string      `json:"scopes"`
		ClientID     *string        `json:"client_id"`
		ClientSecret *string        `json:"client_secret"`
		Config       map[string]any `json:"config"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	t := c.t
	o, err := t.organization(c.param("organizationId"))
	if err != nil {
		return 0, nil, err
	}
	d, err := t.integration(c.param("slug"))
	if err != nil {
		return 0, nil, err
	}
	x, err := t.integrationConfig(d, o.ID)
	if err != nil {
		return 0, nil, err
	}
	now := formatTime(t.now)
	if x == nil {
		x = &storedIntegrationConfig{ID: t.newID("data_integration_configuration_"), IntegrationID: d.ID, OrganizationID: o.ID, Enabled: d.Enabled,
			Scopes: d.Scopes, CreatedAt: now}
	}
	if in.Enabled != nil {
		x.Enabled = *in.Enabled
	}
	if in.Scopes != nil {
		x.Scopes = *in.Scopes
	}
	if in.ClientID != nil {
		x.ClientID = *in.ClientID
	}
	if in.ClientSecret != nil {
		if x.ClientID == "" {
			return 0, nil, invalidField("client_secret", "client_id_required", "client_secret needs a client_id.")
		}
		x.ClientSecret = *in.ClientSecret
	}
	if in.Config != nil {
		x.Config = in.Config
	}
	x.UpdatedAt = now
	if err := t.save("data_integration_configuration", x.ID, o.ID, x); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, renderConfig(d, o.ID, x), nil
}

// listDataProviders lists the integrations a user can connect to (those enabled, for the
// organization when one is given) with the user's connected account, if any.
func listDataProviders(c *call) (int, any, error) {
	t := c.t
	u, err := t.user(c.param("user_id"))
	if err != nil {
		return 0, nil, err
	}
	org := c.query.Get("organization_id")
	if org != "" {
		if _, err := t.organization(org); err != nil {
			return 0, nil, err
		}
	}
	ds, err := loadAll[storedIntegration](t, "data_integration", "")
	if err != nil {
		return 0, nil, err
	}
	out := []map[string]any{}
	for _, d := range ds {
		enabled, scopes := d.Enabled, d.Scopes
		credType := "shared"
		if d.Credentials != nil {
			credType = d.Credentials.Type
		}
		if org != "" {
			x, err := t.integrationConfig(d, org)
			if err != nil {
				return 0, nil, err
			}
			if x != nil {
				enabled, scopes = x.Enabled, x.Scopes
				if x.ClientID != "" {
					credType = "organization"
				}
			}
		}
		if !enabled {
			continue
		}
		ownership := "userland_user"
		if org != "" {
			ownership = "organization"
		}
		var account any
		if a, err := t.account(d, u.ID, org); err == nil {
			r := a.render()
			account = map[string]any{"object": r.Object, "id": r.ID, "user_id": r.UserID, "organization_id": r.OrganizationID, "scopes": r.Scopes,
				"auth_method": r.AuthMethod, "state": r.State, "created_at": r.CreatedAt, "updated_at": r.UpdatedAt,
				"userlandUserId": r.UserID, "organizationId": r.OrganizationID, "createdAt": r.CreatedAt, "updatedAt": r.UpdatedAt}
		} else if !errors.As(err, new(*apiError)) {
			return 0, nil, err
		}
		out = append(out, map[string]any{"object": "data_provider", "id": d.ID, "name": d.name(), "description": d.Description, "slug": d.Slug,
			"integration_type": d.IntegrationType, "credentials_type": credType, "scopes": scopes, "auth_methods": d.render().AuthMethods,
			"ownership": ownership, "created_at": d.CreatedAt, "updated_at": d.UpdatedAt, "integrationType": d.IntegrationType,
			"credentialsType": credType, "createdAt": d.CreatedAt, "updatedAt": d.UpdatedAt, "connected_account": account})
	}
	return http.StatusOK, map[string]any{"object": "list", "data": out}, nil
}
