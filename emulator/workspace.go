package emulator

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Webhook endpoints.

type webhookEndpoint struct {
	Object      string   `json:"object"`
	ID          string   `json:"id"`
	EndpointURL string   `json:"endpoint_url"`
	Secret      string   `json:"secret"`
	Status      string   `json:"status"`
	Events      []string `json:"events"`
	CreatedAt   string   `json:"created_at"`
	UpdatedAt   string   `json:"updated_at"`
}

type webhookInput struct {
	EndpointURL *string   `json:"endpoint_url"`
	Events      *[]string `json:"events"`
	Status      *string   `json:"status"`
	Secret      string    `json:"-"`
}

func validURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

func (t *tx) createWebhook(in webhookInput) (*webhookEndpoint, error) {
	var errs []fieldError
	if in.EndpointURL == nil || !validURL(*in.EndpointURL) {
		return nil, &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid_url", Message: "endpoint_url must be an http(s) URL."}
	}
	if in.Events == nil || len(*in.Events) == 0 {
		errs = append(errs, fieldError{Field: "events", Code: "events_required", Message: "events must list at least one event."})
	}
	if len(errs) > 0 {
		return nil, invalidParams(errs...)
	}
	if _, err := find(t, "webhook_endpoint", "", func(w *webhookEndpoint) bool { return w.EndpointURL == *in.EndpointURL }); err == nil {
		return nil, conflict("duplicate_endpoint", "A webhook endpoint with this URL already exists.")
	}
	w := &webhookEndpoint{Object: "webhook_endpoint", ID: t.newID("we_"), EndpointURL: *in.EndpointURL, Secret: in.Secret, Status: "enabled",
		Events: *in.Events, CreatedAt: formatTime(t.now), UpdatedAt: formatTime(t.now)}
	if w.Secret == "" {
		w.Secret = "whsec_" + randomToken(29)
	}
	return w, t.save("webhook_endpoint", w.ID, "", w)
}

func createWebhookHandler(c *call) (int, any, error) {
	var in webhookInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	w, err := c.t.createWebhook(in)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, w, nil
}

func listWebhooks(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	ws, err := loadAll[webhookEndpoint](c.t, "webhook_endpoint", "")
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, paginate(ws, func(w *webhookEndpoint) string { return w.ID }, p), nil
}

func (t *tx) webhook(id string) (*webhookEndpoint, error) {
	w, err := load[webhookEndpoint](t, "webhook_endpoint", id)
	if errors.Is(err, errNotFound) {
		return nil, notFound("Webhook endpoint", id)
	}
	return w, err
}

func updateWebhook(c *call) (int, any, error) {
	var in webhookInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	w, err := c.t.webhook(c.param("id"))
	if err != nil {
		return 0, nil, err
	}
	if in.EndpointURL != nil {
		if !validURL(*in.EndpointURL) {
			return 0, nil, &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid_url", Message: "endpoint_url must be an http(s) URL."}
		}
		w.EndpointURL = *in.EndpointURL
	}
	if in.Events != nil {
		if len(*in.Events) == 0 {
			return 0, nil, invalidField("events", "events_required", "events must list at least one event.")
		}
		w.Events = *in.Events
	}
	if in.Status != nil {
		if *in.Status != "enabled" && *in.Status != "disabled" {
			return 0, nil, invalidField("status", "invalid_status", "status must be enabled or disabled.")
		}
		w.Status = *in.Status
	}
	w.UpdatedAt = formatTime(c.t.now)
	return http.StatusOK, w, c.t.save("webhook_endpoint", w.ID, "", w)
}

func deleteWebhook(c *call) (int, any, error) {
	w, err := c.t.webhook(c.param("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, c.t.remove("webhook_endpoint", w.ID)
}

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
	ks, err := filter(c.t, "api_key", org, func(k *storedAPIKey) bool { return k.Owner.Type == "organization" })
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
	k, err := load[storedAPIKey](c.t, "api_key", id)
	if errors.Is(err, errNotFound) {
		return 0, nil, notFound("API key", id)
	}
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

// Admin Portal links.

func generatePortalLink(c *call) (int, any, error) {
	var in struct {
		Organization string `json:"organization"`
		Intent       string `json:"intent"`
		ReturnURL    string `json:"return_url"`
		SuccessURL   string `json:"success_url"`
	}
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if in.Organization == "" {
		return 0, nil, invalidField("organization", "organization_required", "organization is required.")
	}
	switch in.Intent {
	case "", "sso", "dsync", "audit_logs", "log_streams", "domain_verification", "certificate_renewal", "bring_your_own_key":
	default:
		return 0, nil, invalidField("intent", "invalid_intent", "intent is not one of the Admin Portal intents.")
	}
	if _, err := c.t.organization(in.Organization); err != nil {
		return 0, nil, err
	}
	q := url.Values{"token": {randomToken(40)}, "organization": {in.Organization}}
	if in.Intent != "" {
		q.Set("intent", in.Intent)
	}
	return http.StatusCreated, map[string]any{"link": c.baseURL() + "/_emulator/portal?" + q.Encode()}, nil
}
