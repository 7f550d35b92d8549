package xdp

import (
	"os"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"golang.org/x/sys/unix"
)

func tcpu() time.Duration {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts)
	return time.Duration(ts.Nano())
}

func TestZZDiag(t *testing.T) {
	if os.Getenv("ARGO_DIAG") != "1" {
		t.Skip()
	}
	l := newDropLab(t)
	dropProg, err := ebpf.NewProgram(&ebpf.ProgramSpec{Type: ebpf.XDP, License: "GPL", Instructions: asm.Instructions{asm.Mov.Imm(asm.R0, 1), asm.Return()}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		p    *ebpf.Program
		xdp  bool
	}{{"drop-in-gen", dropProg, false}, {"redirect-no-napi", l.gen, false}, {"redirect-xdp", l.gen, true}} {
		var stop func()
		count := func() (uint64, uint64) { return 0, 0 }
		if c.xdp {
			count, stop = l.startXDP(t)
		}
		n := 0
		var cpu time.Duration
		start := time.Now()
		l.a.must(t, func() error {
			c0 := tcpu()
			for time.Since(start) < time.Second {
				if e := liveRun(c.p, l.frame, 1<<21); e != 0 {
					t.Logf("errno %v", e)
				}
				n++
			}
			cpu = tcpu() - c0
			return nil
		})
		h, _ := count()
		t.Logf("%s: %d frames/s offered, gen CPU %v, dropped at B %d", c.name, n*(1<<21), cpu, h)
		if stop != nil {
			stop()
		}
	}
}
