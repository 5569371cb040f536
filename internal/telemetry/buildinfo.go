package telemetry

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/workos-mcp/workos-mcp/internal/buildinfo"
)

// buildInfoGauge is workos_mcp_build_info{version,revision,goversion} 1: which build a replica
// runs, so that a dashboard shows a rollout's progress and a mixed fleet.
func buildInfoGauge() prometheus.Collector {
	in := buildinfo.Get()
	rev := in.Revision
	if rev == "" {
		rev = "unknown"
	}
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: Namespace, Name: "build_info",
		Help: "The running build: version, VCS revision and Go version; always 1.",
	}, []string{"version", "revision", "goversion"})
	g.WithLabelValues(in.Version, rev, in.GoVersion).Set(1)
	return g
}
