package linkstate

import (
	"bytes"
	"net/netip"
	"testing"
	"time"
)

func TestGossipWrongKeyNoExchange(t *testing.T) {
	c := newCluster(t, fastConfig())
	a := c.start(41, "key-a", netip.AddrPort{}, nil)
	b := c.start(42, "key-b", netip.AddrPort{}, nil, a.bindAddr)
	intruder := c.start(43, "key-x", netip.AddrPort{}, func(cfg *Config) { cfg.Key = bytes.Repeat([]byte{0x11}, 32) }, a.bindAddr, b.bindAddr)
	a.Publish(linksTo(time.Millisecond, 42))
	b.Publish(linksTo(time.Millisecond, 41))
	intruder.Publish(linksTo(time.Millisecond, 41, 42))
	waitAllHold(t, 5*time.Second, "a and b to converge", []*node{a, b}, a.own(), b.own())
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

func TestGossipRejectsForgedTables(t *testing.T) {
	c := newCluster(t, fastConfig())
	a := c.start(61, "rej-a", netip.AddrPort{}, nil)
	b := c.start(62, "rej-b", netip.AddrPort{}, nil, a.bindAddr)
	cc := c.start(63, "rej-c", netip.AddrPort{}, nil, a.bindAddr)
	waitFor(t, 5*time.Second, "members", func() bool { return a.ml.NumMembers() == 3 && b.ml.NumMembers() == 3 })
	a.Publish(linksTo(time.Millisecond, 62, 63))
	cc.Publish(linksTo(time.Millisecond, 61, 62))
	waitAllHold(t, 5*time.Second, "convergence", []*node{b}, a.own(), cc.own())

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
