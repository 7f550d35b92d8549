package xdp

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cilium/ebpf/link"
)

// The drop comparison: A floods B with UDP from a blocklisted source over
// a veth pair (frames from the live-frames generator); B drops them with
// the argo XDP blocklist or with an nftables rule, and the figure is the
// packets B dropped per CPU-second of B's NAPI kthread. The blocklist is
// the source's /32 alone (one nftables rule), or that and 1024 other
// prefixes (an nftables interval set).

// Addresses of the drop lab (inside its own namespaces).
var (
	dropNet = netip.MustParsePrefix("198.19.88.0/24")
	dropSrc = hostIn(dropNet, 1) // A, the blocklisted source
	dropDst = hostIn(dropNet, 2) // B
)

// dropBlockLen is the number of entries besides dropSrc in the long
// blocklist.
const dropBlockLen = 1024

// dropLab is A -> B over one veth pair, with the generator in A.
type dropLab struct {
	a, b    *testNS
	bIf     string // B's interface, unique on the host (names its NAPI kthread)
	frame   []byte
	gen     *trafficGen
	pinRoot string
	long    []netip.Prefix // the long blocklist, dropSrc/32 first
}

func newDropLab(t *testing.T) *dropLab {
	t.Helper()
	id := uniq()
	l := &dropLab{a: newNS(t, "pda"), b: newNS(t, "pdb"), bIf: "pd" + id[len(id)-6:], pinRoot: tempPinRoot(t)}
	al, bl := veth(t, l.a, "g0", netip.PrefixFrom(dropSrc, 24), l.b, l.bIf, netip.PrefixFrom(dropDst, 24))
	// GRO off but for nft-ingress-gro: B's veth has NAPI through an XDP
	// program in the other alternatives (see stackNAPI).
	gro(t, l.b, l.bIf, false)
	l.frame = frame{srcMAC: [6]byte(al.Attrs().HardwareAddr), dstMAC: [6]byte(bl.Attrs().HardwareAddr),
		src: dropSrc, dst: dropDst, sport: 40000, dport: 9, payload: make([]byte, 22), noUDPCsum: true}.bytes()
	l.gen = newTrafficGen(t, l.frame, al.Attrs().Index)
	requireLiveFrames(t, l.a, l.gen)
	l.long = append(l.long, netip.PrefixFrom(dropSrc, 32))
	for i := range dropBlockLen {
		// Prefixes of 198.18.0.0/16 of lengths 20..32, none covering dropSrc.
		bits := 20 + i%13
		a := netip.AddrFrom4([4]byte{198, 18, byte(i >> 2), byte(i*37) & 0xfc})
		l.long = append(l.long, netip.PrefixFrom(a, bits).Masked())
	}
	return l
}

// alternatives returns what B can drop with.
func (l *dropLab) alternatives() []perfAlt {
	one := l.long[:1]
	ingress := "type filter hook ingress device " + l.bIf + " priority -500"
	prerouting := "type filter hook prerouting priority raw"
	return []perfAlt{
		{name: "xdp-blocklist", start: func(t *testing.T) (perfCounts, func()) { return l.startXDP(t, "one", one) }},
		{name: "xdp-drop-floor", start: l.startFloor},
		{name: "nft-ingress", start: func(t *testing.T) (perfCounts, func()) { return l.startNft(t, "netdev", ingress, one, false) }},
		{name: "nft-prerouting", start: func(t *testing.T) (perfCounts, func()) { return l.startNft(t, "ip", prerouting, one, false) }},
		{name: "nft-ingress-gro", start: func(t *testing.T) (perfCounts, func()) { return l.startNft(t, "netdev", ingress, one, true) }},
		{name: "xdp-blocklist-1k", start: func(t *testing.T) (perfCounts, func()) { return l.startXDP(t, "long", l.long) }},
		{name: "nft-ingress-1k", start: func(t *testing.T) (perfCounts, func()) { return l.startNft(t, "netdev", ingress, l.long, false) }},
	}
}

