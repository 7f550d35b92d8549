package des

import (
	"github.com/argonet/argo/linkstate"
)

// publisher is linkstate.Gossip's publish rule without memberlist (Gossip
// has no transport hook): every table the PoP publishes gets the next
// version; it is broadcast at once when it differs significantly from the
// last table broadcast (linkstate.Significant), and the current table is
// re-broadcast under a new version when the last broadcast is Refresh old.
type publisher struct {
	th         linkstate.Threshold
	refreshNs  int64
	version    uint64
	hasSent    bool
	lastSent   linkstate.Table
	lastSentAt int64
}

// nextVersion mirrors Gossip.nextVersion: above the last version and the
// (virtual) wall clock in nanoseconds, so versions keep growing across
// restarts.
func (p *publisher) nextVersion(nowUnixNs int64) uint64 {
	v := p.version + 1
	if ns := uint64(nowUnixNs); ns > v {
		v = ns
	}
	p.version = v
	return v
}

// publish assigns t its version and reports whether it is broadcast (t is
// kept as the last table sent if so; it must not be modified afterwards).
func (p *publisher) publish(t *linkstate.Table, now, nowUnixNs int64) bool {
	t.Version = p.nextVersion(nowUnixNs)
	if p.hasSent && !linkstate.Significant(p.lastSent, *t, p.th) {
		return false
	}
	p.hasSent, p.lastSent, p.lastSentAt = true, *t, now
	return true
}

// refreshDue reports whether the current table must be re-broadcast now.
func (p *publisher) refreshDue(now int64) bool {
	return p.hasSent && now-p.lastSentAt >= p.refreshNs
}

// restart forgets everything but the version counter (a restarted argod
// starts without a table; versions stay increasing through the clock).
func (p *publisher) restart() {
	p.hasSent, p.lastSent, p.lastSentAt = false, linkstate.Table{}, 0
}

// refresh gives the current table t a new version and records it as sent.
func (p *publisher) refresh(t *linkstate.Table, now, nowUnixNs int64) {
	t.Version = p.nextVersion(nowUnixNs)
	p.hasSent, p.lastSent, p.lastSentAt = true, *t, now
}
