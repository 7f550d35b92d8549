package xdp

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"text/tabwriter"
	"time"

	"golang.org/x/net/ipv4"

	"github.com/argonet/argo/overlay"
)

// TestPerfComparison (ARGO_BENCH=1) prints side-by-side performance
// ratios measured in one run:
//
//   - ns per frame of the program (BPF_PROG_TEST_RUN) for drop, pass, relay;
//   - drop (perf_drop_test.go): UDP from a blocklisted source dropped at B
//     by the XDP blocklist vs an nftables rule for that source in the
//     netdev ingress hook (the earliest nftables hook) and in ip
//     prerouting (priority raw); and with 1024 more prefixes in both
//     blocklists (an nftables interval set); packets dropped per
//     CPU-second at B;
//   - relay (perf_relay_test.go): overlay datagrams A -> B -> C relayed by
//     B's XDP program (XDP_REDIRECT) vs the project's userspace relay
//     (tunnel.Backbone) and a minimal batched forwarder, counted on
//     arrival at C, per CPU-second at B.
//
// A generates 64-byte frames in the kernel (BPF_PROG_TEST_RUN live-frames
// mode, trafficgen_test.go) and redirects them into its veth, so they
// reach B's veth as xdp_frames, as from a driver-native NIC: B's XDP
// program runs on them in place, and without XDP the kernel builds an skb
// for the stack. UDP checksums are zero (nothing to verify), as with a
// NIC's receive checksum offload. For nftables and the userspace relays
// B's veth runs the pass-through XDP program with GRO off (a veth needs
// an XDP program or GRO for NAPI; this is the cheaper stack path);
// nft-ingress-gro instead has GRO on and no XDP program, a host's default.
// The generator runs flat out: B works at capacity, and frames B cannot
// take are dropped by A's veth at B's full ring, which costs B nothing.
//
// B's CPU time is its NAPI kthread (threaded NAPI, /proc/<pid>/schedstat)
// plus this process minus the generator thread, where the userspace
// relays run (perf_cpu_test.go); CPU time, unlike wall time, stays
// meaningful on a shared machine. A userspace relay at capacity loses
// packets at its socket after B's kernel worked on them: the "without
// lost" figures leave that work out (perfSample.perCPUNoLoss). Every round
// measures each alternative for ARGO_BENCH_SECONDS (default 2) after a
// 0.3 s warm-up; ARGO_BENCH_ROUNDS (default 5) rounds alternate the
// order; the table gives medians and ranges over rounds, and the ratios
// are taken per round, side by side.
//
//	ARGO_BENCH=1 go test -run TestPerfComparison -v -count=1 ./xdp/
func TestPerfComparison(t *testing.T) {
	if os.Getenv("ARGO_BENCH") != "1" {
		t.Skip("set ARGO_BENCH=1 to run the performance comparison")
	}
	needRoot(t)
	rounds, secs := envInt(t, "ARGO_BENCH_ROUNDS", 5), envInt(t, "ARGO_BENCH_SECONDS", 2)

	e := newProgEnv(t)
	ns := map[string]time.Duration{}
	for _, c := range benchCases(t, e) {
		ns[c.name] = e.measure(t, c, 200_000)
	}
	t.Logf("program, ns/frame: drop %v, pass %v, deliver %v, relay %v; relay/drop %.1fx, relay/pass %.1fx",
		ns["drop_blocklist"], ns["pass_plain"], ns["pass_deliver"], ns["relay_tx"],
		float64(ns["relay_tx"])/float64(ns["drop_blocklist"]), float64(ns["relay_tx"])/float64(ns["pass_plain"]))

	load0 := loadAvg()
	drop, relay := newDropLab(t), newRelayLab(t)
	dur := time.Duration(secs) * time.Second
	res := map[string][]perfSample{}
	var order []string
	for r := range rounds {
		for _, lab := range []struct {
			alts []perfAlt
			run  func(*testing.T, perfAlt, time.Duration) perfSample
		}{{drop.alternatives(), drop.run}, {relay.alternatives(), relay.run}} {
			alts := lab.alts
			if r%2 == 1 {
				slices.Reverse(alts)
			}
			for _, a := range alts {
				if r == 0 {
					order = append(order, a.name)
				}
				s := lab.run(t, a, dur)
				t.Logf("round %d %-16s %s", r+1, a.name, s)
				res[a.name] = append(res[a.name], s)
			}
		}
	}
	t.Logf("kernel %s, %d CPUs, load average %s at the start, %s at the end; %d rounds of %v per alternative\n%s",
		kernelRelease(), runtime.NumCPU(), load0, loadAvg(), rounds, dur,
		perfTable(order, res, [][2]string{
			{"xdp-blocklist", "nft-ingress"}, {"xdp-blocklist", "nft-prerouting"}, {"xdp-blocklist", "nft-ingress-gro"},
			{"xdp-drop-floor", "nft-ingress"}, {"xdp-blocklist", "xdp-drop-floor"},
			{"xdp-blocklist-1k", "nft-ingress-1k"},
			{"xdp-relay", "tunnel-relay"}, {"xdp-relay", "batch-forwarder"},
		}))
}

