package tunnel

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/vishvananda/netlink"

	"github.com/argonet/argo/overlay"
)

// Addresses of the three-PoP topology.
const (
	underlayNet = "198.19.70." // PoP i is .i on the fabric bridge
	clientNet   = "198.19.71." // client .2, PoP A .1
	originAddr  = "203.0.113.10"
	clientAddr  = "100.96.0.2"
	onRampPort  = 51900
)

// topo is three PoPs A(1), B(2), C(3) on one bridge, a client namespace
// attached to A running stock wireguard-go against A's on-ramp, and an
// origin namespace behind C.
type topo struct {
	l                   *lab
	fab, client, origin string
	ns                  [4]string // by PoP id
	bb                  [4]*Backbone
	events              chan string // "down 3 1-2-3", "up ..."
	echoes              chan [2]uint16
	onramp              *OnRamp
	wgc                 string // client's wireguard-go interface
}

func newTopo(t *testing.T, probe ProbeConfig) *topo {
	l := newLab(t)
	tp := &topo{l: l, events: make(chan string, 64), echoes: make(chan [2]uint16, 16)}
	tp.fab = l.ns("F")
	join := l.bridge(tp.fab)
	names := [4]string{"", "A", "B", "C"}
	var keys, pubs [4]string
	for i := 1; i <= 3; i++ {
		tp.ns[i] = l.ns(names[i])
		join(fmt.Sprintf("p%d", i), tp.ns[i], "u0", fmt.Sprintf("%s%d/24", underlayNet, i))
		keys[i], pubs[i] = l.key(names[i])
	}
	tp.client = l.ns("Cl")
	tp.origin = l.ns("Or")
	l.veth(tp.client, "c0", clientNet+"2/24", tp.ns[1], "c1", clientNet+"1/24")
	l.veth(tp.origin, "o0", originAddr+"/24", tp.ns[3], "o1", "203.0.113.1/24")
	l.sh("ip", "-n", tp.origin, "route", "add", "default", "via", "203.0.113.1")
	for _, i := range []int{1, 3} {
		l.in(tp.ns[i], "sysctl", "-qw", "net.ipv4.ip_forward=1")
	}

	for i := 1; i <= 3; i++ {
		var peers []Peer
		for j := 1; j <= 3; j++ {
			if j != i {
				peers = append(peers, Peer{
					ID: uint16(j), Name: names[j], PublicKey: pubs[j],
					Underlay: netip.MustParseAddrPort(fmt.Sprintf("%s%d:%d", underlayNet, j, DefaultPort)),
					Address:  netip.MustParseAddr(fmt.Sprintf("100.64.0.%d", j)),
				})
			}
		}
		cfg := Config{
			ID: uint16(i), Name: names[i], Interface: "bb" + names[i], PrivateKeyFile: keys[i],
			Address: netip.MustParsePrefix(fmt.Sprintf("100.64.0.%d/10", i)),
			Peers:   peers, NetNS: nsPath(tp.ns[i]), Probe: probe,
		}
		if i == 1 {
			cfg.OnPathDown = func(dst uint16, nodes []uint16) { tp.events <- fmt.Sprintf("down %d %s", dst, pathKey(nodes)) }
			cfg.OnPathUp = func(dst uint16, nodes []uint16) { tp.events <- fmt.Sprintf("up %d %s", dst, pathKey(nodes)) }
			cfg.OnEchoReply = func(peer, seq uint16, _ time.Time) { tp.echoes <- [2]uint16{peer, seq} }
		}
		bb, err := New(cfg, testLogger(t).With("test_pop", names[i]), prometheus.NewRegistry())
		if err != nil {
			t.Fatalf("New(%s): %v", names[i], err)
		}
		t.Cleanup(func() { bb.Close() })
		tp.bb[i] = bb
	}
	return tp
}

