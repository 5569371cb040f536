package emulator

import (
	"errors"
	"net/http"
	"strings"
	"time"
)

// Organization API keys: the value is shown once, at creation; afterwards only its obfuscation.

type apiKeyOwner struct {
	Type           string `json:"type"` // organization | user
	ID             string `json:"id"`
	OrganizationID string `json:"organization_id,omitempty"` // user keys
}

type apiKey struct {
	Object          string      `json:"object"`
	ID              string      `json:"id"`
	Owner           apiKeyOwner `json:"owner"`
	Name            string      `json:"name"`
	ObfuscatedValue string      `json:"obfuscated_value"`
	LastUsedAt      *string     `json:"last_used_at"`
	ExpiresAt       *string     `json:"expires_at"`
	Permissions     []string    `json:"permissions"`
	CreatedAt       string      `json:"created_at"`
	UpdatedAt       string      `json:"updated_at"`
	Value           string      `json:"value,omitempty"`
}

type storedAPIKey struct {
	apiKey
	Secret string `json:"secret"`
}

type apiKeyInput struct {
	Name        string   `json:"name"`
	Permissions []string `json:"permissions"`
	ExpiresAt   *string  `json:"expires_at"`
	Value       string   `json:"-"`
}

func (k *storedAPIKey) orgID() string {
	if k.Owner.Type == "user" {
		return k.Owner.OrganizationID
	}
	return k.Owner.ID
}

func (t *tx) createAPIKey(orgID string, in apiKeyInput, owner apiKeyOwner) (*apiKey, error) {
	if strings.TrimSpace(in.Name) == "" {
		return nil, invalidField("name", "name_required", "name is required.")
	}
	if in.ExpiresAt != nil {
		at, err := time.Parse(time.RFC3339, *in.ExpiresAt)
		if err != nil || !at.After(t.now) {
			return nil, invalidField("expires_at", "invalid_date", "expires_at must be an RFC 3339 timestamp in the future.")
		}
	}
	perms := in.Permissions
	if perms == nil {
		perms = []string{}
	}
	if err := t.checkPermissions(perms); err != nil {
		return nil, err
	}
	value := in.Value
	if value == "" {
		value = "sk_" + randomToken(40)
	}
	k := &storedAPIKey{apiKey: apiKey{Object: "api_key", ID: t.newID("api_key_"), Owner: owner,
		Name: strings.TrimSpace(in.Name), ObfuscatedValue: "sk_..." + value[len(value)-4:], ExpiresAt: in.ExpiresAt, Permissions: perms,
		CreatedAt: formatTime(t.now), UpdatedAt: formatTime(t.now)}, Secret: value}
	if err := t.save("api_key", k.ID, orgID, k); err != nil {
		return nil, err
	}
	if err := t.emit("api_key.created", orgID, &k.apiKey); err != nil {
		return nil, err
	}
	out := k.apiKey
	out.Value = value
	return &out, nil
}

func createAPIKeyHandler(c *call) (int, any, error) {
	org := c.param("organizationId")
	if _, err := c.t.organization(org); err != nil {
		return 0, nil, err
	}
	var in apiKeyInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	k, err := c.t.createAPIKey(org, in, apiKeyOwner{Type: "organization", ID: org})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, k, nil
}

func listAPIKeys(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	org := c.param("organizationId")
	if _, err := c.t.organization(org); err != nil {
		return 0, nil, err
	}
	return apiKeyPage(c, org, p, func(k *storedAPIKey) bool { return k.Owner.Type == "organization" })
}

// apiKeyPage answers a listing: page p of the API keys stored under org (every organization
// when org is "") that keep accepts.
func apiKeyPage(c *call, org string, p page, keep func(*storedAPIKey) bool) (int, any, error) {
	ks, err := filter(c.t, "api_key", org, keep)
	if err != nil {
		return 0, nil, err
	}
	out := make([]*apiKey, 0, len(ks))
	for _, k := range ks {
		out = append(out, &k.apiKey)
	}
	return http.StatusOK, paginate(out, func(k *apiKey) string { return k.ID }, p), nil
}

