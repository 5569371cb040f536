// Package console is the workspace server's web console, on the same origin as /mcp: people
// sign in through the team's AuthKit (localauth in dev) and approve or deny the destructive calls
// their agents asked for; team admins change the team's settings (enabled, allow production,
// allow write) at run time; the activity page shows who did what, where.
//
// Plain HTML from Go templates: no JavaScript, no build step. Every page is sent with a strict
// Content-Security-Policy, frame denial and no-store; every form carries a CSRF token; the
// session cookie is HttpOnly, SameSite=Lax and Secure on https. The decisions themselves are the
// workspace's (workspace.Server.DecideApproval, SetSettings, Activity): this package is the view.
package console

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/workos-mcp/workos-mcp/authkit"
	"github.com/workos-mcp/workos-mcp/workspace"
)

// Path is where the console is served.
const Path = "/console"

// Config configures the console.
type Config struct {
	// Workspace decides; the console shows.
	Workspace *workspace.Server
	// AuthKit verifies the access tokens the console obtains for the people who sign in (issued
	// by the same authorization server, for the same resource, as the MCP clients' tokens).
	AuthKit *authkit.AuthKit
	// Issuer is the authorization server (AuthKit domain, or dev's origin); its metadata gives the
	// authorize, token and registration endpoints.
	Issuer string
	// PublicURL is the server's public origin (no path); the console is at PublicURL + Path.
	PublicURL string
	// ResourceURL is the MCP resource the console asks tokens for (their audience).
	ResourceURL string
	// Key seals the console's cookies (32 bytes). Replicas share it so that a person signed in on
	// one is signed in on all; empty means a random key (one replica).
	Key []byte
	// HTTPClient reaches the authorization server; nil means a client with a 10 s timeout.
	HTTPClient *http.Client
	// Logger receives the console's log lines; nil means slog.Default().
	Logger *slog.Logger
}

// Console serves the console's pages.
type Console struct {
	cfg    Config
	aead   cipher.AEAD
	macKey []byte
	hc     *http.Client
	log    *slog.Logger
	tmpl   *template.Template
	secure bool
	mux    *http.ServeMux
	now    func() time.Time

	mu       sync.Mutex
	clientID string // registered with the authorization server on first sign-in
	meta     *asMetadata
}

//go:embed templates/*.html static/*
var files embed.FS

// New returns a console.
func New(cfg Config) (*Console, error) {
	if cfg.Workspace == nil || cfg.AuthKit == nil {
		return nil, errors.New("console: Workspace and AuthKit are required")
	}
	pub, err := url.Parse(cfg.PublicURL)
	if err != nil || pub.Host == "" || (pub.Scheme != "http" && pub.Scheme != "https") {
		return nil, fmt.Errorf("console: public URL %q is not an http(s) origin", cfg.PublicURL)
	}
	key := cfg.Key
	if len(key) == 0 {
		key = make([]byte, 32)
		_, _ = rand.Read(key)
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("console: key: %d bytes, want 32", len(key))
	}
	// Two keys from one: cookies are sealed with one, CSRF tokens are MACed with the other.
	enc := sha256.Sum256(append([]byte("workos-mcp console seal\x00"), key...))
	mac := sha256.Sum256(append([]byte("workos-mcp console csrf\x00"), key...))
	block, err := aes.NewCipher(enc[:])
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	tmpl, err := template.New("").Funcs(template.FuncMap{
		"json":    func(v any) string { b, _ := json.MarshalIndent(v, "", "  "); return string(b) },
		"when":    func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
		"counted": counted,
		"fields":  fields,
	}).ParseFS(files, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("console: templates: %w", err)
	}
	c := &Console{cfg: cfg, aead: aead, macKey: mac[:], hc: cfg.HTTPClient, log: cfg.Logger, tmpl: tmpl,
		secure: pub.Scheme == "https", now: time.Now}
	if c.hc == nil {
		c.hc = &http.Client{Timeout: 10 * time.Second}
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	c.cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	c.routes()
	return c, nil
}

// URL is the console's base URL (for workspace.Config.ConsoleURL).
func (c *Console) URL() string { return c.cfg.PublicURL + Path }

// Handler serves everything under Path.
func (c *Console) Handler() http.Handler { return c.mux }

func (c *Console) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET "+Path, c.page(c.home))
	m.HandleFunc("GET "+Path+"/{$}", c.page(c.home))
	m.HandleFunc("GET "+Path+"/login", c.headers(c.login))
	m.HandleFunc("GET "+Path+"/callback", c.headers(c.callback))
	m.HandleFunc("POST "+Path+"/logout", c.headers(c.logout))
	m.HandleFunc("GET "+Path+"/approvals", c.page(c.approvals))
	m.HandleFunc("GET "+Path+"/approvals/{id}", c.page(c.approval))
	m.HandleFunc("POST "+Path+"/approvals/{id}", c.page(c.decide))
	m.HandleFunc("GET "+Path+"/settings", c.page(c.settings))
	m.HandleFunc("POST "+Path+"/settings", c.page(c.saveSettings))
	m.HandleFunc("GET "+Path+"/activity", c.page(c.activity))
	m.Handle("GET "+Path+"/static/", c.headers(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		http.StripPrefix(Path, http.FileServerFS(files)).ServeHTTP(w, r)
	}))
	m.HandleFunc(Path+"/", c.headers(func(w http.ResponseWriter, r *http.Request) {
		c.render(w, r, http.StatusNotFound, "error", nil, map[string]any{"Title": "Not found", "Message": "There is no such page."})
	}))
	c.mux = m
}

