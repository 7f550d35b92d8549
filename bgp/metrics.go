package bgp

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the speaker's Prometheus metrics.
type metrics struct {
	sessionUp      *prometheus.GaugeVec
	sessionState   *prometheus.GaugeVec
	announced      prometheus.Gauge
	drain          prometheus.Gauge
	healthy        prometheus.Gauge
	learned        prometheus.Gauge
	routeChanges   *prometheus.CounterVec
	healthFlaps    prometheus.Counter
	shutdownForced prometheus.Counter
}

// sessionStateValues maps GoBGP's session states to the value of
// argo_bgp_session_state.
var sessionStateValues = map[string]float64{
	"idle": 1, "connect": 2, "active": 3, "opensent": 4, "openconfirm": 5, "established": 6,
}

// newMetrics creates the metrics and registers them with reg.
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		sessionUp: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "argo_bgp_session_up",
			Help: "1 if the BGP session to the neighbour is established, else 0.",
		}, []string{"neighbor"}),
		sessionState: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "argo_bgp_session_state",
			Help: "BGP FSM state of the session: 1 idle, 2 connect, 3 active, 4 opensent, 5 openconfirm, 6 established.",
		}, []string{"neighbor"}),
		announced: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "argo_bgp_prefixes_announced",
			Help: "Anycast prefixes currently announced (normally or prepended).",
		}),
		drain: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "argo_bgp_drain_state",
			Help: "Drain state: 0 not drained, 1 draining (prepended), 2 drained (withdrawn).",
		}),
		healthy: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "argo_bgp_healthy",
			Help: "1 if argod last reported the PoP healthy, else 0.",
		}),
		learned: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "argo_bgp_learned_prefixes",
			Help: "Origin prefixes learned from LearnOrigins neighbours.",
		}),
		routeChanges: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "argo_bgp_route_changes_total",
			Help: "Changes of anycast routes handed to the BGP speaker, by new state (announced, prepended, withdrawn).",
		}, []string{"state"}),
		healthFlaps: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "argo_bgp_health_transitions_total",
			Help: "Health reports that changed the health state.",
		}),
		shutdownForced: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "argo_bgp_shutdown_unconfirmed_total",
			Help: "Graceful shutdowns that timed out before every neighbour acknowledged the withdrawal.",
		}),
	}
	for _, c := range []prometheus.Collector{m.sessionUp, m.sessionState, m.announced, m.drain,
		m.healthy, m.learned, m.routeChanges, m.healthFlaps, m.shutdownForced} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("bgp: registering metrics: %w", err)
		}
	}
	return m, nil
}

// setSession records the session state of one neighbour.
func (m *metrics) setSession(neighbor, state string) {
	up := 0.0
	if state == "established" {
		up = 1
	}
	m.sessionUp.WithLabelValues(neighbor).Set(up)
	m.sessionState.WithLabelValues(neighbor).Set(sessionStateValues[state])
}

// setDrain records the drain mode.
func (m *metrics) setDrain(mode DrainMode) {
	switch mode {
	case DrainDraining:
		m.drain.Set(1)
	case DrainDrained:
		m.drain.Set(2)
	default:
		m.drain.Set(0)
	}
}
