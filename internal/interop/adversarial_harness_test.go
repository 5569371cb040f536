package interop

// The harness of the adversarial suite (adversarial_test.go): one `workos-mcp dev` and one
// `workos-mcp serve` for the whole suite, serve standing on dev's authorization server and
// emulator; recording proxies between serve and the emulator (what serve sent); a fake upstream
// for what the emulator cannot do (pre-signed URLs, redirects); direct reads of the emulator
// with each environment's key to prove that nothing changed.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/workos-mcp/workos-mcp/emulator"
	"github.com/workos-mcp/workos-mcp/internal/devstack"
	"github.com/workos-mcp/workos-mcp/internal/logtest"
)

// advEnv is one WorkOS environment as the suite reaches it directly (not through the server).
type advEnv struct {
	name, key, clientID string
	api                 string // the emulator's base URL
}

// apiCall is one direct call to the emulator with the environment's key.
func (e advEnv) call(t *testing.T, method, path string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.api+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := noRedirects.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// must is call that fails the test unless the emulator answers 2xx; it returns the JSON object.
func (e advEnv) must(t *testing.T, method, path string, body any) map[string]any {
	t.Helper()
	code, b := e.call(t, method, path, body)
	if code/100 != 2 {
		t.Fatalf("setup %s %s in %s: %d %s", method, path, e.name, code, b)
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

// signIn reports whether email/password signs in to the environment (emulator authenticate,
// as the customer's application would).
func (e advEnv) signIn(t *testing.T, email, password string) bool {
	t.Helper()
	code, _ := e.call(t, http.MethodPost, "/user_management/authenticate", map[string]any{
		"client_id": e.clientID, "client_secret": e.key, "grant_type": "password", "email": email, "password": password,
	})
	return code == http.StatusOK
}

var noRedirects = &http.Client{
	Timeout:       30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

var fixtureSeq atomic.Int64

// acmeOrgID is the seed's Acme Corp in the sandbox (it holds acme.test and an API key).
var acmeOrgID string

// fixture is a fresh set of objects per case in one environment: an organization with a verified
// domain, a person with a password who is a member, an organization role and an environment role
// with permissions, a group with the member, a redirect URI. snapshot reads all of it back.
type fixture struct {
	env               advEnv
	n                 int64
	OrgID, OrgName    string
	Domain, DomainID  string
	UserID, Email     string
	Password          string
	MembershipID      string
	OrgRoleSlug       string
	EnvRoleSlug       string
	GroupID           string
	Permissions       []string
	GroupAssignmentID string
}

func newFixture(t *testing.T, env advEnv, perms []string) *fixture {
	t.Helper()
	n := fixtureSeq.Add(1)
	tag := fmt.Sprintf("%d%d", time.Now().Unix()%100000, n)
	f := &fixture{env: env, n: n, OrgName: "Adversary Target " + tag, Domain: "adv" + tag + ".test",
		Email: "victim" + tag + "@adv" + tag + ".test", Password: "original-Passw0rd-" + tag, Permissions: perms}
	org := env.must(t, "POST", "/organizations", map[string]any{
		"name": f.OrgName, "domain_data": []any{map[string]any{"domain": f.Domain, "state": "verified"}},
	})
	f.OrgID, _ = org["id"].(string)
	if ds, _ := org["domains"].([]any); len(ds) == 1 {
		d, _ := ds[0].(map[string]any)
		f.DomainID, _ = d["id"].(string)
	}
	u := env.must(t, "POST", "/user_management/users", map[string]any{
		"email": f.Email, "password": f.Password, "first_name": "Victim", "email_verified": true,
	})
	f.UserID, _ = u["id"].(string)
	m := env.must(t, "POST", "/user_management/organization_memberships", map[string]any{
		"user_id": f.UserID, "organization_id": f.OrgID, "role_slug": "member",
	})
	f.MembershipID, _ = m["id"].(string)
	r := env.must(t, "POST", "/authorization/organizations/"+f.OrgID+"/roles", map[string]any{"slug": "org-adv-" + tag, "name": "Adversary role " + tag})
	f.OrgRoleSlug, _ = r["slug"].(string)
	env.must(t, "PUT", "/authorization/organizations/"+f.OrgID+"/roles/"+f.OrgRoleSlug+"/permissions", map[string]any{"permissions": perms})
	f.EnvRoleSlug = "adv-env-" + tag
	env.must(t, "POST", "/authorization/roles", map[string]any{"slug": f.EnvRoleSlug, "name": "Adversary env role " + tag})
	env.must(t, "PUT", "/authorization/roles/"+f.EnvRoleSlug+"/permissions", map[string]any{"permissions": perms})
	g := env.must(t, "POST", "/organizations/"+f.OrgID+"/groups", map[string]any{"name": "Adversary group " + tag})
	f.GroupID, _ = g["id"].(string)
	env.must(t, "POST", "/organizations/"+f.OrgID+"/groups/"+f.GroupID+"/organization-memberships", map[string]any{"organization_membership_id": f.MembershipID})
	// A resource of the organization and a role assignment of the group on it.
	res := env.must(t, "POST", "/authorization/resources", map[string]any{
		"organization_id": f.OrgID, "resource_type_slug": "document", "external_id": "doc-" + tag, "name": "Adversary document " + tag,
	})
	resID, _ := res["id"].(string)
	ga := env.must(t, "POST", "/authorization/groups/"+f.GroupID+"/role_assignments", map[string]any{"role_slug": f.EnvRoleSlug, "resource_id": resID})
	f.GroupAssignmentID, _ = ga["id"].(string)
	if f.OrgID == "" || f.UserID == "" || f.MembershipID == "" || f.OrgRoleSlug == "" || f.GroupID == "" || f.DomainID == "" || f.GroupAssignmentID == "" {
		t.Fatalf("incomplete fixture: %+v", f)
	}
	return f
}

// snapshot reads everything the fixture made, plus the environment's redirect URIs and roles,
// straight from the emulator. Two equal snapshots mean nothing of it changed.
func (f *fixture) snapshot(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for _, p := range []string{
		"/organizations/" + f.OrgID,
		"/organization_domains/" + f.DomainID,
		"/user_management/users/" + f.UserID,
		"/user_management/organization_memberships/" + f.MembershipID,
		"/authorization/organizations/" + f.OrgID + "/roles/" + f.OrgRoleSlug,
		"/authorization/roles/" + f.EnvRoleSlug,
		"/organizations/" + f.OrgID + "/groups/" + f.GroupID,
		"/organizations/" + f.OrgID + "/groups/" + f.GroupID + "/organization-memberships",
		"/organizations/" + f.OrgID + "/groups",
		"/authorization/groups/" + f.GroupID + "/role_assignments",
		"/user_management/redirect_uris?limit=100",
		"/user_management/organization_memberships?organization_id=" + f.OrgID,
		"/organizations/" + f.OrgID + "/audit_logs_retention",
	} {
		code, body := f.env.call(t, http.MethodGet, p, nil)
		fmt.Fprintf(&b, "GET %s -> %d %s\n", p, code, canonical(body))
	}
	return b.String()
}

// intact checks what the issue names: the organization still exists, its domain is still
// verified, the membership role is unchanged, the password still signs in; and that the whole
// snapshot is unchanged.
func (f *fixture) intact(t *testing.T, before string) {
	t.Helper()
	f.intactState(t, before)
	if !f.env.signIn(t, f.Email, f.Password) {
		t.Errorf("%s can no longer sign in with their own password", f.Email)
	}
}

// intactState is intact without the sign-in (a password is not in the snapshot; the rows that
// could change one sign in, and so does the end of the suite for every fixture it kept).
func (f *fixture) intactState(t *testing.T, before string) {
	t.Helper()
	after := f.snapshot(t)
	if code, _ := f.env.call(t, "GET", "/organizations/"+f.OrgID, nil); code != 200 {
		t.Errorf("the organization %s is gone (GET %d)", f.OrgID, code)
	}
	if _, b := f.env.call(t, "GET", "/organization_domains/"+f.DomainID, nil); !strings.Contains(string(b), `"state":"verified"`) {
		t.Errorf("the domain %s is no longer verified: %s", f.Domain, b)
	}
	if _, b := f.env.call(t, "GET", "/user_management/organization_memberships/"+f.MembershipID, nil); !strings.Contains(string(b), `"slug":"member"`) {
		t.Errorf("the membership's role changed: %s", b)
	}
	if before != after {
		t.Errorf("WorkOS changed:\n%s", lineDiff(before, after))
	}
}

func canonical(b []byte) string {
	var v any
	if json.Unmarshal(b, &v) != nil {
		return string(b)
	}
	out, _ := json.Marshal(v) // maps are sorted
	return string(out)
}

func lineDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out []string
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			out = append(out, "- "+x, "+ "+y)
		}
	}
	return strings.Join(out, "\n")
}

// ---- the server processes

// server is a running workos-mcp (dev or serve) as the suite drives it.
type server struct {
	mode    string
	p       *process
	mcp     string
	mu      sync.Mutex
	tokens  map[string]string
	token   func(t *testing.T, email string) string
	envs    map[string]advEnv // by the server's environment name
	sent    *recorder         // serve only: what the server sent to the emulator
	buckets map[string]*bucket
	upNames []string
}

// answer is a tool call's answer.
type answer struct {
	requestID  string
	isError    bool
	text       string
	structured map[string]any
	raw        string
}

var ridSeq atomic.Int64

// call runs one tool as the person, with a fresh request ID that the log lines carry. It paces
// itself below the product's per-person limit (10 calls a second, bursts of 30, per person and
// environment), so that only the limits test meets it.
func (s *server) call(t *testing.T, email, tool string, args map[string]any) answer {
	t.Helper()
	env, _ := args["environment"].(string)
	cost := 1.0
	if tool != "query" && tool != "mutate" {
		cost = 8 // task tools make several WorkOS calls
	}
	s.pace(email+"\x00"+env, cost)
	return s.callNow(t, email, tool, args)
}

// pace waits until the suite's own bucket for key has cost tokens (7 a second, bursts of 20).
func (s *server) pace(key string, cost float64) {
	const rate, burst = 7.0, 20.0
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.buckets == nil {
		s.buckets = map[string]*bucket{}
	}
	b := s.buckets[key]
	now := time.Now()
	if b == nil {
		b = &bucket{tokens: burst, at: now}
		s.buckets[key] = b
	}
	b.tokens = min(burst, b.tokens+now.Sub(b.at).Seconds()*rate)
	b.at = now
	if b.tokens < cost {
		wait := time.Duration((cost - b.tokens) / rate * float64(time.Second))
		time.Sleep(wait)
		b.tokens, b.at = cost, time.Now()
	}
	b.tokens -= cost
}

type bucket struct {
	tokens float64
	at     time.Time
}

// callNow is call without pacing (the limits test).
func (s *server) callNow(t *testing.T, email, tool string, args map[string]any) answer {
	t.Helper()
	rid := fmt.Sprintf("adv-%s-%d", s.mode, ridSeq.Add(1))
	b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "tools/call",
		"params": map[string]any{"name": tool, "arguments": args}})
	var resp *http.Response
	var raw []byte
	for attempt := 0; attempt < 2; attempt++ {
		req, _ := http.NewRequest(http.MethodPost, s.mcp, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("MCP-Protocol-Version", "2025-06-18")
		req.Header.Set("Authorization", "Bearer "+s.bearer(t, email))
		req.Header.Set("X-Request-Id", rid)
		var err error
		resp, err = (&http.Client{Timeout: time.Minute}).Do(req)
		if err != nil {
			t.Fatalf("%s as %s: %v\nthe server's last log lines:\n%s", tool, email, err, tail(s.p.stderr.String(), 20))
		}
		raw, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			break
		}
		// Access tokens are short-lived; the suite outlives them. Sign in again, once.
		s.mu.Lock()
		delete(s.tokens, email)
		s.mu.Unlock()
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: HTTP %d %s", tool, resp.StatusCode, raw)
	}
	var msg map[string]any
	for _, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimPrefix(strings.TrimSpace(line), "data:")
		if json.Unmarshal([]byte(line), &msg) == nil {
			break
		}
	}
	a := answer{requestID: rid}
	res, _ := msg["result"].(map[string]any)
	if res == nil {
		// A JSON-RPC error (unknown tool, bad arguments) is a refusal too.
		e, _ := json.Marshal(msg["error"])
		return answer{requestID: rid, isError: true, text: string(e), raw: string(raw)}
	}
	a.isError, _ = res["isError"].(bool)
	if cs, _ := res["content"].([]any); len(cs) > 0 {
		for _, c := range cs {
			if m, _ := c.(map[string]any); m != nil {
				txt, _ := m["text"].(string)
				a.text += txt
			}
		}
	}
	a.structured, _ = res["structuredContent"].(map[string]any)
	j, _ := json.Marshal(res)
	a.raw = string(j)
	return a
}

