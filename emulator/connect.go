package emulator

import (
	"errors"
	"net/http"
	"strings"
)

// Connect applications: OAuth (first- or third-party) and M2M clients of the environment, with
// their client secrets (the value is shown once, at creation).

type appRedirectURI struct {
	URI     string `json:"uri"`
	Default bool   `json:"default"`
}

type connectApp struct {
	Object                   string            `json:"object"`
	ID                       string            `json:"id"`
	ClientID                 string            `json:"client_id"`
	Name                     string            `json:"name"`
	Description              *string           `json:"description"`
	Scopes                   []string          `json:"scopes"`
	ApplicationType          string            `json:"application_type"`        // oauth | m2m
	RedirectURIs             *[]appRedirectURI `json:"redirect_uris,omitempty"` // oauth only
	UsesPKCE                 *bool             `json:"uses_pkce,omitempty"`
	IsFirstParty             *bool             `json:"is_first_party,omitempty"`
	WasDynamicallyRegistered *bool             `json:"was_dynamically_registered,omitempty"`
	OrganizationID           string            `json:"organization_id,omitempty"`
	CreatedAt                string            `json:"created_at"`
	UpdatedAt                string            `json:"updated_at"`
}

type appSecret struct {
	Object     string  `json:"object"`
	ID         string  `json:"id"`
	AppID      string  `json:"application_id,omitempty"`
	SecretHint string  `json:"secret_hint"`
	LastUsedAt *string `json:"last_used_at"`
	CreatedAt  string  `json:"created_at"`
	UpdatedAt  string  `json:"updated_at"`
	Secret     string  `json:"secret,omitempty"`
}

func (s *appSecret) render() *appSecret {
	cp := *s
	cp.AppID, cp.Secret = "", ""
	return &cp
}

type appInput struct {
	Name            *string           `json:"name"`
	Description     *string           `json:"description"`
	ApplicationType string            `json:"application_type"`
	Scopes          *[]string         `json:"scopes"`
	RedirectURIs    *[]appRedirectURI `json:"redirect_uris"`
	UsesPKCE        *bool             `json:"uses_pkce"`
	IsFirstParty    *bool             `json:"is_first_party"`
	OrganizationID  *string           `json:"organization_id"`
}

func validRedirects(rs []appRedirectURI) error {
	defaults := 0
	for _, r := range rs {
		if !validURL(r.URI) && !strings.Contains(r.URI, "://") {
			return invalidField("redirect_uris", "invalid_uri", "'"+r.URI+"' is not an absolute URI.")
		}
		if r.Default {
			defaults++
		}
	}
	if defaults > 1 {
		return invalidField("redirect_uris", "multiple_defaults", "Only one redirect URI can be the default.")
	}
	return nil
}

func createApp(c *call) (int, any, error) {
	var in appInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if in.Name == nil || strings.TrimSpace(*in.Name) == "" {
		return 0, nil, invalidField("name", "name_required", "name is required.")
	}
	t := c.t
	app := &connectApp{Object: "connect_application", ID: t.newID("conn_app_"), ClientID: t.newID("client_"), Name: strings.TrimSpace(*in.Name),
		Description: in.Description, Scopes: []string{}, ApplicationType: in.ApplicationType, CreatedAt: formatTime(t.now), UpdatedAt: formatTime(t.now)}
	if in.Scopes != nil && *in.Scopes != nil {
		app.Scopes = *in.Scopes
	}
	org := ""
	if in.OrganizationID != nil {
		org = *in.OrganizationID
	}
	if org != "" {
		if _, err := t.organization(org); err != nil {
			return 0, nil, err
		}
	}
	no := false
	switch in.ApplicationType {
	case "oauth":
		if in.IsFirstParty == nil {
			return 0, nil, invalidField("is_first_party", "required", "is_first_party is required for an OAuth application.")
		}
		pkce := true
		if in.UsesPKCE != nil {
			pkce = *in.UsesPKCE
		}
		rs := []appRedirectURI{}
		if in.RedirectURIs != nil && *in.RedirectURIs != nil {
			if err := validRedirects(*in.RedirectURIs); err != nil {
				return 0, nil, err
			}
			rs = *in.RedirectURIs
		}
		app.UsesPKCE, app.IsFirstParty, app.RedirectURIs = &pkce, in.IsFirstParty, &rs
		if !*in.IsFirstParty {
			if org == "" {
				return 0, nil, invalidField("organization_id", "required", "A third-party OAuth application belongs to an organization.")
			}
			app.WasDynamicallyRegistered, app.OrganizationID = &no, org
		}
	case "m2m":
		if org == "" {
			return 0, nil, invalidField("organization_id", "required", "An M2M application belongs to an organization.")
		}
		app.OrganizationID = org
	default:
		return 0, nil, invalidField("application_type", "invalid_application_type", "application_type must be oauth or m2m.")
	}
	return http.StatusCreated, app, t.save("connect_application", app.ID, app.OrganizationID, app)
}

