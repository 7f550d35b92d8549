package linkstate

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Rejection reasons (label "reason" of argo_linkstate_tables_rejected_total).
const (
	reasonMalformed      = "malformed"       // envelope or table failed to decode
	reasonSelfOrigin     = "self_origin"     // claims to come from this PoP
	reasonOriginMismatch = "origin_mismatch" // origin id differs from the named member's meta
	reasonOriginConflict = "origin_conflict" // another live member claims the same PoP id
	reasonLocalInvalid   = "local_invalid"   // Publish was given an invalid table
)

// Paths a table arrives by (label "via").
const (
	viaGossip   = "gossip"
	viaDirect   = "direct"
	viaPushPull = "pushpull"
)

// metrics are the Prometheus metrics of one Gossip instance.
type metrics struct {
	received   *prometheus.CounterVec // via
	applied    *prometheus.CounterVec // via
	rejected   *prometheus.CounterVec // reason
	broadcasts *prometheus.CounterVec // kind: gossip, direct
	sendErrors prometheus.Counter
	bytesSent  *prometheus.CounterVec // via
	bytesRecv  *prometheus.CounterVec // via
	removed    *prometheus.CounterVec // cause: dead, left, expired

	reg        prometheus.Registerer
	collectors []prometheus.Collector
}

func newMetrics(reg prometheus.Registerer, alive, tables func() float64) (*metrics, error) {
	const ns, sub = "argo", "linkstate"
	m := &metrics{
		received: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "tables_received_total", Help: "Tables received from other PoPs, by path."}, []string{"via"}),
		applied: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "tables_applied_total", Help: "Received tables that were newer than the stored one and replaced it."}, []string{"via"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "tables_rejected_total", Help: "Tables rejected, by reason."}, []string{"reason"}),
		broadcasts: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "broadcasts_total", Help: "Own-table publications sent, by kind (gossip queue or direct fan-out)."}, []string{"kind"}),
		sendErrors: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "direct_send_errors_total", Help: "Failed direct (TCP) sends of the own table to a member."}),
		bytesSent: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "bytes_sent_total", Help: "Linkstate payload bytes handed to memberlist, by path."}, []string{"via"}),
		bytesRecv: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "bytes_received_total", Help: "Linkstate payload bytes received from memberlist, by path."}, []string{"via"}),
		removed: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "tables_removed_total", Help: "Tables dropped from the store, by cause."}, []string{"cause"}),
	}
	cs := []prometheus.Collector{m.received, m.applied, m.rejected, m.broadcasts, m.sendErrors,
		m.bytesSent, m.bytesRecv, m.removed,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub,
			Name: "members_alive", Help: "Alive memberlist members, this PoP included."}, alive),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub,
			Name: "tables", Help: "Tables in the store, this PoP's own included."}, tables),
	}
	m.reg = reg
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			m.unregister()
			return nil, err
		}
		m.collectors = append(m.collectors, c)
	}
	return m, nil
}

// unregister removes the metrics from the registry again (New failed).
func (m *metrics) unregister() {
	for _, c := range m.collectors {
		m.reg.Unregister(c)
	}
}