func (s *server) bearer(t *testing.T, email string) string {
	t.Helper()
	s.mu.Lock()
	tok, ok := s.tokens[email]
	s.mu.Unlock()
	if ok {
		return tok
	}
	tok = s.token(t, email)
	if tok == "" {
		t.FailNow()
	}
	s.mu.Lock()
	s.tokens[email] = tok
	s.mu.Unlock()
	return tok
}

// logLines are the server's JSON log lines for one request ID (the workspace's records among
// them). The record is written before the answer, but stderr is read asynchronously: wait a
// little for it.
func (s *server) logLines(rid string) []map[string]any {
	deadline := time.Now().Add(2 * time.Second)
	for {
		var out []map[string]any
		for _, line := range strings.Split(s.p.stderr.String(), "\n") {
			if !strings.Contains(line, rid) {
				continue
			}
			var rec map[string]any
			if json.Unmarshal([]byte(line), &rec) == nil && rec["request_id"] == rid {
				out = append(out, rec)
			}
		}
		records := 0
		for _, r := range out {
			if r["msg"] != "http request" {
				records++
			}
		}
		if records > 0 || time.Now().After(deadline) {
			return out
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// startServeBinary runs `workos-mcp serve` with a configuration file and variables and waits
// until it is ready.
func startServeBinary(t *testing.T, config string, vars []string) *process {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "workos-mcp.yaml")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary(t), "serve", "--config", path)
	cmd.Env = append(cleanEnv(), vars...)
	p := &process{cmd: cmd, stdout: &logtest.Buffer{}, stderr: &logtest.Buffer{}, done: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() { p.stop(t) })
	deadline := time.Now().Add(2 * time.Minute)
	for p.base == "" {
		sc := bufio.NewScanner(strings.NewReader(p.stderr.String()))
		for sc.Scan() {
			var rec map[string]any
			if json.Unmarshal(sc.Bytes(), &rec) == nil && rec["msg"] == "workos-mcp serve listening" {
				addr, _ := rec["addr"].(string)
				p.base = "http://" + addr
			}
		}
		select {
		case err := <-p.done:
			p.done <- err
			t.Fatalf("workos-mcp serve exited: %v\n%s", err, p.stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("workos-mcp serve did not listen within 2 minutes\n%s", p.stderr)
		}
		if p.base == "" {
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitReady(t, p.base)
	return p
}

// serveCheck runs `workos-mcp serve --check` and returns its exit code and output.
func serveCheck(t *testing.T, config string, vars []string) (int, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "workos-mcp.yaml")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary(t), "serve", "--check", "--config", path)
	cmd.Env = append(cleanEnv(), vars...)
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, string(out)
}

// cleanEnv is the test's environment without the server's own variables, so that a developer's
// shell cannot change what the suite configures.
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "WORKOS_") || strings.HasPrefix(k, "AUTHKIT_") || k == "BASE_URL" {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// ---- what serve sends

// sentRequest is one request serve sent upstream.
type sentRequest struct {
	Method, Path, RawPath, Query string
	Key                          string
}

// recorder is a reverse proxy in front of the emulator (or a fake upstream) that remembers every
// request, for "nothing was sent" and "every request matches its template".
type recorder struct {
	mu   sync.Mutex
	reqs []sentRequest
	srv  *httptest.Server
}

func newRecorder(t *testing.T, next http.Handler) *recorder {
	r := &recorder{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, q *http.Request) {
		key := strings.TrimPrefix(q.Header.Get("Authorization"), "Bearer ")
		r.mu.Lock()
		r.reqs = append(r.reqs, sentRequest{Method: q.Method, Path: q.URL.Path, RawPath: q.URL.EscapedPath(), Query: q.URL.RawQuery, Key: key})
		r.mu.Unlock()
		next.ServeHTTP(w, q)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *recorder) mark() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.reqs)
}

func (r *recorder) since(mark int) []sentRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]sentRequest(nil), r.reqs[mark:]...)
}

