// Package mcpfast serves the two requests an agent makes most — tools/list and tools/call — for a
// stateless go-sdk MCP server without the SDK's per-request machinery, and hands every other
// request to the SDK's own Streamable HTTP handler unchanged.
//
// A stateless go-sdk handler builds a session, a JSON-RPC connection and a goroutine for every
// request, and decodes the same bytes several times with a fresh stream decoder each time
// (docs/benchmarks.md measures it: about ten times the CPU of the HTTP exchange itself). The fast
// path parses the request once, calls the same tool handler the SDK would call, through the same
// receiving middleware, and writes one JSON answer. Everything it is not sure to answer exactly as
// the SDK would goes to the SDK instead: other methods, notifications and batches, an unknown
// tool, a tool that needs a session, a list cursor, a multi-round-trip retry, a request the SDK
// would refuse or check further (wrong method, content type, Accept, protocol version, Host,
// standard headers, per-request _meta that does not validate), anything malformed. Every protocol
// version takes the fast path: before 2026-07-28 a request must carry no protocol _meta (the SDK
// reads client capabilities from it), from 2026-07-28 on it must carry the version, the client's
// capabilities and the standard headers as the SDK requires, and the answer carries the
// resultType and serverInfo the SDK adds. The two paths answer alike; a differential test
// (server_test.go, and the workspace's) holds them to it.
//
// Use it in place of mcp.NewServer and mcp.AddTool:
//
//	s := mcpfast.New(&mcp.Implementation{Name: "example"}, nil)
//	mcpfast.AddTool(s, &mcp.Tool{Name: "greet"}, greet)
//	http.Handle("/mcp", kit.Middleware(s.Handler(&mcp.StreamableHTTPOptions{Stateless: true})))
//
// Prompts, resources and anything else are added to s.SDK() as usual, and served by the SDK.
package mcpfast

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// newProtocol is the first protocol version whose requests carry their own _meta (client
// capabilities, protocol version) and whose results carry a resultType: the SDK serves those.
const newProtocol = "2026-07-28"

// defaultProtocol is the version the SDK assumes when a request names none.
const defaultProtocol = "2025-03-26"

// maxListCache bounds the encoded tool lists kept: one per distinct list that the receiving
// middleware produced (a per-person filter yields one per set of tools offered).
const maxListCache = 64

// Server is a go-sdk server with the fast path in front of it.
type Server struct {
	sdk      *mcp.Server
	impl     *mcp.Implementation
	opts     mcp.ServerOptions
	versions []string

	mu    sync.RWMutex
	tools map[string]*tool
	// sorted is every tool by name, as the SDK lists them.
	sorted []*tool
	// chain is the receiving middleware, applied as the SDK applies it.
	chain []mcp.Middleware
	// lists caches encoded tools/list results by what the middleware made of the list.
	lists map[string][]byte
	// trustOutput skips checking tool outputs against their schemas (TrustOutputs).
	trustOutput atomic.Bool
}

// TrustOutputs turns off checking each tool output against the tool's output schema at run time,
// which costs decoding every answer again (for a small tool, more than the rest of the call). Do
// it only for tools whose outputs are checked elsewhere: typed outputs whose schemas are inferred
// from the same types, and tests that validate every answer against the published schema (a
// strict client, as the workspace's tests are). Outputs whose schema declares defaults are still
// decoded, completed and checked.
func (s *Server) TrustOutputs(trust bool) { s.trustOutput.Store(trust) }

// New returns a server whose SDK half is mcp.NewServer(impl, opts).
func New(impl *mcp.Implementation, opts *mcp.ServerOptions) *Server {
	s := &Server{sdk: mcp.NewServer(impl, opts), impl: impl, tools: map[string]*tool{}, lists: map[string][]byte{}}
	if opts != nil {
		s.opts = *opts
	}
	if s.opts.PageSize == 0 {
		s.opts.PageSize = mcp.DefaultPageSize
	}
	s.versions = mcp.SupportedProtocolVersions()
	if len(s.opts.SupportedProtocolVersions) > 0 {
		s.versions = slices.DeleteFunc(s.versions, func(v string) bool {
			return !slices.Contains(s.opts.SupportedProtocolVersions, v)
		})
	}
	return s
}

