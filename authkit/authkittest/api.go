package authkittest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// API is a minimal stand-in for the few WorkOS API endpoints authkit calls
// (user lookup, organization memberships, Standalone Connect completion),
// for tests that do not want the full emulator. Requests must carry the
// API key as a bearer token.
type API struct {
	srv    *httptest.Server
	apiKey string

	mu          sync.Mutex
	users       map[string]map[string]any
	memberships map[string][]map[string]any
	completions []json.RawMessage
	// CompleteRedirect is the redirect_uri returned by the completion
	// endpoint; default <issuer-like URL of this server>/oauth2/authorize/complete.
	completeRedirect string
	completeStatus   int

	userFetches atomic.Int64
}

// NewAPI starts the stand-in API, closed by tb.Cleanup.
func NewAPI(tb testing.TB, apiKey string) *API {
	tb.Helper()
	a := &API{apiKey: apiKey, users: map[string]map[string]any{}, memberships: map[string][]map[string]any{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /user_management/users/{id}", a.getUser)
	mux.HandleFunc("GET /user_management/organization_memberships", a.listMemberships)
	mux.HandleFunc("POST /authkit/oauth2/complete", a.complete)
	a.srv = httptest.NewServer(a.auth(mux))
	tb.Cleanup(a.srv.Close)
	a.completeRedirect = a.srv.URL + "/oauth2/authorize/complete?state=test"
	return a
}

// URL is the API's base URL.
func (a *API) URL() string { return a.srv.URL }

// AddUser registers a user (its "id" field is required).
func (a *API) AddUser(u map[string]any) {
	a.mu.Lock()
	defer a.mu.Unlock()
	u["object"] = "user"
	a.users[u["id"].(string)] = u
}

// AddMembership registers a membership (its "user_id" field is required).
func (a *API) AddMembership(m map[string]any) {
	a.mu.Lock()
	defer a.mu.Unlock()
	m["object"] = "organization_membership"
	uid := m["user_id"].(string)
	a.memberships[uid] = append(a.memberships[uid], m)
}

// UserFetches counts GET /user_management/users/{id} requests.
func (a *API) UserFetches() int { return int(a.userFetches.Load()) }

// SetCompletion sets what the completion endpoint answers: a status (0 =
// 200) and the redirect_uri.
func (a *API) SetCompletion(status int, redirectURI string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.completeStatus, a.completeRedirect = status, redirectURI
}

// Completions returns the request bodies the completion endpoint received.
func (a *API) Completions() []json.RawMessage {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]json.RawMessage(nil), a.completions...)
}

func (a *API) auth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+a.apiKey {
			apiError(w, http.StatusUnauthorized, "unauthorized", "invalid API key")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (a *API) getUser(w http.ResponseWriter, r *http.Request) {
	a.userFetches.Add(1)
	a.mu.Lock()
	u, ok := a.users[r.PathValue("id")]
	a.mu.Unlock()
	if !ok {
		apiError(w, http.StatusNotFound, "entity_not_found", "user not found")
		return
	}
	writeJSON(w, u)
}

func (a *API) listMemberships(w http.ResponseWriter, r *http.Request) {
	uid := r.URL.Query().Get("user_id")
	a.mu.Lock()
	data := append([]map[string]any{}, a.memberships[uid]...)
	a.mu.Unlock()
	writeJSON(w, map[string]any{"object": "list", "data": data, "list_metadata": map[string]any{"before": nil, "after": nil}})
}

func (a *API) complete(w http.ResponseWriter, r *http.Request) {
	var body struct {
		ExternalAuthID string         `json:"external_auth_id"`
		User           map[string]any `json:"user"`
	}
	raw := json.RawMessage{}
	if err := json.NewDecoder(r.Body).Decode(&raw); err != nil || json.Unmarshal(raw, &body) != nil ||
		body.ExternalAuthID == "" || body.User["id"] == nil || body.User["email"] == nil {
		apiError(w, http.StatusUnprocessableEntity, "invalid_request", "external_auth_id and user (id, email) are required")
		return
	}
	a.mu.Lock()
	a.completions = append(a.completions, raw)
	status, redirect := a.completeStatus, a.completeRedirect
	a.mu.Unlock()
	if status != 0 && status != http.StatusOK {
		apiError(w, status, "external_auth_session_already_completed", "the sign-in was already completed")
		return
	}
	if strings.HasPrefix(body.ExternalAuthID, "expired") {
		apiError(w, http.StatusBadRequest, "external_auth_session_expired", "the sign-in session expired")
		return
	}
	writeJSON(w, map[string]any{"redirect_uri": redirect})
}

func apiError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"code": code, "message": msg})
}
