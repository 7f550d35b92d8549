package runner

import (
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the run's Prometheus metrics. The probe counters are read
// from the senders on scrape, so that the data path does no metric work.
type metrics struct {
	events *prometheus.CounterVec
	probes *prometheus.Desc
	reg    prometheus.Registerer
	run    *run
}

func newMetrics(reg prometheus.Registerer, r *run) (*metrics, error) {
	m := &metrics{
		events: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "argosim_events_total",
			Help: "Timeline events by action and status (applied, skipped, failed)."}, []string{"action", "status"}),
		probes: prometheus.NewDesc("argosim_flow_probes_sent_total",
			"Probes sent per flow and path (overlay or direct).", []string{"flow", "path"}, nil),
		reg: reg,
		run: r,
	}
	if reg == nil {
		return m, nil
	}
	if err := reg.Register(m.events); err != nil {
		return nil, err
	}
	if err := reg.Register(m); err != nil {
		reg.Unregister(m.events)
		return nil, err
	}
	return m, nil
}

// Describe implements prometheus.Collector.
func (m *metrics) Describe(ch chan<- *prometheus.Desc) { ch <- m.probes }

// Collect implements prometheus.Collector.
func (m *metrics) Collect(ch chan<- prometheus.Metric) {
	meas := m.run.measurement()
	if meas == nil {
		return
	}
	for _, f := range meas.flows {
		ch <- prometheus.MustNewConstMetric(m.probes, prometheus.CounterValue, float64(f.overlay.Sent()), f.spec.Name, "overlay")
		if f.direct != nil {
			ch <- prometheus.MustNewConstMetric(m.probes, prometheus.CounterValue, float64(f.direct.Sent()), f.spec.Name, "direct")
		}
	}
}

// unregister removes the metrics again.
func (m *metrics) unregister() {
	if m.reg != nil {
		m.reg.Unregister(m.events)
		m.reg.Unregister(m)
	}
}
