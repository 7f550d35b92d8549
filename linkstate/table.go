package linkstate

import (
	"fmt"
	"math"
	"net/netip"
	"slices"
	"time"
)

// Limits enforced by Validate and UnmarshalBinary.
const (
	// MaxLinks is the largest number of links in one table.
	MaxLinks = 4096
	// MaxPrefixes is the largest number of prefixes in one table.
	MaxPrefixes = 1024
	// MaxRTT is the largest round-trip time a link may report.
	MaxRTT = 60 * time.Second
	// MaxJitter is the largest jitter a link may report.
	MaxJitter = 60 * time.Second
	// MaxTableBytes bounds the length of an encoded table.
	MaxTableBytes = 128 << 10
)

// Link is the measured state of the link from a table's origin to one peer.
type Link struct {
	Peer   uint16        // PoP id at the far end
	RTT    time.Duration // smoothed round-trip time, 0..MaxRTT
	Jitter time.Duration // RTT variation, 0..MaxJitter
	Loss   float64       // packet loss ratio in [0,1]
	Up     bool          // false when the prober declared the link down
}

// Table is the link table one PoP publishes: its measured links and the
// prefixes it serves.
type Table struct {
	Origin   uint16         // PoP id of the publisher
	Version  uint64         // grows with every publication, also across restarts
	Links    []Link         // sorted by Peer, unique
	Prefixes []netip.Prefix // prefixes this PoP serves; canonical, sorted, unique
	Draining bool           // the operator drained this PoP
}

// Validate reports the first field of t that breaks the table rules, or nil.
func (t *Table) Validate() error {
	if len(t.Links) > MaxLinks {
		return fmt.Errorf("linkstate: links: count %d exceeds limit %d", len(t.Links), MaxLinks)
	}
	for i := range t.Links {
		var prev int = -1
		if i > 0 {
			prev = int(t.Links[i-1].Peer)
		}
		if err := checkLink(t.Links[i], prev, t.Origin); err != nil {
			return fmt.Errorf("linkstate: links[%d]: %w", i, err)
		}
	}
	if len(t.Prefixes) > MaxPrefixes {
		return fmt.Errorf("linkstate: prefixes: count %d exceeds limit %d", len(t.Prefixes), MaxPrefixes)
	}
	for i, p := range t.Prefixes {
		if err := checkPrefix(p); err != nil {
			return fmt.Errorf("linkstate: prefixes[%d]: %w", i, err)
		}
		if i > 0 && t.Prefixes[i-1].Compare(p) >= 0 {
			return fmt.Errorf("linkstate: prefixes[%d]: %s not after %s (prefixes must be sorted and unique)", i, p, t.Prefixes[i-1])
		}
	}
	return nil
}

// checkLink checks one link; prev is the previous link's peer or -1.
func checkLink(l Link, prev int, origin uint16) error {
	switch {
	case int(l.Peer) <= prev:
		return fmt.Errorf("peer %d not above previous peer %d (links must be sorted by peer, unique)", l.Peer, prev)
	case l.Peer == origin:
		return fmt.Errorf("peer %d is the origin itself", l.Peer)
	}
	return checkMetrics(l)
}

// checkMetrics checks the measured values of one link.
func checkMetrics(l Link) error {
	switch {
	case l.RTT < 0 || l.RTT > MaxRTT:
		return fmt.Errorf("rtt %v not in [0,%v]", l.RTT, MaxRTT)
	case l.Jitter < 0 || l.Jitter > MaxJitter:
		return fmt.Errorf("jitter %v not in [0,%v]", l.Jitter, MaxJitter)
	case math.IsNaN(l.Loss):
		return fmt.Errorf("loss is NaN")
	case l.Loss < 0 || l.Loss > 1:
		return fmt.Errorf("loss %g not in [0,1]", l.Loss)
	}
	return nil
}

// checkPrefix checks that p is a valid, canonical (masked) prefix that is
// plainly IPv4 or IPv6.
func checkPrefix(p netip.Prefix) error {
	switch {
	case !p.IsValid():
		return fmt.Errorf("invalid prefix %q", p.String())
	case p.Addr().Is4In6():
		return fmt.Errorf("%s: IPv4-mapped IPv6 prefix; use the IPv4 form", p)
	case p.Addr().Zone() != "":
		return fmt.Errorf("%s: prefix has a zone", p)
	case p != p.Masked():
		return fmt.Errorf("%s has host bits set (canonical form %s)", p, p.Masked())
	}
	return nil
}

// Normalize sorts t's links by peer and its prefixes, and drops duplicate
// prefixes. It does not repair anything else (duplicate peers, host bits in
// prefixes, out-of-range values): Validate reports those.
func (t *Table) Normalize() {
	slices.SortStableFunc(t.Links, func(a, b Link) int { return int(a.Peer) - int(b.Peer) })
	slices.SortFunc(t.Prefixes, netip.Prefix.Compare)
	t.Prefixes = slices.Compact(t.Prefixes)
}

// Clone returns a deep copy of t that shares no memory with it.
func (t Table) Clone() Table {
	t.Links = slices.Clone(t.Links)
	t.Prefixes = slices.Clone(t.Prefixes)
	return t
}

// Equal reports whether t and u are identical, Version included.
func (t Table) Equal(u Table) bool {
	return t.Version == u.Version && t.SameContent(u)
}

// SameContent reports whether t and u describe the same state: same origin,
// links, prefixes and draining flag, whatever their versions.
func (t Table) SameContent(u Table) bool {
	return t.Origin == u.Origin && t.Draining == u.Draining &&
		slices.Equal(t.Links, u.Links) && slices.Equal(t.Prefixes, u.Prefixes)
}
