package xdp

import (
	"bytes"
	"encoding/binary"
	"net/netip"

	"github.com/argonet/argo/overlay"
)

// XDP actions as returned by the program.
const (
	xdpAborted  = 0
	xdpDrop     = 1
	xdpPass     = 2
	xdpTX       = 3
	xdpRedirect = 4
)

// action returns the XDP action the program returns for frames counted
// under c.
func (c Counter) xdpAction() uint32 {
	switch c.Action() {
	case "drop":
		return xdpDrop
	case "tx":
		return xdpTX
	case "redirect":
		return xdpRedirect
	}
	return xdpPass
}

// fibResult is what the model's FIB returns for a next-hop address.
type fibResult struct {
	ifindex    int
	smac, dmac [6]byte
}

// model is the Go reference of the XDP program (without rate limits): the
// same decisions, written from DESIGN.md and overlay.Decide, and the relay
// rewrite with RFC 1624 incremental checksum updates.
type model struct {
	self    uint16
	port    uint16
	pops    map[uint16]netip.Addr
	block   []netip.Prefix
	ingress int
	egress  map[int]bool
	fib     func(dst netip.Addr) (fibResult, bool)
	zeroUDP bool // Config.ZeroUDPChecksum
}

// run returns the counter the program must count frame b under, and for
// relays the rewritten frame.
func (m *model) run(b []byte) (Counter, []byte) {
	if len(b) < 14 {
		return CounterPass, nil
	}
	proto, l3, vlan := binary.BigEndian.Uint16(b[12:]), 14, false
	if proto == 0x8100 || proto == 0x88a8 {
		if len(b) < 18 {
			return CounterPass, nil
		}
		proto, l3, vlan = binary.BigEndian.Uint16(b[16:]), 18, true
	}
	switch proto {
	case ethIPv4:
		return m.ipv4(b, l3, vlan)
	case ethIPv6:
		return m.ipv6(b[l3:]), nil
	}
	return CounterPass, nil
}

