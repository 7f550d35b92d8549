package prober

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// Probe kinds, the "kind" label of the per-kind counters.
const (
	kindICMP = "icmp"
	kindEcho = "echo"
)

// metrics are the Prober's Prometheus collectors. Every series carries the
// constant label pop (this PoP) so that several Probers can share one
// registry, and the label peer (the peer's name).
type metrics struct {
	reg        prometheus.Registerer
	collectors []prometheus.Collector

	rtt    *prometheus.HistogramVec
	srtt   *prometheus.GaugeVec
	jitter *prometheus.GaugeVec
	loss   *prometheus.GaugeVec
	up     *prometheus.GaugeVec
	sent   *prometheus.CounterVec
	lost   *prometheus.CounterVec
}

func newMetrics(self string, reg prometheus.Registerer) (*metrics, error) {
	cl := prometheus.Labels{"pop": self}
	peer := []string{"peer"}
	peerKind := []string{"peer", "kind"}
	m := &metrics{
		reg: reg,
		rtt: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "argo_probe_rtt_seconds", Help: "ICMP round-trip time to the peer.",
			ConstLabels: cl, Buckets: prometheus.ExponentialBucketsRange(0.0001, 1, 15),
		}, peer),
		srtt: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "argo_probe_srtt_seconds", Help: "Smoothed ICMP round-trip time to the peer.", ConstLabels: cl,
		}, peer),
		jitter: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "argo_probe_jitter_seconds", Help: "RFC 3550 jitter of the ICMP round-trip time.", ConstLabels: cl,
		}, peer),
		loss: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "argo_probe_loss_ratio", Help: "ICMP loss ratio over the loss window (0..1).", ConstLabels: cl,
		}, peer),
		up: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "argo_probe_peer_up", Help: "1 when the peer is up, 0 when down.", ConstLabels: cl,
		}, peer),
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "argo_probe_sent_total", Help: "Probes sent, by kind (icmp, echo).", ConstLabels: cl,
		}, peerKind),
		lost: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "argo_probe_lost_total", Help: "Probes lost, by kind (icmp, echo).", ConstLabels: cl,
		}, peerKind),
	}
	for _, c := range []prometheus.Collector{m.rtt, m.srtt, m.jitter, m.loss, m.up, m.sent, m.lost} {
		if err := reg.Register(c); err != nil {
			m.unregister()
			return nil, errors.Join(errors.New("prober: registering metrics"), err)
		}
		m.collectors = append(m.collectors, c)
	}
	return m, nil
}

// unregister removes every collector this instance registered.
func (m *metrics) unregister() {
	for _, c := range m.collectors {
		m.reg.Unregister(c)
	}
	m.collectors = nil
}

// peerMetrics are one peer's series, resolved once.
type peerMetrics struct {
	rtt                        prometheus.Observer
	srtt, jitter, loss         prometheus.Gauge
	up                         prometheus.Gauge
	sent, lost                 [2]prometheus.Counter // indexed by kind: 0 icmp, 1 echo
	exportedSent, exportedLost [2]uint64             // tracker counts already added
}

func (m *metrics) forPeer(name string) peerMetrics {
	pm := peerMetrics{
		rtt:    m.rtt.WithLabelValues(name),
		srtt:   m.srtt.WithLabelValues(name),
		jitter: m.jitter.WithLabelValues(name),
		loss:   m.loss.WithLabelValues(name),
		up:     m.up.WithLabelValues(name),
	}
	for i, kind := range []string{kindICMP, kindEcho} {
		pm.sent[i] = m.sent.WithLabelValues(name, kind)
		pm.lost[i] = m.lost.WithLabelValues(name, kind)
	}
	pm.up.Set(0)
	return pm
}

// deletePeer removes a peer's series.
func (m *metrics) deletePeer(name string) {
	for _, v := range []interface{ DeleteLabelValues(...string) bool }{m.rtt, m.srtt, m.jitter, m.loss, m.up} {
		v.DeleteLabelValues(name)
	}
	for _, kind := range []string{kindICMP, kindEcho} {
		m.sent.DeleteLabelValues(name, kind)
		m.lost.DeleteLabelValues(name, kind)
	}
}

// export adds the tracker counters not yet exported for kind k.
func (pm *peerMetrics) export(k int, c *counters) {
	if d := c.sent - pm.exportedSent[k]; d > 0 {
		pm.sent[k].Add(float64(d))
	}
	if d := c.lost - pm.exportedLost[k]; d > 0 {
		pm.lost[k].Add(float64(d))
	}
	pm.exportedSent[k], pm.exportedLost[k] = c.sent, c.lost
}
