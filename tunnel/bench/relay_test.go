package bench

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vishvananda/netns"
	"golang.org/x/net/ipv4"

	"github.com/argonet/argo/overlay"
	"github.com/argonet/argo/tunnel"
)

// listenIn opens a UDP socket in namespace ns.
func listenIn(t *testing.T, ns, addr string) *net.UDPConn {
	t.Helper()
	type res struct {
		c   *net.UDPConn
		err error
	}
	ch := make(chan res, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with the goroutine
		h, err := netns.GetFromName(ns)
		if err != nil {
			ch <- res{err: err}
			return
		}
		defer h.Close()
		if err := netns.Set(h); err != nil {
			ch <- res{err: err}
			return
		}
		c, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.MustParseAddrPort(addr)))
		ch <- res{c, err}
	}()
	r := <-ch
	if r.err != nil {
		t.Fatalf("listen %s in %s: %v", addr, ns, r.err)
	}
	t.Cleanup(func() { r.c.Close() })
	return r.c
}

// relayLab is PoPs 1, 2, 3 on one bridge with backbones.
func relayLab(t *testing.T) (*lab, [4]string, map[uint16]*tunnel.Backbone) {
	l := newLab(t)
	f := l.ns("F")
	l.sh("ip", "-n", f, "link", "add", "br0", "type", "bridge")
	l.sh("ip", "-n", f, "link", "set", "br0", "up")
	var ns [4]string
	var pops []pop
	for i := 1; i <= 3; i++ {
		ns[i] = l.ns(fmt.Sprint(i))
		addr := fmt.Sprintf("198.19.81.%d", i)
		l.veth(f, fmt.Sprintf("p%d", i), "198.19.82.1/32", ns[i], "u0", addr+"/24")
		l.sh("ip", "-n", f, "link", "set", fmt.Sprintf("p%d", i), "master", "br0")
		pops = append(pops, pop{uint16(i), ns[i], addr})
	}
	return l, ns, l.newBackbones(pops)
}

// route sends traffic between PoPs 1 and 3, both ways, via PoP 2 or direct.
func route(bb map[uint16]*tunnel.Backbone, viaRelay bool) {
	r1, r3 := [][]uint16{{1, 3}}, [][]uint16{{3, 1}}
	if viaRelay {
		r1, r3 = [][]uint16{{1, 2, 3}}, [][]uint16{{3, 2, 1}}
	}
	if err := bb[1].SetRoutes([]tunnel.Route{{Dst: 3, Paths: r1}}); err != nil {
		panic(err)
	}
	if err := bb[3].SetRoutes([]tunnel.Route{{Dst: 1, Paths: r3}}); err != nil {
		panic(err)
	}
}

// TestRelayLatency measures UDP round trips from PoP 1 to PoP 3 over the
// backbone, direct and relayed by PoP 2's userspace relay, interleaved in
// blocks, and prints the p50/p99 the relay adds.
func TestRelayLatency(t *testing.T) {
	l, ns, bb := relayLab(t)
	echo := listenIn(t, ns[3], "100.64.9.3:7001")
	go func() {
		buf := make([]byte, 2048)
		for {
			n, from, err := echo.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			echo.WriteToUDPAddrPort(buf[:n], from)
		}
	}()
	cl := listenIn(t, ns[1], "100.64.9.1:0")
	l.waitPing(ns[1], "100.64.9.3")
	dst := netip.MustParseAddrPort("100.64.9.3:7001")
	rtt := func(n int) []time.Duration {
		out := make([]time.Duration, 0, n)
		buf := make([]byte, 64)
		for i := 0; i < n; i++ {
			binary.BigEndian.PutUint64(buf, uint64(i))
			start := time.Now()
			cl.WriteToUDPAddrPort(buf[:64], dst)
			cl.SetReadDeadline(time.Now().Add(time.Second))
			for {
				m, _, err := cl.ReadFromUDPAddrPort(buf)
				if err != nil {
					break // lost: not counted
				}
				if m == 64 && binary.BigEndian.Uint64(buf) == uint64(i) {
					out = append(out, time.Since(start))
					break
				}
			}
		}
		return out
	}
	var direct, relayed []time.Duration
	for block := 0; block < 6; block++ {
		route(bb, false)
		direct = append(direct, rtt(500)...)
		route(bb, true)
		relayed = append(relayed, rtt(500)...)
	}
	if len(relayed) < 2500 || bb[2].Stats().Relayed < 2*uint64(len(relayed))-10 { // B adds to its counters after sending
		t.Fatalf("only %d relayed round trips, B relayed %d datagrams", len(relayed), bb[2].Stats().Relayed)
	}
	p := func(d []time.Duration, q float64) time.Duration {
		slices.Sort(d)
		return d[int(q*float64(len(d)-1))]
	}
	fmt.Printf("RELAY LATENCY round trip direct p50 %v p99 %v; via relay p50 %v p99 %v; added p50 %v p99 %v (relay crossed twice per round trip; %d/%d samples)\n",
		p(direct, .5), p(direct, .99), p(relayed, .5), p(relayed, .99),
		p(relayed, .5)-p(direct, .5), p(relayed, .99)-p(direct, .99), len(direct), len(relayed))
}

// TestRelayPacketRate floods PoP 2 with relayable overlay datagrams (64
// bytes, from PoP 1's underlay address, path 2 -> 3) for 3 seconds and
// prints the rate the userspace relay forwarded and PoP 3 received.
func TestRelayPacketRate(t *testing.T) {
	_, ns, bb := relayLab(t)
	src := listenIn(t, ns[1], "198.19.81.1:0")
	pc := ipv4.NewPacketConn(src)
	h, _ := overlay.Path(overlay.TypeData, 1, 0, 2, 3)
	pkt := make([]byte, 64)
	if err := h.Marshal(pkt); err != nil {
		t.Fatal(err)
	}
	to := &net.UDPAddr{IP: net.IPv4(198, 19, 81, 2), Port: tunnel.DefaultPort}
	msgs := make([]ipv4.Message, 64)
	for i := range msgs {
		msgs[i] = ipv4.Message{Buffers: [][]byte{pkt}, Addr: to}
	}
	var stop atomic.Bool
	var sent atomic.Uint64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for !stop.Load() {
			n, err := pc.WriteBatch(msgs, 0)
			if err != nil {
				return
			}
			sent.Add(uint64(n))
		}
	}()
	time.Sleep(300 * time.Millisecond) // warm up
	r0, c0, s0 := bb[2].Stats().Relayed, bb[3].Stats().Received, sent.Load()
	start := time.Now()
	time.Sleep(3 * time.Second)
	r1, c1, s1 := bb[2].Stats().Relayed, bb[3].Stats().Received, sent.Load()
	el := time.Since(start).Seconds()
	stop.Store(true)
	<-done
	if r1-r0 == 0 || c1-c0 == 0 {
		t.Fatalf("nothing relayed (sent %d)", s1-s0)
	}
	fmt.Printf("RELAY RATE offered %.0f pkt/s, relayed %.0f pkt/s, received at PoP 3 %.0f pkt/s (64-byte datagrams, userspace relay)\n",
		float64(s1-s0)/el, float64(r1-r0)/el, float64(c1-c0)/el)
}