// SDK is the go-sdk server: add prompts and resources to it, and connect in-process transports.
// Add tools with AddTool, and receiving middleware with AddReceivingMiddleware, not here: the
// fast path would not know them.
func (s *Server) SDK() *mcp.Server { return s.sdk }

// AddReceivingMiddleware adds receiving middleware to both paths, in the SDK's order: the first
// one given runs first, and middleware added later wraps what was added before.
func (s *Server) AddReceivingMiddleware(mw ...mcp.Middleware) {
	s.sdk.AddReceivingMiddleware(mw...)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chain = append(s.chain, slices.Clone(mw)...)
	clear(s.lists)
}

func (s *Server) addTool(t *tool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tools[t.def.Name] = t
	s.sorted = slices.DeleteFunc(s.sorted, func(o *tool) bool { return o.def.Name == t.def.Name })
	i, _ := slices.BinarySearchFunc(s.sorted, t.def.Name, func(o *tool, name string) int { return strings.Compare(o.def.Name, name) })
	s.sorted = slices.Insert(s.sorted, i, t)
	clear(s.lists)
}

// Handler serves MCP Streamable HTTP: the fast path first, the SDK's handler (built with opts,
// which must be stateless) for everything else. The fast path answers application/json; the SDK
// answers as opts say.
func (s *Server) Handler(opts *mcp.StreamableHTTPOptions) http.Handler {
	var o mcp.StreamableHTTPOptions
	if opts != nil {
		o = *opts
	}
	if !o.Stateless {
		panic("mcpfast: Handler needs a stateless handler (StreamableHTTPOptions.Stateless)")
	}
	full := s.SDKHandler(&o)
	return &handler{s: s, opts: o, full: full, bound: bindTokenInfo(full)}
}

// tokenInfoKey is the context key of a verified token handed over by WithTokenInfo.
type tokenInfoKey struct{}

// WithTokenInfo returns ctx carrying a verified token for the handler: its tool handlers see it
// as req.Extra.TokenInfo on the fast path and on the SDK's (where the handler binds it as go-sdk's
// auth middleware would). An authenticating middleware in front of the handler calls it instead
// of go-sdk's auth.RequireBearerToken, which copies the request once more and parses the
// Authorization header again; authkit's Middleware does, when the handler it wraps has this
// method. The middleware must already have verified the token, its expiry included.
func (h *handler) WithTokenInfo(ctx context.Context, ti *auth.TokenInfo) context.Context {
	return context.WithValue(ctx, tokenInfoKey{}, ti)
}

// bindTokenInfo puts a token handed over by WithTokenInfo where go-sdk's handlers look for it,
// through go-sdk's own middleware (its context key is unexported). The token was verified in
// front of the handler, so the middleware's own expiry check must not refuse what that one
// accepted within its leeway: its skew is a year.
func bindTokenInfo(full http.Handler) http.Handler {
	return auth.RequireBearerToken(func(ctx context.Context, _ string, _ *http.Request) (*auth.TokenInfo, error) {
		if ti := handedOver(ctx); ti != nil {
			return ti, nil
		}
		return nil, auth.ErrInvalidToken
	}, &auth.RequireBearerTokenOptions{ClockSkew: 365 * 24 * time.Hour})(full)
}

// toSDK hands a request to the SDK's handler, with a token handed over by WithTokenInfo bound
// as go-sdk's middleware would have bound it.
func (h *handler) toSDK(w http.ResponseWriter, r *http.Request) {
	// A go-sdk TokenInfo already bound by a middleware further out is replaced, as go-sdk's
	// middleware in front of the handler would have: the handed-over token wins on both paths.
	if handedOver(r.Context()) != nil {
		h.bound.ServeHTTP(w, r)
		return
	}
	h.full.ServeHTTP(w, r)
}

// tokenInfo is the request's verified token: handed over by WithTokenInfo, else bound by
// go-sdk's auth middleware in front of the handler.
func tokenInfo(ctx context.Context) *auth.TokenInfo {
	if ti := handedOver(ctx); ti != nil {
		return ti
	}
	return auth.TokenInfoFromContext(ctx)
}

// handedOver is the token WithTokenInfo put in ctx, or nil.
func handedOver(ctx context.Context) *auth.TokenInfo {
	ti, _ := ctx.Value(tokenInfoKey{}).(*auth.TokenInfo)
	return ti
}

