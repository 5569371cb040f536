package emulator

import (
	"errors"
	"net/http"
	"slices"
	"strings"
)

// Feature flags.

type flagOwner struct {
	Email     string  `json:"email"`
	FirstName *string `json:"first_name"`
	LastName  *string `json:"last_name"`
}

type featureFlag struct {
	Object       string     `json:"object"`
	ID           string     `json:"id"`
	Slug         string     `json:"slug"`
	Name         string     `json:"name"`
	Description  *string    `json:"description"`
	Owner        *flagOwner `json:"owner"`
	Tags         []string   `json:"tags"`
	Enabled      bool       `json:"enabled"`
	DefaultValue bool       `json:"default_value"`
	CreatedAt    string     `json:"created_at"`
	UpdatedAt    string     `json:"updated_at"`
}

type storedFlag struct {
	featureFlag
	Targets []string `json:"targets"`
}

func (f *storedFlag) eventData(env string) map[string]any {
	return map[string]any{"object": "feature_flag", "id": f.ID, "slug": f.Slug, "name": f.Name, "description": f.Description, "owner": f.Owner,
		"tags": f.Tags, "enabled": f.Enabled, "default_value": f.DefaultValue, "environment_id": "environment_" + env,
		"created_at": f.CreatedAt, "updated_at": f.UpdatedAt}
}

func (t *tx) flag(slug string) (*storedFlag, error) {
	f, err := find(t, "feature_flag", "", func(f *storedFlag) bool { return f.Slug == slug })
	if errors.Is(err, errNotFound) {
		return nil, notFound("Feature flag", slug)
	}
	if err == nil && f.Tags == nil {
		f.Tags = []string{}
	}
	return f, err
}

func listFlags(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	fs, err := loadAll[storedFlag](c.t, "feature_flag", "")
	if err != nil {
		return 0, nil, err
	}
	target := c.param("organizationId")
	if target == "" {
		target = c.param("userId")
	}
	if c.param("organizationId") != "" {
		if _, err := c.t.organization(target); err != nil {
			return 0, nil, err
		}
	} else if c.param("userId") != "" {
		if _, err := c.t.user(target); err != nil {
			return 0, nil, err
		}
	}
	out := []*featureFlag{}
	for _, f := range fs {
		if f.Tags == nil {
			f.Tags = []string{}
		}
		// For an organization or a user: the flags that are on for it.
		if target != "" && !(f.Enabled && (f.DefaultValue || slices.Contains(f.Targets, target))) {
			continue
		}
		out = append(out, &f.featureFlag)
	}
	return http.StatusOK, paginate(out, func(f *featureFlag) string { return f.ID }, p), nil
}

func getFlag(c *call) (int, any, error) {
	f, err := c.t.flag(c.param("slug"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, &f.featureFlag, nil
}

func setFlag(enabled bool) handlerFunc {
	return func(c *call) (int, any, error) {
		f, err := c.t.flag(c.param("slug"))
		if err != nil {
			return 0, nil, err
		}
		if f.Enabled != enabled {
			f.Enabled, f.UpdatedAt = enabled, formatTime(c.t.now)
			if err := c.t.save("feature_flag", f.ID, "", f); err != nil {
				return 0, nil, err
			}
			if err := c.t.emit("flag.updated", "", f.eventData(c.env.Name)); err != nil {
				return 0, nil, err
			}
		}
		return http.StatusOK, &f.featureFlag, nil
	}
}

func setFlagTarget(add bool) handlerFunc {
	return func(c *call) (int, any, error) {
		t := c.t
		f, err := t.flag(c.param("slug"))
		if err != nil {
			return 0, nil, err
		}
		target := c.param("resourceId")
		switch {
		case strings.HasPrefix(target, "org_"):
			if _, err := t.organization(target); err != nil {
				return 0, nil, err
			}
		case strings.HasPrefix(target, "user_"):
			if _, err := t.user(target); err != nil {
				return 0, nil, err
			}
		default:
			return 0, nil, badRequest("invalid_resource", "A flag target is an organization (org_…) or a user (user_…).")
		}
		has := slices.Contains(f.Targets, target)
		if add == has {
			return http.StatusNoContent, nil, nil
		}
		before, err := t.flagTargeting(f)
		if err != nil {
			return 0, nil, err
		}
		if add {
			f.Targets = append(f.Targets, target)
		} else {
			f.Targets = slices.DeleteFunc(f.Targets, func(s string) bool { return s == target })
		}
		f.UpdatedAt = formatTime(t.now)
		if err := t.save("feature_flag", f.ID, "", f); err != nil {
			return 0, nil, err
		}
		after, err := t.flagTargeting(f)
		if err != nil {
			return 0, nil, err
		}
		after["previous_attributes"] = map[string]any{"context": before}
		return http.StatusNoContent, nil, t.emitWith("flag.rule_updated", "", f.eventData(c.env.Name), after)
	}
}

// flagTargeting describes who a flag is on for, as flag.rule_updated events report it.
func (t *tx) flagTargeting(f *storedFlag) (map[string]any, error) {
	orgs, users := []map[string]any{}, []map[string]any{}
	for _, id := range f.Targets {
		if o, err := load[organization](t, "organization", id); err == nil {
			orgs = append(orgs, map[string]any{"id": o.ID, "name": o.Name})
		} else if u, err := load[user](t, "user", id); err == nil {
			users = append(users, map[string]any{"id": u.ID, "email": u.Email})
		}
	}
	access := "none"
	switch {
	case f.DefaultValue:
		access = "all"
	case len(orgs)+len(users) > 0:
		access = "some"
	}
	return map[string]any{"access_type": access, "configured_targets": map[string]any{"organizations": orgs, "users": users}}, nil
}
