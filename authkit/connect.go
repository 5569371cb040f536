package authkit

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/workos-mcp/workos-mcp/workos"
)

// ConnectUser is the person the application authenticated, sent to AuthKit
// by LoginHandler (Standalone Connect). ID is the application's own user ID,
// stored by WorkOS as the user's external_id.
type ConnectUser struct {
	ID        string            `json:"id"`
	Email     string            `json:"email"`
	FirstName string            `json:"first_name,omitempty"`
	LastName  string            `json:"last_name,omitempty"`
	Name      string            `json:"name,omitempty"`
	Metadata  map[string]string `json:"metadata,omitempty"`
	// ConsentOptions are stored with the session (user_consent_options).
	ConsentOptions []ConsentOption `json:"-"`
}

// ConsentOption is a choice AuthKit shows on its consent screen.
type ConsentOption struct {
	Claim   string          `json:"claim"`
	Type    string          `json:"type"` // "enum"
	Label   string          `json:"label"`
	Choices []ConsentChoice `json:"choices"`
}

// ConsentChoice is one value of a ConsentOption.
type ConsentChoice struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

// CompletionPath is the WorkOS API endpoint that completes Standalone Connect.
const CompletionPath = "/authkit/oauth2/complete"

// maxExternalAuthID bounds the external_auth_id accepted from the browser.
const maxExternalAuthID = 2048

// LoginHandler serves the application's Login URI for Standalone Connect.
// AuthKit sends the browser there with external_auth_id; authenticate
// signs the person in the application's own way and returns them, or
// returns (nil, nil) after writing its own response (a sign-in form that
// posts back here with external_auth_id); an error's text is shown to the
// person, so make it one they can act on. The handler then calls AuthKit's
// completion endpoint and redirects to the URI it returns, only if that URI
// is on the issuer's or the API's host, a WorkOS domain (*.authkit.app,
// *.workos.com) or ConnectRedirectHosts: the browser is never sent anywhere
// a request parameter names. Failures end on a page that says what happened.
func (a *AuthKit) LoginHandler(authenticate func(w http.ResponseWriter, r *http.Request) (*ConnectUser, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodPost {
			w.Header().Set("Allow", "GET, POST")
			connectPage(w, http.StatusMethodNotAllowed, "This sign-in page accepts only GET and POST.")
			return
		}
		id := r.FormValue("external_auth_id")
		if id == "" || len(id) > maxExternalAuthID || strings.ContainsAny(id, "\r\n\x00") {
			connectPage(w, http.StatusBadRequest, "This sign-in link is incomplete or damaged (external_auth_id is missing or invalid). Start signing in again from your application.")
			return
		}
		if a.api.client == nil {
			a.cfg.Logger.Error("authkit: LoginHandler needs Config.APIKey")
			connectPage(w, http.StatusServiceUnavailable, "Sign-in is not configured on this server.")
			return
		}
		user, err := authenticate(w, r)
		if err != nil {
			connectPage(w, http.StatusUnauthorized, "You could not be signed in: "+err.Error())
			return
		}
		if user == nil {
			return // authenticate answered (e.g. showed its sign-in form)
		}
		if user.ID == "" || user.Email == "" {
			connectPage(w, http.StatusInternalServerError, "The application returned a person without an ID or email.")
			return
		}
		target, err := a.complete(r.Context(), id, user)
		if err != nil {
			var werr *workos.Error
			if errors.As(err, &werr) && werr.StatusCode >= 400 && werr.StatusCode < 500 {
				msg := "AuthKit refused to complete the sign-in"
				if werr.Message != "" {
					msg += ": " + werr.Message
				}
				connectPage(w, http.StatusBadRequest, msg+". Start signing in again from your application.")
				return
			}
			if errors.Is(err, errUnexpectedRedirect) {
				a.cfg.Logger.Error("authkit: standalone connect completion answered a redirect_uri on an unexpected host; add it to Config.ConnectRedirectHosts if it is AuthKit's")
				connectPage(w, http.StatusBadGateway, "AuthKit answered with a sign-in address this server does not trust, so it was not followed. Ask the application's administrator to check its AuthKit configuration.")
				return
			}
			a.cfg.Logger.Warn("authkit: standalone connect completion failed", "err", err)
			connectPage(w, http.StatusBadGateway, "AuthKit could not be reached to complete the sign-in. Try again in a moment.")
			return
		}
		http.Redirect(w, r, target, http.StatusFound)
	})
}

// complete calls POST /authkit/oauth2/complete and checks the redirect.
func (a *AuthKit) complete(ctx context.Context, externalAuthID string, u *ConnectUser) (string, error) {
	body := struct {
		ExternalAuthID     string          `json:"external_auth_id"`
		User               *ConnectUser    `json:"user"`
		UserConsentOptions []ConsentOption `json:"user_consent_options,omitempty"`
	}{externalAuthID, u, u.ConsentOptions}
	var out struct {
		RedirectURI string `json:"redirect_uri"`
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := a.api.client.Do(ctx, http.MethodPost, CompletionPath, nil, body, &out); err != nil {
		return "", err
	}
	if !a.allowedRedirect(out.RedirectURI) {
		return "", errUnexpectedRedirect
	}
	return out.RedirectURI, nil
}

// errUnexpectedRedirect: the completion answered a redirect_uri LoginHandler
// will not follow.
var errUnexpectedRedirect = errors.New("authkit: completion returned a redirect_uri outside AuthKit's hosts")

// workosDomains are WorkOS's own domains: AuthKit's completion may send the
// browser to a subdomain of either (an AuthKit domain is not always the
// issuer's host), always over https.
var workosDomains = []string{".authkit.app", ".workos.com"}

// allowedRedirect reports whether LoginHandler may send the browser to s:
// https (http only on loopback), no user info, and a host of the issuer, the
// API, a WorkOS domain or Config.ConnectRedirectHosts.
func (a *AuthKit) allowedRedirect(s string) bool {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil {
		return false
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname())) {
		return false
	}
	host := strings.ToLower(u.Host)
	if u.Scheme == "https" && u.Port() == "" {
		for _, d := range workosDomains {
			if strings.HasSuffix(host, d) && len(host) > len(d) {
				return true
			}
		}
	}
	allowed := []string{a.issuerURL.Host}
	if api, err := url.Parse(a.cfg.APIBaseURL); err == nil {
		allowed = append(allowed, api.Host)
	}
	allowed = append(allowed, a.cfg.ConnectRedirectHosts...)
	for _, h := range allowed {
		if strings.EqualFold(h, host) {
			return true
		}
	}
	return false
}

var connectTmpl = template.Must(template.New("connect").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign-in problem</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto; padding: 0 1rem">
<h1>Sign-in could not be completed</h1>
<p>{{.}}</p>
</body></html>
`))

func connectPage(w http.ResponseWriter, status int, msg string) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.WriteHeader(status)
	_ = connectTmpl.Execute(w, msg)
}
