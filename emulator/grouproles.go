package emulator

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
)

// Role assignments of organization groups: a role a group holds on a resource. Every member of
// the group holds it too, so it counts in the members' permissions and appears among their role
// assignments with source "group".

type groupRoleAssignment struct {
	Object    string             `json:"object"`
	ID        string             `json:"id"`
	GroupID   string             `json:"group_id"`
	Role      roleSlug           `json:"role"`
	Resource  assignmentResource `json:"resource"`
	CreatedAt string             `json:"created_at"`
	UpdatedAt string             `json:"updated_at"`
}

// anyGroup reads a group by ID whatever its organization (the group routes of the
// authorization API name no organization).
func (t *tx) anyGroup(id string) (*group, error) {
	g, err := loadFound[group](t, "group", "Group", id)
	return g, err
}

func (t *tx) groupAssignments(g *group) ([]*groupRoleAssignment, error) {
	return filter(t, "group_role_assignment", g.OrganizationID, func(a *groupRoleAssignment) bool { return a.GroupID == g.ID })
}

// inheritedAssignments lists the role assignments a membership holds through its groups, in the
// shape of a membership's own role assignments.
func (t *tx) inheritedAssignments(m *membership) ([]*roleAssignment, error) {
	groups, err := filter(t, "group", m.OrganizationID, func(g *group) bool { return slices.Contains(g.Members, m.ID) })
	if err != nil || len(groups) == 0 {
		return nil, err
	}
	as, err := filter(t, "group_role_assignment", m.OrganizationID, func(a *groupRoleAssignment) bool {
		return slices.ContainsFunc(groups, func(g *group) bool { return g.ID == a.GroupID })
	})
	if err != nil {
		return nil, err
	}
	out := make([]*roleAssignment, 0, len(as))
	for _, a := range as {
		id := a.ID
		out = append(out, &roleAssignment{Object: "role_assignment", ID: a.ID, MembershipID: m.ID, Role: a.Role, Resource: a.Resource,
			Source: assignmentSource{Type: "group", GroupRoleAssignmentID: &id}, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt})
	}
	return out, nil
}

type groupAssignmentInput struct {
	RoleSlug           string `json:"role_slug"`
	ResourceID         string `json:"resource_id"`
	ResourceExternalID string `json:"resource_external_id"`
	ResourceTypeSlug   string `json:"resource_type_slug"`
}

// newGroupAssignment checks one requested assignment (role and resource of the group's
// organization) and builds it, without saving it.
func (t *tx) newGroupAssignment(g *group, in groupAssignmentInput, field string) (*groupRoleAssignment, error) {
	if in.RoleSlug == "" {
		return nil, invalidField(field+"role_slug", "required", "role_slug is required.")
	}
	r, err := t.refResource(g.OrganizationID, in.ResourceID, in.ResourceExternalID, in.ResourceTypeSlug, field+"resource_id")
	if err != nil {
		return nil, err
	}
	if _, err := t.roleFor(g.OrganizationID, in.RoleSlug); errors.Is(err, errNotFound) {
		return nil, invalidField(field+"role_slug", "invalid_role", "Role '"+in.RoleSlug+"' does not exist.")
	} else if err != nil {
		return nil, err
	}
	return &groupRoleAssignment{Object: "group_role_assignment", ID: t.newID("group_role_assignment_"), GroupID: g.ID, Role: roleSlug{Slug: in.RoleSlug},
		Resource: assignmentResource{ID: r.ID, ExternalID: r.ExternalID, ResourceTypeSlug: r.ResourceTypeSlug}, CreatedAt: formatTime(t.now), UpdatedAt: formatTime(t.now)}, nil
}

func sameGrant(a, b *groupRoleAssignment) bool {
	return a.Role.Slug == b.Role.Slug && a.Resource.ID == b.Resource.ID
}

func listGroupAssignments(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	g, err := c.t.anyGroup(c.param("group_id"))
	if err != nil {
		return 0, nil, err
	}
	as, err := c.t.groupAssignments(g)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, paginate(as, func(a *groupRoleAssignment) string { return a.ID }, p), nil
}

func getGroupAssignment(c *call) (int, any, error) {
	a, err := groupAssignmentFromPath(c)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, a, nil
}

func groupAssignmentFromPath(c *call) (*groupRoleAssignment, error) {
	g, err := c.t.anyGroup(c.param("group_id"))
	if err != nil {
		return nil, err
	}
	id := c.param("role_assignment_id")
	a, err := load[groupRoleAssignment](c.t, "group_role_assignment", id)
	if errors.Is(err, errNotFound) || (err == nil && a.GroupID != g.ID) {
		return nil, notFound("Group role assignment", id)
	}
	return a, err
}

