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

// NotifyJoin records a member that joined (or rejoined).
func (e *events) NotifyJoin(n *memberlist.Node) {
	m := toMember(n)
	e.book.set(m, time.Now())
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
	g.namesMu.RLock()
	owner, ok := g.names[m.ID]
	g.namesMu.RUnlock()
	if ok && owner != n.Name {
		return // the stored table of this id came from another member
	}
	if g.store.Remove(m.ID) {
		g.metrics.removed.WithLabelValues(string(m.State)).Inc()
		g.signal()
	}
}
