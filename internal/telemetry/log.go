package telemetry

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strings"
)

// LogFormat is the encoding of log lines.
type LogFormat string

// The log formats NewLogger accepts.
const (
	LogJSON LogFormat = "json" // the default: one JSON object per line
	LogText LogFormat = "text" // slog's key=value text, for people reading a terminal
)

// ParseLogFormat accepts "json", "text" or "" (json).
func ParseLogFormat(s string) (LogFormat, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "json":
		return LogJSON, nil
	case "text":
		return LogText, nil
	}
	return "", fmt.Errorf("unknown log format %q (want json or text)", s)
}

// ParseLogLevel accepts debug, info, warn, error or "" (info).
func ParseLogLevel(s string) (slog.Level, error) {
	var l slog.Level
	if strings.TrimSpace(s) == "" {
		return slog.LevelInfo, nil
	}
	if err := l.UnmarshalText([]byte(strings.TrimSpace(s))); err != nil {
		return 0, fmt.Errorf("unknown log level %q (want debug, info, warn or error)", s)
	}
	return l, nil
}

// NewLogger returns a logger writing to w in the given format at the given level. Every line
// logged with a context carries that context's request ID, and attributes whose key names a
// secret (token, authorization, password, secret, api_key, ...) or whose string value looks like
// a WorkOS key or a bearer token are replaced by "[REDACTED]": logging a secret by mistake must
// not leak it.
func NewLogger(w io.Writer, format LogFormat, level slog.Leveler) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: redactAttr}
	var h slog.Handler
	if format == LogText {
		h = slog.NewTextHandler(w, opts)
	} else {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(&contextHandler{h})
}

// Discard is a logger that writes nothing, for tests and library defaults.
func Discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// contextHandler adds the request ID found in the context to every record.
type contextHandler struct{ slog.Handler }

// Handle adds the request ID, then hands the record on.
func (h *contextHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestIDFromContext(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs keeps the wrapper around the derived handler.
func (h *contextHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &contextHandler{h.Handler.WithAttrs(as)}
}

// WithGroup keeps the wrapper around the derived handler.
func (h *contextHandler) WithGroup(name string) slog.Handler {
	return &contextHandler{h.Handler.WithGroup(name)}
}

const redacted = "[REDACTED]"

// secretKey matches attribute keys that name a secret. "token" alone is a secret, but counts and
// kinds of tokens are not (token_count, token_type).
var secretKey = regexp.MustCompile(`(?i)(^|[_.-])(authorization|cookie|password|passwd|secret|client_secret|api_?key|access_token|refresh_token|id_token|token|code_verifier|private_key)$`)

// secretValue matches values that are secrets whatever their key: WorkOS API keys and bearer
// tokens or JWTs.
var secretValue = regexp.MustCompile(`sk_(live|test)_[A-Za-z0-9_]+|(?i)bearer\s+[A-Za-z0-9._~+/=-]+|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*`)

func redactAttr(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindGroup {
		return a
	}
	if secretKey.MatchString(a.Key) {
		return slog.String(a.Key, redacted)
	}
	switch a.Value.Kind() {
	case slog.KindString:
		if s := a.Value.String(); secretValue.MatchString(s) {
			return slog.String(a.Key, secretValue.ReplaceAllString(s, redacted))
		}
	case slog.KindAny:
		if err, ok := a.Value.Any().(error); ok {
			if s := err.Error(); secretValue.MatchString(s) {
				return slog.String(a.Key, secretValue.ReplaceAllString(s, redacted))
			}
		}
	}
	return a
}