func deleteAPIKey(c *call) (int, any, error) {
	id := c.param("id")
	k, err := loadFound[storedAPIKey](c.t, "api_key", "API key", id)
	if err != nil {
		return 0, nil, err
	}
	if err := c.t.remove("api_key", id); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, c.t.emit("api_key.revoked", k.orgID(), &k.apiKey)
}

func validateAPIKey(c *call) (int, any, error) {
	var in struct {
		Value string `json:"value"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if in.Value == "" {
		return 0, nil, invalidField("value", "value_required", "value is required.")
	}
	k, err := find(c.t, "api_key", "", func(k *storedAPIKey) bool { return k.Secret == in.Value })
	if errors.Is(err, errNotFound) {
		return http.StatusOK, map[string]any{"api_key": nil}, nil
	}
	if err != nil {
		return 0, nil, err
	}
	if k.ExpiresAt != nil && *k.ExpiresAt <= formatTime(c.t.now) {
		return http.StatusOK, map[string]any{"api_key": nil}, nil
	}
	return http.StatusOK, map[string]any{"api_key": &k.apiKey}, nil
}

// User API keys: like organization API keys, owned by a user within an organization.

func listUserAPIKeys(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	u, err := c.t.user(c.param("userId"))
	if err != nil {
		return 0, nil, err
	}
	org := c.query.Get("organization_id")
	return apiKeyPage(c, org, p, func(k *storedAPIKey) bool { return k.Owner.Type == "user" && k.Owner.ID == u.ID })
}

func createUserAPIKey(c *call) (int, any, error) {
	u, err := c.t.user(c.param("userId"))
	if err != nil {
		return 0, nil, err
	}
	var in struct {
		apiKeyInput
		OrganizationID string `json:"organization_id"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if in.OrganizationID == "" {
		return 0, nil, invalidField("organization_id", "organization_id_required", "organization_id is required.")
	}
	if _, err := find(c.t, "organization_membership", in.OrganizationID, func(m *membership) bool { return m.UserID == u.ID && m.Status == "active" }); errors.Is(err, errNotFound) {
		return 0, nil, invalidField("organization_id", "not_a_member", "The user has no active membership in the organization.")
	} else if err != nil {
		return 0, nil, err
	}
	k, err := c.t.createAPIKey(in.OrganizationID, in.apiKeyInput, apiKeyOwner{Type: "user", ID: u.ID, OrganizationID: in.OrganizationID})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, k, nil
}

func expireAPIKey(c *call) (int, any, error) {
	var in struct {
		ExpiresAt *string `json:"expires_at"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	t := c.t
	id := c.param("id")
	k, err := loadFound[storedAPIKey](t, "api_key", "API key", id)
	if err != nil {
		return 0, nil, err
	}
	at := formatTime(t.now)
	if in.ExpiresAt != nil {
		parsed, err := time.Parse(time.RFC3339, *in.ExpiresAt)
		if err != nil {
			return 0, nil, invalidField("expires_at", "invalid_date", "expires_at must be an RFC 3339 timestamp.")
		}
		at = formatTime(parsed)
	}
	previous := map[string]any{"expires_at": k.ExpiresAt}
	k.ExpiresAt, k.UpdatedAt = &at, formatTime(t.now)
	if err := t.update("api_key", k.ID, k); err != nil {
		return 0, nil, err
	}
	data := map[string]any{"object": k.Object, "id": k.ID, "owner": k.Owner, "name": k.Name, "obfuscated_value": k.ObfuscatedValue,
		"last_used_at": k.LastUsedAt, "expires_at": k.ExpiresAt, "permissions": k.Permissions, "created_at": k.CreatedAt, "updated_at": k.UpdatedAt,
		"previous_attributes": previous}
	return http.StatusOK, &k.apiKey, t.emit("api_key.updated", k.orgID(), data)
}