// addClient starts the on-ramp at A and stock wireguard-go in the client
// namespace, and publishes the client prefix from A to C.
func (tp *topo) addClient(t *testing.T) {
	l := tp.l
	for _, bin := range []string{"wireguard-go", "wg"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("skipping: %s not installed (Debian wireguard-go, wireguard-tools)", bin)
		}
	}
	orKey, orPub := l.key("onramp")
	clKey, clPub := l.key("client")
	o, err := NewOnRamp(OnRampConfig{
		Interface: "onr", PrivateKeyFile: orKey, ListenPort: onRampPort,
		Address: netip.MustParsePrefix("100.96.0.1/24"), NetNS: nsPath(tp.ns[1]),
		Clients: []Client{{PublicKey: clPub, AllowedIPs: []netip.Prefix{netip.MustParsePrefix(clientAddr + "/32")}}},
	}, testLogger(t), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close() })
	tp.onramp = o
	if err := tp.bb[3].SetPrefixes(map[uint16][]netip.Prefix{1: o.Prefixes()}); err != nil {
		t.Fatal(err)
	}
	tp.wgc = "wgc" + l.id
	if len(tp.wgc) > 15 {
		tp.wgc = tp.wgc[:15]
	}
	l.start(tp.client, []string{"WG_PROCESS_FOREGROUND=1"}, "wireguard-go", "-f", tp.wgc)
	sock := "/var/run/wireguard/" + tp.wgc + ".sock"
	eventually(t, 10*time.Second, "wireguard-go UAPI socket", func() bool { _, err := os.Stat(sock); return err == nil })
	t.Cleanup(func() { os.Remove(sock) })
	l.in(tp.client, "wg", "set", tp.wgc, "private-key", clKey, "peer", orPub,
		"endpoint", fmt.Sprintf("%s1:%d", clientNet, onRampPort), "allowed-ips", "203.0.113.0/24")
	l.sh("ip", "-n", tp.client, "addr", "add", clientAddr+"/32", "dev", tp.wgc)
	l.sh("ip", "-n", tp.client, "link", "set", tp.wgc, "mtu", "1420", "up")
	l.sh("ip", "-n", tp.client, "route", "add", "203.0.113.0/24", "dev", tp.wgc)
}

// tunCounters returns the packet counters of PoP i's backbone interface.
func (tp *topo) tunCounters(t *testing.T, i int) (rx, tx uint64) {
	t.Helper()
	l, err := tp.bb[i].nl.LinkByName(tp.bb[i].Interface())
	if err != nil {
		t.Fatal(err)
	}
	s := l.Attrs().Statistics
	return s.RxPackets, s.TxPackets
}

// pingUntil pings from ns until one reply arrives (handshakes done).
func (tp *topo) pingUntil(t *testing.T, ns, dst string) {
	t.Helper()
	eventually(t, 15*time.Second, "first ping reply from "+dst, func() bool {
		return exec.Command("ip", "netns", "exec", ns, "ping", "-c", "1", "-W", "1", dst).Run() == nil
	})
}

func TestBackboneClientToOriginViaRelay(t *testing.T) {
	tp := newTopo(t, ProbeConfig{Interval: -1})
	if err := tp.bb[1].SetPrefixes(map[uint16][]netip.Prefix{3: {netip.MustParsePrefix("203.0.113.0/24")}}); err != nil {
		t.Fatal(err)
	}
	tp.addClient(t)
	if err := tp.bb[1].SetRoutes([]Route{{Dst: 3, Paths: [][]uint16{{1, 2, 3}}}}); err != nil {
		t.Fatal(err)
	}
	if got := tp.bb[1].ActivePath(3); !slices.Equal(got, []uint16{1, 2, 3}) {
		t.Fatalf("active path %v", got)
	}
	tp.pingUntil(t, tp.client, originAddr)
	bRx0, bTx0 := tp.tunCounters(t, 2)
	cRx0, _ := tp.tunCounters(t, 3)
	relayed0 := tp.bb[2].Stats().Relayed

	t.Run("ping", func(t *testing.T) {
		out := tp.l.in(tp.client, "ping", "-c", "20", "-i", "0.05", "-W", "2", originAddr)
		if !strings.Contains(out, " 0% packet loss") {
			t.Fatalf("ping lost packets:\n%s", out)
		}
	})
	t.Run("iperf3", func(t *testing.T) {
		if _, err := exec.LookPath("iperf3"); err != nil {
			t.Skip("skipping: iperf3 not installed")
		}
		tp.l.start(tp.origin, nil, "iperf3", "-s", "-B", originAddr, "-p", "5201")
		var out []byte
		var err error
		for try := 0; try < 5; try++ {
			out, err = exec.Command("ip", "netns", "exec", tp.client, "iperf3", "-c", originAddr, "-p", "5201", "-t", "2", "-J").Output()
			if err == nil {
				break
			}
			time.Sleep(200 * time.Millisecond) // server not listening yet
		}
		if err != nil {
			t.Fatalf("iperf3: %v\n%s", err, out)
		}
		var res struct {
			End struct {
				SumReceived struct {
					Bytes         float64 `json:"bytes"`
					BitsPerSecond float64 `json:"bits_per_second"`
				} `json:"sum_received"`
			} `json:"end"`
		}
		if err := json.Unmarshal(out, &res); err != nil {
			t.Fatalf("iperf3 output: %v\n%s", err, out)
		}
		if res.End.SumReceived.Bytes < 1e6 {
			t.Fatalf("iperf3 moved only %.0f bytes", res.End.SumReceived.Bytes)
		}
		t.Logf("client -> origin via relay B: %.1f Mbit/s", res.End.SumReceived.BitsPerSecond/1e6)
	})
	t.Run("relay never decrypts", func(t *testing.T) {
		relayed := tp.bb[2].Stats().Relayed - relayed0
		bRx, bTx := tp.tunCounters(t, 2)
		cRx, _ := tp.tunCounters(t, 3)
		if relayed < 40 {
			t.Fatalf("B relayed only %d datagrams", relayed)
		}
		if bRx != bRx0 || bTx != bTx0 {
			t.Fatalf("B's TUN saw packets of the flow: rx %d->%d tx %d->%d", bRx0, bRx, bTx0, bTx)
		}
		if cRx-cRx0 < 40 {
			t.Fatalf("C's TUN received only %d packets: the check above proves nothing", cRx-cRx0)
		}
		t.Logf("B relayed %d datagrams, its TUN saw 0; C's TUN received %d", relayed, cRx-cRx0)
	})
	t.Run("peers", func(t *testing.T) {
		peers, err := tp.bb[1].Peers()
		if err != nil {
			t.Fatal(err)
		}
		var c *PeerInfo
		for i := range peers {
			if peers[i].ID == 3 {
				c = &peers[i]
			}
		}
		if c == nil || c.LastHandshake.IsZero() || c.TxBytes == 0 || c.RxBytes == 0 || !slices.Equal(c.Path, []uint16{1, 2, 3}) {
			t.Fatalf("peer C: %+v", c)
		}
		cl, err := tp.onramp.Peers()
		if err != nil || len(cl) != 1 || cl[0].LastHandshake.IsZero() {
			t.Fatalf("on-ramp peers %+v, %v", cl, err)
		}
	})
}

