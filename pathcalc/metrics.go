package pathcalc

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Change reasons, the values of the "reason" label of
// argo_pathcalc_route_changes_total.
const (
	ReasonInitial     = "initial"     // first route to a destination (or reachable again)
	ReasonBetter      = "better"      // hysteresis let a better path in
	ReasonDown        = "down"        // the primary died; switched at once
	ReasonPinned      = "pinned"      // an operator pin took effect
	ReasonUnreachable = "unreachable" // no live path is left
)

// metrics are the engine's Prometheus collectors.
type metrics struct {
	changes     *prometheus.CounterVec
	seconds     prometheus.Histogram
	routes      prometheus.Gauge
	unreachable prometheus.Gauge
	relayed     prometheus.Gauge
	generation  prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		changes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "argo_pathcalc_route_changes_total",
			Help: "Primary path changes, by reason.",
		}, []string{"reason"}),
		seconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "argo_pathcalc_update_seconds",
			Help:    "Time to recompute and publish the route table.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}),
		routes: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "argo_pathcalc_routes",
			Help: "Destinations with a route in the current table.",
		}),
		unreachable: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "argo_pathcalc_unreachable",
			Help: "Known destinations without any live path.",
		}),
		relayed: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "argo_pathcalc_relayed_routes",
			Help: "Routes whose primary goes through at least one relay.",
		}),
		generation: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "argo_pathcalc_table_generation",
			Help: "Generation of the current route table.",
		}),
	}
	for _, r := range []string{ReasonInitial, ReasonBetter, ReasonDown, ReasonPinned, ReasonUnreachable} {
		m.changes.WithLabelValues(r)
	}
	if reg == nil {
		return m, nil
	}
	all := []prometheus.Collector{m.changes, m.seconds, m.routes, m.unreachable, m.relayed, m.generation}
	for i, c := range all {
		if err := reg.Register(c); err != nil {
			for _, done := range all[:i] { // leave the registry as it was
				reg.Unregister(done)
			}
			return nil, err
		}
	}
	return m, nil
}
