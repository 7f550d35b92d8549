package tunnel

import (
	"strconv"
	"sync/atomic"

	"github.com/argonet/argo/overlay"
	"github.com/prometheus/client_golang/prometheus"
)

// counter indexes the Bind's packet counters.
type counter int

const (
	cReceived       counter = iota // datagrams read from the overlay socket
	cDelivered                     // data datagrams handed to WireGuard
	cRelayed                       // datagrams forwarded to the next hop
	cProbesAnswered                // probes for this PoP answered with a reply
	cProbeReplies                  // probe replies for this PoP handed to the prober
	cSent                          // datagrams WireGuard sent (first hop)
	cSendErrors                    // datagrams the kernel refused to send
	cNoRoute                       // WireGuard datagrams for a PoP without a path
	// drop reasons
	cDropShort
	cDropBadVersion
	cDropBadType
	cDropBadCount
	cDropBadIndex
	cDropWrongHop
	cDropLoop
	cDropUnknownSource // not from the underlay address of a known PoP
	cDropUnknownPoP    // source PoP or next hop not a configured peer
	cDropProbeShort    // probe or reply without a full probe body
	numCounters
)

type counterDesc struct {
	name, help, reason string
}

var counterDescs = [numCounters]counterDesc{
	cReceived:          {"received_total", "Datagrams read from the overlay socket.", ""},
	cDelivered:         {"delivered_total", "Data datagrams for this PoP handed to WireGuard.", ""},
	cRelayed:           {"relayed_total", "Datagrams relayed to the next hop by the userspace relay.", ""},
	cProbesAnswered:    {"probes_answered_total", "Path probes for this PoP answered.", ""},
	cProbeReplies:      {"probe_replies_total", "Path probe replies received for this PoP.", ""},
	cSent:              {"sent_total", "Datagrams sent towards a first hop.", ""},
	cSendErrors:        {"send_errors_total", "Datagrams the kernel refused to send.", ""},
	cNoRoute:           {"no_route_total", "Datagrams for a PoP without a usable path.", ""},
	cDropShort:         {"", "", "short"},
	cDropBadVersion:    {"", "", "bad_version"},
	cDropBadType:       {"", "", "bad_type"},
	cDropBadCount:      {"", "", "bad_count"},
	cDropBadIndex:      {"", "", "bad_index"},
	cDropWrongHop:      {"", "", "wrong_hop"},
	cDropLoop:          {"", "", "loop"},
	cDropUnknownSource: {"", "", "unknown_source"},
	cDropUnknownPoP:    {"", "", "unknown_pop"},
	cDropProbeShort:    {"", "", "probe_short"},
}

// counters are the Bind's packet counters. The data path adds per batch.
type counters struct {
	v [numCounters]atomic.Uint64
}

// batchCounts accumulates counts for one batch, to be added at once.
type batchCounts [numCounters]uint64

func (c *counters) add(b *batchCounts) {
	for i, n := range b {
		if n != 0 {
			c.v[i].Add(n)
			b[i] = 0
		}
	}
}

// Stats is a snapshot of the backbone data-path counters.
type Stats struct {
	Received       uint64 // datagrams read from the overlay socket
	Delivered      uint64 // data datagrams handed to WireGuard
	Relayed        uint64 // datagrams forwarded to their next hop
	ProbesAnswered uint64 // path probes for this PoP answered
	ProbeReplies   uint64 // path probe replies received
	Sent           uint64 // datagrams sent to a first hop
	SendErrors     uint64 // datagrams the kernel refused
	NoRoute        uint64 // datagrams for a PoP without a path
	// Drops counts dropped datagrams by reason: short, bad_version,
	// bad_type, bad_count, bad_index, wrong_hop, loop, unknown_source,
	// unknown_pop, probe_short.
	Drops map[string]uint64
}

// BadHeader sums the drops for malformed headers.
func (s Stats) BadHeader() uint64 {
	return s.Drops["short"] + s.Drops["bad_version"] + s.Drops["bad_type"] + s.Drops["bad_count"] + s.Drops["bad_index"]
}

// TotalDrops sums all drop reasons.
func (s Stats) TotalDrops() uint64 {
	var t uint64
	for _, n := range s.Drops {
		t += n
	}
	return t
}

