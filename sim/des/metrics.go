package des

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// simMetrics are the simulator's own Prometheus metrics (progress and
// work done), registered with Config.Registerer when it is set.
type simMetrics struct {
	virtual    prometheus.Gauge
	probes     prometheus.Counter
	broadcasts *prometheus.CounterVec
	recomputes *prometheus.CounterVec
}

func newSimMetrics(reg prometheus.Registerer) (*simMetrics, error) {
	m := &simMetrics{
		virtual: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "argo_des_virtual_seconds", Help: "Virtual time simulated so far."}),
		probes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "argo_des_probes_total", Help: "Probes fed through the prober trackers."}),
		broadcasts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "argo_des_broadcasts_total", Help: "Link tables broadcast, by reason (significant, refresh)."},
			[]string{"reason"}),
		recomputes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "argo_des_recomputes_total", Help: "Route recomputations, by trigger."},
			[]string{"trigger"}),
	}
	if reg == nil {
		return m, nil
	}
	all := []prometheus.Collector{m.virtual, m.probes, m.broadcasts, m.recomputes}
	for i, c := range all {
		if err := reg.Register(c); err != nil {
			for _, done := range all[:i] {
				reg.Unregister(done)
			}
			return nil, errors.Join(errors.New("des: registering metrics"), err)
		}
	}
	return m, nil
}