func (t *tx) app(id string) (*connectApp, error) {
	a, err := loadFound[connectApp](t, "connect_application", "Application", id)
	return a, err
}

func listApps(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	types := map[string]bool{}
	for _, v := range c.queryList("registration_types") {
		types[v] = true
	}
	as, err := filter(c.t, "connect_application", c.query.Get("organization_id"), func(a *connectApp) bool {
		if len(types) == 0 {
			return true
		}
		dynamic := a.WasDynamicallyRegistered != nil && *a.WasDynamicallyRegistered
		return (dynamic && types["dynamic"]) || (!dynamic && types["authenticated"])
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, paginate(as, func(a *connectApp) string { return a.ID }, p), nil
}

func getApp(c *call) (int, any, error) {
	a, err := c.t.app(c.param("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, a, nil
}

func updateApp(c *call) (int, any, error) {
	var in appInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	t := c.t
	a, err := t.app(c.param("id"))
	if err != nil {
		return 0, nil, err
	}
	if in.Name != nil {
		if strings.TrimSpace(*in.Name) == "" {
			return 0, nil, invalidField("name", "name_required", "name cannot be empty.")
		}
		a.Name = strings.TrimSpace(*in.Name)
	}
	if in.Scopes != nil {
		a.Scopes = []string{}
		if *in.Scopes != nil {
			a.Scopes = *in.Scopes
		}
	}
	if in.RedirectURIs != nil {
		if a.ApplicationType != "oauth" {
			return 0, nil, invalidField("redirect_uris", "not_oauth", "Only an OAuth application has redirect URIs.")
		}
		rs := []appRedirectURI{}
		if *in.RedirectURIs != nil {
			rs = *in.RedirectURIs
		}
		if err := validRedirects(rs); err != nil {
			return 0, nil, err
		}
		a.RedirectURIs = &rs
	}
	if in.Description != nil {
		a.Description = in.Description
	}
	a.UpdatedAt = formatTime(t.now)
	return http.StatusOK, a, t.update("connect_application", a.ID, a)
}

func deleteApp(c *call) (int, any, error) {
	t := c.t
	a, err := t.app(c.param("id"))
	if err != nil {
		return 0, nil, err
	}
	secrets, err := filter(t, "connect_application_secret", "", func(s *appSecret) bool { return s.AppID == a.ID })
	if err != nil {
		return 0, nil, err
	}
	for _, s := range secrets {
		if err := t.remove("connect_application_secret", s.ID); err != nil {
			return 0, nil, err
		}
	}
	return http.StatusNoContent, nil, t.remove("connect_application", a.ID)
}

func listAppSecrets(c *call) (int, any, error) {
	a, err := c.t.app(c.param("id"))
	if err != nil {
		return 0, nil, err
	}
	ss, err := filter(c.t, "connect_application_secret", "", func(s *appSecret) bool { return s.AppID == a.ID })
	if err != nil {
		return 0, nil, err
	}
	out := []*appSecret{}
	for _, s := range ss {
		out = append(out, s.render())
	}
	return http.StatusOK, out, nil
}

func createAppSecret(c *call) (int, any, error) {
	t := c.t
	a, err := t.app(c.param("id"))
	if err != nil {
		return 0, nil, err
	}
	value := randomToken(48)
	s := &appSecret{Object: "connect_application_secret", ID: t.newID("secret_"), AppID: a.ID, SecretHint: value[len(value)-6:],
		CreatedAt: formatTime(t.now), UpdatedAt: formatTime(t.now)}
	// Only a hash would do in production; the emulator keeps nothing it would need to verify.
	if err := t.save("connect_application_secret", s.ID, "", s); err != nil {
		return 0, nil, err
	}
	out := s.render()
	out.Secret = value
	return http.StatusCreated, out, nil
}

func deleteAppSecret(c *call) (int, any, error) {
	id := c.param("id")
	if _, err := load[appSecret](c.t, "connect_application_secret", id); errors.Is(err, errNotFound) {
		return 0, nil, notFound("Client secret", id)
	} else if err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, c.t.remove("connect_application_secret", id)
}