// requestedGrant reads the grant a create or delete-matching call names, its group, and the
// group's assignments.
func requestedGrant(c *call) (*group, *groupRoleAssignment, []*groupRoleAssignment, error) {
	var in groupAssignmentInput
	if err := c.decode(&in); err != nil {
		return nil, nil, nil, err
	}
	g, err := c.t.anyGroup(c.param("group_id"))
	if err != nil {
		return nil, nil, nil, err
	}
	a, err := c.t.newGroupAssignment(g, in, "")
	if err != nil {
		return nil, nil, nil, err
	}
	existing, err := c.t.groupAssignments(g)
	if err != nil {
		return nil, nil, nil, err
	}
	return g, a, existing, nil
}

func createGroupAssignment(c *call) (int, any, error) {
	g, a, existing, err := requestedGrant(c)
	if err != nil {
		return 0, nil, err
	}
	t := c.t
	if slices.ContainsFunc(existing, func(x *groupRoleAssignment) bool { return sameGrant(x, a) }) {
		return 0, nil, conflict("duplicate_group_role_assignment", "The group already has this role on this resource.")
	}
	return http.StatusCreated, a, t.save("group_role_assignment", a.ID, g.OrganizationID, a)
}

// replaceGroupAssignments makes the group's assignments exactly the requested ones: those it
// already holds are kept (same ID), the others are removed or created.
func replaceGroupAssignments(c *call) (int, any, error) {
	var in struct {
		RoleAssignments *[]groupAssignmentInput `json:"role_assignments"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if in.RoleAssignments == nil {
		return 0, nil, invalidField("role_assignments", "required", "role_assignments is required.")
	}
	if len(*in.RoleAssignments) > 100 {
		return 0, nil, invalidField("role_assignments", "too_many", "role_assignments holds at most 100 items.")
	}
	t := c.t
	g, err := t.anyGroup(c.param("group_id"))
	if err != nil {
		return 0, nil, err
	}
	existing, err := t.groupAssignments(g)
	if err != nil {
		return 0, nil, err
	}
	var want []*groupRoleAssignment
	for i, item := range *in.RoleAssignments {
		a, err := t.newGroupAssignment(g, item, "role_assignments["+strconv.Itoa(i)+"].")
		if err != nil {
			return 0, nil, err
		}
		if slices.ContainsFunc(want, func(x *groupRoleAssignment) bool { return sameGrant(x, a) }) {
			continue // the same grant twice is one grant
		}
		if i := slices.IndexFunc(existing, func(x *groupRoleAssignment) bool { return sameGrant(x, a) }); i >= 0 {
			a = existing[i]
		} else if err := t.save("group_role_assignment", a.ID, g.OrganizationID, a); err != nil {
			return 0, nil, err
		}
		want = append(want, a)
	}
	for _, x := range existing {
		if !slices.ContainsFunc(want, func(a *groupRoleAssignment) bool { return a.ID == x.ID }) {
			if err := t.remove("group_role_assignment", x.ID); err != nil {
				return 0, nil, err
			}
		}
	}
	return http.StatusOK, paginate(want, func(a *groupRoleAssignment) string { return a.ID }, page{limit: 100, order: "desc"}), nil
}

func deleteMatchingGroupAssignment(c *call) (int, any, error) {
	_, probe, existing, err := requestedGrant(c)
	if err != nil {
		return 0, nil, err
	}
	t := c.t
	i := slices.IndexFunc(existing, func(x *groupRoleAssignment) bool { return sameGrant(x, probe) })
	if i < 0 {
		return 0, nil, notFound("Group role assignment", probe.Role.Slug)
	}
	return http.StatusNoContent, nil, t.remove("group_role_assignment", existing[i].ID)
}

func deleteGroupAssignment(c *call) (int, any, error) {
	a, err := groupAssignmentFromPath(c)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, c.t.remove("group_role_assignment", a.ID)
}

// removeGroupAssignments deletes the group role assignments of an organization that match
// (those of a deleted group or on a deleted resource).
func (t *tx) removeGroupAssignments(org string, match func(*groupRoleAssignment) bool) error {
	as, err := filter(t, "group_role_assignment", org, match)
	if err != nil {
		return err
	}
	for _, a := range as {
		if err := t.remove("group_role_assignment", a.ID); err != nil {
			return err
		}
	}
	return nil
}
