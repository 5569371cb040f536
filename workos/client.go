// Package workos is a small client for the WorkOS REST API: it sends requests
// with the environment's API key, retries what is safe to retry against the
// real API (see Client.Do), decodes WorkOS error bodies into *Error, says when
// a write's outcome is unknown (*OutcomeUnknownError), and walks cursor
// pagination.
//
// A generic DoTemplate (and Do) serves the catalog-driven workspace server;
// typed helpers exist only for what this module's own code calls.
//
// Paths cannot be bent: path parameters are checked (CheckPathSegment), the URL
// about to be sent is compared with its template, no path with dot, empty or
// encoded-slash segments is sent, and redirects are never followed (WorkOS does
// not redirect API calls), so the API key only ever goes to the base URL.
package workos

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// DefaultBaseURL is the WorkOS production API.
const DefaultBaseURL = "https://api.workos.com"

// Defaults applied by New when the matching Options field is zero.
const (
	// DefaultMaxRetries is the number of retries after the first attempt.
	DefaultMaxRetries = 3
	// DefaultTimeout bounds one attempt when Options.HTTPClient is nil.
	DefaultTimeout = 30 * time.Second
	// DefaultBackoffBase is the first backoff ceiling; it doubles per retry.
	DefaultBackoffBase = 250 * time.Millisecond
	// DefaultBackoffMax caps the backoff ceiling.
	DefaultBackoffMax = 8 * time.Second
	// DefaultMaxRetryAfter is the longest Retry-After the client waits out.
	DefaultMaxRetryAfter = 30 * time.Second
	// DefaultUserAgent is sent when Options.UserAgent is empty.
	DefaultUserAgent = "workos-mcp"
	// MaxResponseBytes bounds how much of a response body is read.
	MaxResponseBytes = 32 << 20
)

// Options configures a Client. The zero value of every field has a documented default.
type Options struct {
	// BaseURL of the API, default DefaultBaseURL. It may carry a path prefix
	// (http://127.0.0.1:8080/workos); request paths are appended to it.
	BaseURL string
	// APIKey is sent as a bearer token. It never appears in errors or logs.
	APIKey string
	// HTTPClient sends the requests; default a client with DefaultTimeout.
	// The Client uses a copy whose CheckRedirect refuses every redirect.
	HTTPClient *http.Client
	// UserAgent, default DefaultUserAgent.
	UserAgent string
	// MaxRetries is the number of retries after the first attempt: 0 means
	// DefaultMaxRetries, negative means none.
	MaxRetries int
	// OnResponse, if set, is called once per attempt (metrics). path is the
	// request path with ID-like segments replaced by "{id}" (see PathPattern),
	// so that it is safe as a metric label. status 0 means a transport error.
	OnResponse func(method, path string, status int, d time.Duration)

	// BackoffBase and BackoffMax shape the exponential backoff with full
	// jitter: the wait before retry n is uniform in [0, min(BackoffMax,
	// BackoffBase*2^n)). Defaults DefaultBackoffBase and DefaultBackoffMax.
	BackoffBase, BackoffMax time.Duration
	// MaxRetryAfter caps how long a server's Retry-After is waited out
	// (default DefaultMaxRetryAfter). A longer Retry-After is not waited for:
	// the *Error is returned at once with RetryAfter set.
	MaxRetryAfter time.Duration
}

// Client calls the WorkOS API. It is safe for concurrent use.
type Client struct {
	base          *url.URL
	apiKey        string
	hc            *http.Client
	userAgent     string
	maxRetries    int
	onResponse    func(method, path string, status int, d time.Duration)
	backoffBase   time.Duration
	backoffMax    time.Duration
	maxRetryAfter time.Duration
	baseErr       error
}

