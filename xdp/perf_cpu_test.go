package xdp

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// CPU accounting of the receiver B in the performance comparison.
//
// B's receive work runs in threaded NAPI: every veth of B that receives
// the generated frames gets its own kthread (napi/<ifname>-<id>), so the
// XDP program, or skb allocation + GRO + the stack + nftables + socket
// enqueue, runs in a thread whose CPU time /proc/<pid>/schedstat reports
// exactly (sum_exec_runtime, in ns). The kernel here has no
// CONFIG_IRQ_TIME_ACCOUNTING, so /proc/stat's softirq column is sampled
// at the tick (4 ms) and softirq work run at the tail of some other task
// is charged to that task: threaded NAPI on every receiving veth avoids
// both problems. A userspace relay runs in this test process: its CPU is
// the process's (CLOCK_PROCESS_CPUTIME_ID) minus the generator thread's
// (/proc/self/task/<tid>/schedstat), which leaves the relay, the Go
// runtime and the test's own bookkeeping; it is measured the same way for
// every alternative so that the comparison stays fair.

// schedstatCPU reads the run time (ns) from a schedstat file.
func schedstatCPU(path string) (time.Duration, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0, fmt.Errorf("%s: empty", path)
	}
	ns, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	return time.Duration(ns), nil
}

// napiThreads returns the pids of the NAPI kthreads of interface ifname
// (interface names in the comparison are unique on the host).
func napiThreads(ifname string) []int {
	var pids []int
	comms, _ := filepath.Glob("/proc/[0-9]*/comm")
	for _, c := range comms {
		b, err := os.ReadFile(c)
		if err == nil && strings.HasPrefix(string(b), "napi/"+ifname+"-") {
			pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(c)))
			pids = append(pids, pid)
		}
	}
	return pids
}

// napiPids returns the pids of the NAPI kthreads of ifnames.
func napiPids(t *testing.T, ifnames ...string) []int {
	t.Helper()
	var all []int
	for _, ifname := range ifnames {
		pids := napiThreads(ifname)
		if len(pids) == 0 {
			t.Fatalf("no NAPI kthread napi/%s-*: threaded NAPI is off or the veth has no NAPI", ifname)
		}
		all = append(all, pids...)
	}
	return all
}

// pidsCPU returns the CPU time of the given processes.
func pidsCPU(t *testing.T, pids []int) time.Duration {
	t.Helper()
	var sum time.Duration
	for _, pid := range pids {
		d, err := schedstatCPU(fmt.Sprintf("/proc/%d/schedstat", pid))
		if err != nil {
			t.Fatal(err)
		}
		sum += d
	}
	return sum
}

// processCPU returns the CPU time of this process, all threads.
func processCPU() time.Duration {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_PROCESS_CPUTIME_ID, &ts)
	return time.Duration(ts.Nano())
}

// taskCPU returns the CPU time of thread tid of this process.
func taskCPU(t *testing.T, tid int) time.Duration {
	t.Helper()
	d, err := schedstatCPU(fmt.Sprintf("/proc/self/task/%d/schedstat", tid))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// gro switches GRO of interface ifname of ns on or off. A veth has NAPI
// only while it runs an XDP program or has GRO on.
func gro(t *testing.T, ns *testNS, ifname string, on bool) {
	t.Helper()
	state := "off"
	if on {
		state = "on"
	}
	if out, err := ns.cmd("ethtool", "-K", ifname, "gro", state).CombinedOutput(); err != nil {
		t.Fatalf("ethtool -K %s gro %s: %v: %s", ifname, state, err, out)
	}
}

// threadedNAPI makes interface ifname of ns run NAPI in a kthread. The
// interface must have NAPI (a veth: an XDP program or GRO on), and a veth
// loses its NAPI, kthread included, when both go.
func threadedNAPI(t *testing.T, ns *testNS, ifname string) {
	t.Helper()
	// ip netns exec mounts the namespace's own /sys.
	if out, err := ns.cmd("sh", "-c", "echo 1 > /sys/class/net/"+ifname+"/threaded").CombinedOutput(); err != nil {
		t.Fatalf("threaded NAPI on %s: %v: %s", ifname, err, out)
	}
}

// stackNAPI prepares interface ifname of ns, whose GRO is off, for an
// alternative that leaves the packets to the kernel stack: with groOn,
// GRO on and no XDP program (a host's default), else the pass-through XDP
// program (a veth needs one of the two for NAPI). The NAPI runs threaded.
// It returns the undo function.
func stackNAPI(t *testing.T, ns *testNS, ifname string, groOn bool) func() {
	t.Helper()
	if groOn {
		gro(t, ns, ifname, true)
		threadedNAPI(t, ns, ifname)
		return func() { gro(t, ns, ifname, false) }
	}
	var p *PassProgram
	ns.must(t, func() error {
		var err error
		p, err = AttachPass(ifname)
		return err
	})
	threadedNAPI(t, ns, ifname)
	return func() { p.Close() }
}

// reniceNAPI sets the nice value of the NAPI kthreads of ifname.
func reniceNAPI(t *testing.T, ifname string, nice int) {
	t.Helper()
	pids := napiThreads(ifname)
	if len(pids) == 0 {
		t.Fatalf("no NAPI kthread napi/%s-*", ifname)
	}
	for _, pid := range pids {
		if err := unix.Setpriority(unix.PRIO_PROCESS, pid, nice); err != nil {
			t.Fatalf("renice napi/%s (pid %d): %v", ifname, pid, err)
		}
	}
}

// cpuMeter snapshots the CPU time spent at B: B's NAPI kthreads plus this
// process minus the generator thread. The kthreads are found once, before
// the window: scanning /proc costs this process milliseconds.
type cpuMeter struct {
	napi   []int // B's NAPI kthreads
	genTID int   // generator thread
}

// cpuSnap is one snapshot of a cpuMeter.
type cpuSnap struct{ napi, proc, gen time.Duration }

func (m cpuMeter) snap(t *testing.T) cpuSnap {
	t.Helper()
	return cpuSnap{napi: pidsCPU(t, m.napi), proc: processCPU(), gen: taskCPU(t, m.genTID)}
}

// since returns B's kernel (NAPI) and userspace (process minus generator)
// CPU time between s0 and s.
func (s cpuSnap) since(s0 cpuSnap) (kernel, user time.Duration) {
	return s.napi - s0.napi, (s.proc - s0.proc) - (s.gen - s0.gen)
}
