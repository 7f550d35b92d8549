package xdp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"golang.org/x/sys/unix"
)

// An in-kernel traffic generator for the performance comparison, built
// the way xdp-trafficgen works: BPF_PROG_TEST_RUN in live-frames mode
// (BPF_F_TEST_XDP_LIVE_FRAMES, Linux >= 5.18) runs a tiny XDP program on
// kernel-allocated xdp_frames, and the program redirects each frame out of
// a veth. The frames reach the peer veth as xdp_frames, without an skb and
// without the copy a socket-sent skb costs before native veth XDP can run
// on it: what the peer's XDP program sees is what a driver-native NIC
// hands it. When the peer runs no XDP program the kernel builds an skb and
// the normal stack (nftables, sockets) runs, so one generator feeds both
// alternatives of every comparison.

// bpfFTestXDPLiveFrames is BPF_F_TEST_XDP_LIVE_FRAMES (uapi/linux/bpf.h).
const bpfFTestXDPLiveFrames = 1 << 1

// genProgram returns an XDP program that writes frame over the packet
// data and redirects it out of ifindex. Rewriting every byte on every run
// matters: live-frames pages are recycled from the receivers, so a frame
// may come back as a relay rewrote it (kernel doc bpf_prog_run.rst).
func genProgram(frame []byte, ifindex int) (*ebpf.Program, error) {
	if len(frame)%4 != 0 {
		return nil, fmt.Errorf("generator frame length %d is not a multiple of 4", len(frame))
	}
	insns := asm.Instructions{
		asm.LoadMem(asm.R2, asm.R1, 0, asm.Word), // data
		asm.LoadMem(asm.R3, asm.R1, 4, asm.Word), // data_end
		asm.Mov.Reg(asm.R4, asm.R2),
		asm.Add.Imm(asm.R4, int32(len(frame))),
		asm.JGT.Reg(asm.R4, asm.R3, "short"),
	}
	for off := 0; off < len(frame); off += 4 {
		v := int32(binary.NativeEndian.Uint32(frame[off:]))
		insns = append(insns, asm.StoreImm(asm.R2, int16(off), int64(v), asm.Word))
	}
	insns = append(insns,
		asm.Mov.Imm(asm.R1, int32(ifindex)),
		asm.Mov.Imm(asm.R2, 0),
		asm.FnRedirect.Call(),
		asm.Return(),
		asm.Mov.Imm(asm.R0, 1).WithSymbol("short"), // XDP_DROP
		asm.Return(),
	)
	return ebpf.NewProgram(&ebpf.ProgramSpec{Name: "argo_bench_gen", Type: ebpf.XDP,
		Instructions: insns, License: "Dual MIT/GPL"})
}

// trafficGen is a generator program and its frame.
type trafficGen struct {
	prog  *ebpf.Program
	frame []byte
}