// New returns a Client for opts. A malformed BaseURL is reported by every
// call to Do rather than here, so that New can stay error-free.
func New(opts Options) *Client {
	c := &Client{
		apiKey:        opts.APIKey,
		hc:            opts.HTTPClient,
		userAgent:     opts.UserAgent,
		maxRetries:    opts.MaxRetries,
		onResponse:    opts.OnResponse,
		backoffBase:   opts.BackoffBase,
		backoffMax:    opts.BackoffMax,
		maxRetryAfter: opts.MaxRetryAfter,
	}
	if c.hc == nil {
		c.hc = &http.Client{Timeout: DefaultTimeout}
	} else {
		hc := *c.hc // the caller's client is theirs: change a copy
		c.hc = &hc
	}
	// Never follow a redirect: the API key would go wherever Location points.
	c.hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if c.userAgent == "" {
		c.userAgent = DefaultUserAgent
	}
	switch {
	case c.maxRetries == 0:
		c.maxRetries = DefaultMaxRetries
	case c.maxRetries < 0:
		c.maxRetries = 0
	}
	if c.backoffBase <= 0 {
		c.backoffBase = DefaultBackoffBase
	}
	if c.backoffMax <= 0 {
		c.backoffMax = DefaultBackoffMax
	}
	if c.maxRetryAfter <= 0 {
		c.maxRetryAfter = DefaultMaxRetryAfter
	}
	raw := opts.BaseURL
	if raw == "" {
		raw = DefaultBaseURL
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		// url.Parse errors quote the input, which may hold userinfo: say less.
		c.baseErr = errors.New("workos: invalid base URL")
	case u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		c.baseErr = errors.New("workos: base URL must be an absolute http(s) URL")
	case u.User != nil:
		c.baseErr = errors.New("workos: base URL must not carry credentials")
	default:
		u.Path = strings.TrimRight(u.Path, "/")
		u.RawPath = ""
		u.RawQuery, u.Fragment = "", ""
		c.base = u
	}
	return c
}

// BaseURL returns the base URL requests are sent to ("" if it was invalid).
func (c *Client) BaseURL() string {
	if c.base == nil {
		return ""
	}
	return c.base.String()
}

// Response is a completed HTTP exchange with the API. Body holds the whole
// (bounded) response body.
type Response struct {
	StatusCode int
	Header     http.Header
	RequestID  string
	Body       []byte
}

type idempotencyKeyCtx struct{}

// WithIdempotencyKey returns a context whose POST requests carry key as their
// Idempotency-Key instead of a random one. Use it to make a retry by the
// caller (not just by the client) land on the same key. WorkOS documents the
// key for IdempotentOperations only: elsewhere a repeat may be applied twice.
func WithIdempotencyKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, idempotencyKeyCtx{}, key)
}

func idempotencyKeyFrom(ctx context.Context) string {
	k, _ := ctx.Value(idempotencyKeyCtx{}).(string)
	return k
}

// NewIdempotencyKey returns a random UUIDv4 string.
func NewIdempotencyKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand since Go 1.24)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// Do sends method path?query with body and decodes a 2xx answer into out.
//
// path is relative to the base URL and must start with "/"; path segments
// taken from user input must be escaped by the caller (url.PathEscape), and
// are better passed to DoTemplate, which checks them. Do refuses (*PathError,
// nothing sent) a path with an empty or dot segment (".", "..", only dots), a
// backslash, or an encoded slash, backslash, dot or percent sign.
// body is nil, []byte or json.RawMessage (sent as is), or a value marshalled
// to JSON. out is nil, *json.RawMessage (set to the response body itself, which it then shares
// with Response.Body), or a pointer to decode into.
//
// Every POST carries an Idempotency-Key (random, or the one set with
// WithIdempotencyKey), the same on every retry. What is retried, and when,
// depends on whether repeating the request could apply it twice:
//
//   - GET, HEAD, OPTIONS, PUT and DELETE are idempotent (RFC 9110, section
//     9.2.2): retried on 429, on 5xx (but 501) and on transport errors.
//   - A POST the spec documents as idempotent with its key
//     (IdempotentOperations) is retried the same way: WorkOS replays it.
//   - Any other POST, and PATCH, is retried only when it provably was not
//     applied: a 429, or a transport error before any byte of the request
//     was written (refused connection, DNS or TLS failure). After a 5xx or a
//     transport error once the request may have reached WorkOS, Do returns
//     an *OutcomeUnknownError instead of risking a duplicate: check with a
//     read before trying again.
//
// A non-2xx answer is returned as *Error together with the Response; a 3xx is
// never followed nor retried, and is an *Error with Code "unexpected_redirect"
// that does not quote the Location. A DELETE retried after a 5xx or transport
// error that then answers 404 succeeds (with that Response): the lost first
// attempt deleted it.
func (c *Client) Do(ctx context.Context, method, path string, query url.Values, body, out any) (*Response, error) {
	if err := checkPath(path); err != nil {
		return nil, err
	}
	return c.do(ctx, method, path, PathPattern(path), nil, query, body, out)
}

