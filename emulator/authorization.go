package emulator

import (
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strings"
)

type role struct {
	Slug             string   `json:"slug"`
	Object           string   `json:"object"`
	ID               string   `json:"id"`
	Name             string   `json:"name"`
	Description      *string  `json:"description"`
	Type             string   `json:"type"` // EnvironmentRole | OrganizationRole
	ResourceTypeSlug string   `json:"resource_type_slug"`
	Permissions      []string `json:"permissions"`
	CreatedAt        string   `json:"created_at"`
	UpdatedAt        string   `json:"updated_at"`
}

type permission struct {
	Object           string  `json:"object"`
	ID               string  `json:"id"`
	Slug             string  `json:"slug"`
	Name             string  `json:"name"`
	Description      *string `json:"description"`
	System           bool    `json:"system"`
	ResourceTypeSlug string  `json:"resource_type_slug"`
	CreatedAt        string  `json:"created_at"`
	UpdatedAt        string  `json:"updated_at"`
}

var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9:._-]{0,63}$`)

func (t *tx) envRole(slug string) (*role, error) {
	return find(t, "role", "", func(r *role) bool { return r.Slug == slug })
}

// roleFor finds a role usable in an organization: an environment role or one of the
// organization's own roles.
func (t *tx) roleFor(orgID, slug string) (*role, error) {
	r, err := t.envRole(slug)
	if err == nil || !errors.Is(err, errNotFound) || orgID == "" {
		return r, err
	}
	return find(t, "organization_role", orgID, func(r *role) bool { return r.Slug == slug })
}

// defaultRole is the role a membership gets when none is named: "member" when the environment
// has it, else its oldest role.
func (t *tx) defaultRole() (string, error) {
	roles, err := loadAll[role](t, "role", "")
	if err != nil {
		return "", err
	}
	if len(roles) == 0 {
		return "", invalidField("role_slug", "role_required", "The environment has no roles; name a role_slug.")
	}
	for _, r := range roles {
		if r.Slug == "member" {
			return r.Slug, nil
		}
	}
	return roles[0].Slug, nil
}

func (t *tx) checkPermissions(slugs []string) error {
	perms, err := loadAll[permission](t, "permission", "")
	if err != nil {
		return err
	}
	for _, s := range slugs {
		if !slices.ContainsFunc(perms, func(p *permission) bool { return p.Slug == s }) {
			return invalidField("permissions", "invalid_permission", "Permission '"+s+"' does not exist.")
		}
	}
	return nil
}

type roleInput struct {
	Slug             string   `json:"slug"`
	Name             *string  `json:"name"`
	Description      *string  `json:"description"`
	ResourceTypeSlug string   `json:"resource_type_slug"`
	Permissions      []string `json:"permissions"` // seeds only
}

func slugify(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	var b strings.Builder
	dash := false
	for _, r := range s {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimRight(b.String(), "-")
}

func (t *tx) createRole(orgID string, in roleInput) (*role, error) {
	if in.Name == nil || strings.TrimSpace(*in.Name) == "" {
		return nil, invalidField("name", "name_required", "name is required.")
	}
	typ, kind := "role", "EnvironmentRole"
	if orgID != "" {
		typ, kind = "organization_role", "OrganizationRole"
		if in.Slug == "" {
			in.Slug = slugify(*in.Name)
		}
		if !strings.HasPrefix(in.Slug, "org-") {
			in.Slug = "org-" + in.Slug // organization role slugs carry the org- prefix
		}
	}
	if !slugRE.MatchString(in.Slug) {
		return nil, invalidField("slug", "invalid_slug", "slug must be lowercase letters, digits, '-', '_', ':' or '.'.")
	}
	if _, err := t.roleFor(orgID, in.Slug); err == nil {
		code := "role_slug_conflict"
		if orgID != "" {
			code = "organization_role_slug_conflict"
		}
		return nil, conflict(code, "A role with slug '"+in.Slug+"' already exists.")
	} else if !errors.Is(err, errNotFound) {
		return nil, err
	}
	if err := t.checkPermissions(in.Permissions); err != nil {
		return nil, err
	}
	rt := in.ResourceTypeSlug
	if rt == "" {
		rt = "organization"
	}
	perms := in.Permissions
	if perms == nil {
		perms = []string{}
	}
	r := &role{Slug: in.Slug, Object: "role", ID: t.newID("role_"), Name: strings.TrimSpace(*in.Name), Description: in.Description, Type: kind,
		ResourceTypeSlug: rt, Permissions: perms, CreatedAt: formatTime(t.now), UpdatedAt: formatTime(t.now)}
	if err := t.save(typ, r.ID, orgID, r); err != nil {
		return nil, err
	}
	ev := "role.created"
	if orgID != "" {
		ev = "organization_role.created"
	}
	return r, t.emit(ev, orgID, roleEvent(r, orgID))
}

func roleEvent(r *role, orgID string) map[string]any {
	m := map[string]any{"object": "role", "slug": r.Slug, "resource_type_slug": r.ResourceTypeSlug, "permissions": r.Permissions,
		"created_at": r.CreatedAt, "updated_at": r.UpdatedAt}
	if orgID != "" {
		m["object"] = "organization_role"
		m["organization_id"] = orgID
		m["name"] = r.Name
		m["description"] = r.Description
	}
	return m
}

// roleScope reads the route's organization (empty for environment roles) and checks it exists.
func roleScope(c *call) (string, error) {
	org := c.param("organizationId")
	if org != "" {
		if _, err := c.t.organization(org); err != nil {
			return "", err
		}
	}
	return org, nil
}

func (t *tx) scopedRole(org, slug string) (*role, string, error) {
	typ := "role"
	if org != "" {
		typ = "organization_role"
	}
	r, err := find(t, typ, org, func(r *role) bool { return r.Slug == slug })
	if errors.Is(err, errNotFound) {
		if org != "" {
			// An organization's role paths also reach the environment roles it inherits.
			if er, err2 := t.envRole(slug); err2 == nil {
				return er, "role", nil
			}
		}
		return nil, "", notFound("Role", slug)
	}
	return r, typ, err
}

// decodeRole is the organization of the path ("" for the environment's roles) and the role
// body, in that order: an unknown organization is reported before a bad body.
func decodeRole(c *call) (string, roleInput, error) {
	var in roleInput
	org, err := roleScope(c)
	if err != nil {
		return "", in, err
	}
	err = c.decode(&in)
	return org, in, err
}

func createRoleHandler(c *call) (int, any, error) {
	org, in, err := decodeRole(c)
	if err != nil {
		return 0, nil, err
	}
	in.Permissions = nil
	if org == "" && in.Slug == "" {
		return 0, nil, invalidField("slug", "slug_required", "slug is required.")
	}
	r, err := c.t.createRole(org, in)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, r, nil
}

func listRoles(c *call) (int, any, error) {
	org, err := roleScope(c)
	if err != nil {
		return 0, nil, err
	}
	roles, err := loadAll[role](c.t, "role", "")
	if err != nil {
		return 0, nil, err
	}
	if org != "" {
		own, err := loadAll[role](c.t, "organization_role", org)
		if err != nil {
			return 0, nil, err
		}
		roles = append(roles, own...)
	}
	if roles == nil {
		roles = []*role{}
	}
	return http.StatusOK, map[string]any{"object": "list", "data": roles}, nil
}

func getRole(c *call) (int, any, error) {
	org, err := roleScope(c)
	if err != nil {
		return 0, nil, err
	}
	r, _, err := c.t.scopedRole(org, c.param("slug"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, r, nil
}

func (t *tx) saveRole(r *role, typ, org string) (*role, error) {
	r.UpdatedAt = formatTime(t.now)
	if err := t.save(typ, r.ID, org, r); err != nil {
		return nil, err
	}
	ev := "role.updated"
	if typ == "organization_role" {
		ev = "organization_role.updated"
	} else {
		org = ""
	}
	return r, t.emit(ev, org, roleEvent(r, org))
}

// changeableRole is the role the path names ({slug}) as seen from org, refused when it is an
// environment role reached through an organization, which only the environment may change.
func (c *call) changeableRole(org string) (*role, string, error) {
	r, typ, err := c.t.scopedRole(org, c.param("slug"))
	if err != nil {
		return nil, "", err
	}
	if org != "" && typ == "role" {
		return nil, "", badRequest("bad_request", "An environment role cannot be changed through an organization.")
	}
	return r, typ, nil
}

func updateRole(c *call) (int, any, error) {
	org, in, err := decodeRole(c)
	if err != nil {
		return 0, nil, err
	}
	r, typ, err := c.changeableRole(org)
	if err != nil {
		return 0, nil, err
	}
	if in.Name != nil {
		if strings.TrimSpace(*in.Name) == "" {
			return 0, nil, invalidField("name", "name_required", "name cannot be empty.")
		}
		r.Name = strings.TrimSpace(*in.Name)
	}
	if in.Description != nil {
		r.Description = in.Description
	}
	r, err = c.t.saveRole(r, typ, org)
	return http.StatusOK, r, err
}

func deleteRole(c *call) (int, any, error) {
	org, err := roleScope(c)
	if err != nil {
		return 0, nil, err
	}
	t := c.t
	r, typ, err := t.scopedRole(org, c.param("slug"))
	if err != nil {
		return 0, nil, err
	}
	if org != "" && typ == "role" {
		return 0, nil, badRequest("bad_request", "An environment role cannot be deleted through an organization.")
	}
	users, err := filter(t, "organization_membership", org, func(m *membership) bool {
		return slices.ContainsFunc(m.Roles, func(s roleSlug) bool { return s.Slug == r.Slug }) || m.Role.Slug == r.Slug
	})
	if err != nil {
		return 0, nil, err
	}
	if len(users) > 0 {
		return 0, nil, conflict("role_has_assignments", "The role is assigned to organization memberships; reassign them first.")
	}
	if err := t.remove(typ, r.ID); err != nil {
		return 0, nil, err
	}
	ev := "role.deleted"
	if typ == "organization_role" {
		ev = "organization_role.deleted"
	}
	return http.StatusNoContent, nil, t.emit(ev, org, roleEvent(r, org))
}

func setRolePermissions(c *call) (int, any, error) {
	org, err := roleScope(c)
	if err != nil {
		return 0, nil, err
	}
	var in struct {
		Permissions *[]string `json:"permissions"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if in.Permissions == nil {
		return 0, nil, invalidField("permissions", "permissions_required", "permissions is required.")
	}
	r, typ, err := c.changeableRole(org)
	if err != nil {
		return 0, nil, err
	}
	if err := c.t.checkPermissions(*in.Permissions); err != nil {
		return 0, nil, err
	}
	r.Permissions = slices.Compact(slices.Sorted(slices.Values(*in.Permissions)))
	if r.Permissions == nil {
		r.Permissions = []string{}
	}
	r, err = c.t.saveRole(r, typ, org)
	return http.StatusOK, r, err
}

