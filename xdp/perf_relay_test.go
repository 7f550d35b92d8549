package xdp

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cilium/ebpf/link"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/crypto/curve25519"

	"github.com/argonet/argo/overlay"
	"github.com/argonet/argo/tunnel"
)

// The relay comparison: A floods B with overlay datagrams whose path is
// A -> B -> C (frames from the live-frames generator); B relays them to C
// over a second veth pair with the argo XDP program (XDP_REDIRECT), with
// the project's userspace relay (tunnel.Backbone) or with a minimal
// batched UDP forwarder; C counts what arrives with an XDP counter.

// Addresses of the relay lab (inside its own namespaces).
var (
	relayABNet = netip.MustParsePrefix("198.19.86.0/24") // A - B
	relayBCNet = netip.MustParsePrefix("198.19.87.0/24") // B - C
)

// relayLab is A - B - C over two veth pairs.
type relayLab struct {
	a, b, c  *testNS
	bIn      string // B's interface towards A (unique: names its NAPI kthread)
	bOut     string // B's interface towards C
	pops     map[uint16]netip.Addr
	frame    []byte
	gen      *trafficGen
	sink     *rxCounter
	pinRoot  string
	keyDir   string
	bbName   string // B's backbone TUN interface, unique on the host
	peerKeys map[uint16]string
}

func newRelayLab(t *testing.T) *relayLab {
	t.Helper()
	id := uniq()
	id = id[len(id)-6:] // random hex: interface names are unique on the host
	l := &relayLab{a: newNS(t, "pra"), b: newNS(t, "prb"), c: newNS(t, "prc"),
		bIn: "pr" + id, bOut: "ps" + id, bbName: "prbb" + id, pinRoot: tempPinRoot(t), keyDir: t.TempDir()}
	l.pops = map[uint16]netip.Addr{popA: hostIn(relayABNet, 1), popB: hostIn(relayABNet, 2), popC: hostIn(relayBCNet, 3)}
	al, bl := veth(t, l.a, "g0", netip.PrefixFrom(l.pops[popA], 24), l.b, l.bIn, netip.PrefixFrom(l.pops[popB], 24))
	bo, cl := veth(t, l.b, l.bOut, netip.PrefixFrom(hostIn(relayBCNet, 2), 24), l.c, "c0", netip.PrefixFrom(l.pops[popC], 24))
	// C drops everything (ARP included): B resolves C statically.
	l.b.neigh(t, bo, l.pops[popC], cl.Attrs().HardwareAddr)
	l.b.sysctl(t, "net.ipv4.conf.all.forwarding", "1")
	l.b.sysctl(t, "net.ipv4.conf."+l.bIn+".forwarding", "1")
	gro(t, l.b, l.bIn, false) // B's veth has NAPI through an XDP program

	var err error
	if l.sink, err = newRxCounter(); err != nil {
		t.Fatalf("counter program: %v", err)
	}
	t.Cleanup(func() { l.sink.Close() })
	l.c.must(t, func() error {
		lk, err := link.AttachXDP(link.XDPOptions{Program: l.sink.prog, Interface: cl.Attrs().Index, Flags: link.XDPDriverMode})
		if err == nil {
			t.Cleanup(func() { lk.Close() })
		}
		return err
	})
	// C's receive work must not run as softirq inside B's threads, and C
	// must keep up with B: its NAPI kthread runs at nice -20.
	threadedNAPI(t, l.c, "c0")
	reniceNAPI(t, "c0", -20)

	hdr, err := overlay.Path(overlay.TypeData, popA, 7, popB, popC)
	if err != nil {
		t.Fatal(err)
	}
	payload := make([]byte, 22) // 64-byte frames
	if err := hdr.Marshal(payload); err != nil {
		t.Fatal(err)
	}
	l.frame = frame{srcMAC: [6]byte(al.Attrs().HardwareAddr), dstMAC: [6]byte(bl.Attrs().HardwareAddr),
		src: l.pops[popA], dst: l.pops[popB], sport: 40000, dport: DefaultOverlayPort,
		payload: payload, noUDPCsum: true}.bytes()
	l.gen = newTrafficGen(t, l.frame, al.Attrs().Index)
	requireLiveFrames(t, l.a, l.gen)
	l.peerKeys = map[uint16]string{popA: publicKey(t, l.keyFile(t, "a")), popC: publicKey(t, l.keyFile(t, "c"))}
	return l
}

