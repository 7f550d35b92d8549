package xdp

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// metricValue returns the value of the sample of name whose labels include
// want, and whether it exists.
func metricValue(t *testing.T, reg *prometheus.Registry, name string, want map[string]string) (float64, bool) {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			for k, v := range want {
				if labels[k] != v {
					continue next
				}
			}
			return sampleValue(m), true
		}
	}
	return 0, false
}

func sampleValue(m *dto.Metric) float64 {
	if m.Counter != nil {
		return m.Counter.GetValue()
	}
	return m.Gauge.GetValue()
}

func TestMetrics(t *testing.T) {
	e := newPinEnv(t)
	reg := prometheus.NewRegistry()
	cfg := e.cfg
	cfg.KeepOnExit = false
	var x *XDP
	e.ns.must(t, func() error {
		var err error
		x, err = Load(cfg, e.log, reg)
		return err
	})
	defer x.Close()
	if err := x.AddBlock(netip.MustParsePrefix("198.51.100.0/24")); err != nil {
		t.Fatal(err)
	}
	if err := x.SetRateLimit(5353, 10, 1); err != nil {
		t.Fatal(err)
	}
	hitBlocklist(t, x, 4)
	pop := cfg.PopName
	checks := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"argo_xdp_packets_total", map[string]string{"pop": pop, "action": "drop", "reason": "blocklist"}, 4},
		{"argo_xdp_packets_total", map[string]string{"pop": pop, "action": "tx", "reason": "relay"}, 0},
		{"argo_xdp_bytes_total", map[string]string{"pop": pop, "action": "drop", "reason": "blocklist"}, 4 * 47},
		{"argo_xdp_mode", map[string]string{"pop": pop, "mode": "native"}, 1},
		{"argo_xdp_mode", map[string]string{"pop": pop, "mode": "generic"}, 0},
		{"argo_xdp_ratelimit_drops_total", map[string]string{"pop": pop, "port": "5353"}, 0},
	}
	for _, c := range checks {
		if v, ok := metricValue(t, reg, c.name, c.labels); !ok || v != c.want {
			t.Errorf("%s%v = %v (present %v), want %v", c.name, c.labels, v, ok, c.want)
		}
	}
	n := 0
	mfs, _ := reg.Gather()
	for _, mf := range mfs {
		if mf.GetName() == "argo_xdp_packets_total" {
			n = len(mf.GetMetric())
		}
	}
	if n != int(NumCounters) {
		t.Errorf("%d packet counters exported, want %d", n, NumCounters)
	}

	// A second Load for the same PoP and registry fails before touching
	// the attachment, and registers nothing.
	id, _ := e.attached(t)
	var err error
	e.ns.must(t, func() error {
		_, err = Load(cfg, e.log, reg)
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "register metrics") {
		t.Fatalf("second Load with the same registry: %v", err)
	}
	if id2, _ := e.attached(t); id2 != id {
		t.Fatalf("failed Load changed the attached program %d -> %d", id, id2)
	}

	// Close unregisters.
	x.Close()
	if _, ok := metricValue(t, reg, "argo_xdp_mode", nil); ok {
		t.Fatal("metrics still registered after Close")
	}
}