// SDKHandler serves MCP Streamable HTTP through the SDK alone, for the same server: the path
// every request took before the fast path, kept for comparing the two (the differential tests)
// and for deployments that want to turn the fast path off.
func (s *Server) SDKHandler(opts *mcp.StreamableHTTPOptions) http.Handler {
	return mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s.sdk }, opts)
}

type handler struct {
	s    *Server
	opts mcp.StreamableHTTPOptions
	full http.Handler
	// bound is full behind go-sdk's auth middleware, for a token handed over by WithTokenInfo.
	bound http.Handler
}

// call is one request the fast path took.
type call struct {
	id     jsonrpc.ID
	method string
	// modern is a 2026-07-28 (or later) request: per-request _meta, resultType and serverInfo.
	modern  bool
	list    *mcp.ListToolsParams
	toolReq *mcp.CallToolParamsRaw
	tool    *tool
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !h.eligible(r) {
		h.toSDK(w, r)
		return
	}
	if h.opts.MaxRequestBodyBytes > 0 {
		r.Body = http.MaxBytesReader(w, r.Body, h.opts.MaxRequestBodyBytes)
	}
	body, err := io.ReadAll(r.Body)
	_ = r.Body.Close()
	if err != nil {
		// The SDK reads the same bytes and meets the same error: it answers it.
		r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), errReader{err}))
		h.toSDK(w, r)
		return
	}
	c := h.s.parse(body, r.Header)
	if c == nil {
		// The SDK reads the body again.
		r.Body = io.NopCloser(bytes.NewReader(body))
		h.toSDK(w, r)
		return
	}
	ctx := r.Context()
	extra := &mcp.RequestExtra{TokenInfo: tokenInfo(ctx), Header: r.Header}
	var req mcp.Request
	if c.method == "tools/list" {
		req = &mcp.ListToolsRequest{Params: c.list, Extra: extra}
	} else {
		req = &mcp.CallToolRequest{Params: c.toolReq, Extra: extra}
	}
	res, err := h.s.handle(ctx, c.method, req)
	resp := &jsonrpc.Response{ID: c.id}
	var result []byte
	if err == nil {
		result, err = h.s.encode(c, res)
	}
	var werr *jsonrpc.Error
	if err != nil {
		werr = wireError(err)
		resp.Error = werr
	}
	w.Header().Set("Cache-Control", "no-cache, no-transform")
	w.Header().Set("Content-Type", "application/json")
	if werr != nil {
		data, encErr := jsonrpc.EncodeMessage(resp)
		if encErr != nil {
			http.Error(w, "encoding the answer failed", http.StatusInternalServerError)
			return
		}
		if c.modern {
			// 2026-07-28 gives some errors their own HTTP status, as the SDK sends them.
			switch werr.Code {
			case jsonrpc.CodeMethodNotFound:
				w.WriteHeader(http.StatusNotFound)
			case jsonrpc.CodeInvalidParams, mcp.CodeUnsupportedProtocolVersion, mcp.CodeMissingRequiredClientCapabilities:
				w.WriteHeader(http.StatusBadRequest)
			}
		}
		_, _ = w.Write(data)
		return
	}
	// {"jsonrpc":"2.0","id":…,"result":…}, as the SDK encodes a response, without encoding the
	// result a second time.
	id, err := marshal(c.id.Raw())
	if err != nil {
		http.Error(w, "encoding the answer failed", http.StatusInternalServerError)
		return
	}
	head := make([]byte, 0, len(id)+32)
	head = append(head, `{"jsonrpc":"2.0","id":`...)
	head = append(head, id...)
	head = append(head, `,"result":`...)
	w.Header().Set("Content-Length", strconv.Itoa(len(head)+len(result)+1))
	_, _ = w.Write(head)
	_, _ = w.Write(result)
	_, _ = w.Write([]byte{'}'})
}

// eligible reports whether the HTTP request is one the SDK would accept and serve statelessly,
// on a protocol version it supports; the body is looked at later (parse).
func (h *handler) eligible(r *http.Request) bool {
	if r.Method != http.MethodPost {
		return false
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return false
	}
	if !accepts(r.Header.Values("Accept")) {
		return false
	}
	if v := r.Header.Get("Mcp-Protocol-Version"); v != "" && !slices.Contains(h.s.versions, v) {
		return false
	}
	if h.opts.CrossOriginProtection != nil && h.opts.CrossOriginProtection.Check(r) != nil {
		return false
	}
	if !h.opts.DisableLocalhostProtection {
		if local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok && local != nil && loopback(local.String()) && !loopback(r.Host) {
			return false
		}
	}
	return true
}

