package tunnel

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.zx2c4.com/wireguard/conn"

	"github.com/argonet/argo/overlay"
)

// testPoP is a bind on a loopback address, for tests that need no
// namespace: PoP i listens on 127.0.0.<10+i>.
type testPoP struct {
	id   uint16
	addr netip.AddrPort
	b    *bind
	cnt  *counters
	recv conn.ReceiveFunc
}

func testLogger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(&testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

type testWriter struct{ t testing.TB }

func (w *testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(bytes.TrimSpace(p)))
	return len(p), nil
}

// freeLoopbackPort finds a UDP port free on all given loopback addresses.
func freeLoopbackPort(t testing.TB) uint16 {
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return uint16(c.LocalAddr().(*net.UDPAddr).Port)
}

// newLoopbackPoPs opens n binds (ids 1..n) that know each other.
func newLoopbackPoPs(t testing.TB, n int) []*testPoP {
	port := freeLoopbackPort(t)
	addr := func(i int) netip.AddrPort {
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, byte(10 + i)}), port)
	}
	ns, err := openNS("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.close)
	var pops []*testPoP
	for i := 1; i <= n; i++ {
		var peers []Peer
		for j := 1; j <= n; j++ {
			if j != i {
				peers = append(peers, Peer{ID: uint16(j), Name: string(rune('A' + j - 1)), Underlay: addr(j)})
			}
		}
		cnt := &counters{}
		b := newBind(uint16(i), addr(i).Addr(), newPopSet(peers), ns, testLogger(t), cnt)
		fns, _, err := b.Open(port)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		pops = append(pops, &testPoP{id: uint16(i), addr: addr(i), b: b, cnt: cnt, recv: fns[0]})
	}
	return pops
}

