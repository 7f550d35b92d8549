package xdp

import (
	"encoding/json"
	"fmt"
)

// Counter identifies one per-reason packet counter of the program. Every
// frame the program sees is counted under exactly one Counter.
type Counter int

// Counters, in the order of enum cnt in bpf/argo.c.
const (
	CounterPass              Counter = iota // not overlay traffic for this PoP
	CounterDropBlocklist                    // source in the blocklist
	CounterDropRateLimit                    // over a per-source rate limit
	CounterDropUnknownSource                // overlay datagram from a non-PoP address
	CounterDropMalformed                    // IPv4/UDP lengths disagree with the frame
	CounterDropShort                        // overlay.Short
	CounterDropBadVersion                   // overlay.BadVersion
	CounterDropBadType                      // overlay.BadType
	CounterDropBadCount                     // overlay.BadCount
	CounterDropBadIndex                     // overlay.BadIndex
	CounterDropWrongHop                     // overlay.WrongHop
	CounterDropLoop                         // overlay.Loop
	CounterDeliver                          // this PoP is the destination: passed up
	CounterRelayTX                          // relayed with XDP_TX
	CounterRelayRedirect                    // relayed with XDP_REDIRECT
	CounterPassIPv6                         // overlay over IPv6: userspace relays
	CounterPassFragment                     // fragmented overlay datagram: userspace
	CounterPassVLAN                         // VLAN-tagged relay: userspace
	CounterPassNoPeer                       // own or next hop's address unknown: userspace
	CounterPassFIB                          // FIB/neighbour miss or egress not allowed: userspace
	CounterPassNoConfig                     // program not configured yet
	NumCounters                             // number of counters
)

var counterInfo = [NumCounters]struct{ action, reason string }{
	CounterPass:              {"pass", "not_overlay"},
	CounterDropBlocklist:     {"drop", "blocklist"},
	CounterDropRateLimit:     {"drop", "ratelimit"},
	CounterDropUnknownSource: {"drop", "unknown_source"},
	CounterDropMalformed:     {"drop", "malformed"},
	CounterDropShort:         {"drop", "short"},
	CounterDropBadVersion:    {"drop", "bad_version"},
	CounterDropBadType:       {"drop", "bad_type"},
	CounterDropBadCount:      {"drop", "bad_count"},
	CounterDropBadIndex:      {"drop", "bad_index"},
	CounterDropWrongHop:      {"drop", "wrong_hop"},
	CounterDropLoop:          {"drop", "loop"},
	CounterDeliver:           {"pass", "deliver"},
	CounterRelayTX:           {"tx", "relay"},
	CounterRelayRedirect:     {"redirect", "relay"},
	CounterPassIPv6:          {"pass", "ipv6"},
	CounterPassFragment:      {"pass", "fragment"},
	CounterPassVLAN:          {"pass", "vlan"},
	CounterPassNoPeer:        {"pass", "no_peer"},
	CounterPassFIB:           {"pass", "fib_miss"},
	CounterPassNoConfig:      {"pass", "no_config"},
}

// Action is the XDP action taken for frames under this counter: "pass",
// "drop", "tx" or "redirect".
func (c Counter) Action() string {
	if c < 0 || c >= NumCounters {
		return "unknown"
	}
	return counterInfo[c].action
}

// Reason says why; drop reasons of the overlay header use the names of
// overlay.DropReason.
func (c Counter) Reason() string {
	if c < 0 || c >= NumCounters {
		return "unknown"
	}
	return counterInfo[c].reason
}

// String returns "action_reason", for example "drop_blocklist".
func (c Counter) String() string {
	return c.Action() + "_" + c.Reason()
}

// Stat is a packet and byte count.
type Stat struct {
	Packets uint64 `json:"packets"`
	Bytes   uint64 `json:"bytes"`
}

// Counters holds every counter, summed over CPUs, indexed by Counter.
type Counters [NumCounters]Stat

// Total returns the sum of all counters: every frame the program saw.
func (c Counters) Total() Stat {
	var s Stat
	for _, v := range c {
		s.Packets += v.Packets
		s.Bytes += v.Bytes
	}
	return s
}

// MarshalJSON encodes the counters as an object keyed by Counter.String.
func (c Counters) MarshalJSON() ([]byte, error) {
	m := make(map[string]Stat, NumCounters)
	for i, v := range c {
		m[Counter(i).String()] = v
	}
	return json.Marshal(m)
}

// Counters reads and sums the per-CPU counters.
func (t *tables) Counters() (Counters, error) {
	var out Counters
	var vals []argoCounter // one per possible CPU
	for i := range NumCounters {
		if err := t.m.ArgoCounters.Lookup(uint32(i), &vals); err != nil {
			return Counters{}, fmt.Errorf("xdp: read counter %s: %w", i, err)
		}
		for _, v := range vals {
			out[i].Packets += v.Packets
			out[i].Bytes += v.Bytes
		}
	}
	return out, nil
}
