package linkstate

import (
	"bytes"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/memberlist"
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
	g, err := New(cfg, c.log, n.reg)
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
	for _, n := range nodes {
		for _, t := range tables {
			if !n.holds(t) {
				return false
			}
		}
	}
	return true
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

func TestGossipConvergesAndPropagates(t *testing.T) {
	base := fastConfig()
	base.RefreshInterval = 2 * time.Second
	c := newCluster(t, base)
	ids := []uint16{1, 2, 3, 4, 5}
	var nodes []*node
	for i, id := range ids {
		var seeds []netip.AddrPort
		if i > 0 {
			seeds = append(seeds, nodes[0].bindAddr)
		}
		nodes = append(nodes, c.start(id, fmt.Sprintf("pop-%d", id), netip.AddrPort{}, nil, seeds...))
	}
	var tables []Table
	for _, n := range nodes {
		if err := n.Publish(linksTo(10*time.Millisecond, others(ids, n.cfg.Self)...)); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n.own())
	}
	d := waitFor(t, 2*time.Second, "every store to hold every table", func() bool { return allHold(nodes, tables...) })
	t.Logf("5 nodes converged %v after the last start", d)

	waitFor(t, 5*time.Second, "full membership", func() bool {
		for _, n := range nodes {
			if len(n.Members()) != 5 {
				return false
			}
		}
		return true
	})
	for _, n := range nodes {
		members := n.Members()
		for i, m := range members {
			if m.Name != fmt.Sprintf("pop-%d", i+1) || !m.IDKnown || m.ID != uint16(i+1) || m.State != MemberAlive || !m.Addr.IsValid() {
				t.Fatalf("%s: member %d = %+v", n.cfg.Name, i, m)
			}
		}
		if n.changes.Load() == 0 {
			t.Fatalf("%s: OnChange never called", n.cfg.Name)
		}
	}

	// A significant change (+50 ms) reaches everybody at once. The median of
	// three measurements keeps a scheduling hiccup on a loaded machine from
	// failing the test.
	changed := linksTo(10*time.Millisecond, others(ids, 3)...)
	var ds []time.Duration
	for i := range 3 {
		changed.Links[0].RTT += 50 * time.Millisecond
		changed.Links[1].Up = i%2 == 0
		if err := nodes[2].Publish(changed); err != nil {
			t.Fatal(err)
		}
		want := nodes[2].own()
		ds = append(ds, waitFor(t, 2*time.Second, "the significant change to propagate", func() bool { return allHold(nodes, want) }))
	}
	slices.Sort(ds)
	t.Logf("significant changes propagated to 4 nodes in %v (sorted)", ds)
	if ds[1] > slack*500*time.Millisecond {
		t.Fatalf("significant changes took %v, want a median < 500ms", ds)
	}

	// An insignificant change (60 ms -> 61 ms) waits for the refresh.
	small := changed.Clone()
	small.Links[0].RTT += time.Millisecond
	if err := nodes[2].Publish(small); err != nil {
		t.Fatal(err)
	}
	wantSmall := nodes[2].own()
	time.Sleep(150 * time.Millisecond)
	for _, n := range nodes {
		if n != nodes[2] && n.holds(wantSmall) {
			t.Fatalf("%s received an insignificant change before the refresh", n.cfg.Name)
		}
	}
	waitFor(t, 5*time.Second, "the refresh to carry the small change", func() bool { return allHold(nodes, wantSmall) })

	for _, n := range nodes {
		if v := value(n.metrics.applied.WithLabelValues(viaGossip)); v == 0 {
			t.Fatalf("%s: no tables applied via gossip", n.cfg.Name)
		}
		if v := value(n.metrics.broadcasts.WithLabelValues(viaGossip)); v < 2 {
			t.Fatalf("%s: %v gossip broadcasts", n.cfg.Name, v)
		}
		if v := gathered(t, n.reg, "argo_linkstate_members_alive"); v != 5 {
			t.Fatalf("%s: members_alive = %v, want 5", n.cfg.Name, v)
		}
		if v := gathered(t, n.reg, "argo_linkstate_tables"); v != 5 {
			t.Fatalf("%s: tables = %v, want 5", n.cfg.Name, v)
		}
	}
}