// accepts reports whether Accept admits both JSON and an event stream, as the SDK requires.
func accepts(values []string) bool {
	jsonOK, streamOK := false, false
	for _, v := range values {
		for _, raw := range strings.Split(v, ",") {
			base, _, _ := strings.Cut(strings.TrimSpace(raw), ";")
			switch strings.ToLower(strings.TrimSpace(base)) {
			case "application/json", "application/*":
				jsonOK = true
			case "text/event-stream", "text/*":
				streamOK = true
			case "*/*":
				jsonOK, streamOK = true, true
			}
		}
	}
	return jsonOK && streamOK
}

// loopback is the SDK's rule for a listener address and for a Host header alike: "localhost"
// or a loopback IP, with or without a port. Mirroring it exactly, rather than the server's own
// (more lenient) rule, keeps a request the SDK would refuse from being answered here: a loopback
// listener reached under a non-loopback Host goes to the SDK, which answers 403.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = strings.Trim(addr, "[]")
	}
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// envelope is a JSON-RPC request as the fast path reads it.
type envelope struct {
	JSONRPC string           `json:"jsonrpc"`
	ID      *json.RawMessage `json:"id"`
	Method  string           `json:"method"`
	Params  json.RawMessage  `json:"params"`
}

// parse reads a single tools/list or tools/call request the fast path can answer, or returns nil.
func (s *Server) parse(body []byte, header http.Header) *call {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil // a batch, or not JSON-RPC: the SDK answers
	}
	var env envelope
	if decode(body, &env) != nil || env.JSONRPC != "2.0" || env.ID == nil {
		return nil
	}
	id, ok := requestID(*env.ID)
	if !ok {
		return nil
	}
	version := header.Get("Mcp-Protocol-Version")
	c := &call{id: id, method: env.Method, modern: version >= newProtocol}
	params := bytes.TrimSpace(env.Params)
	var meta mcp.Meta
	switch env.Method {
	case "tools/list":
		s.mu.RLock()
		paged := len(s.sorted) > s.opts.PageSize
		s.mu.RUnlock()
		if paged {
			return nil // the SDK cuts the list into pages
		}
		c.list = &mcp.ListToolsParams{}
		if len(params) > 0 {
			if params[0] != '{' || decode(params, c.list) != nil || c.list.Cursor != "" {
				return nil
			}
		}
		meta = c.list.Meta
	case "tools/call":
		if len(params) == 0 || params[0] != '{' {
			return nil
		}
		c.toolReq = &mcp.CallToolParamsRaw{}
		if decode(params, c.toolReq) != nil || c.toolReq.InputResponses != nil || c.toolReq.RequestState != "" {
			return nil
		}
		s.mu.RLock()
		c.tool = s.tools[c.toolReq.Name]
		s.mu.RUnlock()
		if c.tool == nil || c.tool.session || (c.modern && c.tool.paramHeaders) {
			return nil
		}
		meta = c.toolReq.Meta
	default:
		return nil
	}
	if !c.modern {
		// Before 2026-07-28 the SDK takes client capabilities and a protocol version from _meta
		// too, and checks them against the headers: it answers those.
		if hasProtocolMeta(meta) {
			return nil
		}
		return c
	}
	// From 2026-07-28 on: the version in _meta must be the header's, and the standard headers
	// must name the method (and the tool); the SDK answers every other case with its error.
	if v, _ := meta[mcp.MetaKeyProtocolVersion].(string); v != version {
		return nil
	}
	if _, ok := meta[mcp.MetaKeyClientCapabilities].(map[string]any); !ok {
		return nil
	}
	if info, present := meta[mcp.MetaKeyClientInfo]; present {
		if _, ok := info.(map[string]any); !ok {
			return nil
		}
	}
	if header.Get("Mcp-Method") != env.Method {
		return nil
	}
	if c.toolReq != nil && header.Get("Mcp-Name") != c.toolReq.Name {
		return nil
	}
	if c.list != nil && !metaDecodes(&mcp.ListToolsRequest{Params: c.list}) ||
		c.toolReq != nil && !metaDecodes(&mcp.CallToolRequest{Params: c.toolReq}) {
		return nil
	}
	return c
}

