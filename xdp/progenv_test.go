package xdp

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"os"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/vishvananda/netlink"
)

// xdpMd mirrors struct xdp_md, the context BPF_PROG_TEST_RUN accepts.
type xdpMd struct {
	Data, DataEnd, DataMeta, IngressIfindex, RxQueueIndex, EgressIfindex uint32
}

// Subnets of the Program.Run environment (inside its own namespace).
var (
	txNet       = netip.MustParsePrefix("198.19.77.0/24") // reached through the ingress interface
	redirectNet = netip.MustParsePrefix("198.19.78.0/24") // reached through a second interface
	noRouteNet  = netip.MustParsePrefix("203.0.113.0/24") // no route
)

// progEnv is the program loaded without pins, plus a namespace whose
// routes and neighbours bpf_fib_lookup resolves:
//
//	r0 198.19.77.2/24 (ingress) -- r1;  r2 198.19.78.2/24 (egress) -- r3
//
// with permanent neighbours for .10-.49 of both subnets.
type progEnv struct {
	objs   *argoObjects
	tab    *tables
	ns     *testNS
	r0, r2 netlink.Link
}

func newProgEnv(t testing.TB) *progEnv {
	t.Helper()
	needRoot(t)
	objs, err := loadObjects("", discardLog())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { objs.Close() })
	tab, err := newTables(&objs.argoMaps, 0, DefaultOverlayPort, 0)
	if err != nil {
		t.Fatal(err)
	}
	e := &progEnv{objs: objs, tab: tab, ns: newNS(t, "run")}
	e.r0, _ = veth(t, e.ns, "r0", netip.MustParsePrefix("198.19.77.2/24"), e.ns, "r1", netip.MustParsePrefix("198.19.77.1/24"))
	e.r2, _ = veth(t, e.ns, "r2", netip.MustParsePrefix("198.19.78.2/24"), e.ns, "r3", netip.MustParsePrefix("198.19.78.1/24"))
	for i := 10; i < 50; i++ {
		e.ns.neigh(t, e.r0, hostIn(txNet, i), neighMAC(hostIn(txNet, i)))
		e.ns.neigh(t, e.r2, hostIn(redirectNet, i), neighMAC(hostIn(redirectNet, i)))
	}
	e.ns.sysctl(t, "net.ipv4.conf.all.forwarding", "1")
	e.ns.sysctl(t, "net.ipv4.conf.r0.forwarding", "1")
	return e
}

// hostIn returns address number i of an IPv4 /24.
func hostIn(p netip.Prefix, i int) netip.Addr {
	a := p.Addr().As4()
	a[3] = byte(i)
	return netip.AddrFrom4(a)
}

// neighMAC is the MAC address the environment gives neighbour ip.
func neighMAC(ip netip.Addr) net.HardwareAddr {
	a := ip.As4()
	return net.HardwareAddr{0x02, 0xaa, a[0], a[1], a[2], a[3]}
}

// fib is the model of the environment's FIB.
func (e *progEnv) fib(dst netip.Addr) (fibResult, bool) {
	var l netlink.Link
	switch {
	case txNet.Contains(dst):
		l = e.r0
	case redirectNet.Contains(dst):
		l = e.r2
	default:
		return fibResult{}, false
	}
	if n := dst.As4()[3]; n < 10 || n >= 50 {
		return fibResult{}, false
	}
	r := fibResult{ifindex: l.Attrs().Index}
	copy(r.smac[:], l.Attrs().HardwareAddr)
	copy(r.dmac[:], neighMAC(dst))
	return r, true
}

// configure sets this PoP's id, the PoP table and the redirect ports, and
// returns the matching model.
func (e *progEnv) configure(t testing.TB, self uint16, pops map[uint16]netip.Addr, egress ...int) *model {
	return e.configureFlags(t, self, 0, pops, egress...)
}

