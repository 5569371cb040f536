package emulator

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/workos-mcp/workos-mcp/internal/reply"
)

// Route is one endpoint the emulator serves, in the OpenAPI spec's path syntax.
type Route struct {
	Method  string `json:"method"`
	Pattern string `json:"pattern"` // e.g. "/organizations/{id}"
}

type handlerFunc func(c *call) (int, any, error)

type route struct {
	method, pattern string
	segs            []string
	h               handlerFunc
	public          bool // authenticates itself (no bearer API key)
	hidden          bool // not a WorkOS path (downloads); left out of Routes
}

// Routes lists the endpoints the emulator implements, sorted by pattern then method.
func (e *Emulator) Routes() []Route {
	var out []Route
	for _, r := range e.routes {
		if !r.hidden {
			out = append(out, Route{Method: r.method, Pattern: r.pattern})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Pattern != out[j].Pattern {
			return out[i].Pattern < out[j].Pattern
		}
		return out[i].Method < out[j].Method
	})
	return out
}

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// match finds the route for a path; literal segments win over parameters, so
// /organizations/external_id/{x} beats /organizations/{id}/{…}.
func (e *Emulator) match(method, path string) (r *route, params map[string]string, pathKnown bool) {
	segs := splitPath(path)
	bestScore := -1
	for _, cand := range e.routes {
		if len(cand.segs) != len(segs) {
			continue
		}
		score := 0
		var ps map[string]string
		ok := true
		for i, s := range cand.segs {
			if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
				v, err := url.PathUnescape(segs[i])
				if err != nil || v == "" {
					ok = false
					break
				}
				if ps == nil {
					ps = map[string]string{}
				}
				ps[s[1:len(s)-1]] = v
				continue
			}
			if s != segs[i] {
				ok = false
				break
			}
			score++
		}
		if !ok {
			continue
		}
		pathKnown = true
		if cand.method == method && score > bestScore {
			r, params, bestScore = cand, ps, score
		}
	}
	return r, params, pathKnown
}

// apiError is an error answered to the client in WorkOS's error shape.
type apiError struct {
	Status   int          `json:"-"`
	Code     string       `json:"code,omitempty"`
	Message  string       `json:"message"`
	Errors   []fieldError `json:"errors,omitempty"`
	EntityID string       `json:"entity_id,omitempty"`
	Text     string       `json:"error,omitempty"` // Vault's and OAuth's error shape: {"error": "…"}
	// Description is OAuth's error_description, beside Text.
	Description string `json:"error_description,omitempty"`
	// Instance replaces Errors for the audit log's schema errors, which name a JSON pointer
	// into the event (the spec's errors[].instancePath) instead of a field.
	Instance []instanceError `json:"-"`
}

type instanceError struct {
	InstancePath string `json:"instancePath"`
	Message      string `json:"message,omitempty"`
}

// MarshalJSON writes the error in WorkOS's shape, with Instance as "errors" when it is set.
func (e *apiError) MarshalJSON() ([]byte, error) {
	type plain apiError
	if len(e.Instance) == 0 {
		return json.Marshal((*plain)(e))
	}
	return json.Marshal(struct {
		Code    string          `json:"code"`
		Message string          `json:"message"`
		Errors  []instanceError `json:"errors"`
	}{e.Code, e.Message, e.Instance})
}

type fieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message,omitempty"`
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

// recordedFailure is an error answered to the client after the request's writes are committed:
// WorkOS records some failures (a failed sign-in emits an event) even though the call fails.
type recordedFailure struct{ *apiError }

func notFound(kind, id string) *apiError {
	return &apiError{Status: http.StatusNotFound, Code: "entity_not_found", Message: fmt.Sprintf("%s not found: '%s'.", kind, id), EntityID: id}
}

func invalidParams(errs ...fieldError) *apiError {
	msg := "Validation failed"
	if len(errs) > 0 && errs[0].Message != "" {
		msg = errs[0].Message
	}
	return &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid_request_parameters", Message: msg, Errors: errs}
}

func invalidField(field, code, msg string) *apiError {
	return invalidParams(fieldError{Field: field, Code: code, Message: msg})
}

func badRequest(code, msg string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: code, Message: msg}
}

func conflict(code, msg string) *apiError {
	return &apiError{Status: http.StatusConflict, Code: code, Message: msg}
}