// metaDecodes reports whether a request's _meta decodes as the SDK decodes it (client
// capabilities, and client info when present): otherwise the SDK answers with its error.
func metaDecodes[P mcp.Params](r *mcp.ServerRequest[P]) bool {
	_, info := r.Params.GetMeta()[mcp.MetaKeyClientInfo]
	return r.ClientCapabilities() != nil && (!info || r.ClientInfo() != nil)
}

// requestID reads a request ID the SDK would echo unchanged: a string, or an integer small
// enough to survive the SDK's float64 round trip.
func requestID(raw []byte) (jsonrpc.ID, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return jsonrpc.ID{}, false
	}
	if raw[0] == '"' {
		var str string
		if decode(raw, &str) != nil {
			return jsonrpc.ID{}, false
		}
		id, err := jsonrpc.MakeID(str)
		return id, err == nil
	}
	if len(raw) > 15 {
		return jsonrpc.ID{}, false
	}
	for i, b := range raw {
		if (b < '0' || b > '9') && (i != 0 || b != '-') {
			return jsonrpc.ID{}, false
		}
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		return jsonrpc.ID{}, false
	}
	id, err := jsonrpc.MakeID(float64(n))
	return id, err == nil
}

// hasProtocolMeta reports whether a request's _meta carries protocol fields (the 2026-07-28
// per-request protocol version, client capabilities or client info).
func hasProtocolMeta(m mcp.Meta) bool {
	for k := range m {
		if strings.HasPrefix(k, "io.modelcontextprotocol/") {
			return true
		}
	}
	return false
}

// handle runs a request through the receiving middleware to the method's own handler.
func (s *Server) handle(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
	s.mu.RLock()
	next := mcp.MethodHandler(s.method)
	for _, mw := range slices.Backward(s.chain) {
		next = mw(next)
	}
	s.mu.RUnlock()
	return next(ctx, method, req)
}

// method is the fast path's own handler of tools/list and tools/call, as the SDK's.
func (s *Server) method(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
	modern := modernRequest(req)
	switch r := req.(type) {
	case *mcp.ListToolsRequest:
		s.mu.RLock()
		tools := make([]*mcp.Tool, 0, len(s.sorted))
		for _, t := range s.sorted {
			tools = append(tools, t.def)
		}
		s.mu.RUnlock()
		res := &mcp.ListToolsResult{Tools: tools}
		if s.opts.SetCacheable != nil {
			s.opts.SetCacheable(ctx, r, &res.Cacheable)
		}
		if res.CacheScope == "" {
			res.CacheScope = "public"
		}
		return res, nil
	case *mcp.CallToolRequest:
		s.mu.RLock()
		t := s.tools[r.Params.Name]
		s.mu.RUnlock()
		if t == nil {
			return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: fmt.Sprintf("unknown tool %q", r.Params.Name)}
		}
		res, err := t.handler(ctx, r)
		if err != nil || res == nil {
			return res, err
		}
		if res.InputRequests != nil {
			if len(res.Content) > 0 || res.StructuredContent != nil {
				return nil, &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: "server bug: result has both content and inputRequests"}
			}
			if modern {
				return res, nil // answered as input_required (encode)
			}
			// Before 2026-07-28 the SDK fulfils input requests by asking the client over the
			// session, which a stateless request does not have (its synthesized session
			// declares no capabilities): it answers with an error, as here.
			if len(res.InputRequests) == 0 {
				return nil, fmt.Errorf("the server is busy, retry later")
			}
			return nil, errInputRequests(res.InputRequests)
		}
		if res.Content == nil {
			c := *res
			c.Content = []mcp.Content{}
			res = &c
		}
		return res, nil
	}
	return nil, fmt.Errorf("mcpfast: method %q is not on the fast path", method)
}

// modernRequest reports whether a fast-path request is a 2026-07-28 one: its _meta names the
// protocol version (parse let only matching ones through).
func modernRequest(req mcp.Request) bool {
	var m mcp.Meta
	switch p := req.GetParams().(type) {
	case *mcp.CallToolParamsRaw:
		m = p.Meta
	case *mcp.ListToolsParams:
		m = p.Meta
	}
	v, _ := m[mcp.MetaKeyProtocolVersion].(string)
	return v >= newProtocol
}