// forward is a reverse proxy to base (scheme://host/path-prefix), keeping the escaped path.
// keys maps a key the server sends to the key forwarded (an alias of an environment's key).
func forward(t *testing.T, base string, keys map[string]string) http.Handler {
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out, _ := http.NewRequestWithContext(r.Context(), r.Method, u.Scheme+"://"+u.Host+u.Path+r.URL.EscapedPath()+queryOf(r.URL), r.Body)
		for k, v := range r.Header {
			out.Header[k] = v
		}
		if k, ok := keys[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]; ok {
			out.Header.Set("Authorization", "Bearer "+k)
		}
		resp, err := noRedirects.Do(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
	})
}

func queryOf(u *url.URL) string {
	if u.RawQuery == "" {
		return ""
	}
	return "?" + u.RawQuery
}

// ---- reason categories

// reasons are the refusal categories a case expects, as words the tool's error and the log
// line's reason or error must contain. They are broad on purpose: the wording belongs to the
// product; the category must be named.
var reasons = map[string]*regexp.Regexp{
	"path":        regexp.MustCompile(`(?i)path|segment`),
	"credential":  regexp.MustCompile(`(?i)credential|password|sign[- ]?in|email`),
	"area":        regexp.MustCompile(`(?i)\barea|role`),
	"team":        regexp.MustCompile(`(?i)team|sign-in environment`),
	"signin":      regexp.MustCompile(`(?i)sign-in|sign in`),
	"environment": regexp.MustCompile(`(?i)environment`),
	"role":        regexp.MustCompile(`(?i)role|read-only`),
	"redirect":    regexp.MustCompile(`(?i)redirect`),
	"limit":       regexp.MustCompile(`(?i)rate|limit`),
	"invalid":     regexp.MustCompile(`(?i)invalid|must|not a|unknown|missing|wrong tool`),
	"any":         regexp.MustCompile(`.`),
	"domain":      regexp.MustCompile(`(?i)domain|owned|holds|taken|Acme Corp`),
	"confirm":     regexp.MustCompile(`(?i)confirm`),
	"excluded":    regexp.MustCompile(`(?i)unknown operation|excluded|not available|never`),
}