// call is one request being handled.
type call struct {
	e      *Emulator
	r      *http.Request
	t      *tx
	env    Environment
	params map[string]string
	query  url.Values
	body   []byte
}

func (c *call) param(name string) string { return c.params[name] }

// queryList reads an array query parameter in every form WorkOS accepts: the
// spec's form style without explode (name=a,b), repeated (name=a&name=b) and
// bracketed (name[]=a). Empty items are dropped.
func (c *call) queryList(name string) []string {
	var out []string
	for _, k := range []string{name, name + "[]"} {
		for _, v := range c.query[k] {
			for _, item := range strings.Split(v, ",") {
				if item = strings.TrimSpace(item); item != "" {
					out = append(out, item)
				}
			}
		}
	}
	return out
}

// decode reads the JSON body into v; an empty body is an empty object.
func (c *call) decode(v any) error {
	body := bytes.TrimSpace(c.body)
	if len(body) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return invalidField(te.Field, "invalid_type", fmt.Sprintf("%s must be of type %s.", te.Field, te.Type.String()))
		}
		return invalidParams(fieldError{Field: "body", Code: "invalid_json", Message: "The request body is not valid JSON."})
	}
	return nil
}

// baseURL is the public URL of the API root.
func (c *call) baseURL() string {
	if c.e.opts.BaseURL != "" {
		return strings.TrimRight(c.e.opts.BaseURL, "/")
	}
	scheme := "http"
	if c.r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + c.r.Host
}

// page is a list request's pagination, as WorkOS reads it.
type page struct {
	limit         int
	before, after string
	order         string // "asc" | "desc" | "normal"
}

func (c *call) page() (page, error) {
	p := page{limit: 10, order: "desc"}
	var errs []fieldError
	if v := c.query.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			errs = append(errs, fieldError{Field: "limit", Code: "limit_out_of_range", Message: "limit must be an integer between 1 and 100."})
		} else {
			p.limit = n
		}
	}
	switch v := c.query.Get("order"); v {
	case "", "desc":
	case "asc", "normal":
		p.order = v
	default:
		errs = append(errs, fieldError{Field: "order", Code: "invalid_order", Message: "order must be one of asc, desc, normal."})
	}
	p.before, p.after = c.query.Get("before"), c.query.Get("after")
	if p.before != "" && p.after != "" {
		errs = append(errs, fieldError{Field: "before", Code: "invalid_cursor", Message: "before and after cannot be used together."})
	}
	if len(errs) > 0 {
		return p, invalidParams(errs...)
	}
	return p, nil
}

type listMetadata struct {
	Before *string `json:"before"`
	After  *string `json:"after"`
}

type listBody struct {
	Object       string       `json:"object"`
	Data         any          `json:"data"`
	ListMetadata listMetadata `json:"list_metadata"`
}

// paginate orders items (oldest first, by ID) by the page's order and cuts the page; IDs are
// time-ordered ULIDs, so a cursor works even after its object was deleted. The spec's "normal"
// order lists newest first like "desc" but keeps ascending cursors: before= pages to older
// objects and after= to newer ones (list_metadata points the same way).
func paginate[T any](items []*T, id func(*T) string, p page) listBody {
	if p.order == "normal" {
		asc := p
		asc.order = "asc"
		if p.before == "" && p.after == "" {
			// The first page is the newest objects: the last page of the ascending listing.
			asc.before = "\uffff"
		}
		l := paginate(items, id, asc)
		data := l.Data.([]*T)
		slices.Reverse(data)
		return l
	}
	ordered := make([]*T, len(items))
	copy(ordered, items)
	sort.SliceStable(ordered, func(i, j int) bool {
		if p.order == "asc" {
			return id(ordered[i]) < id(ordered[j])
		}
		return id(ordered[i]) > id(ordered[j])
	})
	// comes reports whether a comes before b in the listing order.
	comes := func(a, b string) bool {
		if p.order == "asc" {
			return a < b
		}
		return a > b
	}
	var window []*T
	switch {
	case p.after != "":
		for _, it := range ordered {
			if comes(p.after, id(it)) {
				window = append(window, it)
			}
		}
		if len(window) > p.limit {
			window = window[:p.limit]
		}
	case p.before != "":
		for _, it := range ordered {
			if comes(id(it), p.before) {
				window = append(window, it)
			}
		}
		if len(window) > p.limit {
			window = window[len(window)-p.limit:]
		}
	default:
		window = ordered
		if len(window) > p.limit {
			window = window[:p.limit]
		}
	}
	meta := listMetadata{}
	if len(window) > 0 {
		first, last := id(window[0]), id(window[len(window)-1])
		for _, it := range ordered {
			if comes(id(it), first) {
				meta.Before = &first
				break
			}
		}
		for _, it := range ordered {
			if comes(last, id(it)) {
				meta.After = &last
				break
			}
		}
	}
	data := make([]*T, len(window))
	copy(data, window)
	return listBody{Object: "list", Data: data, ListMetadata: meta}
}