// errInputRequests is the SDK's answer to input requests on a stateless request before
// 2026-07-28: the first one, by ID, that it cannot fulfil.
func errInputRequests(m mcp.InputRequestMap) error {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	id := ids[0]
	reason := "client does not support elicitation"
	if _, ok := m[id].(*mcp.ElicitParams); !ok {
		reason = fmt.Sprintf("%T needs a session, which a stateless request has not", m[id])
	}
	return fmt.Errorf("multi-round-trip: fulfilling input request %q: %s", id, reason)
}

// encode marshals a result; tools/list results are cached by their content. A 2026-07-28 answer
// also names the server in _meta and says whether it is complete (resultType), as the SDK adds.
func (s *Server) encode(c *call, res mcp.Result) ([]byte, error) {
	if tr, ok := res.(*mcp.CallToolResult); ok {
		out := *tr
		if c.modern {
			out.Meta = s.withServerInfo(tr.Meta)
		}
		if data, ok := textResult(&out, c.modern); ok {
			return data, nil
		}
		if !c.modern {
			return marshal(&out)
		}
		data, err := marshal(&out)
		if err != nil {
			return nil, err
		}
		kind := "complete"
		if tr.InputRequests != nil {
			kind = "input_required"
		}
		return withResultType(data, kind), nil
	}
	list, ok := res.(*mcp.ListToolsResult)
	if !ok {
		return marshal(res)
	}
	if c.modern {
		out := *list
		out.Meta = s.withServerInfo(list.Meta)
		out.ResultType = "complete"
		list = &out
	}
	key, ok := s.listKey(list, c.modern)
	if !ok {
		return marshal(list)
	}
	s.mu.RLock()
	data, hit := s.lists[key]
	s.mu.RUnlock()
	if hit {
		return data, nil
	}
	data, err := marshal(list)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if len(s.lists) < maxListCache {
		s.lists[key] = data
	}
	s.mu.Unlock()
	return data, nil
}

// textResult encodes the result most tools answer — their output as structuredContent and the
// same JSON as the one text content — without marshalling the output twice more (encoding/json
// would validate and copy structuredContent, and the text, a second time). The bytes are the
// ones marshal gives: the output as marshalled, the text escaped as TextContent escapes it. Any
// other result is left to marshal.
func textResult(res *mcp.CallToolResult, modern bool) ([]byte, bool) {
	if res.IsError || res.InputRequests != nil || res.RequestState != "" || len(res.Content) != 1 {
		return nil, false
	}
	var raw []byte
	switch v := res.StructuredContent.(type) {
	case marshalled: // encoding/json's own output (wrap): valid, compact, HTML characters escaped
		raw = v
	case json.RawMessage:
		// Output marshalled by encoding/json has <, >, &, U+2028 and U+2029 escaped, as the
		// SDK's encoding of the result would escape them; raw JSON with them literal, or not
		// compact, is left to marshal.
		if htmlSensitive(v) || !json.Valid(v) || !compact(v) {
			return nil, false
		}
		raw = v
	default:
		return nil, false
	}
	tc, ok := res.Content[0].(*mcp.TextContent)
	if !ok || tc.Meta != nil || tc.Annotations != nil || tc.Text != string(raw) {
		return nil, false
	}
	var meta []byte
	if len(res.Meta) > 0 { // the SDK leaves out an empty _meta (omitempty)
		// As CallToolResult.MarshalJSON encodes it: with encoding/json's HTML escaping.
		var err error
		if meta, err = json.Marshal(res.Meta); err != nil {
			return nil, false
		}
	}
	// The text and structuredContent, plus room for the text's escapes (append grows beyond).
	out := make([]byte, 0, 2*len(raw)+len(raw)/8+len(meta)+96)
	out = append(out, '{')
	if meta != nil {
		out = append(out, `"_meta":`...)
		out = append(out, meta...)
		out = append(out, ',')
	}
	out = append(out, `"content":[{"type":"text","text":`...)
	var ok2 bool
	if out, ok2 = appendPlainString(out, raw); !ok2 {
		text, err := json.Marshal(tc.Text)
		if err != nil {
			return nil, false
		}
		out = append(out, text...)
	}
	out = append(out, `}],"structuredContent":`...)
	out = append(out, raw...)
	if modern {
		out = append(out, `,"resultType":"complete"`...)
	}
	return append(out, '}'), true
}