// loadAvg returns the 1, 5 and 15 minute load averages of the machine.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}

// envInt reads a positive integer from the environment.
func envInt(t *testing.T, name string, def int) int {
	t.Helper()
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q: want a positive integer", name, s)
	}
	return n
}

// perfCounts returns the packets handled so far: dropped at B, or arrived
// at C for a relay; and, for a relay, what B says it relayed.
type perfCounts func() (handled, atB uint64)

// perfAlt is one alternative of a comparison: start prepares B and returns
// its counters and a function that undoes the preparation.
type perfAlt struct {
	name  string
	start func(t *testing.T) (perfCounts, func())
}

// perfSample is one measurement window.
type perfSample struct {
	handled, atB uint64        // see perfCounts
	lost         uint64        // dropped at B after B's kernel worked on them (socket overflow)
	wall         time.Duration // window length
	kernel, user time.Duration // B's CPU time: NAPI kthread, userspace
}

// cpu returns B's CPU time.
func (s perfSample) cpu() time.Duration { return s.kernel + s.user }

// perCPU returns packets handled per CPU-second at B.
func (s perfSample) perCPU() float64 { return float64(s.handled) / s.cpu().Seconds() }

// perCPUNoLoss is perCPU without the kernel's work on the packets B lost:
// the NAPI time is charged pro rata to the packets that reached the relay
// (B counted) and to those the socket dropped, and only the first share
// counts. It estimates what B's CPU sustains when the relay is not
// overloaded; a dropped packet costs the kernel a little less than a
// delivered one, so the estimate errs in the userspace relay's favour.
func (s perfSample) perCPUNoLoss() float64 {
	if s.lost == 0 {
		return s.perCPU()
	}
	k := time.Duration(float64(s.kernel) * float64(s.atB) / float64(s.atB+s.lost))
	return float64(s.handled) / (k + s.user).Seconds()
}

// pps returns packets handled per wall-clock second.
func (s perfSample) pps() float64 { return float64(s.handled) / s.wall.Seconds() }

// lossPct returns the share of B's packets lost after B worked on them.
func (s perfSample) lossPct() float64 {
	if s.lost == 0 {
		return 0
	}
	return 100 * float64(s.lost) / float64(s.lost+s.atB)
}

func (s perfSample) String() string {
	return fmt.Sprintf("%8.0f pkt/CPU-s at B (%8.0f without lost) | %8.0f pkt/s | handled %d, B counted %d, lost at B %d, in %v | B CPU %v (NAPI %v, userspace %v)",
		s.perCPU(), s.perCPUNoLoss(), s.pps(), s.handled, s.atB, s.lost, s.wall.Round(time.Millisecond),
		s.cpu().Round(time.Millisecond), s.kernel.Round(time.Millisecond), s.user.Round(time.Millisecond))
}

