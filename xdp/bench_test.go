package xdp

import (
	"fmt"
	"net/netip"
	"runtime"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"
)

// testRunAttr is the test part of union bpf_attr (BPF_PROG_TEST_RUN).
type testRunAttr struct {
	progFD      uint32
	retval      uint32
	dataSizeIn  uint32
	dataSizeOut uint32
	dataIn      uint64
	dataOut     uint64
	repeat      uint32
	duration    uint32
	ctxSizeIn   uint32
	ctxSizeOut  uint32
	ctxIn       uint64
	ctxOut      uint64
	flags       uint32
	cpu         uint32
	batchSize   uint32
	_           uint32
}

// progRun runs prog once on data with the XDP context ctx and returns the
// action and the run time the kernel measured. Unlike ebpf.Program.Run it
// reports the duration with a context (the ingress interface), which the
// relay needs; a relay rewrites its frame in place, so Repeat > 1 would
// time the already-rewritten frame from the second run on.
func progRun(prog *ebpf.Program, data []byte, ctx *xdpMd) (uint32, time.Duration, error) {
	attr := testRunAttr{
		progFD:     uint32(prog.FD()),
		dataSizeIn: uint32(len(data)),
		dataIn:     uint64(uintptr(unsafe.Pointer(&data[0]))),
		repeat:     1,
		ctxSizeIn:  uint32(unsafe.Sizeof(*ctx)),
		ctxIn:      uint64(uintptr(unsafe.Pointer(ctx))),
	}
	_, _, errno := unix.Syscall(unix.SYS_BPF, unix.BPF_PROG_TEST_RUN, uintptr(unsafe.Pointer(&attr)), unsafe.Sizeof(attr))
	runtime.KeepAlive(data)
	runtime.KeepAlive(ctx)
	if errno != 0 {
		return 0, 0, errno
	}
	return attr.retval, time.Duration(attr.duration), nil
}

// benchCase is one kind of frame for the program benchmarks.
type benchCase struct {
	name string
	in   []byte
	want Counter
}

// benchCases configures e for the benchmarks (this PoP 0x0102 relaying on
// r0) and returns one frame per path: drop, pass and relay.
func benchCases(tb testing.TB, e *progEnv) []benchCase {
	pops := vectorPoPs(txNet)
	e.configure(tb, 0x0102, pops)
	if err := e.tab.AddBlock(netip.MustParsePrefix("198.51.100.0/24")); err != nil {
		tb.Fatal(err)
	}
	var relay, deliver []byte
	for _, v := range loadVectors(tb) {
		switch v.Name {
		case "data count 2 index 0 relay":
			relay = vectorFrame(v, pops).bytes()
		case "data count 1 index 0 deliver":
			deliver = vectorFrame(v, pops).bytes()
		}
	}
	return []benchCase{
		{"drop_blocklist", plainFrame(netip.MustParseAddr("198.51.100.1"), pops[0x0102], 53).bytes(), CounterDropBlocklist},
		{"pass_plain", plainFrame(netip.MustParseAddr("192.0.2.1"), pops[0x0102], 53).bytes(), CounterPass},
		{"pass_deliver", deliver, CounterDeliver},
		{"relay_tx", relay, CounterRelayTX},
	}
}

// measure runs c n times and returns the mean kernel-measured time per run.
func (e *progEnv) measure(tb testing.TB, c benchCase, n int) time.Duration {
	ctx := &xdpMd{DataEnd: uint32(len(c.in)), IngressIfindex: uint32(e.r0.Attrs().Index)}
	buf := make([]byte, len(c.in))
	var total time.Duration
	e.ns.must(tb, func() error {
		for range n {
			copy(buf, c.in) // a relay rewrites the frame in place
			ret, d, err := progRun(e.objs.ArgoXdp, buf, ctx)
			if err != nil {
				return err
			}
			if ret != c.want.xdpAction() {
				return fmt.Errorf("%s: action %d, want %d", c.name, ret, c.want.xdpAction())
			}
			total += d
		}
		return nil
	})
	return total / time.Duration(n)
}

