package emulator

import (
	"crypto/subtle"
	"errors"
	"net/http"
)

// Agent registrations: AI agents registered with the environment, each with an identity (bound
// to a user when the agent acts for one) and an organization. Agents register outside the API,
// so registrations come from the seed ("agent_registrations"); an API-key credential given there
// is what POST /agents/credentials/validate recognises.

type agentIdentity struct {
	Object         string  `json:"object,omitempty"`
	ID             string  `json:"id"`
	UserlandUserID *string `json:"userland_user_id"`
	CreatedAt      string  `json:"created_at"`
	UpdatedAt      string  `json:"updated_at"`
}

type agentRegistration struct {
	Object         string        `json:"object,omitempty"`
	ID             string        `json:"id"`
	AgentIdentity  agentIdentity `json:"agent_identity"`
	OrganizationID string        `json:"organization_id"`
	Status         string        `json:"status"`
	Kind           string        `json:"kind"`
	Method         string        `json:"method,omitempty"`
	Claim          *struct{}     `json:"claim"`
	CreatedAt      string        `json:"created_at"`
	UpdatedAt      string        `json:"updated_at"`
}

type storedAgent struct {
	agentRegistration
	Credential string `json:"credential,omitempty"`
}

// render is the registration as GET answers it (no credential, no event-only fields).
func (a *storedAgent) render() *agentRegistration {
	cp := a.agentRegistration
	cp.Object, cp.Method, cp.AgentIdentity.Object = "", "", ""
	return &cp
}

var agentMethods = map[string]string{"anonymous": "anonymous", "service_auth": "service_auth", "identity_assertion": "id_jag"}

func (t *tx) createAgentRegistration(org, userID, kind, status, credential string) (*storedAgent, error) {
	if kind == "" {
		kind = "service_auth"
	}
	method, ok := agentMethods[kind]
	if !ok {
		return nil, errors.New("kind must be anonymous, service_auth or identity_assertion")
	}
	switch status {
	case "":
		status = "verified"
	case "unverified", "verified", "expired", "revoked":
	default:
		return nil, errors.New("status must be unverified, verified, expired or revoked")
	}
	now := formatTime(t.now)
	a := &storedAgent{agentRegistration: agentRegistration{Object: "agent_registration", ID: t.newID("agent_registration_"),
		AgentIdentity:  agentIdentity{Object: "agent_identity", ID: t.newID("agent_identity_"), CreatedAt: now, UpdatedAt: now},
		OrganizationID: org, Status: status, Kind: kind, Method: method, CreatedAt: now, UpdatedAt: now}, Credential: credential}
	if userID != "" {
		a.AgentIdentity.UserlandUserID = &userID
	}
	if err := t.save("agent_registration", a.ID, org, a); err != nil {
		return nil, err
	}
	ev := a.agentRegistration
	ev.Claim = nil
	return a, t.emit("agent.registration.created", org, struct {
		agentRegistration
		Claim *struct{} `json:"claim,omitempty"`
	}{agentRegistration: ev})
}

func getAgentRegistration(c *call) (int, any, error) {
	id := c.param("id")
	a, err := loadFound[storedAgent](c.t, "agent_registration", "Agent registration", id)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, a.render(), nil
}

// validateAgentCredential says whether a credential belongs to a live (verified) registration.
// The emulator issues no agent access tokens, so those are never valid.
func validateAgentCredential(c *call) (int, any, error) {
	var in struct {
		Type       string `json:"type"`
		Credential string `json:"credential"`
		Audience   string `json:"audience"`
	}
	if err := c.decode(&in); err != nil { // the spec documents 400 invalid_request for a bad body
		return 0, nil, badRequest("invalid_request", "The request body must be {type, credential}.")
	}
	if in.Type != "api_key" && in.Type != "access_token" {
		return 0, nil, badRequest("invalid_request", "type must be api_key or access_token.")
	}
	if in.Credential == "" {
		return 0, nil, badRequest("invalid_request", "credential is required.")
	}
	out := map[string]any{"valid": false, "registration_id": nil, "expires_at": nil}
	if in.Type != "api_key" {
		return http.StatusOK, out, nil
	}
	as, err := loadAll[storedAgent](c.t, "agent_registration", "")
	if err != nil {
		return 0, nil, err
	}
	for _, a := range as {
		if a.Credential != "" && subtle.ConstantTimeCompare([]byte(a.Credential), []byte(in.Credential)) == 1 && a.Status == "verified" {
			out["valid"], out["registration_id"] = true, a.ID
		}
	}
	return http.StatusOK, out, nil
}
