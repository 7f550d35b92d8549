package linkstate

import (
	"time"

	"github.com/hashicorp/memberlist"
)

// events implements memberlist.EventDelegate for a Gossip. memberlist holds
// its node lock while calling these methods: they must not call back into
// memberlist.
type events Gossip

var _ memberlist.EventDelegate = (*events)(nil)

// NotifyJoin records a member that joined (or rejoined). A member that had
// been declared dead gets its table back: it refuted a false suspicion (its
// table is still current) or restarted (its new table follows at once).
func (e *events) NotifyJoin(n *memberlist.Node) {
	m := toMember(n)
	prev, known := e.book.lookup(n.Name)
	e.book.set(m, time.Now())
	if known && prev.State == MemberDead && m.IDKnown && m.ID == prev.ID && m.ID != e.cfg.Self && (*Gossip)(e).ownsTable(m.ID, n.Name) {
		if e.store.Revive(m.ID) {
			e.log.Info("linkstate: member back; table revived", "member", n.Name, "id", m.ID)
			(*Gossip)(e).signal()
		}
	}
	if !m.IDKnown {
		e.log.Warn("linkstate: member has no valid PoP id in its node meta", "member", n.Name)
	}
	e.log.Info("linkstate: member joined", "member", n.Name, "id", m.ID, "addr", m.Addr)
	if n.Name != e.cfg.Name {
		e.fan.sendTo(n.Name) // a new member gets our table at once
	}
}

// NotifyUpdate records a member whose meta or address changed.
func (e *events) NotifyUpdate(n *memberlist.Node) {
	e.book.set(toMember(n), time.Now())
}

// NotifyLeave records a member that left or was declared dead and drops its
// table.
func (e *events) NotifyLeave(n *memberlist.Node) {
	g := (*Gossip)(e)
	m := toMember(n)
	m.State = MemberDead
	if _, leaving, _ := decodeMeta(n.Meta); leaving {
		m.State = MemberLeft
	}
	g.book.set(m, time.Now())
	g.log.Info("linkstate: member gone", "member", n.Name, "id", m.ID, "state", m.State)
	if !m.IDKnown || m.ID == g.cfg.Self {
		return
	}
	if !g.ownsTable(m.ID, n.Name) {
		return // the stored table of this id came from another member
	}
	if g.store.Remove(m.ID) {
		g.metrics.removed.WithLabelValues(string(m.State)).Inc()
		g.signal()
	}
}

// ownsTable reports whether the table of PoP id, if any, came from the member
// called name.
func (g *Gossip) ownsTable(id uint16, name string) bool {
	g.namesMu.RLock()
	defer g.namesMu.RUnlock()
	owner, ok := g.names[id]
	return !ok || owner == name
}