// DoTemplate is Do for a path template such as "/organizations/{id}": each
// {name} is filled with pathParams[name], checked with CheckPathSegment and
// escaped as exactly one segment. Just before sending, the request URL's
// escaped path is compared with the base path plus the template, one escaped
// segment per parameter; anything else is refused with a *PathError (errors.Is
// ErrInvalidPath) and nothing is sent. pathParams must hold exactly the
// template's parameters. Metrics (Options.OnResponse) name the template.
func (c *Client) DoTemplate(ctx context.Context, method, template string, pathParams map[string]string, query url.Values, body, out any) (*Response, error) {
	path, err := expandTemplate(template, pathParams)
	if err != nil {
		return nil, err
	}
	if err := checkPath(path); err != nil {
		return nil, err
	}
	verify := func(escapedPath string) error {
		return matchTemplate(escapedPath, c.base.EscapedPath(), template, pathParams)
	}
	return c.do(ctx, method, path, template, verify, query, body, out)
}

// do sends a request whose path passed checkPath. verify, when set, is given the escaped
// path of the final request URL before each attempt.
func (c *Client) do(ctx context.Context, method, path, pattern string, verify func(string) error, query url.Values, body, out any) (*Response, error) {
	if c.base == nil {
		return nil, c.baseErr
	}
	method = strings.ToUpper(method)
	if method == "" {
		method = http.MethodGet
	}
	u, err := c.resolve(path, query)
	if err != nil {
		return nil, err
	}
	if verify == nil {
		// The path as it will be sent obeys the same rule as the path asked for.
		verify = func(escapedPath string) error {
			rest, ok := strings.CutPrefix(escapedPath, c.base.EscapedPath())
			if !ok {
				return &PathError{Rule: "is not under the base URL"}
			}
			return checkPath(rest)
		}
	}
	if !validHeaderValue(c.apiKey) {
		return nil, errors.New("workos: API key contains characters not allowed in a header")
	}
	payload, err := encodeBody(body)
	if err != nil {
		return nil, err
	}
	var idemKey string
	if method == http.MethodPost {
		idemKey = idempotencyKeyFrom(ctx)
		if idemKey == "" {
			idemKey = NewIdempotencyKey()
		}
		if !validHeaderValue(idemKey) {
			return nil, errors.New("workos: invalid idempotency key")
		}
	}
	retryable := isIdempotentMethod(method) || (method == http.MethodPost && documentedIdempotent(method, u.Path, c.base.Path))

	ambiguous := false // an earlier attempt may have been applied
	for attempt := 0; ; attempt++ {
		resp, err := c.once(ctx, method, u, pattern, verify, payload, idemKey, retryable)
		if err == nil && ambiguous && method == http.MethodDelete && resp.StatusCode == http.StatusNotFound {
			// The first attempt deleted it; its answer was lost. What was asked is true.
			return resp, nil
		}
		if err == nil && resp.StatusCode >= 200 && resp.StatusCode < 300 {
			if err := decodeOut(resp, out); err != nil {
				return resp, err
			}
			return resp, nil
		}
		if err == nil && resp.StatusCode >= 300 && resp.StatusCode < 400 {
			// Not followed, not retried, and not described: the Location (and a body that
			// may quote it) can carry credentials of another origin.
			resp.Header = resp.Header.Clone()
			resp.Header.Del("Location")
			resp.Body = nil
			return resp, &Error{StatusCode: resp.StatusCode, Code: "unexpected_redirect",
				Message: "unexpected redirect (not followed: WorkOS does not redirect API calls)", RequestID: resp.RequestID}
		}
		var pe *PathError
		if errors.As(err, &pe) {
			return resp, err // refused before sending: nothing to retry
		}
		var apiErr *Error
		if err == nil {
			apiErr = c.decodeError(resp)
			err = apiErr
		}
		var te *transportError
		isTE := errors.As(err, &te)
		if ctx.Err() != nil {
			if !retryable && isTE && te.sent {
				return resp, &OutcomeUnknownError{Method: method, Path: u.Path, Err: c.ctxError(ctx, method, path)}
			}
			return resp, c.ctxError(ctx, method, path)
		}
		if !retryable {
			// A write that is not safe to repeat: retry only what provably was not applied.
			switch {
			case isTE && !te.sent && !te.permanent, apiErr != nil && apiErr.StatusCode == http.StatusTooManyRequests:
			case isTE && te.permanent && !te.sent:
				return resp, err
			case isTE || (apiErr != nil && apiErr.StatusCode >= 500 && apiErr.StatusCode != http.StatusNotImplemented):
				return resp, &OutcomeUnknownError{Method: method, Path: u.Path, Err: err}
			default:
				return resp, err
			}
		}
		if attempt >= c.maxRetries {
			return resp, err
		}
		if isTE && te.permanent {
			return resp, err
		}
		var wait time.Duration
		if apiErr != nil {
			if !retryableStatus(apiErr.StatusCode) {
				return resp, err
			}
			if apiErr.RetryAfter > c.maxRetryAfter {
				return resp, err
			}
			wait = apiErr.RetryAfter
		}
		if wait <= 0 {
			wait = c.backoff(attempt)
		}
		ambiguous = ambiguous || (isTE && te.sent) || (apiErr != nil && apiErr.StatusCode >= 500)
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			// The retry could not happen in time: the server's answer says more
			// than a deadline error would.
			return resp, err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return resp, c.ctxError(ctx, method, path)
		case <-t.C:
		}
	}
}

