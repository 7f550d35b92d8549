package xdp

import (
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/vishvananda/netlink"
)

// Underlay subnets of the A - B - C topology (inside its namespaces).
var (
	fabricNet = netip.MustParsePrefix("198.19.80.0/24") // the shared "Internet" bridge
	bcNet     = netip.MustParsePrefix("198.19.81.0/24") // B's second link, straight to C
)

// PoP ids of the topology.
const (
	popA, popB, popC = 1, 2, 3
)

// threePoPs is three PoP namespaces A, B, C whose underlay interfaces u0
// hang off one bridge in a fabric namespace, B running the XDP program on
// its u0. With direct, B also has u1 straight to C's u1, C's PoP address
// is on that link and B relays with XDP_REDIRECT instead of XDP_TX.
//
// Nothing in it is specific to synthetic packets: argod, wireguard-go or
// any socket can run inside A, B and C through testNS.do or testNS.cmd.
type threePoPs struct {
	fabric, a, b, c *testNS
	pops            map[uint16]netip.Addr // underlay address of each PoP
	bx              *XDP                  // B's program
}

// topoOpts selects B's program configuration.
type topoOpts struct {
	mode    Mode
	direct  bool // B reaches C over a second link (XDP_REDIRECT)
	zeroUDP bool // Config.ZeroUDPChecksum
	noXDP   bool // leave B without the program (a userspace relay's baseline)
}

// newThreePoPs builds the topology and loads B's program.
func newThreePoPs(t *testing.T, o topoOpts) *threePoPs {
	t.Helper()
	needRoot(t)
	tp := &threePoPs{fabric: newNS(t, "fab"), a: newNS(t, "a"), b: newNS(t, "b"), c: newNS(t, "c")}
	br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: "br0"}}
	if err := tp.fabric.nl.LinkAdd(br); err != nil {
		t.Fatalf("bridge: %v", err)
	}
	brl := tp.fabric.link(t, "br0")
	if err := tp.fabric.nl.LinkSetUp(brl); err != nil {
		t.Fatal(err)
	}
	tp.pops = map[uint16]netip.Addr{}
	uplinks := map[uint16]netlink.Link{}
	for i, p := range []struct {
		id   uint16
		ns   *testNS
		port string
	}{{popA, tp.a, "pa"}, {popB, tp.b, "pb"}, {popC, tp.c, "pc"}} {
		addr := hostIn(fabricNet, i+1)
		tp.pops[p.id] = addr
		u, fab := veth(t, p.ns, "u0", netip.PrefixFrom(addr, 24), tp.fabric, p.port, netip.Prefix{})
		if err := tp.fabric.nl.LinkSetMaster(fab, brl); err != nil {
			t.Fatal(err)
		}
		uplinks[p.id] = u
	}
	bOut, cIn := uplinks[popB], uplinks[popC]
	var egress []string
	if o.direct {
		bOut, cIn = veth(t, tp.b, "u1", netip.PrefixFrom(hostIn(bcNet, 2), 24), tp.c, "u1", netip.PrefixFrom(hostIn(bcNet, 3), 24))
		tp.pops[popC] = hostIn(bcNet, 3)
		// C answers B's relayed traffic on the direct link (rp_filter).
		tp.c.route(t, netip.PrefixFrom(tp.pops[popB], 32), hostIn(bcNet, 2))
		egress = []string{"u1"}
	}
	// B resolves C statically, so that the first relayed packet does not
	// depend on ARP (a FIB/neighbour miss is passed to userspace).
	tp.b.neigh(t, bOut, tp.pops[popC], cIn.Attrs().HardwareAddr)
	tp.b.sysctl(t, "net.ipv4.conf.all.forwarding", "1")
	tp.b.sysctl(t, "net.ipv4.conf.u0.forwarding", "1")

	if o.mode != ModeGeneric {
		// Native XDP_TX/REDIRECT into a veth needs a program on the peer.
		tp.fabric.must(t, func() error { return attachPassCleanup(t, "pb") })
		if o.direct {
			tp.c.must(t, func() error { return attachPassCleanup(t, "u1") })
		}
	}
	if o.noXDP {
		return tp
	}
	cfg := Config{PopName: "abc-" + uniq(), PopID: popB, Interface: "u0", Mode: o.mode,
		PinRoot: tempPinRoot(t), Egress: egress, ZeroUDPChecksum: o.zeroUDP}
	tp.b.must(t, func() error {
		var err error
		tp.bx, err = Load(cfg, discardLog(), nil)
		return err
	})
	t.Cleanup(func() { tp.bx.Close() })
	if err := tp.bx.SetPoPs(tp.pops); err != nil {
		t.Fatal(err)
	}
	return tp
}

// attachPassCleanup attaches the pass program to ifname in the calling
// thread's namespace until the test ends.
func attachPassCleanup(t *testing.T, ifname string) error {
	p, err := AttachPass(ifname)
	if err != nil {
		return err
	}
	t.Cleanup(func() { p.Close() })
	return nil
}

// udpConn opens a UDP socket in ns bound to addr:port.
func udpConn(t *testing.T, ns *testNS, addr netip.Addr, port uint16) *net.UDPConn {
	t.Helper()
	var c *net.UDPConn
	ns.must(t, func() error {
		var err error
		c, err = net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(addr, port)))
		return err
	})
	t.Cleanup(func() { c.Close() })
	return c
}

// udpInCsumErrors reads the UDP InCsumErrors counter of ns.
func udpInCsumErrors(t *testing.T, ns *testNS) int {
	t.Helper()
	return udpCounter(t, ns, "InCsumErrors")
}

// udpCounter reads counter name of the Udp line of snmp in ns. It reads
// /proc/thread-self/net: /proc/net is /proc/self/net, the namespace of the
// process's main thread, not of the calling thread.
func udpCounter(t *testing.T, ns *testNS, name string) int {
	t.Helper()
	var snmp []byte
	ns.must(t, func() error {
		var err error
		snmp, err = os.ReadFile("/proc/thread-self/net/snmp")
		return err
	})
	var names, values []string
	for _, line := range strings.Split(string(snmp), "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == "Udp:" {
			if names == nil {
				names = f
			} else {
				values = f
			}
		}
	}
	for i, n := range names {
		if n == name && i < len(values) {
			v, err := strconv.Atoi(values[i])
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
	}
	t.Fatalf("no Udp %s in /proc/net/snmp of %s", name, ns.name)
	return 0
}

// noTxChecksumOffload makes ifname in ns compute UDP checksums in software,
// so that frames on the wire carry complete checksums as from a physical
// NIC (see Config.ZeroUDPChecksum).
func noTxChecksumOffload(t *testing.T, ns *testNS, ifname string) {
	t.Helper()
	if out, err := ns.cmd("ethtool", "-K", ifname, "tx", "off").CombinedOutput(); err != nil {
		t.Fatalf("ethtool -K %s tx off: %v: %s", ifname, err, out)
	}
}
