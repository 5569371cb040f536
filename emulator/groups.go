package emulator

import (
	"errors"
	"net/http"
	"slices"
	"strings"
)

// Organization groups (user management groups, not directory groups).

type group struct {
	Object         string   `json:"object"`
	ID             string   `json:"id"`
	OrganizationID string   `json:"organization_id"`
	Name           string   `json:"name"`
	Description    *string  `json:"description"`
	Members        []string `json:"members,omitempty"`
	CreatedAt      string   `json:"created_at"`
	UpdatedAt      string   `json:"updated_at"`
}

func (g *group) render() *group {
	cp := *g
	cp.Members = nil
	return &cp
}

func (t *tx) group(orgID, id string) (*group, error) {
	g, err := load[group](t, "group", id)
	if errors.Is(err, errNotFound) || (err == nil && g.OrganizationID != orgID) {
		return nil, notFound("Group", id)
	}
	return g, err
}

func groupScope(c *call) (string, error) {
	o, err := c.t.organization(c.param("organizationId"))
	if err != nil {
		return "", err
	}
	return o.ID, nil
}

// pathGroup is the group the path names, {groupId} in {organizationId}, with its organization ID;
// an unknown organization is reported before an unknown group.
func pathGroup(c *call) (string, *group, error) {
	org, err := groupScope(c)
	if err != nil {
		return "", nil, err
	}
	g, err := c.t.group(org, c.param("groupId"))
	return org, g, err
}

// groupPage answers a listing: page p of the groups of org that keep accepts (all when keep is
// nil), rendered.
func groupPage(c *call, org string, p page, keep func(*group) bool) (int, any, error) {
	gs, err := filter(c.t, "group", org, keep)
	if err != nil {
		return 0, nil, err
	}
	out := make([]*group, 0, len(gs))
	for _, g := range gs {
		out = append(out, g.render())
	}
	return http.StatusOK, paginate(out, func(g *group) string { return g.ID }, p), nil
}

func createGroup(c *call) (int, any, error) {
	org, err := groupScope(c)
	if err != nil {
		return 0, nil, err
	}
	var in struct {
		Name        string  `json:"name"`
		Description *string `json:"description"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if strings.TrimSpace(in.Name) == "" {
		return 0, nil, invalidField("name", "name_required", "name is required.")
	}
	t := c.t
	g := &group{Object: "group", ID: t.newID("group_"), OrganizationID: org, Name: strings.TrimSpace(in.Name), Description: in.Description,
		CreatedAt: formatTime(t.now), UpdatedAt: formatTime(t.now)}
	if err := t.save("group", g.ID, org, g); err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, g.render(), t.emit("group.created", org, g.render())
}

func listGroups(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	org, err := groupScope(c)
	if err != nil {
		return 0, nil, err
	}
	return groupPage(c, org, p, nil)
}

func getGroup(c *call) (int, any, error) {
	_, g, err := pathGroup(c)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, g.render(), nil
}

func updateGroup(c *call) (int, any, error) {
	org, err := groupScope(c)
	if err != nil {
		return 0, nil, err
	}
	var in struct {
		Name        *string `json:"name"`
		Description *string `json:"description"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	g, err := c.t.group(org, c.param("groupId"))
	if err != nil {
		return 0, nil, err
	}
	if in.Name != nil {
		if strings.TrimSpace(*in.Name) == "" {
			return 0, nil, invalidField("name", "name_required", "name cannot be empty.")
		}
		g.Name = strings.TrimSpace(*in.Name)
	}
	if in.Description != nil {
		g.Description = in.Description
	}
	g.UpdatedAt = formatTime(c.t.now)
	if err := c.t.save("group", g.ID, org, g); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, g.render(), c.t.emit("group.updated", org, g.render())
}

func deleteGroup(c *call) (int, any, error) {
	org, g, err := pathGroup(c)
	if err != nil {
		return 0, nil, err
	}
	if err := c.t.remove("group", g.ID); err != nil {
		return 0, nil, err
	}
	if err := c.t.removeGroupAssignments(org, func(a *groupRoleAssignment) bool { return a.GroupID == g.ID }); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, c.t.emit("group.deleted", org, g.render())
}

func addGroupMember(c *call) (int, any, error) {
	org, err := groupScope(c)
	if err != nil {
		return 0, nil, err
	}
	var in struct {
		MembershipID string `json:"organization_membership_id"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if in.MembershipID == "" {
		return 0, nil, invalidField("organization_membership_id", "required", "organization_membership_id is required.")
	}
	t := c.t
	g, err := t.group(org, c.param("groupId"))
	if err != nil {
		return 0, nil, err
	}
	m, err := t.membership(in.MembershipID)
	if err != nil {
		return 0, nil, err
	}
	if m.OrganizationID != org {
		return 0, nil, invalidField("organization_membership_id", "wrong_organization", "The membership belongs to another organization.")
	}
	if !slices.Contains(g.Members, m.ID) {
		g.Members = append(g.Members, m.ID)
		g.UpdatedAt = formatTime(t.now)
		if err := t.save("group", g.ID, org, g); err != nil {
			return 0, nil, err
		}
	}
	return http.StatusOK, g.render(), nil
}

func removeGroupMember(c *call) (int, any, error) {
	org, g, err := pathGroup(c)
	if err != nil {
		return 0, nil, err
	}
	om := c.param("omId")
	if !slices.Contains(g.Members, om) {
		return 0, nil, notFound("Group membership", om)
	}
	g.Members = slices.DeleteFunc(g.Members, func(s string) bool { return s == om })
	g.UpdatedAt = formatTime(c.t.now)
	return http.StatusNoContent, nil, c.t.save("group", g.ID, org, g)
}

func listGroupMembers(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	_, g, err := pathGroup(c)
	if err != nil {
		return 0, nil, err
	}
	var ms []*membership
	for _, id := range g.Members {
		m, err := c.t.membership(id)
		var ae *apiError
		if errors.As(err, &ae) {
			continue // the membership was deleted since
		}
		if err != nil {
			return 0, nil, err
		}
		ms = append(ms, m)
	}
	return http.StatusOK, paginate(ms, func(m *membership) string { return m.ID }, p), nil
}

func listMembershipGroups(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	m, err := c.t.membership(c.param("omId"))
	if err != nil {
		return 0, nil, err
	}
	return groupPage(c, m.OrganizationID, p, func(g *group) bool { return slices.Contains(g.Members, m.ID) })
}
