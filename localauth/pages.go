package localauth

import (
	"bytes"
	"html/template"
	"net/http"
)

// pageData feeds the sign-in, organization, consent and error pages.
type pageData struct {
	Title, Message, Error    string
	Request, CSRF, LoginHint string
	ClientName, RedirectHost string
	Resource, Organization   string
	Person                   Person
	People                   []Person
	Memberships              []Membership
	Scopes                   []string
}

var scopeText = map[string]string{
	"openid":         "Confirm your identity",
	"profile":        "See your name",
	"email":          "See your email address",
	"offline_access": "Stay signed in (refresh tokens)",
}

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"scopeText": func(s string) string {
		if t, ok := scopeText[s]; ok {
			return t
		}
		return "Use the " + s + " permission"
	},
}).Parse(`
{{define "head"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;background:#f4f4f6;color:#1a1a1f;margin:0}
main{max-width:28rem;margin:3rem auto;background:#fff;border-radius:12px;padding:2rem;box-shadow:0 1px 4px rgba(0,0,0,.08)}
h1{font-size:1.35rem;margin:0 0 1rem}
p.muted{color:#666;font-size:.9rem}
.err{background:#fdecec;color:#8a1c1c;border-radius:8px;padding:.6rem .8rem;margin-bottom:1rem}
label{display:block;margin:.6rem 0 .2rem;font-size:.9rem}
input[type=email],input[type=password]{width:100%;box-sizing:border-box;padding:.55rem;border:1px solid #ccc;border-radius:8px;font-size:1rem}
button{font-size:1rem;padding:.55rem 1rem;border-radius:8px;border:1px solid #6363f1;background:#6363f1;color:#fff;cursor:pointer;margin-top:.8rem}
button.secondary{background:#fff;color:#333;border-color:#ccc}
button.person{display:block;width:100%;text-align:left;background:#fff;color:#1a1a1f;border-color:#ddd}
ul.scopes{padding-left:1.2rem}
hr{border:none;border-top:1px solid #eee;margin:1.4rem 0}
.tag{font-family:ui-monospace,monospace;font-size:.85rem;background:#f0f0f4;border-radius:4px;padding:0 .3rem}
</style></head><body><main>
<h1>{{.Title}}</h1>
{{if .Error}}<div class="err" role="alert">{{.Error}}</div>{{end}}
{{end}}
{{define "foot"}}</main></body></html>{{end}}

{{define "error"}}{{template "head" .}}<p>{{.Message}}</p>{{template "foot"}}{{end}}

{{define "signin"}}{{template "head" .}}
<p class="muted"><strong>{{.ClientName}}</strong> wants to connect to your account.</p>
{{if .People}}
<p>Sign in as a person of the team (dev mode):</p>
{{range .People}}<form method="post" action="login">
<input type="hidden" name="request" value="{{$.Request}}"><input type="hidden" name="csrf" value="{{$.CSRF}}">
<input type="hidden" name="action" value="person"><input type="hidden" name="user_id" value="{{.ID}}">
<button class="person" type="submit" data-email="{{.Email}}">{{.Name}} <span class="tag">{{.Email}}</span></button>
</form>{{end}}
<hr>
{{end}}
<form method="post" action="login" id="password-form">
<input type="hidden" name="request" value="{{.Request}}"><input type="hidden" name="csrf" value="{{.CSRF}}">
<input type="hidden" name="action" value="password">
<label for="email">Email</label><input type="email" id="email" name="email" value="{{.LoginHint}}" autocomplete="username" required>
<label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit" id="signin">Sign in</button>
</form>
{{template "foot"}}{{end}}

{{define "organization"}}{{template "head" .}}
<p class="muted">You belong to several organizations. Which one should <strong>{{.ClientName}}</strong> act in?</p>
<form method="post" action="login" id="organization-form">
<input type="hidden" name="request" value="{{.Request}}"><input type="hidden" name="csrf" value="{{.CSRF}}">
<input type="hidden" name="action" value="organization">
{{range .Memberships}}<label><input type="radio" name="organization_id" value="{{.OrganizationID}}" required> {{if .OrganizationName}}{{.OrganizationName}}{{else}}{{.OrganizationID}}{{end}} <span class="tag">{{.Role}}</span></label>{{end}}
<button type="submit" id="continue">Continue</button>
</form>
{{template "foot"}}{{end}}

{{define "consent"}}{{template "head" .}}
<p><strong>{{.ClientName}}</strong> wants to access your account{{if .Organization}} in <strong>{{.Organization}}</strong>{{end}}.</p>
<p class="muted">Signed in as {{.Person.Name}} <span class="tag">{{.Person.Email}}</span></p>
<p>It will be able to:</p>
<ul class="scopes">{{range .Scopes}}<li>{{scopeText .}} <span class="tag">{{.}}</span></li>{{end}}</ul>
{{if .Resource}}<p class="muted">For the server <span class="tag">{{.Resource}}</span></p>{{end}}
<p class="muted">After you approve, you will be sent to <span class="tag" id="redirect-host">{{.RedirectHost}}</span>.</p>
<form method="post" action="login" id="consent-form">
<input type="hidden" name="request" value="{{.Request}}"><input type="hidden" name="csrf" value="{{.CSRF}}">
<button type="submit" name="action" value="approve" id="approve">Allow</button>
<button type="submit" name="action" value="deny" id="deny" class="secondary">Deny</button>
</form>
{{template "foot"}}{{end}}
`))

// pageHeaders keep the pages out of frames (clickjacking) and load nothing
// external. form-action is left out on purpose: browsers apply it to the
// redirect that follows a form, which goes to the client's redirect URI.
func pageHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; frame-ancestors 'none'")
	h.Set("Cache-Control", "no-store")
}

func (s *Server) page(w http.ResponseWriter, status int, name string, d pageData) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, d); err != nil {
		s.log.Error("localauth: render page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	pageHeaders(w)
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func (s *Server) errorPage(w http.ResponseWriter, status int, title, msg string) {
	s.page(w, status, "error", pageData{Title: title, Message: msg})
}
