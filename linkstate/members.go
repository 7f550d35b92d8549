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

// memberBook records the membership events memberlist delivers. It is the
// only source of member data this package reads: memberlist's Members and
// LocalNode return pointers into state that memberlist keeps mutating (a data
// race), while events are delivered under memberlist's lock and copied here.
// It also remembers dead and departed members, which memberlist forgets.
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

// members returns every recorded member, sorted by name, after forgetting
// dead and departed ones older than deadRetention.
func (b *memberBook) members(now time.Time) []Member {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]Member, 0, len(b.nodes))
	for name, e := range b.nodes {
		if e.m.State != MemberAlive && now.Sub(e.since) > deadRetention {
			delete(b.nodes, name)
			continue
		}
		out = append(out, e.m)
	}
	slices.SortFunc(out, func(a, c Member) int { return strings.Compare(a.Name, c.Name) })
	return out
}

// node returns a memberlist node to send to.
func (m Member) node() *memberlist.Node {
	return &memberlist.Node{Name: m.Name, Addr: m.Addr.Addr().AsSlice(), Port: m.Addr.Port()}
}