func (m *model) blocked(a netip.Addr) bool {
	for _, p := range m.block {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func (m *model) ipv6(ip []byte) Counter {
	if len(ip) < 40 {
		return CounterPass
	}
	if m.blocked(netip.AddrFrom16([16]byte(ip[8:24]))) {
		return CounterDropBlocklist
	}
	if ip[6] != protoUDP || len(ip) < 48 {
		return CounterPass
	}
	if binary.BigEndian.Uint16(ip[42:]) == m.port {
		return CounterPassIPv6
	}
	return CounterPass
}

func (m *model) ipv4(b []byte, l3 int, vlan bool) (Counter, []byte) {
	ip := b[l3:]
	if len(ip) < 20 || ip[0]>>4 != 4 || ip[0]&15 < 5 {
		return CounterPass, nil
	}
	src := netip.AddrFrom4([4]byte(ip[12:16]))
	dst := netip.AddrFrom4([4]byte(ip[16:20]))
	if m.blocked(src) {
		return CounterDropBlocklist, nil
	}
	frag := binary.BigEndian.Uint16(ip[6:])
	ihl := int(ip[0]&15) * 4
	if ip[9] != protoUDP || frag&0x1fff != 0 || len(ip) < ihl+8 {
		return CounterPass, nil
	}
	udp := ip[ihl:]
	if binary.BigEndian.Uint16(udp[2:]) != m.port {
		return CounterPass, nil
	}
	self, ok := m.pops[m.self]
	if !ok {
		return CounterPassNoPeer, nil
	}
	if dst != self {
		return CounterPass, nil
	}
	known := false
	for _, a := range m.pops {
		known = known || a == src
	}
	if !known {
		return CounterDropUnknownSource, nil
	}
	if frag&0x2000 != 0 {
		return CounterPassFragment, nil
	}
	tot := int(binary.BigEndian.Uint16(ip[2:]))
	if tot < ihl+8 || tot > len(ip) || int(binary.BigEndian.Uint16(udp[4:])) != tot-ihl {
		return CounterDropMalformed, nil
	}
	payload := udp[8 : tot-ihl]
	verdict, next, reason := overlay.Decide(payload, m.self)
	switch verdict {
	case overlay.Drop:
		return dropCounter[reason], nil
	case overlay.Deliver:
		return CounterDeliver, nil
	}
	if vlan {
		return CounterPassVLAN, nil
	}
	nextAddr, ok := m.pops[next]
	if !ok {
		return CounterPassNoPeer, nil
	}
	r, ok := m.fib(nextAddr)
	if !ok || (r.ifindex != m.ingress && !m.egress[r.ifindex]) {
		return CounterPassFIB, nil
	}
	out := relayRewrite(b, l3, self, nextAddr, r.smac, r.dmac, m.zeroUDP)
	if r.ifindex != m.ingress {
		return CounterRelayRedirect, out
	}
	return CounterRelayTX, out
}

// dropCounter maps overlay.Decide's drop reasons to counters.
var dropCounter = map[overlay.DropReason]Counter{
	overlay.Short:      CounterDropShort,
	overlay.BadVersion: CounterDropBadVersion,
	overlay.BadType:    CounterDropBadType,
	overlay.BadCount:   CounterDropBadCount,
	overlay.BadIndex:   CounterDropBadIndex,
	overlay.WrongHop:   CounterDropWrongHop,
	overlay.Loop:       CounterDropLoop,
}

// relayRewrite is the reference relay rewrite: MACs, hop index, addresses,
// and RFC 1624 eqn. 3 checksum updates (a zero UDP checksum stays zero, a
// computed zero becomes 0xffff; zeroUDP clears the UDP checksum instead).
func relayRewrite(b []byte, l3 int, self, next netip.Addr, smac, dmac [6]byte, zeroUDP bool) []byte {
	out := bytes.Clone(b)
	copy(out[0:6], dmac[:])
	copy(out[6:12], smac[:])
	ip := out[l3:]
	ihl := int(ip[0]&15) * 4
	udp := ip[ihl:]
	old := append(bytes.Clone(ip[12:20]), udp[10:12]...)
	copy(ip[12:16], self.AsSlice())
	copy(ip[16:20], next.AsSlice())
	overlay.AdvanceIndex(udp[8:])
	now := append(bytes.Clone(ip[12:20]), udp[10:12]...)
	binary.BigEndian.PutUint16(ip[10:], csumReplace(binary.BigEndian.Uint16(ip[10:]), old[:8], now[:8]))
	if zeroUDP {
		udp[6], udp[7] = 0, 0
	} else if c := binary.BigEndian.Uint16(udp[6:]); c != 0 {
		c = csumReplace(c, old, now)
		if c == 0 {
			c = 0xffff
		}
		binary.BigEndian.PutUint16(udp[6:], c)
	}
	return out
}

// csumReplace updates checksum hc for 16-bit words changing from old to
// now: HC' = ~(~HC + ~m + m').
func csumReplace(hc uint16, old, now []byte) uint16 {
	sum := uint32(^hc)
	for i := 0; i+1 < len(old); i += 2 {
		sum += uint32(^binary.BigEndian.Uint16(old[i:]))
		sum += uint32(binary.BigEndian.Uint16(now[i:]))
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

// fullRelay is a second, independent reference: it applies the relay's
// field changes and recomputes both checksums from scratch. For frames
// whose input checksums are valid it must equal relayRewrite's output.
func fullRelay(b []byte, l3 int, self, next netip.Addr, smac, dmac [6]byte, zeroUDP bool) []byte {
	out := bytes.Clone(b)
	copy(out[0:6], dmac[:])
	copy(out[6:12], smac[:])
	ip := out[l3:]
	ihl := int(ip[0]&15) * 4
	copy(ip[12:16], self.AsSlice())
	copy(ip[16:20], next.AsSlice())
	ip[10], ip[11] = 0, 0
	binary.BigEndian.PutUint16(ip[10:], ipChecksum(ip[:ihl]))
	udp := ip[ihl:binary.BigEndian.Uint16(ip[2:])]
	udp[8+3]++
	if zeroUDP {
		udp[6], udp[7] = 0, 0
	} else if binary.BigEndian.Uint16(udp[6:]) != 0 {
		udp[6], udp[7] = 0, 0
		binary.BigEndian.PutUint16(udp[6:], udpChecksum(self, next, udp))
	}
	return out
}