// rawBody is a response that is not JSON (CSV downloads, redirects).
type rawBody struct {
	contentType string
	data        []byte
	header      http.Header
}

// Handler returns the API at the root of the path space.
func (e *Emulator) Handler() http.Handler {
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &reply.Recorder{ResponseWriter: w}
		e.serve(sw, r)
		// Method, path and status only: never headers or bodies, which carry keys and secrets.
		e.log.Debug("emulator: request", "method", r.Method, "path", r.URL.Path, "status", sw.Status(), "duration_ms", float64(time.Since(start).Microseconds())/1000)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if mw := e.wrap.Load(); mw != nil {
			(*mw)(inner).ServeHTTP(w, r)
			return
		}
		inner.ServeHTTP(w, r)
	})
}

// Wrap puts mw around every handler Handler returns, including handlers already mounted in a
// router, so that a test can observe every response of an emulator embedded in a larger stack
// (the contract tests validate each one against the WorkOS OpenAPI spec). nil removes it. mw
// sees paths at the emulator's root.
func (e *Emulator) Wrap(mw func(http.Handler) http.Handler) {
	if mw == nil {
		e.wrap.Store(nil)
		return
	}
	e.wrap.Store(&mw)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, err *apiError) { writeJSON(w, err.Status, err) }

func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