func TestBackbonePathSwitchLosesNothing(t *testing.T) {
	tp := newTopo(t, ProbeConfig{Interval: -1})
	const port = 7000
	rx := tp.l.listenUDP(tp.ns[3], fmt.Sprintf("100.64.0.3:%d", port))
	tx := tp.l.listenUDP(tp.ns[1], "100.64.0.1:0")
	tp.pingUntil(t, tp.ns[1], "100.64.0.3")

	const total = 800 // 4 s at 200/s
	seen := make([]atomic.Bool, total)
	var got atomic.Int64
	go func() {
		buf := make([]byte, 64)
		for {
			n, _, err := rx.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			if n == 8 {
				if s := binary.BigEndian.Uint64(buf); s < total && !seen[s].Swap(true) {
					got.Add(1)
				}
			}
		}
	}()
	direct, viaB := []Route{{Dst: 3, Paths: [][]uint16{{1, 3}}}}, []Route{{Dst: 3, Paths: [][]uint16{{1, 2, 3}}}}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // 40 switches, 20 each way, while the flow runs
		defer wg.Done()
		time.Sleep(500 * time.Millisecond)
		for i := 0; i < 40; i++ {
			r := viaB
			if i%2 == 1 {
				r = direct
			}
			if err := tp.bb[1].SetRoutes(r); err != nil {
				t.Error(err)
			}
			time.Sleep(70 * time.Millisecond)
		}
	}()
	dst := net.UDPAddrFromAddrPort(netip.MustParseAddrPort(fmt.Sprintf("100.64.0.3:%d", port)))
	start := time.Now()
	for s := 0; s < total; s++ {
		time.Sleep(time.Until(start.Add(time.Duration(s) * 5 * time.Millisecond)))
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], uint64(s))
		if _, err := tx.WriteToUDP(b[:], dst); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	eventually(t, 3*time.Second, "all datagrams", func() bool { return got.Load() == total })
	if r := tp.bb[2].Stats().Relayed; r < total/4 {
		t.Fatalf("B relayed only %d of %d datagrams: the relayed path was hardly used", r, total)
	}
	t.Logf("%d/%d datagrams arrived across 40 path switches; %d went via B", got.Load(), total, tp.bb[2].Stats().Relayed)
}