// configureFlags is configure with config-map flags (cfg*).
func (e *progEnv) configureFlags(t testing.TB, self uint16, flags uint32, pops map[uint16]netip.Addr, egress ...int) *model {
	t.Helper()
	e.tab.mu.Lock()
	e.tab.self, e.tab.flags = self, flags
	e.tab.mu.Unlock()
	if err := e.tab.SetPoPs(pops); err != nil {
		t.Fatal(err)
	}
	// The devmap resolves ifindexes in the caller's namespace.
	e.ns.must(t, func() error { return e.tab.setEgress(egress) })
	m := &model{self: self, port: DefaultOverlayPort, pops: pops, ingress: e.r0.Attrs().Index,
		egress: map[int]bool{}, fib: e.fib, zeroUDP: flags&cfgZeroUDPChecksum != 0}
	for _, i := range egress {
		m.egress[i] = true
	}
	return m
}

// run runs the program once on frame, received on r0, and returns the
// action and the frame as the program left it.
func (e *progEnv) run(t testing.TB, frame []byte) (uint32, []byte) {
	t.Helper()
	opts := ebpf.RunOptions{
		Data:    frame,
		DataOut: make([]byte, len(frame)+256),
		Context: xdpMd{DataEnd: uint32(len(frame)), IngressIfindex: uint32(e.r0.Attrs().Index)},
	}
	var ret uint32
	e.ns.must(t, func() error {
		var err error
		ret, err = e.objs.ArgoXdp.Run(&opts)
		return err
	})
	return ret, opts.DataOut
}

// counters reads the program's counters.
func (e *progEnv) counters(t testing.TB) Counters {
	t.Helper()
	c, err := e.tab.Counters()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// vector is one entry of overlay/testdata/vectors.json.
type vector struct {
	Name    string  `json:"name"`
	Self    uint16  `json:"self"`
	Payload string  `json:"payload"`
	Verdict string  `json:"verdict"`
	Reason  string  `json:"reason"`
	NextHop *uint16 `json:"next_hop"`
	Out     string  `json:"out"`

	payload, out []byte
}

// loadVectors reads the vectors shared with the overlay package.
func loadVectors(t testing.TB) []vector {
	t.Helper()
	const path = "../overlay/testdata/vectors.json"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("shared vectors: %v", err)
	}
	var f struct{ Vectors []vector }
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(f.Vectors) == 0 {
		t.Fatalf("%s: no vectors", path)
	}
	for i := range f.Vectors {
		v := &f.Vectors[i]
		if v.payload, err = hex.DecodeString(v.Payload); err != nil {
			t.Fatalf("%s: vector %q payload: %v", path, v.Name, err)
		}
		if v.out, err = hex.DecodeString(v.Out); err != nil {
			t.Fatalf("%s: vector %q out: %v", path, v.Name, err)
		}
	}
	return f.Vectors
}

// vectorPoPs returns a PoP table holding every id the vectors use, with
// addresses .10, .11, ... of subnet.
func vectorPoPs(subnet netip.Prefix) map[uint16]netip.Addr {
	pops := map[uint16]netip.Addr{}
	for i, id := range []uint16{0, 0x0102, 0x0203, 0x0304, 0x0405, 0x0a0b, 0x7777, 0xffff} {
		pops[id] = hostIn(subnet, 10+i)
	}
	return pops
}

// senderID is the PoP the vector frames come from.
const senderID = 0x0a0b

func macOf(s string) [6]byte {
	m, err := net.ParseMAC(s)
	if err != nil {
		panic(err)
	}
	return [6]byte(m)
}

// vectorFrame wraps a vector payload for PoP self of pops.
func vectorFrame(v vector, pops map[uint16]netip.Addr) frame {
	return frame{
		srcMAC: macOf("02:00:00:00:00:01"), dstMAC: macOf("02:00:00:00:00:02"),
		src: pops[senderID], dst: pops[v.Self],
		sport: 40000 + uint16(len(v.payload)), dport: DefaultOverlayPort,
		payload: v.payload,
	}
}

func (v vector) String() string { return fmt.Sprintf("%s (self %d)", v.Name, v.Self) }