// compact reports whether valid JSON has no whitespace between its tokens, as encoding/json
// writes a json.RawMessage: anything else would be compacted by the SDK's encoding.
func compact(raw []byte) bool {
	inString, escaped := false, false
	for _, b := range raw {
		switch {
		case escaped:
			escaped = false
		case inString && b == '\\':
			escaped = true
		case b == '"':
			inString = !inString
		case !inString && (b == ' ' || b == '\t' || b == '\n' || b == '\r'):
			return false
		}
	}
	return true
}

// appendPlainString appends s as a JSON string, byte for byte as encoding/json writes it, when
// s needs no escape but '"' and '\\'. Its caller has established that s is valid, compact JSON
// (so it holds no control characters) without <, >, &, U+2028 or U+2029, which encoding/json
// escapes too; what is left to check is UTF-8. It returns false, having appended nothing, for
// any other s.
func appendPlainString(out, s []byte) ([]byte, bool) {
	if !utf8.Valid(s) {
		return out, false
	}
	out = append(out, '"')
	start := 0
	for i, b := range s {
		if b == '"' || b == '\\' {
			out = append(out, s[start:i]...)
			out = append(out, '\\', b)
			start = i + 1
		}
	}
	out = append(out, s[start:]...)
	return append(out, '"'), true
}

// htmlSensitive reports whether JSON holds a character that encoding/json escapes in its output
// and a json.RawMessage may hold literally: <, >, &, U+2028 or U+2029.
func htmlSensitive(raw []byte) bool {
	return bytes.IndexAny(raw, "<>&") >= 0 || bytes.Contains(raw, []byte("\u2028")) || bytes.Contains(raw, []byte("\u2029"))
}

// withServerInfo is a result's _meta with the server's Implementation added, unless the handler
// already named one (the original map is not changed).
func (s *Server) withServerInfo(m mcp.Meta) mcp.Meta {
	if _, ok := m[mcp.MetaKeyServerInfo]; ok {
		return m
	}
	out := make(mcp.Meta, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	out[mcp.MetaKeyServerInfo] = s.impl
	return out
}

// withResultType adds "resultType" to an encoded result object (CallToolResult keeps the field
// private to the SDK).
func withResultType(data []byte, kind string) []byte {
	member := `"resultType":"` + kind + `"`
	if bytes.Equal(bytes.TrimSpace(data), []byte("{}")) {
		return []byte("{" + member + "}")
	}
	end := bytes.LastIndexByte(data, '}')
	out := make([]byte, 0, len(data)+len(member)+1)
	out = append(out, data[:end]...)
	out = append(out, ',')
	out = append(out, member...)
	return append(out, data[end:]...)
}

// listKey identifies a tools/list result by its tools (when every one is a registered
// definition, compared by identity: a tool the middleware built or changed is not cached) and by
// its other fields.
func (s *Server) listKey(list *mcp.ListToolsResult, modern bool) (string, bool) {
	if list.NextCursor != "" {
		return "", false
	}
	if modern {
		// Only the server's own _meta is cached with the list.
		if len(list.Meta) != 1 || list.Meta[mcp.MetaKeyServerInfo] != any(s.impl) {
			return "", false
		}
	} else if list.Meta != nil {
		return "", false
	}
	var b strings.Builder
	b.WriteString(strconv.FormatBool(modern))
	b.WriteByte(0)
	b.WriteString(list.CacheScope)
	b.WriteByte(0)
	b.WriteString(strconv.Itoa(list.TTLMs))
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, t := range list.Tools {
		reg := s.tools[t.Name]
		if reg == nil || reg.def != t {
			return "", false
		}
		b.WriteByte(0)
		b.WriteString(t.Name)
	}
	return b.String(), true
}

// wireError is how the SDK answers a handler's error: a *jsonrpc.Error as it is, any other error
// with its text (and the code of a *jsonrpc.Error it wraps, else 0).
func wireError(err error) *jsonrpc.Error {
	if w, ok := err.(*jsonrpc.Error); ok {
		return w
	}
	out := &jsonrpc.Error{Message: err.Error()}
	var wrapped *jsonrpc.Error
	if errors.As(err, &wrapped) {
		out.Code = wrapped.Code
	}
	return out
}

// errReader returns err after the bytes before it.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