// keyFile writes a fresh WireGuard private key and returns its path.
func (l *relayLab) keyFile(t *testing.T, name string) string {
	t.Helper()
	var k [32]byte
	rand.Read(k[:])
	k[0] &= 248
	k[31] = k[31]&127 | 64
	path := filepath.Join(l.keyDir, name+".key")
	if err := os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(k[:])), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// publicKey returns the public key of the private key in file.
func publicKey(t *testing.T, file string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	k, err := base64.StdEncoding.DecodeString(string(b))
	if err != nil {
		t.Fatal(err)
	}
	p, err := curve25519.X25519(k, curve25519.Basepoint)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(p)
}

// alternatives returns what B can relay with.
func (l *relayLab) alternatives() []perfAlt {
	return []perfAlt{
		{name: "xdp-relay", start: l.startXDP},
		{name: "tunnel-relay", start: l.startTunnel},
		{name: "batch-forwarder", start: l.startForwarder},
	}
}

// sinkCount reads C's counter.
func (l *relayLab) sinkCount(t *testing.T) uint64 {
	t.Helper()
	n, err := l.sink.total()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// startXDP loads the argo program on B's interface towards A, relaying
// to C with XDP_REDIRECT.
func (l *relayLab) startXDP(t *testing.T) (perfCounts, func()) {
	t.Helper()
	cfg := Config{PopName: "perf-relay", PopID: popB, Interface: l.bIn, Egress: []string{l.bOut},
		Mode: ModeNative, PinRoot: l.pinRoot}
	var x *XDP
	l.b.must(t, func() error {
		var err error
		x, err = Load(cfg, discardLog(), nil)
		return err
	})
	threadedNAPI(t, l.b, l.bIn)
	if err := x.SetPoPs(l.pops); err != nil {
		x.Close()
		t.Fatal(err)
	}
	count := func() (uint64, uint64) {
		cs, err := x.Counters()
		if err != nil {
			t.Fatal(err)
		}
		return l.sinkCount(t), cs[CounterRelayRedirect].Packets
	}
	return count, func() { x.Close() }
}

// startTunnel runs the project's userspace relay: a tunnel.Backbone in B
// whose peers are A and C.
func (l *relayLab) startTunnel(t *testing.T) (perfCounts, func()) {
	t.Helper()
	undo := stackNAPI(t, l.b, l.bIn, false)
	peer := func(id uint16) tunnel.Peer {
		return tunnel.Peer{ID: id, Name: fmt.Sprint(id), PublicKey: l.peerKeys[id],
			Underlay: netip.AddrPortFrom(l.pops[id], DefaultOverlayPort)}
	}
	bb, err := tunnel.New(tunnel.Config{ID: popB, Name: "B", Interface: l.bbName, PrivateKeyFile: l.keyFile(t, "b"),
		Address: netip.MustParsePrefix("100.127.86.2/10"), Port: DefaultOverlayPort,
		Peers: []tunnel.Peer{peer(popA), peer(popC)}, NetNS: "/var/run/netns/" + l.b.name,
		Probe: tunnel.ProbeConfig{Interval: -1}}, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	if err != nil {
		undo()
		t.Fatalf("tunnel backbone in B: %v", err)
	}
	count := func() (uint64, uint64) { return l.sinkCount(t), bb.Stats().Relayed }
	return count, func() { bb.Close(); undo() }
}

// startForwarder runs the minimal batched userspace forwarder in B.
func (l *relayLab) startForwarder(t *testing.T) (perfCounts, func()) {
	t.Helper()
	undo := stackNAPI(t, l.b, l.bIn, false)
	conn := udpConn(t, l.b, l.pops[popB], DefaultOverlayPort)
	conn.SetReadBuffer(4 << 20)
	f := startForwarder(conn, popB, l.pops)
	count := func() (uint64, uint64) { return l.sinkCount(t), f.forwarded.Load() }
	return count, func() { f.finish(); conn.Close(); undo() }
}

// run measures one alternative.
func (l *relayLab) run(t *testing.T, alt perfAlt, d time.Duration) perfSample {
	t.Helper()
	return measureAlt(t, alt, l.a, l.gen, []string{l.bIn}, func() uint64 {
		return uint64(udpCounter(t, l.b, "RcvbufErrors"))
	}, d)
}
