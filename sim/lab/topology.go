package lab

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"

	"github.com/argonet/argo/sim/fabric"
	"github.com/argonet/argo/sim/scenario"
)

// This file builds the namespaces and links of a run.

// LinkParams converts a scenario link to the fabric's parameters.
func LinkParams(l scenario.LinkSpec) fabric.LinkParams {
	p := fabric.LinkParams{Delay: l.Delay, Jitter: l.Jitter, Loss: l.Loss, RateBps: l.RateBps}
	if l.GE != nil {
		p.GE = &fabric.GilbertElliott{P: l.GE.P, R: l.GE.R, GoodLoss: l.GE.GoodLoss, BadLoss: l.GE.BadLoss}
	}
	return p
}

// routerSysctls make a PoP namespace route between its veths and the
// backbone. Reverse-path filtering is off: replies of the direct echo and
// relayed overlay packets arrive on interfaces the strict check would
// reject on some hosts' inherited defaults.
var routerSysctls = [][2]string{
	{"net/ipv4/ip_forward", "1"},
	{"net/ipv4/conf/all/rp_filter", "0"},
	{"net/ipv4/conf/default/rp_filter", "0"},
}

// buildFabric starts the fabric and sets every configured link.
func (l *Lab) buildFabric(o Options) error {
	opts := []fabric.Option{}
	if o.Registerer != nil {
		opts = append(opts, fabric.WithRegisterer(o.Registerer))
	}
	if o.Seed != 0 {
		opts = append(opts, fabric.WithSeed(o.Seed))
	}
	f, err := fabric.NewFabric(l.Plan.ID, l.log, opts...)
	if err != nil {
		return fmt.Errorf("fabric: %w", err)
	}
	l.Fabric = f
	if err := f.SetDefault(LinkParams(l.Scenario.Links.Default)); err != nil {
		return fmt.Errorf("%s: links.default: %w", l.Scenario.File, err)
	}
	return nil
}

// addPop creates the PoP's namespace, attaches it to the fabric and sets
// its configured links to the PoPs attached before it.
func (l *Lab) addPop(p *PopPlan) error {
	if err := l.newNetns(p.Netns); err != nil {
		return err
	}
	if err := sysctls(p.Netns, routerSysctls...); err != nil {
		return err
	}
	if _, err := l.Fabric.AddNode(p.Name, p.Netns, p.Underlay); err != nil {
		return fmt.Errorf("PoP %s: %w", p.Name, err)
	}
	m := l.Scenario.Matrix()
	i, _ := m.Index(p.Name)
	for _, q := range l.Plan.Pops {
		j, _ := m.Index(q.Name)
		if j >= i {
			break // links to PoPs not attached yet are set when they are
		}
		if err := l.Fabric.SetLink(p.Name, q.Name, LinkParams(m.Link[i][j])); err != nil {
			return err
		}
		if err := l.Fabric.SetLink(q.Name, p.Name, LinkParams(m.Link[j][i])); err != nil {
			return err
		}
	}
	return nil
}

// newNetns creates a namespace with lo up and remembers it for Close.
func (l *Lab) newNetns(name string) error {
	if err := createNetns(name); err != nil {
		return err
	}
	l.created = append(l.created, name)
	h, err := handleAt(name)
	if err != nil {
		return err
	}
	defer h.Close()
	lo, err := h.LinkByName("lo")
	if err != nil {
		return fmt.Errorf("lo in %s: %w", name, err)
	}
	if err := h.LinkSetUp(lo); err != nil {
		return fmt.Errorf("lo up in %s: %w", name, err)
	}
	return nil
}

// handleAt returns a netlink handle in the named namespace.
func handleAt(name string) (*netlink.Handle, error) {
	ns, err := netns.GetFromName(name)
	if err != nil {
		return nil, fmt.Errorf("netns %s: %w", name, err)
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return nil, fmt.Errorf("netlink in %s: %w", name, err)
	}
	return h, nil
}

// addLeaf creates namespace ns (a client or an origin) joined to PoP pop by
// a veth: popIf (address gw/bits) in the PoP, eth0 (address addr/bits,
// default route via gw) in ns.
func (l *Lab) addLeaf(ns, pop, popIf string, bits int, gw, addr netip.Addr) error {
	pp, _ := l.Plan.Pop(pop)
	if err := l.newNetns(ns); err != nil {
		return err
	}
	leafNs, err := netns.GetFromName(ns)
	if err != nil {
		return fmt.Errorf("netns %s: %w", ns, err)
	}
	defer leafNs.Close()
	ph, err := handleAt(pp.Netns)
	if err != nil {
		return err
	}
	defer ph.Close()
	veth := &netlink.Veth{
		LinkAttrs:     netlink.LinkAttrs{Name: popIf, MTU: 1500},
		PeerName:      "eth0",
		PeerNamespace: netlink.NsFd(int(leafNs)),
	}
	if err := ph.LinkAdd(veth); err != nil {
		return fmt.Errorf("veth %s in %s: %w", popIf, pp.Netns, err)
	}
	if err := upWithAddr(ph, popIf, netip.PrefixFrom(gw, bits)); err != nil {
		return err
	}
	lh, err := netlink.NewHandleAt(leafNs)
	if err != nil {
		return fmt.Errorf("netlink in %s: %w", ns, err)
	}
	defer lh.Close()
	if err := upWithAddr(lh, "eth0", netip.PrefixFrom(addr, bits)); err != nil {
		return err
	}
	eth0, err := lh.LinkByName("eth0")
	if err != nil {
		return err
	}
	def := &netlink.Route{LinkIndex: eth0.Attrs().Index, Gw: gw.AsSlice(),
		Dst: &net.IPNet{IP: net.IPv4zero, Mask: net.CIDRMask(0, 32)}}
	if err := lh.RouteAdd(def); err != nil {
		return fmt.Errorf("default route in %s: %w", ns, err)
	}
	return nil
}

// upWithAddr adds addr to interface name and brings it up.
func upWithAddr(h *netlink.Handle, name string, addr netip.Prefix) error {
	link, err := h.LinkByName(name)
	if err != nil {
		return fmt.Errorf("find %s: %w", name, err)
	}
	ipnet := &net.IPNet{IP: addr.Addr().AsSlice(), Mask: net.CIDRMask(addr.Bits(), 32)}
	if err := h.AddrAdd(link, &netlink.Addr{IPNet: ipnet}); err != nil {
		return fmt.Errorf("address %v on %s: %w", addr, name, err)
	}
	if err := h.LinkSetUp(link); err != nil {
		return fmt.Errorf("up %s: %w", name, err)
	}
	return nil
}
