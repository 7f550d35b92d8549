package linkstate

import (
	"encoding/binary"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/memberlist"
)

// MemberState is the membership state of a PoP as memberlist sees it.
//
// memberlist v0.7.0 does not expose its "suspect" state (the State field of
// the Node values it hands out is never set), so a suspected member is
// reported as alive until it is declared dead.
type MemberState string

// Member states.
const (
	MemberAlive MemberState = "alive" // alive or suspected
	MemberDead  MemberState = "dead"  // declared dead by failure detection
	MemberLeft  MemberState = "left"  // left the cluster gracefully (Shutdown)
)

// Member is one PoP of the gossip cluster.
type Member struct {
	Name    string         // memberlist node name (the PoP name)
	ID      uint16         // PoP id from the node meta; valid when IDKnown
	IDKnown bool           // false when the member's meta is missing or malformed
	Addr    netip.AddrPort // gossip address
	State   MemberState
}

// Node meta: version (1), PoP id (big-endian uint16), flags.
const (
	metaVersion = 1
	metaLen     = 4
	// metaLeaving is set by Shutdown just before leaving, so that other
	// PoPs can tell a graceful departure from a crash.
	metaLeaving = 1 << 0
)

// encodeMeta returns the node meta of PoP id.
func encodeMeta(id uint16, leaving bool) []byte {
	b := binary.BigEndian.AppendUint16([]byte{metaVersion}, id)
	if leaving {
		return append(b, metaLeaving)
	}
	return append(b, 0)
}

// decodeMeta parses untrusted node meta.
func decodeMeta(meta []byte) (id uint16, leaving, ok bool) {
	if len(meta) != metaLen || meta[0] != metaVersion {
		return 0, false, false
	}
	return binary.BigEndian.Uint16(meta[1:]), meta[3]&metaLeaving != 0, true
}

// toMember converts a live memberlist node.
func toMember(n *memberlist.Node) Member {
	id, _, ok := decodeMeta(n.Meta)
	m := Member{Name: n.Name, ID: id, IDKnown: ok, State: MemberAlive}
	if a, ok := netip.AddrFromSlice(n.Addr); ok {
		m.Addr = netip.AddrPortFrom(a.Unmap(), n.Port)
	}
	return m
}

// deadRetention is how long a dead or departed member stays listed by
// Members and is retried by the reconnect loop.
const deadRetention = time.Hour

// memberBook records the membership events memberlist delivers, so that
// Members can list dead and departed PoPs (memberlist forgets them) and the
// receive path can map node names to PoP ids without calling into
// memberlist (whose locks are held while it delivers events).
type memberBook struct {
	mu    sync.RWMutex
	nodes map[string]bookEntry
}

type bookEntry struct {
	m     Member
	since time.Time
}

func newMemberBook() *memberBook { return &memberBook{nodes: make(map[string]bookEntry)} }

func (b *memberBook) set(m Member, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.nodes[m.Name] = bookEntry{m: m, since: now}
}

// lookup returns the recorded member called name.
func (b *memberBook) lookup(name string) (Member, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	e, ok := b.nodes[name]
	return e.m, ok
}

// claimant returns the name of a live member other than except whose meta
// claims PoP id, if any.
func (b *memberBook) claimant(id uint16, except string) (string, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for name, e := range b.nodes {
		if name != except && e.m.IDKnown && e.m.ID == id && e.m.State == MemberAlive {
			return name, true
		}
	}
	return "", false
}

// gone returns the dead (not departed) members, for reconnect attempts, and
// forgets entries older than deadRetention.
func (b *memberBook) gone(now time.Time) []Member {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []Member
	for name, e := range b.nodes {
		if e.m.State != MemberDead && e.m.State != MemberLeft {
			continue
		}
		if now.Sub(e.since) > deadRetention {
			delete(b.nodes, name)
			continue
		}
		if e.m.State == MemberDead {
			out = append(out, e.m)
		}
	}
	return out
}

// merge returns live, the members memberlist reports, plus the recorded dead
// and departed members not among them, sorted by name.
func (b *memberBook) merge(live []Member) []Member {
	seen := make(map[string]bool, len(live))
	for _, m := range live {
		seen[m.Name] = true
	}
	b.mu.RLock()
	for name, e := range b.nodes {
		if !seen[name] && (e.m.State == MemberDead || e.m.State == MemberLeft) {
			live = append(live, e.m)
		}
	}
	b.mu.RUnlock()
	slices.SortFunc(live, func(a, c Member) int { return strings.Compare(a.Name, c.Name) })
	return live
}
