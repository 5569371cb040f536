package workspace

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The describe_organization tool: one answer about an organization.

type describeOrganizationIn struct {
	OrganizationID string `json:"organization_id,omitempty" jsonschema:"the organization's ID (org_...)"`
	ExternalID     string `json:"external_id,omitempty" jsonschema:"the organization's external ID, as set by your application"`
	Domain         string `json:"domain,omitempty" jsonschema:"one of the organization's domains, e.g. example.com"`
	Environment    string `json:"environment,omitempty" jsonschema:"environment name; default: the team's sandbox"`
}

// describeOrganizationOut is one answer about an organization. A part the person may not read
// (or that failed) is absent and named in unavailable.
type describeOrganizationOut struct {
	Organization            map[string]any   `json:"organization" jsonschema:"the organization: id, name, external_id, created_at, updated_at, metadata, allow_profiles_outside_organization"`
	Domains                 []map[string]any `json:"domains" jsonschema:"its domains: id, domain, state (verification), verification_strategy"`
	Connections             []map[string]any `json:"connections,omitzero" jsonschema:"its SSO connections: id, name, connection_type, state, domains"`
	Directories             []map[string]any `json:"directories,omitzero" jsonschema:"its directories: id, name, type, state, domain"`
	MemberCount             *int             `json:"member_count,omitempty" jsonschema:"how many memberships it has"`
	MembersByStatus         map[string]int   `json:"members_by_status,omitzero" jsonschema:"the memberships counted by status"`
	MemberCountIsLowerBound bool             `json:"member_count_is_lower_bound,omitempty" jsonschema:"there are more members than were counted"`
	PendingInvitations      []map[string]any `json:"pending_invitations,omitzero" jsonschema:"its pending invitations: id, email, state, expires_at, created_at"`
	Unavailable             unavailable      `json:"unavailable,omitempty" jsonschema:"the parts left out, each with why"`
}

func (s *Server) describeOrganization(ctx context.Context, c *caller, _ *mcp.CallToolRequest, in describeOrganizationIn) (*mcp.CallToolResult, *describeOrganizationOut, error) {
	if err := c.gate(); err != nil {
		return nil, nil, err
	}
	org, err := s.findOrganization(ctx, c, "describe_organization", in.Environment, in.OrganizationID, in.ExternalID, in.Domain)
	if err != nil {
		return nil, nil, err
	}
	id := str(org, "id")
	out := &describeOrganizationOut{
		Organization: pick(org, "id", "name", "external_id", "created_at", "updated_at", "metadata", "allow_profiles_outside_organization"),
		Domains:      []map[string]any{},
	}
	if ds, ok := org["domains"].([]any); ok {
		for _, d := range ds {
			if m, ok := d.(map[string]any); ok {
				out.Domains = append(out.Domains, pick(m, "id", "domain", "state", "verification_strategy"))
			}
		}
	}
	byOrg := map[string]any{"organization_id": id}
	if conns, _, err := s.list(ctx, c, "describe_organization", in.Environment, "/connections", byOrg, 3); err != nil {
		out.Unavailable.fail("connections", err)
	} else {
		out.Connections = pickAll(conns, "id", "name", "connection_type", "state", "domains")
	}
	if dirs, _, err := s.list(ctx, c, "describe_organization", in.Environment, "/directories", byOrg, 3); err != nil {
		out.Unavailable.fail("directories", err)
	} else {
		out.Directories = pickAll(dirs, "id", "name", "type", "state", "domain")
	}
	if members, more, err := s.list(ctx, c, "describe_organization", in.Environment, "/user_management/organization_memberships", byOrg, 10); err != nil {
		out.Unavailable.fail("members", err)
	} else {
		counts := map[string]int{}
		for _, m := range members {
			counts[str(m, "status")]++
		}
		out.MemberCount = ptr(len(members))
		out.MembersByStatus = counts
		out.MemberCountIsLowerBound = more
	}
	if invs, _, err := s.list(ctx, c, "describe_organization", in.Environment, "/user_management/invitations", byOrg, 5); err != nil {
		out.Unavailable.fail("pending_invitations", err)
	} else {
		out.PendingInvitations = []map[string]any{}
		for _, inv := range invs {
			if str(inv, "state") == "pending" {
				out.PendingInvitations = append(out.PendingInvitations, pick(inv, "id", "email", "state", "expires_at", "created_at"))
			}
		}
	}
	return nil, out, nil
}

// findOrganization resolves exactly one of an ID, an external ID or a domain.
func (s *Server) findOrganization(ctx context.Context, c *caller, tool, env, id, externalID, domain string) (map[string]any, error) {
	n := 0
	for _, v := range []string{id, externalID, domain} {
		if v != "" {
			n++
		}
	}
	if n != 1 {
		return nil, fmt.Errorf("%w: give exactly one of organization_id, external_id or domain", ErrInvalidInput)
	}
	var raw json.RawMessage
	var err error
	switch {
	case id != "":
		raw, err = s.run(ctx, c, tool, env, "GET", "/organizations/{id}", map[string]any{"id": id})
	case externalID != "":
		raw, err = s.run(ctx, c, tool, env, "GET", "/organizations/external_id/{external_id}", map[string]any{"external_id": externalID})
	default:
		return s.organizationByDomain(ctx, c, tool, env, domain)
	}
	if err != nil {
		return nil, err
	}
	var org map[string]any
	if err := json.Unmarshal(raw, &org); err != nil {
		return nil, fmt.Errorf("unexpected organization answer: %w", err)
	}
	return org, nil
}

// organizationByDomain finds the one organization that has the domain. When several have it
// (a domain pending on more than one organization, or verified on one and pending on others), it
// names them all, says which one verified it, and asks for an organization_id instead of
// picking one: an answer about the wrong customer is worse than a question.
func (s *Server) organizationByDomain(ctx context.Context, c *caller, tool, env, domain string) (map[string]any, error) {
	d, err := normalizeDomain(domain)
	if err != nil {
		return nil, fmt.Errorf("%w: domain %q %s", ErrInvalidInput, domain, err)
	}
	found, more, err := s.list(ctx, c, tool, env, "/organizations", map[string]any{"domains": []any{d}}, 3)
	if err != nil {
		return nil, err
	}
	var orgs []map[string]any
	for _, o := range found {
		if _, ok := orgDomains(o)[d]; ok {
			orgs = append(orgs, o)
		}
	}
	switch {
	case len(orgs) == 1 && !more:
		return orgs[0], nil
	case len(orgs) == 0 && !more:
		return nil, fmt.Errorf("no organization has the domain %q in this environment", d)
	}
	sort.SliceStable(orgs, func(i, j int) bool { return isVerified(orgDomains(orgs[i])[d]) && !isVerified(orgDomains(orgs[j])[d]) })
	var refs []string
	owner := ""
	for _, o := range orgs {
		state := orgDomains(o)[d]
		ref := fmt.Sprintf("%s (domain %s)", orgRef(o), firstNonEmpty(state, "state unknown"))
		if isVerified(state) {
			owner = orgRef(o)
		}
		refs = append(refs, ref)
	}
	msg := fmt.Sprintf("the domain %s matches %d organizations: %s", d, len(orgs), strings.Join(refs, "; "))
	if more {
		msg = fmt.Sprintf("the domain %s matches more than %d organizations, among them: %s", d, len(found), strings.Join(refs, "; "))
	}
	if owner != "" {
		msg += "; " + owner + " verified it and owns it"
	} else {
		msg += "; none has verified it"
	}
	return nil, fmt.Errorf("%w: %s. Call describe_organization again with the organization_id of the one you mean", ErrInvalidInput, msg)
}
