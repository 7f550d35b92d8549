package linkstate

import (
	"time"

	"github.com/hashicorp/memberlist"
)

// delegate implements memberlist.Delegate for a Gossip.
type delegate Gossip

var _ memberlist.Delegate = (*delegate)(nil)

// NodeMeta carries this PoP's id.
func (d *delegate) NodeMeta(limit int) []byte { return encodeMeta(d.cfg.Self, d.leaving.Load()) }

// NotifyMsg receives a gossip or direct table message. b is reused by
// memberlist after the call returns.
func (d *delegate) NotifyMsg(b []byte) {
	g := (*Gossip)(d)
	kind, nt, err := decodeMessage(b)
	via := viaGossip
	if kind == kindDirect || (err != nil && len(b) > 0 && b[0] == kindDirect) {
		via = viaDirect
	}
	g.metrics.bytesRecv.WithLabelValues(via).Add(float64(len(b)))
	g.metrics.received.WithLabelValues(via).Inc()
	if err != nil {
		g.reject(reasonMalformed, err, "")
		return
	}
	if g.accept(via, nt) {
		g.relay(nt)
	}
}

// relay queues a newer table for gossip. Every PoP that learns a newer
// version passes it on once, whichever way it came (as OSPF floods LSAs
// learned in a database exchange): by gossip; by direct send to a member
// that just joined (otherwise that copy would suppress the relay of the same
// version arriving later by gossip); by push/pull (a PoP that published
// before it joined reaches its seed only through the join's push/pull, and
// the other PoPs would wait for the seed's next push/pull or the joiner's
// next refresh).
func (g *Gossip) relay(nt namedTable) {
	msg, err := appendMessage(nil, kindGossip, nt.name, &nt.table)
	if err != nil || len(msg) > maxGossipMessage {
		return // too large for gossip: push/pull and refreshes carry it
	}
	g.queue.queue(nt.table.Origin, msg)
}

// GetBroadcasts hands queued table messages to memberlist's gossip.
func (d *delegate) GetBroadcasts(overhead, limit int) [][]byte {
	msgs := d.queue.get(overhead, limit)
	n := 0
	for _, m := range msgs {
		n += len(m)
	}
	if n > 0 {
		d.metrics.bytesSent.WithLabelValues(viaGossip).Add(float64(n))
	}
	return msgs
}

// LocalState sends every known table (the own one included) for push/pull
// anti-entropy.
func (d *delegate) LocalState(join bool) []byte {
	g := (*Gossip)(d)
	tables := g.store.Snapshot()
	named := make([]namedTable, 0, len(tables))
	g.namesMu.RLock()
	for _, t := range tables {
		if name, ok := g.names[t.Origin]; ok {
			named = append(named, namedTable{name: name, table: t})
		}
	}
	g.namesMu.RUnlock()
	b, err := appendState(nil, named)
	if err != nil {
		g.log.Error("linkstate: encoding push/pull state", "err", err)
		return nil
	}
	g.metrics.bytesSent.WithLabelValues(viaPushPull).Add(float64(len(b)))
	return b
}

// MergeRemoteState applies the tables of a peer's push/pull state.
func (d *delegate) MergeRemoteState(buf []byte, join bool) {
	g := (*Gossip)(d)
	if len(buf) == 0 {
		return // a peer without tables yet
	}
	g.metrics.bytesRecv.WithLabelValues(viaPushPull).Add(float64(len(buf)))
	entries, err := decodeState(buf)
	if err != nil {
		g.reject(reasonMalformed, err, "")
		return
	}
	for _, e := range entries {
		g.metrics.received.WithLabelValues(viaPushPull).Inc()
		if e.err != nil {
			g.reject(reasonMalformed, e.err, e.name)
			continue
		}
		if g.accept(viaPushPull, e.namedTable) {
			g.relay(e.namedTable)
		}
	}
}

// accept checks the origin of a decoded table against membership and applies
// it; it reports whether the table was newer and stored.
func (g *Gossip) accept(via string, nt namedTable) bool {
	t := &nt.table
	if t.Origin == g.cfg.Self || nt.name == g.cfg.Name {
		if t.Origin == g.cfg.Self && nt.name == g.cfg.Name && g.isEcho(t.Version) {
			return false // our own table relayed back to us
		}
		if t.Origin == g.cfg.Self {
			g.noteOwnVersion(t.Version)
		}
		g.reject(reasonSelfOrigin, errSelf(t.Origin, nt.name), nt.name)
		return false
	}
	if m, ok := g.book.lookup(nt.name); ok && m.IDKnown && m.ID != t.Origin {
		g.reject(reasonOriginMismatch, errMismatch(t.Origin, nt.name, m.ID), nt.name)
		return false
	}
	if other, ok := g.book.claimant(t.Origin, nt.name); ok {
		g.reject(reasonOriginConflict, errConflict(t.Origin, nt.name, other), nt.name)
		return false
	}
	applied, contentChanged, err := g.store.apply(*t, time.Now())
	if err != nil {
		g.reject(reasonMalformed, err, nt.name)
		return false
	}
	if !applied {
		return false
	}
	g.metrics.applied.WithLabelValues(via).Inc()
	g.namesMu.Lock()
	g.names[t.Origin] = nt.name
	g.namesMu.Unlock()
	if contentChanged {
		g.signal()
	}
	return true
}

// isEcho reports whether version is one this instance published.
func (g *Gossip) isEcho(version uint64) bool {
	g.pubMu.Lock()
	defer g.pubMu.Unlock()
	return version <= g.version
}

// noteOwnVersion remembers the highest version of our own table seen in the
// network (from before a restart), so that new versions go above it.
func (g *Gossip) noteOwnVersion(v uint64) {
	for {
		cur := g.seenSelf.Load()
		if v <= cur || g.seenSelf.CompareAndSwap(cur, v) {
			return
		}
	}
}

// reject counts a rejected table and logs it, rate-limited per reason.
func (g *Gossip) reject(reason string, err error, name string) {
	g.metrics.rejected.WithLabelValues(reason).Inc()
	if ok, suppressed := g.rejects.allow(reason, time.Now()); ok {
		g.log.Warn("linkstate: rejected table", "reason", reason, "from", name, "err", err, "suppressed", suppressed)
	}
}