func (c *counters) snapshot() Stats {
	s := Stats{
		Received:       c.v[cReceived].Load(),
		Delivered:      c.v[cDelivered].Load(),
		Relayed:        c.v[cRelayed].Load(),
		ProbesAnswered: c.v[cProbesAnswered].Load(),
		ProbeReplies:   c.v[cProbeReplies].Load(),
		Sent:           c.v[cSent].Load(),
		SendErrors:     c.v[cSendErrors].Load(),
		NoRoute:        c.v[cNoRoute].Load(),
		Drops:          map[string]uint64{},
	}
	for i := cDropShort; i < numCounters; i++ {
		s.Drops[counterDescs[i].reason] = c.v[i].Load()
	}
	return s
}

// collector exports counters to Prometheus as argo_tunnel_* metrics; drops
// are argo_tunnel_dropped_total{reason}.
type collector struct {
	c     *counters
	descs [numCounters]*prometheus.Desc
}

func newCollector(c *counters) *collector {
	col := &collector{c: c}
	drop := prometheus.NewDesc("argo_tunnel_dropped_total", "Overlay datagrams dropped, by reason.", []string{"reason"}, nil)
	for i, d := range counterDescs {
		if d.reason != "" {
			col.descs[i] = drop
			continue
		}
		col.descs[i] = prometheus.NewDesc("argo_tunnel_"+d.name, d.help, nil, nil)
	}
	return col
}

// Describe implements prometheus.Collector.
func (col *collector) Describe(ch chan<- *prometheus.Desc) {
	seen := map[*prometheus.Desc]bool{}
	for _, d := range col.descs {
		if !seen[d] {
			seen[d] = true
			ch <- d
		}
	}
}

// Collect implements prometheus.Collector.
func (col *collector) Collect(ch chan<- prometheus.Metric) {
	for i, d := range col.descs {
		v := float64(col.c.v[i].Load())
		if r := counterDescs[i].reason; r != "" {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, r)
		} else {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v)
		}
	}
}

// dropCounter maps an overlay drop reason to its counter.
var dropCounter = [overlay.NumDropReasons]counter{
	overlay.Short:      cDropShort,
	overlay.BadVersion: cDropBadVersion,
	overlay.BadType:    cDropBadType,
	overlay.BadCount:   cDropBadCount,
	overlay.BadIndex:   cDropBadIndex,
	overlay.WrongHop:   cDropWrongHop,
	overlay.Loop:       cDropLoop,
	overlay.ProbeShort: cDropProbeShort,
}

// pathCollector exports the path probe measurements at scrape time:
// argo_tunnel_path_rtt_seconds, argo_tunnel_path_loss_ratio and
// argo_tunnel_path_up, labelled by destination and path ("1-2-3").
type pathCollector struct {
	b             *Backbone
	rtt, loss, up *prometheus.Desc
}

func newPathCollector(b *Backbone) *pathCollector {
	l := []string{"dst", "path"}
	return &pathCollector{
		b:    b,
		rtt:  prometheus.NewDesc("argo_tunnel_path_rtt_seconds", "Smoothed RTT of in-band path probes.", l, nil),
		loss: prometheus.NewDesc("argo_tunnel_path_loss_ratio", "Fraction of recent path probes lost.", l, nil),
		up:   prometheus.NewDesc("argo_tunnel_path_up", "1 when the path answers its probes, 0 when down.", l, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *pathCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.rtt
	ch <- c.loss
	ch <- c.up
}

// Collect implements prometheus.Collector.
func (c *pathCollector) Collect(ch chan<- prometheus.Metric) {
	for _, ps := range c.b.PathStats() {
		dst, path := strconv.Itoa(int(ps.Dst)), pathKey(ps.Nodes)
		up := 0.0
		if ps.Up {
			up = 1
		}
		ch <- prometheus.MustNewConstMetric(c.rtt, prometheus.GaugeValue, ps.RTT.Seconds(), dst, path)
		ch <- prometheus.MustNewConstMetric(c.loss, prometheus.GaugeValue, ps.Loss, dst, path)
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, up, dst, path)
	}
}
