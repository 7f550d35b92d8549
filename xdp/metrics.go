package xdp

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// collector exports the program's counters at scrape time.
type collector struct {
	t       *tables
	mode    func() string
	packets *prometheus.Desc
	bytes   *prometheus.Desc
	modes   *prometheus.Desc
	rlDrops *prometheus.Desc
}

func newCollector(t *tables, mode func() string) *collector {
	return &collector{
		t:    t,
		mode: mode,
		packets: prometheus.NewDesc("argo_xdp_packets_total",
			"Frames seen by the XDP program, by action taken and reason.", []string{"action", "reason"}, nil),
		bytes: prometheus.NewDesc("argo_xdp_bytes_total",
			"Bytes of the frames seen by the XDP program, by action taken and reason.", []string{"action", "reason"}, nil),
		modes: prometheus.NewDesc("argo_xdp_mode",
			"1 for the mode the XDP program is attached in (native or generic).", []string{"mode"}, nil),
		rlDrops: prometheus.NewDesc("argo_xdp_ratelimit_drops_total",
			"Packets dropped by the rate limit of a UDP destination port.", []string{"port"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.packets
	ch <- c.bytes
	ch <- c.modes
	ch <- c.rlDrops
}

// Collect implements prometheus.Collector.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	if cs, err := c.t.Counters(); err != nil {
		ch <- prometheus.NewInvalidMetric(c.packets, err)
	} else {
		for i, s := range cs {
			n := Counter(i)
			ch <- prometheus.MustNewConstMetric(c.packets, prometheus.CounterValue, float64(s.Packets), n.Action(), n.Reason())
			ch <- prometheus.MustNewConstMetric(c.bytes, prometheus.CounterValue, float64(s.Bytes), n.Action(), n.Reason())
		}
	}
	cur := c.mode()
	for _, m := range []Mode{ModeNative, ModeGeneric} {
		v := 0.0
		if string(m) == cur {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(c.modes, prometheus.GaugeValue, v, string(m))
	}
	if rls, err := c.t.RateLimits(); err != nil {
		ch <- prometheus.NewInvalidMetric(c.rlDrops, err)
	} else {
		for _, r := range rls {
			ch <- prometheus.MustNewConstMetric(c.rlDrops, prometheus.CounterValue, float64(r.Drops), strconv.Itoa(int(r.Port)))
		}
	}
}