// refusalOutcomes are the log outcomes of a refusal.
var refusalOutcomes = map[string]bool{"denied": true, "invalid": true, "refused": true, "limited": true, "rate_limited": true, "error": true}

// checkRecord asserts that the server logged the refusal: a record line for the request with a
// refusal outcome and a reason (or error) naming the category.
func checkRecord(t *testing.T, s *server, rid string, category string, outcomes map[string]bool) {
	t.Helper()
	// Refusals may be logged after the answer (records of reads and refusals go in the
	// background): look again for a few seconds.
	var seen []string
	for deadline := time.Now().Add(3 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var ok bool
		if ok, seen = findRecord(s.logLines(rid), category, outcomes); ok {
			return
		}
		if time.Now().After(deadline) {
			break
		}
	}
	t.Errorf("no log line for request %s with a refusal outcome and a reason naming %q; lines:\n%s", rid, category, strings.Join(seen, "\n"))
}

// findRecord looks for a record line with one of the outcomes whose reason (or, for WorkOS's
// own refusal, error) names the category.
func findRecord(lines []map[string]any, category string, outcomes map[string]bool) (bool, []string) {
	re := reasons[category]
	var seen []string
	for _, l := range lines {
		if l["msg"] == "http request" {
			continue
		}
		out, _ := l["outcome"].(string)
		reason, _ := l["reason"].(string)
		errText, _ := l["error"].(string)
		b, _ := json.Marshal(l)
		seen = append(seen, string(b))
		// A refusal names its reason; WorkOS's own "no" (outcome error) names it in the error.
		if outcomes[out] && (reason != "" || out == "error") && re.MatchString(reason+" "+errText) {
			return true, seen
		}
	}
	return false, seen
}

