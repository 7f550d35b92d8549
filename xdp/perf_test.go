package xdp

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/argonet/argo/overlay"
	"golang.org/x/net/ipv4"
	"golang.org/x/sys/unix"
)

// TestPerfComparison (ARGO_BENCH=1) prints side-by-side performance
// ratios measured in one run:
//
//   - ns per frame of the program (BPF_PROG_TEST_RUN) for drop, pass, relay;
//   - overlay datagrams relayed through B by XDP vs by a userspace UDP
//     forwarder (batched recvmmsg/sendmmsg, overlay.Decide), per CPU-second
//     spent at B;
//   - frames dropped at B by the XDP blocklist vs an nftables rule (netdev
//     ingress hook, the earliest nftables hook), per CPU-second at B.
//
// B's receive work is made measurable by threaded NAPI on its veth (the
// XDP program, or GRO + stack + nftables, runs in one kthread whose CPU
// time /proc reports); the userspace forwarder runs on a locked OS thread
// measured with CLOCK_THREAD_CPUTIME_ID. CPU time, unlike wall time, stays
// meaningful on a shared machine; the packet rates are bounded by the
// single sender and are printed for context only.
func TestPerfComparison(t *testing.T) {
	if os.Getenv("ARGO_BENCH") != "1" {
		t.Skip("set ARGO_BENCH=1 to run the performance comparison")
	}
	needRoot(t)

	e := newProgEnv(t)
	ns := map[string]time.Duration{}
	for _, c := range benchCases(t, e) {
		ns[c.name] = e.measure(t, c, 200_000)
	}
	t.Logf("program, ns/frame: drop %v, pass %v, deliver %v, relay %v; relay/drop %.1fx, relay/pass %.1fx",
		ns["drop_blocklist"], ns["pass_plain"], ns["pass_deliver"], ns["relay_tx"],
		float64(ns["relay_tx"])/float64(ns["drop_blocklist"]), float64(ns["relay_tx"])/float64(ns["pass_plain"]))

	const dur = 3 * time.Second
	xr := relayThroughput(t, true, dur)
	ur := relayThroughput(t, false, dur)
	t.Logf("relay at B: XDP %s | userspace %s | XDP/userspace %.1fx packets per CPU-second at B",
		xr, ur, xr.perCPU()/ur.perCPU())

	xd := dropThroughput(t, true, dur)
	nd := dropThroughput(t, false, dur)
	t.Logf("blocklist drop at B: XDP %s | nftables %s | XDP/nftables %.1fx packets per CPU-second at B",
		xd, nd, xd.perCPU()/nd.perCPU())
}

// perfResult is one measured run.
type perfResult struct {
	sent, handled uint64        // packets sent by A; relayed or dropped by B
	elapsed       time.Duration // wall time of the flood
	cpu           time.Duration // CPU time spent at B
}

func (r perfResult) perCPU() float64 { return float64(r.handled) / r.cpu.Seconds() }
func (r perfResult) String() string {
	return fmt.Sprintf("%d of %d packets in %v (%.0f/s) using %v CPU: %.0f/CPU-s",
		r.handled, r.sent, r.elapsed.Round(time.Millisecond), float64(r.handled)/r.elapsed.Seconds(),
		r.cpu.Round(time.Millisecond), r.perCPU())
}

// napiThreads returns the pids of kernel threads whose name starts with prefix.
func napiThreads(prefix string) map[int]bool {
	pids := map[int]bool{}
	comms, _ := filepath.Glob("/proc/[0-9]*/comm")
	for _, c := range comms {
		b, err := os.ReadFile(c)
		if err == nil && strings.HasPrefix(string(b), prefix) {
			pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(c)))
			pids[pid] = true
		}
	}
	return pids
}

// threadedNAPI switches ifname in ns to threaded NAPI (enabling GRO first
// if gro, so that a veth without XDP has NAPI at all) and returns the pid
// of its NAPI kthread. A veth hands a packet to its peer's NAPI only when
// XDP runs there or the packet is GRO-eligible, which needs TSO off on the
// sending end: peerNS/peerIf names it.
func threadedNAPI(t *testing.T, ns *testNS, ifname string, gro bool, peerNS *testNS, peerIf string) int {
	t.Helper()
	if out, err := peerNS.cmd("ethtool", "-K", peerIf, "tso", "off").CombinedOutput(); err != nil {
		t.Fatalf("tso off on %s: %v: %s", peerIf, err, out)
	}
	prefix := "napi/" + ifname + "-"
	before := napiThreads(prefix)
	if gro {
		if out, err := ns.cmd("ethtool", "-K", ifname, "gro", "on").CombinedOutput(); err != nil {
			t.Fatalf("gro on: %v: %s", err, out)
		}
	}
	// ip netns exec mounts the namespace's own /sys.
	if out, err := ns.cmd("sh", "-c", "echo 1 > /sys/class/net/"+ifname+"/threaded").CombinedOutput(); err != nil {
		t.Fatalf("threaded NAPI on %s: %v: %s", ifname, err, out)
	}
	for pid := range napiThreads(prefix) {
		if !before[pid] {
			return pid
		}
	}
	t.Fatalf("no NAPI thread %s* appeared", prefix)
	return 0
}