func (c *Client) ctxError(ctx context.Context, method, path string) error {
	return &transportError{op: method + " " + path, err: ctx.Err(), msg: ctx.Err().Error()}
}

// once performs one attempt. It returns either a response (any status) or a
// transport error that is safe to show.
//
// replayable says whether the request may be sent twice; when it is false,
// net/http's own transparent retry on a dead kept-alive connection (which it
// allows for any request carrying an Idempotency-Key) is turned off too. The
// transport error says whether any byte of the request was written.
func (c *Client) once(ctx context.Context, method string, u *url.URL, pattern string, verify func(string) error, payload []byte, idemKey string, replayable bool) (*Response, error) {
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	var sent atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteHeaderField: func(string, []string) { sent.Store(true) },
		WroteHeaders:     func() { sent.Store(true) },
		WroteRequest:     func(httptrace.WroteRequestInfo) { sent.Store(true) },
	})
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		te := c.wrapTransport(method, u.Path, err)
		te.permanent = true
		return nil, te
	}
	if !replayable && payload != nil {
		req.GetBody = nil // net/http replays a request only when it can rewind its body
	}
	// Checked on the request itself, after every transformation, just before the key is attached.
	if err := verify(req.URL.EscapedPath()); err != nil {
		return nil, err
	}
	if req.URL.Scheme != c.base.Scheme || req.URL.Host != c.base.Host || req.URL.User != nil {
		return nil, &PathError{Rule: "is not under the base URL"}
	}
	req.Header.Set("Authorization", "Bearer "+c.apiKey)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if idemKey != "" {
		req.Header.Set("Idempotency-Key", idemKey)
	}
	start := time.Now()
	hr, err := c.hc.Do(req)
	if err != nil {
		c.report(method, pattern, 0, time.Since(start))
		te := c.wrapTransport(method, u.Path, err)
		te.sent = sent.Load()
		return nil, te
	}
	defer hr.Body.Close()
	data, err := readBody(hr.Body, hr.ContentLength)
	c.report(method, pattern, hr.StatusCode, time.Since(start))
	if err != nil {
		te := c.wrapTransport(method, u.Path, fmt.Errorf("read response: %w", err))
		te.sent = true
		return nil, te
	}
	if len(data) > MaxResponseBytes {
		return nil, &transportError{op: method + " " + u.Path, msg: "response body too large", permanent: true, sent: true}
	}
	return &Response{
		StatusCode: hr.StatusCode,
		Header:     hr.Header,
		RequestID:  hr.Header.Get("X-Request-Id"),
		Body:       data,
	}, nil
}