// measureAlt starts alt, floods B from gen in genNS, and measures one
// window of d after a warm-up. B's interfaces napiIfs run threaded NAPI.
// The generator runs flat out: B works at capacity, with full NAPI
// batches (and full recvmmsg batches for a userspace relay), and what B
// cannot take is dropped when A's veth finds B's ring full, which costs B
// nothing. lost, if not nil, counts packets B's kernel worked on and then
// dropped (a userspace relay's socket buffer overflowing); see
// perfSample.perCPUNoLoss.
//
// The counters are read outside the CPU window (first and last), which
// counts a few milliseconds of packets more than the CPU time covers: the
// error favours the slower reader (nft list, a process), never XDP.
func measureAlt(t *testing.T, alt perfAlt, genNS *testNS, gen *trafficGen, napiIfs []string, lost func() uint64, d time.Duration) perfSample {
	t.Helper()
	count, stop := alt.start(t)
	defer stop()
	if lost == nil {
		lost = func() uint64 { return 0 }
	}
	g := gen.start(genNS)
	if g.tid == 0 {
		t.Fatalf("generator: %v", g.finish())
	}
	defer func() {
		if err := g.finish(); err != nil {
			t.Fatalf("generator: %v", err)
		}
	}()
	time.Sleep(300 * time.Millisecond) // warm-up: caches, rings, socket buffers
	m := cpuMeter{napi: napiPids(t, napiIfs...), genTID: g.tid}
	l0 := lost()
	h0, b0 := count()
	s0, t0 := m.snap(t), time.Now()
	time.Sleep(d)
	s1, t1 := m.snap(t), time.Now()
	h1, b1 := count()
	s := perfSample{handled: h1 - h0, atB: b1 - b0, lost: lost() - l0, wall: t1.Sub(t0)}
	s.kernel, s.user = s1.since(s0)
	if s.handled == 0 {
		t.Fatalf("%s: nothing handled (B counted %d)", alt.name, s.atB)
	}
	if s.atB != 0 && s.handled > s.atB+s.atB/100+1000 {
		t.Fatalf("%s: C counted %d packets, B relayed only %d", alt.name, s.handled, s.atB)
	}
	return s
}

// perfTable formats the medians and ranges per alternative and the ratios
// of the pairs (a over b), computed per round.
func perfTable(order []string, res map[string][]perfSample, pairs [][2]string) string {
	var sb strings.Builder
	w := tabwriter.NewWriter(&sb, 0, 0, 2, ' ', tabwriter.AlignRight)
	stat := func(v []float64, format string) (string, string) {
		return fmt.Sprintf(format, median(v)), fmt.Sprintf(format+"-"+format, slices.Min(v), slices.Max(v))
	}
	fmt.Fprintln(w, "alternative\tpkt/CPU-s at B\trange\twithout lost\trange\tpkt/s\trange\tB CPU/s\tlost at B\t")
	for _, name := range order {
		ss := res[name]
		var per, noLoss, pps, load, loss []float64
		for _, s := range ss {
			per, noLoss, pps = append(per, s.perCPU()), append(noLoss, s.perCPUNoLoss()), append(pps, s.pps())
			load, loss = append(load, s.cpu().Seconds()/s.wall.Seconds()), append(loss, s.lossPct())
		}
		a, ar := stat(per, "%.0f")
		b, br := stat(noLoss, "%.0f")
		c, cr := stat(pps, "%.0f")
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.2f\t%.1f%%\t\n", name, a, ar, b, br, c, cr, median(load), median(loss))
	}
	fmt.Fprintln(w, "\t\t\t\t\t\t\t\t\t")
	fmt.Fprintln(w, "ratio\tper CPU-s\trange\twithout lost\trange\tpkt/s\trange\t\t\t")
	for _, p := range pairs {
		x, y := res[p[0]], res[p[1]]
		var per, noLoss, pps []float64
		for i := range x {
			per = append(per, x[i].perCPU()/y[i].perCPU())
			noLoss = append(noLoss, x[i].perCPUNoLoss()/y[i].perCPUNoLoss())
			pps = append(pps, x[i].pps()/y[i].pps())
		}
		a, ar := stat(per, "%.1f")
		b, br := stat(noLoss, "%.1f")
		c, cr := stat(pps, "%.1f")
		fmt.Fprintf(w, "%s / %s\t%sx\t%sx\t%sx\t%sx\t%sx\t%sx\t\t\t\n", p[0], p[1], a, ar, b, br, c, cr)
	}
	w.Flush()
	return "all figures are medians over rounds, with their range; ratios are taken per round\n" + sb.String()
}

// median returns the median of v (the mean of the middle two when even).
func median(v []float64) float64 {
	s := slices.Sorted(slices.Values(v))
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// forwarder is a minimal userspace relay for comparison: it reads batches
// of overlay datagrams, decides, advances the index and sends each on to
// the next hop on one locked OS thread, with none of tunnel's bookkeeping.
type forwarder struct {
	stop      atomic.Bool
	done      chan struct{}
	forwarded atomic.Uint64
}

func startForwarder(conn *net.UDPConn, self uint16, pops map[uint16]netip.Addr) *forwarder {
	f := &forwarder{done: make(chan struct{})}
	go func() {
		defer close(f.done)
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
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
				return
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
				f.forwarded.Add(uint64(max(w, 0)))
			}
		}
	}()
	return f
}

// finish stops the forwarder.
func (f *forwarder) finish() {
	f.stop.Store(true)
	<-f.done
}
