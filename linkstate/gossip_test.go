package linkstate

import (
	"fmt"
	"net"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

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
	d := waitAllHold(t, 2*time.Second, "every store to hold every table", nodes, tables...)
	t.Logf("5 nodes converged %v after the last start", d)

	// memberlist spreads joins by gossip and repairs misses by push/pull
	// (every 5 s here): allow two rounds.
	waitFor(t, 10*time.Second, "full membership", func() bool {
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
		ds = append(ds, waitAllHold(t, 2*time.Second, "the significant change to propagate", nodes, want))
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
	waitAllHold(t, 5*time.Second, "the refresh to carry the small change", nodes, wantSmall)

	for _, n := range nodes {
		if v := value(n.metrics.applied.WithLabelValues(viaGossip)); v == 0 {
			t.Fatalf("%s: no tables applied via gossip", n.cfg.Name)
		}
		if v := value(n.metrics.broadcasts.WithLabelValues(viaGossip)); v < 2 {
			t.Fatalf("%s: %v gossip broadcasts", n.cfg.Name, v)
		}
		// Gauges, waited for: a stalled machine can make memberlist declare
		// a member dead for a moment.
		waitFor(t, 5*time.Second, n.cfg.Name+" gauges members_alive = tables = 5", func() bool {
			return gathered(t, n.reg, "argo_linkstate_members_alive") == 5 && gathered(t, n.reg, "argo_linkstate_tables") == 5
		})
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
	waitAllHold(t, 5*time.Second, "330-link tables everywhere", nodes, tables...)

	next := bigTable(1001, 330)
	next.Links[100].Up = !next.Links[100].Up
	if err := nodes[1].Publish(next); err != nil {
		t.Fatal(err)
	}
	want := nodes[1].own()
	d := waitAllHold(t, 2*time.Second, "the large table change", nodes, want)
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
	waitAllHold(t, 5*time.Second, "the early tables", nodes, tables...)

	late := c.start(99, "late", netip.AddrPort{}, nil, nodes[2].bindAddr)
	late.Publish(linksTo(5*time.Millisecond, 10, 11, 12))
	d := waitAllHold(t, 2*time.Second, "the late joiner to hold every table", []*node{late}, tables...)
	t.Logf("late joiner caught up in %v", d)
	// The seed's push/pull state carries the tables at once; the others
	// also send theirs directly once they learn of the joiner.
	if v := value(late.metrics.applied.WithLabelValues(viaPushPull)); v < 1 {
		t.Fatalf("late joiner applied %v tables via push/pull", v)
	}
	waitAllHold(t, 2*time.Second, "the others to hold the late table", nodes, late.own())
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
	d := waitAllHold(t, 10*time.Second, "the merged cluster", all, a.own(), b.own(), x.own(), y.own())
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

// A PoP whose table reaches its seed only through the join's push/pull (it
// published before joining, and cannot reach the other members itself) must
// not wait for the seed's next push/pull or its own refresh: the seed relays
// what it learned. This is how CI once lost a table for seconds.
func TestGossipRelaysTablesLearnedByPushPull(t *testing.T) {
	base := fastConfig()
	base.RefreshInterval, base.TTL = 30*time.Second, 2*time.Minute // no refresh during the test
	base.PushPullInterval = time.Minute                            // and no periodic push/pull
	c := newCluster(t, base)
	p := newPartition()
	p.setCut(true)
	seed := c.start(131, "pp-seed", netip.AddrPort{}, nil)
	far := c.startWrapped(p.wrap(2), 133, "pp-far", netip.AddrPort{}, nil, seed.bindAddr)
	waitFor(t, 5*time.Second, "2 members", func() bool { return seed.ml.NumMembers() == 2 })

	// joiner cannot reach far (as across a broken transit); it publishes
	// before it joins, so the seed learns its table from the push/pull.
	joiner := c.startWrapped(p.wrap(1), 132, "pp-joiner", netip.AddrPort{}, nil)
	if err := joiner.Publish(linksTo(5*time.Millisecond, 131)); err != nil {
		t.Fatal(err)
	}
	if _, err := joiner.ml.Join([]string{seed.bindAddr.String()}); err != nil {
		t.Fatal(err)
	}
	d := waitAllHold(t, 2*time.Second, "far to hold the joiner's table", []*node{seed, far}, joiner.own())
	t.Logf("far got the joiner's table through the seed in %v", d)
	if v := value(seed.metrics.applied.WithLabelValues(viaPushPull)); v < 1 {
		t.Fatalf("seed applied %v tables via push/pull, want the joiner's", v)
	}
}