// BenchmarkProgRun reports ns/pkt: the kernel-measured run time of the
// program per frame for the drop, pass and relay paths, side by side.
func BenchmarkProgRun(b *testing.B) {
	e := newProgEnv(b)
	for _, c := range benchCases(b, e) {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			d := e.measure(b, c, b.N)
			b.ReportMetric(float64(d.Nanoseconds()), "ns/pkt")
		})
	}
}

// BenchmarkProgRunRepeat times the paths that leave the frame unchanged
// with Repeat = b.N in one syscall (the kernel's own loop): a cross-check
// of BenchmarkProgRun's per-run timer.
func BenchmarkProgRunRepeat(b *testing.B) {
	e := newProgEnv(b)
	for _, c := range benchCases(b, e) {
		if c.want.Action() != "pass" && c.want.Action() != "drop" {
			continue
		}
		b.Run(c.name, func(b *testing.B) {
			opts := ebpf.RunOptions{Data: c.in, Repeat: uint32(b.N),
				Context: xdpMd{DataEnd: uint32(len(c.in)), IngressIfindex: uint32(e.r0.Attrs().Index)}}
			b.ResetTimer()
			e.ns.must(b, func() error {
				ret, err := e.objs.ArgoXdp.Run(&opts)
				if err == nil && ret != c.want.xdpAction() {
					err = fmt.Errorf("action %d, want %d", ret, c.want.xdpAction())
				}
				return err
			})
		})
	}
}

// BenchmarkDropCPUs runs the blocklist drop path on one CPU, then on every
// CPU at once, all frames from one blocked prefix (a flood spread over the
// receive queues), and reports ns/pkt per CPU. The rule's hit counter is
// per CPU, so the second figure should equal the first: a shared atomic
// counter made it 1.5-2x slower with two CPUs on this machine.
func BenchmarkDropCPUs(b *testing.B) {
	e := newProgEnv(b)
	if err := e.tab.AddBlock(netip.MustParsePrefix("198.51.100.0/24")); err != nil {
		b.Fatal(err)
	}
	in := plainFrame(netip.MustParseAddr("198.51.100.1"), netip.MustParseAddr("192.0.2.9"), 53).bytes()
	var cpus unix.CPUSet
	if err := unix.SchedGetaffinity(0, &cpus); err != nil {
		b.Fatal(err)
	}
	var all []int
	for c := range 1024 {
		if cpus.IsSet(c) {
			all = append(all, c)
		}
	}
	for _, set := range [][]int{all[:1], all} {
		b.Run(fmt.Sprintf("cpus=%d", len(set)), func(b *testing.B) {
			durs := make([]time.Duration, len(set))
			errs := make([]error, len(set))
			var wg sync.WaitGroup
			for i, c := range set {
				wg.Add(1)
				go func() {
					defer wg.Done()
					runtime.LockOSThread() // dies with the goroutine: its affinity is changed
					var one unix.CPUSet
					one.Set(c)
					if errs[i] = unix.SchedSetaffinity(0, &one); errs[i] != nil {
						return
					}
					var ret uint32
					ret, durs[i], errs[i] = e.objs.ArgoXdp.Benchmark(in, b.N, nil)
					if errs[i] == nil && ret != xdpDrop {
						errs[i] = fmt.Errorf("CPU %d: action %d, want drop", c, ret)
					}
				}()
			}
			wg.Wait()
			var sum time.Duration
			for i := range set {
				if errs[i] != nil {
					b.Fatal(errs[i])
				}
				sum += durs[i]
			}
			b.ReportMetric(float64(sum.Nanoseconds())/float64(len(set)), "ns/pkt")
		})
	}
	bl, err := e.tab.Blocklist()
	if err != nil || len(bl) != 1 || bl[0].Hits == 0 {
		b.Fatalf("blocklist after the runs: %v, %v", bl, err)
	}
}
