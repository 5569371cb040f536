package emulator

import (
	"net/http"
	"net/url"
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
	w, err := loadFound[webhookEndpoint](t, "webhook_endpoint", "Webhook endpoint", id)
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
