package linkstate

import (
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/hashicorp/memberlist"
)

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
	waitAllHold(t, 5*time.Second, "convergence", nodes, tables...)

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
		if v := value(n.metrics.removed.WithLabelValues(string(MemberDead))); v < 1 {
			t.Fatalf("%s: removed{dead} = %v, want >= 1 (dead detection, not TTL)", n.cfg.Name, v)
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
	waitAllHold(t, 5*time.Second, "convergence", []*node{a, b}, a.own(), b.own())
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
			waitAllHold(t, 5*time.Second, "convergence", []*node{a, cc}, old)

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
			d := waitAllHold(t, 5*time.Second, "the restarted table", []*node{a, cc}, fresh)
			t.Logf("restarted node's table replaced the old one after %v", d)
			waitAllHold(t, 5*time.Second, "b2 to hold the others", []*node{b2}, a.own(), cc.own())
		})
	}
}

func TestGossipRevivesTableAfterFalseDeath(t *testing.T) {
	c := newCluster(t, fastConfig())
	a := c.start(131, "fd-a", netip.AddrPort{}, nil)
	b := c.start(132, "fd-b", netip.AddrPort{}, nil, a.bindAddr)
	a.Publish(linksTo(time.Millisecond, 132))
	b.Publish(linksTo(time.Millisecond, 131))
	waitAllHold(t, 5*time.Second, "convergence", []*node{a, b}, a.own(), b.own())

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
	d := waitAllHold(t, 3*time.Second, "the retried join", []*node{a, s}, a.own(), s.own())
	t.Logf("joined the late seed after %v", d)
}

func TestGossipPartitionHeals(t *testing.T) {
	c := newCluster(t, fastConfig())
	p := newPartition()
	a := c.startWrapped(p.wrap(0), 141, "pt-a", netip.AddrPort{}, nil)
	b := c.startWrapped(p.wrap(0), 142, "pt-b", netip.AddrPort{}, nil, a.bindAddr)
	x := c.startWrapped(p.wrap(1), 143, "pt-x", netip.AddrPort{}, nil, a.bindAddr)
	y := c.startWrapped(p.wrap(1), 144, "pt-y", netip.AddrPort{}, nil, a.bindAddr)
	all := []*node{a, b, x, y}
	ids := []uint16{141, 142, 143, 144}
	for _, n := range all {
		n.Publish(bigTable(n.cfg.Self, 150)) // direct sends: not relayed
	}
	waitAllHold(t, 5*time.Second, "convergence", all, a.own(), b.own(), x.own(), y.own())

	p.setCut(true)
	waitFor(t, 30*time.Second, "each side to drop the other's tables", func() bool {
		for _, n := range all {
			for _, id := range ids {
				_, _, ok := n.store.Get(id)
				sameSide := (n.cfg.Self <= 142) == (id <= 142)
				if ok != sameSide {
					return false
				}
			}
		}
		return true
	})
	// Both sides move on while cut off.
	a.Publish(bigTable(141, 120))
	y.Publish(bigTable(144, 130))
	waitFor(t, 5*time.Second, "each side to see its own news", func() bool {
		return allHold([]*node{a, b}, a.own()) && allHold([]*node{x, y}, y.own())
	})

	p.setCut(false)
	d := waitFor(t, 15*time.Second, "the healed cluster to converge", func() bool {
		return allHold(all, a.own(), b.own(), x.own(), y.own())
	})
	t.Logf("partition healed, stores converged after %v (reconnect interval %v)", d, c.base.ReconnectInterval)
}
