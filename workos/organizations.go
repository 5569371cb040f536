package workos

import (
	"context"
)

// Organization is a WorkOS organization with its domains.
type Organization struct {
	Object     string               `json:"object"`
	ID         string               `json:"id"`
	Name       string               `json:"name"`
	ExternalID string               `json:"external_id"`
	CreatedAt  string               `json:"created_at"`
	UpdatedAt  string               `json:"updated_at"`
	Domains    []OrganizationDomain `json:"domains"`
	Metadata   map[string]string    `json:"metadata"`
}

// OrganizationDomain is a domain of an organization; State is "verified",
// "pending", "failed", … as WorkOS reports it.
type OrganizationDomain struct {
	Object               string `json:"object"`
	ID                   string `json:"id"`
	Domain               string `json:"domain"`
	State                string `json:"state"`
	VerificationStrategy string `json:"verification_strategy"`
	OrganizationID       string `json:"organization_id"`
}

// GetOrganization fetches an organization by ID (GET /organizations/{id}).
func (c *Client) GetOrganization(ctx context.Context, id string) (*Organization, error) {
	if err := checkID("organization", id); err != nil {
		return nil, err
	}
	var o Organization
	if _, err := c.DoTemplate(ctx, "GET", "/organizations/{id}", map[string]string{"id": id}, nil, nil, &o); err != nil {
		return nil, err
	}
	return &o, nil
}
