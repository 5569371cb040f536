package emulator

import (
	"errors"
	"net/http"
	"slices"
	"strings"
)

// Fine-grained authorization: resources (a tree per organization), role assignments of
// memberships on resources, and the permissions they add up to. A membership's organization
// roles apply to every resource of its organization; a role assigned on a resource applies to
// it and to its descendants.

type authzResource struct {
	Object           string  `json:"object"`
	ID               string  `json:"id"`
	ExternalID       string  `json:"external_id"`
	Name             string  `json:"name"`
	Description      *string `json:"description"`
	OrganizationID   string  `json:"organization_id"`
	ParentResourceID *string `json:"parent_resource_id"`
	ResourceTypeSlug string  `json:"resource_type_slug"`
	CreatedAt        string  `json:"created_at"`
	UpdatedAt        string  `json:"updated_at"`
}

type assignmentResource struct {
	ID               string `json:"id"`
	ExternalID       string `json:"external_id"`
	ResourceTypeSlug string `json:"resource_type_slug"`
}

type assignmentSource struct {
	Type                  string  `json:"type"`
	GroupRoleAssignmentID *string `json:"group_role_assignment_id"`
}

type roleAssignment struct {
	Object       string             `json:"object"`
	ID           string             `json:"id"`
	MembershipID string             `json:"organization_membership_id"`
	Role         roleSlug           `json:"role"`
	Resource     assignmentResource `json:"resource"`
	Source       assignmentSource   `json:"source"`
	CreatedAt    string             `json:"created_at"`
	UpdatedAt    string             `json:"updated_at"`
}

func (t *tx) resource(id string) (*authzResource, error) {
	r, err := loadFound[authzResource](t, "authz_resource", "Resource", id)
	return r, err
}

func (t *tx) resourceByExternalID(org, typ, ext string) (*authzResource, error) {
	r, err := find(t, "authz_resource", org, func(r *authzResource) bool { return r.ResourceTypeSlug == typ && r.ExternalID == ext })
	if errors.Is(err, errNotFound) {
		return nil, notFound("Resource", typ+"/"+ext)
	}
	return r, err
}

// pathResource reads the resource a route names, by ID or by organization, type and external ID.
func pathResource(c *call) (*authzResource, error) {
	if id := c.param("resource_id"); id != "" {
		return c.t.resource(id)
	}
	if _, err := c.t.organization(c.param("organization_id")); err != nil {
		return nil, err
	}
	return c.t.resourceByExternalID(c.param("organization_id"), c.param("resource_type_slug"), c.param("external_id"))
}

// refResource reads a resource a body names, by ID or by external ID and type, in an organization.
func (t *tx) refResource(org, id, ext, typ, field string) (*authzResource, error) {
	switch {
	case id != "":
		r, err := t.resource(id)
		if err == nil && org != "" && r.OrganizationID != org {
			return nil, invalidField(field, "wrong_organization", "The resource belongs to another organization.")
		}
		return r, err
	case ext != "" && typ != "":
		return t.resourceByExternalID(org, typ, ext)
	}
	return nil, invalidField(field, "resource_required", "Name the resource by ID, or by external ID and resource type slug.")
}

// lineage is the resource and its ancestors, nearest first (bounded: the tree has no cycles,
// but a corrupt one must not loop).
func (t *tx) lineage(r *authzResource) ([]*authzResource, error) {
	out := []*authzResource{r}
	for i := 0; i < 64 && r.ParentResourceID != nil; i++ {
		p, err := load[authzResource](t, "authz_resource", *r.ParentResourceID)
		if errors.Is(err, errNotFound) {
			break
		}
		if err != nil {
			return nil, err
		}
		out, r = append(out, p), p
	}
	return out, nil
}