func TestGossipLargeTablesGoDirect(t *testing.T) {
	c := newCluster(t, fastConfig())
	var nodes []*node
	for i := range 3 {
		var seeds []netip.AddrPort
		if i > 0 {
			seeds = append(seeds, nodes[0].bindAddr)
		}
		nodes = append(nodes, c.start(uint16(1000+i), fmt.Sprintf("big-%d", i), netip.AddrPort{}, nil, seeds...))
	}
	waitFor(t, 5*time.Second, "3 members", func() bool { return nodes[0].ml.NumMembers() == 3 && nodes[2].ml.NumMembers() == 3 })
	var tables []Table
	for _, n := range nodes {
		if err := n.Publish(bigTable(n.cfg.Self, 330)); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n.own())
	}
	waitFor(t, 5*time.Second, "330-link tables everywhere", func() bool { return allHold(nodes, tables...) })

	next := bigTable(1001, 330)
	next.Links[100].Up = !next.Links[100].Up
	if err := nodes[1].Publish(next); err != nil {
		t.Fatal(err)
	}
	want := nodes[1].own()
	d := waitFor(t, 2*time.Second, "the large table change", func() bool { return allHold(nodes, want) })
	t.Logf("330-link table change propagated in %v", d)
	if d > slack*500*time.Millisecond {
		t.Fatalf("large table change took %v, want < 500ms", d)
	}
	if v := value(nodes[1].metrics.broadcasts.WithLabelValues(viaDirect)); v < 2 {
		t.Fatalf("%v direct broadcasts, want >= 2", v)
	}
	for _, n := range nodes {
		if v := value(n.metrics.applied.WithLabelValues(viaDirect)); v < 2 {
			t.Fatalf("%s: %v tables applied via direct sends", n.cfg.Name, v)
		}
	}
}

func TestGossipLateJoinerCatchesUpByPushPull(t *testing.T) {
	base := fastConfig()
	base.RefreshInterval, base.TTL = 30*time.Second, time.Minute // no refresh during the test
	c := newCluster(t, base)
	var nodes []*node
	var tables []Table
	for i := range 3 {
		var seeds []netip.AddrPort
		if i > 0 {
			seeds = append(seeds, nodes[0].bindAddr)
		}
		n := c.start(uint16(10+i), fmt.Sprintf("early-%d", i), netip.AddrPort{}, nil, seeds...)
		nodes = append(nodes, n)
	}
	waitFor(t, 5*time.Second, "3 members", func() bool { return nodes[0].ml.NumMembers() == 3 })
	for _, n := range nodes {
		n.Publish(bigTable(n.cfg.Self, 200))
		tables = append(tables, n.own())
	}
	waitFor(t, 5*time.Second, "the early tables", func() bool { return allHold(nodes, tables...) })

	late := c.start(99, "late", netip.AddrPort{}, nil, nodes[2].bindAddr)
	late.Publish(linksTo(5*time.Millisecond, 10, 11, 12))
	d := waitFor(t, 2*time.Second, "the late joiner to hold every table", func() bool { return allHold([]*node{late}, tables...) })
	t.Logf("late joiner caught up in %v", d)
	// The seed's push/pull state carries the tables at once; the others
	// also send theirs directly once they learn of the joiner.
	if v := value(late.metrics.applied.WithLabelValues(viaPushPull)); v < 1 {
		t.Fatalf("late joiner applied %v tables via push/pull", v)
	}
	waitFor(t, 2*time.Second, "the others to hold the late table", func() bool { return allHold(nodes, late.own()) })
}

