package emulator

import (
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
	"time"

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
	// A public route (authenticate) learns its environment from its body, inside the handler,
	// so there is no environment to remember its key in: it is not idempotent, as at WorkOS
	// (a repeated sign-in signs in again; a repeated refresh finds its token used).
	if r.Method == http.MethodPost && !rt.public && (!e.opts.StrictIdempotency || slices.Contains(IdempotentOperations, r.Method+" "+rt.pattern)) {
		idemKey = r.Header.Get("Idempotency-Key")
	}
	if len(idemKey) > 255 {
		return 0, "", nil, nil, invalidField("Idempotency-Key", "invalid", "Idempotency-Key must be at most 255 characters.")
	}
	fingerprint := "" // what a key is remembered with: only a request with a key needs one
	if idemKey != "" {
		sum := sha256.Sum256([]byte(r.Method + " " + r.URL.Path + "\n" + string(body)))
		fingerprint = hex.EncodeToString(sum[:])
	}

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
	c := &call{e: e, r: r, t: t, env: env, params: params, query: r.URL.Query(), body: body}
	// commit ends the transaction and wakes the webhook deliverer for the events it queued.
	commit := func() *apiError {
		if err := t.sql.Commit(); err != nil {
			e.log.Error("emulator: commit", "route", rt.pattern, "err", err)
			return internalError()
		}
		committed = true
		if t.enqueued {
			e.deliverer.poke()
		}
		return nil
	}
	// A key used before is looked up only when this request cannot answer on its own: when the
	// handler failed, or when storing the key finds it taken (the common case, a new key, costs
	// no lookup). The handler's writes are then rolled back, as for any failure, and the earlier
	// answer given: replayed for the same request, a conflict for another. replayed sets the
	// results to that answer and reports whether there was one.
	replayed := func() bool {
		if idemKey == "" {
			return false
		}
		prev, err := t.idempotent(idemKey)
		switch {
		case err != nil:
			e.log.Error("emulator: idempotency lookup", "err", err)
			status, ctype, out, hdr, aerr = 0, "", nil, nil, internalError()
		case prev == nil:
			return false
		case prev.fingerprint != fingerprint:
			status, ctype, out, hdr, aerr = 0, "", nil, nil, conflict("idempotency_key_reused", "This Idempotency-Key was already used with a different request.")
		default:
			status, ctype, out, hdr, aerr = prev.status, prev.contentType, prev.body, http.Header{"Idempotent-Replayed": {"true"}}, nil
		}
		return true
	}
	st, v, herr := rt.h(c)
	if herr != nil && replayed() {
		return
	}
	var rf recordedFailure
	if errors.As(herr, &rf) {
		if err := commit(); err != nil {
			return 0, "", nil, nil, err
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
			if replayed() {
				return
			}
			e.log.Error("emulator: encode", "route", rt.pattern, "err", err)
			return 0, "", nil, nil, internalError()
		}
		out = append(out, '\n')
		ctype = "application/json"
	}
	if st >= 500 && replayed() {
		return // a 5xx is not remembered, but a key used before is still answered from memory
	}
	if idemKey != "" && st < 500 {
		stored, err := t.rememberIdempotent(idemKey, idempotentResponse{fingerprint: fingerprint, status: st, contentType: ctype, body: out})
		if err != nil {
			e.log.Error("emulator: idempotency store", "err", err)
			return 0, "", nil, nil, internalError()
		}
		if !stored {
			if replayed() {
				return
			}
			e.log.Error("emulator: idempotency key taken but not found", "route", rt.pattern)
			return 0, "", nil, nil, internalError()
		}
	}
	if err := commit(); err != nil {
		return 0, "", nil, nil, err
	}
	return st, ctype, out, hdr, nil
}