// startXDP loads the argo program on B with blocklist block (pinned
// under PoP name perf-drop-<tag>: pins keep a blocklist across loads).
func (l *dropLab) startXDP(t *testing.T, tag string, block []netip.Prefix) (perfCounts, func()) {
	t.Helper()
	cfg := Config{PopName: "perf-drop-" + tag, PopID: 1, Interface: l.bIf, Mode: ModeNative, PinRoot: l.pinRoot}
	var x *XDP
	l.b.must(t, func() error {
		var err error
		x, err = Load(cfg, discardLog(), nil)
		return err
	})
	threadedNAPI(t, l.b, l.bIf)
	for _, p := range block {
		if err := x.AddBlock(p); err != nil {
			x.Close()
			t.Fatal(err)
		}
	}
	count := func() (uint64, uint64) {
		cs, err := x.Counters()
		if err != nil {
			t.Fatal(err)
		}
		return cs[CounterDropBlocklist].Packets, 0
	}
	return count, func() { x.Close() }
}

// startNft installs blocklist block as one drop rule (one prefix) or an
// nftables interval set and a drop rule, in a table of family on the given
// hook. B's veth has GRO on (groOn) or runs the pass-through XDP program;
// see stackNAPI.
func (l *dropLab) startNft(t *testing.T, family, hook string, block []netip.Prefix, groOn bool) (perfCounts, func()) {
	t.Helper()
	undo := stackNAPI(t, l.b, l.bIf, groOn)
	rules := fmt.Sprintf("table %s argo_perf {\n chain in {\n  %s;\n  ip saddr %s counter drop\n }\n}\n", family, hook, block[0])
	if len(block) > 1 {
		elems := make([]string, len(block))
		for i, p := range block {
			elems[i] = p.String()
		}
		rules = fmt.Sprintf("table %s argo_perf {\n set bl {\n  type ipv4_addr; flags interval; auto-merge\n  elements = { %s }\n }\n"+
			" chain in {\n  %s;\n  ip saddr @bl counter drop\n }\n}\n", family, strings.Join(elems, ", "), hook)
	}
	cmd := l.b.cmd("nft", "-f", "-")
	cmd.Stdin = strings.NewReader(rules)
	if out, err := cmd.CombinedOutput(); err != nil {
		undo()
		t.Fatalf("nft: %v: %s", err, out)
	}
	count := func() (uint64, uint64) {
		out, err := l.b.cmd("nft", "list", "chain", family, "argo_perf", "in").CombinedOutput()
		if err != nil {
			t.Fatalf("nft list: %v: %s", err, out)
		}
		f := strings.Fields(string(out))
		for i := range f {
			if f[i] == "packets" && i+1 < len(f) {
				n, err := strconv.ParseUint(f[i+1], 10, 64)
				if err != nil {
					t.Fatalf("nft counter %q: %v", f[i+1], err)
				}
				return n, 0
			}
		}
		t.Fatalf("no counter in nft output: %s", out)
		return 0, 0
	}
	return count, func() {
		if out, err := l.b.cmd("nft", "delete", "table", family, "argo_perf").CombinedOutput(); err != nil {
			t.Errorf("nft delete table: %v: %s", err, out)
		}
		undo()
	}
}

// run measures one alternative.
func (l *dropLab) run(t *testing.T, alt perfAlt, d time.Duration) perfSample {
	t.Helper()
	return measureAlt(t, alt, l.a, l.gen, []string{l.bIf}, nil, d)
}

// startFloor attaches, in native mode, the least an XDP program can be
// (rxCounter: it counts the frame in a per-CPU array and drops it). Its
// packets per CPU-second are the cost of the veth receive path itself
// (NAPI, the frame ring, page recycling), which bounds what any XDP program
// can reach against nftables on this machine.
func (l *dropLab) startFloor(t *testing.T) (perfCounts, func()) {
	t.Helper()
	rx, err := newRxCounter()
	if err != nil {
		t.Fatal(err)
	}
	var lk link.Link
	l.b.must(t, func() error {
		ifc, err := net.InterfaceByName(l.bIf)
		if err != nil {
			return err
		}
		lk, err = link.AttachXDP(link.XDPOptions{Program: rx.prog, Interface: ifc.Index, Flags: link.XDPDriverMode})
		return err
	})
	threadedNAPI(t, l.b, l.bIf)
	count := func() (uint64, uint64) {
		n, err := rx.total()
		if err != nil {
			t.Fatal(err)
		}
		return n, 0
	}
	return count, func() { lk.Close(); rx.Close() }
}