func TestBackboneRelayFiltersAndMalformed(t *testing.T) {
	tp := newTopo(t, ProbeConfig{Interval: -1})
	join := func(ns, addr string) {
		tp.l.veth(tp.fab, "px"+ns[len(ns)-2:], "", ns, "u0", addr)
		tp.l.sh("ip", "-n", tp.fab, "link", "set", "px"+ns[len(ns)-2:], "master", "br0")
	}
	stranger := tp.l.ns("S")
	join(stranger, underlayNet+"9/24")
	b := netip.MustParseAddrPort(fmt.Sprintf("%s2:%d", underlayNet, DefaultPort))

	h, _ := overlay.Path(overlay.TypeData, 1, 0, 2, 3)
	pkt := make([]byte, overlay.HeaderLen+32)
	h.Marshal(pkt)
	c0 := tp.bb[3].Stats().Received
	s := tp.l.listenUDP(stranger, underlayNet+"9:0")
	for i := 0; i < 10; i++ {
		if _, err := s.WriteToUDPAddrPort(pkt, b); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, 5*time.Second, "unknown_source drops at B", func() bool { return tp.bb[2].Stats().Drops["unknown_source"] == 10 })
	time.Sleep(200 * time.Millisecond)
	if st := tp.bb[2].Stats(); st.Relayed != 0 || tp.bb[3].Stats().Received != c0 {
		t.Fatalf("B relayed %d datagrams of an unknown source (C received %d)", st.Relayed, tp.bb[3].Stats().Received-c0)
	}

	// Malformed datagrams of every length from a known PoP's address.
	a := tp.l.listenUDP(tp.ns[1], underlayNet+"1:0")
	for n := 0; n <= 64; n++ {
		p := make([]byte, n)
		for i := range p {
			p[i] = byte(n + i*13)
		}
		if n > 4 {
			p[0], p[2] = overlay.Version, byte(n%6)
		}
		if _, err := a.WriteToUDPAddrPort(p, b); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, 5*time.Second, "65 malformed datagrams counted", func() bool {
		st := tp.bb[2].Stats()
		return st.TotalDrops()-st.Drops["unknown_source"] == 65
	})
	st := tp.bb[2].Stats()
	if st.Relayed != 0 || st.Delivered != 0 || st.BadHeader() == 0 {
		t.Fatalf("after malformed input: %+v", st)
	}
	t.Logf("B drops: %v", st.Drops)
}

func TestBackbonePrefixesReconcile(t *testing.T) {
	tp := newTopo(t, ProbeConfig{Interval: -1})
	a := tp.bb[1]
	p := netip.MustParsePrefix
	routes := func() []string {
		l, _ := a.nl.LinkByName(a.Interface())
		rs, err := a.nl.RouteList(l, netlink.FAMILY_ALL)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range rs {
			if r.Protocol == routeProtocol {
				out = append(out, r.Dst.String())
			}
		}
		slices.Sort(out)
		return out
	}
	allowed := func(id uint16) []string {
		peers, err := a.Peers()
		if err != nil {
			t.Fatal(err)
		}
		for _, pi := range peers {
			if pi.ID == id {
				s := slices.Clone(pi.AllowedIPs)
				slices.Sort(s)
				return s
			}
		}
		return nil
	}
	steps := []struct {
		m       map[uint16][]netip.Prefix
		routes  []string
		allowB  []string
		allowC  []string
		wantErr string
	}{
		{m: map[uint16][]netip.Prefix{2: {p("198.51.100.0/24")}, 3: {p("203.0.113.0/24"), p("192.0.2.128/25")}, 1: {p("192.0.2.0/24")}},
			routes: []string{"192.0.2.128/25", "198.51.100.0/24", "203.0.113.0/24"},
			allowB: []string{"100.64.0.2/32", "198.51.100.0/24"}, allowC: []string{"100.64.0.3/32", "192.0.2.128/25", "203.0.113.0/24"}},
		{m: map[uint16][]netip.Prefix{2: {p("203.0.113.0/24")}, 3: {p("203.0.113.0/24")}},
			routes: []string{"203.0.113.0/24"}, allowB: []string{"100.64.0.2/32", "203.0.113.0/24"}, allowC: []string{"100.64.0.3/32"}},
		{m: map[uint16][]netip.Prefix{9: {p("198.51.100.0/24")}}, wantErr: "pop 9 is not a configured peer"},
		{m: map[uint16][]netip.Prefix{3: {p("198.51.100.1/24")}}, wantErr: "host bits"},
		{m: map[uint16][]netip.Prefix{3: {p("100.64.0.0/10")}}, wantErr: "contains this PoP's overlay address"},
		{m: nil, routes: nil, allowB: []string{"100.64.0.2/32"}, allowC: []string{"100.64.0.3/32"}},
		{m: map[uint16][]netip.Prefix{3: {p("198.51.100.0/24")}},
			routes: []string{"198.51.100.0/24"}, allowB: []string{"100.64.0.2/32"}, allowC: []string{"100.64.0.3/32", "198.51.100.0/24"}},
	}
	for i, s := range steps {
		before := routes()
		err := a.SetPrefixes(s.m)
		if s.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), s.wantErr) {
				t.Fatalf("step %d: error %v, want %q", i, err, s.wantErr)
			}
			if got := routes(); !slices.Equal(got, before) {
				t.Fatalf("step %d: failed call changed routes %v -> %v", i, before, got)
			}
			continue
		}
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if got := routes(); !slices.Equal(got, s.routes) {
			t.Fatalf("step %d: routes %v, want %v", i, got, s.routes)
		}
		if got := allowed(2); !slices.Equal(got, s.allowB) {
			t.Fatalf("step %d: B allowed ips %v, want %v", i, got, s.allowB)
		}
		if got := allowed(3); !slices.Equal(got, s.allowC) {
			t.Fatalf("step %d: C allowed ips %v, want %v", i, got, s.allowC)
		}
	}
	if out := tp.l.in(tp.ns[1], "ip", "route", "show", "proto", "5"); out == "" {
		t.Fatal("no route of ours before Close: the check below proves nothing")
	}
	a.Close()
	if out := tp.l.in(tp.ns[1], "ip", "route", "show", "proto", "5"); out != "" {
		t.Fatalf("routes left after Close:\n%s", out)
	}
	if out := tp.l.in(tp.ns[1], "ip", "link"); strings.Contains(out, a.Interface()) {
		t.Fatalf("interface %s left after Close:\n%s", a.Interface(), out)
	}
}