func (c *Client) report(method, pattern string, status int, d time.Duration) {
	if c.onResponse != nil {
		c.onResponse(method, pattern, status, d)
	}
}

// backoff is full jitter: uniform in [0, min(max, base*2^attempt)).
func (c *Client) backoff(attempt int) time.Duration {
	ceil := c.backoffMax
	if attempt < 30 {
		if d := c.backoffBase * time.Duration(1<<attempt); d > 0 && d < ceil {
			ceil = d
		}
	}
	if ceil <= 0 {
		return 0
	}
	return time.Duration(mrand.Int64N(int64(ceil)))
}

func (c *Client) resolve(path string, query url.Values) (*url.URL, error) {
	// A path must be relative to the base: anything else could send the API
	// key to another host ("//evil.example", "@evil.example").
	if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") {
		return nil, fmt.Errorf("workos: path %q must start with a single \"/\"", path)
	}
	ref, err := url.Parse(path)
	if err != nil || ref.Scheme != "" || ref.Host != "" || ref.User != nil {
		return nil, fmt.Errorf("workos: invalid path %q", path)
	}
	u := *c.base
	u.Path = c.base.Path + ref.Path
	if ref.RawPath != "" {
		u.RawPath = c.base.EscapedPath() + ref.RawPath
	}
	q := ref.Query()
	for k, vs := range query {
		for _, v := range vs {
			q.Add(k, v)
		}
	}
	u.RawQuery = q.Encode()
	return &u, nil
}

func encodeBody(body any) ([]byte, error) {
	switch b := body.(type) {
	case nil:
		return nil, nil
	case []byte:
		return b, nil
	case json.RawMessage:
		return b, nil
	default:
		data, err := json.Marshal(b)
		if err != nil {
			return nil, fmt.Errorf("workos: encode request body: %w", err)
		}
		return data, nil
	}
}

// exactRead bounds the Content-Length readBody trusts to allocate before reading: a server
// claiming more (up to MaxResponseBytes) and sending little must not pin that much memory.
const exactRead = 64 << 10

// readBody reads a response body of at most MaxResponseBytes (one byte more means too large).
// With a known length up to exactRead it allocates the body once, instead of growing a buffer by
// doubling; a body that runs past its length is still read to the limit, and one shorter is an
// error. A body with no bytes to read (http.NoBody: a HEAD response) is empty, whatever its
// Content-Length says.
func readBody(body io.Reader, length int64) ([]byte, error) {
	if length < 0 || length > exactRead || body == http.NoBody {
		return io.ReadAll(io.LimitReader(body, MaxResponseBytes+1))
	}
	data := make([]byte, length)
	if _, err := io.ReadFull(body, data); err != nil {
		return nil, err
	}
	var one [1]byte
	if n, _ := body.Read(one[:]); n == 0 {
		return data, nil
	}
	rest, err := io.ReadAll(io.LimitReader(body, MaxResponseBytes-length))
	return append(append(data, one[0]), rest...), err
}