// relayLoop runs p's receive function in the background, discarding what it
// delivers, until the bind closes.
func relayLoop(t testing.TB, p *testPoP) {
	done := make(chan struct{})
	bufs, sizes, eps := makeRecvBufs(p.b.batch) // before the goroutine: benchmarks count allocations
	go func() {
		defer close(done)
		for {
			if _, err := p.recv(bufs, sizes, eps); err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { p.b.Close(); <-done })
}

func makeRecvBufs(n int) ([][]byte, []int, []conn.Endpoint) {
	bufs := make([][]byte, n)
	for i := range bufs {
		bufs[i] = make([]byte, 65536)
	}
	return bufs, make([]int, n), make([]conn.Endpoint, n)
}

type delivery struct {
	from    uint16
	payload []byte
}

// collect runs p's receive function in the background and sends every
// delivered datagram to the returned channel.
func collect(t testing.TB, p *testPoP) <-chan delivery {
	ch := make(chan delivery, 1024)
	done := make(chan struct{})
	bufs, sizes, eps := makeRecvBufs(p.b.batch)
	go func() {
		defer close(done)
		for {
			n, err := p.recv(bufs, sizes, eps)
			if err != nil {
				return
			}
			for i := 0; i < n; i++ {
				if sizes[i] > 0 {
					ch <- delivery{from: eps[i].(*Endpoint).PoP(), payload: bytes.Clone(bufs[i][:sizes[i]])}
				}
			}
		}
	}()
	t.Cleanup(func() { p.b.Close(); <-done })
	return ch
}

func mustSetRoutes(t testing.TB, p *testPoP, routes ...Route) {
	t.Helper()
	dests, err := compileRoutes(p.id, p.b.pops, routes)
	if err != nil {
		t.Fatal(err)
	}
	merged := directRoutes(p.id, p.b.pops)
	for k, v := range dests {
		merged[k] = v
	}
	p.b.table.Store(buildTable(p.b.pops, merged, func(string) bool { return true }))
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestBindSendDirectAndRelayed(t *testing.T) {
	pops := newLoopbackPoPs(t, 3)
	a, b, c := pops[0], pops[1], pops[2]
	relayLoop(t, b)
	got := collect(t, c)

	send := func(payload string) {
		t.Helper()
		if err := a.b.Send([][]byte{[]byte(payload)}, a.b.pops.byID[3].ep); err != nil {
			t.Fatal(err)
		}
	}
	expect := func(payload string) {
		t.Helper()
		select {
		case d := <-got:
			if d.from != 1 || string(d.payload) != payload {
				t.Fatalf("C got %q from %d, want %q from 1", d.payload, d.from, payload)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("C did not receive %q", payload)
		}
	}

	send("direct")
	expect("direct")
	if n := b.cnt.v[cRelayed].Load(); n != 0 {
		t.Fatalf("B relayed %d datagrams of a direct path", n)
	}

	mustSetRoutes(t, a, Route{Dst: 3, Paths: [][]uint16{{1, 2, 3}}})
	send("via B")
	expect("via B")
	waitFor(t, "B's relay counter", func() bool { return b.cnt.v[cRelayed].Load() == 1 })
	if n := c.cnt.v[cDelivered].Load(); n != 2 {
		t.Fatalf("C delivered %d, want 2", n)
	}

	// A batch of datagrams in one Send.
	var batch [][]byte
	for i := 0; i < 40; i++ {
		batch = append(batch, []byte{byte(i), 1, 2, 3})
	}
	if err := a.b.Send(batch, a.b.pops.byID[3].ep); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 40; i++ {
		select {
		case d := <-got:
			if d.payload[0] != byte(i) {
				t.Fatalf("datagram %d out of order or lost: got %d", i, d.payload[0])
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("datagram %d of the batch lost", i)
		}
	}
	if n := a.cnt.v[cSent].Load(); n != 42 {
		t.Fatalf("A sent %d, want 42", n)
	}
}

// sendFrom sends raw UDP payloads from laddr (any port) to to.
func sendFrom(t testing.TB, laddr netip.Addr, to netip.AddrPort, payloads ...[]byte) {
	t.Helper()
	c, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(laddr, 0)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, p := range payloads {
		if _, err := c.WriteToUDPAddrPort(p, to); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRelayRefusesUnknownSource(t *testing.T) {
	pops := newLoopbackPoPs(t, 3)
	a, b, c := pops[0], pops[1], pops[2]
	relayLoop(t, b)
	got := collect(t, c)

	h, _ := overlay.Path(overlay.TypeData, 1, 0, 2, 3)
	pkt := make([]byte, overlay.HeaderLen+4)
	if err := h.Marshal(pkt); err != nil {
		t.Fatal(err)
	}
	stranger := netip.MustParseAddr("127.0.0.99")
	sendFrom(t, stranger, b.addr, pkt, pkt, pkt)
	waitFor(t, "unknown_source drops", func() bool { return b.cnt.v[cDropUnknownSource].Load() == 3 })
	// The same datagram from A's address is relayed: the filter, not the
	// datagram, made the difference.
	sendFrom(t, a.addr.Addr(), b.addr, pkt)
	select {
	case d := <-got:
		if d.from != 1 {
			t.Fatalf("delivered from %d", d.from)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("datagram from a known PoP was not relayed")
	}
	if n := b.cnt.v[cRelayed].Load(); n != 1 {
		t.Fatalf("B relayed %d, want 1", n)
	}
}

func TestMalformedDatagramsAreCounted(t *testing.T) {
	pops := newLoopbackPoPs(t, 2)
	a, b := pops[0], pops[1]
	relayLoop(t, b)

	var payloads [][]byte
	for n := 0; n <= 64; n++ {
		p := make([]byte, n)
		for i := range p {
			p[i] = byte(i*7 + n)
		}
		if n > 0 {
			p[0] = overlay.Version // get past the version check sometimes
		}
		payloads = append(payloads, p)
	}
	sendFrom(t, a.addr.Addr(), b.addr, payloads...)
	waitFor(t, "all 65 datagrams counted", func() bool {
		s := b.cnt.snapshot()
		return s.Received == 65 && s.TotalDrops() == 65
	})
	s := b.cnt.snapshot()
	if s.Drops["short"] != 16 || s.Delivered != 0 || s.Relayed != 0 {
		t.Fatalf("stats %+v: want 16 short drops, nothing delivered or relayed", s)
	}
}

func TestProbeIsAnsweredAlongReversedPath(t *testing.T) {
	pops := newLoopbackPoPs(t, 3)
	a, b, c := pops[0], pops[1], pops[2]
	relayLoop(t, b)
	relayLoop(t, c)
	var mu sync.Mutex
	var replies []overlay.Probe
	a.b.onProbeReply = func(src uint16, p overlay.Probe, at time.Time) {
		mu.Lock()
		defer mu.Unlock()
		if src == 3 {
			replies = append(replies, p)
		}
	}
	relayLoop(t, a)

	h, _ := overlay.Path(overlay.TypeProbe, 1, 0, 2, 3)
	var hdr [overlay.HeaderLen]byte
	h.Marshal(hdr[:])
	body := make([]byte, overlay.ProbeLen)
	want := overlay.Probe{ID: 7, Seq: 9, Sent: 12345}
	want.Marshal(body)
	if err := a.b.sendRaw(hdr[:], body, a.b.pops.byID[2]); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "probe reply", func() bool { mu.Lock(); defer mu.Unlock(); return len(replies) == 1 })
	if replies[0] != want {
		t.Fatalf("reply %+v, want %+v", replies[0], want)
	}
	// B relayed the probe and the reply.
	if n := b.cnt.v[cRelayed].Load(); n != 2 {
		t.Fatalf("B relayed %d, want 2", n)
	}
	if n := c.cnt.v[cProbesAnswered].Load(); n != 1 {
		t.Fatalf("C answered %d probes, want 1", n)
	}
}

func TestSendWrongEndpointAndClosed(t *testing.T) {
	pops := newLoopbackPoPs(t, 2)
	a := pops[0]
	std, _ := conn.NewStdNetBind().ParseEndpoint("127.0.0.1:1")
	if err := a.b.Send([][]byte{{1}}, std); !errors.Is(err, conn.ErrWrongEndpointType) {
		t.Fatalf("Send to a foreign endpoint: %v", err)
	}
	if _, err := a.b.ParseEndpoint("pop:9"); err == nil {
		t.Fatal("ParseEndpoint accepted an unknown PoP")
	}
	if _, err := a.b.ParseEndpoint("127.0.0.1:5"); err == nil {
		t.Fatal("ParseEndpoint accepted an address")
	}
	ep, err := a.b.ParseEndpoint("pop:2")
	if err != nil || ep.DstToString() != "pop:2" {
		t.Fatalf("ParseEndpoint(pop:2) = %v, %v", ep, err)
	}
	a.b.Close()
	if err := a.b.Send([][]byte{{1}}, ep); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Send after Close: %v", err)
	}
	bufs, sizes, eps := makeRecvBufs(1)
	if _, err := a.recv(bufs, sizes, eps); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("receive after Close: %v", err)
	}
}

func newTestRegistry() *prometheus.Registry { return prometheus.NewRegistry() }

// TestDualStackSocketWithIPv4Peers runs a PoP whose socket is IPv6
// dual-stack (it has an IPv6 peer) against an IPv4 PoP: v4-mapped
// addresses must work both ways.
func TestDualStackSocketWithIPv4Peers(t *testing.T) {
	ns, err := openNS("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.close)
	pa, pb := freeLoopbackPort(t), freeLoopbackPort(t)
	aAddr := netip.MustParseAddrPort(fmt.Sprintf("127.0.0.1:%d", pa))
	bAddr := netip.MustParseAddrPort(fmt.Sprintf("127.0.0.12:%d", pb))
	mk := func(id uint16, listen netip.Addr, port uint16, peers []Peer) *testPoP {
		cnt := &counters{}
		b := newBind(id, listen, newPopSet(peers), ns, testLogger(t), cnt)
		fns, _, err := b.Open(port)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		return &testPoP{id: id, b: b, cnt: cnt, recv: fns[0]}
	}
	a := mk(1, netip.Addr{}, pa, []Peer{{ID: 2, Underlay: bAddr}, {ID: 3, Underlay: netip.MustParseAddrPort(fmt.Sprintf("[::1]:%d", pb))}})
	b := mk(2, bAddr.Addr(), pb, []Peer{{ID: 1, Underlay: aAddr}})
	if !a.b.v6 || b.b.v6 {
		t.Fatalf("socket families: a v6=%v b v6=%v", a.b.v6, b.b.v6)
	}
	gotB, gotA := collect(t, b), collect(t, a)
	if err := a.b.Send([][]byte{[]byte("to b")}, a.b.pops.byID[2].ep); err != nil {
		t.Fatal(err)
	}
	if err := b.b.Send([][]byte{[]byte("to a")}, b.b.pops.byID[1].ep); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		ch   <-chan delivery
		from uint16
		want string
	}{{gotB, 1, "to b"}, {gotA, 2, "to a"}} {
		select {
		case d := <-c.ch:
			if d.from != c.from || string(d.payload) != c.want {
				t.Fatalf("got %q from %d", d.payload, d.from)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%q lost", c.want)
		}
	}
}