func TestGossipCrashedNodeRemoved(t *testing.T) {
	c := newCluster(t, fastConfig())
	ids := []uint16{21, 22, 23, 24}
	var nodes []*node
	for i, id := range ids {
		var seeds []netip.AddrPort
		if i > 0 {
			seeds = append(seeds, nodes[0].bindAddr)
		}
		nodes = append(nodes, c.start(id, fmt.Sprintf("crash-%d", id), netip.AddrPort{}, nil, seeds...))
	}
	var tables []Table
	for _, n := range nodes {
		n.Publish(linksTo(10*time.Millisecond, others(ids, n.cfg.Self)...))
		tables = append(tables, n.own())
	}
	waitFor(t, 5*time.Second, "convergence", func() bool { return allHold(nodes, tables...) })

	victim, rest := nodes[3], nodes[:3]
	before := rest[0].changes.Load()
	victim.crash()
	d := waitFor(t, 10*time.Second, "the crashed node's table to disappear", func() bool {
		for _, n := range rest {
			if _, _, ok := n.store.Get(victim.cfg.Self); ok {
				return false
			}
		}
		return true
	})
	t.Logf("crashed node removed after %v (TTL %v)", d, c.base.TTL)
	for _, n := range rest {
		if v := value(n.metrics.removed.WithLabelValues(string(MemberDead))); v != 1 {
			t.Fatalf("%s: removed{dead} = %v, want 1 (dead detection, not TTL)", n.cfg.Name, v)
		}
		var st MemberState
		for _, m := range n.Members() {
			if m.Name == victim.cfg.Name {
				st = m.State
			}
		}
		if st != MemberDead {
			t.Fatalf("%s lists the victim as %q, want dead", n.cfg.Name, st)
		}
	}
	if rest[0].changes.Load() == before {
		t.Fatal("OnChange not called for the removal")
	}
	// Copies of the dead table still circulating must not resurrect it.
	time.Sleep(3 * c.base.GossipInterval)
	for _, n := range rest {
		if _, _, ok := n.store.Get(victim.cfg.Self); ok {
			t.Fatalf("%s: the dead table came back", n.cfg.Name)
		}
	}
}

func TestGossipGracefulLeave(t *testing.T) {
	c := newCluster(t, fastConfig())
	a := c.start(31, "leave-a", netip.AddrPort{}, nil)
	b := c.start(32, "leave-b", netip.AddrPort{}, nil, a.bindAddr)
	a.Publish(linksTo(time.Millisecond, 32))
	b.Publish(linksTo(time.Millisecond, 31))
	waitFor(t, 5*time.Second, "convergence", func() bool { return allHold([]*node{a, b}, a.own(), b.own()) })
	if err := b.Shutdown(); err != nil {
		t.Fatal(err)
	}
	d := waitFor(t, 2*time.Second, "the departed table to disappear", func() bool { _, _, ok := a.store.Get(32); return !ok })
	t.Logf("departed node removed after %v", d)
	if v := value(a.metrics.removed.WithLabelValues(string(MemberLeft))); v != 1 {
		t.Fatalf("removed{left} = %v", v)
	}
	if err := b.Shutdown(); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
}

func TestGossipWrongKeyNoExchange(t *testing.T) {
	c := newCluster(t, fastConfig())
	a := c.start(41, "key-a", netip.AddrPort{}, nil)
	b := c.start(42, "key-b", netip.AddrPort{}, nil, a.bindAddr)
	intruder := c.start(43, "key-x", netip.AddrPort{}, func(cfg *Config) { cfg.Key = bytes.Repeat([]byte{0x11}, 32) }, a.bindAddr, b.bindAddr)
	a.Publish(linksTo(time.Millisecond, 42))
	b.Publish(linksTo(time.Millisecond, 41))
	intruder.Publish(linksTo(time.Millisecond, 41, 42))
	waitFor(t, 5*time.Second, "a and b to converge", func() bool { return allHold([]*node{a, b}, a.own(), b.own()) })
	time.Sleep(2 * time.Second) // several reconnect attempts and gossip rounds
	for _, n := range []*node{a, b} {
		if _, _, ok := n.store.Get(43); ok {
			t.Fatalf("%s accepted the table of a node with the wrong key", n.cfg.Name)
		}
		if len(n.Members()) != 2 {
			t.Fatalf("%s members: %+v", n.cfg.Name, n.Members())
		}
	}
	if intruder.store.Len() != 1 || intruder.ml.NumMembers() != 1 {
		t.Fatalf("intruder holds %d tables, sees %d members", intruder.store.Len(), intruder.ml.NumMembers())
	}
}

