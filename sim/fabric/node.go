package fabric

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"regexp"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// nodeNameRE: node names end up in interface names and metric labels.
var nodeNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$`)

// underlayMTU is the MTU of every fabric veth.
const underlayMTU = 1500

// AddNode connects the existing named network namespace ns to the fabric as
// node name with underlay address addr (the prefix length gives the shared
// on-link subnet, for example 198.18.7.1/24). It creates a veth pair whose
// PoP end, returned as ifname, is moved into ns, addressed and brought up,
// with TSO, GSO and transmit checksum offload off so that the fabric sees
// one wire packet per frame. Links to and from every existing node start
// with the default parameters.
func (f *Fabric) AddNode(name, ns string, addr netip.Prefix) (ifname string, err error) {
	if !nodeNameRE.MatchString(name) {
		return "", fmt.Errorf("node name %q: want 1-32 of [A-Za-z0-9_-], starting with a letter or digit", name)
	}
	if !addr.IsValid() || !addr.Addr().Is4() || addr.Bits() < 8 || addr.Bits() > 30 {
		return "", fmt.Errorf("node %s: address %v: want an IPv4 prefix /8 to /30", name, addr)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return "", errors.New("fabric closed")
	}
	if _, dup := f.byName[name]; dup {
		return "", fmt.Errorf("node %s: already attached", name)
	}
	a4 := addr.Addr().As4()
	ip := binary.BigEndian.Uint32(a4[:])
	for _, p := range f.ports {
		if p.addr == ip {
			return "", fmt.Errorf("node %s: address %v already used by node %s", name, addr.Addr(), p.name)
		}
	}
	popNs, err := netns.GetFromName(ns)
	if err != nil {
		return "", fmt.Errorf("node %s: netns %q: %w", name, ns, err)
	}
	defer popNs.Close()

	p := &port{idx: len(f.ports), name: name, ns: ns, addr: ip}
	p.ifname = fmt.Sprintf("p%d", p.idx)
	p.popIf = popIfName(name, p.idx)
	if err := f.plug(p, popNs, addr); err != nil {
		if l, lerr := f.nl.LinkByName(p.ifname); lerr == nil {
			_ = f.nl.LinkDel(l) // removes the peer too, wherever it is
		}
		return "", fmt.Errorf("node %s: %w", name, err)
	}
	wp := &wirePort{Idx: p.idx, Name: name, Ifindex: p.ifindex, MAC: p.mac, PeerMAC: p.peerMAC, Addr: ip}
	def := f.def
	if _, err := f.call(request{Op: opPort, Port: wp, Params: &def}); err != nil {
		if l, lerr := f.nl.LinkByName(p.ifname); lerr == nil {
			_ = f.nl.LinkDel(l)
		}
		return "", fmt.Errorf("node %s: %w", name, err)
	}
	f.ports = append(f.ports, p)
	f.byName[name] = p
	for _, q := range f.ports[:p.idx] {
		f.links[[2]int{p.idx, q.idx}] = &linkCtl{from: p.idx, to: q.idx, base: def}
		f.links[[2]int{q.idx, p.idx}] = &linkCtl{from: q.idx, to: p.idx, base: def}
	}
	f.log.Info("node attached", "node", name, "netns", ns, "ifname", p.popIf, "addr", addr)
	return p.popIf, nil
}

// popIfName is the PoP-side interface name: "wan-<node>" when it fits in
// IFNAMSIZ, "wan<idx>" otherwise.
func popIfName(node string, idx int) string {
	if n := "wan-" + node; len(n) <= 15 {
		return n
	}
	return fmt.Sprintf("wan%d", idx)
}

// plug creates and configures the veth pair of p.
func (f *Fabric) plug(p *port, popNs netns.NsHandle, addr netip.Prefix) error {
	veth := &netlink.Veth{
		LinkAttrs: netlink.LinkAttrs{Name: p.ifname, MTU: underlayMTU, GSOMaxSegs: 1},
		PeerName:  p.popIf,
	}
	if err := f.nl.LinkAdd(veth); err != nil {
		return fmt.Errorf("create veth %s/%s: %w", p.ifname, p.popIf, err)
	}
	peer, err := f.nl.LinkByName(p.popIf)
	if err != nil {
		return fmt.Errorf("find %s: %w", p.popIf, err)
	}
	if err := f.nl.LinkSetGSOMaxSegs(peer, 1); err != nil {
		return fmt.Errorf("%s gso_max_segs: %w", p.popIf, err)
	}
	if err := disableOffloads(f.ctlFd, p.popIf); err != nil {
		return err
	}
	copy(p.peerMAC[:], peer.Attrs().HardwareAddr)
	if err := f.nl.LinkSetNsFd(peer, int(popNs)); err != nil {
		return fmt.Errorf("move %s into netns %s: %w", p.popIf, p.ns, err)
	}
	pnl, err := netlink.NewHandleAt(popNs)
	if err != nil {
		return fmt.Errorf("netlink in %s: %w", p.ns, err)
	}
	defer pnl.Close()
	peer, err = pnl.LinkByName(p.popIf)
	if err != nil {
		return fmt.Errorf("find %s in %s: %w", p.popIf, p.ns, err)
	}
	ipnet := &net.IPNet{IP: addr.Addr().AsSlice(), Mask: net.CIDRMask(addr.Bits(), 32)}
	if err := pnl.AddrAdd(peer, &netlink.Addr{IPNet: ipnet}); err != nil {
		return fmt.Errorf("add %v to %s: %w", addr, p.popIf, err)
	}
	if err := pnl.LinkSetUp(peer); err != nil {
		return fmt.Errorf("up %s: %w", p.popIf, err)
	}
	fab, err := f.nl.LinkByName(p.ifname)
	if err != nil {
		return fmt.Errorf("find %s: %w", p.ifname, err)
	}
	if err := f.nl.LinkSetUp(fab); err != nil {
		return fmt.Errorf("up %s: %w", p.ifname, err)
	}
	p.ifindex = fab.Attrs().Index
	copy(p.mac[:], fab.Attrs().HardwareAddr)
	return nil
}