func decodeOut(resp *Response, out any) error {
	if out == nil {
		return nil
	}
	if raw, ok := out.(*json.RawMessage); ok {
		if len(resp.Body) == 0 {
			*raw = (*raw)[:0] // nil stays nil: no body is not an empty JSON text
		} else {
			*raw = resp.Body // read for this call alone (readBody), so shared rather than copied
		}
		return nil
	}
	if len(bytes.TrimSpace(resp.Body)) == 0 {
		return nil
	}
	if err := json.Unmarshal(resp.Body, out); err != nil {
		return fmt.Errorf("workos: decode response (status %d, request %s): %w", resp.StatusCode, resp.RequestID, err)
	}
	return nil
}

// isIdempotentMethod reports the methods RFC 9110 defines as idempotent: sending
// one twice has the effect of sending it once.
func isIdempotentMethod(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

func retryableStatus(status int) bool {
	return status == http.StatusTooManyRequests || (status >= 500 && status != http.StatusNotImplemented)
}

func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		b := v[i]
		if b < 0x20 && b != '\t' || b == 0x7f {
			return false
		}
	}
	return true
}

// parseRetryAfter reads delay-seconds or an HTTP date; 0 when absent or bad.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseFloat(v, 64); err == nil {
		if n <= 0 || math.IsNaN(n) || math.IsInf(n, 0) {
			return 0
		}
		if n > 1e6 {
			n = 1e6
		}
		return time.Duration(n * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// transportError is a failure before any HTTP status was received. Its text
// is scrubbed of the API key; it unwraps to the cause (context.Canceled, …).
type transportError struct {
	op        string
	msg       string
	err       error
	permanent bool
	sent      bool // some of the request was written: the server may have applied it
}

func (e *transportError) Error() string { return "workos: " + e.op + ": " + e.msg }
func (e *transportError) Unwrap() error { return e.err }

func (c *Client) wrapTransport(method, path string, err error) *transportError {
	msg := err.Error()
	var ue *url.Error
	if errors.As(err, &ue) {
		// Drop the URL: the op already names the path, and a URL may carry a query.
		msg = ue.Err.Error()
		err = ue.Err
	}
	return &transportError{op: method + " " + path, msg: c.scrub(msg), err: scrubbedCause(err)}
}

// scrubbedCause keeps errors.Is/As working for the causes callers branch on
// without exposing a message that could hold the key.
func scrubbedCause(err error) error {
	switch {
	case errors.Is(err, context.Canceled):
		return context.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		return context.DeadlineExceeded
	}
	var ne interface{ Timeout() bool }
	if errors.As(err, &ne) && ne.Timeout() {
		return context.DeadlineExceeded
	}
	return nil
}

func (c *Client) scrub(s string) string {
	if c.apiKey != "" && len(c.apiKey) >= 4 {
		s = strings.ReplaceAll(s, c.apiKey, "[REDACTED]")
	}
	return s
}

// String describes the client without its API key, so that printing or
// logging a Client (or its Options) cannot leak the key.
func (c *Client) String() string {
	return "workos.Client{BaseURL: " + c.BaseURL() + ", APIKey: " + maskKey(c.apiKey) + "}"
}

// GoString is String, for %#v.
func (c *Client) GoString() string { return c.String() }

// LogValue is String, for log/slog.
func (c *Client) LogValue() slog.Value { return slog.StringValue(c.String()) }

// String describes the options without the API key.
func (o Options) String() string {
	return "workos.Options{BaseURL: " + o.BaseURL + ", APIKey: " + maskKey(o.APIKey) + ", UserAgent: " + o.UserAgent +
		", MaxRetries: " + strconv.Itoa(o.MaxRetries) + "}"
}

// GoString is String, for %#v.
func (o Options) GoString() string { return o.String() }

// LogValue is String, for log/slog.
func (o Options) LogValue() slog.Value { return slog.StringValue(o.String()) }

// maskKey says whether a key is set and of which kind, never its value.
func maskKey(k string) string {
	switch {
	case k == "":
		return `""`
	case strings.HasPrefix(k, "sk_test_"):
		return "sk_test_[REDACTED]"
	case strings.HasPrefix(k, "sk_live_"):
		return "sk_live_[REDACTED]"
	default:
		return "[REDACTED]"
	}
}