// ---- the suite's servers

// advSuite is the running product, twice: dev, and serve on dev's authorization server and
// emulator.
type advSuite struct {
	dev, serve *server
	sandbox    advEnv // the sandbox environment, reached directly
	production advEnv
	team       advEnv
	fake       *fakeUpstream
	aliasKey   string // a second key of the team's sign-in environment (through a proxy)
	aliasProxy string
	aliasOK    bool // serve --check accepted a managed environment on that alias
}

func (s *advSuite) servers() []*server { return []*server{s.dev, s.serve} }

// fakeUpstream stands in for WorkOS where the emulator cannot: an export whose URL is
// pre-signed (S3, GCS, Azure), an error quoting such a URL, a member named link, and redirects
// to another origin (elsewhere) or to another path of its own.
type fakeUpstream struct {
	*recorder
	elsewhere     *recorder
	elsewhereURL  string
	selfRedirects atomic.Int64
}

// Pre-signed URL secrets the fake upstream hands out; none may reach the agent or the log.
var presignedSecrets = []string{
	"AKIAADVERSARIALCRED", "FQoGZXIvYXdzEADVERSARIALSESSIONTOKEN", "a1b2c3d4e5f6adversarialsignature0123456789abcdef",
	"GOOG1EADVERSARIALGCSCRED", "0f1e2d3cadversarialgcssignature", "sv2sigADVERSARIALazureSAS%3D", "sv2sigADVERSARIALazureSAS=",
	"linktokenADVERSARIALsecret",
}