// procCPU returns the CPU time of pid (/proc/<pid>/schedstat, in ns).
func procCPU(t *testing.T, pid int) time.Duration {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/schedstat", pid))
	if err != nil {
		t.Fatal(err)
	}
	ns, err := strconv.ParseInt(strings.Fields(string(b))[0], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return time.Duration(ns)
}

// threadCPU returns the CPU time of the calling (locked) OS thread.
func threadCPU() time.Duration {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts)
	return time.Duration(ts.Nano())
}

// flood sends copies of pkt from conn to dst in batches until stop closes,
// and returns the number sent.
func flood(conn *net.UDPConn, dst netip.AddrPort, pkt []byte, stop <-chan struct{}) uint64 {
	pc := ipv4.NewPacketConn(conn)
	msgs := make([]ipv4.Message, 64)
	to := net.UDPAddrFromAddrPort(dst)
	for i := range msgs {
		msgs[i] = ipv4.Message{Buffers: [][]byte{pkt}, Addr: to}
	}
	var sent uint64
	for {
		select {
		case <-stop:
			return sent
		default:
		}
		n, err := pc.WriteBatch(msgs, 0)
		if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			time.Sleep(time.Millisecond) // ENOBUFS and the like: back off
		}
		sent += uint64(max(n, 0))
	}
}

// drain counts datagrams arriving on conn until it is closed.
func drain(conn *net.UDPConn, count *atomic.Uint64) {
	pc := ipv4.NewPacketConn(conn)
	msgs := make([]ipv4.Message, 64)
	for i := range msgs {
		msgs[i].Buffers = [][]byte{make([]byte, 2048)}
	}
	for {
		n, err := pc.ReadBatch(msgs, 0)
		if err != nil {
			return
		}
		count.Add(uint64(n))
	}
}

// forwarder is the userspace relay used for comparison: it reads batches
// of overlay datagrams, decides, advances the index and sends each on to
// the next hop, as tunnel/'s userspace relay does, on one locked OS thread.
type forwarder struct {
	stop      atomic.Bool
	done      chan struct{}
	forwarded uint64
	cpu       time.Duration
}

func startForwarder(conn *net.UDPConn, self uint16, pops map[uint16]netip.Addr) *forwarder {
	f := &forwarder{done: make(chan struct{})}
	go func() {
		defer close(f.done)
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		cpu0 := threadCPU()
		pc := ipv4.NewPacketConn(conn)
		in := make([]ipv4.Message, 64)
		out := make([]ipv4.Message, 64)
		addrs := map[uint16]*net.UDPAddr{}
		for id, a := range pops {
			addrs[id] = net.UDPAddrFromAddrPort(netip.AddrPortFrom(a, DefaultOverlayPort))
		}
		for i := range in {
			in[i].Buffers = [][]byte{make([]byte, 2048)}
		}
		for !f.stop.Load() {
			conn.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
			n, err := pc.ReadBatch(in, 0)
			if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
				break
			}
			k := 0
			for _, m := range in[:max(n, 0)] {
				b := m.Buffers[0][:m.N]
				if v, next, _ := overlay.Decide(b, self); v == overlay.Relay {
					overlay.AdvanceIndex(b)
					out[k] = ipv4.Message{Buffers: [][]byte{b}, Addr: addrs[next]}
					k++
				}
			}
			if k > 0 {
				w, _ := pc.WriteBatch(out[:k], 0)
				f.forwarded += uint64(max(w, 0))
			}
		}
		f.cpu = threadCPU() - cpu0
	}()
	return f
}

// finish stops the forwarder and returns its count and CPU time.
func (f *forwarder) finish() (uint64, time.Duration) {
	f.stop.Store(true)
	<-f.done
	return f.forwarded, f.cpu
}