// waitEvent waits for a path event of A, skipping events of other
// destinations (A's direct path to B goes down with B, too).
func (tp *topo) waitEvent(t *testing.T, want string) {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case e := <-tp.events:
			if e == want {
				return
			}
			if strings.HasPrefix(e, strings.Fields(want)[0]+" 3 ") {
				t.Fatalf("event %q, want %q", e, want)
			}
		case <-timeout:
			t.Fatalf("no event %q", want)
		}
	}
}

func TestBackboneProbesFailOverAndEcho(t *testing.T) {
	tp := newTopo(t, ProbeConfig{Interval: 50 * time.Millisecond, Timeout: 200 * time.Millisecond, DownAfter: 3})
	a := tp.bb[1]
	if err := a.SetRoutes([]Route{{Dst: 3, Paths: [][]uint16{{1, 2, 3}, {1, 3}}}}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "RTT on both paths", func() bool {
		n := 0
		for _, ps := range a.PathStats() {
			if ps.Dst == 3 && ps.RTT > 0 && ps.Up {
				n++
			}
		}
		return n == 2
	})
	if got := a.ActivePath(3); !slices.Equal(got, []uint16{1, 2, 3}) {
		t.Fatalf("active path %v, want the primary", got)
	}
	t.Run("echo", func(t *testing.T) {
		if err := a.SendEcho(3, 4242); err != nil {
			t.Fatal(err)
		}
		select {
		case e := <-tp.echoes:
			if e != [2]uint16{3, 4242} {
				t.Fatalf("echo reply %v", e)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no echo reply")
		}
		if err := a.SendEcho(77, 1); err == nil {
			t.Fatal("echo to an unknown PoP accepted")
		}
	})
	t.Run("failover", func(t *testing.T) {
		// B stops relaying: its underlay link goes down.
		down := time.Now()
		tp.l.sh("ip", "-n", tp.ns[2], "link", "set", "u0", "down")
		tp.waitEvent(t, "down 3 1-2-3")
		eventually(t, time.Second, "switch to the backup", func() bool { return slices.Equal(a.ActivePath(3), []uint16{1, 3}) })
		t.Logf("failover after %v", time.Since(down).Round(time.Millisecond))
		tp.pingUntil(t, tp.ns[1], "100.64.0.3")
		for _, ps := range a.PathStats() {
			if slices.Equal(ps.Nodes, []uint16{1, 2, 3}) && (ps.Up || ps.Loss == 0 || ps.Active) {
				t.Fatalf("broken path stats %+v", ps)
			}
		}
		tp.l.sh("ip", "-n", tp.ns[2], "link", "set", "u0", "up")
		tp.waitEvent(t, "up 3 1-2-3")
		eventually(t, time.Second, "back on the primary", func() bool { return slices.Equal(a.ActivePath(3), []uint16{1, 2, 3}) })
	})
}