func addRolePermission(c *call) (int, any, error) {
	org, err := roleScope(c)
	if err != nil {
		return 0, nil, err
	}
	var in struct {
		Slug string `json:"slug"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if in.Slug == "" {
		return 0, nil, invalidField("slug", "slug_required", "slug is required.")
	}
	r, typ, err := c.changeableRole(org)
	if err != nil {
		return 0, nil, err
	}
	if err := c.t.checkPermissions([]string{in.Slug}); err != nil {
		return 0, nil, err
	}
	if !slices.Contains(r.Permissions, in.Slug) {
		r.Permissions = append(r.Permissions, in.Slug)
	}
	r, err = c.t.saveRole(r, typ, org)
	return http.StatusOK, r, err
}

func removeRolePermission(c *call) (int, any, error) {
	org, err := roleScope(c)
	if err != nil {
		return 0, nil, err
	}
	r, typ, err := c.changeableRole(org)
	if err != nil {
		return 0, nil, err
	}
	p := c.param("permissionSlug")
	if !slices.Contains(r.Permissions, p) {
		return 0, nil, notFound("Permission", p)
	}
	r.Permissions = slices.DeleteFunc(r.Permissions, func(s string) bool { return s == p })
	r, err = c.t.saveRole(r, typ, org)
	return http.StatusOK, r, err
}

// Permissions.

func (t *tx) permission(slug string) (*permission, error) {
	p, err := find(t, "permission", "", func(p *permission) bool { return p.Slug == slug })
	if errors.Is(err, errNotFound) {
		return nil, notFound("Permission", slug)
	}
	return p, err
}

type permissionInput struct {
	Slug             string  `json:"slug"`
	Name             string  `json:"name"`
	Description      *string `json:"description"`
	ResourceTypeSlug string  `json:"resource_type_slug"`
}

func (t *tx) createPermission(in permissionInput) (*permission, error) {
	var errs []fieldError
	if !slugRE.MatchString(in.Slug) {
		errs = append(errs, fieldError{Field: "slug", Code: "invalid_slug", Message: "slug must be lowercase letters, digits, '-', '_', ':' or '.'."})
	}
	if strings.TrimSpace(in.Name) == "" {
		errs = append(errs, fieldError{Field: "name", Code: "name_required", Message: "name is required."})
	}
	if len(errs) > 0 {
		return nil, invalidParams(errs...)
	}
	if _, err := t.permission(in.Slug); err == nil {
		return nil, conflict("permission_slug_conflict", "A permission with slug '"+in.Slug+"' already exists.")
	}
	rt := in.ResourceTypeSlug
	if rt == "" {
		rt = "workspace"
	}
	p := &permission{Object: "permission", ID: t.newID("perm_"), Slug: in.Slug, Name: strings.TrimSpace(in.Name), Description: in.Description,
		ResourceTypeSlug: rt, CreatedAt: formatTime(t.now), UpdatedAt: formatTime(t.now)}
	if err := t.save("permission", p.ID, "", p); err != nil {
		return nil, err
	}
	return p, t.emit("permission.created", "", p)
}

func createPermissionHandler(c *call) (int, any, error) {
	var in permissionInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	p, err := c.t.createPermission(in)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, p, nil
}

func listPermissions(c *call) (int, any, error) {
	pg, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	ps, err := loadAll[permission](c.t, "permission", "")
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, paginate(ps, func(p *permission) string { return p.ID }, pg), nil
}

func getPermission(c *call) (int, any, error) {
	p, err := c.t.permission(c.param("slug"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, p, nil
}

func updatePermission(c *call) (int, any, error) {
	var in struct {
		Name        *string `json:"name"`
		Description *string `json:"description"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	t := c.t
	p, err := t.permission(c.param("slug"))
	if err != nil {
		return 0, nil, err
	}
	if in.Name != nil {
		if strings.TrimSpace(*in.Name) == "" {
			return 0, nil, invalidField("name", "name_required", "name cannot be empty.")
		}
		p.Name = strings.TrimSpace(*in.Name)
	}
	if in.Description != nil {
		p.Description = in.Description
	}
	p.UpdatedAt = formatTime(t.now)
	if err := t.save("permission", p.ID, "", p); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, p, t.emit("permission.updated", "", p)
}

// deletePermission also takes the permission out of every role that grants it.
func deletePermission(c *call) (int, any, error) {
	t := c.t
	p, err := t.permission(c.param("slug"))
	if err != nil {
		return 0, nil, err
	}
	for _, typ := range []string{"role", "organization_role"} {
		rs, err := loadAll[role](t, typ, "")
		if err != nil {
			return 0, nil, err
		}
		for _, r := range rs {
			if slices.Contains(r.Permissions, p.Slug) {
				r.Permissions = slices.DeleteFunc(r.Permissions, func(s string) bool { return s == p.Slug })
				if err := t.update(typ, r.ID, r); err != nil {
					return 0, nil, err
				}
			}
		}
	}
	if err := t.remove("permission", p.ID); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, t.emit("permission.deleted", "", p)
}
