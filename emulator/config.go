package emulator

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// Environment configuration: CORS origins, redirect URIs and the JWT template.

type corsOrigin struct {
	Object    string `json:"object"`
	ID        string `json:"id"`
	Origin    string `json:"origin"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

func createCORSOrigin(c *call) (int, any, error) {
	var in struct {
		Origin string `json:"origin"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	u, err := url.Parse(in.Origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return 0, nil, invalidField("origin", "invalid_origin", "origin must be a scheme and host, such as https://app.example.com.")
	}
	origin := u.Scheme + "://" + u.Host
	t := c.t
	if _, err := find(t, "cors_origin", "", func(o *corsOrigin) bool { return o.Origin == origin }); err == nil {
		return 0, nil, conflict("duplicate_cors_origin", "This origin is already allowed.")
	}
	o := &corsOrigin{Object: "cors_origin", ID: t.newID("cors_origin_"), Origin: origin, CreatedAt: formatTime(t.now), UpdatedAt: formatTime(t.now)}
	return http.StatusCreated, o, t.save("cors_origin", o.ID, "", o)
}

func listCORSOrigins(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	os, err := loadAll[corsOrigin](c.t, "cors_origin", "")
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, paginate(os, func(o *corsOrigin) string { return o.ID }, p), nil
}

type redirectURI struct {
	Object    string `json:"object"`
	ID        string `json:"id"`
	URI       string `json:"uri"`
	Default   bool   `json:"default"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

// createRedirectURI adds an allowed redirect URI; the first one is the default.
func createRedirectURI(c *call) (int, any, error) {
	var in struct {
		URI string `json:"uri"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	u, err := url.Parse(in.URI)
	if err != nil || u.Scheme == "" || (strings.HasPrefix(u.Scheme, "http") && u.Host == "") || u.Fragment != "" {
		return 0, nil, invalidField("uri", "invalid_uri", "uri must be an absolute URI without a fragment.")
	}
	t := c.t
	all, err := loadAll[redirectURI](t, "redirect_uri", "")
	if err != nil {
		return 0, nil, err
	}
	for _, r := range all {
		if r.URI == in.URI {
			return 0, nil, invalidField("uri", "duplicate_uri", "This redirect URI already exists.")
		}
	}
	r := &redirectURI{Object: "redirect_uri", ID: t.newID("redir_"), URI: in.URI, Default: len(all) == 0, CreatedAt: formatTime(t.now), UpdatedAt: formatTime(t.now)}
	return http.StatusCreated, r, t.save("redirect_uri", r.ID, "", r)
}

func listRedirectURIs(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	rs, err := loadAll[redirectURI](c.t, "redirect_uri", "")
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, paginate(rs, func(r *redirectURI) string { return r.ID }, p), nil
}

func deleteRedirectURI(c *call) (int, any, error) {
	id := c.param("id")
	r, err := loadFound[redirectURI](c.t, "redirect_uri", "Redirect URI", id)
	if err != nil {
		return 0, nil, err
	}
	if r.Default {
		return 0, nil, conflict("default_redirect_uri", "The default redirect URI cannot be deleted.")
	}
	return http.StatusNoContent, nil, c.t.remove("redirect_uri", id)
}

type jwtTemplate struct {
	Object    string `json:"object"`
	Content   string `json:"content"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

func getJWTTemplate(c *call) (int, any, error) {
	tpl, err := loadFound[jwtTemplate](c.t, "jwt_template", "JWT template", "jwt_template")
	return http.StatusOK, tpl, err
}

// putJWTTemplate stores the template; its content must be a JSON object (WorkOS also checks the
// {{…}} expressions, which the emulator does not evaluate).
func putJWTTemplate(c *call) (int, any, error) {
	var in struct {
		Content *string `json:"content"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	var obj map[string]any
	if in.Content == nil || json.Unmarshal([]byte(*in.Content), &obj) != nil {
		return 0, nil, invalidField("content", "invalid_template", "content must be a JSON object.")
	}
	t := c.t
	tpl, err := load[jwtTemplate](t, "jwt_template", "jwt_template")
	if errors.Is(err, errNotFound) {
		tpl, err = &jwtTemplate{Object: "jwt_template", CreatedAt: formatTime(t.now)}, nil
	}
	if err != nil {
		return 0, nil, err
	}
	tpl.Content, tpl.UpdatedAt = *in.Content, formatTime(t.now)
	return http.StatusOK, tpl, t.save("jwt_template", "jwt_template", "", tpl)
}