// newTrafficGen builds a generator of frame out of ifindex; t.Cleanup
// closes it.
func newTrafficGen(t *testing.T, frame []byte, ifindex int) *trafficGen {
	t.Helper()
	p, err := genProgram(frame, ifindex)
	if err != nil {
		t.Fatalf("generator program: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	return &trafficGen{prog: p, frame: frame}
}

// rxCounter is an XDP program that counts the frames it receives (in a
// per-CPU array) and drops them: the sink at the far end of a relay.
type rxCounter struct {
	prog  *ebpf.Program
	count *ebpf.Map
}

func newRxCounter() (*rxCounter, error) {
	m, err := ebpf.NewMap(&ebpf.MapSpec{Name: "argo_bench_rx", Type: ebpf.PerCPUArray,
		KeySize: 4, ValueSize: 8, MaxEntries: 1})
	if err != nil {
		return nil, err
	}
	insns := asm.Instructions{
		asm.StoreImm(asm.R10, -4, 0, asm.Word),
		asm.Mov.Reg(asm.R2, asm.R10),
		asm.Add.Imm(asm.R2, -4),
		asm.LoadMapPtr(asm.R1, m.FD()),
		asm.FnMapLookupElem.Call(),
		asm.JEq.Imm(asm.R0, 0, "out"),
		asm.LoadMem(asm.R1, asm.R0, 0, asm.DWord),
		asm.Add.Imm(asm.R1, 1),
		asm.StoreMem(asm.R0, 0, asm.R1, asm.DWord),
		asm.Mov.Imm(asm.R0, 1).WithSymbol("out"), // XDP_DROP
		asm.Return(),
	}
	p, err := ebpf.NewProgram(&ebpf.ProgramSpec{Name: "argo_bench_rx", Type: ebpf.XDP,
		Instructions: insns, License: "Dual MIT/GPL"})
	if err != nil {
		m.Close()
		return nil, err
	}
	return &rxCounter{prog: p, count: m}, nil
}

// total returns the frames counted so far.
func (c *rxCounter) total() (uint64, error) {
	var per []uint64
	if err := c.count.Lookup(uint32(0), &per); err != nil {
		return 0, err
	}
	var n uint64
	for _, v := range per {
		n += v
	}
	return n, nil
}

func (c *rxCounter) Close() error { return errors.Join(c.prog.Close(), c.count.Close()) }

// liveRun runs prog on frame repeat times in live-frames mode and returns
// the errno. EINTR (a signal, e.g. Go's preemption) means that part of the
// repetitions ran.
func liveRun(prog *ebpf.Program, frame []byte, repeat uint32) unix.Errno {
	attr := testRunAttr{
		progFD:     uint32(prog.FD()),
		dataSizeIn: uint32(len(frame)),
		dataIn:     uint64(uintptr(unsafe.Pointer(&frame[0]))),
		repeat:     repeat,
		flags:      bpfFTestXDPLiveFrames,
	}
	_, _, errno := unix.Syscall(unix.SYS_BPF, unix.BPF_PROG_TEST_RUN, uintptr(unsafe.Pointer(&attr)), unsafe.Sizeof(attr))
	runtime.KeepAlive(frame)
	return errno
}

// kernelRelease returns uname -r.
func kernelRelease() string {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return "unknown"
	}
	return unix.ByteSliceToString(u.Release[:])
}

// requireLiveFrames skips t with the kernel release and the errno when
// BPF_PROG_TEST_RUN refuses live-frames mode for g, run in ns.
func requireLiveFrames(t *testing.T, ns *testNS, g *trafficGen) {
	t.Helper()
	var errno unix.Errno
	ns.must(t, func() error {
		errno = liveRun(g.prog, g.frame, 1)
		return nil
	})
	if errno != 0 && errno != unix.EINTR {
		t.Skipf("BPF_PROG_TEST_RUN with BPF_F_TEST_XDP_LIVE_FRAMES refused on kernel %s: errno %d (%s); "+
			"live-frames mode needs Linux >= 5.18", kernelRelease(), int(errno), unix.ErrnoName(errno))
	}
}

// generator is a running trafficGen: one locked OS thread inside a
// namespace, calling BPF_PROG_TEST_RUN in a loop.
type generator struct {
	stop  atomic.Bool
	ready chan struct{} // closed once tid is set
	done  chan struct{}
	tid   int // the generating thread
	err   error
}

// genRepeat is the number of frames per BPF_PROG_TEST_RUN call. Every
// call sets up and tears down a page pool, which waits for an RCU grace
// period (milliseconds): calls must be long. finish interrupts the one
// under way with a signal.
const genRepeat = 1 << 26

// start runs g in live-frames mode inside ns until finish, on one locked
// OS thread whose id it records.
func (tg *trafficGen) start(ns *testNS) *generator {
	g := &generator{ready: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(g.done)
		g.err = ns.do(func() error {
			g.tid = unix.Gettid()
			close(g.ready)
			for !g.stop.Load() {
				if errno := liveRun(tg.prog, tg.frame, genRepeat); errno != 0 && errno != unix.EINTR {
					return fmt.Errorf("live-frames run: %w", errno)
				}
			}
			return nil
		})
	}()
	select {
	case <-g.ready:
	case <-g.done: // could not enter ns
	}
	return g
}

// finish stops the generator and returns its error. The call under way
// ends with EINTR when a signal is pending: SIGURG, which the Go runtime
// uses for preemption and otherwise ignores.
func (g *generator) finish() error {
	g.stop.Store(true)
	for {
		select {
		case <-g.done:
			return g.err
		default:
		}
		if g.tid != 0 {
			unix.Tgkill(unix.Getpid(), g.tid, unix.SIGURG)
		}
		time.Sleep(time.Millisecond)
	}
}
