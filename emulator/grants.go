package emulator

import (
	"errors"
	"net/http"
)

// Authorized applications: the Connect (OAuth) applications a user has consented to, with the
// scopes granted. The emulator does not run the consent screen, so grants come from the seed
// ("authorized_applications"); they can be listed and revoked like WorkOS's.

type appGrant struct {
	ID             string   `json:"id"`
	UserID         string   `json:"user_id"`
	OrganizationID string   `json:"organization_id,omitempty"`
	ApplicationID  string   `json:"application_id"`
	GrantedScopes  []string `json:"granted_scopes"`
}

type authorizedApp struct {
	Object        string      `json:"object"`
	ID            string      `json:"id"`
	GrantedScopes []string    `json:"granted_scopes"`
	Application   *connectApp `json:"application"`
	UserID        string      `json:"user_id,omitempty"` // in an organization's list: who consented
}

func (t *tx) grant(userID, orgID, appID string, scopes []string) (*appGrant, error) {
	app, err := t.app(appID)
	if err != nil {
		return nil, err
	}
	if scopes == nil {
		scopes = app.Scopes
	}
	g := &appGrant{ID: t.newID("authorized_app_"), UserID: userID, OrganizationID: orgID, ApplicationID: app.ID, GrantedScopes: scopes}
	return g, t.save("authorized_application", g.ID, orgID, g)
}

// renderGrants pairs grants with their applications; a grant whose application was deleted
// is gone with it.
func (t *tx) renderGrants(gs []*appGrant, withUser bool) ([]*authorizedApp, error) {
	out := make([]*authorizedApp, 0, len(gs))
	for _, g := range gs {
		app, err := load[connectApp](t, "connect_application", g.ApplicationID)
		if errors.Is(err, errNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		scopes := g.GrantedScopes
		if scopes == nil {
			scopes = []string{}
		}
		a := &authorizedApp{Object: "authorized_connect_application", ID: g.ID, GrantedScopes: scopes, Application: app}
		if withUser {
			a.UserID = g.UserID
		}
		out = append(out, a)
	}
	return out, nil
}

func listAuthorizedApplications(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	t := c.t
	var gs []*appGrant
	if id := c.param("user_id"); id != "" {
		if _, err := t.user(id); err != nil {
			return 0, nil, err
		}
		gs, err = filter(t, "authorized_application", "", func(g *appGrant) bool { return g.UserID == id })
	} else {
		o, oerr := t.organization(c.param("organization_id"))
		if oerr != nil {
			return 0, nil, oerr
		}
		gs, err = loadAll[appGrant](t, "authorized_application", o.ID)
	}
	if err != nil {
		return 0, nil, err
	}
	out, err := t.renderGrants(gs, c.param("user_id") == "")
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, paginate(out, func(a *authorizedApp) string { return a.ID }, p), nil
}

// revokeAuthorizedApplication removes a user's consent to an application, named by the
// application's ID or client ID (or the grant's ID).
func revokeAuthorizedApplication(c *call) (int, any, error) {
	t := c.t
	u, err := t.user(c.param("user_id"))
	if err != nil {
		return 0, nil, err
	}
	ref := c.param("application_id")
	gs, err := filter(t, "authorized_application", "", func(g *appGrant) bool { return g.UserID == u.ID })
	if err != nil {
		return 0, nil, err
	}
	found := false
	for _, g := range gs {
		match := g.ID == ref || g.ApplicationID == ref
		if !match {
			if app, err := load[connectApp](t, "connect_application", g.ApplicationID); err == nil && app.ClientID == ref {
				match = true
			}
		}
		if match {
			found = true
			if err := t.remove("authorized_application", g.ID); err != nil {
				return 0, nil, err
			}
		}
	}
	if !found {
		return 0, nil, notFound("Authorized application", ref)
	}
	return http.StatusNoContent, nil, nil
}
