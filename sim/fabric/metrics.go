package fabric

import "github.com/prometheus/client_golang/prometheus"

// collector exports Stats as Prometheus metrics at scrape time, so the data
// path pays nothing for them.
type collector struct {
	f        *Fabric
	packets  *prometheus.Desc
	bytes    *prometheus.Desc
	drops    *prometheus.Desc
	inFlight *prometheus.Desc
	late     *prometheus.Desc
	maxLate  *prometheus.Desc
}

func newCollector(f *Fabric) *collector {
	constLabels := prometheus.Labels{"fabric": f.name}
	return &collector{
		f: f,
		packets: prometheus.NewDesc("argosim_fabric_link_packets_total",
			"Frames that entered an emulated directed link, by result (forwarded, lost, cut, queue, overflow).",
			[]string{"from", "to", "result"}, constLabels),
		bytes: prometheus.NewDesc("argosim_fabric_link_bytes_total",
			"Bytes of frames delivered over an emulated directed link.",
			[]string{"from", "to"}, constLabels),
		drops: prometheus.NewDesc("argosim_fabric_dropped_total",
			"Frames the fabric dropped outside any link, by reason.",
			[]string{"reason"}, constLabels),
		inFlight: prometheus.NewDesc("argosim_fabric_in_flight",
			"Frames held by the fabric right now.", nil, constLabels),
		late: prometheus.NewDesc("argosim_fabric_late_total",
			"Frames sent more than 250 µs after their due time (emulation accuracy).", nil, constLabels),
		maxLate: prometheus.NewDesc("argosim_fabric_max_lateness_seconds",
			"Largest delay past its due time of any frame sent so far.", nil, constLabels),
	}
}

// Describe implements prometheus.Collector.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.packets
	ch <- c.bytes
	ch <- c.drops
	ch <- c.inFlight
	ch <- c.late
	ch <- c.maxLate
}

// Collect implements prometheus.Collector.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	s, err := c.f.Stats()
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.inFlight, err)
		return
	}
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	for _, l := range s.Links {
		counter(c.packets, l.Forwarded, l.From, l.To, "forwarded")
		counter(c.packets, l.Lost, l.From, l.To, "lost")
		counter(c.packets, l.Cut, l.From, l.To, "cut")
		counter(c.packets, l.QueueDrops, l.From, l.To, "queue")
		counter(c.packets, l.Overflow, l.From, l.To, "overflow")
		counter(c.bytes, l.Bytes, l.From, l.To)
	}
	counter(c.drops, s.NonIPv4, "non_ipv4")
	counter(c.drops, s.Malformed, "malformed")
	counter(c.drops, s.NoRoute, "no_route")
	counter(c.drops, s.UnknownPort, "unknown_port")
	counter(c.drops, s.Oversize, "oversize")
	counter(c.drops, s.TxErrors, "tx_error")
	counter(c.drops, s.RingDrops, "ring_full")
	ch <- prometheus.MustNewConstMetric(c.inFlight, prometheus.GaugeValue, float64(s.InFlight))
	counter(c.late, s.Late)
	ch <- prometheus.MustNewConstMetric(c.maxLate, prometheus.GaugeValue, s.MaxLateness.Seconds())
}