// effectivePermissions adds up what a membership may do on a resource.
func (t *tx) effectivePermissions(m *membership, r *authzResource) (map[string]bool, error) {
	perms := map[string]bool{}
	if m.Status != "active" {
		return perms, nil
	}
	grant := func(slug string) error {
		role, err := t.roleFor(m.OrganizationID, slug)
		if errors.Is(err, errNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		for _, p := range role.Permissions {
			perms[p] = true
		}
		return nil
	}
	for _, rs := range m.Roles {
		if err := grant(rs.Slug); err != nil {
			return nil, err
		}
	}
	if r == nil {
		return perms, nil
	}
	line, err := t.lineage(r)
	if err != nil {
		return nil, err
	}
	as, err := filter(t, "role_assignment", m.OrganizationID, func(a *roleAssignment) bool {
		return a.MembershipID == m.ID && slices.ContainsFunc(line, func(x *authzResource) bool { return x.ID == a.Resource.ID })
	})
	if err != nil {
		return nil, err
	}
	inherited, err := t.inheritedAssignments(m)
	if err != nil {
		return nil, err
	}
	for _, a := range inherited {
		if slices.ContainsFunc(line, func(x *authzResource) bool { return x.ID == a.Resource.ID }) {
			as = append(as, a)
		}
	}
	for _, a := range as {
		if err := grant(a.Role.Slug); err != nil {
			return nil, err
		}
	}
	return perms, nil
}

type resourceInput struct {
	ExternalID               string  `json:"external_id"`
	Name                     *string `json:"name"`
	Description              *string `json:"description"`
	ResourceTypeSlug         string  `json:"resource_type_slug"`
	OrganizationID           string  `json:"organization_id"`
	ParentResourceID         *string `json:"parent_resource_id"`
	ParentResourceExternalID string  `json:"parent_resource_external_id"`
	ParentResourceTypeSlug   string  `json:"parent_resource_type_slug"`
}

func (in *resourceInput) parent(t *tx, org string) (*string, bool, error) {
	if in.ParentResourceID != nil && *in.ParentResourceID != "" {
		p, err := t.refResource(org, *in.ParentResourceID, "", "", "parent_resource_id")
		if err != nil {
			return nil, false, err
		}
		return &p.ID, true, nil
	}
	if in.ParentResourceExternalID != "" {
		p, err := t.refResource(org, "", in.ParentResourceExternalID, in.ParentResourceTypeSlug, "parent_resource_external_id")
		if err != nil {
			return nil, false, err
		}
		return &p.ID, true, nil
	}
	return nil, in.ParentResourceID != nil, nil // an explicit null moves it to the top
}

func createResource(c *call) (int, any, error) {
	var in resourceInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	var errs []fieldError
	for f, v := range map[string]string{"external_id": in.ExternalID, "resource_type_slug": in.ResourceTypeSlug, "organization_id": in.OrganizationID} {
		if v == "" {
			errs = append(errs, fieldError{Field: f, Code: "required", Message: f + " is required."})
		}
	}
	if in.Name == nil || strings.TrimSpace(*in.Name) == "" {
		errs = append(errs, fieldError{Field: "name", Code: "required", Message: "name is required."})
	}
	if len(errs) > 0 {
		slices.SortFunc(errs, func(a, b fieldError) int { return strings.Compare(a.Field, b.Field) })
		return 0, nil, invalidParams(errs...)
	}
	t := c.t
	if _, err := t.organization(in.OrganizationID); err != nil {
		return 0, nil, err
	}
	if _, err := t.resourceByExternalID(in.OrganizationID, in.ResourceTypeSlug, in.ExternalID); err == nil {
		return 0, nil, conflict("authorization_resource_external_id_conflict", "A "+in.ResourceTypeSlug+" with external ID '"+in.ExternalID+"' already exists.")
	}
	parent, _, err := in.parent(t, in.OrganizationID)
	if err != nil {
		return 0, nil, err
	}
	r := &authzResource{Object: "authorization_resource", ID: t.newID("authz_resource_"), ExternalID: in.ExternalID, Name: strings.TrimSpace(*in.Name),
		Description: in.Description, OrganizationID: in.OrganizationID, ParentResourceID: parent, ResourceTypeSlug: in.ResourceTypeSlug,
		CreatedAt: formatTime(t.now), UpdatedAt: formatTime(t.now)}
	return http.StatusCreated, r, t.save("authz_resource", r.ID, r.OrganizationID, r)
}

func listResources(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	q := c.query
	org, typ := q.Get("organization_id"), q.Get("resource_type_slug")
	if org == "" && typ == "" {
		return 0, nil, badRequest("missing_organization_id_or_resource_type_slug", "Name an organization_id or a resource_type_slug.")
	}
	parent := q.Get("parent_resource_id")
	if parent == "" && q.Get("parent_external_id") != "" {
		pr, err := c.t.resourceByExternalID(org, q.Get("parent_resource_type_slug"), q.Get("parent_external_id"))
		if err != nil {
			return 0, nil, err
		}
		parent = pr.ID
	}
	ext := q.Get("resource_external_id")
	rs, err := filter(c.t, "authz_resource", org, func(r *authzResource) bool {
		return (typ == "" || r.ResourceTypeSlug == typ) && (ext == "" || r.ExternalID == ext) &&
			(parent == "" || (r.ParentResourceID != nil && *r.ParentResourceID == parent))
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, paginate(rs, func(r *authzResource) string { return r.ID }, p), nil
}

func getResource(c *call) (int, any, error) {
	r, err := pathResource(c)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, r, nil
}

func updateResource(c *call) (int, any, error) {
	var in resourceInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	t := c.t
	r, err := pathResource(c)
	if err != nil {
		return 0, nil, err
	}
	if in.Name != nil {
		if strings.TrimSpace(*in.Name) == "" {
			return 0, nil, invalidField("name", "required", "name cannot be empty.")
		}
		r.Name = strings.TrimSpace(*in.Name)
	}
	if in.Description != nil {
		r.Description = in.Description
	}
	parent, set, err := in.parent(t, r.OrganizationID)
	if err != nil {
		return 0, nil, err
	}
	if set {
		if parent != nil {
			p, err := t.resource(*parent)
			if err != nil {
				return 0, nil, err
			}
			line, err := t.lineage(p)
			if err != nil {
				return 0, nil, err
			}
			if slices.ContainsFunc(line, func(x *authzResource) bool { return x.ID == r.ID }) {
				return 0, nil, invalidField("parent_resource_id", "cycle", "A resource cannot be its own ancestor.")
			}
		}
		r.ParentResourceID = parent
	}
	r.UpdatedAt = formatTime(t.now)
	return http.StatusOK, r, t.save("authz_resource", r.ID, r.OrganizationID, r)
}

// deleteResource refuses a resource that has children unless cascade_delete=true, which
// deletes the subtree and its role assignments.
func deleteResource(c *call) (int, any, error) {
	t := c.t
	r, err := pathResource(c)
	if err != nil {
		return 0, nil, err
	}
	all, err := loadAll[authzResource](t, "authz_resource", r.OrganizationID)
	if err != nil {
		return 0, nil, err
	}
	doomed := map[string]bool{r.ID: true}
	for changed := true; changed; { // the subtree: bounded by the number of resources
		changed = false
		for _, x := range all {
			if !doomed[x.ID] && x.ParentResourceID != nil && doomed[*x.ParentResourceID] {
				doomed[x.ID], changed = true, true
			}
		}
	}
	if len(doomed) > 1 && c.query.Get("cascade_delete") != "true" {
		return 0, nil, conflict("resource_has_dependents", "The resource has child resources; delete them first or pass cascade_delete=true.")
	}
	as, err := filter(t, "role_assignment", r.OrganizationID, func(a *roleAssignment) bool { return doomed[a.Resource.ID] })
	if err != nil {
		return 0, nil, err
	}
	for _, a := range as {
		if err := t.remove("role_assignment", a.ID); err != nil {
			return 0, nil, err
		}
	}
	if err := t.removeGroupAssignments(r.OrganizationID, func(a *groupRoleAssignment) bool { return doomed[a.Resource.ID] }); err != nil {
		return 0, nil, err
	}
	for id := range doomed {
		if err := t.remove("authz_resource", id); err != nil {
			return 0, nil, err
		}
	}
	return http.StatusNoContent, nil, nil
}

func listResourceAssignments(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	r, err := pathResource(c)
	if err != nil {
		return 0, nil, err
	}
	role := c.query.Get("role_slug")
	as, err := filter(c.t, "role_assignment", r.OrganizationID, func(a *roleAssignment) bool {
		return a.Resource.ID == r.ID && (role == "" || a.Role.Slug == role)
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, paginate(as, func(a *roleAssignment) string { return a.ID }, p), nil
}

// listResourceMemberships lists the memberships that hold a permission on a resource: through
// a role assigned on it ("direct"), or also through organization roles and roles assigned on
// its ancestors ("indirect", the default).
func listResourceMemberships(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	perm := c.query.Get("permission_slug")
	if perm == "" {
		return 0, nil, badRequest("bad_request", "permission_slug is required.")
	}
	assignment := c.query.Get("assignment")
	if assignment != "" && assignment != "direct" && assignment != "indirect" {
		return 0, nil, badRequest("bad_request", "assignment must be direct or indirect.")
	}
	t := c.t
	r, err := pathResource(c)
	if err != nil {
		return 0, nil, err
	}
	ms, err := loadAll[membership](t, "organization_membership", r.OrganizationID)
	if err != nil {
		return 0, nil, err
	}
	var out []*membership
	for _, m := range ms {
		ok := false
		if assignment == "direct" {
			as, err := filter(t, "role_assignment", r.OrganizationID, func(a *roleAssignment) bool { return a.MembershipID == m.ID && a.Resource.ID == r.ID })
			if err != nil {
				return 0, nil, err
			}
			for _, a := range as {
				if role, err := t.roleFor(m.OrganizationID, a.Role.Slug); err == nil && m.Status == "active" && slices.Contains(role.Permissions, perm) {
					ok = true
				}
			}
		} else {
			perms, err := t.effectivePermissions(m, r)
			if err != nil {
				return 0, nil, err
			}
			ok = perms[perm]
		}
		if ok {
			out = append(out, m)
		}
	}
	page := paginate(out, func(m *membership) string { return m.ID }, p)
	for _, m := range page.Data.([]*membership) {
		if _, err := t.renderMembership(m); err != nil {
			return 0, nil, err
		}
	}
	return http.StatusOK, page, nil
}

// Role assignments of a membership.

type assignmentInput struct {
	RoleSlug           string `json:"role_slug"`
	ResourceID         string `json:"resource_id"`
	ResourceExternalID string `json:"resource_external_id"`
	ResourceTypeSlug   string `json:"resource_type_slug"`
}

func (c *call) assignmentTarget(m *membership) (*assignmentInput, *authzResource, error) {
	var in assignmentInput
	if err := c.decode(&in); err != nil {
		return nil, nil, err
	}
	if in.RoleSlug == "" {
		return nil, nil, invalidField("role_slug", "required", "role_slug is required.")
	}
	r, err := c.t.refResource(m.OrganizationID, in.ResourceID, in.ResourceExternalID, in.ResourceTypeSlug, "resource_id")
	return &in, r, err
}

// queryResourceID is the resource a query names in organization org: <prefix>resource_id, or
// else the one <prefix>resource_external_id and <prefix>resource_type_slug name; "" if neither
// is given.
func (c *call) queryResourceID(org, prefix string) (string, error) {
	id, ext := c.query.Get(prefix+"resource_id"), c.query.Get(prefix+"resource_external_id")
	if id != "" || ext == "" {
		return id, nil
	}
	r, err := c.t.resourceByExternalID(org, c.query.Get(prefix+"resource_type_slug"), ext)
	if err != nil {
		return "", err
	}
	return r.ID, nil
}

func listMembershipAssignments(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	t := c.t
	m, err := t.membership(c.param("organization_membership_id"))
	if err != nil {
		return 0, nil, err
	}
	rid, err := c.queryResourceID(m.OrganizationID, "")
	if err != nil {
		return 0, nil, err
	}
	as, err := filter(t, "role_assignment", m.OrganizationID, func(a *roleAssignment) bool {
		return a.MembershipID == m.ID && (rid == "" || a.Resource.ID == rid)
	})
	if err != nil {
		return 0, nil, err
	}
	inherited, err := t.inheritedAssignments(m)
	if err != nil {
		return 0, nil, err
	}
	for _, a := range inherited {
		if rid == "" || a.Resource.ID == rid {
			as = append(as, a)
		}
	}
	return http.StatusOK, paginate(as, func(a *roleAssignment) string { return a.ID }, p), nil
}

func assignRole(c *call) (int, any, error) {
	t := c.t
	m, err := t.membership(c.param("organization_membership_id"))
	if err != nil {
		return 0, nil, err
	}
	in, r, err := c.assignmentTarget(m)
	if err != nil {
		return 0, nil, err
	}
	if _, err := t.roleFor(m.OrganizationID, in.RoleSlug); errors.Is(err, errNotFound) {
		return 0, nil, invalidField("role_slug", "invalid_role", "Role '"+in.RoleSlug+"' does not exist.")
	} else if err != nil {
		return 0, nil, err
	}
	if _, err := find(t, "role_assignment", m.OrganizationID, func(a *roleAssignment) bool {
		return a.MembershipID == m.ID && a.Resource.ID == r.ID && a.Role.Slug == in.RoleSlug
	}); err == nil {
		return 0, nil, invalidField("role_slug", "duplicate_role_assignment", "The membership already has this role on this resource.")
	}
	a := &roleAssignment{Object: "role_assignment", ID: t.newID("role_assignment_"), MembershipID: m.ID, Role: roleSlug{Slug: in.RoleSlug},
		Resource: assignmentResource{ID: r.ID, ExternalID: r.ExternalID, ResourceTypeSlug: r.ResourceTypeSlug}, Source: assignmentSource{Type: "direct"},
		CreatedAt: formatTime(t.now), UpdatedAt: formatTime(t.now)}
	return http.StatusCreated, a, t.save("role_assignment", a.ID, m.OrganizationID, a)
}

func unassignMatching(c *call) (int, any, error) {
	t := c.t
	m, err := t.membership(c.param("organization_membership_id"))
	if err != nil {
		return 0, nil, err
	}
	in, r, err := c.assignmentTarget(m)
	if err != nil {
		return 0, nil, err
	}
	a, err := find(t, "role_assignment", m.OrganizationID, func(a *roleAssignment) bool {
		return a.MembershipID == m.ID && a.Resource.ID == r.ID && a.Role.Slug == in.RoleSlug
	})
	if errors.Is(err, errNotFound) {
		return 0, nil, notFound("Role assignment", in.RoleSlug)
	}
	if err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, t.remove("role_assignment", a.ID)
}

func unassignByID(c *call) (int, any, error) {
	t := c.t
	m, err := t.membership(c.param("organization_membership_id"))
	if err != nil {
		return 0, nil, err
	}
	id := c.param("role_assignment_id")
	a, err := load[roleAssignment](t, "role_assignment", id)
	if errors.Is(err, errNotFound) || (err == nil && a.MembershipID != m.ID) {
		return 0, nil, notFound("Role assignment", id)
	}
	if err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, t.remove("role_assignment", a.ID)
}

// listMembershipResources lists the resources on which a membership holds a permission.
func listMembershipResources(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	perm := c.query.Get("permission_slug")
	if perm == "" {
		return 0, nil, invalidField("permission_slug", "required", "permission_slug is required.")
	}
	t := c.t
	m, err := t.membership(c.param("organization_membership_id"))
	if err != nil {
		return 0, nil, err
	}
	parent, err := c.queryResourceID(m.OrganizationID, "parent_")
	if err != nil {
		return 0, nil, err
	}
	rs, err := loadAll[authzResource](t, "authz_resource", m.OrganizationID)
	if err != nil {
		return 0, nil, err
	}
	var out []*authzResource
	for _, r := range rs {
		if parent != "" && (r.ParentResourceID == nil || *r.ParentResourceID != parent) {
			continue
		}
		perms, err := t.effectivePermissions(m, r)
		if err != nil {
			return 0, nil, err
		}
		if perms[perm] {
			out = append(out, r)
		}
	}
	return http.StatusOK, paginate(out, func(r *authzResource) string { return r.ID }, p), nil
}

func listMembershipPermissions(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	t := c.t
	m, err := t.membership(c.param("organization_membership_id"))
	if err != nil {
		return 0, nil, err
	}
	var r *authzResource
	if id := c.param("resource_id"); id != "" {
		r, err = t.resource(id)
	} else {
		r, err = t.resourceByExternalID(m.OrganizationID, c.param("resource_type_slug"), c.param("external_id"))
	}
	if err != nil {
		return 0, nil, err
	}
	if r.OrganizationID != m.OrganizationID {
		return 0, nil, notFound("Resource", r.ID)
	}
	perms, err := t.effectivePermissions(m, r)
	if err != nil {
		return 0, nil, err
	}
	all, err := filter(t, "permission", "", func(x *permission) bool { return perms[x.Slug] })
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, paginate(all, func(x *permission) string { return x.ID }, p), nil
}

// Authorization checks: does a membership's roles grant a permission?

func checkPermission(c *call) (int, any, error) {
	var in struct {
		PermissionSlug     string `json:"permission_slug"`
		ResourceID         string `json:"resource_id"`
		ResourceExternalID string `json:"resource_external_id"`
		ResourceTypeSlug   string `json:"resource_type_slug"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if in.PermissionSlug == "" {
		return 0, nil, invalidField("permission_slug", "required", "permission_slug is required.")
	}
	t := c.t
	m, err := t.membership(c.param("organization_membership_id"))
	if err != nil {
		return 0, nil, err
	}
	var r *authzResource
	// The organization itself is the root resource: checking on it is checking the membership's
	// organization roles.
	orgItself := in.ResourceID == m.OrganizationID
	if in.ResourceTypeSlug == "organization" && in.ResourceExternalID != "" {
		o, err := t.organization(m.OrganizationID)
		if err != nil {
			return 0, nil, err
		}
		orgItself = in.ResourceExternalID == o.ID || (o.ExternalID != nil && *o.ExternalID == in.ResourceExternalID)
		if !orgItself {
			return 0, nil, notFound("Resource", "organization/"+in.ResourceExternalID)
		}
	}
	if !orgItself && (in.ResourceID != "" || in.ResourceExternalID != "") {
		if r, err = t.refResource(m.OrganizationID, in.ResourceID, in.ResourceExternalID, in.ResourceTypeSlug, "resource_id"); err != nil {
			return 0, nil, err
		}
	}
	perms, err := t.effectivePermissions(m, r)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"authorized": perms[in.PermissionSlug]}, nil
}