// csp allows the console's own stylesheet and forms posting to itself; nothing else (no script,
// no frames, no inline style).
const csp = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// headers sets the security headers of every console answer.
func (c *Console) headers(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", csp)
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("X-Content-Type-Options", "nosniff")
		// same-origin, not no-referrer: under no-referrer a browser sends "Origin: null" on the
		// console's own form posts, which sameOrigin (rightly) refuses. Other origins still get
		// no Referer, so approval links never leak.
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("Cache-Control", "no-store")
		if c.secure {
			hd.Set("Strict-Transport-Security", "max-age=31536000")
		}
		h(w, r)
	}
}

// session is a signed-in person, sealed in the session cookie. It lives as long as the access
// token it came from; then the person signs in again (AuthKit usually remembers them).
type session struct {
	UserID string `json:"sub"`
	Org    string `json:"org"`
	Role   string `json:"role,omitempty"`
	Exp    int64  `json:"exp"`
	Nonce  string `json:"n"` // the CSRF token is derived from it
}

func (s *session) authkit() *authkit.Session {
	return &authkit.Session{UserID: s.UserID, OrganizationID: s.Org, Role: s.Role}
}

const (
	sessionCookie = "wmc_console"
	loginCookie   = "wmc_console_login"
)

// page wraps a handler that needs a signed-in person: GETs without one go to sign-in; POSTs
// without one, or without a valid CSRF token, are refused.
func (c *Console) page(h func(w http.ResponseWriter, r *http.Request, s *session)) http.HandlerFunc {
	return c.headers(func(w http.ResponseWriter, r *http.Request) {
		s := c.sessionOf(r)
		if r.Method == http.MethodPost {
			if s == nil {
				c.render(w, r, http.StatusUnauthorized, "error", nil, map[string]any{"Title": "Signed out", "Message": "Your session ended. Sign in again, then repeat the action."})
				return
			}
			if !c.sameOrigin(r) || !hmac.Equal([]byte(r.PostFormValue("csrf")), []byte(c.csrf(s))) {
				c.log.WarnContext(r.Context(), "console: refused a form without a valid CSRF token", "path", r.URL.Path, "user", s.UserID)
				c.render(w, r, http.StatusForbidden, "error", s, map[string]any{"Title": "Refused", "Message": "The form was not sent from this console (its security token is missing or wrong). Reload the page and try again."})
				return
			}
		}
		if s == nil {
			http.Redirect(w, r, Path+"/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		h(w, r, s)
	})
}

// sameOrigin refuses a POST whose Origin (or, without one, Referer) names another origin.
// Browsers send Origin on form posts; its absence is allowed (the CSRF token still decides).
func (c *Console) sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" || o == "null" {
		return o == ""
	}
	return strings.EqualFold(strings.TrimRight(o, "/"), c.cfg.PublicURL)
}

func (c *Console) csrf(s *session) string {
	m := hmac.New(sha256.New, c.macKey)
	m.Write([]byte(s.UserID + "\x00" + s.Nonce))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (c *Console) sessionOf(r *http.Request) *session {
	ck, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	var s session
	if !c.open(ck.Value, "session", &s) || s.UserID == "" || c.now().Unix() >= s.Exp {
		return nil
	}
	return &s
}

// seal encrypts v with the console's key, bound to purpose.
func (c *Console) seal(purpose string, v any) string {
	plain, _ := json.Marshal(v)
	nonce := make([]byte, c.aead.NonceSize())
	_, _ = rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(c.aead.Seal(nonce, nonce, plain, []byte("console "+purpose)))
}

func (c *Console) open(s, purpose string, v any) bool {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	n := c.aead.NonceSize()
	if err != nil || len(raw) < n+c.aead.Overhead() || len(s) > 4096 {
		return false
	}
	plain, err := c.aead.Open(nil, raw[:n], raw[n:], []byte("console "+purpose))
	return err == nil && json.Unmarshal(plain, v) == nil
}

func (c *Console) setCookie(w http.ResponseWriter, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: Path, MaxAge: maxAge,
		HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteLaxMode})
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// render writes a page: the layout around the named template.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, name string, s *session, data map[string]any) {
	if data == nil {
		data = map[string]any{}
	}
	data["Page"] = name
	if s != nil {
		data["CSRF"] = c.csrf(s)
		if _, ok := data["Person"]; !ok {
			data["Person"] = c.cfg.Workspace.PersonOf(r.Context(), s.authkit())
		}
	}
	var b strings.Builder
	if err := c.tmpl.ExecuteTemplate(&b, name, data); err != nil {
		c.log.ErrorContext(r.Context(), "console: render", "page", name, "error", err.Error())
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

// planCount is a line of a plan that counts what would go: how many, and their names.
type planCount struct {
	Count int
	Names []string
}

// counted reads a plan value of the form {"count": n, "names": [...]} (from memory, or decoded
// from JSON when the approval came through Redis); anything else gives nil.
func counted(v any) *planCount {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	var pc planCount
	switch n := m["count"].(type) {
	case int:
		pc.Count = n
	case float64:
		pc.Count = int(n)
	default:
		return nil
	}
	switch names := m["names"].(type) {
	case []string:
		pc.Names = names
	case []any:
		for _, n := range names {
			pc.Names = append(pc.Names, fmt.Sprint(n))
		}
	}
	return &pc
}

// planField is one field of a plan value that is a flat object.
type planField struct{ Key, Value string }

// fields lists, by key, the fields of a flat object (every value a string, number or bool);
// anything else gives nil, and the page shows it as JSON.
func fields(v any) []planField {
	m, ok := v.(map[string]any)
	if !ok || len(m) == 0 {
		return nil
	}
	out := make([]planField, 0, len(m))
	for k, x := range m {
		switch x.(type) {
		case string, bool, int, int64, float64:
			out = append(out, planField{k, fmt.Sprint(x)})
		default:
			return nil
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}