func presignedS3() string {
	return "https://exports.s3.amazonaws.com/org/export.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256" +
		"&X-Amz-Credential=AKIAADVERSARIALCRED%2F20261206%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261206T070000Z" +
		"&X-Amz-Expires=300&X-Amz-SignedHeaders=host&X-Amz-Security-Token=FQoGZXIvYXdzEADVERSARIALSESSIONTOKEN" +
		"&X-Amz-Signature=a1b2c3d4e5f6adversarialsignature0123456789abcdef"
}

func presignedGCS() string {
	return "https://storage.googleapis.com/exports/export.csv?X-Goog-Algorithm=GOOG4-RSA-SHA256" +
		"&X-Goog-Credential=GOOG1EADVERSARIALGCSCRED%2F20261206%2Fauto%2Fstorage%2Fgoog4_request&X-Goog-Date=20261206T070000Z" +
		"&X-Goog-Expires=300&X-Goog-SignedHeaders=host&X-Goog-Signature=0f1e2d3cadversarialgcssignature"
}

func presignedAzure() string {
	return "https://exports.blob.core.windows.net/exports/export.csv?sv=2022-11-02&ss=b&srt=o&sp=r" +
		"&se=2026-12-06T08:00:00Z&st=2026-12-06T07:00:00Z&spr=https&sig=sv2sigADVERSARIALazureSAS%3D"
}

