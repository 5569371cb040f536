// Package telemetry turns the hook functions of the other packages into Prometheus metrics, and
// holds the operational plumbing every server of this module shares: structured logging with
// request IDs, HTTP hardening (timeouts, body limits, Origin and Host checks), health and
// readiness endpoints, and graceful shutdown.
//
// It is the only package of the module that imports Prometheus: the others expose plain hook
// functions (authkit.Hooks, workos.Options.OnResponse, workspace.Hooks) whose signatures match
// the methods of Metrics, so wiring is a struct literal (Metrics.WorkspaceHooks for the
// workspace, which also derives the confirmation events).
package telemetry

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/workos-mcp/workos-mcp/workspace"
	"github.com/workos-mcp/workos-mcp/workspace/catalog"
)

// Namespace prefixes every metric name.
const Namespace = "workos_mcp"

// Metrics is the set of Prometheus collectors the product exports, on its own registry (so that
// tests and several stacks in one process never collide on the global one).
type Metrics struct {
	registry      *prometheus.Registry
	requests      *prometheus.CounterVec
	latency       *prometheus.HistogramVec
	authFailures  *prometheus.CounterVec
	toolCalls     *prometheus.CounterVec
	tools         *prometheus.HistogramVec
	confirmations *prometheus.CounterVec
	workosCalls   *prometheus.CounterVec
	workosLatency *prometheus.HistogramVec
	jwksFetches   *prometheus.CounterVec
	auditRecords  *prometheus.CounterVec
}

// NewMetrics registers every collector, plus the Go runtime and process collectors, on a fresh
// registry.
func NewMetrics() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "http_requests_total",
			Help: "HTTP requests served, by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "http_request_duration_seconds",
			Help:    "HTTP request latency, by route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route"}),
		authFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "auth_failures_total",
			Help: "Requests refused by the resource server, by reason.",
		}, []string{"reason"}),
		toolCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "tool_calls_total",
			Help: "Workspace tool calls, by WorkOS operation, operation class and outcome.",
		}, []string{"operation", "class", "outcome"}),
		tools: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "tool_duration_seconds",
			Help:    "MCP tool call latency, by tool and outcome.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"tool", "outcome"}),
		confirmations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "confirmations_total",
			Help: "Confirmation tokens for irreversible operations, by event (issued, used, refused).",
		}, []string{"event"}),
		workosCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "workos_api_calls_total",
			Help: "Calls to the WorkOS API, by method and HTTP status (0 = transport error).",
		}, []string{"method", "status"}),
		workosLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "workos_api_call_duration_seconds",
			Help:    "Latency of calls to the WorkOS API, by method.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method"}),
		jwksFetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "jwks_fetches_total",
			Help: "Fetches of the authorization server's JWKS, by outcome.",
		}, []string{"outcome"}),
		auditRecords: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "audit_records_total",
			Help: "Team audit events, by what became of them (sent, queued, delivered, dropped, lost, discarded).",
		}, []string{"result"}),
	}
	m.registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.latency, m.authFailures, m.toolCalls, m.tools, m.confirmations,
		m.workosCalls, m.workosLatency, m.jwksFetches, m.auditRecords, buildInfoGauge(),
	)
	return m
}

// Registry is the registry the collectors live on, for callers that add their own.
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }

// Handler serves the metrics in the Prometheus text format (GET /metrics).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}

// AuthFailure counts a refused request; it matches authkit.Hooks.AuthFailure.
func (m *Metrics) AuthFailure(reason string) {
	m.authFailures.WithLabelValues(label(reason)).Inc()
}

// JWKSFetch counts a JWKS fetch; it matches authkit.Hooks.JWKSFetch.
func (m *Metrics) JWKSFetch(outcome string) {
	m.jwksFetches.WithLabelValues(label(outcome)).Inc()
}

// WorkOSResponse counts a WorkOS API call; it matches workos.Options.OnResponse. The concrete
// path is deliberately not a label: it carries IDs, which would make the series unbounded.
func (m *Metrics) WorkOSResponse(method, _ string, status int, d time.Duration) {
	m.workosCalls.WithLabelValues(method, strconv.Itoa(status)).Inc()
	m.workosLatency.WithLabelValues(method).Observe(d.Seconds())
}

// ToolCall counts one WorkOS operation a workspace tool call considered (tool_calls_total):
// operation is the catalog name, class is read, write or destructive ("unknown" when empty),
// outcome the pipeline's verdict (workspace.Outcomes). WorkspaceHooks feeds it from
// workspace.Hooks.ToolCall.
func (m *Metrics) ToolCall(operation string, class catalog.Class, outcome workspace.Outcome) {
	m.toolCalls.WithLabelValues(label(operation), label(string(class)), label(string(outcome))).Inc()
}

// ToolDuration times one MCP tool call (tool_duration_seconds); it matches
// workspace.Hooks.ToolDuration.
func (m *Metrics) ToolDuration(tool string, outcome workspace.Outcome, d time.Duration) {
	m.tools.WithLabelValues(label(tool), label(string(outcome))).Observe(d.Seconds())
}

// Confirmation events, the event label of confirmations_total.
const (
	ConfirmationIssued  = "issued"  // a destructive operation asked for confirmation
	ConfirmationUsed    = "used"    // a confirmed destructive operation ran
	ConfirmationRefused = "refused" // a confirmation could not be used
)

// Confirmation counts a confirmation event (ConfirmationIssued, ConfirmationUsed,
// ConfirmationRefused).
func (m *Metrics) Confirmation(event string) {
	m.confirmations.WithLabelValues(label(event)).Inc()
}

// AuditRecord counts a team audit event by what became of it (audit_records_total); it
// matches workspace.Hooks.Record.
func (m *Metrics) AuditRecord(result workspace.RecordResult) {
	m.auditRecords.WithLabelValues(label(string(result))).Inc()
}

// observe records one served request.
func (m *Metrics) observe(route, method string, code int, d time.Duration) {
	m.requests.WithLabelValues(route, method, strconv.Itoa(code)).Inc()
	m.latency.WithLabelValues(route).Observe(d.Seconds())
}

// label bounds a label value supplied by another package, so that a bug there cannot blow up
// the number of series or smuggle an unexpected value into a scrape.
func label(s string) string {
	if s == "" {
		return "unknown"
	}
	if len(s) > 64 {
		s = s[:64]
	}
	return s
}
