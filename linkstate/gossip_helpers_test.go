package linkstate

import (
	"bytes"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

var testKey = bytes.Repeat([]byte{0x5a}, 32)

// lockedLog forwards log lines to t.Log until the test's cleanups ran, so
// that memberlist goroutines still winding down cannot log into a finished
// test.
type lockedLog struct {
	mu   sync.Mutex
	t    testing.TB
	done bool
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.done {
		l.t.Log(string(bytes.TrimRight(p, "\n")))
	}
	return len(p), nil
}

// cluster starts and tracks Gossip instances of one test.
type cluster struct {
	t    *testing.T
	log  *slog.Logger
	base Config
}

func newCluster(t *testing.T, base Config) *cluster {
	w := &lockedLog{t: t}
	t.Cleanup(func() { w.mu.Lock(); w.done = true; w.mu.Unlock() }) // runs after the nodes' cleanups
	return &cluster{t: t, log: slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo})), base: base}
}

// fastConfig detects failures within a few seconds on loopback, with
// margins for a loaded machine.
func fastConfig() Config {
	return Config{
		Key:               testKey,
		RefreshInterval:   time.Second,
		TTL:               20 * time.Second,
		ProbeInterval:     300 * time.Millisecond,
		ProbeTimeout:      150 * time.Millisecond,
		SuspicionMult:     3,
		GossipInterval:    50 * time.Millisecond,
		PushPullInterval:  5 * time.Second,
		ReconnectInterval: 300 * time.Millisecond,
		TCPTimeout:        5 * time.Second,
	}
}

type node struct {
	*Gossip
	reg      *prometheus.Registry
	changes  atomic.Int64
	bindAddr netip.AddrPort
}

// start runs a node; bind is "127.0.0.1:0" unless given.
func (c *cluster) start(id uint16, name string, bind netip.AddrPort, mod func(*Config), seeds ...netip.AddrPort) *node {
	c.t.Helper()
	return c.startWrapped(nil, id, name, bind, mod, seeds...)
}

// startWrapped is start with a transport wrapper (see partition).
func (c *cluster) startWrapped(wrap wrapTransport, id uint16, name string, bind netip.AddrPort, mod func(*Config), seeds ...netip.AddrPort) *node {
	c.t.Helper()
	cfg := c.base
	cfg.Self, cfg.Name = id, name
	cfg.Bind = netip.MustParseAddrPort("127.0.0.1:0")
	if bind.IsValid() {
		cfg.Bind = bind
	}
	for _, s := range seeds {
		cfg.Seeds = append(cfg.Seeds, s.String())
	}
	n := &node{reg: prometheus.NewRegistry()}
	cfg.OnChange = func() { n.changes.Add(1) }
	if mod != nil {
		mod(&cfg)
	}
	g, err := newGossip(cfg, c.log, n.reg, wrap)
	if err != nil {
		c.t.Fatalf("New(%s): %v", name, err)
	}
	n.Gossip, n.bindAddr = g, g.Addr()
	c.t.Cleanup(func() { g.Shutdown() })
	return n
}

// crash stops n like a killed process: no Leave, sockets closed.
func (n *node) crash() {
	n.shutOnce.Do(func() {
		n.stopLoops()
		n.shutErr = n.ml.Shutdown()
	})
}

// linksTo returns a table with a link to every peer id.
func linksTo(rtt time.Duration, peers ...uint16) Table {
	var t Table
	for _, p := range peers {
		t.Links = append(t.Links, Link{Peer: p, RTT: rtt, Jitter: time.Millisecond, Up: true})
	}
	return t
}

// waitFor polls cond until it holds or timeout (times slack) passes, and
// returns how long it took.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	timeout *= slack
	start := time.Now()
	for !cond() {
		if time.Since(start) > timeout {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(start)
}

// holds reports whether n's store has origin's table with exactly want's content.
func (n *node) holds(want Table) bool {
	got, _, ok := n.store.Get(want.Origin)
	return ok && got.SameContent(want)
}

func (n *node) own() Table {
	t, _, _ := n.store.Get(n.cfg.Self)
	return t
}

func allHold(nodes []*node, tables ...Table) bool {
	return missing(nodes, tables...) == ""
}

// missing describes which node lacks which table ("" when none does), so
// that a convergence failure says where gossip stopped.
func missing(nodes []*node, tables ...Table) string {
	var b strings.Builder
	for _, n := range nodes {
		for _, t := range tables {
			if n.holds(t) {
				continue
			}
			got, _, ok := n.store.Get(t.Origin)
			fmt.Fprintf(&b, "%s lacks origin %d v%d (has v%d, stored %v); ", n.cfg.Name, t.Origin, t.Version, got.Version, ok)
		}
	}
	return b.String()
}

func others(ids []uint16, self uint16) []uint16 {
	var out []uint16
	for _, id := range ids {
		if id != self {
			out = append(out, id)
		}
	}
	return out
}

// value reads a counter or gauge.
func value(c prometheus.Metric) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		panic(err)
	}
	if m.Counter != nil {
		return m.Counter.GetValue()
	}
	return m.Gauge.GetValue()
}

// gathered reads an unlabelled gauge from a registry.
func gathered(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() == name && len(f.Metric) == 1 {
			return f.Metric[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("metric %s not found", name)
	return 0
}

// forge sends raw bytes from one node to another over memberlist's
// encrypted TCP stream, as a misbehaving or misconfigured member could.
func forge(t *testing.T, from, to *node, msg []byte) {
	t.Helper()
	var target Member
	waitFor(t, 5*time.Second, from.cfg.Name+" to know "+to.cfg.Name, func() bool {
		m, ok := from.book.lookup(to.cfg.Name)
		target = m
		return ok && m.State == MemberAlive
	})
	if err := from.ml.SendReliable(target.node(), msg); err != nil {
		t.Fatal(err)
	}
}

// freePort returns a loopback address whose port is free for TCP and UDP.
func freePort(t *testing.T) netip.AddrPort {
	t.Helper()
	for range 20 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ap := netip.MustParseAddrPort(l.Addr().String())
		u, err := net.ListenPacket("udp", ap.String())
		l.Close()
		if err == nil {
			u.Close()
			return ap
		}
	}
	t.Fatal("no free port")
	return netip.AddrPort{}
}

// waitAllHold waits until every node holds every table and, on timeout,
// fails naming what each node lacks.
func waitAllHold(t *testing.T, timeout time.Duration, what string, nodes []*node, tables ...Table) time.Duration {
	t.Helper()
	timeout *= slack
	start := time.Now()
	for {
		m := missing(nodes, tables...)
		if m == "" {
			return time.Since(start)
		}
		if time.Since(start) > timeout {
			t.Fatalf("timed out after %v waiting for %s: %s", timeout, what, m)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