func TestGossipRestartReplacesTable(t *testing.T) {
	for _, graceful := range []bool{false, true} {
		t.Run(fmt.Sprintf("graceful=%v", graceful), func(t *testing.T) {
			c := newCluster(t, fastConfig())
			a := c.start(51, "rs-a", netip.AddrPort{}, nil)
			b := c.start(52, "rs-b", netip.AddrPort{}, nil, a.bindAddr)
			cc := c.start(53, "rs-c", netip.AddrPort{}, nil, a.bindAddr)
			for _, n := range []*node{a, b, cc} {
				n.Publish(linksTo(10*time.Millisecond, others([]uint16{51, 52, 53}, n.cfg.Self)...))
			}
			old := b.own()
			waitFor(t, 5*time.Second, "convergence", func() bool { return allHold([]*node{a, cc}, old) })

			if graceful {
				b.Shutdown()
			} else {
				b.crash()
			}
			b2 := c.start(52, "rs-b", b.bindAddr, nil, a.bindAddr)
			if err := b2.Publish(linksTo(30*time.Millisecond, 51, 53)); err != nil {
				t.Fatal(err)
			}
			fresh := b2.own()
			if fresh.Version <= old.Version {
				t.Fatalf("restarted version %d not above %d", fresh.Version, old.Version)
			}
			d := waitFor(t, 5*time.Second, "the restarted table", func() bool { return allHold([]*node{a, cc}, fresh) })
			t.Logf("restarted node's table replaced the old one after %v", d)
			waitFor(t, 5*time.Second, "b2 to hold the others", func() bool { return allHold([]*node{b2}, a.own(), cc.own()) })
		})
	}
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

func TestGossipRejectsForgedTables(t *testing.T) {
	c := newCluster(t, fastConfig())
	a := c.start(61, "rej-a", netip.AddrPort{}, nil)
	b := c.start(62, "rej-b", netip.AddrPort{}, nil, a.bindAddr)
	cc := c.start(63, "rej-c", netip.AddrPort{}, nil, a.bindAddr)
	waitFor(t, 5*time.Second, "members", func() bool { return a.ml.NumMembers() == 3 && b.ml.NumMembers() == 3 })
	a.Publish(linksTo(time.Millisecond, 62, 63))
	cc.Publish(linksTo(time.Millisecond, 61, 62))
	waitFor(t, 5*time.Second, "convergence", func() bool { return allHold([]*node{b}, a.own(), cc.own()) })

	msg := func(kind byte, name string, tb Table) []byte {
		b, err := appendMessage(nil, kind, name, &tb)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	future := uint64(time.Now().Add(time.Hour).UnixNano())
	fake := func(origin uint16) Table {
		tb := linksTo(59*time.Second, 1)
		tb.Origin, tb.Version = origin, future
		return tb
	}
	tests := []struct {
		name   string
		msg    []byte
		reason string
	}{
		{"garbage", []byte{kindGossip, 3, 'a', 'b', 'c', 1, 2, 3}, reasonMalformed},
		{"bad table", append(msg(kindDirect, "rej-c", fake(63))[:20], 0xff), reasonMalformed},
		{"own origin", msg(kindGossip, "rej-a", fake(62)), reasonSelfOrigin},
		{"own name", msg(kindGossip, "rej-b", fake(77)), reasonSelfOrigin},
		{"name/id mismatch", msg(kindDirect, "rej-c", fake(61)), reasonOriginMismatch},
		{"id of another member", msg(kindGossip, "ghost", fake(63)), reasonOriginConflict},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			counter := b.metrics.rejected.WithLabelValues(tc.reason)
			before := value(counter)
			forge(t, a, b, tc.msg)
			waitFor(t, 2*time.Second, "the rejection", func() bool { return value(counter) == before+1 })
		})
	}
	if !allHold([]*node{b}, a.own(), cc.own()) {
		t.Fatal("forged tables changed the store")
	}
	if own := b.own(); own.Version >= future {
		t.Fatal("test premise: b's own version already in the future")
	}
	// b saw its own origin with a future version: its next version goes above it.
	if err := b.Publish(linksTo(time.Millisecond, 61)); err != nil {
		t.Fatal(err)
	}
	if v := b.own().Version; v <= future {
		t.Fatalf("next own version %d not above the version %d seen in the network", v, future)
	}

	// A member that is not yet known to the receiver can be accepted ("can't
	// tell"), but only for an id no live member claims.
	before := value(b.metrics.applied.WithLabelValues(viaDirect))
	forge(t, a, b, msg(kindDirect, "newcomer", fake(64)))
	waitFor(t, 2*time.Second, "the newcomer table", func() bool {
		return value(b.metrics.applied.WithLabelValues(viaDirect)) == before+1
	})
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

func TestGossipJoinsSeedStartedLater(t *testing.T) {
	c := newCluster(t, fastConfig())
	seedAddr := freePort(t)
	a := c.start(71, "early", netip.AddrPort{}, nil, seedAddr)
	a.Publish(linksTo(time.Millisecond, 72))
	time.Sleep(500 * time.Millisecond) // a's first join attempts fail
	if a.ml.NumMembers() != 1 {
		t.Fatal("joined a seed that does not exist yet")
	}
	s := c.start(72, "seed", seedAddr, nil)
	s.Publish(linksTo(time.Millisecond, 71))
	d := waitFor(t, 3*time.Second, "the retried join", func() bool { return allHold([]*node{a, s}, a.own(), s.own()) })
	t.Logf("joined the late seed after %v", d)
}

func TestGossipExpiresStaleTables(t *testing.T) {
	base := fastConfig()
	base.RefreshInterval, base.TTL = 200*time.Millisecond, 600*time.Millisecond
	c := newCluster(t, base)
	a := c.start(81, "ttl-a", netip.AddrPort{}, nil)
	a.Publish(linksTo(time.Millisecond, 82))
	// A table as if received from a PoP that then fell silent without
	// membership noticing (for example across a partition).
	if _, err := a.store.Apply(Table{Origin: 82, Version: 1, Links: []Link{{Peer: 81, Up: true}}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	before := a.changes.Load()
	d := waitFor(t, 3*time.Second, "expiry", func() bool { _, _, ok := a.store.Get(82); return !ok })
	t.Logf("stale table expired after %v (TTL %v)", d, base.TTL)
	if _, _, ok := a.store.Get(81); !ok {
		t.Fatal("own table expired")
	}
	if value(a.metrics.removed.WithLabelValues("expired")) != 1 {
		t.Fatal("expiry not counted")
	}
	waitFor(t, time.Second, "OnChange", func() bool { return a.changes.Load() > before })
}

func TestPublish(t *testing.T) {
	c := newCluster(t, fastConfig())
	a := c.start(91, "pub", netip.AddrPort{}, nil)
	in := Table{Origin: 5, Links: []Link{{Peer: 9, Up: true}, {Peer: 2, RTT: time.Millisecond}},
		Prefixes: []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24"), netip.MustParsePrefix("192.0.2.0/24")}}
	if err := a.Publish(in); err != nil {
		t.Fatal(err)
	}
	got := a.own()
	if got.Origin != 91 || got.Links[0].Peer != 2 || got.Prefixes[0] != netip.MustParsePrefix("192.0.2.0/24") {
		t.Fatalf("Publish did not set origin / sort: %+v", got)
	}
	if in.Links[0].Peer != 9 {
		t.Fatal("Publish modified the caller's table")
	}
	v1 := got.Version
	bad := Table{Links: []Link{{Peer: 2, Loss: 2}}}
	if err := a.Publish(bad); err == nil {
		t.Fatal("invalid table published")
	}
	if now := a.own(); !now.Equal(got) {
		t.Fatal("failed Publish changed the store")
	}
	if err := a.Publish(in); err != nil || a.own().Version <= v1 {
		t.Fatalf("version did not grow: %v", err)
	}
	if value(a.metrics.rejected.WithLabelValues(reasonLocalInvalid)) != 1 {
		t.Fatal("local_invalid not counted")
	}
}

func TestNewRejectsDuplicateRegistration(t *testing.T) {
	reg := prometheus.NewRegistry()
	cfg := fastConfig()
	cfg.Self, cfg.Name, cfg.Bind = 1, "dup", netip.MustParseAddrPort("127.0.0.1:0")
	g, err := New(cfg, nil, reg)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Shutdown()
	if _, err := New(cfg, nil, reg); err == nil {
		t.Fatal("second instance on the same registry accepted")
	}
}

func TestNewFailureLeavesNothingBehind(t *testing.T) {
	reg := prometheus.NewRegistry()
	busy, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	cfg := fastConfig()
	cfg.Self, cfg.Name = 1, "busy"
	cfg.Bind = netip.MustParseAddrPort(busy.LocalAddr().String())
	if _, err := New(cfg, nil, reg); err == nil {
		t.Fatal("New on a busy port succeeded")
	}
	cfg.Bind = netip.MustParseAddrPort("127.0.0.1:0")
	g, err := New(cfg, nil, reg)
	if err != nil {
		t.Fatalf("New after a failed New on the same registry: %v", err)
	}
	g.Shutdown()
}

func TestGossipSeparateClustersMerge(t *testing.T) {
	base := fastConfig()
	base.RefreshInterval, base.TTL = 30*time.Second, time.Minute // no refresh during the test
	c := newCluster(t, base)
	a := c.start(111, "part-a", netip.AddrPort{}, nil)
	b := c.start(112, "part-b", netip.AddrPort{}, nil, a.bindAddr)
	x := c.start(113, "part-x", netip.AddrPort{}, nil)
	y := c.start(114, "part-y", netip.AddrPort{}, nil, x.bindAddr)
	all := []*node{a, b, x, y}
	for _, n := range all {
		n.Publish(bigTable(n.cfg.Self, 150))
	}
	waitFor(t, 5*time.Second, "both halves", func() bool {
		return allHold([]*node{a, b}, a.own(), b.own()) && allHold([]*node{x, y}, x.own(), y.own())
	})
	if _, _, ok := a.store.Get(113); ok {
		t.Fatal("halves not separate")
	}
	// What the reconnect loop does when a partition heals.
	if _, err := y.ml.Join([]string{b.bindAddr.String()}); err != nil {
		t.Fatal(err)
	}
	d := waitFor(t, 10*time.Second, "the merged cluster", func() bool { return allHold(all, a.own(), b.own(), x.own(), y.own()) })
	t.Logf("halves merged in %v", d)
}

func TestPushPullStateTransfer(t *testing.T) {
	c := newCluster(t, fastConfig())
	a := c.start(121, "pp-a", netip.AddrPort{}, nil)
	b := c.start(122, "pp-b", netip.AddrPort{}, nil) // not joined to a
	a.Publish(bigTable(121, 50))
	// a also knows a third PoP's table.
	third := bigTable(123, 20)
	a.accept(viaDirect, namedTable{name: "pp-c", table: third})
	b.Publish(linksTo(time.Millisecond, 121))

	state := (*delegate)(a.Gossip).LocalState(false)
	(*delegate)(b.Gossip).MergeRemoteState(state, false)
	if !allHold([]*node{b}, a.own(), third, b.own()) {
		t.Fatalf("b after merge: %+v", b.store.Snapshot())
	}
	if v := value(b.metrics.applied.WithLabelValues(viaPushPull)); v != 2 {
		t.Fatalf("applied via push/pull = %v, want 2", v)
	}
	// b's own table in a's state... a's state does not hold b; b's state
	// sent back to a must not overwrite a's own table.
	(*delegate)(a.Gossip).MergeRemoteState((*delegate)(b.Gossip).LocalState(false), false)
	if !allHold([]*node{a}, b.own()) || a.own().Origin != 121 {
		t.Fatal("reverse merge failed")
	}
	if v := value(a.metrics.rejected.WithLabelValues(reasonSelfOrigin)); v != 0 {
		t.Fatalf("own table echoed back counted as rejection: %v", v)
	}
	// A broken state is rejected as a whole.
	before := value(b.metrics.rejected.WithLabelValues(reasonMalformed))
	(*delegate)(b.Gossip).MergeRemoteState(state[:len(state)-3], false)
	if value(b.metrics.rejected.WithLabelValues(reasonMalformed)) != before+1 {
		t.Fatal("truncated state not rejected")
	}
}

func TestGossipRevivesTableAfterFalseDeath(t *testing.T) {
	c := newCluster(t, fastConfig())
	a := c.start(131, "fd-a", netip.AddrPort{}, nil)
	b := c.start(132, "fd-b", netip.AddrPort{}, nil, a.bindAddr)
	a.Publish(linksTo(time.Millisecond, 132))
	b.Publish(linksTo(time.Millisecond, 131))
	waitFor(t, 5*time.Second, "convergence", func() bool { return allHold([]*node{a, b}, a.own(), b.own()) })

	// What memberlist delivers when it declares b dead and b then refutes.
	bNode := &memberlist.Node{Name: "fd-b", Addr: net.IPv4(127, 0, 0, 1), Port: b.bindAddr.Port(), Meta: encodeMeta(132, false)}
	(*events)(a.Gossip).NotifyLeave(bNode)
	if _, _, ok := a.store.Get(132); ok {
		t.Fatal("table kept after death")
	}
	if m, _ := a.book.lookup("fd-b"); m.State != MemberDead {
		t.Fatalf("state %q, want dead", m.State)
	}
	(*events)(a.Gossip).NotifyJoin(bNode)
	if !a.holds(b.own()) {
		t.Fatal("table not revived when the member came back")
	}
}