// relayThroughput floods overlay datagrams A -> B -> C for d, relayed by
// B's XDP program (native, zeroed UDP checksums) or by a userspace
// forwarder in B, and returns what B relayed with B's CPU time.
func relayThroughput(t *testing.T, useXDP bool, d time.Duration) perfResult {
	tp := newThreePoPs(t, topoOpts{mode: ModeNative, zeroUDP: true, noXDP: !useXDP})
	napi := threadedNAPI(t, tp.b, "u0", !useXDP, tp.fabric, "pb")
	var fwd *forwarder
	if !useXDP {
		bConn := udpConn(t, tp.b, tp.pops[popB], DefaultOverlayPort)
		bConn.SetReadBuffer(8 << 20)
		fwd = startForwarder(bConn, popB, tp.pops)
	}
	aConn := udpConn(t, tp.a, tp.pops[popA], 0)
	cConn := udpConn(t, tp.c, tp.pops[popC], DefaultOverlayPort)
	cConn.SetReadBuffer(8 << 20)
	var got atomic.Uint64
	go drain(cConn, &got)
	hdr, _ := overlay.Path(overlay.TypeData, popA, 1, popB, popC)
	pkt := make([]byte, 100)
	hdr.Marshal(pkt)

	cpu0 := procCPU(t, napi)
	r := perfRun(d, func(stop <-chan struct{}) uint64 {
		return flood(aConn, netip.AddrPortFrom(tp.pops[popB], DefaultOverlayPort), pkt, stop)
	})
	time.Sleep(200 * time.Millisecond) // let queues drain
	r.cpu = procCPU(t, napi) - cpu0
	if useXDP {
		cs, err := tp.bx.Counters()
		if err != nil {
			t.Fatal(err)
		}
		r.handled = cs[CounterRelayTX].Packets
	} else {
		var fcpu time.Duration
		r.handled, fcpu = fwd.finish()
		r.cpu += fcpu
	}
	if r.handled == 0 || got.Load() == 0 {
		t.Fatalf("nothing relayed (xdp %v): B %d, C received %d", useXDP, r.handled, got.Load())
	}
	return r
}

// perfRun runs send for d.
func perfRun(d time.Duration, send func(stop <-chan struct{}) uint64) perfResult {
	stop := make(chan struct{})
	var r perfResult
	var wg sync.WaitGroup
	start := time.Now()
	wg.Go(func() { r.sent = send(stop) })
	time.Sleep(d)
	close(stop)
	wg.Wait()
	r.elapsed = time.Since(start)
	return r
}

// dropThroughput floods UDP from A to B over a direct veth for d; B drops
// it with its XDP blocklist or with an nftables rule. It returns how many
// B dropped, with B's CPU time.
func dropThroughput(t *testing.T, useXDP bool, d time.Duration) perfResult {
	needRoot(t)
	a, b := newNS(t, "da"), newNS(t, "db")
	ifb := "n" + uniq()[len(uniq())-6:] // unique: names B's NAPI thread
	srcA, dstB := netip.MustParseAddr("198.19.83.1"), netip.MustParseAddr("198.19.83.2")
	_, bl := veth(t, a, "u0", netip.PrefixFrom(srcA, 24), b, ifb, netip.PrefixFrom(dstB, 24))
	a.neigh(t, a.link(t, "u0"), dstB, bl.Attrs().HardwareAddr)
	var x *XDP
	if useXDP {
		cfg := Config{PopName: "drop-" + uniq(), PopID: 1, Interface: ifb, Mode: ModeNative, PinRoot: tempPinRoot(t)}
		b.must(t, func() error {
			var err error
			x, err = Load(cfg, discardLog(), nil)
			return err
		})
		t.Cleanup(func() { x.Close() })
		if err := x.AddBlock(netip.PrefixFrom(srcA, 32)); err != nil {
			t.Fatal(err)
		}
	} else {
		rules := fmt.Sprintf("table netdev argo_bench {\n chain in {\n  type filter hook ingress device %s priority -500;\n  ip saddr %s counter drop\n }\n}\n", ifb, srcA)
		cmd := b.cmd("nft", "-f", "-")
		cmd.Stdin = strings.NewReader(rules)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("nft: %v: %s", err, out)
		}
	}
	napi := threadedNAPI(t, b, ifb, !useXDP, a, "u0")
	aConn := udpConn(t, a, srcA, 0)
	cpu0 := procCPU(t, napi)
	r := perfRun(d, func(stop <-chan struct{}) uint64 {
		return flood(aConn, netip.AddrPortFrom(dstB, 9), make([]byte, 64), stop)
	})
	time.Sleep(100 * time.Millisecond)
	r.cpu = procCPU(t, napi) - cpu0
	if useXDP {
		cs, err := x.Counters()
		if err != nil {
			t.Fatal(err)
		}
		r.handled = cs[CounterDropBlocklist].Packets
	} else {
		out, err := b.cmd("nft", "list", "table", "netdev", "argo_bench").CombinedOutput()
		if err != nil {
			t.Fatalf("nft list: %v: %s", err, out)
		}
		f := strings.Fields(string(out))
		for i := range f {
			if f[i] == "packets" && i+1 < len(f) {
				r.handled, _ = strconv.ParseUint(f[i+1], 10, 64)
			}
		}
	}
	if r.handled == 0 {
		t.Fatalf("nothing dropped (xdp %v)", useXDP)
	}
	return r
}