func (e *Emulator) serve(w http.ResponseWriter, r *http.Request) {
	reqID := "req_" + e.ids.next(e.now())
	w.Header().Set("X-Request-Id", reqID)
	rt, params, known := e.match(r.Method, r.URL.Path)
	if rt == nil {
		if known {
			w.Header().Set("Allow", strings.Join(e.allowed(r.URL.Path), ", "))
			writeError(w, &apiError{Status: http.StatusMethodNotAllowed, Code: "method_not_allowed", Message: fmt.Sprintf("%s is not allowed on %s.", r.Method, r.URL.Path)})
			return
		}
		writeError(w, &apiError{Status: http.StatusNotFound, Code: "not_found", Message: fmt.Sprintf("No route for %s %s.", r.Method, r.URL.Path)})
		return
	}
	var env Environment
	key := bearer(r)
	if !rt.public {
		var ok bool
		if env, ok = e.environmentByKey(key); !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="workos"`)
			writeError(w, &apiError{Status: http.StatusUnauthorized, Code: "unauthorized", Message: "Could not authorize the request. Maybe your API key is invalid?"})
			return
		}
	}
	limitKey := key
	if limitKey == "" {
		limitKey = "ip:" + hostOnly(r.RemoteAddr)
	}
	if wait, ok := e.limiters.allow(limitKey); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		if rt.pattern == "/directory_users" {
			writeJSON(w, http.StatusTooManyRequests, "Ratelimited") // this endpoint's documented 429 body
			return
		}
		writeError(w, &apiError{Status: http.StatusTooManyRequests, Code: "rate_limit_exceeded", Message: "Too many requests. Retry after the time in the Retry-After header."})
		return
	}
	fault := e.faults.take(r.Method, r.URL.Path, rt.pattern)
	if fault != nil && fault.Latency > 0 {
		timer := time.NewTimer(fault.Latency)
		select {
		case <-r.Context().Done():
			timer.Stop()
			return
		case <-timer.C:
		}
	}
	if fault != nil && fault.Status > 0 && !fault.AfterApply {
		writeFault(w, fault)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, defaultMaxRequestBodySize))
	if err != nil {
		writeError(w, &apiError{Status: http.StatusRequestEntityTooLarge, Code: "request_too_large", Message: "The request body is too large."})
		return
	}
	status, ctype, out, hdr, aerr := e.run(r.Context(), rt, r, env, params, body)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	if fault != nil && fault.Status > 0 {
		writeFault(w, fault) // applied, but the client is told it failed
		return
	}
	for k, v := range hdr {
		w.Header()[k] = v
	}
	if ctype != "" {
		w.Header().Set("Content-Type", ctype)
	}
	w.WriteHeader(status)
	_, _ = w.Write(out)
}

func (e *Emulator) allowed(path string) []string {
	segs := splitPath(path)
	var out []string
	for _, rt := range e.routes {
		if len(rt.segs) != len(segs) {
			continue
		}
		ok := true
		for i, s := range rt.segs {
			if !strings.HasPrefix(s, "{") && s != segs[i] {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, rt.method)
		}
	}
	sort.Strings(out)
	return out
}

func hostOnly(addr string) string {
	if i := strings.LastIndexByte(addr, ':'); i > 0 {
		return addr[:i]
	}
	return addr
}

// run executes a route in one transaction and returns the encoded response.
func (e *Emulator) run(ctx context.Context, rt *route, r *http.Request, env Environment, params map[string]string, body []byte) (status int, ctype string, out []byte, hdr http.Header, aerr *apiError) {
	idemKey := ""
	if r.Method == http.MethodPost && (!e.opts.StrictIdempotency || slices.Contains(IdempotentOperations, r.Method+" "+rt.pattern)) {
		idemKey = r.Header.Get("Idempotency-Key")
	}
	if len(idemKey) > 255 {
		return 0, "", nil, nil, invalidField("Idempotency-Key", "invalid", "Idempotency-Key must be at most 255 characters.")
	}
	sum := sha256.Sum256([]byte(r.Method + " " + r.URL.Path + "\n" + string(body)))
	fingerprint := hex.EncodeToString(sum[:])

	t, err := e.begin(ctx, env)
	if err != nil {
		e.log.Error("emulator: begin", "err", err)
		return 0, "", nil, nil, internalError()
	}
	committed := false
	defer func() {
		if !committed {
			_ = t.sql.Rollback()
		}
		if p := recover(); p != nil {
			e.log.Error("emulator: handler panic", "route", rt.pattern, "panic", fmt.Sprint(p))
			status, ctype, out, hdr, aerr = 0, "", nil, nil, internalError()
		}
	}()
	if idemKey != "" {
		prev, err := t.idempotent(idemKey)
		if err != nil {
			e.log.Error("emulator: idempotency lookup", "err", err)
			return 0, "", nil, nil, internalError()
		}
		if prev != nil {
			if prev.fingerprint != fingerprint {
				return 0, "", nil, nil, conflict("idempotency_key_reused", "This Idempotency-Key was already used with a different request.")
			}
			return prev.status, prev.contentType, prev.body, http.Header{"Idempotent-Replayed": {"true"}}, nil
		}
	}
	c := &call{e: e, r: r, t: t, env: env, params: params, query: r.URL.Query(), body: body}
	st, v, herr := rt.h(c)
	var rf recordedFailure
	if errors.As(herr, &rf) {
		if err := t.sql.Commit(); err != nil {
			e.log.Error("emulator: commit", "route", rt.pattern, "err", err)
			return 0, "", nil, nil, internalError()
		}
		committed = true
		if t.enqueued {
			e.deliverer.poke()
		}
		return 0, "", nil, nil, rf.apiError
	}
	if herr != nil {
		var ae *apiError
		if errors.As(herr, &ae) {
			return 0, "", nil, nil, ae
		}
		e.log.Error("emulator: handler", "route", rt.pattern, "err", herr)
		return 0, "", nil, nil, internalError()
	}
	switch b := v.(type) {
	case nil:
	case rawBody:
		ctype, out, hdr = b.contentType, b.data, b.header
	default:
		out, err = json.Marshal(v)
		if err != nil {
			e.log.Error("emulator: encode", "route", rt.pattern, "err", err)
			return 0, "", nil, nil, internalError()
		}
		out = append(out, '\n')
		ctype = "application/json"
	}
	if idemKey != "" && st < 500 {
		if err := t.rememberIdempotent(idemKey, idempotentResponse{fingerprint: fingerprint, status: st, contentType: ctype, body: out}); err != nil {
			e.log.Error("emulator: idempotency store", "err", err)
			return 0, "", nil, nil, internalError()
		}
	}
	if err := t.sql.Commit(); err != nil {
		e.log.Error("emulator: commit", "route", rt.pattern, "err", err)
		return 0, "", nil, nil, internalError()
	}
	committed = true
	if t.enqueued {
		e.deliverer.poke()
	}
	return st, ctype, out, hdr, nil
}

func internalError() *apiError {
	return &apiError{Status: http.StatusInternalServerError, Code: "server_error", Message: "The emulator failed to handle the request."}
}

// Fault makes matching requests slow or fail. Method "" matches any method; Path "" matches any
// path, else a concrete path ("/organizations/org_01…") or a route pattern ("/organizations/{id}").
type Fault struct {
	Method     string
	Path       string
	Status     int           // 0 = no error (latency only)
	Times      int           // requests affected; 0 = every matching request until removed
	Latency    time.Duration // added before the request is handled
	AfterApply bool          // apply the request, then answer Status (the client cannot tell it worked)
	RetryAfter time.Duration // Retry-After sent with the fault (429 and 503); 0 = none (1s for 429)
}

type faultSet struct {
	mu     sync.Mutex
	next   int
	faults map[int]*faultEntry
}

type faultEntry struct {
	f    Fault
	left int // remaining uses; -1 = unlimited
}

// InjectFault adds a fault; remove takes it out again (safe to call more than once).
func (e *Emulator) InjectFault(f Fault) (remove func()) {
	s := &e.faults
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.faults == nil {
		s.faults = map[int]*faultEntry{}
	}
	s.next++
	id := s.next
	left := f.Times
	if left <= 0 {
		left = -1
	}
	s.faults[id] = &faultEntry{f: f, left: left}
	return func() {
		s.mu.Lock()
		delete(s.faults, id)
		s.mu.Unlock()
	}
}

func (s *faultSet) take(method, path, pattern string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	best := -1
	for id, fe := range s.faults {
		f := fe.f
		if f.Method != "" && !strings.EqualFold(f.Method, method) {
			continue
		}
		if f.Path != "" && f.Path != path && f.Path != pattern {
			continue
		}
		if fe.left == 0 {
			continue
		}
		if best == -1 || id < best { // oldest first: deterministic
			best = id
		}
	}
	if best == -1 {
		return nil
	}
	fe := s.faults[best]
	if fe.left > 0 {
		fe.left--
		if fe.left == 0 {
			delete(s.faults, best)
		}
	}
	f := fe.f
	return &f
}

func writeFault(w http.ResponseWriter, f *Fault) {
	ra := f.RetryAfter
	if ra == 0 && f.Status == http.StatusTooManyRequests {
		ra = time.Second
	}
	if ra > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(ra.Seconds()))))
	}
	code := strings.ReplaceAll(strings.ToLower(http.StatusText(f.Status)), " ", "_")
	if code == "" {
		code = "injected_fault"
	}
	writeError(w, &apiError{Status: f.Status, Code: code, Message: "Injected fault: " + http.StatusText(f.Status) + "."})
}

type limiters struct {
	cfg RateLimit
	mu  sync.Mutex
	m   map[string]*rate.Limiter
}

func newLimiters(cfg RateLimit) *limiters {
	if cfg.Burst <= 0 {
		cfg.Burst = int(math.Max(1, cfg.RequestsPerSecond))
	}
	return &limiters{cfg: cfg, m: map[string]*rate.Limiter{}}
}

// allow takes a token for key; when none is left it says how long to wait.
func (l *limiters) allow(key string) (time.Duration, bool) {
	if l.cfg.RequestsPerSecond <= 0 {
		return 0, true
	}
	l.mu.Lock()
	lim, ok := l.m[key]
	if !ok {
		if len(l.m) > 10000 { // bounded: forget everyone rather than grow without end
			l.m = map[string]*rate.Limiter{}
		}
		lim = rate.NewLimiter(rate.Limit(l.cfg.RequestsPerSecond), l.cfg.Burst)
		l.m[key] = lim
	}
	l.mu.Unlock()
	res := lim.Reserve()
	d := res.Delay()
	if d == 0 {
		return 0, true
	}
	res.Cancel()
	if d < time.Second {
		d = time.Second
	}
	return d, false
}