func newFakeUpstream(t *testing.T) *fakeUpstream {
	f := &fakeUpstream{}
	f.elsewhere = newRecorder(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"object":"organization","id":"org_elsewhere","name":"stolen"}`)
	}))
	f.elsewhereURL = f.elsewhere.srv.URL
	f.recorder = newRecorder(t, http.HandlerFunc(f.serve))
	return f
}

func (f *fakeUpstream) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Request-Id", "req_fake")
	export := func(u string) {
		fmt.Fprintf(w, `{"object":"audit_log_export","id":%q,"state":"ready","url":%q,"created_at":"2026-12-06T07:00:00.000Z","updated_at":"2026-12-06T07:00:00.000Z"}`,
			pathBase(r.URL.Path), u)
	}
	switch p := r.URL.EscapedPath(); {
	case p == "/audit_logs/exports/audit_log_export_s3":
		export(presignedS3())
	case p == "/audit_logs/exports/audit_log_export_gcs":
		export(presignedGCS())
	case p == "/audit_logs/exports/audit_log_export_azure":
		export(presignedAzure())
	case p == "/audit_logs/exports/audit_log_export_error":
		w.WriteHeader(http.StatusUnprocessableEntity)
		fmt.Fprintf(w, `{"code":"export_failed","message":"could not write %s","errors":[{"field":"url","code":"invalid","message":"upload to %s failed"}]}`,
			presignedS3(), presignedGCS())
	case p == "/audit_logs/exports/audit_log_export_notfound":
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, `{"message":"Audit log export not found: see %s"}`, presignedAzure())
	case p == "/organizations/org_link":
		io.WriteString(w, `{"object":"organization","id":"org_link","name":"Linked","domains":[],"link":"https://setup.workos.com/portal?token=linktokenADVERSARIALsecret","created_at":"2026-12-06T07:00:00.000Z","updated_at":"2026-12-06T07:00:00.000Z"}`)
	case p == "/organizations/"+emulator.DemoTeamOrganizationID:
		// Another environment than the team's sign-in one: its organization is not here.
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"code":"entity_not_found","message":"Organization not found."}`)
	case strings.HasPrefix(p, "/redirect/self/"):
		f.selfRedirects.Add(1)
		w.Header().Set("Location", "/organizations/org_redirect_target")
		w.WriteHeader(http.StatusTemporaryRedirect)
	case strings.HasPrefix(p, "/organizations") || strings.HasPrefix(p, "/user_management") || strings.HasPrefix(p, "/audit_logs"):
		// Everything else answers a redirect to another origin, with the status of the case's ID
		// when it names one (…/org_301 → 301).
		code := http.StatusTemporaryRedirect
		for _, c := range []int{301, 302, 303, 307, 308} {
			if strings.Contains(p, fmt.Sprintf("_%d", c)) {
				code = c
			}
		}
		w.Header().Set("Location", f.elsewhereURL+r.URL.Path)
		w.WriteHeader(code)
	default:
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"message":"Not found"}`)
	}
}

func pathBase(p string) string { return p[strings.LastIndexByte(p, '/')+1:] }

// startSuite starts dev, the fake upstream, the recording proxies and serve, for the whole
// TestAdversarial run (their cleanups run when it ends).
func startSuite(t *testing.T) *advSuite {
	s := &advSuite{fake: newFakeUpstream(t)}
	// The emulator's per-key limit (WorkOS's 6,000 a minute) is off: the suite's own direct reads
	// of each environment would spend it. The per-person limit is the product's, tested apart.
	devP := startDev(t, nil, "--auto-approve", "admin@example.com", "--rate-limit", "0")
	emu := devP.base + "/workos"
	s.sandbox = advEnv{name: "sandbox", key: emulator.DemoSandboxAPIKey, clientID: emulator.DemoSandboxClientID, api: emu}
	s.production = advEnv{name: "production", key: emulator.DemoProductionAPIKey, clientID: emulator.DemoProductionClientID, api: emu}
	s.team = advEnv{name: "team", key: emulator.DemoTeamAPIKey, clientID: emulator.DemoTeamClientID, api: emu}
	_, b := s.sandbox.call(t, "GET", "/organizations?domains=acme.test", nil)
	var l struct {
		Data []struct{ ID string } `json:"data"`
	}
	if json.Unmarshal(b, &l); len(l.Data) != 1 {
		t.Fatalf("the seed's Acme Corp: %s", b)
	}
	acmeOrgID = l.Data[0].ID
	s.dev = &server{mode: "dev", p: devP, mcp: devP.mcpURL(), tokens: map[string]string{},
		token: func(t *testing.T, email string) string { return devP.token(t, email) },
		envs:  map[string]advEnv{"": s.sandbox, "sandbox": s.sandbox, "production": s.production}}

	// serve: sandbox and production through recording proxies to dev's emulator; "upstream" is
	// the fake WorkOS; the team's sign-in environment is AuthKit's (WORKOS_API_KEY).
	sent := newRecorder(t, forward(t, emu, nil))
	s.aliasKey = "sk_test_team_alias_adversarial"
	alias := newRecorder(t, forward(t, emu, map[string]string{s.aliasKey: emulator.DemoTeamAPIKey}))
	s.aliasProxy = alias.srv.URL
	vars := []string{
		"SANDBOX_KEY=" + emulator.DemoSandboxAPIKey, "PRODUCTION_KEY=" + emulator.DemoProductionAPIKey,
		"UPSTREAM_KEY=sk_test_fake_upstream", "TEAM_KEY=" + emulator.DemoTeamAPIKey, "ALIAS_KEY=" + s.aliasKey,
		"WORKOS_API_KEY=" + emulator.DemoTeamAPIKey,
		"WORKOS_MCP_CONFIRMATION_KEY=" + "YWR2ZXJzYXJpYWwtc3VpdGUtY29uZmlybWF0aW9uLWs=",
	}
	envs := serveEnvironments(sent.srv.URL, s.fake.srv.URL)
	// A managed environment reaching the sign-in environment through another key cannot be told
	// apart by comparing keys; serve must either refuse it (--check) or protect it.
	withAlias := envs + "      - {name: team-alias, kind: sandbox, api_key_env: ALIAS_KEY, base_url: " + s.aliasProxy + "}\n"
	if code, _ := serveCheck(t, serveConfig(devP.base, withAlias), vars); code == 0 {
		s.aliasOK = true
		envs = withAlias
	}
	sp := startServeBinary(t, serveConfig(devP.base, envs), vars)
	var cid string
	var cidMu sync.Mutex
	s.serve = &server{mode: "serve", p: sp, mcp: sp.mcpURL(), tokens: map[string]string{}, sent: sent,
		token: func(t *testing.T, email string) string {
			cidMu.Lock()
			defer cidMu.Unlock()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			tok, err := devstack.FetchToken(ctx, devP.base, "", email, &cid, devstack.WithoutResource())
			if err != nil {
				t.Errorf("access token for %s from dev: %v", email, err)
				return ""
			}
			return tok.AccessToken
		},
		envs: map[string]advEnv{"": s.sandbox, "sandbox": s.sandbox, "production": s.production, "team-alias": s.team}}
	return s
}

// serveEnvironments are serve's managed environments (YAML lines under a team).
func serveEnvironments(emulatorProxy, fake string) string {
	return "      - {name: sandbox, kind: sandbox, api_key_env: SANDBOX_KEY, base_url: " + emulatorProxy + "}\n" +
		"      - {name: production, kind: production, api_key_env: PRODUCTION_KEY, base_url: " + emulatorProxy + "}\n" +
		"      - {name: upstream, kind: sandbox, api_key_env: UPSTREAM_KEY, base_url: " + fake + "}\n"
}

// serveConfig is the README's production configuration with dev standing in for AuthKit and
// WorkOS: no audit_log key. Its team confirms with agent-returned tokens (dev keeps the default,
// the person's approval on the console), so that both confirmation modes are attacked.
func serveConfig(devBase, environments string) string {
	return "listen: 127.0.0.1:0\n" +
		"public_url: http://127.0.0.1:8099\n" +
		"authkit: {domain: " + devBase + ", client_id: " + emulator.DemoTeamClientID + ", api_base_url: " + devBase + "/workos, api_key_env: WORKOS_API_KEY}\n" +
		"teams:\n" +
		"  - organization_id: " + emulator.DemoTeamOrganizationID + "\n" +
		"    name: Demo Team\n" +
		"    settings: {enabled: true, allow_production: true, allow_write: true}\n" +
		"    confirmation: agent\n" +
		"    environments:\n" + environments +
		"log: {format: json, level: info}\n"
}

// ---- checks on what serve sent

// templates are the catalog's path templates as regular expressions, one segment per parameter.
func pathSegmentsClean(p string) bool {
	for _, seg := range strings.Split(p, "/") {
		if seg == "." || seg == ".." {
			return false
		}
		if u, err := url.PathUnescape(seg); err != nil || u == "." || u == ".." || strings.ContainsAny(u, "/\\") {
			return false
		}
	}
	return true
}

func describeSent(rs []sentRequest) string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Method+" "+r.RawPath+queryMark(r.Query))
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

func queryMark(q string) string {
	if q == "" {
		return ""
	}
	return "?" + q
}

// tail is the last n lines of a log, for failures that need the server's view.
func tail(log string, n int) string {
	lines := strings.Split(strings.TrimRight(log, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
