package localauth

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"net/mail"
	"net/url"
	"strings"
)

// Standalone Connect: the application signs the person in its own way, then
// calls POST /authkit/oauth2/complete with the API key; the redirect_uri it
// gets back continues the OAuth flow here.

// workosError is the WorkOS API's error body.
type workosError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (s *Server) handleComplete(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		writeJSON(w, http.StatusMethodNotAllowed, workosError{"method_not_allowed", "use POST"})
		return
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if s.opts.APIKey == "" || !ok || subtle.ConstantTimeCompare([]byte(tok), []byte(s.opts.APIKey)) != 1 {
		writeJSON(w, http.StatusUnauthorized, workosError{"unauthorized", "a valid API key is required as a Bearer token"})
		return
	}
	body, err := readBody(w, r)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, workosError{"invalid_request", err.Error()})
		return
	}
	var req struct {
		ExternalAuthID string `json:"external_auth_id"`
		User           *struct {
			ID        string `json:"id"`
			Email     string `json:"email"`
			FirstName string `json:"first_name"`
			LastName  string `json:"last_name"`
			Name      string `json:"name"`
		} `json:"user"`
		UserConsentOptions []json.RawMessage `json:"user_consent_options"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		writeJSON(w, http.StatusBadRequest, workosError{"invalid_request", "the body must be a JSON object: " + jsonFieldError(err)})
		return
	}
	switch {
	case req.ExternalAuthID == "":
		writeJSON(w, http.StatusUnprocessableEntity, workosError{"invalid_request_parameters", "external_auth_id is required"})
		return
	case req.User == nil || req.User.ID == "":
		writeJSON(w, http.StatusUnprocessableEntity, workosError{"invalid_request_parameters", "user.id is required"})
		return
	case len(req.UserConsentOptions) > 0:
		writeJSON(w, http.StatusBadRequest, workosError{"user_consent_options_not_supported", "user_consent_options are not supported by this server"})
		return
	}
	if a, err := mail.ParseAddress(req.User.Email); err != nil || a.Address != req.User.Email {
		writeJSON(w, http.StatusBadRequest, workosError{"invalid_email", "user.email is not a valid email address"})
		return
	}
	ctx := r.Context()
	p, err := s.store.getPending(ctx, req.ExternalAuthID, s.now())
	if err != nil {
		writeJSON(w, http.StatusNotFound, workosError{"external_auth_session_not_found", "no pending authorization has this external_auth_id (unknown or expired)"})
		return
	}
	if p.UserID != "" || p.ExternalTok != "" {
		writeJSON(w, http.StatusBadRequest, workosError{"external_auth_session_already_completed", "this external_auth_id was already completed"})
		return
	}
	first, last := req.User.FirstName, req.User.LastName
	if first == "" && last == "" && req.User.Name != "" {
		first, last, _ = strings.Cut(req.User.Name, " ")
	}
	person, err := s.store.upsertExternalUser(ctx, req.User.ID, Person{Email: req.User.Email, FirstName: first, LastName: last})
	if errors.Is(err, errEmailTaken) {
		writeJSON(w, http.StatusBadRequest, workosError{"email_not_available", "another user already has this email"})
		return
	}
	if err != nil {
		s.log.ErrorContext(r.Context(), "localauth: store external user", "err", err)
		writeJSON(w, http.StatusInternalServerError, workosError{"server_error", "the user could not be stored"})
		return
	}
	secret := randomToken(24)
	p.External, p.UserID, p.OrgChosen, p.ExternalTok = &person, person.ID, true, hashToken(secret)
	if err := s.store.putPending(ctx, p, s.now().Add(pendingTTL)); err != nil {
		writeJSON(w, http.StatusInternalServerError, workosError{"server_error", "the authorization could not be stored"})
		return
	}
	cont := s.endpoint("/oauth2/authorize/complete") + "?" + url.Values{"request": {p.ID}, "token": {secret}}.Encode()
	writeJSON(w, http.StatusOK, map[string]string{"redirect_uri": cont})
}

// handleConnectContinue is where the application sends the person after
// completion: it binds the request to this browser and shows consent (or,
// with auto-approve, redirects to the client at once).
func (s *Server) handleConnectContinue(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		s.errorPage(w, http.StatusMethodNotAllowed, "Method not allowed", "Use GET.")
		return
	}
	ctx := r.Context()
	q := r.URL.Query()
	p, err := s.store.getPending(ctx, q.Get("request"), s.now())
	if err != nil || p.ExternalTok == "" || subtle.ConstantTimeCompare([]byte(hashToken(q.Get("token"))), []byte(p.ExternalTok)) != 1 {
		s.errorPage(w, http.StatusBadRequest, "Sign-in request expired", "This sign-in link is unknown, used or expired. Go back to your application and connect again.")
		return
	}
	if s.opts.AutoApprove != "" {
		s.finish(w, r, p, p.External)
		return
	}
	binding := s.browserBinding(w, r)
	p.Binding = hashToken(binding)
	p.ExternalTok = "used" // single use: the link can't bind a second browser
	if err := s.store.putPending(ctx, p, s.now().Add(pendingTTL)); err != nil {
		s.errorPage(w, http.StatusInternalServerError, "Something went wrong", "Try again.")
		return
	}
	http.Redirect(w, r, s.endpoint("/oauth2/login?request="+url.QueryEscape(p.ID)), http.StatusSeeOther)
}

var errEmailTaken = errors.New("email taken")

// upsertExternalUser maps an application's user ID to a stable local user ID.
func (st *store) upsertExternalUser(ctx context.Context, externalID string, p Person) (Person, error) {
	var out Person
	err := st.tx(ctx, func(tx *sql.Tx) error {
		var owner string
		err := tx.QueryRowContext(ctx, `SELECT external_id FROM external_users WHERE lower(email)=lower(?)`, p.Email).Scan(&owner)
		if err == nil && owner != externalID {
			return errEmailTaken
		}
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var userID string
		err = tx.QueryRowContext(ctx, `SELECT user_id FROM external_users WHERE external_id=?`, externalID).Scan(&userID)
		if errors.Is(err, sql.ErrNoRows) {
			userID = "user_" + randomToken(16)
		} else if err != nil {
			return err
		}
		p.ID = userID
		b, _ := json.Marshal(p)
		_, err = tx.ExecContext(ctx, `INSERT INTO external_users(external_id, user_id, email, data) VALUES(?,?,?,?)
			ON CONFLICT(external_id) DO UPDATE SET email=excluded.email, data=excluded.data`, externalID, userID, p.Email, string(b))
		out = p
		return err
	})
	return out, err
}

func (st *store) externalPersonByID(ctx context.Context, userID string) (Person, error) {
	var data string
	err := st.db.QueryRowContext(ctx, `SELECT data FROM external_users WHERE user_id=?`, userID).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return Person{}, ErrNotFound
	}
	if err != nil {
		return Person{}, err
	}
	var p Person
	err = json.Unmarshal([]byte(data), &p)
	return p, err
}
