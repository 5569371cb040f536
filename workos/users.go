package workos

import (
	"context"
	"errors"
	"net/url"
	"strings"
)

// User is a User Management user.
type User struct {
	Object            string            `json:"object"`
	ID                string            `json:"id"`
	Email             string            `json:"email"`
	FirstName         string            `json:"first_name"`
	LastName          string            `json:"last_name"`
	ProfilePictureURL string            `json:"profile_picture_url"`
	LastSignInAt      string            `json:"last_sign_in_at"`
	ExternalID        string            `json:"external_id"`
	CreatedAt         string            `json:"created_at"`
	UpdatedAt         string            `json:"updated_at"`
	EmailVerified     bool              `json:"email_verified"`
	Metadata          map[string]string `json:"metadata"`
}

// GetUser fetches a user by ID (GET /user_management/users/{id}).
func (c *Client) GetUser(ctx context.Context, id string) (*User, error) {
	if err := checkID("user", id); err != nil {
		return nil, err
	}
	var u User
	if _, err := c.DoTemplate(ctx, "GET", "/user_management/users/{id}", map[string]string{"id": id}, nil, nil, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// RoleSlug names a role.
type RoleSlug struct {
	Slug string `json:"slug"`
}

// OrganizationMembership links a user to an organization with a role.
type OrganizationMembership struct {
	Object           string     `json:"object"`
	ID               string     `json:"id"`
	UserID           string     `json:"user_id"`
	OrganizationID   string     `json:"organization_id"`
	OrganizationName string     `json:"organization_name"`
	Status           string     `json:"status"`
	CreatedAt        string     `json:"created_at"`
	UpdatedAt        string     `json:"updated_at"`
	Role             RoleSlug   `json:"role"`
	Roles            []RoleSlug `json:"roles"`
}

// ListOrganizationMembershipsParams filters ListOrganizationMemberships; at
// least one of UserID and OrganizationID is required. An empty Statuses sets
// no status filter (the spec documents no default), so a caller that acts on
// a membership checks its Status or asks for []string{"active"}.
type ListOrganizationMembershipsParams struct {
	ListParams
	UserID         string
	OrganizationID string
	Statuses       []string
}

// ListOrganizationMemberships fetches one page of memberships
// (GET /user_management/organization_memberships).
func (c *Client) ListOrganizationMemberships(ctx context.Context, p ListOrganizationMembershipsParams) (*List[OrganizationMembership], error) {
	if p.UserID == "" && p.OrganizationID == "" {
		return nil, errors.New("workos: list organization memberships: user ID or organization ID required")
	}
	q := url.Values{}
	p.ListParams.Apply(q)
	if p.UserID != "" {
		q.Set("user_id", p.UserID)
	}
	if p.OrganizationID != "" {
		q.Set("organization_id", p.OrganizationID)
	}
	if len(p.Statuses) > 0 {
		// The spec's style form, explode false: one comma-separated value.
		q.Set("statuses", strings.Join(p.Statuses, ","))
	}
	var l List[OrganizationMembership]
	if _, err := c.Do(ctx, "GET", "/user_management/organization_memberships", q, nil, &l); err != nil {
		return nil, err
	}
	return &l, nil
}

func checkID(kind, id string) error {
	if strings.TrimSpace(id) == "" {
		return errors.New("workos: " + kind + " ID required")
	}
	if len(id) > 256 {
		return errors.New("workos: " + kind + " ID too long")
	}
	return nil
}
