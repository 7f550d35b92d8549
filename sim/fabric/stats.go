package fabric

import (
	"errors"
	"fmt"
	"sort"
	"time"
)

// LinkStats counts the frames of one directed link.
type LinkStats struct {
	From, To   string
	Forwarded  uint64 // frames delivered to the destination PoP
	Bytes      uint64 // bytes of those frames (Ethernet header included)
	Lost       uint64 // dropped by the loss model
	Cut        uint64 // dropped because the link was down (on entry or in flight)
	QueueDrops uint64 // tail-dropped by the rate limiter
	Overflow   uint64 // dropped because the frame pool was exhausted
}

// Stats is a snapshot of the fabric's counters.
type Stats struct {
	Links       []LinkStats // sorted by From, To
	InFlight    int         // frames held right now
	ARPReplies  uint64      // ARP requests answered
	NonIPv4     uint64      // frames neither IPv4 nor ARP (dropped)
	Malformed   uint64      // IPv4/ARP frames with a bad header (dropped)
	NoRoute     uint64      // IPv4 to an address no node has (dropped)
	UnknownPort uint64      // frames from an interface that is not a node's
	Oversize    uint64      // frames larger than the 1500-byte MTU (dropped)
	TxErrors    uint64      // frames the kernel refused to send
	RingDrops   uint64      // frames lost because the receive ring was full
	Late        uint64      // frames sent more than 250 µs after their due time
	MaxLateness time.Duration
}

// Stats returns the current counters from the forwarder process.
func (f *Fabric) Stats() (Stats, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return Stats{}, errors.New("fabric closed")
	}
	resp, err := f.call(request{Op: opStats})
	if err != nil {
		return Stats{}, err
	}
	if resp.Stats == nil {
		return Stats{}, errors.New("forwarder: stats response without stats")
	}
	w := resp.Stats
	s := Stats{
		Links:       make([]LinkStats, 0, len(w.Links)),
		InFlight:    w.InFlight,
		ARPReplies:  w.ARPReplies,
		NonIPv4:     w.NonIPv4,
		Malformed:   w.Malformed,
		NoRoute:     w.NoRoute,
		UnknownPort: w.UnknownPort,
		Oversize:    w.Oversize,
		TxErrors:    w.TxErrors,
		RingDrops:   w.RingDrops,
		Late:        w.Late,
		MaxLateness: time.Duration(w.MaxLateNs),
	}
	for _, l := range w.Links {
		if l.From < 0 || l.From >= len(f.ports) || l.To < 0 || l.To >= len(f.ports) {
			return Stats{}, fmt.Errorf("forwarder: stats for unknown link %d->%d", l.From, l.To)
		}
		s.Links = append(s.Links, LinkStats{
			From: f.ports[l.From].name, To: f.ports[l.To].name,
			Forwarded: l.Forwarded, Bytes: l.Bytes, Lost: l.Lost, Cut: l.Cut,
			QueueDrops: l.QueueDrops, Overflow: l.Overflow,
		})
	}
	sort.Slice(s.Links, func(i, j int) bool {
		a, b := s.Links[i], s.Links[j]
		if a.From != b.From {
			return a.From < b.From
		}
		return a.To < b.To
	})
	return s, nil
}

// LinkStats returns the counters of the directed link from -> to.
func (f *Fabric) LinkStats(from, to string) (LinkStats, error) {
	s, err := f.Stats()
	if err != nil {
		return LinkStats{}, err
	}
	for _, l := range s.Links {
		if l.From == from && l.To == to {
			return l, nil
		}
	}
	return LinkStats{}, fmt.Errorf("link %s->%s: no such link", from, to)
}
